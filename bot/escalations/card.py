"""An escalation's card as it stands: for the coordinator channel (post and re-post) and the
champion's copy, and the messages that carry it there.

A participant's own words are shown on the coordinators' cards only: never to the other party,
and not on the champion's copy.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from adaptive_cards import render_card
from bot.outbox.planned import PlannedMessage
from bot.settings import Settings
from bot.teams import message_payload
from domain.escalations import (
    Cause,
    Kind,
    Status,
    kind_of,
    open_for,
    title_of,
)
from domain.keys import (
    CardCopy,
    escalation_card_key,
)
from domain.local_time import format_local_date, format_local_datetime
from domain.managers import asking_line
from domain.text_limits import LONG_TEXT, limit_words
from store.conversations import ref_by_conversation
from store.escalations import (
    Escalation,
    ReleaseBlock,
    events_of,
    release_blocks_of,
)
from store.managers import ask_facts, release_request_of
from store.models import ConversationRef, Pairing, PairingStatus, Person, Programme
from store.outbox import OutboxStatus, by_key
from store.people import get_person
from store.programmes import current_programme

log = logging.getLogger(__name__)

CARD, REPOST, CHAMPION = CardCopy.CARD, CardCopy.REPOST, CardCopy.CHAMPION
HISTORY_SHOWN = 8
_EVENT_WORDS = {
    "opened": "raised",
    "evidence": "more evidence",
    "acknowledged": "acknowledged",
    "assigned": "assigned it to",
    "note": "note",
    "resolved": "resolved",
    "re_paired": "re-paired",
    "pairing_ended": "ended the pairing",
    "messaged": "messaged",
    "reminded": "unacknowledged: posted again",
    "told_reached": "told the reporter it reached the coordinators",
    "told_outcome": "told the reporter the outcome",
    "replied": "replied (their words are above)",
    "manager_answered": "line manager answered",
}


def escalation_title(escalation: Escalation) -> str:
    return title_of(escalation.cause, paired=escalation.pairing_id is not None)


def champion_copy(session: Session, escalation_id: int, settings: Settings) -> str:
    """Where the champion's copy of a re-post stands: "sent", "on its way", "undelivered", or
    "none" (no champion is configured)."""
    row = by_key(session, escalation_card_key(escalation_id, CHAMPION))
    if row is None:
        return "on its way" if settings.champion else "none"
    if row.status == OutboxStatus.SENT.value:
        return "sent"
    if row.status == OutboxStatus.PENDING.value:
        return "on its way"
    return "undelivered"


_REPOSTED = {
    "sent": "posted again and sent to the programme champion.",
    "on its way": "posted again; a copy is on its way to the programme champion.",
    "undelivered": "posted again; the copy for the programme champion could not be delivered.",
    "none": "posted again. No programme champion is configured, so nobody else has been told.",
}
_REMINDED = {
    "sent": " and sent to the programme champion",
    "on its way": "; a copy is on its way to the programme champion",
    "undelivered": "; the copy for the programme champion could not be delivered",
    "none": " (no programme champion is configured)",
}


def name_of(session: Session, aad: str | None, fallback: str = "someone") -> str:
    person = get_person(session, aad) if aad else None
    return (person.display_name if person and person.display_name else None) or fallback


def coordinator_channel(session: Session, escalation: Escalation, now) -> ConversationRef | None:
    programme = (
        session.get(Programme, escalation.programme_id)
        if escalation.programme_id
        else current_programme(session, now)
    )
    if programme is None or not programme.coordinator_conversation_id:
        return None
    return ref_by_conversation(session, programme.coordinator_conversation_id)


def people_of(session: Session, escalation: Escalation) -> list[tuple[Person, str]]:
    """The participants an escalation is about, with their role: the pair, or the reporter."""
    pairing = session.get(Pairing, escalation.pairing_id) if escalation.pairing_id else None
    if pairing is not None:
        return [
            (session.get(Person, pairing.trainee_person_id), "trainee"),
            (session.get(Person, pairing.mentor_person_id), "mentor"),
        ]
    person = session.get(Person, escalation.person_id) if escalation.person_id else None
    return [(person, "participant")] if person is not None else []


def escalation_card(
    session: Session,
    settings: Settings,
    escalation: Escalation,
    now: datetime,
    variant: str = CARD,
) -> dict:
    """The card of an escalation as it stands at `now`, for the channel or the champion."""
    tz = settings.default_time_zone
    for_champion = variant == CHAMPION
    pairing = session.get(Pairing, escalation.pairing_id) if escalation.pairing_id else None
    people = people_of(session, escalation)
    reporter = session.get(Person, escalation.person_id) if escalation.person_id else None
    resolved = escalation.status == Status.RESOLVED.value

    facts = []
    if pairing is not None:
        trainee, mentor = people[0][0], people[1][0]
        pair_line = (
            f"{trainee.display_name} (trainee) ↔ {mentor.display_name} (mentor), since "
            f"{format_local_date(pairing.paired_at, tz)}"
        )
        if pairing.status != PairingStatus.ACTIVE.value:
            pair_line += f" — {pairing.status}"
        facts.append({"title": "Pairing", "value": pair_line})
        if reporter is not None:
            facts.append({"title": "Raised by", "value": reporter.display_name or "—"})
    else:
        facts.append({"title": "Who", "value": reporter.display_name if reporter else "—"})
        facts.append({"title": "Pairing", "value": "not paired"})
    since = format_local_datetime(escalation.opened_at, tz)
    if resolved:
        facts.append(
            {
                "title": "Was open",
                "value": f"{open_for(escalation.resolved_at - escalation.opened_at)} "
                f"(from {since})",
            }
        )
    else:
        facts.append(
            {
                "title": "Open for",
                "value": f"{open_for(now - escalation.opened_at)} (since {since})",
            }
        )
    facts.append({"title": "Status", "value": _status_line(session, escalation, tz)})
    if not resolved:
        facts.append(
            {
                "title": "Assigned to",
                "value": name_of(session, escalation.assigned_to)
                if escalation.assigned_to
                else "nobody yet",
            }
        )
    blocks = release_blocks_of(session, escalation.id) if escalation.id else []
    for block in _latest_per_person(blocks):
        who = session.get(Person, block.person_id)
        manager = (
            f"{block.manager_name}" + (f" ({block.manager_email})" if block.manager_email else "")
            if block.manager_name
            else "unknown"
        )
        facts.append({"title": f"Line manager of {who.display_name}", "value": manager})
        asked = release_request_of(session, block.id)
        if asked is not None:
            facts.append(
                {
                    "title": "Line manager asked",
                    "value": asking_line(ask_facts(asked, tz), show_reason=not for_champion),
                }
            )

    evidence = [
        {"line": f"{format_local_date(datetime.fromisoformat(e['at']), tz)}: {e['text']}"}
        for e in escalation.evidence
    ]
    private = [
        {"line": f"{name_of(session, e.get('by'), 'They')}: “{e['private']}”"}
        for e in escalation.evidence
        if e.get("private")
    ]
    history = [
        {"line": _history_line(session, settings, event, tz)}
        for event in events_of(session, escalation.id)[-HISTORY_SHOWN:]
    ]
    banner = ""
    if variant == REPOST and not resolved:
        banner = (
            f"Still not acknowledged after {settings.escalation_working_days} working days: "
            + _REPOSTED[champion_copy(session, escalation.id, settings)]
        )
    elif for_champion:
        banner = (
            f"Sent to you as the programme champion: nobody acknowledged this in "
            f"{settings.escalation_working_days} working days."
        )
    recipients = [
        {"title": f"{person.display_name} ({role})", "value": str(person.id)}
        for person, role in people
    ]
    default = str(escalation.person_id) if escalation.person_id else ""
    if default not in {r["value"] for r in recipients}:
        default = recipients[0]["value"] if recipients else ""
    active = pairing is not None and pairing.status == PairingStatus.ACTIVE.value
    cause = Cause(escalation.cause)
    return render_card(
        "escalation",
        {
            "escalation_id": escalation.id,
            "title": ("✅ " if resolved else "⚠️ ") + escalation_title(escalation),
            "color": "Good" if resolved else "Attention",
            "subtitle": f"Escalation #{escalation.id}",
            "banner": banner,
            "facts": facts,
            "evidence": evidence,
            "private": [] if for_champion else private,
            "has_private": bool(private) and not for_champion,
            "private_elsewhere": "Their own words are shown to the coordinators only."
            if for_champion and private
            else "",
            "history": history,
            "has_history": bool(history),
            "open": not resolved,
            "can_acknowledge": escalation.status == Status.OPEN.value,
            "can_message": not resolved and bool(recipients),
            "recipients": recipients,
            "default_recipient": default,
            "has_pairing": not resolved and active,
            "pairing_line": (
                f"End the pairing of {people[0][0].display_name} and {people[1][0].display_name}?"
                if active
                else ""
            ),
            "outcome_label": (
                "Outcome (also sent to whoever reported the release block; "
                if kind_of(cause) == Kind.RELEASE_BLOCK
                else "Outcome ("
            )
            + f"{limit_words(LONG_TEXT)})",
        },
    )


def _latest_per_person(blocks: list[ReleaseBlock]) -> list[ReleaseBlock]:
    latest: dict[int, ReleaseBlock] = {}
    for block in blocks:
        latest[block.person_id] = block
    return list(latest.values())


def _status_line(session: Session, escalation: Escalation, tz: str) -> str:
    if escalation.status == Status.RESOLVED.value:
        return (
            f"Resolved by {name_of(session, escalation.resolved_by)}, "
            f"{format_local_datetime(escalation.resolved_at, tz)}: {escalation.outcome}"
        )
    if escalation.status == Status.ACKNOWLEDGED.value:
        return (
            f"Acknowledged by {name_of(session, escalation.acknowledged_by)}, "
            f"{format_local_datetime(escalation.acknowledged_at, tz)}"
        )
    return "Open: not acknowledged yet"


def _history_line(session: Session, settings: Settings, event, tz: str) -> str:
    who = name_of(session, event.actor_aad_object_id, "Step Forward")
    words = _EVENT_WORDS.get(event.event, event.event)
    line = f"{format_local_datetime(event.at, tz)} · {who}: {words}"
    if event.event == "reminded":
        return line + _REMINDED[champion_copy(session, event.escalation_id, settings)]
    if event.detail and event.event not in ("opened", "evidence"):
        line += f" {event.detail}" if event.event == "assigned" else f": {event.detail}"
    return line


def channel_card_message(
    session: Session, settings: Settings, escalation: Escalation, now, variant: str = CARD
) -> PlannedMessage | None:
    """The channel post (or re-post) of an escalation, if there is a coordinator channel."""
    channel = coordinator_channel(session, escalation, now)
    if channel is None:
        return None
    card = escalation_card(session, settings, escalation, now, variant)
    return PlannedMessage(
        channel.conversation_id,
        "escalation" if variant == CARD else "escalation_repost",
        escalation_card_key(escalation.id, variant),
        payload=message_payload(cards=[card], summary=escalation_title(escalation)),
        routine=False,
        to_channel=True,
        working_hours=False,
    )


def champion_message(
    session: Session, settings: Settings, escalation: Escalation, now
) -> PlannedMessage | None:
    if not settings.champion:
        return None
    card = escalation_card(session, settings, escalation, now, CHAMPION)
    return PlannedMessage(
        settings.champion,
        "escalation_champion",
        escalation_card_key(escalation.id, CHAMPION),
        payload=message_payload(
            "An escalation in the mentoring programme has waited "
            f"{settings.escalation_working_days} working days without a coordinator "
            "acknowledging it. You can act on it here.",
            cards=[card],
        ),
        routine=False,
        working_hours=True,
    )


def reached_coordinators(session: Session, escalation_id: int) -> bool:
    row = by_key(session, escalation_card_key(escalation_id))
    return row is not None and row.status == OutboxStatus.SENT.value
