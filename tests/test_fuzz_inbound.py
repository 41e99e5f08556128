"""Property-based fuzzing of /api/messages with Hypothesis, against the real app on SQLite.

Generated requests: Teams-shaped activities from people in different states (the coordinator,
a paired trainee and mentor, a stranger) with fields dropped, replaced by the wrong type,
nested, huge or full of odd unicode (lone surrogates, NUL, right-to-left marks, emoji); card
submits with every action key the bot knows and random or missing fields; and bodies that are
not activities at all (bytes, JSON of other shapes, bad Content-Encoding).

What must hold for every request: no 5xx; no unhandled exception in the log; a refused request
(any 4xx) stores nothing; afterwards the bot still answers `help`. With authentication on
(MicrosoftAppId set) an unauthenticated request is refused (4xx) and stores nothing either.

Run time for CI: `FUZZ_EXAMPLES` examples (250 by default, derandomised so that every run
tries the same ones) without authentication and 60 with it, each under a 10 s deadline;
about half a minute in all. Set STEPFORWARD_FUZZ_EXAMPLES to try more, and
STEPFORWARD_FUZZ_RANDOM=1 for new examples on every run.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import threading
import zlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel, func, select

from bench.fake_connector import FakeConnector
from bench.teams_activities import channel_message, personal_message
from bot.settings import Settings
from domain.clock import FixedClock
from store.escalations import Escalation
from tests.conftest import COORDINATOR_AAD, START, start_bot

FUZZ_EXAMPLES = int(os.environ.get("STEPFORWARD_FUZZ_EXAMPLES", "250"))
SECURED_EXAMPLES = 60
DEADLINE = timedelta(seconds=10)

SAM = "aad-fuzz-trainee"
ADELE = "00000000-0000-0000-0000-0000000000022"  # a demo mentor
SENDERS = [COORDINATOR_AAD, SAM, ADELE, "aad-fuzz-stranger"]

# Every key a card submit is routed on, and what it usually carries.
CARD_ACTIONS = {
    "review": ["shortlist", "reject", "interview", "manager_support", "offer", "nonsense"],
    "pairing": ["confirm"],
    "escalation": ["acknowledge", "assign", "note", "resolve", "repair", "end_pairing", "message"],
    "release_block": ["report"],
    "repair_request": ["confirm", "cancel"],
    "placement": ["add", "update", "other"],
    "session": ["booked", "not_yet", "cant", "log", "other"],
    "check_in": ["yes", "not_really", "need_help", "other"],
    "survey": ["pulse", "mentee_end", "follow_up", "none"],
    "my_data": ["delete_confirmed", "keep"],
    "offer": ["accept", "decline"],
    "my_application": ["edit", "withdraw", "withdraw_confirmed", "view", "other"],
    "form": ["start", "about", "goals", "mentoring", "equality", "review", "nonsense"],
    "action": ["apply", "my_programme", "help", "other"],
}
CARD_FIELDS = [
    "application_id", "trainee", "mentor", "escalation_id", "recipient", "note", "outcome",
    "message", "what", "by", "details", "reason", "pairing_id", "kind", "host", "placement_id",
    "status_1", "refused_by_1", "note_1", "month", "date", "time", "happened", "held_on",
    "minutes", "steps_moved", "blocking", "week", "comment", "subject", "useful", "improve",
    "role", "consent", "organisation", "grade", "goals", "needs", "choice", "skip", "support",
    "manager_name", "support_date", "interview_outcome", "why",
]  # fmt: skip
COMMANDS = [
    "help", "apply", "my application", "my programme", "add step ", "done ", "snooze ",
    "I need help", "I can't get released", "I want a different mentor", "placements",
    "my data", "my feedback", "delete my data", "setup coordinator channel", "applications",
    "suggest pairs", "pair ", "pairs", "end pairing ", "re-pair ", "window ", "dates ",
    "escalations", "report", "export", "stop",
]  # fmt: skip

# Unicode that has broken bots: lone surrogates, NUL, bidi controls, combining marks, emoji.
ODD = st.sampled_from(
    ["\ud800", "\udfff", "\x00", "\u202e", "\u200b", "\ufeff", "e\u0301", "😀", "𝕏", "\uffff"]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.text(max_size=5), ODD), max_size=8).map("".join),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["x", "é", "😀", "\ud800"]), st.integers(0, 3000)
    ),
)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def card_values(draw) -> dict:
    """What a card's Action.Submit sends: a routing key, and fields right, wrong or missing."""
    key = draw(st.sampled_from(sorted(CARD_ACTIONS)))
    value = {key: draw(st.one_of(st.sampled_from(CARD_ACTIONS[key]), JSON))}
    fields = draw(st.lists(st.sampled_from(CARD_FIELDS), max_size=6, unique=True))
    for field in fields:
        value[field] = draw(st.one_of(st.integers(0, 5).map(str), st.integers(0, 5), JSON))
    return value


