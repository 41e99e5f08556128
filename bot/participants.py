"""The stored person behind a turn's sender, and the pairing they are in."""

from __future__ import annotations

from sqlmodel import Session

from bot.teams import Sender
from store.models import Pairing, Person
from store.pairings import active_pairing_of
from store.people import get_person


def sender_person(session: Session, sender: Sender) -> Person | None:
    """The stored person who sent a turn (None if unknown, e.g. no AAD object id)."""
    return get_person(session, sender.aad_object_id or "")


def sender_and_pairing(session: Session, sender: Sender) -> tuple[Person | None, Pairing | None]:
    """The sender and their active pairing, if any."""
    me = sender_person(session, sender)
    return me, active_pairing_of(session, me.id) if me else None
