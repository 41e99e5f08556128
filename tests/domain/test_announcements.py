"""The announcement rules without Teams: who approves, the drafted text, the reach by
organisation with small groups suppressed, and the reminder's moment and audience."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.announcements import (
    NO_ORGANISATION,
    SMALLER_ORGANISATIONS,
    Delivery,
    ProgrammeFacts,
    RecipientFacts,
    Status,
    Unreached,
    approval_refusal,
    draft_text,
    needs_second_coordinator,
    organisations_not_reached,
    reach_by_organisation,
    reminder_at,
    wants_reminder,
)
from domain.working_hours import WorkingHours


def test_a_second_coordinator_approves_and_the_composer_cannot_when_others_exist():
    waiting = Status.AWAITING_APPROVAL.value
    assert approval_refusal(waiting, "alex", "sam", {"alex", "sam"}) is None
    refusal = approval_refusal(waiting, "alex", "alex", {"alex", "sam"})
    assert refusal is not None and "Another coordinator" in refusal
    assert needs_second_coordinator("alex", {"alex", "sam"})


def test_the_only_coordinator_confirms_their_own_announcement():
    waiting = Status.AWAITING_APPROVAL.value
    assert not needs_second_coordinator("alex", {"alex"})
    assert approval_refusal(waiting, "alex", "alex", {"alex"}) is None


def test_an_announcement_sent_or_still_a_draft_cannot_be_approved():
    for status in (Status.DRAFT, Status.SENDING, Status.SENT, Status.CANCELLED):
        assert approval_refusal(status.value, "alex", "sam", {"alex", "sam"}) is not None


def test_the_draft_says_who_what_until_when_and_no_permission_needed():
    text = draft_text(ProgrammeFacts("Step Forward 2027", "mentoring", 6, "Friday 26 March 2027"))
    assert "Step Forward 2027" in text
    assert "until Friday 26 March 2027" in text
    assert "under-represented" in text
    assert "6 months" in text
    assert "don't need your line manager's permission" in text


def _people(organisation, count, **facts):
    return [RecipientFacts(organisation, **facts) for _ in range(count)]


def test_reach_counts_each_organisation_and_pools_and_hides_small_ones():
    people = (
        _people("County Council", 4, delivery=Delivery.DELIVERED.value, pressed_apply=True)
        + _people("County Council", 2, delivery=Delivery.DELIVERED.value, started=True)
        + _people(
            "County Council",
            1,
            delivery=Delivery.NOT_REACHED.value,
            unreached=Unreached.BLOCKED.value,
        )
        + _people("Police", 5, delivery=Delivery.NOT_REACHED.value, unreached=Unreached.LEFT.value)
        + _people("Fire", 3, delivery=Delivery.QUEUED.value)
        + _people(None, 1, delivery=Delivery.DELIVERED.value, started=True, submitted=True)
    )
    council, police, pooled = reach_by_organisation(people)
    assert (council.organisation, council.people, council.sent, council.delivered) == (
        "County Council",
        7,
        7,  # the blocked one was handed to Teams, which refused it
        6,
    )
    assert council.unreached == {"blocked": 1} and council.not_reached == 1
    assert (council.pressed_apply, council.started, council.submitted) == (4, 2, 0)
    assert not council.suppressed
    assert (police.people, police.sent, police.unreached) == (5, 0, {"left": 5})
    assert (council.waiting, police.waiting) == (0, 0)
    # Fire (3) and an unknown organisation (1) are pooled: 4 people, still too few to show.
    assert pooled.organisation == SMALLER_ORGANISATIONS and pooled.people == 4
    assert (pooled.waiting, pooled.sent) == (3, 1)  # Fire waits for working hours
    assert pooled.suppressed
    # The totals are shown: with the pool the only row hidden, the smallest other row (Police)
    # is hidden too, or the pool could be worked out by subtraction.
    assert police.hidden_for_total and not council.hidden_for_total


def test_with_nothing_hidden_every_row_is_shown():
    people = _people("Fire", 5, delivery=Delivery.DELIVERED.value) + _people(
        "Police", 6, delivery=Delivery.DELIVERED.value
    )
    assert [row.hidden_for_total for row in reach_by_organisation(people)] == [False, False]


def test_a_pool_of_small_organisations_of_five_or_more_is_shown():
    people = _people("Fire", 3, delivery=Delivery.DELIVERED.value) + _people(
        "Ambulance", 2, delivery=Delivery.DELIVERED.value
    )
    [pooled] = reach_by_organisation(people)
    assert (pooled.people, pooled.delivered, pooled.suppressed) == (5, 5, False)


def test_organisations_not_reached_are_those_where_nobody_was():
    people = (
        _people("Police", 2, delivery=Delivery.NOT_REACHED.value, unreached="app_not_allowed")
        + _people("Council", 1, delivery=Delivery.NOT_REACHED.value, unreached="blocked")
        + _people("Council", 1, delivery=Delivery.DELIVERED.value)
        + _people(None, 1, delivery=Delivery.NOT_REACHED.value, unreached="left")
    )
    assert organisations_not_reached(people) == ["Police"]
    assert NO_ORGANISATION not in organisations_not_reached(people)


def test_the_reminder_goes_three_working_days_before_the_close_at_the_start_of_the_day():
    # Closes at the end of Wednesday 24 March 2027 (London, GMT): Friday 19 March, 09:00.
    closes = datetime(2027, 3, 24, 23, 59, tzinfo=UTC)
    assert reminder_at(closes, "Europe/London") == datetime(2027, 3, 19, 9, 0, tzinfo=UTC)


def test_the_reminder_skips_holidays():
    closes = datetime(2027, 3, 24, 23, 59, tzinfo=UTC)
    hours = WorkingHours(holidays=frozenset({datetime(2027, 3, 19).date()}))
    assert reminder_at(closes, "Europe/London", hours) == datetime(2027, 3, 18, 9, tzinfo=UTC)


def test_only_people_who_started_and_did_not_submit_are_reminded_and_never_not_for_me():
    assert wants_reminder(started=True, submitted=False, not_for_me=False)
    assert not wants_reminder(started=True, submitted=True, not_for_me=False)
    assert not wants_reminder(started=False, submitted=False, not_for_me=False)
    assert not wants_reminder(started=True, submitted=False, not_for_me=True)


def test_groups_are_read_one_per_line_with_their_organisation():
    from domain.announcements import GroupLine, read_groups

    groups, unread = read_groups(
        "6a1f-e2, City Council\n\n  b7c9 ,Police Service \nno organisation\nbad id, Fire\n"
        "6a1f-e2, City Council again"
    )
    assert groups == [GroupLine("6a1f-e2", "City Council"), GroupLine("b7c9", "Police Service")]
    assert unread == ["no organisation", "bad id, Fire"]


def test_an_image_must_be_an_https_address():
    from domain.announcements import image_refusal

    assert image_refusal("") is None
    assert image_refusal("https://contoso.sharepoint.com/a.png") is None
    assert "https://" in image_refusal("http://example.com/a.png")
