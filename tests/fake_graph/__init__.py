"""A fake Microsoft Graph and token service on loopback HTTPS, for the whole test suite.

Start it with the `fake_graph` fixture (tests/conftest.py); `graph_settings` are the test's
settings pointed at it. State, by area, for tests to set up and inspect:

- `fake.directory`: users, managers, groups (paged at `fake.page_size` with @odata.nextLink);
- `fake.calendar`: busy items and working hours per mailbox, events created, updated and
  cancelled, attendees' answers (`respond`);
- `fake.meetings`: online meetings behind join links, attendance reports (`add_report`);
- `fake.teamwork`: the app catalog and apps installed per user (`on_install` hook).

Failure switches: `fake.fail(endpoint, status, times=N, retry_after=S, act_first=...)` and
`fake.hang(endpoint, times=N)`; endpoint names are listed in each area's module, "*" is every
Graph endpoint and "token" the token service. Every Graph request is recorded:
`fake.calls` (all) and `fake.calls_to(endpoint)`; `fake.token_requests` has the token
service's forms.
"""

from __future__ import annotations

from typing import Any

from bot.settings import Settings
from tests.fake_graph.calendar import FakeCalendar, FakeEvent
from tests.fake_graph.directory import FakeDirectory
from tests.fake_graph.meetings import FakeMeetings
from tests.fake_graph.server import CLIENT_ID, SECRET, TENANT, TOKEN, Call, GraphServer
from tests.fake_graph.teamwork import APP_CATALOG_ID, APP_MANIFEST_ID, FakeTeamwork

__all__ = [
    "APP_CATALOG_ID",
    "APP_MANIFEST_ID",
    "CLIENT_ID",
    "SECRET",
    "TENANT",
    "TOKEN",
    "Call",
    "FakeEvent",
    "FakeGraph",
    "Sleeps",
]


class FakeGraph(GraphServer):
    def __init__(self, *, page_size: int = 100) -> None:
        super().__init__(page_size=page_size)
        self.directory = FakeDirectory(self)
        self.meetings = FakeMeetings(self)
        self.calendar = FakeCalendar(self, self.meetings, self.directory.address_of)
        self.teamwork = FakeTeamwork(self)

    @property
    def calls(self) -> list[Call]:
        return self.recorder.calls

    def calls_to(self, endpoint: str) -> list[Call]:
        return self.recorder.to(endpoint)

    def configure(self, settings: Settings, **overrides: Any) -> Settings:
        """`settings` pointed at this fake, with its catalog's app as the bot's Teams app."""
        return super().configure(settings, **{"teams_app_catalog_id": APP_CATALOG_ID, **overrides})


class Sleeps:
    """A stand-in for asyncio.sleep that records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
