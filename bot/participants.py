"""The stored person behind a turn's sender, and the pairing they are in."""

from __future__ import annotations

from sqlmodel import Session

from bot.teams import Sender
from store.models import Pairing, Person
from store.pairings import person_and_active_pairing
from store.people import get_person


def sender_person(session: Session, sender: Sender) -> Person | None:
    """The stored person who sent a turn (None if unknown, e.g. no AAD object id)."""
    return get_person(session, sender.aad_object_id or "")


def sender_and_pairing(session: Session, sender: Sender) -> tuple[Person | None, Pairing | None]:
    """The sender and their active pairing, if any (one query)."""
    return person_and_active_pairing(session, sender.aad_object_id or "")
