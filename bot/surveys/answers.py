"""Answers to survey cards: checked, stored once, and kept apart from the person when the
survey is anonymous (see `store.surveys`)."""

from __future__ import annotations

import logging

from bot.context import AppContext
from bot.participants import sender_person
from bot.teams import Turn
from bot.teams.paging import numbered_pages
from domain.surveys import load_definitions, read_answers, tally_entries, too_long_answers
from store.models import Pairing
from store.surveys import invitation, pairing_id_of, record_response

log = logging.getLogger(__name__)


class SurveyAnswers:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def answer(self, turn: Turn, value: dict) -> None:
        survey = load_definitions(self.ctx.settings.surveys_dir).get(str(value.get("survey")))
        subject = str(value.get("subject") or "")
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me = sender_person(session, turn.sender)
            row = (
                invitation(session, survey.id, subject, me.id)
                if survey is not None and me is not None
                else None
            )
            if row is None:
                replies.append("Sorry, that survey isn't one I sent you.")
                return
            if row.responded_at is not None:
                replies.append("You've already answered this one — thank you!")
                return
            answers, missing = read_answers(survey, value)
            if missing:
                reply = "Nearly there — please answer these on the card and send it again:\n\n"
                reply += "\n".join(f"- {text}" for text in missing)
                for question, typed in too_long_answers(survey, value):
                    reply += f"\n\nWhat you wrote for “{question}”, so nothing is lost:\n\n{typed}"
                replies.extend(numbered_pages(reply))
                return
            tallied = tally_entries(survey, row.role, answers)
            pairing_id = pairing_id_of(row.subject) if tallied else None
            pairing = session.get(Pairing, pairing_id) if pairing_id is not None else None
            record_response(
                session,
                row,
                answers,
                anonymous=survey.anonymous,
                now=now,
                mentor_person_id=pairing.mentor_person_id if pairing is not None else None,
                tallied=tallied,
            )
        log.info("survey answered survey=%s", survey.id)
        await turn.send(
            "Thank you! Your answers are anonymous: they are kept apart from your name."
            if survey.anonymous
            else "Thank you! Your answers are in the programme's records."
        )
