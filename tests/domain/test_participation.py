"""Where a person stands, from their application and their latest pairing."""

from __future__ import annotations

import pytest

from domain.participation import Standing, partner_role, standing


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, Standing.NEWCOMER),
        ("started", Standing.APPLYING),
        ("submitted", Standing.APPLYING),
        ("shortlisted", Standing.APPLYING),
        ("offered", Standing.OFFERED),
        ("accepted", Standing.WAITING),
        ("withdrawn", Standing.NOT_TAKING_PART),
        ("rejected", Standing.NOT_TAKING_PART),
        ("declined", Standing.NOT_TAKING_PART),
    ],
)
def test_without_a_pairing_the_application_says_where_someone_stands(status, expected):
    assert standing(status) == expected


def test_a_pairing_comes_first_then_one_that_ended_early():
    assert standing("accepted", paired=True) == Standing.PAIRED
    assert standing("accepted", paired=True, finished=True) == Standing.FINISHED
    assert standing("accepted", ended_early=True) == Standing.ENDED
    assert standing(None, paired=True) == Standing.PAIRED  # paired by a coordinator directly


def test_a_trainee_is_paired_with_a_mentor_and_a_mentor_with_a_mentee():
    assert partner_role("trainee") == "mentor"
    assert partner_role("mentor") == "mentee"
    assert partner_role(None) == "mentor"
