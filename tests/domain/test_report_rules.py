from domain.report_rules import SMALL_GROUP, may_show, rate, shown, suppress_small_groups


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
