"""Who may do what: the single authorisation policy every command and card action consults."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"
    CHAMPION = "champion"


class Action(StrEnum):
    # Anyone who talks to the bot.
    HELP = "help"
    APPLY = "apply"
    VIEW_OWN = "view_own"
    # Coordinators only.
    SETUP_CHANNEL = "setup_channel"
    REVIEW_APPLICATIONS = "review_applications"
    MANAGE_WINDOW = "manage_window"
    MANAGE_DATES = "manage_dates"
    MANAGE_PAIRS = "manage_pairs"
    MANAGE_EVENTS = "manage_events"
    HANDLE_ESCALATIONS = "handle_escalations"
    READ_REPORTS = "read_reports"


_PARTICIPANT_ACTIONS = frozenset({Action.HELP, Action.APPLY, Action.VIEW_OWN})
_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.PARTICIPANT: _PARTICIPANT_ACTIONS,
    Role.COORDINATOR: frozenset(Action),
    Role.CHAMPION: _PARTICIPANT_ACTIONS | {Action.HANDLE_ESCALATIONS, Action.READ_REPORTS},
}

COORDINATOR_ONLY = frozenset(Action) - _PARTICIPANT_ACTIONS


def roles_for(
    aad_object_id: str | None,
    *,
    configured_coordinators: Iterable[str] = (),
    configured_champion: str | None = None,
    granted: Iterable[str] = (),
) -> frozenset[Role]:
    """Roles from configuration and from the store; everyone is at least a participant."""
    roles = {Role.PARTICIPANT}
    if not aad_object_id:
        return frozenset(roles)
    granted = set(granted)
    if aad_object_id in set(configured_coordinators) or Role.COORDINATOR in granted:
        roles.add(Role.COORDINATOR)
    if (configured_champion and aad_object_id == configured_champion) or Role.CHAMPION in granted:
        roles.add(Role.CHAMPION)
    return frozenset(roles)


def may(roles: Iterable[Role], action: Action) -> bool:
    return any(action in _ALLOWED[role] for role in roles)
