"""Every idempotency key and escalation occurrence reference, built and read in one place.

An outbox row's key says who gets what about which thing and when (`nudge_key`, and the keys
of one-off messages below): the outbox stores each key once, so a key built the same way twice
is the same message, sent once. An escalation's open key allows one open escalation per
pairing (or person) and cause; an occurrence reference names one happening of a cause (a
check-in answer, a re-pair request) so the same occurrence is never added twice.

The formats are stored in the database: change one only with a migration of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

# --- nudges: who, what, (which pairing,) which period ---------------------------------------


def nudge_key(
    recipient_id: str | int,
    kind: str,
    period: str,
    *,
    pairing_id: str | int | None = None,
) -> str:
    """A stable idempotency key: who, what, (which pairing,) which period.

    nudge_key("user-1", "book_session", "month-3", pairing_id=7)
        == "user-1:book_session:pair-7:month-3"

    The recipient id may contain colons (Teams ids like "29:1a2b" do); kind, period and pairing
    id may not (nor may a kind start with "pair-"), so two different nudges never share a key.
    """
    recipient = str(recipient_id).strip()
    if not recipient:
        raise ValueError("nudge key needs a recipient id")
    parts = [str(kind).strip()]
    if pairing_id is not None:
        parts.append(f"pair-{str(pairing_id).strip()}")
    parts.append(str(period).strip())
    for part in parts:
        if not part or part == "pair-" or ":" in part:
            raise ValueError(f"nudge key parts must be non-empty and without ':' ({part!r})")
    if parts[0].startswith("pair-"):
        raise ValueError("a nudge kind may not start with 'pair-' (kept for the pairing id)")
    return ":".join([recipient, *parts])


def read_pairing_nudge_key(key: str) -> tuple[str, str, int, str] | None:
    """(recipient, kind, pairing id, period) of a `nudge_key` made with a pairing id; None for
    any other key."""
    parts = key.rsplit(":", 3)
    if len(parts) != 4:
        return None
    recipient, kind, pairing, period = parts
    number = pairing.removeprefix("pair-")
    if not pairing.startswith("pair-") or not number.isdigit():
        return None
    return recipient, kind, int(number), period


def month_period(month: int) -> str:
    """A programme month (1-based) as a nudge's period."""
    return f"month-{month}"


def week_period(week: int) -> str:
    """A week after pairing (a check-in's) as a nudge's period."""
    return f"week-{week}"


def reminder_period(month: int, booked_for: datetime) -> str:
    """A session reminder's period: the month and the booked time (a new time, a new one)."""
    return f"month-{month}-at-{booked_for:%Y%m%d%H%M}"


# --- one-off messages -------------------------------------------------------------------------


def application_card_key(application_id: int, event: str) -> str:
    """The application's card in the coordinator channel, posted (again) after `event`."""
    return f"application:{application_id}:card:{event}"


def application_event_key(application_id: int, event: str) -> str:
    """The applicant told of `event` (a change to their application)."""
    return f"application:{application_id}:event:{event}"


def application_offer_key(application_id: int) -> str:
    return f"application:{application_id}:offer"


def application_decision_key(application_id: int, decision: str) -> str:
    """The applicant told of a coordinator's decision (reject, shortlist, ...)."""
    return f"application:{application_id}:{decision}"


def pairing_intro_key(pairing_id: int, aad_object_id: str) -> str:
    return f"pairing:{pairing_id}:intro:{aad_object_id}"


def pairing_ended_key(pairing_id: int, aad_object_id: str) -> str:
    """The closing card of an ended pairing, once per pairing per person."""
    return f"pairing:{pairing_id}:ended:{aad_object_id}"


def read_pairing_ended_key(key: str) -> tuple[int, str] | None:
    """(pairing id, AAD id) of a `pairing_ended_key`; None for any other key."""
    parts = key.split(":", 3)
    if len(parts) != 4 or parts[0] != "pairing" or parts[2] != "ended":
        return None
    return int(parts[1]), parts[3]


def early_ending_key(pairing_id: int) -> str:
    """The coordinators told in their channel that a pairing ended before month 3."""
    return f"pairing:{pairing_id}:ended-early"


