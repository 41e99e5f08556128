"""How long a typed answer may be, and what to say when one is longer.

An answer over its limit is never cut: it is refused with a message that says the limit and
gives the text back, so nothing typed is lost. Cards say the limit next to the box.
"""

from __future__ import annotations

LONG_TEXT = 1000  # comments, details, reasons, notes
SHORT_TEXT = 200  # a place, a name of a process


def limit_words(limit: int) -> str:
    """“up to 1,000 characters”, to put next to a box on a card."""
    return f"up to {limit:,} characters"


def text_of(value: object) -> str:
    """A submitted value as text: what a card sends for a text box (anything else is empty)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def too_long(label: str, text: str, limit: int = LONG_TEXT) -> str | None:
    """A kind refusal for `text` over `limit` that gives it back; None when it fits."""
    if len(text) <= limit:
        return None
    return (
        f"“{label}” can be at most {limit:,} characters, and yours has {len(text):,}. Nothing "
        "was saved: please shorten it and send it again. Here is what you wrote, so nothing is "
        f"lost:\n\n{text}"
    )
