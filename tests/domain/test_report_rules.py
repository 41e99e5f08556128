from domain.report_rules import (
    NOT_SHOWN,
    SMALL_GROUP,
    may_show,
    rate,
    shown,
    suppress_breakdown,
    suppress_small_groups,
)


def test_a_group_of_four_is_suppressed_and_five_is_shown():
    assert shown(4) == "fewer than 5" == SMALL_GROUP
    assert shown(5) == 5
    assert suppress_small_groups({"City Council": 4, "Police Service": 5, "Fire": 0}) == {
        "City Council": "fewer than 5",
        "Police Service": 5,
        "Fire": "fewer than 5",
    }


def test_feedback_needs_five_answers():
    assert not may_show(4)
    assert may_show(5)


def test_rates():
    assert rate(3, 4) == "3 of 4 (75%)"
    assert rate(0, 0) == "none sent"


def test_one_hidden_group_cannot_be_worked_out_from_the_total():
    # Total 20 shown: 3 would be 20 - 9 - 8; hiding the next smallest (8) leaves only 3 + 8.
    assert suppress_breakdown({"A": 9, "B": 3, "C": 8}) == {
        "A": 9,
        "B": SMALL_GROUP,
        "C": NOT_SHOWN,
    }
    # Equal counts: the first listed is hidden.
    assert suppress_breakdown({"A": 6, "B": 6, "C": 1}) == {
        "A": NOT_SHOWN,
        "B": 6,
        "C": SMALL_GROUP,
    }
    # Two hidden already protect each other; none hidden needs nothing.
    assert suppress_breakdown({"A": 9, "B": 3, "C": 0}) == {
        "A": 9,
        "B": SMALL_GROUP,
        "C": SMALL_GROUP,
    }
    assert suppress_breakdown({"A": 9, "B": 5}) == {"A": 9, "B": 5}
    # Without the total there is nothing to subtract from.
    assert suppress_breakdown({"A": 9, "B": 3}, total_shown=False) == {"A": 9, "B": SMALL_GROUP}
    # A single hidden group with nothing else to hide (the total is then small too).
    assert suppress_breakdown({"A": 3}) == {"A": SMALL_GROUP}