def session_booked_key(
    pairing_id: int, month: int, booked_for: datetime, partner_person_id: int
) -> str:
    """The partner told that the month's session is booked (for that time)."""
    return f"pairing:{pairing_id}:booked:{month}:{booked_for:%Y%m%d%H%M}:{partner_person_id}"


def session_logged_key(pairing_id: int, month: int, partner_person_id: int) -> str:
    """The partner told that the month's session was logged."""
    return f"pairing:{pairing_id}:logged:{month}:{partner_person_id}"


def session_cancelled_key(pairing_id: int, month: int, booked_for: datetime, person_id: int) -> str:
    """A person told that the month's session (at that time) was cancelled."""
    return f"pairing:{pairing_id}:cancelled:{month}:{booked_for:%Y%m%d%H%M}:{person_id}"


def session_booking_not_made_key(booking_id: int) -> str:
    """The person who tapped a time told that Outlook did not make the meeting after all."""
    return f"session-booking:{booking_id}:not-made"


def session_event_transaction(booking_id: int, nonce: str) -> str:
    """The `transactionId` of a Teams meeting the bot books: Graph drops a second creation
    with the same one, so a retry never books the pair twice. The booking's id and a random
    part stored with it (a database started afresh reuses ids)."""
    if not nonce:
        raise ValueError("a transaction id needs the booking's stored random part")
    return f"stepforward-session-{booking_id}-{nonce}"


class CardCopy(StrEnum):
    """The copies of an escalation's card: the post, its re-post, the champion's."""

    CARD = "card"
    REPOST = "repost"
    CHAMPION = "champion"


def escalation_card_key(escalation_id: int, copy: CardCopy | str = CardCopy.CARD) -> str:
    return f"escalation:{escalation_id}:{CardCopy(copy).value}"


def escalation_message_key(escalation_id: int, event_id: int) -> str:
    """A coordinator's private message to a participant from the escalation card."""
    return f"escalation:{escalation_id}:message:{event_id}"


def escalation_outcome_key(escalation_id: int, person_id: int) -> str:
    """The person who reported a release block told the outcome."""
    return f"escalation:{escalation_id}:outcome:{person_id}"


def escalation_reply_key(escalation_id: int, event_id: int) -> str:
    """The coordinator channel told that a participant replied on an escalation."""
    return f"escalation:{escalation_id}:reply:{event_id}"


def partner_not_responding_key(partner_aad: str, pairing_id: int, since: date) -> str:
    """The partner told once that the other has stopped answering (since that day)."""
    return nudge_key(
        partner_aad, "partner_not_responding", since.isoformat(), pairing_id=pairing_id
    )


def re_engagement_key(aad: str, pairing_id: int, window_starts: date) -> str:
    """A pair's amber re-engagement message to one of them: once per pair per window, the
    window named by the day it opened (the day the pair turned amber; see
    `domain.graded_help` for when a new window may open)."""
    return nudge_key(aad, RE_ENGAGEMENT, window_starts.isoformat(), pairing_id=pairing_id)


RE_ENGAGEMENT = "re_engagement"


def health_digest_key(programme_id: int, week: str) -> str:
    """The coordinators' weekly digest of pair health for ISO week `week` ("2026-W49")."""
    return f"programme:{programme_id}:health-digest:{week}"


def is_programme_wide(key: str) -> bool:
    """Whether a key is about a whole programme (a digest), not about a person or a pair."""
    return key.startswith("programme:")


def release_block_reached_key(release_block_id: int) -> str:
    """The reporter of a release block told it reached the coordinators."""
    return f"release-block:{release_block_id}:reached"


# --- escalations ------------------------------------------------------------------------------


def escalation_open_key(cause: str, *, pairing_id: int | None, person_id: int | None) -> str:
    """The key that allows one open escalation per pairing (else per person) and cause."""
    if pairing_id is not None:
        return f"pairing:{pairing_id}:{cause}"
    if person_id is None:
        raise ValueError("an escalation is about a pairing or a person")
    return f"person:{person_id}:{cause}"


def read_escalation_open_key(key: str) -> tuple[str, int, str]:
    """("pairing" or "person", its id, cause) of an `escalation_open_key`."""
    about, number, cause = key.split(":", 2)
    return about, int(number), cause


def check_in_occurrence(person_id: int, week: int) -> str:
    """A person's check-in answer at week `week` (the same from the sweep and from the card)."""
    return f"person-{person_id}:week-{week}"


