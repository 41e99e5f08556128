"""The welcome card a person gets when they first open a personal chat with the bot."""

from __future__ import annotations

from adaptive_cards import render_card
from bot.context import AppContext
from bot.participants import sender_person
from bot.teams import Turn
from dialogs.application_dialog import closed_message, window_is_open
from domain.local_time import format_closing_date
from store.applications import application_of
from store.pairings import latest_pairing_of
from store.programmes import current_programme

NEWCOMER = (
    "I help you take part in a mentoring programme, as a trainee or as a mentor: apply, meet "
    "your pair each month, and get help quickly if something gets in the way."
)
RETURNING = (
    "Welcome back. You're already part of the programme: tap My programme to see where you "
    "are and what comes next, or type I need help to reach the coordinators."
)


class Welcome:
    """A newcomer is offered Apply; someone who applied or was paired is shown their way back."""


    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def card(self, turn: Turn) -> dict:
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            person = sender_person(session, turn.sender)
            tz = (person.time_zone if person else None) or self.ctx.settings.default_time_zone
            known = person is not None and (
                latest_pairing_of(session, person.id) is not None
                or (
                    programme is not None
                    and application_of(session, programme.id, person.id) is not None
                )
            )
            data = {"intro": NEWCOMER, "show_apply": True}
            if known:
                data = {"intro": RETURNING, "show_apply": False}
            if programme is not None and not known:
                data["programme_name"] = programme.name
                data["programme_line"] = (
                    f"{programme.name}: applications are open until "
                    f"{format_closing_date(programme.window_closes_at, tz)}."
                    if window_is_open(programme, now)
                    else closed_message(programme, now, tz)
                )
        return render_card("welcome", data)
