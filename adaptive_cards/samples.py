"""Sample data for every card template, and the filled cards the previews render.

Each template `templates/<name>.json` has `samples/<name>.json`: the data the bot would pass to
`render_card` (taken from real conversations in the tests). `python -m adaptive_cards.samples
OUT_DIR` writes every filled card to `OUT_DIR/<name>.json`, so the card previews
(`e2e/card_previews.mjs`) show exactly what people see, new templates included.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from adaptive_cards.templating import render_card, template_names

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def sample_names() -> list[str]:
    return sorted(path.stem for path in SAMPLES_DIR.glob("*.json"))


def sample_data(name: str) -> dict:
    with (SAMPLES_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def filled_sample(name: str) -> dict:
    return render_card(name, sample_data(name))


def write_filled_samples(out_dir: Path) -> list[Path]:
    """Write one filled card per template; a template without sample data is an error."""
    missing = sorted(set(template_names()) - set(sample_names()))
    if missing:
        raise FileNotFoundError(f"no sample data in {SAMPLES_DIR} for: {', '.join(missing)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in template_names():
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(filled_sample(name), ensure_ascii=False, indent=2), "utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m adaptive_cards.samples OUT_DIR", file=sys.stderr)
        return 2
    try:
        written = write_filled_samples(Path(args[0]))
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"wrote {len(written)} cards to {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
