"""Copies of a steady state: a data set K times as large without a first sweep over all of it.

`replicate(engine, copies)` adds `copies - 1` copies of everything a sweep reads or writes
about pairings — people, pairings, their health, pauses and re-engagements, session rows,
check-in answers, re-pair requests, escalations and their events, survey invitations and
outbox rows — to the same database. In
copy k every id is the original's plus k times that table's largest id, and every reference
to a person, pairing or escalation is rewritten the same way: foreign keys, AAD ids
(`aad-trainee-7` becomes `aad-trainee-7-copy3`), outbox idempotency keys (`nudge_key`,
`survey_key`, `card_key`), escalation open keys and evidence refs, survey subjects. The
programme, its coordinator channel and the sweep rules fingerprint are shared by all copies.

Each copy holds the original's facts, outbox and stored moments, so a sweep at any time
decides for copy k exactly what it decides for the original, ids mapped
(`tests/test_bench_replicate.py`): copies of a steady state are a steady state. Their
pairings share the original's pairing times, so pairings come due in groups of K. Rows of any
other table would not be copied, so those tables must be empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import JSON, func, inspect, select
from sqlalchemy.engine import Engine

from bench.sweep_data import CHUNK, analyse, flush, reset_sequences
from domain.keys import (
    escalation_card_key,
    escalation_open_key,
    is_programme_wide,
    nudge_key,
    occurrence_of_person,
    pairing_ended_key,
    person_of_occurrence,
    read_escalation_open_key,
    read_pairing_ended_key,
    read_pairing_nudge_key,
)
from store.db import chunked
from store.escalations import Escalation, EscalationEvent, RepairRequest
from store.health import PairHealth, PairHealthChange
from store.models import CheckIn, ConversationRef, MentoringSession, Pairing, Person
from store.outbox import OutboxMessage
from store.pauses import PausePeriod
from store.re_engagements import ReEngagement
from store.surveys import SurveyInvitation, pairing_id_of, subject_of

# Copied, parents before children.
COPIED = tuple(
    model.__table__
    for model in (
        Person,
        Pairing,
        PairHealth,
        PairHealthChange,
        PausePeriod,
        ReEngagement,
        MentoringSession,
        CheckIn,
        RepairRequest,
        Escalation,
        EscalationEvent,
        SurveyInvitation,
        OutboxMessage,
    )
)
# One row for all copies: the programme, its coordinator channel (personal conversation
# references are not copied), the rules fingerprint.
SHARED = ("alembic_version", "programme", "conversation_ref", "sweep_rules")


@dataclass(frozen=True)
class Copy:
    """How copy `number` names what the original names (copy 0 is the original)."""

    number: int
    # Table name -> the original's largest id.
    offsets: Mapping[str, int]
    # The original's people, by AAD id (other AAD ids, a coordinator's, are shared).
    people: frozenset[str]

    def id(self, table: str, value: int | None) -> int | None:
        return None if value is None else value + self.number * self.offsets[table]

    def aad(self, value: str | None) -> str | None:
        if self.number == 0 or value not in self.people:
            return value
        return f"{value}-copy{self.number}"

    def key(self, key: str) -> str:
        """An outbox idempotency key: an escalation's (`card_key`), or a nudge's or survey
        sending's (`nudge_key` with the pairing id)."""
        if is_programme_wide(key):
            return key  # the programme is shared by every copy
        if key.startswith("escalation:"):
            _prefix, escalation_id, variant = key.split(":")
            return escalation_card_key(self.id("escalation", int(escalation_id)), variant)
        ended = read_pairing_ended_key(key)
        if ended is not None:
            pairing_id, recipient = ended
            return pairing_ended_key(self.id("pairing", pairing_id), self.aad(recipient))
        read = read_pairing_nudge_key(key)
        if read is None:
            raise ValueError(f"no rule to copy the outbox key {key!r}")
        recipient, kind, pairing_id, period = read
        return nudge_key(
            self.aad(recipient), kind, period, pairing_id=self.id("pairing", pairing_id)
        )

    def open_key(self, key: str | None) -> str | None:
        if key is None:
            return None
        about, number, cause = read_escalation_open_key(key)
        if about == "pairing":
            return escalation_open_key(cause, pairing_id=self.id("pairing", number), person_id=None)
        return escalation_open_key(cause, pairing_id=None, person_id=self.id("person", number))

    def subject(self, subject: str) -> str:
        pairing_id = pairing_id_of(subject)
        if pairing_id is None:
            raise ValueError(f"no rule to copy the survey subject {subject!r}")
        return subject_of(self.id("pairing", pairing_id), subject.split(":", 1)[1])

    def ref(self, ref: str | None) -> str | None:
        """An occurrence ref: a person's ("person-12:week-4") names the person."""
        person_id = person_of_occurrence(ref) if ref else None
        if person_id is None:
            return ref
        return occurrence_of_person(ref, self.id("person", person_id))

    def evidence(self, items: list[dict]) -> list[dict]:
        return [
            item
            | {"ref": self.ref(item.get("ref"))}
            | ({"by": self.aad(item["by"])} if "by" in item else {})
            for item in items
        ]


