import pytest

from domain.matching import (
    DEFAULT_CAPACITY,
    POINTS_CROSS_ORGANISATION,
    POINTS_PER_FREE_PLACE,
    POINTS_PER_SHARED_AREA,
    POINTS_SAME_LOCATION,
    MentorProfile,
    TraineeProfile,
    exclusion_reason,
    exclusion_reasons,
    score_mentor,
    suggest_mentors,
)

TRAINEE = TraineeProfile(
    id=1,
    organisation="Leicestershire Police",
    location="Leicester",
    needs=frozenset({"interviews", "confidence"}),
    goals=frozenset({"leadership"}),
    promotion_process="2027 Inspector promotion",
    line_manager="Pat Jones",
)


def mentor(id, **kw) -> MentorProfile:
    defaults = {"name": f"Mentor {id}", "organisation": "City Council", "location": "Derby"}
    return MentorProfile(id=id, **{**defaults, **kw})


ANN = mentor(
    10,
    name="Ann",
    organisation="Leicester City Council",
    location="Leicester",
    areas=frozenset({"interviews", "confidence", "applications"}),
)
BOB = mentor(
    11,
    name="Bob",
    organisation="Leicestershire Police",
    location="Loughborough",
    areas=frozenset({"leadership"}),
    capacity=1,
)


def test_weights_are_named_and_cross_organisation_is_a_small_plus():
    assert POINTS_PER_SHARED_AREA > POINTS_SAME_LOCATION > POINTS_CROSS_ORGANISATION > 0
    assert DEFAULT_CAPACITY == 2 and POINTS_PER_FREE_PLACE == 1


def test_score_and_reasons():
    # 2 shared areas (20) + same location (5) + cross-organisation (2) + 2 free places (2).
    assert score_mentor(TRAINEE, ANN) == (
        29,
        [
            "shares 2 areas: confidence, interviews",
            "same location (Leicester)",
            "different organisation — cross-organisation pairing",
            "has 2 free places",
        ],
    )
    # 1 shared area from the goals (10) + same organisation (0) + 1 free place (1).
    assert score_mentor(TRAINEE, BOB) == (
        11,
        [
            "shares 1 area: leadership",
            "same organisation (Leicestershire Police)",
            "has 1 free place",
        ],
    )


def test_reasons_when_nothing_is_shared_or_known():
    bare = TraineeProfile(id=2)
    assert score_mentor(bare, MentorProfile(id=3, current_trainees=1)) == (
        1,
        ["no shared areas", "has 1 free place"],
    )


def test_comparisons_ignore_case_and_spacing_and_areas_read_as_words():
    trainee = TraineeProfile(
        id=2,
        location=" leicester ",
        organisation="city council",
        needs=frozenset({"Other_Organisations"}),
    )
    score, reasons = score_mentor(
        trainee,
        mentor(
            3,
            location="Leicester",
            organisation="City  Council",
            areas=frozenset({"other_organisations"}),
        ),
    )
    assert score == 10 + 5 + 0 + 2
    assert reasons[:3] == [
        "shares 1 area: other organisations",
        "same location (Leicester)",
        "same organisation (City  Council)",
    ]


def test_suggestions_are_ranked_by_score():
    ranked = suggest_mentors(TRAINEE, [BOB, ANN])
    assert [(s.mentor_id, s.score) for s in ranked] == [(10, 29), (11, 11)]
    assert ranked[0].reasons[0] == "shares 2 areas: confidence, interviews"
    assert ranked[0].free_places == 2


def test_ties_break_on_free_places_then_mentor_id():
    trainee = TraineeProfile(id=1, organisation="Police", needs=frozenset({"interviews"}))
    areas = frozenset({"interviews"})
    # 10 + 2 (cross-organisation) + 1 free place = 13.
    busy_cross = mentor(20, organisation="Council", areas=areas, capacity=2, current_trainees=1)
    # 10 + 0 (same organisation) + 3 free places = 13: same score, more room, so first.
    roomy = mentor(21, organisation="Police", areas=areas, capacity=3)
    # Identical to busy_cross: the lower id comes first, whatever the input order.
    twin_a = mentor(31, organisation="Council", areas=areas, capacity=2, current_trainees=1)
    twin_b = mentor(30, organisation="Council", areas=areas, capacity=2, current_trainees=1)
    ranked = suggest_mentors(trainee, [twin_a, busy_cross, twin_b, roomy], top=10)
    assert [(s.mentor_id, s.score) for s in ranked] == [(21, 13), (20, 13), (30, 13), (31, 13)]
    assert [s.mentor_id for s in suggest_mentors(trainee, [twin_b, twin_a])] == [30, 31]


