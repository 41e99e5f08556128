from datetime import UTC, datetime, timedelta

from domain.health import (
    Colour,
    Health,
    HealthInputs,
    HealthSettings,
    MonthSession,
    Side,
    health,
    health_words,
    next_health_change,
    what_changed,
)
from domain.sessions import SessionState

# Monday 6 January 2025 09:00 UTC. Programme months start on the 6th of Jan..Jun.
PAIRED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def held(month: int, day: datetime, state=SessionState.HELD_CONFIRMED) -> MonthSession:
    return MonthSession(month, state, day)


def inputs(
    sessions=(),
    trainee: Side | None = None,
    mentor: Side | None = None,
    answered: datetime | None = None,
    **more,
) -> HealthInputs:
    """A pair where both answered the bot at `answered` (default: just before `now` in the
    tests that care), unless sides are given."""
    return HealthInputs(
        paired_at=PAIRED,
        trainee=trainee or Side("trainee", last_answered_at=answered),
        mentor=mentor or Side("mentor", last_answered_at=answered),
        sessions=tuple(sessions),
        **more,
    )


def test_a_pair_meeting_every_month_is_green_with_its_progress():
    now = utc(2025, 3, 20)
    result = health(
        inputs(
            [held(1, utc(2025, 1, 20)), held(2, utc(2025, 2, 18)), held(3, utc(2025, 3, 12))],
            answered=utc(2025, 3, 12),
        ),
        now,
    )
    assert result == Health(Colour.GREEN, ("3 of 3 sessions held",))


def test_verified_sessions_are_counted_in_the_progress():
    now = utc(2025, 2, 20)
    result = health(
        inputs(
            [
                held(1, utc(2025, 1, 20), SessionState.HELD_VERIFIED),
                held(2, utc(2025, 2, 18), SessionState.HELD_REPORTED),
            ],
            answered=utc(2025, 2, 18),
        ),
        now,
    )
    assert result.reasons[0] == "2 of 2 sessions held (1 verified)"
    assert result.colour == Colour.GREEN


def test_booked_or_not_held_sessions_do_not_count_as_held():
    now = utc(2025, 2, 20)
    result = health(
        inputs(
            [
                MonthSession(1, SessionState.NOT_HELD, None),
                MonthSession(2, SessionState.BOOKED, None),
            ],
            answered=utc(2025, 2, 18),
        ),
        now,
    )
    assert result.reasons[0] == "0 of 2 sessions held"
    assert "no session in month 1" in result.reasons


# --- days without a session ---------------------------------------------------------------------


def test_days_since_the_last_session_turn_amber_at_35_and_red_at_60():
    last = utc(2025, 1, 20)

    def at(days: float) -> Health:
        now = last + timedelta(days=days)
        return health(inputs([held(1, last)], answered=now), now)

    assert at(34.9).colour == Colour.GREEN
    assert at(35) == Health(Colour.AMBER, ("1 of 2 sessions held", "no session for over 35 days"))
    assert at(60).colour == Colour.RED
    assert "no session for over 60 days" in at(60).reasons
    assert "no session for over 35 days" not in at(60).reasons  # the worse one only


def test_before_the_first_session_the_days_count_from_pairing():
    now = PAIRED + timedelta(days=36)
    result = health(inputs(answered=now - timedelta(days=1)), now)
    assert "no session since pairing, over 35 days ago" in result.reasons


def test_the_day_thresholds_are_settings():
    now = PAIRED + timedelta(days=11)
    rules = HealthSettings(amber_days_without_session=10, red_days_without_session=20)
    result = health(inputs(answered=now), now, rules)
    assert result.colour == Colour.AMBER
    assert "no session since pairing, over 10 days ago" in result.reasons


# --- missed programme months ------------------------------------------------------------------


def test_one_missed_month_is_amber_and_named():
    now = utc(2025, 3, 10)  # months 1 and 2 over
    result = health(inputs([held(2, utc(2025, 3, 1))], answered=utc(2025, 3, 1)), now)
    assert result.colour == Colour.AMBER
    assert result.reasons == ("1 of 3 sessions held", "no session in month 1")


def test_the_latest_two_months_missed_in_a_row_are_red():
    now = utc(2025, 4, 7)  # months 1..3 over
    result = health(inputs([held(1, utc(2025, 1, 20))], answered=utc(2025, 4, 1)), now)
    assert result.colour == Colour.RED
    assert "no session in months 2 and 3" in result.reasons


def test_missed_months_apart_are_amber_not_red():
    now = utc(2025, 5, 7)  # months 1..4 over; 1 and 3 missed
    sessions = [held(2, utc(2025, 2, 20)), held(4, utc(2025, 4, 30))]
    result = health(inputs(sessions, answered=utc(2025, 5, 1)), now)
    assert result.colour == Colour.AMBER
    assert "no session in months 1 and 3" in result.reasons


