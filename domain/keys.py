"""Every idempotency key and escalation occurrence reference, built and read in one place.

An outbox row's key says who gets what about which thing and when (`nudge_key`, and the keys
of one-off messages below): the outbox stores each key once, so a key built the same way twice
is the same message, sent once. An escalation's open key allows one open escalation per
pairing (or person) and cause; an occurrence reference names one happening of a cause (a
check-in answer, a re-pair request) so the same occurrence is never added twice.

The formats are stored in the database: change one only with a migration of the rows.
"""

from __future__ import annotations

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
    return f"pairing:{pairing_id}:ended:{aad_object_id}"


def session_booked_key(
    pairing_id: int, month: int, booked_for: datetime, partner_person_id: int
) -> str:
    """The partner told that the month's session is booked (for that time)."""
    return f"pairing:{pairing_id}:booked:{month}:{booked_for:%Y%m%d%H%M}:{partner_person_id}"


def session_logged_key(pairing_id: int, month: int, partner_person_id: int) -> str:
    """The partner told that the month's session was logged."""
    return f"pairing:{pairing_id}:logged:{month}:{partner_person_id}"


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
