"""Who may do what: the single authorisation policy every command and card action consults."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"
    CHAMPION = "champion"
    # Of one report, toward one request about them (see `roles_toward_request`).
    LINE_MANAGER = "line_manager"


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
    ANNOUNCE = "announce"
    # Only the line manager a request was sent to (a coordinator neither).
    ANSWER_AS_LINE_MANAGER = "answer_as_line_manager"


_PARTICIPANT_ACTIONS = frozenset({Action.HELP, Action.APPLY, Action.VIEW_OWN})
_LINE_MANAGER_ACTIONS = frozenset({Action.ANSWER_AS_LINE_MANAGER})
_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.PARTICIPANT: _PARTICIPANT_ACTIONS,
    Role.COORDINATOR: frozenset(Action) - _LINE_MANAGER_ACTIONS,
    Role.CHAMPION: _PARTICIPANT_ACTIONS | {Action.HANDLE_ESCALATIONS, Action.READ_REPORTS},
    Role.LINE_MANAGER: _LINE_MANAGER_ACTIONS,
}

COORDINATOR_ONLY = frozenset(Action) - _PARTICIPANT_ACTIONS - _LINE_MANAGER_ACTIONS


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


def roles_toward_request(
    aad_object_id: str | None, manager_of_record: str | None
) -> frozenset[Role]:
    """What someone is toward one request the bot sent a line manager about a report.

    The line manager of that report, when they are the manager the directory named at the time
    of asking (stored with the request); anyone else holds no role toward it, so a manager
    pressing a button about someone who is not their report is refused, and nobody answers
    for a manager.
    """
    if aad_object_id and manager_of_record and aad_object_id == manager_of_record:
        return frozenset({Role.LINE_MANAGER})
    return frozenset()


def may(roles: Iterable[Role], action: Action) -> bool:
    return any(action in _ALLOWED[role] for role in roles)
