from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.free_slots import Availability, Interval, merge, propose_slots
from domain.working_hours import WorkingHours, is_working_time, local_date, resolve_zone

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
KOLKATA = "Asia/Kolkata"
SYDNEY = "Australia/Sydney"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def busy(start: datetime, minutes: int) -> Interval:
    return Interval(start, start + timedelta(minutes=minutes))


def starts(slots: list[Interval]) -> list[datetime]:
    return [slot.start for slot in slots]


def wall(slot: Interval, zone: str) -> str:
    """The slot as the person's clock shows it, e.g. 'Mon 09:00-11:00'."""
    z = resolve_zone(zone)
    return f"{slot.start.astimezone(z):%a %H:%M}-{slot.end.astimezone(z):%H:%M}"


# --- across time zones -------------------------------------------------------------------------


def test_london_and_new_york_meet_in_new_york_morning_on_three_days():
    # Monday 23 November 2026, 10:07 in London: both on standard time, five hours apart.
    slots = propose_slots(
        Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 11, 23, 10, 7)
    )
    assert starts(slots) == [utc(2026, 11, 23, 14), utc(2026, 11, 24, 14), utc(2026, 11, 25, 14)]
    assert [wall(s, LONDON) for s in slots] == [
        "Mon 14:00-16:00",
        "Tue 14:00-16:00",
        "Wed 14:00-16:00",
    ]
    assert [wall(s, NEW_YORK) for s in slots][0] == "Mon 09:00-11:00"
    assert all(s.end - s.start == timedelta(minutes=120) for s in slots)


def test_no_proposal_starts_before_now_rounded_up_to_a_quarter_hour():
    slots = propose_slots(
        Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 11, 23, 14, 7)
    )
    assert slots[0] == Interval(utc(2026, 11, 23, 14, 15), utc(2026, 11, 23, 16, 15))
    on_the_quarter = propose_slots(
        Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 11, 23, 14, 30)
    )
    assert on_the_quarter[0].start == utc(2026, 11, 23, 14, 30)
    too_late_today = propose_slots(
        Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 11, 23, 15, 1)
    )
    assert too_late_today[0].start == utc(2026, 11, 24, 14)


def test_london_and_kolkata_share_the_london_morning_and_an_early_shift_shares_nothing():
    now = utc(2026, 11, 23, 10, 7)  # today only 10:15-11:30 UTC is left in both days: too short
    slots = propose_slots(Availability(LONDON), Availability(KOLKATA), now=now)
    assert [wall(s, LONDON) for s in slots] == [
        "Tue 09:00-11:00",
        "Wed 09:00-11:00",
        "Thu 09:00-11:00",
    ]
    assert wall(slots[0], KOLKATA) == "Tue 14:30-16:30"
    early = Availability(KOLKATA, WorkingHours(time(7), time(12)))  # 01:30-06:30 UTC
    assert propose_slots(Availability(LONDON), early, now=now) == []
    assert propose_slots(Availability(LONDON), Availability(SYDNEY), now=now) == []


def test_the_organisers_day_counts_when_the_other_person_is_a_day_ahead():
    # Sydney 08:00-18:00 meets London 07:00-10:00 (Sydney's next morning is London's evening
    # before: no; Sydney's late afternoon is London's early morning of the same UTC day).
    sydney = Availability(SYDNEY, WorkingHours(time(8), time(18)))
    london = Availability(LONDON, WorkingHours(time(7), time(10)))
    slots = propose_slots(london, sydney, now=utc(2026, 11, 23, 0, 0), minutes=60)
    # London 07:00 GMT = Sydney 18:00 AEDT: the hours touch and never overlap.
    assert slots == []
    sydney_late = Availability(SYDNEY, WorkingHours(time(10), time(20)))
    slots = propose_slots(london, sydney_late, now=utc(2026, 11, 23, 0, 0), minutes=60)
    assert [wall(s, LONDON) for s in slots] == [
        "Mon 07:00-08:00",
        "Tue 07:00-08:00",
        "Wed 07:00-08:00",
    ]
    assert [wall(s, SYDNEY) for s in slots][0] == "Mon 18:00-19:00"
    # From Sydney's side the same hours are proposed, one per Sydney day.
    reverse = propose_slots(sydney_late, london, now=utc(2026, 11, 23, 0, 0), minutes=60)
    assert starts(reverse) == starts(slots)


