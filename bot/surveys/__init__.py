"""Surveys: the planner that sends each round (pulse, post-training evaluation, end surveys,
follow-ups) with at most two reminders, answers kept apart from people when anonymous, and a
mentor's added-up feedback."""

from __future__ import annotations

from bot.commands import PERSONAL, Command
from bot.features import Registry, Services
from bot.surveys.answers import SurveyAnswers
from bot.surveys.mentor_feedback import MentorFeedback
from bot.surveys.planner import SURVEY_KINDS, plan_surveys, survey_still_wanted
from bot.teams import Turn
from domain.authorisation import Action


def register(registry: Registry, services: Services) -> None:
    answers = SurveyAnswers(services.ctx)
    feedback = MentorFeedback(services.ctx)
    registry.planner(plan_surveys)
    registry.still_wanted_check(SURVEY_KINDS, survey_still_wanted)

    async def my_feedback(turn: Turn, _argument: str, _roles) -> None:
        await feedback.show(turn)

    registry.command(
        Command(
            "my feedback",
            "Mentors: what mentees said about your mentoring, added up (from 5 answers)",
            (PERSONAL,),
            Action.VIEW_OWN,
            listed=False,
        ),
        my_feedback,
    )
    registry.card_action("survey", answers.answer)
