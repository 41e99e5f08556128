"""Survey definitions (data files in `surveys/`), when each is due, and reading its answers.

A definition says what is asked (items and their scales), of whom (trainees, mentors or
both), whether it is anonymous, when it is sent and how many reminders follow (at most 2).
Everything here is pure except `load_definitions`, which reads the folder of JSON files.

When a survey is due (`rounds_due`), from the facts of one pairing:
- `session_logged`: after each session logged as held, round "month-N";
- `training_ended`: when the programme's training ends, round "training";
- `programme_end`: at the end of the pairing's programme, round "end" — for
  promotion-support programmes after the assessment concludes instead, and never once the
  results are published; with `months`, that many months after the end, rounds "3m", "6m"...
- `call_back_attended`: not about a pairing: the cohort events send it after each call-back
  workshop to those who were there (`bot.cohort_events`), round "event-<id>".
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from domain.cadence import add_months, programme_end
from domain.keys import month_period
from domain.text_limits import LONG_TEXT, text_of

SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"
ROLES = ("trainee", "mentor")
KINDS = ("rating", "yes_no", "choice", "text")
TRIGGERS = ("session_logged", "training_ended", "programme_end", "call_back_attended")
# Triggers whose rounds are not about a pairing (another feature sends them).
NOT_PER_PAIRING = ("call_back_attended",)
RATING = range(1, 6)
MAX_REMINDERS = 2
REMINDER_EVERY = timedelta(days=7)
# A survey not answered this long after it was sent is closed (no more reminders).
OPEN_FOR = timedelta(days=28)
MAX_TEXT = LONG_TEXT
YES_NO = {"yes": "Yes", "no": "No"}


class SurveyError(ValueError):
    """A survey definition that cannot be used, with every reason found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    kind: str
    optional: bool = False
    before_after: bool = False
    multiple: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for choices
    labels: tuple[str, str] = ("", "")  # words at 1 and 5 of a rating
    # A trainee's answer is feedback about their mentor: it also goes into the mentor's
    # running tally (counts only; see `tally_entries`).
    about_mentor: bool = False

    def answer_ids(self) -> tuple[str, ...]:
        """The answers one item gives: one, or `<id>_before` and `<id>_after`."""
        return (f"{self.id}_before", f"{self.id}_after") if self.before_after else (self.id,)

    def choices(self) -> list[tuple[str, str]]:
        if self.kind == "rating":
            return [(str(n), str(n)) for n in RATING]
        if self.kind == "yes_no":
            return list(YES_NO.items())
        return list(self.options)


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    intro: str
    audience: tuple[str, ...]
    anonymous: bool
    trigger: str
    items: tuple[Item, ...]
    months: tuple[int, ...] = ()
    reminders: int = MAX_REMINDERS

    @property
    def one_tap(self) -> bool:
        """A single required rating: answered by pressing one of five buttons."""
        only = self.items[0]
        return len(self.items) == 1 and only.kind == "rating" and not only.before_after

    def answer_ids(self) -> list[str]:
        return [answer for item in self.items for answer in item.answer_ids()]


def _problems_of_item(raw: object, where: str, seen: set[str]) -> list[str]:
    if not isinstance(raw, dict):
        return [f"{where} is not an object"]
    problems = []
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not item_id.isidentifier():
        problems.append(f"{where} needs an 'id' made of letters, digits and _")
    elif item_id in seen:
        problems.append(f"{where}: id '{item_id}' is used twice")
    else:
        seen.add(item_id)
    if not isinstance(raw.get("text"), str) or not raw["text"].strip():
        problems.append(f"{where} needs a 'text'")
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    if raw.get("before_after") and kind != "rating":
        problems.append(f"{where}: only a rating can be asked before and after")
    if kind == "choice":
        options = raw.get("options")
        if not isinstance(options, dict) or not options:
            problems.append(f"{where}: a choice needs 'options' (value: label)")
    labels = raw.get("labels", ["", ""])
    if not (isinstance(labels, list) and len(labels) == 2):
        problems.append(f"{where}: 'labels' are the words at 1 and at 5")
    if raw.get("about_mentor") and (kind == "text" or raw.get("multiple")):
        problems.append(f"{where}: only one rating or choice per answer is tallied for a mentor")
    return problems


