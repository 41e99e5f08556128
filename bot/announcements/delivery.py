"""Delivering an approved announcement, a step of every sweep until it is done.

Each sweep, for each announcement being sent:
1. each chosen channel gets its one post (an outbox row under its key);
2. each staff group's members are read from Microsoft Graph (every page), one recipient row
   per person however many groups they are in;
3. each person the bot can already message gets their one personal message (an outbox row
   under `announcement_key`: sent once, in their working hours); for anyone else the app is
   installed (Graph), and the message goes when Teams opens the chat (`greet`, or a later
   sweep); someone who said "not for me", left the organisation, may not have the app, or
   whose chat never opened is recorded as not reached, and never tried again;
4. outcomes are copied back from the outbox (`store.announcements.settle`) and, once nobody
   is left waiting, the announcement is sent.

Everything is in the database between sweeps, so a restart carries on where it stopped and
nothing goes twice. The outbox paces sends under Teams' limits.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.announcements.cards import announcement_card, heading
from bot.context import AppContext
from bot.graph import GraphClient, GraphError, GraphErrorKind
from bot.graph.directory import group_member_ids
from bot.graph.teamwork import install_app
from bot.outbox.engine import Outbox
from bot.outbox.planned import (
    PlannedMessage,
    enqueue_planned,
    enqueue_planned_many,
    recipient_time_zone,
)
from bot.settings import working_hours_of
from bot.teams import Turn, message_payload
from domain.announcements import AudienceKind, Delivery, Status, Unreached
from domain.keys import announcement_key, announcement_post_key, read_announcement_key
from domain.managers import chat_deadline
from store.announcements import (
    Announcement,
    AnnouncementAudience,
    AnnouncementRecipient,
    add_recipients,
    already_applied,
    audiences_of,
    installing_for,
    not_reached,
    opted_out,
    recipients_in,
    sending,
    set_delivery,
    settle,
)
from store.conversations import personal_ref, with_personal_chat
from store.models import Programme
from store.outbox import OutboxMessage
from store.people import time_zones_of

log = logging.getLogger(__name__)

KIND = "announcement"
POST_KIND = "announcement_post"
# Graph calls at once when installing the app for a group's members.
INSTALLS_AT_ONCE = 8
# People asked for at most per announcement and sweep (the rest at the next sweeps).
PEOPLE_PER_SWEEP = 5000
# How long Graph may keep failing for a group or a person before they count as not reached.
GRAPH_PATIENCE = timedelta(days=2)
TRANSIENT = frozenset({GraphErrorKind.THROTTLED, GraphErrorKind.UNAVAILABLE})
INSTALL_REFUSALS = {
    GraphErrorKind.FORBIDDEN: Unreached.APP_NOT_ALLOWED,
    GraphErrorKind.NOT_FOUND: Unreached.LEFT,
    GraphErrorKind.NOT_CONFIGURED: Unreached.NOT_SET_UP,
}


class AnnouncementDelivery:
    def __init__(self, ctx: AppContext, outbox: Outbox, graph: GraphClient) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.graph = graph

    async def step(self, _ctx: AppContext, now: datetime) -> None:
        """The sweep step: every announcement being sent moves on."""
        with self.ctx.session() as session:
            ids = [announcement.id for announcement in sending(session)]
        for announcement_id in ids:
            await self.advance(announcement_id, now)

    async def advance(self, announcement_id: int, now: datetime) -> None:
        self._post_in_channels(announcement_id, now)
        await self._read_groups(announcement_id, now)
        await self._reach_people(announcement_id, now)
        self._finish_if_done(announcement_id, now)

    # --- messages -------------------------------------------------------------------------

    def _personal_message(
        self,
        session: Session,
        announcement: Announcement,
        aad: str,
        tz: str | None = None,
        payloads: dict[str, dict] | None = None,
    ) -> PlannedMessage:
        """One person's message; `tz` (else read) and `payloads` (the card filled once per
        zone) save work when a whole group is queued."""
        tz = tz or recipient_time_zone(session, self.ctx.settings, aad)
        payloads = {} if payloads is None else payloads
        if tz not in payloads:
            programme = session.get(Programme, announcement.programme_id)
            payloads[tz] = message_payload(
                cards=[announcement_card(announcement, programme, tz)], summary=heading(programme)
            )
        return PlannedMessage(
            aad,
            KIND,
            announcement_key(announcement.id, aad),
            payload=payloads[tz],
            routine=False,
            working_hours=True,
            time_zone=tz,
        )

    def _queue(
        self, session: Session, announcement: Announcement, row: AnnouncementRecipient, now
    ) -> None:
        message = self._personal_message(session, announcement, row.aad_object_id)
        enqueue_planned(session, self.ctx.settings, message, now)
        row.delivery = Delivery.QUEUED.value
        row.chat_deadline = None
        session.add(row)

    def _post_in_channels(self, announcement_id: int, now: datetime) -> None:
        with self.ctx.session() as session:
            announcement = session.get(Announcement, announcement_id)
            programme = session.get(Programme, announcement.programme_id)
            for audience in audiences_of(session, announcement_id):
                if audience.kind != AudienceKind.CHANNEL.value or audience.members_read_at:
                    continue
                card = announcement_card(
                    announcement, programme, self.ctx.settings.default_time_zone
                )
                message = PlannedMessage(
                    audience.target,
                    POST_KIND,
                    announcement_post_key(announcement_id, audience.target),
                    payload=message_payload(cards=[card], summary=heading(programme)),
                    routine=False,
                    to_channel=True,
                )
                enqueue_planned(session, self.ctx.settings, message, now)
                audience.members_read_at = now
                session.add(audience)

    # --- staff groups ------------------------------------------------------------------------

    async def _read_groups(self, announcement_id: int, now: datetime) -> None:
        with self.ctx.session() as session:
            approved_at = session.get(Announcement, announcement_id).approved_at
            unread = [
                (audience.id, audience.target)
                for audience in audiences_of(session, announcement_id)
                if audience.kind == AudienceKind.GROUP.value and audience.members_read_at is None
            ]
        for audience_id, group_id in unread:
            members = await group_member_ids(self.graph, group_id)
            with self.ctx.session() as session:
                audience = session.get(AnnouncementAudience, audience_id)
                if isinstance(members, GraphError):
                    log.info("group members not read audience_id=%s %s", audience_id, members)
                    if members.kind in TRANSIENT and now - approved_at < GRAPH_PATIENCE:
                        continue  # the next sweep tries again
                    audience.problem = members.kind.value
                else:
                    added = add_recipients(session, audience, members, now)
                    log.info(
                        "group read audience_id=%s members=%d new=%d",
                        audience_id,
                        len(members),
                        added,
                    )
                audience.members_read_at = now
                session.add(audience)

    # --- people ----------------------------------------------------------------------------------

    async def _reach_people(self, announcement_id: int, now: datetime) -> None:
        hours = working_hours_of(self.ctx.settings)
        to_install: list[str] = []
        with self.ctx.session() as session:
            announcement = session.get(Announcement, announcement_id)
            rows = recipients_in(
                session,
                announcement_id,
                [Delivery.WAITING, Delivery.INSTALLING],
                limit=PEOPLE_PER_SWEEP,
            )
            people = [row.aad_object_id for row in rows]
            said_no = opted_out(session, announcement.programme_id, people)
            applied = already_applied(session, announcement.programme_id, people)
            chats = with_personal_chat(session, people)
            zones = time_zones_of(session, people)
            payloads: dict[str, dict] = {}
            messages: list[PlannedMessage] = []
            queued: list[int] = []
            for row in rows:
                if row.aad_object_id in said_no:
                    not_reached(row, Unreached.NOT_FOR_ME)
                    session.add(row)
                elif row.aad_object_id in applied:
                    not_reached(row, Unreached.APPLIED)
                    session.add(row)
                elif row.aad_object_id in chats:
                    tz = zones.get(row.aad_object_id) or self.ctx.settings.default_time_zone
                    messages.append(
                        self._personal_message(
                            session, announcement, row.aad_object_id, tz, payloads
                        )
                    )
                    queued.append(row.id)
                elif row.delivery == Delivery.INSTALLING.value:
                    if row.chat_deadline is not None and now >= row.chat_deadline:
                        not_reached(row, Unreached.NO_CHAT)
                        session.add(row)
                else:
                    to_install.append(row.aad_object_id)
            session.flush()
            enqueue_planned_many(session, self.ctx.settings, messages, now)
            set_delivery(session, queued, Delivery.QUEUED.value)
            approved_at = announcement.approved_at
        if not to_install:
            return
        outcomes = await self._install_for(to_install)
        with self.ctx.session() as session:
            announcement = session.get(Announcement, announcement_id)
            for row in recipients_in(session, announcement_id, [Delivery.WAITING]):
                outcome = outcomes.get(row.aad_object_id)
                if outcome is None:
                    continue
                if not isinstance(outcome, GraphError):
                    if personal_ref(session, row.aad_object_id) is not None:
                        self._queue(session, announcement, row, now)  # Teams was quick
                        continue
                    tz = recipient_time_zone(session, self.ctx.settings, row.aad_object_id)
                    row.delivery = Delivery.INSTALLING.value
                    row.chat_deadline = chat_deadline(
                        now, tz, hours, default_zone=self.ctx.settings.default_time_zone
                    )
                elif outcome.kind in INSTALL_REFUSALS:
                    not_reached(row, INSTALL_REFUSALS[outcome.kind])
                elif now - approved_at >= GRAPH_PATIENCE:
                    not_reached(row, Unreached.FAILED)
                else:
                    continue  # the next sweep tries again
                session.add(row)

    async def _install_for(self, people: list[str]) -> dict[str, object]:
        """Install the app for each person (a few at once); each one's outcome."""
        gate = asyncio.Semaphore(INSTALLS_AT_ONCE)
        outcomes: dict[str, object] = {}

        async def install(aad: str) -> None:
            async with gate:
                outcomes[aad] = await install_app(self.graph, aad)

        await asyncio.gather(*(install(aad) for aad in people))
        return outcomes

    def _finish_if_done(self, announcement_id: int, now: datetime) -> None:
        with self.ctx.session() as session:
            settle(session, announcement_id)
            session.flush()
            announcement = session.get(Announcement, announcement_id)
            waiting = recipients_in(
                session,
                announcement_id,
                [Delivery.WAITING, Delivery.INSTALLING, Delivery.QUEUED],
                limit=1,
            )
            unread = [a for a in audiences_of(session, announcement_id) if not a.members_read_at]
            if not waiting and not unread:
                announcement.status = Status.SENT.value
                announcement.finished_at = now
                session.add(announcement)
                log.info("announcement sent announcement_id=%s", announcement_id)

    # --- the chat opens ------------------------------------------------------------------------

    async def greet(self, turn: Turn) -> bool:
        """Someone the app was just installed for: their announcement instead of the welcome."""
        aad = turn.sender.aad_object_id
        if not aad:
            return False
        messages: list[PlannedMessage] = []
        with self.ctx.session() as session:
            for row in installing_for(session, aad):
                announcement = session.get(Announcement, row.announcement_id)
                if announcement.status != Status.SENDING.value:
                    continue
                messages.append(self._personal_message(session, announcement, aad))
                row.delivery = Delivery.QUEUED.value
                row.chat_deadline = None
                session.add(row)
        for message in messages:
            await self.outbox.send_now(message)
        return bool(messages)


def still_wanted(ctx: AppContext, session: Session, row: OutboxMessage, now) -> bool:
    """A personal announcement is not sent to someone who said "not for me" meanwhile."""
    announcement = session.get(Announcement, read_announcement_key(row.idempotency_key) or 0)
    if announcement is None or announcement.status == Status.CANCELLED.value:
        return False
    if row.kind == POST_KIND or row.recipient_aad_object_id is None:
        return True
    return not opted_out(session, announcement.programme_id, [row.recipient_aad_object_id])
