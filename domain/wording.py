"""Small rules of English shared by the messages the bot writes."""

from __future__ import annotations

from collections.abc import Iterable


def joined(parts: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"
