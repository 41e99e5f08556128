"""Someone who has stopped answering: after the configured routine questions in a row (a
check-in, "did your session happen?": `ASKING`) with no message or button from them since,
they count as not responding. Nudges that ask nothing of them (a reminder, a booking card the
partner acts on) do not count: a quiet partner who lets the other book is not silent. Their
routine nudges then wait (`bot.outbox.dispatcher`) instead of nagging into the void, their
partner is told once,
kindly, that the coordinators will be in touch, and the coordinators get a "not responding"
escalation with the evidence. Any message or button from them clears it
(`store.people.upsert_person`) and the held nudges go again.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.outbox.planned import PlannedMessage
from bot.teams import message_payload
from domain.cadence import ItemKind
from domain.escalations import Cause
from domain.keys import dated_occurrence, partner_not_responding_key
from domain.local_time import format_local_date
from store.escalations import raise_escalation
from store.models import Person

# The routine nudges that ask the person for an answer.
ASKING = (ItemKind.CHECK_IN.value, ItemKind.LOG_REQUEST.value)


def unanswered_in_a_row(sent_at: list[datetime], since: datetime) -> int:
    """Questions sent after `since` (the last time the bot heard from them)."""
    return sum(1 for at in sent_at if at is not None and at > since)


def _partner_words(role: str, name: str) -> str:
    """To the partner of someone not responding (`role`: the silent one's role)."""
    who = f"your {'mentor' if role == 'mentor' else 'mentee'}, {name},"
    return (
        f"I haven't heard back from {who} for a while, so I've paused my reminders to them "
        "and asked the programme coordinators to get in touch with them. You don't need to do "
        "anything: keep going with your action plan, and type **I need help** if you'd like "
        "to talk to the coordinators yourself."
    )


def notice_not_responding(
    session: Session,
    *,
    pairing,
    silent,
    partner,
    role: str,
    unanswered: int,
    default_zone: str,
    now: datetime,
) -> PlannedMessage:
    """Mark `silent` as not responding, raise the escalation, and the message to `partner`."""
    person = session.get(Person, silent.id)
    person.not_responding_since = now
    session.add(person)
    name = silent.display_name or f"the {role}"
    since = silent.last_heard_at or pairing.paired_at
    raise_escalation(
        session,
        cause=Cause.NOT_RESPONDING,
        now=now,
        evidence=(
            f"{name} ({role}) has not answered the last {unanswered} questions (check-ins, "
            f"did the session happen; nothing from them since "
            f"{format_local_date(since, default_zone)}); their routine reminders are paused "
            "until they answer, and their partner has been told you will be in touch"
        ),
        ref=dated_occurrence(silent.id, now.date()),
        programme_id=pairing.programme_id,
        pairing_id=pairing.id,
        person_id=silent.id,
    )
    return PlannedMessage(
        partner.aad_object_id,
        "partner_not_responding",
        partner_not_responding_key(partner.aad_object_id, pairing.id, now.date()),
        payload=message_payload(_partner_words(role, name)),
        routine=False,
        working_hours=True,
    )
