"""Asking a participant's line manager in Teams, and what they answer.

A request starts when a coordinator shortlists an application (support before an offer) or
when a participant reports a release block and lets us raise it with their manager. The bot
looks the manager up in the directory (Microsoft Graph) and reaches them: at once if it can
message them already, otherwise it installs its app for them and the card waits for the chat
that the installation event brings (`greet`, or the sweep). When the manager cannot be asked
(no Graph, no manager, the install refused or not found, Graph down for a day) the request
says why, on the coordinators' card, and everything carries on as by hand.

Only the manager the directory named when the bot asked may answer (`domain.authorisation`).
An answer to a support request is recorded as the application's line-manager support, unless
a coordinator recorded a yes or no by hand, which stands; an answer to a release request goes
on the release block's escalation card.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.events import (
    ApplicationChanged,
    ApplicationShortlisted,
    ReleaseBlockReported,
)
from bot.features import Events
from bot.graph import GraphClient, GraphError, GraphErrorKind, Manager
from bot.graph.directory import line_manager
from bot.graph.teamwork import install_app
from bot.managers.cards import (
    answered_line,
    permission_card,
    release_card,
    support_card,
)
from bot.managers.dates import release_dates
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage, recipient_time_zone
from bot.participants import sender_person
from bot.settings import working_hours_of
from bot.teams import Turn, message_payload
from bot.teams.paging import numbered_pages
from domain.application_review import REVIEWABLE, Op
from domain.authorisation import Action, may, roles_toward_request
from domain.escalations import RELEASE_FOR
from domain.keys import manager_ask_key, manager_asked_key, manager_notice_key
from domain.local_time import format_local_date, parse_date, zone
from domain.managers import (
    ANSWER_WORDS,
    SOURCE_WORDS,
    SUPPORT_OF,
    WITH_REASON,
    Answer,
    NotAsked,
    Purpose,
    Source,
    Stage,
    answer_refusal,
    chat_deadline,
    hand_answer_stands,
    lookup_retry_at,
    next_chase,
    read_answer,
    release_ask_text,
    release_needs,
)
from domain.text_limits import LONG_TEXT, text_of, too_long
from store.applications import application_of, record_event
from store.conversations import personal_ref
from store.escalations import ReleaseBlock
from store.escalations import record_event as record_escalation_event
from store.managers import (
    ManagerRequest,
    open_release_request,
    open_support_request,
    release_request_of,
    waiting_for_chat_with,
)
from store.models import Application, Person, Programme

log = logging.getLogger(__name__)

ASK_KIND = "manager_ask"
ASKED_KIND = "manager_asked"  # the participant told their manager was asked
NOTICE_KIND = "manager_notice"  # the coordinator channel told
MAX_REASON = LONG_TEXT
NOT_YOURS = (
    "Sorry, this card is for the line manager it was sent to, so I can't take an answer from "
    "you. Nothing was recorded."
)
# Graph errors that may pass: look the manager up (or install) again later.
TRANSIENT = frozenset({GraphErrorKind.THROTTLED, GraphErrorKind.UNAVAILABLE})
INSTALL_REFUSALS = {
    GraphErrorKind.FORBIDDEN: NotAsked.INSTALL_FORBIDDEN,
    GraphErrorKind.NOT_FOUND: NotAsked.INSTALL_NOT_FOUND,
    GraphErrorKind.NOT_CONFIGURED: NotAsked.NO_APP_ID,
}

RefreshEscalation = Callable[[int], Awaitable[None]]


def _clean(value: object) -> str | None:
    return text_of(value).strip() or None


def _name(person: Person | None) -> str:
    return (person.display_name if person else None) or "your report"


class ManagerAsking:
    def __init__(
        self,
        ctx: AppContext,
        outbox: Outbox,
        graph: GraphClient,
        events: Events,
        refresh_escalation: RefreshEscalation | None = None,
    ) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.graph = graph
        self.events = events
        self.refresh_escalation = refresh_escalation

    def _tz(self, session: Session, aad: str | None) -> str:
        return recipient_time_zone(session, self.ctx.settings, aad)

    # --- starting a request ---------------------------------------------------------------------

    async def shortlisted(self, event: ApplicationShortlisted) -> None:
        """Before any offer: ask the applicant's line manager for their support."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            application = session.get(Application, event.application_id)
            if application is None:
                return
            request = open_support_request(
                session,
                application_id=application.id,
                person_id=application.person_id,
                programme_id=application.programme_id,
                now=now,
            )
            request_id = request.id if request is not None else None
        if request_id is not None:
            await self.ask(request_id)

    async def release_reported(self, event: ReleaseBlockReported) -> None:
        """A release block by the line manager: ask the manager to make time, if the
        participant said we may (or ask the participant, when their form did not)."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            block = session.get(ReleaseBlock, event.release_block_id)
            if block is None or block.blocked_by != "line_manager":
                return
            person = session.get(Person, block.person_id)
            report_aad = person.aad_object_id
        allowed = event.may_contact_manager
        manager: Manager | None = None
        if allowed is None:
            # Nothing to ask the participant unless there is a manager we could reach.
            found = await self._look_up(report_aad)
            if not isinstance(found, Manager):
                return
            manager = found
        stage = {
            True: Stage.LOOKING_UP,
            False: Stage.NOT_ASKED,
            None: Stage.AWAITING_PERMISSION,
        }[allowed]
        with self.ctx.session() as session:
            block = session.get(ReleaseBlock, event.release_block_id)
            request = open_release_request(
                session,
                release_block_id=block.id,
                person_id=block.person_id,
                programme_id=block.programme_id,
                escalation_id=event.escalation_id,
                released_for=block.released_for,
                released_on=event.on.isoformat() if event.on else None,
                stage=stage,
                now=now,
            )
            if request is None:
                return
            if allowed is False:
                request.not_asked = NotAsked.PARTICIPANT_DECLINED.value
            if manager is not None:
                self._set_manager(request, manager)
            session.add(request)
            request_id, what = request.id, RELEASE_FOR[block.released_for]
        if allowed is None:
            await event.turn.send(
                permission_card(
                    release_block_id=event.release_block_id,
                    manager_name=manager.name,
                    what=what,
                    on=event.on,
                )
            )
        elif allowed:
            await self.ask(request_id)
            await self._tell_reporter(event.turn, request_id)
        await self.after(request_id)

    @staticmethod
    def _set_manager(request: ManagerRequest, manager: Manager) -> None:
        request.manager_aad_object_id = manager.aad_object_id
        request.manager_name = manager.name
        request.manager_email = manager.email

    # --- reaching the manager ----------------------------------------------------------------

    async def _look_up(self, report_aad: str) -> Manager | NotAsked | None:
        """The report's manager, or why they cannot be asked; None: Graph failed for now."""
        if not self.graph.configured:
            return NotAsked.NO_GRAPH
        found = await line_manager(self.graph, report_aad)
        if isinstance(found, GraphError):
            if found.kind in TRANSIENT:
                return None
            if found.kind == GraphErrorKind.NOT_FOUND:
                return NotAsked.NO_MANAGER
            if found.kind == GraphErrorKind.NOT_CONFIGURED:
                return NotAsked.NO_GRAPH
            return NotAsked.LOOKUP_REFUSED
        return found if found.aad_object_id else NotAsked.NO_MANAGER

    def _not_asked(self, request_id: int, reason: NotAsked) -> None:
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            request.stage = Stage.NOT_ASKED.value
            request.not_asked = reason.value
            request.next_look_at = None
            session.add(request)
        log.info("line manager not asked request_id=%s reason=%s", request_id, reason.value)

    def _again_later(self, request_id: int, now: datetime) -> bool:
        """Graph failed for now: look again later (False: it has failed for too long)."""
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            retry = lookup_retry_at(request.created_at, now)
            if retry is None:
                return False
            request.stage = Stage.LOOKING_UP.value
            request.next_look_at = retry
            session.add(request)
            return True

    async def ask(self, request_id: int) -> None:
        """Look the manager up (unless known) and reach them; or record why not."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            if request is None or request.stage != Stage.LOOKING_UP.value:
                return
            report_aad = session.get(Person, request.person_id).aad_object_id
            manager_aad = request.manager_aad_object_id
        if manager_aad is None:
            found = await self._look_up(report_aad)
            if found is None:
                if not self._again_later(request_id, now):
                    self._not_asked(request_id, NotAsked.GRAPH_FAILED)
                    await self.after(request_id)
                return
            if not isinstance(found, Manager):
                self._not_asked(request_id, found)
                await self.after(request_id)
                return
            with self.ctx.session() as session:
                request = session.get(ManagerRequest, request_id)
                self._set_manager(request, found)
                session.add(request)
            manager_aad = found.aad_object_id
        await self._reach(request_id, manager_aad, now)

    async def _reach(self, request_id: int, manager_aad: str, now: datetime) -> None:
        with self.ctx.session() as session:
            has_chat = personal_ref(session, manager_aad) is not None
            if not has_chat:
                # Waiting from now: Teams may deliver the installation event (and `greet` send
                # the card) before Graph has answered the installation.
                request = session.get(ManagerRequest, request_id)
                request.stage = Stage.WAITING_FOR_CHAT.value
                request.next_look_at = chat_deadline(
                    now, self._tz(session, manager_aad), working_hours_of(self.ctx.settings)
                )
                session.add(request)
        if has_chat:
            await self.send_card(request_id)
            return
        installed = await install_app(self.graph, manager_aad)
        if isinstance(installed, GraphError):
            log.info("app not installed for a line manager request_id=%s %s", request_id, installed)
            with self.ctx.session() as session:
                if session.get(ManagerRequest, request_id).stage != Stage.WAITING_FOR_CHAT.value:
                    return  # reached all the same (the app was there and the chat opened)
            refusal = INSTALL_REFUSALS.get(installed.kind)
            if refusal is None and self._again_later(request_id, now):
                return
            self._not_asked(request_id, refusal or NotAsked.GRAPH_FAILED)
            await self.after(request_id)
            return
        # Teams may have delivered the installation event while we waited for Graph.
        if not await self.send_if_chat(request_id):
            await self.after(request_id)

    async def send_if_chat(self, request_id: int) -> bool:
        """Send a waiting card once a chat with the manager exists; whether it went."""
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            ready = (
                request is not None
                and request.stage == Stage.WAITING_FOR_CHAT.value
                and personal_ref(session, request.manager_aad_object_id) is not None
            )
        if ready:
            await self.send_card(request_id)
        return ready

    async def greet(self, turn: Turn) -> bool:
        """Someone the app was just installed for: their waiting cards instead of a welcome."""
        with self.ctx.session() as session:
            waiting = [r.id for r in waiting_for_chat_with(session, turn.sender.aad_object_id)]
        for request_id in waiting:
            await self.send_card(request_id)
        return bool(waiting)

    async def send_card(self, request_id: int) -> None:
        """The card to the manager (in their working hours) and, for a support request, the
        applicant told that their manager was asked."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            if request is None or request.stage not in (
                Stage.LOOKING_UP.value,
                Stage.WAITING_FOR_CHAT.value,
            ):
                return
            card = self.ask_card(session, request, now)
            name = _name(session.get(Person, request.person_id))
            message = PlannedMessage(
                request.manager_aad_object_id,
                ASK_KIND,
                manager_ask_key(request_id),
                payload=message_payload(cards=[card], summary=f"About {name}"),
                routine=False,
                working_hours=True,
            )
        result = await self.outbox.send_now(message)
        if result is not None and result.outcome in ("unreachable", "failed"):
            self._not_asked(request_id, NotAsked.UNREACHABLE)
            await self.after(request_id)
            return
        told = None
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            if request.stage in (Stage.LOOKING_UP.value, Stage.WAITING_FOR_CHAT.value):
                request.stage = Stage.ASKED.value
                request.asked_at = now
                request.next_look_at = None
                if request.purpose == Purpose.SUPPORT.value:
                    tz = self._tz(session, request.manager_aad_object_id)
                    request.next_look_at = next_chase(
                        now,
                        None,
                        None,
                        tz,
                        working_hours_of(self.ctx.settings),
                        self.ctx.settings.manager_answer_working_days,
                        default_zone=self.ctx.settings.default_time_zone,
                    ).at
                    told = self._applicant_told(session, request)
                session.add(request)
        log.info("line manager asked request_id=%s", request_id)
        if told is not None:
            await self.outbox.send_now(told)
        await self.after(request_id)

    def _applicant_told(self, session: Session, request: ManagerRequest) -> PlannedMessage:
        person = session.get(Person, request.person_id)
        programme = session.get(Programme, request.programme_id)
        manager = request.manager_name or "your line manager"
        return PlannedMessage(
            person.aad_object_id,
            ASKED_KIND,
            manager_asked_key(request.id),
            payload=message_payload(
                f"The programme coordinators are considering your application to "
                f"{programme.name}. As part of that I've asked your line manager, {manager}, "
                "whether they support your place and your release for it (about 2 hours a "
                "month). You don't need to do anything: the coordinators will be in touch.\n\n"
                f"If {manager} isn't your line manager, type **I need help** to tell the "
                "coordinators."
            ),
            routine=False,
            working_hours=True,
        )

    async def _tell_reporter(self, turn: Turn, request_id: int) -> None:
        """After a release block: whether their line manager was asked."""
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            stage, manager = Stage(request.stage), request.manager_name or "your line manager"
        if stage == Stage.NOT_ASKED:
            await turn.send(
                "I couldn't ask your line manager in Teams, so the programme coordinators will "
                "take it up with them."
            )
            return
        asked = "I've asked" if stage == Stage.ASKED else "I'm asking"
        await turn.send(
            f"{asked} your line manager, {manager}, whether they can make time for it in the "
            "next 2 weeks. They see only what you couldn't be released for and when, not what "
            "you wrote; their answer goes to the programme coordinators."
        )

    # --- the cards ----------------------------------------------------------------------------

    def ask_card(
        self,
        session: Session,
        request: ManagerRequest,
        now: datetime,
        *,
        banner: str = "",
    ) -> dict:
        """The manager's card as it stands (asking, or showing their answer)."""
        person = session.get(Person, request.person_id)
        name = _name(person)
        tz = self._tz(session, request.manager_aad_object_id)
        answered = ""
        if request.answer is not None:
            answered = answered_line(request.answer, format_local_date(request.answered_at, tz))
        if request.purpose == Purpose.RELEASE.value:
            return release_card(
                request_id=request.id,
                name=name,
                ask=release_ask_text(
                    name,
                    RELEASE_FOR.get(request.released_for or "", "a programme day"),
                    parse_date(request.released_on or ""),
                    self._agreed(session, request),
                ),
                answered=answered,
            )
        application = session.get(Application, request.application_id)
        programme = session.get(Programme, request.programme_id)
        talked = request.answer == Answer.TALK.value
        return support_card(
            request_id=request.id,
            name=name,
            role=application.role,
            programme=programme.name,
            length_months=programme.length_months,
            needs=release_needs(
                programme.length_months, release_dates(session, programme), now, tz
            ),
            answered=answered + (" You can still answer here." if talked else ""),
            open_=request.answer is None or talked,
            can_talk=not talked,
            banner=banner,
        )

    @staticmethod
    def _agreed(session: Session, request: ManagerRequest) -> bool:
        """Whether the report's line-manager support for the programme is recorded as yes."""
        if request.programme_id is None:
            return False
        application = application_of(session, request.programme_id, request.person_id)
        return application is not None and application.manager_support == "yes"

    # --- the coordinators' view ----------------------------------------------------------------

    async def after(self, request_id: int) -> None:
        """Show the request as it stands where the coordinators see it."""
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            if request is None:
                return
            purpose = request.purpose
            application_id, escalation_id = request.application_id, request.escalation_id
        if purpose == Purpose.SUPPORT.value and application_id is not None:
            await self.events.publish(ApplicationChanged(application_id))
        elif escalation_id is not None and self.refresh_escalation is not None:
            await self.refresh_escalation(escalation_id)

    def channel_notice(
        self, session: Session, request: ManagerRequest, notice: str, text: str
    ) -> PlannedMessage | None:
        """A message to the coordinator channel of the request's programme, if there is one."""
        programme = session.get(Programme, request.programme_id) if request.programme_id else None
        if programme is None or not programme.coordinator_conversation_id:
            return None
        return PlannedMessage(
            programme.coordinator_conversation_id,
            NOTICE_KIND,
            manager_notice_key(request.id, notice),
            payload=message_payload(text),
            routine=False,
            to_channel=True,
            working_hours=False,
        )

    # --- the manager's answers -------------------------------------------------------------

    def may_answer(self, turn: Turn, request: ManagerRequest | None) -> bool:
        if request is None:
            return False
        roles = roles_toward_request(turn.sender.aad_object_id, request.manager_aad_object_id)
        if may(roles, Action.ANSWER_AS_LINE_MANAGER):
            return True
        log.info("manager card refused request_id=%s", request.id)
        return False

    async def answer(self, turn: Turn, value: dict) -> None:
        """The manager pressed an answer on a support or release card."""
        now = self.ctx.clock.now()
        request_id = card_int(value.get("manager_request"))
        notice: PlannedMessage | None = None
        async with self.ctx.session_then_reply(turn) as (session, replies):
            request = session.get(ManagerRequest, request_id) if request_id else None
            if not self.may_answer(turn, request):
                replies.append(NOT_YOURS)
                return
            answer = read_answer(request.purpose, value.get("answer"))
            if answer is None:
                replies.append("Sorry, I couldn't read that answer. Please try again.")
                return
            problem = too_long("Your reason", text_of(value.get("reason")), MAX_REASON)
            if answer in WITH_REASON and problem is not None:
                replies.extend(numbered_pages(problem))  # nothing recorded; words come back
                return
            tz = self._tz(session, request.manager_aad_object_id)
            earlier = request.answered_at
            refusal = answer_refusal(
                request.answer, format_local_date(earlier, tz) if earlier else None
            )
            if refusal is not None:
                replies.append(refusal)
                return
            request.answer = answer.value
            request.reason = _clean(value.get("reason")) if answer in WITH_REASON else None
            request.answered_at = now
            if request.stage != Stage.SETTLED.value:
                request.stage = Stage.ANSWERED.value
            # A supporting manager's digest: the sweep works out when the first one goes.
            request.next_look_at = now if answer == Answer.SUPPORT else None
            session.add(request)
            name = _name(session.get(Person, request.person_id))
            if request.purpose == Purpose.SUPPORT.value:
                self._record_support(session, request, answer, now, tz)
                notice = self._answer_notice(session, request, answer, name)
            elif request.escalation_id is not None:
                record_escalation_event(
                    session,
                    request.escalation_id,
                    now,
                    request.manager_aad_object_id,
                    "manager_answered",
                    ANSWER_WORDS[answer],
                )
            card = self.ask_card(session, request, now)
            replies.append(self._thanks(answer, name, session, request))
        if turn.replied_to_id:
            try:
                await turn.messenger.update(turn.conversation_reference(), turn.replied_to_id, card)
            except Exception:
                log.warning("could not refresh the manager's card request_id=%s", request_id)
        await self.after(request_id)
        if notice is not None:
            await self.outbox.send_now(notice)

    def _record_support(
        self, session: Session, request: ManagerRequest, answer: Answer, now: datetime, tz: str
    ) -> None:
        """The answer as the application's line-manager support, unless a coordinator's
        hand-recorded answer stands (or the application is past review)."""
        application = session.get(Application, request.application_id)
        if application is None or application.status not in REVIEWABLE:
            return
        if hand_answer_stands(application.manager_support, application.manager_support_source):
            return
        support = SUPPORT_OF[answer]
        application.manager_support = support
        application.manager_name = request.manager_name
        application.manager_support_on = now.astimezone(zone(tz)).date().isoformat()
        application.manager_support_source = Source.MANAGER_IN_TEAMS.value
        application.updated_at = now
        session.add(application)
        record_event(
            session,
            application,
            now,
            request.manager_aad_object_id,
            Op.MANAGER_SUPPORT.value,
            f"{support} ({SOURCE_WORDS[Source.MANAGER_IN_TEAMS]})",
        )

    def _answer_notice(
        self, session: Session, request: ManagerRequest, answer: Answer, name: str
    ) -> PlannedMessage | None:
        """The coordinators told of an answer they need to act on."""
        manager = request.manager_name or "The line manager"
        programme = session.get(Programme, request.programme_id)
        if answer == Answer.TALK:
            email = f" ({request.manager_email})" if request.manager_email else ""
            text = (
                f"{manager}{email}, {name}'s line manager, would like to talk to a coordinator "
                f"about {name}'s application to {programme.name} before answering."
            )
        elif answer == Answer.CANNOT_SUPPORT:
            text = (
                f"{manager}, {name}'s line manager, can't support {name}'s application to "
                f"{programme.name}. Their reason is on {name}'s application card; please talk "
                "to them before deciding on an offer."
            )
        else:
            return None
        return self.channel_notice(session, request, answer.value, text)

    def _thanks(self, answer: Answer, name: str, session: Session, request: ManagerRequest) -> str:
        if answer == Answer.SUPPORT:
            programme = session.get(Programme, request.programme_id)
            return (
                f"Thank you: recorded that you support {name}'s place on {programme.name} and "
                "their release for it. I've let the programme coordinators know. While "
                f"{name} is paired I'll send you a short note once a month with the dates to "
                "release them for."
            )
        if answer == Answer.TALK:
            return (
                "Thanks: I've asked the programme coordinators to get in touch with you. You "
                "can still answer on the card after you've talked."
            )
        if answer == Answer.MAKE_TIME:
            return (
                f"Thank you: I've told the programme coordinators you'll make time for {name} "
                "in the next 2 weeks."
            )
        return (
            "Thank you for answering. I've passed it to the programme coordinators (only they "
            "see your reason); they may be in touch with you."
        )

    # --- the participant's answer: may we ask their manager? -----------------------------------

    async def permission_answer(self, turn: Turn, value: dict) -> None:
        block_id = card_int(value.get("release_block_id")) or 0
        allow = value.get("manager_permission") == "allow"
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me = sender_person(session, turn.sender)
            block = session.get(ReleaseBlock, block_id)
            request = release_request_of(session, block_id)
            if me is None or block is None or request is None or block.person_id != me.id:
                replies.append("Sorry, that card isn't for you.")
                return
            if request.stage != Stage.AWAITING_PERMISSION.value:
                replies.append("You've already answered this; nothing changed.")
                return
            if allow:
                request.stage = Stage.LOOKING_UP.value
            else:
                request.stage = Stage.NOT_ASKED.value
                request.not_asked = NotAsked.PARTICIPANT_DECLINED.value
                replies.append(
                    "OK: I won't contact your line manager. The programme coordinators have "
                    "what you reported."
                )
            session.add(request)
            request_id = request.id
        if allow:
            await self.ask(request_id)
            await self._tell_reporter(turn, request_id)
        await self.after(request_id)