def test_a_month_still_running_is_not_missed():
    now = utc(2025, 1, 30)
    result = health(inputs(answered=utc(2025, 1, 29)), now)
    assert result == Health(Colour.GREEN, ("0 of 1 sessions held",))


# --- check-ins, silence, unanswered nudges ----------------------------------------------------


def test_not_really_is_amber_and_need_help_is_red():
    now = utc(2025, 1, 25)
    uneasy = inputs(trainee=Side("trainee", now, check_in="not_really"), mentor=Side("mentor", now))
    assert health(uneasy, now).colour == Colour.AMBER
    assert "the trainee said it is not really running smoothly" in health(uneasy, now).reasons
    help_ = inputs(trainee=Side("trainee", now), mentor=Side("mentor", now, check_in="Need help"))
    assert health(help_, now).colour == Colour.RED
    assert "the mentor asked for help at the last check-in" in health(help_, now).reasons


def test_silence_from_one_person_is_amber_at_28_days_and_red_at_42():
    last_word = utc(2025, 1, 10)
    session = [held(1, utc(2025, 2, 5))]  # the pair met; the mentor logged it

    def at(now: datetime) -> Health:
        pair = inputs(
            session,
            trainee=Side("trainee", last_word),
            mentor=Side("mentor", now),
        )
        return health(pair, now)

    assert at(last_word + timedelta(days=27)).colour == Colour.GREEN
    amber = at(last_word + timedelta(days=28))
    assert amber.colour == Colour.AMBER
    assert "the trainee has not answered the bot for over 28 days" in amber.reasons
    red = at(last_word + timedelta(days=42))
    assert red.colour == Colour.RED
    assert "the trainee has not answered the bot for over 42 days" in red.reasons
    assert "the trainee has not answered the bot for over 28 days" not in red.reasons


def test_someone_who_never_answered_is_silent_since_pairing():
    now = PAIRED + timedelta(days=29)
    pair = inputs(trainee=Side("trainee", now), mentor=Side("mentor", None))
    assert "the mentor has not answered the bot for over 28 days" in health(pair, now).reasons


def test_unanswered_nudges_in_a_row_two_amber_three_red():
    now = utc(2025, 1, 20)
    two = inputs(trainee=Side("trainee", now), mentor=Side("mentor", now, unanswered_nudges=2))
    three = inputs(trainee=Side("trainee", now), mentor=Side("mentor", now, unanswered_nudges=3))
    one = inputs(trainee=Side("trainee", now), mentor=Side("mentor", now, unanswered_nudges=1))
    assert health(one, now).colour == Colour.GREEN
    assert health(two, now).colour == Colour.AMBER
    assert "the mentor has not answered the bot's last 2 questions" in health(two, now).reasons
    assert health(three, now).colour == Colour.RED
    assert "the mentor has not answered the bot's last 3 questions" in health(three, now).reasons


# --- pulse, disputes, escalations, release blocks ---------------------------------------------


def test_a_low_pulse_or_a_gap_between_the_two_is_amber():
    now = utc(2025, 1, 25)
    low = inputs(trainee=Side("trainee", now, pulse=2), mentor=Side("mentor", now, pulse=3))
    assert health(low, now).colour == Colour.AMBER
    assert "the trainee rated the last session 2 of 5" in health(low, now).reasons
    gap = inputs(trainee=Side("trainee", now, pulse=3), mentor=Side("mentor", now, pulse=5))
    assert health(gap, now).reasons[1:] == ("the two rate their sessions 2 apart",)
    fine = inputs(trainee=Side("trainee", now, pulse=4), mentor=Side("mentor", now, pulse=5))
    assert health(fine, now).colour == Colour.GREEN
    one_side = inputs(trainee=Side("trainee", now, pulse=5), mentor=Side("mentor", now))
    assert health(one_side, now).colour == Colour.GREEN


def test_a_disputed_session_is_amber():
    now = utc(2025, 1, 25)
    pair = inputs([MonthSession(1, SessionState.DISPUTED, None)], answered=now)
    result = health(pair, now)
    assert result.colour == Colour.AMBER
    assert "the two disagree whether month 1's session happened" in result.reasons


def test_open_escalations_and_release_blocks_are_amber():
    now = utc(2025, 1, 25)
    result = health(inputs(answered=now, open_escalations=2, release_blocks=1), now)
    assert result.colour == Colour.AMBER
    assert result.reasons[1:] == ("2 open escalations", "1 release block open")


def test_red_reasons_come_before_amber_ones_and_all_are_given():
    now = utc(2025, 4, 7)
    pair = inputs(
        [held(1, utc(2025, 1, 20))],
        trainee=Side("trainee", now, check_in="not_really"),
        mentor=Side("mentor", utc(2025, 2, 1), unanswered_nudges=3),
        open_escalations=1,
    )
    result = health(pair, now)
    assert result.colour == Colour.RED
    assert result.words() == (
        "1 of 4 sessions held; no session for over 60 days; no session in months 2 and 3; "
        "the mentor has not answered the bot's last 3 questions; "
        "the mentor has not answered the bot for over 42 days; "
        "the trainee said it is not really running smoothly; 1 open escalation"
    )