@st.composite
def activities(draw, service_url: str) -> dict:
    sender = draw(st.sampled_from(SENDERS))
    name = draw(st.one_of(st.just("Sam Taylor"), TEXT))
    text = draw(st.one_of(st.sampled_from(COMMANDS).map(lambda c: c + "1"), TEXT))
    if draw(st.booleans()):
        activity = personal_message(service_url, sender, text, user_name=name)
    else:
        activity = channel_message(service_url, sender, text, user_name=name)
    activity["id"] = f"fuzz-{draw(st.uuids())}"
    if draw(st.booleans()):
        activity["value"] = draw(card_values())
        activity["text"] = draw(st.one_of(st.none(), st.just(""), TEXT))
    kinds = ["message"] * 12 + ["conversationUpdate", "installationUpdate", "invoke", "event"]
    activity["type"] = draw(st.sampled_from(kinds) if draw(st.integers(0, 9)) else TEXT)
    if activity["type"] == "invoke":
        activity["name"] = draw(st.sampled_from(["adaptiveCard/action", "task/fetch"]) | TEXT)
    # Fields dropped, or given the wrong type (in a third of the activities: the rest reach
    # the bot, with odd text and card data).
    broken = draw(st.sampled_from([0, 0, 0, 0, 0, 0, 1, 2, 3]))
    fields = st.sampled_from(sorted(activity))
    for field in draw(st.lists(fields, min_size=broken, max_size=broken, unique=True)):
        if field == "serviceUrl":
            continue  # replies go to the fake connector; an unreachable one is no input error
        if draw(st.booleans()):
            del activity[field]
        else:
            activity[field] = draw(JSON)
    inner = draw(st.sampled_from([0, 0, 0, 0, 1, 2]))
    parts = st.sampled_from(["from", "conversation", "recipient", "channelData", "entities"])
    for path in draw(st.lists(parts, min_size=inner, max_size=inner)):
        node = activity.get(path)
        if isinstance(node, list) and node and isinstance(node[0], dict):
            node = node[0]  # an entity: a mention, or the client's time zone
        if isinstance(node, dict) and node:
            node[draw(st.sampled_from(sorted(node)))] = draw(JSON)
    return activity


@st.composite
def requests(draw, service_url: str) -> tuple[bytes, dict]:
    """(body, headers) of one POST."""
    headers = {"Content-Type": "application/json"}
    kind = draw(st.sampled_from(["activity"] * 8 + ["bytes", "json", "nested", "encoded"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200)), headers
    if kind == "json":
        return json.dumps(draw(JSON)).encode(), headers
    if kind == "nested":
        depth = draw(st.integers(10, 5000))
        return b'{"type":"message","value":' + b"[" * depth + b"]" * depth + b"}", headers
    body = json.dumps(draw(activities(service_url))).encode()
    if kind == "encoded":
        encoding = draw(st.sampled_from(["gzip", "deflate"]))
        if draw(st.booleans()):
            body = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)
        return body, headers | {"Content-Encoding": encoding}
    return body, headers