def test_string_ids_sort_deterministically():
    trainee = TraineeProfile(id="t")
    ranked = suggest_mentors(trainee, [MentorProfile(id="m-b"), MentorProfile(id="m-a")])
    assert [s.mentor_id for s in ranked] == ["m-a", "m-b"]


def test_top_limits_the_list():
    mentors = [mentor(i) for i in range(10, 16)]
    assert len(suggest_mentors(TRAINEE, mentors)) == 3
    assert [s.mentor_id for s in suggest_mentors(TRAINEE, mentors, top=1)] == [10]
    assert suggest_mentors(TRAINEE, mentors, top=0) == []
    assert suggest_mentors(TRAINEE, []) == []


# --- hard exclusions ----------------------------------------------------------------------------


def test_mentor_at_capacity_is_excluded():
    full = mentor(12, capacity=2, current_trainees=2)
    assert (
        exclusion_reason(TRAINEE, full) == "the mentor has no free place (2 trainees, capacity 2)"
    )
    one = mentor(13, capacity=1, current_trainees=1)
    assert exclusion_reason(TRAINEE, one) == "the mentor has no free place (1 trainee, capacity 1)"
    assert suggest_mentors(TRAINEE, [full, one]) == []


def test_assessor_in_the_trainees_promotion_process_is_excluded():
    assessor = mentor(13, assessor_for=" 2027 inspector  Promotion")
    assert exclusion_reason(TRAINEE, assessor) == (
        "the mentor is an assessor in the trainee's promotion process (2027 Inspector promotion)"
    )
    assert suggest_mentors(TRAINEE, [assessor]) == []
    # An assessor in a different process, or a trainee in none, is fine.
    other = mentor(14, assessor_for="2027 Sergeant promotion")
    assert exclusion_reason(TRAINEE, other) is None
    no_process = TraineeProfile(id=2)
    assert exclusion_reason(no_process, assessor) is None


def test_line_manager_is_excluded_by_name_or_id():
    by_name = mentor(14, name="pat  jones")
    assert exclusion_reason(TRAINEE, by_name) == "the mentor is the trainee's line manager"
    by_id = TraineeProfile(id=1, line_manager="15")
    assert exclusion_reason(by_id, mentor(15)) == "the mentor is the trainee's line manager"
    assert exclusion_reason(by_id, mentor(16)) is None
    assert suggest_mentors(TRAINEE, [by_name]) == []


def test_pair_dissolved_before_is_excluded():
    dissolved = {(1, 15), (2, 10)}
    assert exclusion_reason(TRAINEE, mentor(15), dissolved) == "this pair was ended before"
    assert exclusion_reason(TRAINEE, ANN, dissolved) is None  # (2, 10) is someone else
    assert [s.mentor_id for s in suggest_mentors(TRAINEE, [mentor(15), ANN], dissolved)] == [10]


def test_trainee_is_never_their_own_mentor():
    assert exclusion_reason(TRAINEE, mentor(1)) == "a trainee can't mentor themselves"
    assert suggest_mentors(TRAINEE, [mentor(1)]) == []


def test_all_reasons_are_given_together():
    bad = mentor(15, name="Pat Jones", assessor_for="2027 Inspector promotion", current_trainees=2)
    assert exclusion_reasons(TRAINEE, bad, {(1, 15)}) == [
        "the mentor is the trainee's line manager",
        "the mentor is an assessor in the trainee's promotion process (2027 Inspector promotion)",
        "this pair was ended before",
        "the mentor has no free place (2 trainees, capacity 2)",
    ]
    assert exclusion_reason(TRAINEE, bad, {(1, 15)}).count("; ") == 3


def test_allowed_pair_has_no_exclusion_reason():
    assert exclusion_reason(TRAINEE, ANN) is None
    assert exclusion_reasons(TRAINEE, ANN, set()) == []


def test_negative_capacity_is_refused():
    with pytest.raises(ValueError):
        MentorProfile(id=1, capacity=-1)
    assert MentorProfile(id=1, capacity=1, current_trainees=3).free_places == 0
