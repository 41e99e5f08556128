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
from bot.health import graded_help, not_responding
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
    """A copy's names, and the escalations a dry-run sweep opened itself (matched to the
    original's by cause and pairing)."""

    opened: Mapping[int, int] = field(default_factory=dict)

    def id(self, table: str, value: int | None) -> int | None:
        if table == "escalation" and value in self.opened:
            return self.opened[value]
        return super().id(table, value)


def _decisions(ctx: AppContext, at) -> tuple[list, dict, dict, list, list]:
    """What a dry-run sweep at `at` would send, when it would look at each pairing and
    escalation again, each stall the escalations planner would raise (opening an escalation or
    adding evidence to the open one), and every escalation any planner opened, as (id, cause,
    pairing id) in the order they were opened."""
    raised, opened = [], []

    def spy(raise_escalation, record_stall: bool):
        def raising(session, **stall):
            escalation, outcome = raise_escalation(session, **stall)
            if record_stall:
                raised.append((stall, outcome))
            if outcome == "opened":
                opened.append((escalation.id, str(stall["cause"]), stall.get("pairing_id")))
            return escalation, outcome

        return raising

    with pytest.MonkeyPatch.context() as patch:
        # Every planner that opens escalations: the stalls, and pair health's.
        for module, record_stall in (
            (escalation_sweep, True),
            (not_responding, False),
            (graded_help, False),
        ):
            patch.setattr(module, "raise_escalation", spy(module.raise_escalation, record_stall))
        planned, pass_ = plan(ctx, planners(ctx), at, dry_run=True)
    assert pass_.ids == sorted(pass_.next_at)
    return planned, pass_.next_at, pass_.escalations_next_at, raised, opened


def _opened_by_copy(decisions, copy: Copy, original) -> dict[int, int]:
    """The original's escalations opened by the sweep -> the ones copy `copy` opened for the
    same cause and pairing."""
    by_what = {(cause, pairing): e for e, cause, pairing in decisions[4]}
    return {e: by_what[(cause, copy.id("pairing", pairing))] for e, cause, pairing in original[4]}


def _as_copied(decisions, copy: Copy) -> tuple[list, dict, dict, list]:
    """A copy's decisions; a message about the whole (shared) programme is decided once, so it
    stays with the original (copy 0)."""
    planned, next_at, escalations_next_at, raised, _opened = decisions
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


@pytest.mark.skipif(
    not POSTGRES_URL,
    reason="needs PostgreSQL: runs in the PostgreSQL pass (SQLite hands a rolled-back id out "
    "again, so two planners' escalations in one dry-run sweep can share an id)",
)
def test_every_copy_decides_what_the_original_decides_with_its_own_ids(ctx):
    generate(ctx.engine, 50, NOW)
    steady_state(ctx, NOW)
    original = {at: _decisions(ctx, at) for at in TIMES}
    names = copies_of(ctx.engine)

    replicate(ctx.engine, COPIES)

    kinds = set()
    for at in TIMES:
        got = _decisions(ctx, at)
        assert len(got[4]) == COPIES * len(original[at][4]), at
        planned, next_at, escalations_next_at, raised = [], {}, {}, []
        for number in range(COPIES):
            plain = Copy(number, names.offsets, names.people)
            copy = _Swept(
                number,
                names.offsets,
                names.people,
                _opened_by_copy(got, plain, original[at]),
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
