from datetime import UTC, date, datetime

import pytest

from domain.cadence import ItemKind
from domain.keys import nudge_key, read_pairing_nudge_key
from domain.nudge_policy import (
    Delivery,
    Urgency,
    delivery_time,
    may_send_now,
)
from domain.working_hours import WorkingHours

LONDON = "Europe/London"
LOS_ANGELES = "America/Los_Angeles"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- idempotency keys ---------------------------------------------------------------------------


def test_a_pairing_nudge_key_reads_back():
    key = nudge_key("29:1a2b", "survey-end", "end-r1", pairing_id=7)
    assert read_pairing_nudge_key(key) == ("29:1a2b", "survey-end", 7, "end-r1")
    assert read_pairing_nudge_key(nudge_key("user-1", "check_in", "week-2")) is None
    assert read_pairing_nudge_key("escalation:3:card") is None
    assert read_pairing_nudge_key("user-1:kind:pair-x:month-1") is None


def test_nudge_key_with_and_without_pairing():
    assert nudge_key("user-1", "book_session", "month-3", pairing_id=7) == (
        "user-1:book_session:pair-7:month-3"
    )
    assert nudge_key("user-1", ItemKind.CHECK_IN, "week-2") == "user-1:check_in:week-2"
    assert nudge_key(42, ItemKind.BOOK_SESSION, "month-1", pairing_id="7") == (
        "42:book_session:pair-7:month-1"
    )


def test_nudge_key_is_stable_and_distinguishes_each_part():
    key = nudge_key("29:abc", ItemKind.BOOK_SESSION, "month-3", pairing_id=7)
    assert key == nudge_key("29:abc", "book_session", "month-3", pairing_id=7)
    others = {
        nudge_key("29:abd", ItemKind.BOOK_SESSION, "month-3", pairing_id=7),
        nudge_key("29:abc", ItemKind.SESSION_REMINDER, "month-3", pairing_id=7),
        nudge_key("29:abc", ItemKind.BOOK_SESSION, "month-4", pairing_id=7),
        nudge_key("29:abc", ItemKind.BOOK_SESSION, "month-3", pairing_id=8),
        nudge_key("29:abc", ItemKind.BOOK_SESSION, "month-3"),
    }
    assert key not in others and len(others) == 5


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("", "book_session", "month-1"), {}),
        (("u", "", "month-1"), {}),
        (("u", "book_session", " "), {}),
        (("u", "book:session", "month-1"), {}),
        (("u", "book_session", "month:1"), {}),
        (("u", "book_session", "month-1"), {"pairing_id": "1:2"}),
        (("u", "book_session", "month-1"), {"pairing_id": ""}),
        (("u", "pair-3", "month-1"), {}),
    ],
)
def test_nudge_key_refuses_ambiguous_parts(args, kwargs):
    with pytest.raises(ValueError):
        nudge_key(*args, **kwargs)


# --- working hours ------------------------------------------------------------------------------


def test_due_in_working_hours_goes_now():
    now = utc(2024, 7, 1, 10, 0)
    assert delivery_time(now, now, LONDON) == Delivery(now, True)
    assert may_send_now(now, now, LONDON)


def test_summer_monday_0800_utc_is_0900_in_london_so_allowed():
    now = utc(2024, 7, 1, 8, 0)
    assert delivery_time(now, now, LONDON).now


def test_friday_evening_waits_for_monday_morning():
    now = utc(2024, 3, 29, 17, 30)  # Friday 17:30 GMT
    decision = delivery_time(now, now, LONDON)
    assert decision == Delivery(utc(2024, 4, 1, 8, 0), False, "outside working hours")
    assert not may_send_now(now, now, LONDON)


def test_a_missed_window_sends_at_the_next_allowed_time():
    # Due Monday 10:00 BST, but the bot was down until 18:00 BST: Tuesday 09:00 BST.
    decision = delivery_time(utc(2024, 7, 1, 9, 0), utc(2024, 7, 1, 17, 0), LONDON)
    assert decision.at == utc(2024, 7, 2, 8, 0) and not decision.now
    # Due yesterday, and now is within hours: now.
    assert delivery_time(utc(2024, 7, 1, 9, 0), utc(2024, 7, 2, 9, 0), LONDON).now


def test_a_nudge_due_later_waits_for_its_due_time():
    decision = delivery_time(utc(2024, 7, 1, 12, 0), utc(2024, 7, 1, 9, 0), LONDON)
    assert decision == Delivery(utc(2024, 7, 1, 12, 0), False, "not due yet")


def test_holidays_are_respected():
    hours = WorkingHours(holidays=frozenset({date(2024, 8, 26)}))
    decision = delivery_time(utc(2024, 8, 26, 9, 0), utc(2024, 8, 26, 9, 0), LONDON, hours)
    assert decision.at == utc(2024, 8, 27, 8, 0)


# --- the daily cap ------------------------------------------------------------------------------


