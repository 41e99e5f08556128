"""Reading what a person submitted on a card: Teams sends every input as text."""

from __future__ import annotations


def card_int(value) -> int | None:
    """A whole number from a card's submitted data (ids, weeks, minutes), or None."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None
