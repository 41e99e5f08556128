"""Draw the Teams app icons: `color.png` (192x192) and `outline.png` (32x32).

The mark is a three-step staircase with an arrow rising over it: "step forward". The colour
icon is the white mark on the manifest's accent colour; the outline icon is the same mark in
white on a fully transparent background, as Teams requires. Both are drawn ten times larger
and scaled down, for smooth edges.

Run from the repository root after changing the mark or the accent colour, and commit the PNGs:

    .venv/bin/python manifest/make_icons.py

Needs Pillow (in the `dev` extras); the bot itself never draws icons.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SUPERSAMPLE = 10

# The mark, on a 100x100 grid: a staircase rising to the right...
STAIRS = [(8, 92), (8, 72), (36, 72), (36, 50), (64, 50), (64, 28), (92, 28), (92, 92)]
# ...and an arrow climbing over it, from lower left to upper right.
ARROW_SHAFT = ((10, 54), (42, 22))
ARROW_HEAD = [(54, 10), (30, 16), (48, 34)]
SHAFT_WIDTH = 9


def _mark(size: int) -> Image.Image:
    """The mark as an 8-bit mask (255 = mark) filling a `size` x `size` square."""
    big = size * SUPERSAMPLE
    scale = big / 100

    def at(points: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> list[tuple[float, ...]]:
        return [(x * scale, y * scale) for x, y in points]

    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    draw.polygon(at(STAIRS), fill=255)
    draw.line(at(ARROW_SHAFT), fill=255, width=round(SHAFT_WIDTH * scale))
    draw.polygon(at(ARROW_HEAD), fill=255)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def color_icon(accent: str) -> Image.Image:
    """192x192: the white mark inside Teams' 120x120 safe area, on the accent colour."""
    icon = Image.new("RGB", (192, 192), accent)
    mark = _mark(120)
    icon.paste(Image.new("RGB", mark.size, "white"), (36, 36), mark)
    return icon


def outline_icon() -> Image.Image:
    """32x32: white only, the mark's shape in the alpha channel, transparent elsewhere."""
    alpha = Image.new("L", (32, 32), 0)
    alpha.paste(_mark(28), (2, 2))
    icon = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    icon.putalpha(alpha)
    return icon


def main() -> None:
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    color_icon(manifest["accentColor"]).save(HERE / manifest["icons"]["color"], optimize=True)
    outline_icon().save(HERE / manifest["icons"]["outline"], optimize=True)
    print(f"wrote {manifest['icons']['color']} and {manifest['icons']['outline']} in {HERE}")


if __name__ == "__main__":
    main()
