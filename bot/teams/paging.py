"""Long replies in pages.

Teams refuses a bot message much over 100 KB and we keep each well under 80 KB. The budget
is counted in UTF-8 bytes of the text, and set at half that, because the JSON that carries it
may escape a non-ASCII character as six bytes. Pages break between lines; a page of a longer
reply ends with "(page 2 of 5)".
"""

from __future__ import annotations

PAGE_BYTES = 40_000
_FOOTER_BYTES = 40  # room for "\n\n(page 12 of 34)"


def pages(lines: list[str], limit: int = PAGE_BYTES) -> list[str]:
    """Join lines into pages of at most `limit` bytes (UTF-8), never splitting a line
    unless one line alone is longer than a page."""
    result: list[str] = []
    current = ""
    for line in lines:
        while len(line.encode("utf-8")) > limit:
            head = line.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
            if current:
                result.append(current)
                current = ""
            result.append(head)
            line = line[len(head) :]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode("utf-8")) > limit:
            result.append(current)
            candidate = line
        current = candidate
    if current:
        result.append(current)
    return result


def numbered_pages(text: str, limit: int = PAGE_BYTES) -> list[str]:
    """The pages of `text`, each numbered when there is more than one."""
    parts = pages(text.split("\n"), limit - _FOOTER_BYTES)
    if len(parts) <= 1:
        return parts or [text]
    return [f"{part}\n\n(page {n} of {len(parts)})" for n, part in enumerate(parts, start=1)]