def dated_occurrence(person_id: int, on: date) -> str:
    """Something about a person that happens at most once a day (a re-pair request, becoming
    unreachable)."""
    return f"person-{person_id}:{on.isoformat()}"


def said_occurrence(person_id: int, at: datetime) -> str:
    """A person saying something (I need help) at `at`: every time is a new occurrence."""
    return f"person-{person_id}:said-{at:%Y%m%dT%H%M%S}"


def month_occurrence(month: int, person_id: int) -> str:
    """A person saying the pair can't meet in programme month `month`."""
    return f"month-{month}:person-{person_id}"


def red_spell_occurrence(red_since: datetime) -> str:
    """A pair being red from `red_since` ("pair at risk" is raised once per spell)."""
    return f"red-since-{red_since:%Y%m%dT%H%M%S}"


def release_occurrence(release_block_id: int) -> str:
    return f"release-{release_block_id}"


def person_of_occurrence(ref: str) -> int | None:
    """The person a per-person occurrence ("person-12:week-4") is about; None for others."""
    if not ref.startswith("person-"):
        return None
    try:
        return int(ref.split(":", 1)[0].removeprefix("person-"))
    except ValueError:
        return None


def occurrence_of_person(ref: str, person_id: int) -> str:
    """The same per-person occurrence about another person (copies of data keep the rest)."""
    if person_of_occurrence(ref) is None:
        raise ValueError(f"not a per-person occurrence: {ref!r}")
    return f"person-{person_id}:{ref.split(':', 1)[1]}"


# --- line managers ------------------------------------------------------------------------------


def manager_request_prefix(request_id: int) -> str:
    """What every key of a message about one request to a line manager starts with."""
    return f"manager-request:{request_id}:"


def manager_ask_key(request_id: int) -> str:
    """The card that asks a line manager (support before an offer, or time after a release
    block)."""
    return f"manager-request:{request_id}:ask"


def manager_reminder_key(request_id: int) -> str:
    """The one reminder of an unanswered request."""
    return f"manager-request:{request_id}:reminder"


def manager_asked_key(request_id: int) -> str:
    """The participant told that their line manager has been asked."""
    return f"manager-request:{request_id}:participant-told"


def manager_notice_key(request_id: int, notice: str) -> str:
    """The coordinator channel told something about a request (no answer, a manager who
    would like to talk)."""
    return f"manager-request:{request_id}:channel:{notice}"


def manager_digest_key(request_id: int, pairing_id: int, month: int) -> str:
    """A supporting manager's digest of programme month `month` of a pairing."""
    return f"manager-request:{request_id}:digest:pair-{pairing_id}:{month_period(month)}"


def read_manager_request_key(key: str) -> int | None:
    """The request a line manager's message is about, from any key above; None for others."""
    prefix, _, rest = key.partition(":")
    number = rest.split(":", 1)[0]
    if prefix != "manager-request" or not number.isdigit():
        return None
    return int(number)


# --- the cohort's shared events -------------------------------------------------------------

_EVENT = "cohort-event"


def _event_prefix(event_id: int) -> str:
    return f"{_EVENT}:{event_id}:"


def event_invitation_key(event_id: int, version: int, person_id: int) -> str:
    """The invitation as the event stood at `version` (a later version: a new invitation)."""
    return f"{_event_prefix(event_id)}invite-v{version}:{person_id}"


def event_change_key(event_id: int, version: int, person_id: int) -> str:
    """Someone already told about the event told of the change that made `version`."""
    return f"{_event_prefix(event_id)}change-v{version}:{person_id}"


def event_notice_keys(event_id: int, version: int, person_id: int) -> list[str]:
    """Every invitation and change key one person could have had, up to `version`."""
    return [
        key
        for v in range(1, version + 1)
        for key in (
            event_invitation_key(event_id, v, person_id),
            event_change_key(event_id, v, person_id),
        )
    ]


def event_cancelled_key(event_id: int, person_id: int) -> str:
    return f"{_event_prefix(event_id)}cancelled:{person_id}"


def event_answer_reminder_key(event_id: int, person_id: int) -> str:
    """The one reminder to answer an invitation."""
    return f"{_event_prefix(event_id)}answer-reminder:{person_id}"