def parse_definition(raw: Mapping, source: str = "survey") -> Survey:
    """Check a definition and build it; `SurveyError` lists everything wrong with it."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise SurveyError(source, ["a survey definition is a JSON object"])
    for key in ("id", "title", "intro"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(f"'{key}' is missing")
    audience = raw.get("audience")
    if not isinstance(audience, list) or not audience or not set(audience) <= set(ROLES):
        problems.append(f"'audience' must list some of {', '.join(ROLES)}")
    if not isinstance(raw.get("anonymous"), bool):
        problems.append("'anonymous' must be true or false")
    send = raw.get("send")
    if not isinstance(send, dict) or send.get("after") not in TRIGGERS:
        problems.append(f"'send.after' must be one of {', '.join(TRIGGERS)}")
        send = {}
    months = send.get("months", [])
    if not isinstance(months, list) or not all(isinstance(m, int) and m > 0 for m in months):
        problems.append("'send.months' must be a list of whole months")
        months = []
    if months and send.get("after") != "programme_end":
        problems.append("'send.months' counts from the programme's end only")
    reminders = raw.get("reminders", MAX_REMINDERS)
    if not isinstance(reminders, int) or not 0 <= reminders <= MAX_REMINDERS:
        problems.append(f"'reminders' must be 0 to {MAX_REMINDERS}")
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        problems.append("'items' must list at least one question")
        items = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        problems += _problems_of_item(item, f"item {n}", seen)
    about_mentor = any(isinstance(i, dict) and i.get("about_mentor") for i in items)
    if about_mentor and "trainee" not in (audience or []):
        problems.append("'about_mentor' items need trainees in the audience")
    if problems:
        raise SurveyError(source, problems)
    return Survey(
        id=raw["id"],
        title=raw["title"],
        intro=raw["intro"],
        audience=tuple(audience),
        anonymous=raw["anonymous"],
        trigger=send["after"],
        months=tuple(months),
        reminders=reminders,
        items=tuple(
            Item(
                id=item["id"],
                text=item["text"],
                kind=item["kind"],
                optional=bool(item.get("optional", False)),
                before_after=bool(item.get("before_after", False)),
                multiple=bool(item.get("multiple", False)),
                options=tuple((str(k), str(v)) for k, v in item.get("options", {}).items()),
                labels=tuple(item.get("labels", ["", ""])),
                about_mentor=bool(item.get("about_mentor", False)),
            )
            for item in items
        ),
    )


def load_definitions(folder: Path = SURVEYS_DIR) -> dict[str, Survey]:
    """Every `*.json` definition in the folder, by id; `SurveyError` on the first bad one.

    The sweep and every send ask for them: the files are parsed again only when one of them
    was added, removed or changed (name, size and modification time), else they come from
    memory.
    """
    stats = [(path.name, path.stat()) for path in sorted(folder.glob("*.json"))]
    signature = tuple((name, stat.st_mtime_ns, stat.st_size) for name, stat in stats)
    return dict(_parsed(folder, signature))


@functools.lru_cache(maxsize=8)
def _parsed(folder: Path, signature: tuple) -> dict[str, Survey]:
    surveys: dict[str, Survey] = {}
    for name, _mtime, _size in signature:
        path = folder / name
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            problem = f"not valid JSON ({error.msg}, line {error.lineno})"
            raise SurveyError(path.name, [problem]) from error
        survey = parse_definition(raw, path.name)
        if survey.id in surveys:
            raise SurveyError(path.name, [f"survey id '{survey.id}' is used by another file"])
        surveys[survey.id] = survey
    return surveys


# --- when a survey is due ------------------------------------------------------------------


@dataclass(frozen=True)
class PairingFacts:
    """What decides a pairing's surveys (plain data, from the store)."""

    paired_at: datetime
    length_months: int
    # Programme month -> when its session was logged as held.
    sessions_logged: Mapping[int, datetime] = field(default_factory=dict)
    training_ends_at: datetime | None = None
    promotion_support: bool = False
    assessment_ends_at: datetime | None = None
    results_at: datetime | None = None


