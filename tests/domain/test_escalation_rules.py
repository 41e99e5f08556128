"""The escalation rules as plain functions: keys, refusals, release blocks, placements."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.escalations import (
    Cause,
    Kind,
    Op,
    State,
    kind_of,
    open_for,
    placement_change,
    read_release,
    refusal,
    release_evidence,
    title_of,
)
from domain.keys import escalation_open_key as open_key


def test_one_open_key_per_pairing_and_cause_else_per_person():
    assert open_key(Cause.NO_RECENT_SESSION, pairing_id=7, person_id=3) == (
        "pairing:7:no_recent_session"
    )
    assert open_key("release_block", pairing_id=None, person_id=3) == "person:3:release_block"
    with pytest.raises(ValueError):
        open_key(Cause.NEEDS_HELP, pairing_id=None, person_id=None)


def test_release_blocks_are_their_own_kind_and_every_cause_has_a_title():
    assert kind_of(Cause.RELEASE_BLOCK) == Kind.RELEASE_BLOCK
    assert kind_of(Cause.QUESTION) == Kind.QUESTION
    others = {kind_of(c) for c in Cause if c not in (Cause.RELEASE_BLOCK, Cause.QUESTION)}
    assert others == {Kind.STALLED}
    assert title_of(Cause.QUESTION) == "Message: wrote to the coordinators"
    assert title_of(Cause.MISSED_MONTHS) == "Stalled pairing: months without a session"
    assert title_of(Cause.RELEASE_BLOCK) == "Release block: not released"


def test_release_form_is_read_or_says_what_is_missing():
    assert read_release("shadowing", "line_manager") == ("shadowing", "line_manager")
    assert read_release("", "hr") == "Please choose what you are not released for."
    assert read_release("training", "the boss") == "Please choose who is not releasing you."
    assert release_evidence("Sam", "call_back", "host_organisation") == (
        "Sam is not released for a call-back event by the host organisation"
    )


def test_resolved_refuses_everything_and_says_who_resolved_it():
    state = State("resolved", resolved_by="Chris", resolved_when="1 Dec", outcome="Sorted")
    for op in Op:
        assert refusal(op, state, "text") == (
            "Nothing changed: this escalation was already resolved by Chris on 1 Dec. "
            "Outcome: Sorted"
        )


def test_acknowledge_and_assign_once():
    acknowledged = State("acknowledged", acknowledged_by="Chris", acknowledged_when="1 Dec")
    assert refusal(Op.ACKNOWLEDGE, acknowledged) == (
        "Nothing changed: it was already acknowledged by Chris on 1 Dec."
    )
    assert refusal(Op.ASSIGN, acknowledged) is None
    assert refusal(Op.ASSIGN, State("open", assigned_to_actor=True)) == (
        "Nothing changed: it is already assigned to you."
    )


def test_text_actions_need_text_within_the_limit_and_pairing_actions_need_a_pairing():
    state = State("open", has_active_pairing=False)
    assert refusal(Op.NOTE, state, "  ") == "Please write the note, then Add note."
    assert refusal(Op.RESOLVE, state, "") == "Please write the outcome, then Resolve."
    assert refusal(Op.MESSAGE, state, "") == "Please write the message, then Send."
    too_long = refusal(Op.NOTE, state, "x" * 1001)
    assert too_long.startswith("“Note” can be at most 1,000 characters, and yours has 1,001.")
    assert too_long.endswith("Here is what you wrote, so nothing is lost:\n\n" + "x" * 1001)
    assert refusal(Op.NOTE, state, "x" * 1000) is None
    assert refusal(Op.REPAIR, state).startswith("Nothing changed: there is no active pairing")
    assert refusal(Op.END_PAIRING, State("open", has_active_pairing=True)) is None


def test_open_for_reads_like_a_person_would_say_it():
    assert open_for(timedelta(minutes=59)) == "less than an hour"
    assert open_for(timedelta(hours=1)) == "1 hour"
    assert open_for(timedelta(hours=23, minutes=59)) == "23 hours"
    assert open_for(timedelta(days=1, hours=5)) == "1 day"
    assert open_for(timedelta(days=52)) == "52 days"


def test_placement_status_moves_forward_in_either_order_and_stops_when_final():
    assert placement_change("requested", "home_released") is None
    assert placement_change("home_released", "host_agreed") is None
    assert placement_change("host_agreed", "refused") is None
    assert (
        placement_change("taken_up", "refused")
        == "Nothing changed: that request is already taken up."
    )
    assert (
        placement_change("refused", "taken_up")
        == "Nothing changed: that request is already refused."
    )
    assert placement_change("host_agreed", "host_agreed") == (
        "Nothing changed: it is already host agreed."
    )
    assert placement_change("requested", "requested") == "Please choose the new status."
    assert placement_change("requested", "lost") == "Please choose the new status."
