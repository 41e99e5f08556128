"""The authorisation policy, without Teams."""

from domain.authorisation import (
    COORDINATOR_ONLY,
    Action,
    Role,
    may,
    roles_for,
    roles_toward_request,
)


def test_everyone_is_a_participant_only_by_default():
    assert roles_for("aad-1") == {Role.PARTICIPANT}
    assert roles_for(None, configured_coordinators=["aad-1"]) == {Role.PARTICIPANT}


def test_roles_from_configuration_and_store():
    assert Role.COORDINATOR in roles_for("aad-1", configured_coordinators=["aad-1"])
    assert Role.COORDINATOR in roles_for("aad-1", granted={"coordinator"})
    assert Role.CHAMPION in roles_for("aad-9", configured_champion="aad-9")
    assert Role.COORDINATOR not in roles_for("aad-2", configured_coordinators=["aad-1"])


def test_participants_may_not_do_any_coordinator_action():
    participant = roles_for("aad-1")
    for action in COORDINATOR_ONLY:
        assert not may(participant, action), action
    assert may(participant, Action.APPLY)


def test_coordinators_may_do_everything_but_answer_for_a_line_manager():
    coordinator = roles_for("aad-1", configured_coordinators=["aad-1"])
    assert all(may(coordinator, action) for action in Action if action in COORDINATOR_ONLY)
    assert not may(coordinator, Action.ANSWER_AS_LINE_MANAGER)


def test_only_the_manager_of_record_answers_a_request_about_their_report():
    assert may(roles_toward_request("aad-jo", "aad-jo"), Action.ANSWER_AS_LINE_MANAGER)
    assert not may(roles_toward_request("aad-other", "aad-jo"), Action.ANSWER_AS_LINE_MANAGER)
    assert not may(roles_toward_request(None, "aad-jo"), Action.ANSWER_AS_LINE_MANAGER)
    assert not may(roles_toward_request("aad-jo", None), Action.ANSWER_AS_LINE_MANAGER)
    # A line manager of one report may do nothing else by that alone.
    manager = roles_toward_request("aad-jo", "aad-jo")
    assert not any(may(manager, action) for action in COORDINATOR_ONLY)


def test_champion_handles_escalations_but_does_not_review_applications():
    champion = roles_for("aad-9", configured_champion="aad-9")
    assert may(champion, Action.HANDLE_ESCALATIONS)
    assert not may(champion, Action.REVIEW_APPLICATIONS)
