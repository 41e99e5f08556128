"""Key/value records holding conversation state as JSON, with an optimistic-concurrency tag."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from store.models import DialogStateRecord


class StaleWrite(Exception):
    """The record changed since it was read (another turn wrote it first)."""


def read_records(session: Session, keys: list[str]) -> dict[str, DialogStateRecord]:
    if not keys:
        return {}
    rows = session.exec(select(DialogStateRecord).where(DialogStateRecord.key.in_(keys)))
    return {row.key: row for row in rows}


def write_record(
    session: Session, key: str, data: dict, now: datetime, expected_etag: int | None
) -> int:
    """Store `data`; when `expected_etag` is given it must match the stored one."""
    row = session.get(DialogStateRecord, key)
    if row is None:
        row = DialogStateRecord(key=key, data=data, etag=1, updated_at=now)
    else:
        if expected_etag is not None and row.etag != expected_etag:
            raise StaleWrite(key)
        row.data = data
        row.etag += 1
        row.updated_at = now
    session.add(row)
    session.flush()
    return row.etag


def delete_records(session: Session, keys: list[str]) -> None:
    for key in keys:
        row = session.get(DialogStateRecord, key)
        if row is not None:
            session.delete(row)
