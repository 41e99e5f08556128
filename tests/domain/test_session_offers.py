"""Which times a pair is offered for their monthly session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.free_slots import Interval
from domain.session_offers import (
    CARD_NOTICE,
    TAP_NOTICE,
    Person,
    availability,
    card_arrival,
    offer_times,
    session_minutes,
)
from domain.working_hours import WorkingHours, resolve_zone

LONDON, NEW_YORK = "Europe/London", "America/New_York"
HOURS = WorkingHours()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wall(slot: Interval, zone: str) -> str:
    z = resolve_zone(zone)
    return f"{slot.start.astimezone(z):%a %d %H:%M}-{slot.end.astimezone(z):%H:%M}"


def offered(
    mentor: Person = Person(LONDON), trainee: Person = Person(LONDON), **rules
) -> list[str]:
    """The times offered, as the mentor's (London) clock shows them."""
    rules = {"notice": TAP_NOTICE, "configured": HOURS} | rules
    return [wall(slot, LONDON) for slot in offer_times(mentor, trainee, **rules)]


def test_a_card_offers_three_days_from_tomorrow_in_both_peoples_hours():
    # Monday 23 November 2026, 10:00 London; the trainee works in New York.
    slots = offer_times(
        Person(LONDON),
        Person(NEW_YORK),
        now=utc(2026, 11, 23, 10),
        notice=CARD_NOTICE,
        configured=HOURS,
    )
    assert [wall(s, LONDON) for s in slots] == [
        "Tue 24 14:00-16:00",
        "Wed 25 14:00-16:00",
        "Thu 26 14:00-16:00",
    ]
    assert wall(slots[0], NEW_YORK) == "Tue 24 09:00-11:00"


def test_a_tap_offers_times_from_two_hours_on_around_both_calendars():
    mentor = Person(LONDON, busy=[Interval(utc(2026, 11, 23, 13), utc(2026, 11, 23, 15))])
    trainee = Person(LONDON, busy=[Interval(utc(2026, 11, 24, 9), utc(2026, 11, 24, 17))])
    slots = offer_times(
        mentor, trainee, now=utc(2026, 11, 23, 10), notice=TAP_NOTICE, configured=HOURS
    )
    assert [wall(s, LONDON) for s in slots] == [
        "Mon 23 15:00-17:00",  # not before 12:00, and the mentor is busy 13:00-15:00
        "Wed 25 09:00-11:00",  # the trainee is out all Tuesday
        "Thu 26 09:00-11:00",
    ]


def test_an_hour_fits_where_two_do_not():
    busy = [Interval(utc(2026, 11, 24, 10), utc(2026, 11, 24, 16, 30))]
    mentor = Person(LONDON, busy=busy)
    common = {"now": utc(2026, 11, 23, 17), "notice": TAP_NOTICE, "configured": HOURS}
    assert wall(offer_times(mentor, Person(LONDON), **common)[0], LONDON) == "Wed 25 09:00-11:00"
    hour = offer_times(mentor, Person(LONDON), minutes=60, **common)
    assert wall(hour[0], LONDON) == "Tue 24 09:00-10:00"
    assert session_minutes(60) == 60 and session_minutes(None) == 120
    assert session_minutes(45) == 120


def test_outlook_hours_and_zone_win_over_the_configured_ones():
    outlook = WorkingHours(time(7), time(12), frozenset({0, 1}))
    person = Person(LONDON, outlook_hours=outlook, outlook_zone=NEW_YORK)
    assert availability(person, HOURS).time_zone == NEW_YORK
    assert availability(person, HOURS).hours == outlook
    assert availability(Person(LONDON, outlook_hours=outlook), HOURS).hours == HOURS
    # Monday and Tuesday only, 07:00-12:00 New York = 12:00-17:00 London.
    assert offered(trainee=person, now=utc(2026, 11, 23, 10), notice=CARD_NOTICE) == [
        "Tue 24 12:00-14:00",
        "Mon 30 12:00-14:00",
        "Tue 01 12:00-14:00",
    ]


def test_other_times_come_after_the_last_offered_day_within_fourteen_days():
    now = utc(2026, 11, 23, 10)
    assert offered(now=now) == ["Mon 23 12:00-14:00", "Tue 24 09:00-11:00", "Wed 25 09:00-11:00"]
    more = offered(now=now, after=utc(2026, 11, 25, 9))
    assert more == ["Thu 26 09:00-11:00", "Fri 27 09:00-11:00", "Mon 30 09:00-11:00"]
    # The 14 days end on Monday 7 December at 10:00: that day's 09:00-11:00 does not fit.
    assert offered(now=now, after=utc(2026, 12, 3, 9)) == ["Fri 04 09:00-11:00"]


def test_holidays_and_the_pairs_other_sessions_are_skipped():
    assert offered(
        now=utc(2026, 12, 23, 10),
        notice=CARD_NOTICE,
        holidays={date(2026, 12, 25), date(2026, 12, 28)},
        booked=[Interval(utc(2026, 12, 24, 14), utc(2026, 12, 24, 16))],
    ) == [
        "Tue 29 09:00-11:00",
        "Wed 30 09:00-11:00",
        "Thu 31 09:00-11:00",
    ]


def test_when_only_new_york_has_changed_its_clocks():
    # 9-27 March 2027: New York on daylight time, London not yet: four hours apart.
    slots = offer_times(
        Person(LONDON),
        Person(NEW_YORK),
        now=utc(2027, 3, 15, 10),
        notice=CARD_NOTICE,
        configured=HOURS,
    )
    assert [wall(s, LONDON) for s in slots][0] == "Tue 16 13:00-15:00"
    assert wall(slots[0], NEW_YORK) == "Tue 16 09:00-11:00"


def test_fourteen_days_after_a_late_card_nothing_is_left():
    assert offered(now=utc(2026, 11, 23, 10), notice=timedelta(days=15)) == []


def test_a_card_decided_at_the_weekend_offers_times_from_the_day_after_it_arrives():
    saturday = utc(2027, 1, 23, 10)
    arrives = card_arrival(saturday, [LONDON, NEW_YORK], HOURS)
    assert arrives == utc(2027, 1, 25, 14)  # Monday 09:00 in New York
    slots = offer_times(
        Person(LONDON), Person(NEW_YORK), now=arrives, notice=CARD_NOTICE, configured=HOURS
    )
    assert wall(slots[0], LONDON) == "Tue 26 14:00-16:00"
    assert card_arrival(utc(2027, 1, 25, 10), [LONDON], HOURS) == utc(2027, 1, 25, 10)