# --- daylight-saving changes -------------------------------------------------------------------


def test_the_weeks_when_america_has_changed_its_clocks_and_europe_has_not():
    # US clocks go forward on 8 March 2026, the UK's on 29 March: four hours apart between.
    before = propose_slots(Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 3, 2, 8))
    assert starts(before)[0] == utc(2026, 3, 2, 14)
    gap = propose_slots(Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 3, 9, 8))
    assert starts(gap)[0] == utc(2026, 3, 9, 13)
    assert wall(gap[0], LONDON) == "Mon 13:00-15:00"
    assert wall(gap[0], NEW_YORK) == "Mon 09:00-11:00"


def test_proposals_across_the_last_sunday_of_march_keep_new_yorks_nine_oclock():
    slots = propose_slots(Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 3, 27, 8))
    assert starts(slots) == [utc(2026, 3, 27, 13), utc(2026, 3, 30, 13), utc(2026, 3, 31, 13)]
    assert [wall(s, NEW_YORK) for s in slots] == [
        "Fri 09:00-11:00",
        "Mon 09:00-11:00",
        "Tue 09:00-11:00",
    ]
    assert [wall(s, LONDON) for s in slots] == [
        "Fri 13:00-15:00",
        "Mon 14:00-16:00",
        "Tue 14:00-16:00",
    ]


def test_proposals_across_the_autumn_changes_in_europe_and_america():
    # Europe goes back on 25 October 2026, America on 1 November.
    slots = propose_slots(
        Availability(LONDON), Availability(NEW_YORK), now=utc(2026, 10, 23, 8), count=8
    )
    assert [wall(s, NEW_YORK) for s in slots] == ["Fri 09:00-11:00"] + [
        f"{d} 09:00-11:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue")
    ]
    assert [wall(s, LONDON) for s in slots] == [
        "Fri 14:00-16:00",  # both on summer time: five hours
        *[
            "Mon 13:00-15:00",
            "Tue 13:00-15:00",
            "Wed 13:00-15:00",
            "Thu 13:00-15:00",
            "Fri 13:00-15:00",
        ],  # London on GMT, New York still on EDT: four hours
        "Mon 14:00-16:00",  # both on standard time again
        "Tue 14:00-16:00",
    ]


def test_hours_that_fall_in_the_hour_the_clocks_skip_give_no_window_that_day():
    # Someone working 01:00-02:00 has no working hour on the day the UK clocks go forward.
    night = Availability(LONDON, WorkingHours(time(1), time(2), frozenset(range(7))))
    anyone = Availability("UTC", WorkingHours(time(0), time(23, 45), frozenset(range(7))))
    slots = propose_slots(night, anyone, now=utc(2026, 3, 28, 0), minutes=60, count=3)
    assert [local_date(s.start, LONDON) for s in slots] == [
        date(2026, 3, 28),
        date(2026, 3, 30),
        date(2026, 3, 31),
    ]


# --- holidays, bookings, busy calendars --------------------------------------------------------


def test_no_proposal_falls_on_a_programme_holiday_or_a_persons_own_day_off():
    now = utc(2026, 11, 23, 8)
    slots = propose_slots(
        Availability(LONDON), Availability(NEW_YORK), now=now, holidays={date(2026, 11, 24)}
    )
    assert [wall(s, LONDON)[:3] for s in slots] == ["Mon", "Wed", "Thu"]
    thanksgiving = Availability(NEW_YORK, WorkingHours(holidays=frozenset({date(2026, 11, 26)})))
    slots = propose_slots(Availability(LONDON), thanksgiving, now=now, count=4)
    assert [wall(s, LONDON)[:3] for s in slots] == ["Mon", "Tue", "Wed", "Fri"]


