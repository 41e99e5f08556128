"""Graded help, decided by the health planner once it has stored a pair's colour
(`domain.graded_help` says when and why): amber's one re-engagement message to each of the
pair, red's "pair at risk" escalation to the coordinators.

The re-engagement card offers three taps that use what exists already: Book a session (the
booking card's "more times", which offers times both are free or the scheduling link), Ask
for help (the `I need help` command) and Pause (`pause until`, from a date picker: the
pairing feature's `pause_until` card route). Its still-wanted check drops it at send time
when the pair is green again or has ended, or the person has paused or stopped responding.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from adaptive_cards import render_card
from bot.context import AppContext
from bot.outbox.planned import PlannedMessage
from bot.teams import message_payload
from domain.cadence import programme_month
from domain.escalations import Cause
from domain.graded_help import (
    at_risk_due,
    at_risk_evidence,
    noticed_for,
    re_engagement_due,
    re_engagement_text,
)
from domain.health import Colour, Health
from domain.keys import (
    RE_ENGAGEMENT,
    re_engagement_key,
    read_pairing_nudge_key,
    red_spell_occurrence,
)
from domain.pauses import is_paused
from store.escalations import Escalation, raise_escalation
from store.health import PairHealth
from store.models import Pairing, PairingStatus, Person
from store.outbox import OutboxMessage, existing_keys
from store.people import get_person
from store.re_engagements import ReEngagement, in_window

TITLE = "How's your mentoring going?"


def _may_be_asked(person: Person, now: datetime) -> bool:
    """Not paused and not marked as not responding."""
    return not is_paused(person.snoozed_until, now) and person.not_responding_since is None


def _message(
    pairing: Pairing,
    reader: Person,
    role: str,
    partner: Person,
    result: Health,
    key: str,
    now: datetime,
) -> PlannedMessage:
    month = programme_month(pairing.paired_at, now, pairing.length_months) or 1
    text = re_engagement_text(
        role, partner.display_name or "your partner", noticed_for(result.concerns, role)
    )
    card = render_card(
        "re_engagement",
        {"title": TITLE, "text": text, "pairing_id": pairing.id, "month": month},
    )
    return PlannedMessage(
        reader.aad_object_id,
        RE_ENGAGEMENT,
        key,
        payload=message_payload(cards=[card], summary=TITLE),
        # In working hours, but not one of the routine nudges: it does not take the day's
        # place of a check-in (which would delay what the health rules count).
        routine=False,
        working_hours=True,
    )


def plan_re_engagement(
    session: Session,
    *,
    pairing: Pairing,
    trainee: Person,
    mentor: Person,
    stored: PairHealth,
    result: Health,
    latest_window: datetime | None,
    every_days: int,
    now: datetime,
) -> list[PlannedMessage]:
    """The pair's re-engagement messages: decided once per window. A later sweep within the
    same window plans again only those the outbox does not hold yet (a sweep stopped between
    deciding and writing them), so nothing is rendered twice."""
    if stored.colour != Colour.AMBER.value:
        return []
    window = stored.since
    sides = ((trainee, "trainee", mentor), (mentor, "mentor", trainee))
    keys = {
        person.id: re_engagement_key(person.aad_object_id, pairing.id, window.date())
        for person, _role, _partner in sides
    }
    if latest_window is not None and latest_window == window:
        written = existing_keys(session, keys.values())
        if written.issuperset(keys.values()):
            return []
        decided = {row.person_id for row in in_window(session, pairing.id, window)}
        chosen = [
            side for side in sides if side[0].id in decided and keys[side[0].id] not in written
        ]
    elif re_engagement_due(
        stored.colour, stored.previous_colour, latest_window, window, every_days
    ):
        chosen = [side for side in sides if _may_be_asked(side[0], now)]
        for person, _role, _partner in chosen:
            session.add(
                ReEngagement(
                    pairing_id=pairing.id,
                    person_id=person.id,
                    window_starts_at=window,
                    decided_at=now,
                    outbox_key=keys[person.id],
                )
            )
    else:
        return []
    return [
        _message(pairing, person, role, partner, result, keys[person.id], now)
        for person, role, partner in chosen
    ]


def raise_pair_at_risk(
    session: Session,
    *,
    pairing: Pairing,
    stored: PairHealth,
    result: Health,
    open_escalations: int,
    resolved: list[tuple[str, datetime]],
    now: datetime,
) -> Escalation | None:
    """Raise "pair at risk" with the health reasons if it is due; the escalation if it was."""
    red_topics = [c.topic for c in result.concerns if c.colour == Colour.RED]
    if not at_risk_due(stored.colour, stored.since, red_topics, open_escalations, resolved):
        return None
    escalation, _what = raise_escalation(
        session,
        cause=Cause.PAIR_AT_RISK,
        now=now,
        evidence=at_risk_evidence(stored.reasons),
        ref=red_spell_occurrence(stored.since),
        programme_id=pairing.programme_id,
        pairing_id=pairing.id,
    )
    return escalation


def re_engagement_still_wanted(
    _ctx: AppContext, session: Session, message: OutboxMessage, now: datetime
) -> bool:
    """Not once the pair is green again or has ended, nor to someone who has paused or
    stopped responding since it was decided."""
    read = read_pairing_nudge_key(message.idempotency_key)
    if read is None:
        return False
    person = get_person(session, message.recipient_aad_object_id)
    if person is None or not _may_be_asked(person, now):
        return False
    pairing = session.get(Pairing, read[2])
    if pairing is None or pairing.status != PairingStatus.ACTIVE.value:
        return False
    stored = session.get(PairHealth, pairing.id)
    return stored is None or stored.colour != Colour.GREEN.value
