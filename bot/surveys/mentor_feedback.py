"""`my feedback`: what mentees said about a mentor's mentoring, added up.

From the mentor's running tallies (`store.surveys.MentorFeedbackTally`), never from answers:
each question shows its average and how many gave each answer only once at least 5 answers
exist (`domain.report_rules.may_show`); below that it says how feedback is protected.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.context import AppContext
from bot.participants import sender_person
from bot.teams import Turn
from domain.report_rules import MIN_GROUP, may_show, shown
from domain.surveys import Survey, load_definitions, summarise_tally
from store.models import Person
from store.pairings import role_taken
from store.surveys import mentor_tally

PROTECTED = (
    f"Your mentees' answers are anonymous: you see them added up, shown once at least "
    f"{MIN_GROUP} answers exist for a question, so no single answer can be traced."
)


def feedback_lines(session: Session, person: Person, surveys: dict[str, Survey]) -> list[str]:
    """The mentor's feedback, one line per question about their mentoring; [] if none held."""
    tally = mentor_tally(session, person.id)
    if not tally:
        return []
    lines = ["**Feedback about your mentoring**", PROTECTED]
    for survey_id, counts in sorted(tally.items()):
        survey = surveys.get(survey_id)
        if survey is None:
            continue
        for result in summarise_tally(survey, counts):
            where = f"{survey.title}: {result.text}"
            if not may_show(result.answered):
                lines.append(
                    f"- {where} {shown(result.answered)} answers so far "
                    f"(shown once at least {MIN_GROUP} answers exist)"
                )
                continue
            spread = ", ".join(f"{label}: {n}" for label, n in result.counts.items())
            average = f"average {result.mean} of 5, " if result.mean is not None else ""
            lines.append(f"- {where} {average}{result.answered} answers ({spread})")
    return lines


class MentorFeedback:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def show(self, turn: Turn) -> None:
        surveys = load_definitions(self.ctx.settings.surveys_dir)
        with self.ctx.session() as session:
            person = sender_person(session, turn.sender)
            lines = feedback_lines(session, person, surveys) if person is not None else []
            role = role_taken(session, person.id) if person is not None else None
        if not lines and role != "mentor":
            reply = (
                "**my feedback** shows mentors what their mentees said about their mentoring, "
                "added up. "
            )
            if role == "trainee":
                reply += (
                    "You're taking part as a trainee, so there is none about you. Your own "
                    "survey answers about your mentor are anonymous: your mentor only ever sees "
                    f"them added up, once at least {MIN_GROUP} answers exist."
                )
            else:
                reply += "You're not taking part as a mentor, so there is none about you."
            await turn.send(reply)
            return
        if not lines:
            await turn.send(
                "There is no feedback about your mentoring yet. When your mentees answer the "
                f"surveys, their answers are added up here. {PROTECTED}"
            )
            return
        await turn.send("\n".join(lines))
