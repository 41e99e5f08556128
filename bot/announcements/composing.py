"""The coordinators' side in the channel: `announce` (the form, with the bot's draft), the
preview, approval by a second coordinator (or the only coordinator's confirmation), and
cancelling. Approved, the announcement is delivered by the sweep (`bot.announcements.delivery`).
"""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from adaptive_cards.submitted import card_int
from bot.announcements.cards import channel_name, form_card, preview_card
from bot.context import AppContext
from bot.graph import GraphClient
from bot.outbox.planned import recipient_time_zone
from bot.teams import Turn
from domain.announcements import (
    MAX_GROUPS_TEXT,
    MAX_IMAGE_URL,
    MAX_TEXT,
    AudienceKind,
    ProgrammeFacts,
    Status,
    approval_refusal,
    draft_text,
    image_refusal,
    needs_second_coordinator,
    read_groups,
    text_refusal,
)
from domain.authorisation import Role
from domain.local_time import format_closing_date
from domain.text_limits import text_of, too_long
from store.announcements import Announcement, add_audience, audiences_of, new_announcement
from store.conversations import channel_refs
from store.models import Programme
from store.people import get_person, holders_of
from store.programmes import current_programme

log = logging.getLogger(__name__)

NOTHING_TO_SEND = (
    "Choose at least one channel or staff group to send it to. Nothing was saved: your text "
    "is still on the form above."
)


def coordinators(ctx: AppContext, session: Session) -> set[str]:
    """Everyone who coordinates (configured, or granted in the store)."""
    return set(ctx.settings.coordinators) | holders_of(session, Role.COORDINATOR.value)


def programme_named(session: Session, name: str, now) -> Programme | None:
    if not name:
        return current_programme(session, now)
    wanted = " ".join(name.lower().split())
    for programme in session.exec(select(Programme).order_by(Programme.id.desc())):
        if " ".join(programme.name.lower().split()) == wanted:
            return programme
    return None


def announceable(programme: Programme | None, now) -> str | None:
    """Why the programme cannot be announced now (None: it can)."""
    if programme is None:
        return "There is no programme to announce yet."
    if programme.window_closes_at <= now or programme.window_opens_at > now:
        return (
            f"Applications for {programme.name} are not open now, and an announcement asks "
            "people to apply at once. Open the window first (**window open <date>**)."
        )
    return None