def test_a_holiday_on_the_other_persons_date_counts_for_them_only_where_their_day_is():
    # A programme holiday on Tuesday 24 November: Kolkata's Tuesday is no working day either.
    slots = propose_slots(
        Availability(LONDON),
        Availability(KOLKATA),
        now=utc(2026, 11, 23, 8),
        holidays={date(2026, 11, 24)},
    )
    assert [wall(s, LONDON)[:3] for s in slots] == ["Mon", "Wed", "Thu"]


def test_busy_calendars_leave_only_odd_gaps():
    day = utc(2026, 11, 23)  # both in London, 09:00-17:00 GMT = UTC
    mentor = Availability(
        LONDON, busy=[busy(day.replace(hour=9), 70), busy(day.replace(hour=11, minute=50), 70)]
    )
    trainee = Availability(
        LONDON, busy=[busy(day.replace(hour=10, minute=20), 40), busy(day.replace(hour=14), 180)]
    )
    # Free for both: 10:10-10:20, 11:00-11:50, 13:00-14:00.
    hour = propose_slots(mentor, trainee, now=utc(2026, 11, 23, 8), minutes=60, count=1)
    assert hour == [Interval(utc(2026, 11, 23, 13), utc(2026, 11, 23, 14))]
    two_hours = propose_slots(mentor, trainee, now=utc(2026, 11, 23, 8), count=1)
    assert two_hours == [Interval(utc(2026, 11, 24, 9), utc(2026, 11, 24, 11))]


def test_a_gap_that_ends_off_the_quarter_hour_starts_at_the_next_quarter():
    day = utc(2026, 11, 23)
    mentor = Availability(LONDON, busy=[busy(day.replace(hour=9), 70)])  # until 10:10
    slots = propose_slots(mentor, Availability(LONDON), now=utc(2026, 11, 23, 8), minutes=60)
    assert slots[0] == Interval(utc(2026, 11, 23, 10, 15), utc(2026, 11, 23, 11, 15))


def test_the_pairs_booked_sessions_block_their_time_and_their_day():
    booked = [busy(utc(2026, 11, 24, 15), 60)]  # Tuesday afternoon
    slots = propose_slots(
        Availability(LONDON), Availability(LONDON), now=utc(2026, 11, 23, 8), booked=booked
    )
    assert [wall(s, LONDON) for s in slots] == [
        "Mon 09:00-11:00",
        "Wed 09:00-11:00",
        "Thu 09:00-11:00",
    ]


def test_weekends_part_time_patterns_and_the_horizon():
    friday_evening = utc(2026, 11, 27, 18)
    slots = propose_slots(Availability(LONDON), Availability(LONDON), now=friday_evening)
    assert [wall(s, LONDON)[:3] for s in slots] == ["Mon", "Tue", "Wed"]
    part_time = Availability(LONDON, WorkingHours(weekdays=frozenset({2, 3})))  # Wed, Thu
    slots = propose_slots(Availability(LONDON), part_time, now=friday_evening, count=5)
    assert [str(local_date(s.start, LONDON)) for s in slots] == [
        "2026-12-02",
        "2026-12-03",
        "2026-12-09",
        "2026-12-10",
    ]  # the third Wednesday is past the 14 days
    short = propose_slots(
        Availability(LONDON), part_time, now=friday_evening, horizon=timedelta(days=6)
    )
    assert [str(local_date(s.start, LONDON)) for s in short] == ["2026-12-02", "2026-12-03"]


