"""What features tell each other (published on `bot.features.Events`)."""

from __future__ import annotations

from dataclasses import dataclass
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
    """A pairing was ended (or ended to be re-paired) by a coordinator.

    `turn` is the coordinator's; `escalation_id` the escalation whose card asked for it, if any.
    """

    turn: Turn
    pairing_id: int
    repair: bool
    actor_aad_object_id: str | None
    escalation_id: int | None = None