class Composing:
    def __init__(self, ctx: AppContext, graph: GraphClient) -> None:
        self.ctx = ctx
        self.graph = graph

    def _tz(self, session: Session, aad: str | None) -> str:
        return recipient_time_zone(session, self.ctx.settings, aad)

    def _channels(self, session: Session, programme: Programme):
        return [
            ref
            for ref in channel_refs(session)
            if ref.conversation_id != programme.coordinator_conversation_id
        ]

    async def form(self, turn: Turn, argument: str, _roles=None) -> None:
        """`announce [programme]`: the form, with the bot's draft of the text."""
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = programme_named(session, argument.strip(), now)
            if programme is None and argument.strip():
                replies.append(f"I don't know a programme called “{argument.strip()}”.")
                return
            refusal = announceable(programme, now)
            if refusal:
                replies.append(refusal)
                return
            tz = self._tz(session, turn.sender.aad_object_id)
            facts = ProgrammeFacts(
                programme.name,
                programme.kind,
                programme.length_months,
                format_closing_date(programme.window_closes_at, tz),
            )
            replies.append(
                form_card(
                    programme,
                    text=draft_text(facts),
                    channels=self._channels(session, programme),
                    graph=self.graph.configured,
                )
            )

    def again_form(self, session: Session, original: Announcement, groups: str) -> dict:
        """The form again, filled from an announcement, for the organisations it missed."""
        programme = session.get(Programme, original.programme_id)
        return form_card(
            programme,
            text=original.text,
            image_url=original.image_url or "",
            channels=self._channels(session, programme),
            groups=groups,
            graph=self.graph.configured,
            again_of=original.id,
        )

    async def preview(self, turn: Turn, value: dict) -> None:
        """The form's Preview: checked, saved as waiting for approval, the preview card."""
        now = self.ctx.clock.now()
        text = text_of(value.get("text"))
        image_url = text_of(value.get("image_url"))
        groups_text = text_of(value.get("groups"))
        refusal = (
            too_long("What it says", text, MAX_TEXT)
            or text_refusal(text)
            or too_long("Image", image_url, MAX_IMAGE_URL)
            or image_refusal(image_url)
            or too_long("Staff groups", groups_text, MAX_GROUPS_TEXT)
        )
        if refusal:
            await turn.send(refusal)
            return
        groups, unread = read_groups(groups_text)
        if unread:
            await turn.send(
                "I couldn't read these staff group lines (each line needs the group's id, a "
                "comma and the organisation): "
                + "; ".join(f"“{line}”" for line in unread)
                + ". Nothing was saved: please correct them on the form and press Preview again."
            )
            return
        if groups and not self.graph.configured:
            groups = []
        chosen = [c for c in text_of(value.get("channels")).split(",") if c.strip()]
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = session.get(Programme, card_int(value.get("programme_id")) or 0)
            refusal = announceable(programme, now)
            if refusal:
                replies.append(refusal)
                return
            known = {ref.conversation_id: ref for ref in self._channels(session, programme)}
            channels = [known[c.strip()] for c in chosen if c.strip() in known]
            if not channels and not groups:
                replies.append(NOTHING_TO_SEND)
                return
            again_of = card_int(value.get("again_of"))
            announcement = new_announcement(
                session,
                programme.id,
                text,
                turn.sender.aad_object_id,
                now,
                image_url=image_url or None,
                status=Status.AWAITING_APPROVAL.value,
                again_of=again_of if session.get(Announcement, again_of or 0) else None,
            )
            for ref in channels:
                add_audience(
                    session,
                    announcement.id,
                    AudienceKind.CHANNEL,
                    ref.conversation_id,
                    channel_name(ref),
                )
            for group in groups:
                add_audience(
                    session,
                    announcement.id,
                    AudienceKind.GROUP,
                    group.group_id,
                    group.organisation,
                    group.organisation,
                )
            replies.append(self._preview_card(session, announcement))
            log.info("announcement composed announcement_id=%s", announcement.id)

    def _preview_card(self, session: Session, announcement: Announcement) -> dict:
        programme = session.get(Programme, announcement.programme_id)
        audiences = audiences_of(session, announcement.id)
        composer = get_person(session, announcement.composed_by)
        by = (composer.display_name if composer else None) or "a coordinator"
        if announcement.status == Status.AWAITING_APPROVAL.value:
            if needs_second_coordinator(announcement.composed_by, coordinators(self.ctx, session)):
                line = (
                    f"Composed by {by}. Another coordinator approves it before it goes: check "
                    "it and press **Approve and send**."
                )
                send = "Approve and send"
            else:
                line = (
                    f"Composed by {by}, the programme's only coordinator: check it and press "
                    "**Confirm and send**."
                )
                send = "Confirm and send"
            return preview_card(
                announcement, programme, audiences, status_line=line, send_title=send
            )
        approver = get_person(session, announcement.approved_by or "")
        approved = (approver.display_name if approver else None) or "a coordinator"
        lines = {
            Status.SENDING.value: f"Approved by {approved}: sending. Channels get it at once, "
            "people in their working hours. Type **announcements** to see whom it reached.",
            Status.SENT.value: f"Approved by {approved} and sent. Type **announcements** to see "
            "whom it reached.",
            Status.CANCELLED.value: "Cancelled: nothing was sent.",
        }
        return preview_card(
            announcement,
            programme,
            audiences,
            status_line=lines.get(announcement.status, ""),
            send_title=None,
        )

    async def approve(self, turn: Turn, value: dict) -> None:
        now = self.ctx.clock.now()
        approver = turn.sender.aad_object_id
        with self.ctx.session() as session:
            announcement = session.get(Announcement, card_int(value.get("announcement_id")) or 0)
            if announcement is None:
                reply, card = "Sorry, I can't find that announcement.", None
            else:
                reply = approval_refusal(
                    announcement.status,
                    announcement.composed_by,
                    approver,
                    coordinators(self.ctx, session),
                )
                card = None
                if reply is None:
                    announcement.status = Status.SENDING.value
                    announcement.approved_by = approver
                    announcement.approved_at = now
                    session.add(announcement)
                    card = self._preview_card(session, announcement)
                    reply = (
                        "Approved. It goes out with my next round, within a minute: one post in "
                        "each channel, and a personal message to each person in the staff groups "
                        "in their working hours. Type **announcements** to see whom it reached."
                    )
                    log.info("announcement approved announcement_id=%s", announcement.id)
        await self._show(turn, card)
        await turn.send(reply)

    async def cancel(self, turn: Turn, value: dict) -> None:
        with self.ctx.session() as session:
            announcement = session.get(Announcement, card_int(value.get("announcement_id")) or 0)
            if announcement is None or announcement.status != Status.AWAITING_APPROVAL.value:
                reply, card = "This announcement can't be cancelled any more: it was sent.", None
                if announcement is not None and announcement.status == Status.CANCELLED.value:
                    reply = "This announcement was cancelled already."
            else:
                announcement.status = Status.CANCELLED.value
                session.add(announcement)
                card = self._preview_card(session, announcement)
                reply = "Cancelled: nothing was sent."
        await self._show(turn, card)
        await turn.send(reply)

    async def _show(self, turn: Turn, card: dict | None) -> None:
        """The preview card, changed in place, when the press came from it."""
        if card is not None and turn.replied_to_id:
            await turn.messenger.update(turn.conversation_reference(), turn.replied_to_id, card)