@dataclass(frozen=True)
class Round:
    """One sending of a survey: `name` goes into keys and (coarse) into anonymous answers."""

    name: str
    due: datetime
    closes: datetime


def round_title(name: str) -> str:
    """A round's name in words: “after the month-2 session”, “3 months after the programme”."""
    if name.startswith("month-"):
        return f"after the {name} session"
    if name == "training":
        return "after the training"
    if name == "end":
        return "at the end of the programme"
    if name.endswith("m") and name[:-1].isdigit():
        months = int(name[:-1])
        return f"{months} month{'' if months == 1 else 's'} after the programme"
    return name


def _end_of(facts: PairingFacts) -> datetime | None:
    if facts.promotion_support:
        return facts.assessment_ends_at  # unknown until the coordinators give the date
    return programme_end(facts.paired_at, facts.length_months)


def rounds_of(survey: Survey, facts: PairingFacts) -> list[Round]:
    """Every round of the survey for one pairing, whether due yet or not."""
    if survey.trigger in NOT_PER_PAIRING:
        return []
    if survey.trigger == "session_logged":
        return [
            Round(month_period(month), at, at + OPEN_FOR)
            for month, at in sorted(facts.sessions_logged.items())
        ]
    if survey.trigger == "training_ended":
        at = facts.training_ends_at
        return [] if at is None else [Round("training", at, at + OPEN_FOR)]
    end = _end_of(facts)
    if end is None:
        return []
    if survey.months:
        return [
            Round(f"{m}m", add_months(end, m), add_months(end, m) + OPEN_FOR) for m in survey.months
        ]
    closes = end + OPEN_FOR
    if facts.promotion_support and facts.results_at is not None:
        closes = min(closes, facts.results_at)  # answered before anyone knows the result
    return [] if closes <= end else [Round("end", end, closes)]


def reminder_due(survey: Survey, round_: Round, now: datetime) -> int | None:
    """Which sending is due at `now`: 0 the survey, 1..2 a reminder; None: not now.

    Only the latest sending that is due is returned, so a sweep that missed a week never sends
    two at once; nothing after the round closes.
    """
    if now < round_.due or now >= round_.closes:
        return None
    weeks = int((now - round_.due) / REMINDER_EVERY)
    return min(weeks, survey.reminders)


def next_round_change(
    surveys: Iterable[Survey], facts: PairingFacts, now: datetime
) -> datetime | None:
    """The first instant after `now` at which `reminder_due` gives another answer for a round
    of these surveys on the same facts (a round opening, a reminder falling due, a round
    closing); None when no round will change any more."""
    points = []
    for survey in surveys:
        for round_ in rounds_of(survey, facts):
            points += [round_.due + REMINDER_EVERY * k for k in range(survey.reminders + 1)]
            points.append(round_.closes)
    return min((at for at in points if at > now), default=None)


# --- answers -------------------------------------------------------------------------------


def read_answers(survey: Survey, values: Mapping) -> tuple[dict, list[str]]:
    """The answers a card submitted, checked against the survey; and what is missing/wrong."""
    answers: dict = {}
    problems: list[str] = []
    for item in survey.items:
        for answer_id in item.answer_ids():
            raw = text_of(values.get(answer_id))
            if not raw:
                if not item.optional:
                    problems.append(item.text)
                continue
            if item.kind == "text":
                if len(raw) > MAX_TEXT:
                    problems.append(
                        f"{item.text}: at most {MAX_TEXT:,} characters (yours has {len(raw):,})"
                    )
                    continue
                answers[answer_id] = raw
                continue
            allowed = {value for value, _label in item.choices()}
            picked = [part.strip() for part in raw.split(",")] if item.multiple else [raw]
            if not all(part in allowed for part in picked):
                problems.append(item.text)
            elif item.kind == "rating":
                answers[answer_id] = int(raw)
            else:
                answers[answer_id] = picked if item.multiple else raw
    return answers, problems


