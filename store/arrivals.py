"""What is stored about a message's sender and its conversation, read in one statement: the
sender's row, the conversation reference's row and the roles granted to the sender.

One statement rather than three because this runs on every message, and on PostgreSQL each
statement is a round trip to the server (bench/README.md, "Inbound").

The roles are read here on every message rather than cached per process: roles are security,
and a cache would need every writer of `role_grant` (a coordinator removed by hand in SQL
too) to invalidate it on every instance, or a window in which a revoked coordinator could
still act. Read with the sender they cost a subquery of a statement that runs anyway and are
never stale (`tests/test_role_revocation.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, func, literal, select
from sqlmodel import Session

from store.models import ConversationRef, Person, RoleGrant

_PERSON, _CONVERSATION, _GRANT = Person.__table__, ConversationRef.__table__, RoleGrant.__table__
_ONE_ROW = select(literal(1).label("one")).subquery()
# Built once (SQLAlchemy then finds it compiled without working out its cache key again).
_STATEMENT = select(
    *(column.label(f"person_{column.name}") for column in _PERSON.c),
    *(column.label(f"conversation_{column.name}") for column in _CONVERSATION.c),
    select(func.aggregate_strings(_GRANT.c.role, ","))
    .where(_GRANT.c.aad_object_id == bindparam("aad"))
    .scalar_subquery()
    .label("granted"),
).select_from(
    _ONE_ROW.outerjoin(_PERSON, _PERSON.c.aad_object_id == bindparam("aad")).outerjoin(
        _CONVERSATION, _CONVERSATION.c.conversation_id == bindparam("conversation_id")
    )
)


@dataclass(frozen=True)
class Arrival:
    person: Mapping | None  # the sender's row, None if unknown
    conversation: Mapping | None  # the conversation reference's row, None if new
    granted: frozenset[str]  # the roles granted to the sender in the store


def read_arrival(
    session: Session, aad_object_id: str | None, conversation_id: str | None
) -> Arrival:
    row = (
        session.connection()
        .execute(_STATEMENT, {"aad": aad_object_id or "", "conversation_id": conversation_id or ""})
        .mappings()
        .one()
    )
    return Arrival(
        person=_part(row, "person", _PERSON),
        conversation=_part(row, "conversation", _CONVERSATION),
        granted=frozenset(row["granted"].split(",")) if row["granted"] else frozenset(),
    )


def _part(row: Mapping, prefix: str, table) -> dict | None:
    if row[f"{prefix}_id"] is None:
        return None
    return {column.name: row[f"{prefix}_{column.name}"] for column in table.c}