def test_sixty_minutes_fit_where_two_hours_do_not_and_other_lengths_are_refused():
    # London 09:00-17:00 and New York 11:00-15:00: one shared hour, 16:00-17:00 UTC.
    late = Availability(NEW_YORK, WorkingHours(time(11), time(15)))
    now = utc(2026, 11, 23, 8)
    assert propose_slots(Availability(LONDON), late, now=now) == []
    hours = propose_slots(Availability(LONDON), late, now=now, minutes=60)
    assert [wall(s, NEW_YORK) for s in hours] == [
        "Mon 11:00-12:00",
        "Tue 11:00-12:00",
        "Wed 11:00-12:00",
    ]
    with pytest.raises(ValueError):
        propose_slots(Availability(LONDON), late, now=now, minutes=90)
    assert propose_slots(Availability(LONDON), late, now=now, minutes=60, count=0) == []


def test_merge_joins_overlapping_and_touching_intervals():
    a, b = busy(utc(2026, 1, 1, 9), 60), busy(utc(2026, 1, 1, 10), 30)
    c = busy(utc(2026, 1, 1, 12), 5)
    assert merge([c, b, a]) == [Interval(utc(2026, 1, 1, 9), utc(2026, 1, 1, 10, 30)), c]
    with pytest.raises(ValueError):
        Interval(utc(2026, 1, 1, 9), utc(2026, 1, 1, 9))
    with pytest.raises(ValueError):
        Interval(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10))


# --- every proposal, whatever the calendars ----------------------------------------------------

ZONES = [
    LONDON,
    NEW_YORK,
    KOLKATA,
    SYDNEY,
    "America/Los_Angeles",
    "Asia/Kathmandu",
    "Europe/Berlin",
    "UTC",
    "Pacific/Auckland",
]


@st.composite
def people(draw):
    start = draw(st.integers(min_value=0, max_value=14 * 4)) * 15  # 00:00 to 14:00
    length = draw(st.integers(min_value=2 * 4, max_value=10 * 4)) * 15
    end = min(start + length, 23 * 60 + 45)
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    hours = WorkingHours(time(start // 60, start % 60), time(end // 60, end % 60), weekdays)
    return draw(st.sampled_from(ZONES)), hours


@given(
    first=people(),
    second=people(),
    now=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    busy_offsets=st.lists(
        st.tuples(st.integers(0, 15 * 24 * 60), st.integers(5, 300), st.booleans()), max_size=25
    ),
    holiday_offsets=st.frozensets(st.integers(0, 15), max_size=4),
    minutes=st.sampled_from([60, 120]),
    count=st.integers(1, 5),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_proposal_is_inside_both_peoples_hours_and_free_for_both(
    first, second, now, busy_offsets, holiday_offsets, minutes, count
):
    (zone_a, hours_a), (zone_b, hours_b) = first, second
    intervals = [
        (busy(now + timedelta(minutes=offset), length), mine)
        for offset, length, mine in busy_offsets
    ]
    busy_a = [i for i, mine in intervals if mine]
    busy_b = [i for i, mine in intervals if not mine]
    holidays = {now.date() + timedelta(days=d) for d in holiday_offsets}
    slots = propose_slots(
        Availability(zone_a, hours_a, busy_a),
        Availability(zone_b, hours_b, busy_b),
        now=now,
        holidays=holidays,
        minutes=minutes,
        count=count,
    )
    event(f"{len(slots)} proposals")
    assert len(slots) <= count
    assert slots == sorted(slots)
    assert len({local_date(s.start, zone_a) for s in slots}) == len(slots)
    for slot in slots:
        assert slot.end - slot.start == timedelta(minutes=minutes)
        assert slot.start >= now and slot.end <= now + timedelta(days=14)
        assert slot.start.minute % 15 == 0 and slot.start.second == 0
        assert not any(slot.overlaps(b) for b in busy_a + busy_b)
        for zone, hours in ((zone_a, hours_a), (zone_b, hours_b)):
            assert local_date(slot.start, zone) not in holidays
            assert local_date(slot.start, zone) == local_date(slot.end - timedelta(seconds=1), zone)
            at = slot.start
            while at < slot.end:
                assert is_working_time(at, zone, hours)
                at += timedelta(minutes=15)
            assert is_working_time(slot.end - timedelta(seconds=1), zone, hours)