def test_one_routine_nudge_per_person_per_day():
    now = utc(2024, 7, 1, 10, 0)
    decision = delivery_time(now, now, LONDON, routine_sent=[utc(2024, 7, 1, 8, 30)])
    assert decision == Delivery(
        utc(2024, 7, 2, 8, 0), False, "already had a routine nudge that day"
    )


def test_routine_nudges_on_other_days_do_not_count():
    now = utc(2024, 7, 2, 10, 0)
    sent = [utc(2024, 7, 1, 15, 0), utc(2024, 7, 3, 8, 0)]
    assert delivery_time(now, now, LONDON, routine_sent=sent).now


def test_the_cap_skips_days_already_taken_and_the_weekend():
    now = utc(2024, 7, 4, 10, 0)  # Thursday
    sent = [utc(2024, 7, 4, 8, 0), utc(2024, 7, 5, 8, 0)]  # Thursday and Friday booked
    assert delivery_time(now, now, LONDON, routine_sent=sent).at == utc(2024, 7, 8, 8, 0)


def test_the_cap_uses_the_local_calendar_day_not_the_utc_day():
    # Los Angeles in January is UTC-8: Monday 15 January 10:00 PST is 18:00 UTC, and 16:30 PST
    # is 00:30 UTC on the 16th. Same local day, different UTC days: the cap applies.
    sent = [utc(2024, 1, 15, 18, 0)]
    now = utc(2024, 1, 16, 0, 30)
    decision = delivery_time(now, now, LOS_ANGELES, routine_sent=sent)
    assert decision.at == utc(2024, 1, 16, 17, 0)  # Tuesday 09:00 PST
    # Same UTC day, different local days: allowed.
    sent = [utc(2024, 1, 16, 0, 30)]  # Monday 16:30 PST
    now = utc(2024, 1, 16, 17, 30)  # Tuesday 09:30 PST
    assert delivery_time(now, now, LOS_ANGELES, routine_sent=sent).now


def test_escalations_and_replies_are_not_capped():
    now = utc(2024, 7, 1, 10, 0)
    sent = [utc(2024, 7, 1, 8, 30)]
    assert delivery_time(now, now, LONDON, urgency=Urgency.ESCALATION, routine_sent=sent).now
    assert delivery_time(now, now, LONDON, urgency="reply", routine_sent=sent).now


# --- urgency and snooze -------------------------------------------------------------------------


def test_escalations_wait_for_working_hours_and_replies_do_not():
    night = utc(2024, 7, 1, 2, 0)
    decision = delivery_time(night, night, LONDON, urgency=Urgency.ESCALATION)
    assert decision.at == utc(2024, 7, 1, 8, 0) and not decision.now
    assert delivery_time(night, night, LONDON, urgency=Urgency.REPLY) == Delivery(night, True)
    later = utc(2024, 7, 1, 3, 0)
    assert delivery_time(later, night, LONDON, urgency=Urgency.REPLY) == Delivery(
        later, False, "not due yet"
    )


def test_snooze_holds_a_routine_nudge_until_it_ends():
    now = utc(2024, 7, 1, 10, 0)
    until = utc(2024, 7, 2, 10, 0)  # Tuesday 11:00 BST, within hours
    assert delivery_time(now, now, LONDON, snoozed_until=until) == Delivery(until, False, "snoozed")


def test_snooze_ending_out_of_hours_then_waits_for_working_hours():
    now = utc(2024, 7, 5, 10, 0)  # Friday
    until = utc(2024, 7, 6, 12, 0)  # Saturday
    decision = delivery_time(now, now, LONDON, snoozed_until=until)
    assert decision == Delivery(utc(2024, 7, 8, 8, 0), False, "snoozed; outside working hours")


def test_snooze_and_daily_cap_together():
    now = utc(2024, 7, 1, 10, 0)
    until = utc(2024, 7, 2, 7, 0)  # Tuesday 08:00 BST
    sent = [utc(2024, 7, 2, 12, 0)]  # a routine nudge already booked for Tuesday
    decision = delivery_time(now, now, LONDON, snoozed_until=until, routine_sent=sent)
    assert decision.at == utc(2024, 7, 3, 8, 0)
    assert decision.reason == (
        "snoozed; outside working hours; already had a routine nudge that day"
    )


def test_a_past_snooze_changes_nothing_and_escalations_ignore_snooze():
    now = utc(2024, 7, 1, 10, 0)
    assert delivery_time(now, now, LONDON, snoozed_until=utc(2024, 6, 30)).now
    later = utc(2024, 7, 9, 10, 0)
    assert delivery_time(now, now, LONDON, urgency=Urgency.ESCALATION, snoozed_until=later).now


def test_unknown_zone_uses_the_default_zone():
    now = utc(2024, 1, 15, 13, 0)  # 13:00 London, 08:00 New York
    assert delivery_time(now, now, "Not/AZone").now
    decision = delivery_time(now, now, "Not/AZone", default_zone="America/New_York")
    assert decision.at == utc(2024, 1, 15, 14, 0)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        delivery_time(datetime(2024, 7, 1, 10), utc(2024, 7, 1, 10), LONDON)
