"""The one module that builds and reads keys: what is built can be read back, and keys of
different things never meet."""

from datetime import UTC, date, datetime

import pytest

from domain import keys


def test_per_person_occurrences_name_their_person_and_move_to_another():
    refs = [
        keys.check_in_occurrence(12, 4),
        keys.dated_occurrence(12, date(2026, 11, 30)),
        keys.said_occurrence(12, datetime(2026, 11, 30, 9, 5, 7, tzinfo=UTC)),
    ]
    assert refs == ["person-12:week-4", "person-12:2026-11-30", "person-12:said-20261130T090507"]
    assert [keys.person_of_occurrence(ref) for ref in refs] == [12, 12, 12]
    assert keys.occurrence_of_person(refs[0], 99) == "person-99:week-4"


def test_occurrences_about_no_person_are_read_as_such():
    assert keys.person_of_occurrence(keys.month_occurrence(3, 12)) is None
    assert keys.person_of_occurrence(keys.release_occurrence(5)) is None
    assert keys.person_of_occurrence("person-x:week-2") is None
    with pytest.raises(ValueError):
        keys.occurrence_of_person(keys.release_occurrence(5), 1)


def test_an_open_key_reads_back():
    key = keys.escalation_open_key("needs_help", pairing_id=None, person_id=3)
    assert keys.read_escalation_open_key(key) == ("person", 3, "needs_help")
    key = keys.escalation_open_key("no_recent_session", pairing_id=7, person_id=3)
    assert keys.read_escalation_open_key(key) == ("pairing", 7, "no_recent_session")


def test_one_off_message_keys_of_different_things_differ():
    at = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    built = [
        keys.application_card_key(1, "submitted"),
        keys.application_event_key(1, "submitted"),
        keys.application_offer_key(1),
        keys.application_decision_key(1, "reject"),
        keys.pairing_intro_key(1, "aad-1"),
        keys.pairing_ended_key(1, "aad-1"),
        keys.early_ending_key(1),
        keys.session_booked_key(1, 2, at, 3),
        keys.session_logged_key(1, 2, 3),
        keys.escalation_card_key(1),
        keys.escalation_card_key(1, keys.CardCopy.REPOST),
        keys.escalation_card_key(1, keys.CardCopy.CHAMPION),
        keys.escalation_message_key(1, 2),
        keys.escalation_outcome_key(1, 2),
        keys.release_block_reached_key(1),
        keys.nudge_key("aad-1", "session_reminder", keys.reminder_period(2, at), pairing_id=1),
    ]
    assert len(set(built)) == len(built)
    assert keys.escalation_card_key(4) == "escalation:4:card"


def test_a_closing_card_key_reads_back_and_no_other_key_reads_as_one():
    from domain.keys import early_ending_key, pairing_ended_key, read_pairing_ended_key

    assert read_pairing_ended_key(pairing_ended_key(7, "aad-trainee-7")) == (7, "aad-trainee-7")
    assert read_pairing_ended_key(early_ending_key(7)) is None
    assert read_pairing_ended_key("escalation:7:card") is None