class ThreadedBot:
    """The real app on its own loop in a thread, so that Hypothesis can drive it synchronously."""

    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.connector = self.run(FakeConnector().start())
        self.clock = FixedClock(START)
        self.bot = self.run(start_bot(settings, self.clock, self.connector))

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=120)

    def post(self, body: bytes, headers: dict) -> tuple[int, str]:
        async def send():
            response = await self.bot.client.post("/api/messages", data=body, headers=headers)
            return response.status, await response.text()

        return self.run(send())

    def say(self, sender: str, text: str, name: str = "Sam Taylor") -> None:
        activity = personal_message(self.connector.url, sender, text, user_name=name)
        status, answer = self.post(
            json.dumps(activity).encode(), {"Content-Type": "application/json"}
        )
        assert status == 200, answer

    def stored_rows(self) -> int:
        with Session(self.bot.ctx.engine) as session:
            return sum(
                session.exec(select(func.count()).select_from(table)).one()
                for table in SQLModel.metadata.sorted_tables
            )

    def close(self) -> None:
        self.run(self.bot.client.close())
        self.run(self.connector.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class Failures(logging.Handler):
    """Log records that are errors or carry an exception (an unhandled one, in the bot)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


@pytest.fixture(scope="module")
def failures():
    handler = Failures()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def _seeded(tmp_path_factory, **overrides) -> ThreadedBot:
    """A programme with a coordinator channel, a paired trainee and mentor, an escalation."""
    from bench.teams_activities import channel_message as channel
    from tests.test_pairing import seed_accepted_trainee

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'stepforward.db'}"
    fields = {
        "database_url": url,
        "coordinators": [COORDINATOR_AAD],
        "champion": "aad-champion-1",
        "app_id": "",
        "scheduler_enabled": False,
    }
    settings = Settings(_env_file=None, **(fields | overrides))
    running = ThreadedBot(settings)
    with running.bot.ctx.session() as session:
        seed_accepted_trainee(session, SAM)
    if settings.app_id:
        return running
    connector = running.connector.url
    for aad in SENDERS:
        running.say(aad, "hi")
    body = json.dumps(channel(connector, COORDINATOR_AAD, "setup coordinator channel")).encode()
    assert running.post(body, {"Content-Type": "application/json"})[0] == 200
    body = json.dumps(channel(connector, COORDINATOR_AAD, "pair sam with adele")).encode()
    assert running.post(body, {"Content-Type": "application/json"})[0] == 200
    running.say(SAM, "I need help with my rota")
    with Session(running.bot.ctx.engine) as session:
        assert session.exec(select(Escalation)).all()
    return running


@pytest.fixture(scope="module")
def fuzzed_bot(tmp_path_factory):
    running = _seeded(tmp_path_factory)
    yield running
    running.close()


_SETTINGS = dict(
    deadline=DEADLINE,
    derandomize=not os.environ.get("STEPFORWARD_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_no_malformed_request_causes_a_5xx_an_exception_or_a_stored_row(fuzzed_bot, failures):
    connector_url = fuzzed_bot.connector.url

    @settings(max_examples=FUZZ_EXAMPLES, **_SETTINGS)
    @given(requests(connector_url))
    def one_request(request):
        body, headers = request
        before = fuzzed_bot.stored_rows()
        status, answer = fuzzed_bot.post(body, headers)
        event(f"HTTP {status}")
        assert status < 500, (status, answer, body[:300])
        assert not failures.records, [r.getMessage() for r in failures.records]
        if 400 <= status < 500:
            assert fuzzed_bot.stored_rows() == before, (status, answer, body[:300])

    one_request()
    # Afterwards everyone still gets answers.
    for aad in SENDERS:
        fuzzed_bot.say(aad, "help")
        assert fuzzed_bot.connector.texts(f"a:personal-{aad}")[-1].startswith(
            "Here is what you can ask"
        )
    assert not failures.records


@pytest.fixture(scope="module")
def secured_fuzzed_bot(tmp_path_factory):
    from http.server import ThreadingHTTPServer

    from tests.test_authentication import APP_ID, _Metadata  # noqa: F401 (the metadata server)

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    metadata = f"http://127.0.0.1:{server.server_port}/.well-known/openidconfiguration"
    running = _seeded(
        tmp_path_factory,
        app_id=APP_ID,
        app_password="not-used-by-these-tests",
        openid_metadata_url=metadata,
    )
    yield running
    running.close()
    server.shutdown()


def test_with_authentication_on_an_unauthenticated_malformed_request_stores_nothing(
    secured_fuzzed_bot, failures
):
    connector_url = secured_fuzzed_bot.connector.url
    # Under aiohttp's 8 KB header line limit (a longer header is refused by its HTTP parser).
    tokens = st.sampled_from(["", "Bearer", "Bearer x.y.z", "Basic abc"]) | st.text(
        max_size=200
    ).map(lambda t: "Bearer " + t.encode("utf-8", "replace").decode("latin-1"))

    @settings(max_examples=SECURED_EXAMPLES, **_SETTINGS)
    @given(requests(connector_url), tokens)
    def one_request(request, token):
        body, headers = request
        before = secured_fuzzed_bot.stored_rows()
        try:
            status, answer = secured_fuzzed_bot.post(body, headers | {"Authorization": token})
        except ValueError:
            return  # a header aiohttp's client will not send (e.g. a newline in it)
        assert 400 <= status < 500, (status, answer, body[:300])
        assert secured_fuzzed_bot.stored_rows() == before
        assert not failures.records, [r.getMessage() for r in failures.records]

    one_request()
