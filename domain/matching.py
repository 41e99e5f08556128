"""Mentor suggestions for a trainee: hard exclusions first, then a small explainable score.

The score is a sum of named weights so a coordinator can read why a mentor came first. Shared
areas matter most; the same location helps (meeting in person is easier); a different
organisation earns a small plus because cross-organisation pairings are wanted (the trainee
learns how other agencies work, and nobody is mentored inside their own chain of command);
free places break near-ties towards mentors who are not yet busy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

PersonId = int | str

DEFAULT_CAPACITY = 2
POINTS_PER_SHARED_AREA = 10
POINTS_SAME_LOCATION = 5
POINTS_CROSS_ORGANISATION = 2
POINTS_PER_FREE_PLACE = 1
DEFAULT_TOP = 3


def _norm(text: str | None) -> str:
    """For comparing free text: case and surrounding/repeated spaces ignored."""
    return " ".join(str(text or "").split()).casefold()


def _area_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (_norm(v) for v in values) if n)


def _area_title(area: str) -> str:
    return area.replace("_", " ")


@dataclass(frozen=True)
class TraineeProfile:
    id: PersonId
    organisation: str | None = None
    location: str | None = None
    needs: frozenset[str] = field(default_factory=frozenset)  # development needs
    goals: frozenset[str] = field(default_factory=frozenset)  # goal keywords / areas
    promotion_process: str | None = None
    line_manager: str | None = None  # the manager's person id or name
    name: str | None = None


@dataclass(frozen=True)
class MentorProfile:
    id: PersonId
    name: str | None = None
    organisation: str | None = None
    location: str | None = None
    areas: frozenset[str] = field(default_factory=frozenset)  # areas they can help with
    capacity: int = DEFAULT_CAPACITY
    current_trainees: int = 0
    assessor_for: str | None = None  # the promotion process they assess in, if any

    def __post_init__(self) -> None:
        if self.capacity < 0 or self.current_trainees < 0:
            raise ValueError("capacity and current trainees can't be negative")

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.current_trainees, 0)


@dataclass(frozen=True)
class Suggestion:
    mentor_id: PersonId
    score: int
    reasons: list[str]
    free_places: int


def exclusion_reasons(
    trainee: TraineeProfile,
    mentor: MentorProfile,
    dissolved: Iterable[tuple[PersonId, PersonId]] = (),
) -> list[str]:
    """Every reason this mentor must not be paired with this trainee (empty: allowed)."""
    reasons = []
    if mentor.id == trainee.id:
        return ["a trainee can't mentor themselves"]
    manager = _norm(trainee.line_manager)
    if manager and manager in (_norm(str(mentor.id)), _norm(mentor.name)):
        reasons.append("the mentor is the trainee's line manager")
    process = _norm(trainee.promotion_process)
    if process and process == _norm(mentor.assessor_for):
        reasons.append(
            f"the mentor is an assessor in the trainee's promotion process "
            f"({trainee.promotion_process.strip()})"
        )
    if (trainee.id, mentor.id) in set(dissolved):
        reasons.append("this pair was ended before")
    if mentor.free_places == 0:
        reasons.append(
            f"the mentor has no free place ({mentor.current_trainees} trainee"
            f"{'' if mentor.current_trainees == 1 else 's'}, capacity {mentor.capacity})"
        )
    return reasons


def exclusion_reason(
    trainee: TraineeProfile,
    mentor: MentorProfile,
    dissolved: Iterable[tuple[PersonId, PersonId]] = (),
) -> str | None:
    """Why this pair is not allowed, in plain English ("; "-joined), or None if it is.

    The line-manager check compares `trainee.line_manager` with the mentor's id and name
    (ignoring case and spacing), because the application may record either.
    """
    reasons = exclusion_reasons(trainee, mentor, dissolved)
    return "; ".join(reasons) if reasons else None


def score_mentor(trainee: TraineeProfile, mentor: MentorProfile) -> tuple[int, list[str]]:
    """The score of an allowed pair and its reasons, most important first."""
    score, reasons = 0, []
    wanted = _area_set(trainee.needs) | _area_set(trainee.goals)
    shared = sorted(wanted & _area_set(mentor.areas))
    if shared:
        score += POINTS_PER_SHARED_AREA * len(shared)
        noun = "area" if len(shared) == 1 else "areas"
        reasons.append(f"shares {len(shared)} {noun}: {', '.join(map(_area_title, shared))}")
    else:
        reasons.append("no shared areas")
    if _norm(trainee.location) and _norm(trainee.location) == _norm(mentor.location):
        score += POINTS_SAME_LOCATION
        reasons.append(f"same location ({mentor.location.strip()})")
    trainee_org, mentor_org = _norm(trainee.organisation), _norm(mentor.organisation)
    if trainee_org and mentor_org:
        if trainee_org != mentor_org:
            score += POINTS_CROSS_ORGANISATION
            reasons.append("different organisation — cross-organisation pairing")
        else:
            reasons.append(f"same organisation ({mentor.organisation.strip()})")
    free = mentor.free_places
    score += POINTS_PER_FREE_PLACE * free
    reasons.append(f"has {free} free place{'' if free == 1 else 's'}")
    return score, reasons


def _id_order(person_id: PersonId) -> tuple[int, int, str]:
    if isinstance(person_id, int):
        return (0, person_id, "")
    return (1, 0, str(person_id))


def suggest_mentors(
    trainee: TraineeProfile,
    mentors: Iterable[MentorProfile],
    dissolved: Iterable[tuple[PersonId, PersonId]] = (),
    top: int = DEFAULT_TOP,
) -> list[Suggestion]:
    """The best `top` allowed mentors: score, then free places (both high first), then id."""
    dissolved = set(dissolved)
    suggestions = []
    for mentor in mentors:
        if exclusion_reasons(trainee, mentor, dissolved):
            continue
        score, reasons = score_mentor(trainee, mentor)
        suggestions.append(Suggestion(mentor.id, score, reasons, mentor.free_places))
    suggestions.sort(key=lambda s: (-s.score, -s.free_places, _id_order(s.mentor_id)))
    return suggestions[: max(top, 0)]
