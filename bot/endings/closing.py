"""What an ended pairing sends: a closing card to each person still reachable, and, for an
early ending, one post in the coordinators' channel.

Every ending comes here: `end pairing` and `re-pair` (a coordinator), someone leaving the
programme (`delete my data`) through `PairingEnded`, and the programme's end through the
sweep (`bot.endings.programme_end`). The reason is the one stored on the pairing
(`store.pairings.end_pairing`). Keys come from `domain.keys`, so each card goes once per
pairing and person, and the channel post once per pairing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from adaptive_cards import render_card
from bot.outbox.planned import PlannedMessage
from bot.teams import message_payload
from domain.cadence import programme_month, sessions_planned_by
from domain.endings import (
    CLOSING_WORDS_LIMIT,
    GOALS_MET,
    HELPED,
    REASON_WORDS,
    WORDS_LABEL,
    EndReason,
    closing_words,
    early_ending,
    reason_of,
    surveys_after_end,
)
from domain.keys import early_ending_key, pairing_ended_key
from domain.local_time import format_local_date
from domain.surveys import Survey
from domain.text_limits import limit_words
from store.erasure import is_erased
from store.escalations import repair_requests_of
from store.models import Pairing, Person, Programme
from store.pairings import pair_people, sessions_held, steps_of

CLOSING, EARLY_ENDING = "closing", "early_ending"
NEXT_FOR_COORDINATORS = {
    EndReason.REPAIR: "A closing card goes to each of them; new mentors are suggested for the "
    "trainee.",
    EndReason.COORDINATOR: "A closing card goes to each of them. To pair the trainee again: "
    "**pair <trainee> with <mentor>**.",
    EndReason.LEFT: "A closing card goes to the one still on the programme, without saying "
    "why. A trainee still here can be paired again: **pair <trainee> with <mentor>**.",
}


def closing_card(
    session: Session,
    pairing: Pairing,
    reason: EndReason,
    ended_at: datetime,
    me: Person,
    partner: Person,
    held: int,
    surveys: Iterable[Survey] = (),
) -> dict:
    """`held`: the pair's sessions held (`sessions_held`)."""
    role = "trainee" if me.id == pairing.trainee_person_id else "mentor"
    end_survey, follow_ups = (
        surveys_after_end(surveys, role) if reason == EndReason.PROGRAMME_END else (False, ())
    )
    words = closing_words(
        role,
        partner.display_name or "your partner",
        reason,
        end_survey=end_survey,
        follow_up_months=follow_ups,
    )
    planned = sessions_planned_by(pairing.paired_at, ended_at, pairing.length_months)
    steps = steps_of(session, pairing.id, me.id)
    done = sum(1 for step in steps if step.done_at is not None)
    achieved = [
        {"title": "Sessions held", "value": f"{held} of {planned} planned"},
        {
            "title": "Action-plan steps done",
            "value": f"{done} of {len(steps)}" if steps else "none written down",
        },
    ]
    return render_card(
        "closing",
        {
            "title": words.title,
            "intro": words.intro,
            "achieved": achieved,
            "helped_choices": [{"title": t, "value": v} for v, t in HELPED.items()],
            "goals_choices": [{"title": t, "value": v} for v, t in GOALS_MET.items()],
            "words_label": f"{WORDS_LABEL} (optional, {limit_words(CLOSING_WORDS_LIMIT)})",
            "words_limit": CLOSING_WORDS_LIMIT,
            "next_steps": [{"text": text} for text in words.next_steps],
            "pairing_id": pairing.id,
        },
    )


def closing_messages(
    session: Session,
    pairing: Pairing,
    reason: EndReason,
    ended_at: datetime,
    *,
    in_working_hours: bool,
    surveys: Iterable[Survey] = (),
) -> list[PlannedMessage]:
    """A closing card for each of the pair still here (someone who left gets none).
    `surveys`: the survey definitions (what comes after the programme's end)."""
    trainee, mentor = pair_people(session, pairing)
    held = sessions_held(session, pairing.id)
    messages = []
    for me, partner in ((trainee, mentor), (mentor, trainee)):
        if me is None or partner is None or is_erased(me):
            continue
        messages.append(
            PlannedMessage(
                me.aad_object_id,
                CLOSING,
                pairing_ended_key(pairing.id, me.aad_object_id),
                payload=message_payload(
                    cards=[
                        closing_card(session, pairing, reason, ended_at, me, partner, held, surveys)
                    ]
                ),
                routine=False,
                working_hours=in_working_hours,
            )
        )
    return messages


def _asked_to_repair(session: Session, pairing: Pairing, tz: str) -> str:
    """What either person said, privately to the coordinators, when asking to be re-paired
    (their words, shown only here, in the coordinators' channel)."""
    said = []
    for request in repair_requests_of(session, pairing.id):
        person = session.get(Person, request.person_id)
        if request.reason and person is not None and not is_erased(person):
            said.append(
                f"{person.display_name} asked privately to be re-paired on "
                f"{format_local_date(request.requested_at, tz)}: “{request.reason}”"
            )
    return "".join(f"\n\n{line}" for line in said)


def early_ending_post(
    session: Session, pairing: Pairing, ended_by: str | None, tz: str
) -> PlannedMessage | None:
    """The coordinators' channel told of an ending before programme month 3: who, when, and
    the reason category. None when it is not early or there is no channel."""
    if not early_ending(pairing.paired_at, pairing.ended_at, pairing.end_reason):
        return None
    reason = reason_of(pairing.end_reason)
    programme = session.get(Programme, pairing.programme_id)
    if programme is None or not programme.coordinator_conversation_id:
        return None
    trainee, mentor = pair_people(session, pairing)
    month = programme_month(pairing.paired_at, pairing.ended_at, pairing.length_months)
    held = sessions_held(session, pairing.id)
    text = (
        f"**A pairing ended early** (in programme month {month}): "
        f"{trainee.display_name} ↔ {mentor.display_name}, paired on "
        f"{format_local_date(pairing.paired_at, tz)}, ended on "
        f"{format_local_date(pairing.ended_at, tz)}"
        + (f" by {ended_by}" if ended_by else "")
        + f".\n\nReason: {REASON_WORDS[reason]}. Sessions held: {held}."
        + _asked_to_repair(session, pairing, tz)
        + "\n\n"
        + NEXT_FOR_COORDINATORS[reason]
    )
    return PlannedMessage(
        programme.coordinator_conversation_id,
        EARLY_ENDING,
        early_ending_key(pairing.id),
        payload=message_payload(text),
        routine=False,
        to_channel=True,
        working_hours=False,
    )
