"""Copies of a steady state (`bench.replicate`) are a steady state: a sweep at any time decides
for each copy exactly what it decides for the original, with that copy's ids and keys."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest

from bench import databases
from bench.replicate import Copy, check_copyable, copies_of, replicate
from bench.sweep_cost import NOW, settings_for, steady_state
from bench.sweep_data import generate
from bot.assembly import planners
from bot.context import AppContext
from bot.escalations import planner as escalation_sweep
from bot.outbox.sweep import plan
from domain.clock import FixedClock
from domain.keys import is_programme_wide
from store.engine import create_db_engine
from tests.conftest import POSTGRES_URL

COPIES = 3
# One minute after the steady state, then sweeps catching up over longer and longer gaps
# (nudges, survey rounds, stalls raising new escalations, overdue reminders).
TIMES = [NOW + timedelta(hours=h) for h in (0, 1, 24, 24 * 9, 24 * 40)]


@dataclass(frozen=True)
class _Swept(Copy):
    """A copy's names, and the escalations a dry-run sweep opened itself: numbered after the
    stored ones in pairing order, so copy after copy."""

    opened: Mapping[int, int] = field(default_factory=dict)

    def id(self, table: str, value: int | None) -> int | None:
        if table == "escalation" and value in self.opened:
            return self.opened[value]
        return super().id(table, value)


def _decisions(ctx: AppContext, at) -> tuple[list, dict, dict, list]:
    """What a dry-run sweep at `at` would send, when it would look at each pairing and
    escalation again, and each stall it would raise (opening an escalation or adding evidence
    to the open one)."""
    raised = []

    def raise_escalation(session, **stall):
        escalation, outcome = raise_escalation_of_the_store(session, **stall)
        raised.append((stall, outcome))
        return escalation, outcome

    raise_escalation_of_the_store = escalation_sweep.raise_escalation
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(escalation_sweep, "raise_escalation", raise_escalation)
        planned, pass_ = plan(ctx, planners(ctx), at, dry_run=True)
    assert pass_.ids == sorted(pass_.next_at)
    return planned, pass_.next_at, pass_.escalations_next_at, raised


def _opened(decisions, stored: int) -> list[int]:
    """The escalations a sweep opened: above the largest id stored."""
    planned, _next_at, escalations_next_at, _raised = decisions
    ids = set(escalations_next_at)
    ids |= {int(m.key.split(":")[1]) for m in planned if m.key.startswith("escalation:")}
    return sorted(i for i in ids if i > stored)


def _as_copied(decisions, copy: Copy) -> tuple[list, dict, dict, list]:
    """A copy's decisions; a message about the whole (shared) programme is decided once, so it
    stays with the original (copy 0)."""
    planned, next_at, escalations_next_at, raised = decisions
    return (
        [
            replace(m, recipient=copy.aad(m.recipient), key=copy.key(m.key))
            for m in planned
            if not (copy.number and is_programme_wide(m.key))
        ],
        {copy.id("pairing", p): at for p, at in next_at.items()},
        {copy.id("escalation", e): at for e, at in escalations_next_at.items()},
        [
            (
                stall
                | {
                    "pairing_id": copy.id("pairing", stall["pairing_id"]),
                    "person_id": copy.id("person", stall["person_id"]),
                    "ref": copy.ref(stall["ref"]),
                    "said_by": copy.aad(stall["said_by"]),
                },
                outcome,
            )
            for stall, outcome in raised
        ],
    )


@pytest.fixture
def ctx():
    backend = "postgresql" if POSTGRES_URL else "sqlite"
    with pytest.MonkeyPatch.context() as patch:
        if POSTGRES_URL:
            patch.setattr(databases, "postgres_admin_url", lambda: POSTGRES_URL)
        with databases.scratch_database(backend, "replicate") as url:
            engine = create_db_engine(url)
            yield AppContext(settings_for(url), engine, FixedClock(NOW))
            engine.dispose()


def test_every_copy_decides_what_the_original_decides_with_its_own_ids(ctx):
    generate(ctx.engine, 50, NOW)
    steady_state(ctx, NOW)
    original = {at: _decisions(ctx, at) for at in TIMES}
    names = copies_of(ctx.engine)
    stored = names.offsets["escalation"]

    replicate(ctx.engine, COPIES)

    kinds = set()
    for at in TIMES:
        got = _decisions(ctx, at)
        opened, opened_by_copies = _opened(original[at], stored), _opened(got, COPIES * stored)
        assert len(opened_by_copies) == COPIES * len(opened)
        planned, next_at, escalations_next_at, raised = [], {}, {}, []
        for number in range(COPIES):
            copy = _Swept(
                number,
                names.offsets,
                names.people,
                {e: opened_by_copies[number * len(opened) + i] for i, e in enumerate(opened)},
            )
            more = _as_copied(original[at], copy)
            planned += more[0]
            next_at |= more[1]
            escalations_next_at |= more[2]
            raised += more[3]
        assert Counter(got[0]) == Counter(planned), at
        assert got[1] == next_at, at
        assert got[2] == escalations_next_at, at
        assert got[3] == raised, at
        kinds |= {m.kind for m in got[0]}
        kinds |= {outcome for _stall, outcome in got[3]}
    # The comparison covered every kind of decision the data set leads to.
    assert {"book_session", "check_in", "log_request", "survey", "escalation"} <= kinds
    assert "opened" in kinds
    assert original[NOW][0] == [] and _decisions(ctx, NOW)[0] == []


def test_a_table_that_would_not_be_copied_must_be_empty(ctx):
    generate(ctx.engine, 4, NOW)
    with ctx.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO role_grant (aad_object_id, role, created_at) "
            "VALUES ('aad-x', 'coordinator', '2026-01-01 00:00:00')"
        )
    with pytest.raises(ValueError, match="role_grant"):
        check_copyable(ctx.engine)
