"""Column types shared by the tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# What no column can hold: a lone surrogate is not valid UTF-8 (SQLite, PostgreSQL), and
# PostgreSQL's text cannot hold NUL.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def holds_unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def storable_text(text: str) -> str:
    """`text` with what no column can hold replaced by U+FFFD (the replacement character)."""
    return _UNSTORABLE.sub("\ufffd", text)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes.

    SQLite has no time zone support, so values are normalised to UTC on the way in and
    tagged as UTC on the way out; PostgreSQL stores them as `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
