"""What features tell each other (published on `bot.features.Events`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.teams import Turn


@dataclass(frozen=True)
class PairingEndRequested:
    """A coordinator pressed End pairing or Re-pair on an escalation card."""

    turn: Turn
    pairing_id: int
    repair: bool
    escalation_id: int


@dataclass(frozen=True)
class PairingEnded:
    """A pairing ended early: a coordinator ended it (or ended it to re-pair), or a
    participant left the programme. Its reason is stored on the pairing (`end_reason`).

    `turn` is the coordinator's (or the participant's who left); `actor_aad_object_id` who
    ended it (None: nobody in particular); `escalation_id` the escalation whose card asked
    for it, if any. A pairing reaching the programme's end is ended by the sweep instead.
    """

    turn: Turn
    pairing_id: int
    repair: bool
    actor_aad_object_id: str | None
    escalation_id: int | None = None


@dataclass(frozen=True)
class ApplicationShortlisted:
    """A coordinator shortlisted an application (before any offer)."""

    application_id: int
    actor_aad_object_id: str | None


@dataclass(frozen=True)
class ApplicationChanged:
    """Something an application's channel card shows changed outside the review (a line
    manager answered in Teams, or was not reached): the card is refreshed in place."""

    application_id: int


@dataclass(frozen=True)
class ReleaseBlockReported:
    """A participant reported a release block; its escalation went to the coordinators.

    `may_contact_manager`: what they said on the form (None: the form did not ask). `turn` is
    the participant's. `on` is the day it was for, if they gave it.
    """

    turn: Turn
    release_block_id: int
    escalation_id: int
    may_contact_manager: bool | None
    on: date | None = None


@dataclass(frozen=True)
class SweepFinished:
    """A sweep (not a dry run) has planned and sent what was due at `at`."""

    at: datetime