def answers_in_words(survey: Survey, answers: Mapping) -> list[tuple[str, str]]:
    """Stored answers as (question, answer) in the survey's own words, in its order."""
    shown = []
    for item in survey.items:
        labels = dict(item.choices())
        for answer_id in item.answer_ids():
            if answer_id not in answers:
                continue
            value = answers[answer_id]
            question = item.text
            if item.before_after:
                question += " (before the training)" if answer_id.endswith("_before") else " (now)"
            values = value if isinstance(value, list) else [value]
            shown.append((question, ", ".join(labels.get(str(v), str(v)) for v in values) or "—"))
    return shown


def too_long_answers(survey: Survey, values: Mapping) -> list[tuple[str, str]]:
    """(question, what was typed) for each text answer over its limit, to give back."""
    return [
        (item.text, text_of(values.get(item.id)))
        for item in survey.items
        if item.kind == "text" and len(text_of(values.get(item.id))) > MAX_TEXT
    ]


@dataclass(frozen=True)
class ItemResult:
    """What the answers to one question add up to."""

    answer_id: str
    text: str
    answered: int
    mean: float | None = None  # ratings
    counts: dict[str, int] = field(default_factory=dict)  # label -> how many chose it


def summarise(survey: Survey, answer_sets: Iterable[Mapping]) -> list[ItemResult]:
    """Per question: how many answered, the mean rating or how many chose each option.
    Free text is never summarised (it is not shown in reports)."""
    answer_sets = list(answer_sets)
    results = []
    for item in survey.items:
        if item.kind == "text":
            continue
        for answer_id in item.answer_ids():
            given = [a[answer_id] for a in answer_sets if answer_id in a]
            text = item.text
            if item.before_after:
                text += " (before)" if answer_id.endswith("_before") else " (after)"
            if item.kind == "rating":
                mean = round(sum(given) / len(given), 2) if given else None
                results.append(ItemResult(answer_id, text, len(given), mean=mean))
                continue
            labels = dict(item.choices())
            counted: Counter = Counter()
            for value in given:
                counted.update(value if isinstance(value, list) else [value])
            counts = {label: counted[value] for value, label in labels.items()}
            results.append(ItemResult(answer_id, text, len(given), counts=counts))
    return results


# --- feedback about a mentor ---------------------------------------------------------------


def tally_entries(survey: Survey, role: str, answers: Mapping) -> list[tuple[str, str]]:
    """(answer id, value) pairs a trainee's answers add to their mentor's tally: one per item
    about the mentor that was answered; nothing from mentors, nothing from free text."""
    if role != "trainee":
        return []
    return [
        (answer_id, str(answers[answer_id]))
        for item in survey.items
        if item.about_mentor
        for answer_id in item.answer_ids()
        if answer_id in answers
    ]


def summarise_tally(survey: Survey, tally: Mapping[str, Mapping[str, int]]) -> list[ItemResult]:
    """The items about the mentor from their counts (answer id -> value -> how many): how many
    answered, the mean of a rating, and how many gave each value (by label)."""
    results = []
    for item in survey.items:
        if not item.about_mentor:
            continue
        for answer_id in item.answer_ids():
            given = tally.get(answer_id, {})
            answered = sum(given.values())
            mean = None
            if item.kind == "rating" and answered:
                mean = round(sum(int(v) * n for v, n in given.items()) / answered, 2)
            counts = {label: given.get(value, 0) for value, label in item.choices()}
            results.append(ItemResult(answer_id, item.text, answered, mean=mean, counts=counts))
    return results
