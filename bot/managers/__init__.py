"""Line managers in the loop: asked in Teams for their support before an offer, reminded once,
held to it with a monthly digest of participation facts while their report is paired, and
asked to make time when their report is not released (if the report agrees).

Without Microsoft Graph, or when a manager cannot be found or reached, nothing changes for
anyone: the coordinators' cards say why the manager was not asked, and they record the answer
by hand as before.
"""

from __future__ import annotations

from bot.events import ApplicationShortlisted, ReleaseBlockReported, SweepFinished
from bot.features import Registry, Services
from bot.managers.asking import ASK_KIND, ManagerAsking, RefreshEscalation
from bot.managers.chase import DIGEST_KIND, REMINDER_KIND, ManagerChase


def register(
    registry: Registry,
    services: Services,
    *,
    refresh_escalation: RefreshEscalation | None = None,
) -> None:
    """`refresh_escalation(escalation_id)` shows a release block's escalation card as it
    stands (the manager's answer on it)."""
    asking = ManagerAsking(
        services.ctx, services.outbox, services.graph, services.events, refresh_escalation
    )
    chase = ManagerChase(services.ctx, services.outbox, asking)
    registry.events.subscribe(ApplicationShortlisted, asking.shortlisted)
    registry.events.subscribe(ReleaseBlockReported, asking.release_reported)
    registry.events.subscribe(SweepFinished, chase.swept)
    registry.first_contact(asking.greet)
    # Who may press these is checked by the handlers (the manager of record, or the reporter).
    # (The digest's button names its request too: its own key is matched first.)
    registry.card_action("manager_digest", chase.stop_digest)
    registry.card_action("manager_request", asking.answer)
    registry.card_action("manager_permission", asking.permission_answer)
    registry.still_wanted_check((ASK_KIND, REMINDER_KIND, DIGEST_KIND), chase.still_wanted)
