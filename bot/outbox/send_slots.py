"""How many proactive sends this process has in flight, and in what order per recipient.

One per process (`AppContext.send_slots`), shared by every dispatch: the sweep's batches,
messages sent at once from a turn, a cohort event's invitations. So at most `limit` messages
are ever between "handed to Teams" and "outcome recorded" in one process, however many
dispatches overlap: that bounds what a killed instance can leave unrecorded (and send again).

A recipient's messages go in the order their dispatches asked for them (`in_order`, first come
first served), so a sweep may claim its next batch while the current one is still sending
without a person's second message overtaking their first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SendSlots:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"at least one send must be allowed in flight, not {limit}")
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        # Per recipient: its lock and how many dispatches hold or wait for it (dropped at 0).
        self._recipients: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def in_order(self, recipient: str) -> AsyncIterator[None]:
        """Hold `recipient`'s turn: dispatches that ask later wait until this one is done."""
        lock, users = self._recipients.get(recipient) or (asyncio.Lock(), 0)
        self._recipients[recipient] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._recipients[recipient]
            if users == 1:
                del self._recipients[recipient]
            else:
                self._recipients[recipient] = (lock, users - 1)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of the `limit` sends in flight (waiters are served in the order they asked)."""
        async with self._slots:
            yield

    @property
    def waiting_recipients(self) -> int:
        """Recipients with a dispatch holding or waiting for their turn (for tests)."""
        return len(self._recipients)
