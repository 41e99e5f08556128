"""The expression-of-interest form: its sections, their questions and how answers are checked.

Plain data and functions: the dialog renders each section as a card and calls `validate`.
Equality monitoring answers are a section of their own, optional, and stored apart from the
application (they never appear on a coordinator's card).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    MULTI = "multi"
    CONSENT = "consent"


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (value, title)
    max_length: int = 200
    placeholder: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    optional: bool = False  # the whole section may be skipped
    roles: tuple[str, ...] = ("trainee", "mentor")


CONSENT_NEEDED = "Please tick the box to agree before we go on."
TRAINEE = "trainee"
MENTOR = "mentor"
PREFER_NOT = ("prefer_not_to_say", "Prefer not to say")

DEVELOPMENT_NEEDS = (
    ("confidence", "Confidence"),
    ("applications", "Applications"),
    ("interviews", "Interviews"),
    ("other_organisations", "Knowledge of other organisations"),
    ("leadership", "Leadership"),
    ("other", "Other"),
)

PRIVACY_NOTICE = (
    "Before you start: what you tell me is used only to run this mentoring programme. "
    "Programme coordinators see your answers; your mentor or mentee sees only your name, "
    "organisation and what you choose to share. Equality monitoring questions are optional, "
    "kept apart from your application and only ever reported as totals of 5 or more. "
    "You do not need your line manager's permission to apply; your line manager will be "
    "consulted before any offer is made. You can see, change or withdraw your application "
    "until the application window closes, and ask for your data to be deleted at any time."
)


def role_choices(programme_kind: str) -> tuple[tuple[str, str], ...]:
    if programme_kind == "reverse":
        return (
            (TRAINEE, "Reverse mentee: a senior colleague who wants to learn from junior staff"),
            (MENTOR, "Reverse mentor: a junior colleague who will share their experience"),
        )
    return (
        (TRAINEE, "Trainee / mentee: I would like a mentor"),
        (MENTOR, "Mentor / coach: I would like to mentor someone"),
    )


START = Section(
    "start",
    "Apply",
    PRIVACY_NOTICE,
    (
        Question("role", "How would you like to take part?", Kind.CHOICE),
        Question("consent", "I have read the privacy notice and agree", Kind.CONSENT),
    ),
)

ABOUT = Section(
    "about",
    "About you",
    "Where you work now. This helps us find a good match.",
    (
        Question("organisation", "Organisation or agency", placeholder="e.g. City Council"),
        Question("department", "Department or team", placeholder="e.g. Housing"),
        Question("grade", "Grade or rank", max_length=80, placeholder="e.g. Scale 5, Sergeant"),
        Question("location", "Where you are based", max_length=80, placeholder="e.g. Leicester"),
    ),
)

GOALS = Section(
    "goals",
    "What you want from the scheme",
    "Tell us where you want to go and what would help you get there.",
    (
        Question(
            "goals",
            "Your career goals and what you want from the scheme",
            Kind.LONG_TEXT,
            max_length=1000,
        ),
        Question("needs", "What would you like to develop?", Kind.MULTI, choices=DEVELOPMENT_NEEDS),
        Question(
            "promotion_process",
            "Are you going for promotion in an upcoming process? If so, which one?",
            required=False,
            max_length=120,
            placeholder="e.g. 2027 Inspector promotion",
        ),
        Question(
            "availability",
            "When are you usually available to meet?",
            max_length=200,
            placeholder="e.g. Tuesday or Thursday afternoons",
        ),
    ),
    roles=(TRAINEE,),
)

MENTORING = Section(
    "mentoring",
    "You as a mentor",
    "This helps us pair you with someone you can really help.",
    (
        Question(
            "experience", "Your mentoring or coaching experience", Kind.LONG_TEXT, max_length=1000
        ),
        Question(
            "capacity",
            "How many people could you mentor?",
            Kind.CHOICE,
            choices=(("1", "1 person"), ("2", "2 people")),
        ),
        Question("areas", "Areas you can help with", Kind.MULTI, choices=DEVELOPMENT_NEEDS),
        Question(
            "assessor",
            "Are you an assessor in an upcoming promotion process?",
            Kind.CHOICE,
            choices=(("no", "No"), ("yes", "Yes")),
        ),
        Question(
            "assessor_process",
            "If yes, which process?",
            required=False,
            max_length=120,
            placeholder="e.g. 2027 Inspector promotion",
        ),
    ),
    roles=(MENTOR,),
)

EQUALITY = Section(
    "equality",
    "Equality monitoring (optional)",
    "These questions are optional. Your answers are stored apart from your application, "
    "are never shown on your application, and are only reported as totals of 5 or more.",
    (
        Question(
            "ethnicity",
            "Ethnic group",
            Kind.CHOICE,
            required=False,
            choices=(
                ("asian", "Asian or Asian British"),
                ("black", "Black, Black British, Caribbean or African"),
                ("mixed", "Mixed or multiple ethnic groups"),
                ("white", "White"),
                ("other", "Other ethnic group"),
                PREFER_NOT,
            ),
        ),
        Question(
            "gender",
            "Gender",
            Kind.CHOICE,
            required=False,
            choices=(
                ("woman", "Woman"),
                ("man", "Man"),
                ("other", "In another way"),
                PREFER_NOT,
            ),
        ),
        Question(
            "disability",
            "Do you consider yourself disabled?",
            Kind.CHOICE,
            required=False,
            choices=(("yes", "Yes"), ("no", "No"), PREFER_NOT),
        ),
        Question(
            "age_band",
            "Age",
            Kind.CHOICE,
            required=False,
            choices=(
                ("under_25", "Under 25"),
                ("25_34", "25–34"),
                ("35_44", "35–44"),
                ("45_54", "45–54"),
                ("55_plus", "55 or over"),
                PREFER_NOT,
            ),
        ),
    ),
    optional=True,
)

SECTIONS: tuple[Section, ...] = (START, ABOUT, GOALS, MENTORING, EQUALITY)
REVIEW = "review"


def section(section_id: str) -> Section:
    for candidate in SECTIONS:
        if candidate.id == section_id:
            return candidate
    raise KeyError(section_id)


def sections_for(role: str | None) -> list[Section]:
    if role is None:
        return [START]
    return [s for s in SECTIONS if role in s.roles]


def question_choices(question: Question, programme_kind: str) -> tuple[tuple[str, str], ...]:
    if question.id == "role":
        return role_choices(programme_kind)
    return question.choices


@dataclass
class Validation:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(sec: Section, raw: dict[str, Any], programme_kind: str = "mentoring") -> Validation:
    """Check a submitted section; return cleaned values or a kind message per bad answer."""
    result = Validation()
    for question in sec.questions:
        value = raw.get(question.id)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if question.kind == Kind.CONSENT:
                result.errors[question.id] = CONSENT_NEEDED
            elif question.required:
                result.errors[question.id] = f"Please answer “{question.label}”."
            continue
        choices = {v for v, _ in question_choices(question, programme_kind)}
        if question.kind == Kind.CONSENT:
            if str(value).lower() not in ("true", "yes", "1"):
                result.errors[question.id] = CONSENT_NEEDED
                continue
            result.values[question.id] = True
        elif question.kind == Kind.CHOICE:
            if str(value) not in choices:
                result.errors[question.id] = (
                    f"Please pick one of the options for “{question.label}”."
                )
                continue
            result.values[question.id] = str(value)
        elif question.kind == Kind.MULTI:
            picked = value if isinstance(value, list) else str(value).split(",")
            picked = [p.strip() for p in picked if p.strip()]
            unknown = [p for p in picked if p not in choices]
            if unknown or (question.required and not picked):
                result.errors[question.id] = f"Please pick from the list for “{question.label}”."
                continue
            result.values[question.id] = [v for v, _ in question.choices if v in picked]
        else:
            text = str(value)
            if len(text) > question.max_length:
                result.errors[question.id] = (
                    f"“{question.label}” can be at most {question.max_length} characters "
                    f"(yours has {len(text)})."
                )
                continue
            result.values[question.id] = text
    if sec.id == "mentoring" and result.values.get("assessor") == "yes":
        if not result.values.get("assessor_process"):
            result.errors["assessor_process"] = "Please say which promotion process you assess."
    return result


def next_section(role: str | None, completed: set[str]) -> str:
    """The first section not yet completed, or REVIEW when everything is answered."""
    for candidate in sections_for(role) if role else [START]:
        if candidate.id not in completed:
            return candidate.id
    return REVIEW if role else START.id


def answer_title(question: Question, value: Any, programme_kind: str = "mentoring") -> str:
    """A readable form of a stored answer, for summaries."""
    titles = dict(question_choices(question, programme_kind))
    if isinstance(value, list):
        return ", ".join(titles.get(v, v) for v in value) or "—"
    if value is True:
        return "Yes"
    return titles.get(str(value), str(value)) if value not in (None, "") else "—"