# Columns naming a person, pairing or escalation other than by foreign key, per table.
_REWRITTEN: dict[str, dict[str, Callable]] = {
    "person": {"aad_object_id": Copy.aad},
    "pairing": {"confirmed_by": Copy.aad},
    "mentoring_session": {"logged_by": Copy.aad},
    "escalation": {
        "open_key": Copy.open_key,
        "evidence": Copy.evidence,
        "acknowledged_by": Copy.aad,
        "assigned_to": Copy.aad,
        "resolved_by": Copy.aad,
    },
    "escalation_event": {"actor_aad_object_id": Copy.aad},
    "survey_invitation": {"subject": Copy.subject},
    "re_engagement": {"outbox_key": Copy.key},
    "outbox_message": {"idempotency_key": Copy.key, "recipient_aad_object_id": Copy.aad},
}


def _rewrites(table) -> dict[str, Callable]:
    """Column name -> how copy k writes it: its own id, a foreign key to a copied table, a
    column of `_REWRITTEN`; the rest (and foreign keys to shared tables) as they are."""
    copied = {t.name for t in COPIED}
    rewrites: dict[str, Callable] = {}
    for column in table.columns:
        if column.primary_key:
            rewrites[column.name] = lambda copy, value, name=table.name: copy.id(name, value)
        for foreign_key in column.foreign_keys:
            target = foreign_key.column.table.name
            if target in copied:
                rewrites[column.name] = lambda copy, value, name=target: copy.id(name, value)
            elif target not in SHARED:
                raise ValueError(f"{table.name}.{column.name} names {target}, not copied")
    return rewrites | _REWRITTEN.get(table.name, {})


def check_copyable(engine: Engine) -> None:
    """Every table with rows is copied or shared; the shared conversation references are
    channels only."""
    known = {t.name for t in COPIED} | set(SHARED)
    with engine.connect() as connection:
        for name in inspect(engine).get_table_names():
            if name in known or name.startswith("sqlite_"):
                continue
            if connection.exec_driver_sql(f'SELECT 1 FROM "{name}" LIMIT 1').first():
                raise ValueError(f"table {name} has rows and is not copied")
        refs = ConversationRef.__table__
        personal = select(refs.c.id).where(refs.c.aad_object_id.is_not(None)).limit(1)
        if connection.execute(personal).first():
            raise ValueError("personal conversation references are not copied")


def copies_of(engine: Engine, number: int = 0) -> Copy:
    """How copy `number` names things, from the original as it is in the database (before
    `replicate`)."""
    people = Person.__table__
    with engine.connect() as connection:
        offsets = {
            t.name: connection.execute(select(func.max(t.c.id))).scalar() or 0
            for t in COPIED
            if "id" in t.c  # a pairing's health is keyed by the pairing's id
        }
        aad_ids = frozenset(connection.execute(select(people.c.aad_object_id)).scalars())
    return Copy(number, offsets, aad_ids)


def _write(connection, table, rows: list[dict]) -> None:
    """Bulk inserts; on PostgreSQL through COPY (several times faster for millions of rows)."""
    if connection.dialect.name != "postgresql":
        flush(connection, table, rows)
        return
    names = [column.name for column in table.columns]
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    cursor = connection.connection.driver_connection.cursor()
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[n]) if n in as_json and row[n] is not None else row[n]
                    for n in names
                ]
            )


def _programme_wide(table, row) -> bool:
    """A message about the whole (shared) programme, such as a digest: it has no copies."""
    return table is OutboxMessage.__table__ and is_programme_wide(row.idempotency_key)


def replicate(engine: Engine, copies: int) -> None:
    """Add copies 1 .. `copies - 1` of the original, then refresh the planner statistics."""
    check_copyable(engine)
    original = copies_of(engine)
    numbered = [Copy(n, original.offsets, original.people) for n in range(1, copies)]
    for table in COPIED:
        rewrites = _rewrites(table)
        with engine.begin() as connection:
            order = list(table.primary_key.columns)
            rows = [
                row._asdict()
                for row in connection.execute(select(table).order_by(*order))
                if not _programme_wide(table, row)
            ]
            for copy in numbered:
                for chunk in chunked(rows, CHUNK):
                    copied = [
                        row | {name: rewrite(copy, row[name]) for name, rewrite in rewrites.items()}
                        for row in chunk
                    ]
                    _write(connection, table, copied)
    reset_sequences(engine, [table.name for table in COPIED if "id" in table.c])
    analyse(engine)
