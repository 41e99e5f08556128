"""Fill card templates written in a subset of the Adaptive Cards Templating Language.

Supported, with the same meaning as Microsoft's templating SDK:
- `${path.to.value}` inside any string; a string that is exactly one expression takes the
  value itself (a list, a number, a boolean), otherwise the value is formatted into the text;
- `"$data": "${list}"` on an element of an array repeats that element once per item, with
  the item as the scope (`$root` still reaches the top-level data);
- `"$when": "${flag}"` keeps the element only when the value is truthy.
Missing values render as an empty string, never as the raw expression.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_EXPRESSION = re.compile(r"\$\{([^}]+)\}")
_MISSING = object()


@cache
def _load(name: str) -> dict:
    with (TEMPLATES_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def template_names() -> list[str]:
    return sorted(path.stem for path in TEMPLATES_DIR.glob("*.json"))


def render_card(name: str, data: dict[str, Any] | None = None) -> dict:
    """Return the filled card as a new dict (templates are cached and never mutated)."""
    root = data or {}
    return _fill(copy.deepcopy(_load(name)), root, root)


def _lookup(path: str, scope: Any, root: dict) -> Any:
    path = path.strip()
    current: Any = scope
    parts = path.split(".")
    if parts[0] == "$root":
        current, parts = root, parts[1:]
    elif parts[0] == "$data":
        parts = parts[1:]
    for part in parts:
        if isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return _MISSING
    return current


def _fill_string(text: str, scope: Any, root: dict) -> Any:
    whole = _EXPRESSION.fullmatch(text)
    if whole:
        value = _lookup(whole.group(1), scope, root)
        return "" if value is _MISSING or value is None else value

    def replace(match: re.Match) -> str:
        value = _lookup(match.group(1), scope, root)
        return "" if value is _MISSING or value is None else str(value)

    return _EXPRESSION.sub(replace, text)


def _fill(node: Any, scope: Any, root: dict) -> Any:
    if isinstance(node, str):
        return _fill_string(node, scope, root)
    if isinstance(node, list):
        result: list[Any] = []
        for item in node:
            result.extend(_expand(item, scope, root))
        return result
    if isinstance(node, dict):
        if "$data" in node:
            # A top-level or property-valued object with its own scope.
            expanded = _expand(node, scope, root)
            return expanded[0] if expanded else {}
        if "$when" in node and not _fill(node["$when"], scope, root):
            return None
        return {key: _fill(value, scope, root) for key, value in node.items() if key != "$when"}
    return node


def _expand(item: Any, scope: Any, root: dict) -> list[Any]:
    """An array element may repeat ($data over a list) or vanish ($when false)."""
    if not isinstance(item, dict):
        return [_fill(item, scope, root)]
    if "$data" in item:
        data = _fill(item["$data"], scope, root)
        body = {key: value for key, value in item.items() if key != "$data"}
        items = data if isinstance(data, list) else [data]
        filled = [_fill(body, each, root) for each in items if each not in ("", None)]
        return [each for each in filled if each is not None]
    filled = _fill(item, scope, root)
    return [] if filled is None else [filled]
