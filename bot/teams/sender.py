"""The person behind an incoming activity, and the pairing they are in."""

from __future__ import annotations

from botbuilder.schema import Activity
from sqlmodel import Session

from bot.teams.activities import sender_of
from store.models import Pairing, Person
from store.pairings import active_pairing_of
from store.people import get_person


def sender_person(session: Session, activity: Activity) -> Person | None:
    """The stored person who sent `activity` (None if unknown, e.g. no AAD object id)."""
    return get_person(session, sender_of(activity).aad_object_id or "")


def sender_and_pairing(
    session: Session, activity: Activity
) -> tuple[Person | None, Pairing | None]:
    """The sender and their active pairing, if any."""
    me = sender_person(session, activity)
    return me, active_pairing_of(session, me.id) if me else None