# --- when to look again -----------------------------------------------------------------------


def test_next_change_is_the_first_threshold_or_month_start_ahead():
    last = utc(2025, 1, 20)
    pair = inputs(
        [held(1, last)], trainee=Side("trainee", last), mentor=Side("mentor", utc(2025, 1, 30))
    )
    now = utc(2025, 2, 1)
    assert next_health_change(pair, now) == utc(2025, 2, 6, 9)  # month 2 starts
    # After it: the trainee's 28 silent days (17 Feb), before the 35 days without a session.
    assert next_health_change(pair, utc(2025, 2, 6, 9)) == last + timedelta(days=28)
    # The health at that moment is what the rules say then, and not a moment before.
    moment = last + timedelta(days=28)
    before = health(pair, moment - timedelta(microseconds=1))
    assert health(pair, moment) != before


def test_nothing_changes_after_the_programme_ends():
    pair = inputs(answered=PAIRED)
    assert next_health_change(pair, utc(2025, 8, 1)) is None


# --- words for coordinators ---------------------------------------------------------------------


def test_health_words_give_the_colour_in_words_and_the_reasons():
    assert health_words("amber", ["1 of 2 sessions held", "no session in month 1"]) == (
        "🟠 amber: 1 of 2 sessions held; no session in month 1"
    )
    assert health_words("green", []) == "🟢 green"


def test_what_changed_names_the_new_and_the_gone_concerns():
    assert what_changed(None, None, "green", ["1 of 1 sessions held"]) == "first worked out"
    assert (
        what_changed(
            "amber",
            ["1 of 2 sessions held", "no session in month 1"],
            "red",
            ["1 of 3 sessions held", "no session in months 1 and 2"],
        )
        == "was amber · new: no session in months 1 and 2 · no longer: no session in month 1"
    )
    assert (
        what_changed(
            "red", ["0 of 1 sessions held", "1 open escalation"], "red", ["0 of 1 sessions held"]
        )
        == "still red · no longer: 1 open escalation"
    )


def test_the_digest_week_starts_with_monday_s_working_day_in_the_coordinators_zone():
    from datetime import UTC, datetime, time

    from domain.health import digest_week

    nine = time(9, 0)
    # Monday 30 November 2026, 08:59 in New York (13:59 UTC): not yet; 09:00: week 49.
    assert digest_week(datetime(2026, 11, 30, 13, 59, tzinfo=UTC), "America/New_York", nine) is None
    assert digest_week(datetime(2026, 11, 30, 14, 0, tzinfo=UTC), "America/New_York", nine) == (
        "2026-W49"
    )
    # Still due later in the week (a bot down on Monday posts when it is back); Sunday too.
    assert digest_week(datetime(2026, 12, 6, 20, 0, tzinfo=UTC), "Europe/London", nine) == (
        "2026-W49"
    )
    # Monday 4 January 2027 belongs to ISO week 1 of 2027.
    assert digest_week(datetime(2027, 1, 4, 10, 0, tzinfo=UTC), "Europe/London", nine) == (
        "2027-W01"
    )


def test_the_digest_names_new_reds_and_recoveries_of_the_last_seven_days():
    from datetime import UTC, datetime, timedelta

    from domain.health import PairColour, weekly_digest

    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    pairs = [
        PairColour(
            "Sam ↔ Adele",
            "red",
            ("1 of 3 sessions held", "no session for over 60 days"),
            now - timedelta(days=2),
            "amber",
            now - timedelta(days=2),
        ),
        PairColour(
            "Joni ↔ Megan",
            "red",
            ("0 of 3 sessions held",),
            now - timedelta(days=20),
            "amber",
            now - timedelta(days=1),
        ),
        PairColour(
            "Lynne ↔ Isaiah",
            "green",
            ("3 of 3 sessions held",),
            now - timedelta(days=3),
            "amber",
            now - timedelta(days=3),
        ),
        PairColour(
            "Grady ↔ Diego",
            "green",
            ("3 of 3 sessions held",),
            now - timedelta(days=30),
            None,
            now - timedelta(days=30),
        ),
    ]
    text = weekly_digest(pairs, active=5, now=now)
    assert text.startswith("**Pair health this week**: 2 of 5 active pairs are green (40%).")
    assert (
        "Turned red in the last 7 days (1):\n- **Sam ↔ Adele**: 🔴 red: 1 of 3 sessions held; "
        "no session for over 60 days"
    ) in text
    assert "Joni" not in text  # red for weeks: not new
    assert "Back to green in the last 7 days (1):\n- **Lynne ↔ Isaiah** (was amber)" in text
    assert "Grady" not in text