def event_day_before_key(event_id: int, first_start: datetime, person_id: int) -> str:
    """The reminder the working day before the first day (a new date: a new reminder)."""
    return f"{_event_prefix(event_id)}day-before-{first_start:%Y%m%d%H%M}:{person_id}"


def event_attended_check_key(event_id: int, person_id: int) -> str:
    """ "Were you there?" at the end of the event."""
    return f"{_event_prefix(event_id)}attended:{person_id}"


def event_pulse_key(event_id: int, person_id: int) -> str:
    """The short survey after a call-back workshop."""
    return f"{_event_prefix(event_id)}pulse:{person_id}"


def event_attendance_card_key(event_id: int) -> str:
    """The coordinators' attendance card in the channel, after the last day."""
    return f"{_event_prefix(event_id)}attendance"


def event_flag_key(programme_id: int, flag: str, person_id: int) -> str:
    """The coordinators told once that a participant missed the training or the call-backs."""
    return f"{_EVENT}-flag:{programme_id}:{flag}:{person_id}"


class EventKeyWhat(StrEnum):
    INVITE = "invite"
    CHANGE = "change"
    CANCELLED = "cancelled"
    ANSWER_REMINDER = "answer-reminder"
    DAY_BEFORE = "day-before"
    ATTENDED = "attended"
    PULSE = "pulse"
    ATTENDANCE = "attendance"


@dataclass(frozen=True)
class EventKey:
    """A key about one event, read back: which event, what, for whom, and its version (an
    invitation or change) or first start (a day-before reminder)."""

    event_id: int
    what: EventKeyWhat
    person_id: int | None = None
    version: int | None = None
    first_start: str | None = None  # "%Y%m%d%H%M", UTC


def read_event_key(key: str) -> EventKey | None:
    """An event key read back; None for any other key."""
    parts = key.split(":")
    if len(parts) not in (3, 4) or parts[0] != _EVENT or not parts[1].isdigit():
        return None
    event_id, what = int(parts[1]), parts[2]
    person = parts[3] if len(parts) == 4 else None
    if person is not None and not person.isdigit():
        return None
    person_id = int(person) if person is not None else None
    for kind in (EventKeyWhat.INVITE, EventKeyWhat.CHANGE):
        number = what.removeprefix(f"{kind.value}-v")
        if what.startswith(f"{kind.value}-v") and number.isdigit() and person_id is not None:
            return EventKey(event_id, kind, person_id, version=int(number))
    if what.startswith(f"{EventKeyWhat.DAY_BEFORE.value}-") and person_id is not None:
        return EventKey(
            event_id,
            EventKeyWhat.DAY_BEFORE,
            person_id,
            first_start=what.removeprefix(f"{EventKeyWhat.DAY_BEFORE.value}-"),
        )
    try:
        kind = EventKeyWhat(what)
    except ValueError:
        return None
    if (kind == EventKeyWhat.ATTENDANCE) != (person_id is None):
        return None
    return EventKey(event_id, kind, person_id)


# --- announcements of a programme's application window -----------------------------------------


def announcement_key(announcement_id: int, aad_object_id: str) -> str:
    """The one personal message of an announcement to one person."""
    return f"announcement-{announcement_id}:{aad_object_id}"


def read_announcement_key(key: str) -> int | None:
    """The announcement of an `announcement_key` or `announcement_post_key`; None otherwise."""
    head, _, rest = key.partition(":")
    number = head.removeprefix("announcement-")
    if not rest or not head.startswith("announcement-") or not number.isdigit():
        return None
    return int(number)


def announcement_post_key(announcement_id: int, conversation_id: str) -> str:
    """The one post of an announcement in one channel."""
    return f"announcement-{announcement_id}:channel:{conversation_id}"


def announcement_reminder_key(programme_id: int, aad_object_id: str) -> str:
    """The one reminder, per programme and person, to finish a started application."""
    return f"announcement-reminder-{programme_id}:{aad_object_id}"


def read_announcement_reminder_key(key: str) -> tuple[int, str] | None:
    """(programme id, AAD object id) of an `announcement_reminder_key`; None otherwise."""
    head, _, aad = key.partition(":")
    number = head.removeprefix("announcement-reminder-")
    if not aad or not head.startswith("announcement-reminder-") or not number.isdigit():
        return None
    return int(number), aad
