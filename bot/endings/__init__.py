"""A good ending for every pairing: at the programme's end (the sweep) and whenever a pairing
ends early (`end pairing`, `re-pair`, someone leaving), each person still here gets a closing
card (what they achieved, a short closing check, what happens next); an early ending is posted
to the coordinators' channel; the report shows endings and each month's health."""

from __future__ import annotations

from bot.endings.endings import Endings
from bot.endings.programme_end import plan_programme_ends
from bot.endings.report import EndingsReport
from bot.events import PairingEnded
from bot.features import Registry, Services


def register(registry: Registry, services: Services) -> tuple[Endings, EndingsReport]:
    """The endings (whose `data_lines` `my data` shows) and the report's part."""
    endings = Endings(services.ctx, services.outbox)
    registry.events.subscribe(PairingEnded, endings.pairing_ended)
    registry.planner(plan_programme_ends)
    registry.card_action("closing_check", endings.closing_answer)
    return endings, EndingsReport()
