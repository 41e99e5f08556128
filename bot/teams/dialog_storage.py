"""A botbuilder `Storage` kept in our database, so dialogs survive restarts.

State objects are flattened to JSON with jsonpickle, as botbuilder's own storage providers
do; the `e_tag` gives the optimistic concurrency botbuilder expects (`*` means overwrite).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import Storage
from jsonpickle import Pickler, Unpickler

from bot.context import AppContext
from store.dialog_state import delete_records, read_records, write_record

ETAG = "e_tag"


class DatabaseStorage(Storage):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def read(self, keys: list[str]) -> dict[str, Any]:
        with self.ctx.session() as session:
            records = read_records(session, list(keys))
            return {key: self._restore(record.data, record.etag) for key, record in records.items()}

    async def write(self, changes: dict[str, Any]) -> None:
        if not changes:
            return
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            for key, value in changes.items():
                data = Pickler().flatten(value)
                expected = self._etag_of(value)
                if isinstance(data, dict):
                    data.pop(ETAG, None)
                new_etag = write_record(session, key, data, now, expected)
                if isinstance(value, dict):
                    value[ETAG] = str(new_etag)  # a second save in the same turn stays valid

    async def delete(self, keys: list[str]) -> None:
        with self.ctx.session() as session:
            delete_records(session, list(keys))

    @staticmethod
    def _etag_of(value: Any) -> int | None:
        etag = value.get(ETAG) if isinstance(value, dict) else getattr(value, ETAG, None)
        if etag in (None, "*"):
            return None
        try:
            return int(etag)
        except (TypeError, ValueError):
            return None

    @staticmethod
    def _restore(data: Any, etag: int) -> Any:
        value = Unpickler().restore(data)
        if isinstance(value, dict):
            value[ETAG] = str(etag)
        return value
