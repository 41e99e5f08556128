"""What a person presses on an announcement: Apply (the expression of interest for the
announced programme), Tell me more, and Not for me (no more announcements of that programme,
and no reminder to finish an application).

Pressed on a channel post, the answer goes to the person's personal chat when the bot has one
(an application is private); otherwise the reply in the channel names nobody.
"""

from __future__ import annotations

import logging

from adaptive_cards.submitted import card_int
from bot.announcements.cards import announcement_card, heading
from bot.context import AppContext
from bot.features import CommandHandler
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage, recipient_time_zone
from bot.teams import Turn, message_payload
from domain.authorisation import Role
from domain.keys import nudge_key
from domain.local_time import format_closing_date
from store.announcements import Announcement, opt_out, recipient_of
from store.conversations import personal_ref
from store.models import Programme

log = logging.getLogger(__name__)

ANSWER_KIND = "announcement_answer"
GONE = "Sorry, I can't find that announcement any more. Type **apply** to apply."
OPEN_A_CHAT = (
    "To apply, open a private chat with me (select my name, Step Forward, and choose Chat) and "
    "type **apply**. Your application stays private to the programme coordinators."
)


class AnnouncementAnswers:
    def __init__(self, ctx: AppContext, outbox: Outbox, apply: CommandHandler) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.apply_command = apply

    async def answer(self, turn: Turn, value: dict) -> None:
        choice = value.get("announced")
        with self.ctx.session() as session:
            announcement = session.get(Announcement, card_int(value.get("announcement_id")) or 0)
            programme = session.get(Programme, announcement.programme_id) if announcement else None
            programme_id = programme.id if programme else None
            name = programme.name if programme else ""
        if programme_id is None:
            await turn.send(GONE)
            return
        if choice == "apply":
            await self.apply(turn, announcement.id, programme_id)
        elif choice == "more":
            await turn.send(self.more(announcement.id, turn.sender.aad_object_id))
        elif choice == "not_for_me":
            await self.not_for_me(turn, announcement.id, programme_id, name)
        else:
            await turn.send("Sorry, I couldn't read that. Type **help** to see what I can do.")

    async def apply(self, turn: Turn, announcement_id: int, programme_id: int) -> None:
        aad = turn.sender.aad_object_id
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            row = recipient_of(session, announcement_id, aad) if aad else None
            if row is not None and row.pressed_apply_at is None:
                row.pressed_apply_at = now
                session.add(row)
            programme = session.get(Programme, programme_id)
            closed = programme.window_closes_at <= now or programme.window_opens_at > now
        log.info("announcement apply pressed announcement_id=%s", announcement_id)
        if closed:
            await turn.send(
                f"Applications for {programme.name} are closed now, so I can't start one. "
                "Type **apply** to see what is open."
            )
            return
        if not turn.is_channel:
            await self.apply_command(turn, "", frozenset({Role.PARTICIPANT}))
            return
        message = self._personal(
            aad,
            f"apply-{announcement_id}",
            "You pressed Apply on the announcement in the channel: press **Apply** here to "
            "start your application, privately.",
            announcement_id,
        )
        if message is None:
            await turn.send(OPEN_A_CHAT)
            return
        await self.outbox.send_now(message)

    def more(self, announcement_id: int, aad: str | None) -> str:
        """Eligibility, what it asks of people, the dates and the privacy notice."""
        with self.ctx.session() as session:
            announcement = session.get(Announcement, announcement_id)
            programme = session.get(Programme, announcement.programme_id)
            tz = recipient_time_zone(session, self.ctx.settings, aad)
            closes = format_closing_date(programme.window_closes_at, tz)
            months = programme.length_months
        return (
            f"**{programme.name}**\n\n"
            "**Who can apply:** staff from groups under-represented in senior roles who want "
            "to progress, as trainees; experienced staff can apply as mentors.\n\n"
            f"**What it asks of you:** {months} months; a training course at the start, a "
            "session with your mentor each month (about 2 hours a month) and short check-ins. "
            "Your line manager is asked to release you for it only if you are offered a place.\n\n"
            f"**Dates:** applications close on {closes}. The coordinators shortlist and "
            "interview after that, and tell everyone who applied what happens next.\n\n"
            "**Your information:** only the programme coordinators see your application; "
            "equality questions are optional and kept apart from it. Privacy notice: "
            f"{self.ctx.settings.privacy_url}\n\n"
            "Press **Apply** on the announcement to start (about 10 minutes, and you can save "
            "and come back)."
        )

    async def not_for_me(
        self, turn: Turn, announcement_id: int, programme_id: int, name: str
    ) -> None:
        aad = turn.sender.aad_object_id
        if not aad:
            return
        with self.ctx.session() as session:
            opt_out(session, programme_id, aad, self.ctx.clock.now())
        text = (
            f"Understood: I won't send you more about {name}. If you change your mind, type "
            "**apply** in this chat."
        )
        if not turn.is_channel:
            await turn.send(text)
            return
        message = self._personal(aad, f"not-for-me-{programme_id}", text, None)
        if message is None:
            await turn.send(f"Noted: no personal messages about {name} for you from me.")
            return
        await self.outbox.send_now(message)

    def _personal(
        self, aad: str | None, period: str, text: str, announcement_id: int | None
    ) -> PlannedMessage | None:
        """A reply to someone who pressed on a channel post, in their personal chat (None:
        the bot has no chat with them)."""
        if not aad:
            return None
        with self.ctx.session() as session:
            if personal_ref(session, aad) is None:
                return None
            cards = []
            if announcement_id is not None:
                announcement = session.get(Announcement, announcement_id)
                programme = session.get(Programme, announcement.programme_id)
                tz = recipient_time_zone(session, self.ctx.settings, aad)
                cards = [announcement_card(announcement, programme, tz)]
                summary = heading(programme)
            else:
                summary = None
        return PlannedMessage(
            aad,
            ANSWER_KIND,
            nudge_key(aad, ANSWER_KIND, period),
            payload=message_payload(text, cards=cards, summary=summary),
            routine=False,
            working_hours=False,
        )
