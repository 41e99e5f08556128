"""The layout's import rules, read from the code itself (see docs/architecture.md):

- only `bot/teams/` and `dialogs/` speak the Bot Framework SDK, so a move to its successors
  touches only those (the benchmarks' echo bot is the SDK's own baseline, on purpose);
- no module takes another module's underscore names;
- the benchmarks do not import the test suite;
- `domain/` and `store/` know nothing of the bot.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "dialogs", "domain", "store", "adaptive_cards", "surveys", "bench")
SDK = ("botbuilder", "botframework")
SPEAKS_BOT_FRAMEWORK = ("bot/teams/", "dialogs/")
SDK_BASELINE = "bench/echo_bot.py"


def _imports(folders=PACKAGES) -> Iterator[tuple[str, int, str, list[str]]]:
    """(file, line, module imported, names taken) for every import in `folders`."""
    for folder in folders:
        for file in sorted((ROOT / folder).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            if "/migrations/versions/" in path:
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        yield path, node.lineno, alias.name, []
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    yield path, node.lineno, node.module, [alias.name for alias in node.names]


def _is(module: str, *roots: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def test_only_the_teams_package_and_dialogs_import_the_bot_framework_sdk():
    found = [
        f"{path}:{line} imports {module}"
        for path, line, module, _names in _imports()
        if _is(module, *SDK) and not path.startswith(SPEAKS_BOT_FRAMEWORK) and path != SDK_BASELINE
    ]
    assert found == [], "the Bot Framework SDK outside bot/teams/ and dialogs/:\n" + "\n".join(
        found
    )


def test_the_rule_finds_an_sdk_import_where_it_does_not_belong(tmp_path):
    sample = "from botbuilder.core import TurnContext\nimport os\n"
    tree = ast.parse(sample)
    modules = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [m for m in modules if _is(m, *SDK)] == ["botbuilder.core"]


def test_no_module_takes_another_modules_underscore_names():
    found = [
        f"{path}:{line} takes {name} from {module}"
        for path, line, module, names in _imports(PACKAGES + ("tests",))
        for name in names
        if name.startswith("_") and not name.startswith("__") and _is(module, *PACKAGES)
    ]
    assert found == [], "\n".join(found)


def test_the_benchmarks_do_not_import_the_test_suite():
    found = [
        f"{path}:{line} imports {module}"
        for path, line, module, _names in _imports(("bench",))
        if _is(module, "tests")
    ]
    assert found == [], "\n".join(found)


def test_domain_and_store_know_nothing_of_the_bot():
    found = [
        f"{path}:{line} imports {module}"
        for path, line, module, _names in _imports(("domain", "store"))
        if _is(module, "bot", "dialogs", "adaptive_cards", *SDK)
        or (path.startswith("domain/") and _is(module, "store"))
    ]
    assert found == [], "\n".join(found)
