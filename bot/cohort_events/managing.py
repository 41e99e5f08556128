"""The coordinators' side in the channel: `new event` (the form card), saving it (create or
change), `events` (the list, with Change, Attendance and Cancel), and cancelling.

Saving creates the event, its days (and their Teams meetings when Graph is configured: see
`bot.cohort_events.meetings`), an invitation for each accepted participant the audience covers,
and queues each invitation; a change or cancellation queues what each invited person needs to
hear (`bot.cohort_events.notices`), then everything due now is sent. Nothing is queued twice.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.cohort_events.cards import (
    form_card,
    form_values,
    label,
    list_card,
    when_text,
    where_text,
)
from bot.cohort_events.meetings import (
    cancel_meetings,
    create_meetings,
    rename_meetings,
    trouble,
)
from bot.cohort_events.notices import enqueue_all, load, notice_messages
from bot.context import AppContext
from bot.graph import GraphClient, GraphError
from bot.outbox.engine import Outbox
from bot.outbox.planned import recipient_time_zone
from bot.teams import Turn
from domain.cohort_events import (
    AUDIENCE_TITLES,
    Audience,
    Draft,
    EventKind,
    answers_stand,
    is_invited,
    read_form,
)
from domain.text_limits import too_long
from domain.working_hours import local_date
from store.cohort_events import (
    CohortEvent,
    EventStatus,
    cancel_event,
    change_event,
    create_event,
    days_by_event,
    days_of,
    event_of_form,
    events_of,
    invitations_by_event,
    invite_participants,
    set_day_meeting,
)
from store.conversations import personal_ref
from store.programmes import current_programme

log = logging.getLogger(__name__)

MAX_NOTE = 300
KIND_WORDS = {
    "training": EventKind.TRAINING,
    "call-back": EventKind.CALL_BACK,
    "callback": EventKind.CALL_BACK,
    "call back": EventKind.CALL_BACK,
    "group": EventKind.GROUP_MEETING,
    "group meeting": EventKind.GROUP_MEETING,
}


def _unreachable_text(session: Session, people) -> str:
    """Who the invitations cannot reach: never talked to the bot, or it can't reach them."""
    names = sorted(
        person.display_name or "someone"
        for person in people
        if person.unreachable_since is not None
        or personal_ref(session, person.aad_object_id) is None
    )
    if not names:
        return ""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f" I can't reach {shown} in Teams (they haven't talked to me, or have blocked me): "
        "please tell them another way, or ask them to say hello to me."
    )


def _invited_text(roles: Counter, audience: str) -> str:
    if not roles:
        who = AUDIENCE_TITLES[Audience(audience)].lower()
        return (
            f"Nobody is invited yet: the programme has no accepted {who}. Anyone accepted "
            "before it starts is invited then."
        )
    parts = [
        f"{roles[r]} {r}{'s' if roles[r] != 1 else ''}" for r in ("trainee", "mentor") if roles[r]
    ]
    return (
        f"Invitations are going to {sum(roles.values())} people ({' and '.join(parts)}): now, "
        "or for anyone outside their working hours, when their day starts."
    )


class EventManagement:
    def __init__(self, ctx: AppContext, outbox: Outbox, graph: GraphClient) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.graph = graph

    def _zone(self, turn: Turn) -> str:
        with self.ctx.session() as session:
            return recipient_time_zone(session, self.ctx.settings, turn.sender.aad_object_id)

    # --- the form ---------------------------------------------------------------------------

    async def new_form(self, turn: Turn, argument: str = "") -> None:
        kind = KIND_WORDS.get(" ".join(argument.lower().split()))
        values = {"kind": kind.value} if kind else {}
        tz = self._zone(turn)
        await turn.send(
            form_card(
                values,
                heading="New event",
                intro="A training course, call-back workshop or group meeting for the "
                f"programme's accepted participants. Times are in your time zone ({tz}); "
                "everyone sees them in theirs.",
                submit_title="Create and invite",
                zone_name=tz,
                graph_configured=self.graph.configured,
                form_id=uuid.uuid4().hex,
            )
        )

    async def edit_form(self, turn: Turn, value: dict) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            event = session.get(CohortEvent, card_int(value.get("event_id")) or 0)
            problem = self._unchangeable(session, event, now)
            if problem:
                replies.append(problem)
                return
            replies.append(self._edit_card(session, event))

    def _edit_card(self, session: Session, event: CohortEvent) -> dict:
        return form_card(
            form_values(event, days_of(session, event.id)),
            heading=f"Change #{event.id}: {label(event)}",
            intro=f"Times are in {event.time_zone}, the zone it was set in. Everyone who has "
            "heard of it gets the change, once; a new date or time asks them again whether "
            "they can come.",
            submit_title="Save and tell everyone",
            zone_name=event.time_zone,
            graph_configured=self.graph.configured,
            event_id=event.id,
            version=event.version,
        )

    def _unchangeable(self, session: Session, event: CohortEvent | None, now) -> str | None:
        if event is None:
            return "I can't find that event any more. Type **events** to see them."
        if event.status == EventStatus.CANCELLED.value:
            return f"#{event.id} {label(event)} was cancelled; create a new one with **new event**."
        days = days_of(session, event.id)
        if days and days[-1].ends_at <= now:
            return f"#{event.id} {label(event)} is over, so it can't be changed."
        return None

    # --- saving ---------------------------------------------------------------------------------

    async def save(self, turn: Turn, value: dict) -> None:
        now = self.ctx.clock.now()
        event_id = card_int(value.get("event_id"))
        tz = self._zone(turn)
        if event_id is not None:
            with self.ctx.session() as session:
                event = session.get(CohortEvent, event_id)
                tz = event.time_zone if event is not None else tz
        draft = read_form(value, local_date(now, tz))
        if isinstance(draft, list):
            await turn.send(
                "Nearly there — please fix these on the form and save again:\n\n"
                + "\n".join(f"- {problem}" for problem in draft)
            )
            return
        days = draft.instants(tz)
        if days[0][0] <= now:
            await turn.send(
                "The first day has already started: please choose a later date or time."
            )
            return
        if event_id is None:
            await self._create(turn, value, draft, days, tz, now)
        else:
            await self._change(turn, value, draft, days, event_id, now)

    async def _create(self, turn: Turn, value, draft: Draft, days, tz: str, now) -> None:
        form_id = str(value.get("form_id") or "") or uuid.uuid4().hex
        actor = turn.sender.aad_object_id
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            done = event_of_form(session, form_id)
            summary = (
                None if done is None else f"That form already created #{done.id} {label(done)}."
            )
        if programme is None:
            await turn.send("There is no programme yet, so there is nobody to invite.")
            return
        if summary:
            await turn.send(summary + " Type **events** to see it.")
            return
        meetings, trouble_text = None, None
        if draft.online and not draft.link and self.graph.configured and actor:
            made = await create_meetings(
                self.graph, actor, draft.title, days, tz, f"stepforward-event-{form_id}"
            )
            if isinstance(made, GraphError):
                trouble_text = trouble(made)
            else:
                meetings = made
        try:
            with self.ctx.session() as session:
                event = create_event(
                    session,
                    programme_id=programme.id,
                    draft=draft,
                    time_zone=tz,
                    days=days,
                    created_by=actor,
                    organiser=actor if meetings else None,
                    form_id=form_id,
                    now=now,
                )
                for day, meeting in zip(days_of(session, event.id), meetings or [], strict=False):
                    set_day_meeting(session, day, *meeting)
                invite_participants(session, event, now)
                facts = load(session, event)
                ids = enqueue_all(
                    session, self.ctx, notice_messages(session, self.ctx.settings, facts, now), now
                )
                roles = Counter(row.role for row in facts.invitations)
                reply = (
                    f"Created #{event.id}: {label(event)} — {when_text(facts.days, tz)} ({tz}); "
                    f"{where_text(event, facts.days)}. {_invited_text(roles, event.audience)}"
                    + _unreachable_text(session, facts.people.values())
                )
        except IntegrityError:
            await turn.send("That form has already created its event. Type **events** to see it.")
            return
        log.info("cohort event created event_id=%s kind=%s", event.id, event.kind)
        await self.outbox.dispatch_due(now, ids=ids)
        if meetings:
            reply += (
                " Each day is a Teams meeting in your Outlook calendar; the invitations carry "
                "its Join link."
            )
        elif trouble_text:
            reply += (
                f" I couldn't create the Teams meeting: {trouble_text}. It shows as online with "
                "no joining link yet; paste a link with **Change** (type **events**)."
            )
        reply += (
            " Type **events** to see answers as they come in; after the last day I'll post the "
            "attendance card here."
        )
        await turn.send(reply)

    async def _change(self, turn: Turn, value, draft: Draft, days, event_id: int, now) -> None:
        actor = turn.sender.aad_object_id
        problems: list = []
        with self.ctx.session() as session:
            event = session.get(CohortEvent, event_id)
            problem = self._unchangeable(session, event, now)
            if problem is None and card_int(value.get("version")) != event.version:
                problems.append(
                    "Someone changed this event after that form was sent, so I saved nothing. "
                    "Here it is as it stands now:"
                )
                problem = self._edit_card(session, event)
            if problem is None and any(
                is_invited(event.audience, role) and not is_invited(draft.audience, role)
                for role in ("trainee", "mentor")
            ):
                problem = (
                    "People have been invited already, so who is invited can only widen. To "
                    "invite fewer, cancel this event and create a new one."
                )
            if problem is None:
                old = days_of(session, event.id)
                stand = answers_stand([(d.starts_at, d.ends_at) for d in old], days)
                organiser = event.organiser_aad_object_id
                old_meetings = [d.meeting_id for d in old if d.meeting_id]
                version = event.version
        if problem is not None:
            await turn.send_all([*problems, problem])
            return
        wants_meetings = draft.online and not draft.link and self.graph.configured
        keep = stand and wants_meetings and len(old_meetings) == len(old)
        meetings, trouble_text = None, None
        if old_meetings and not keep:
            await cancel_meetings(self.graph, organiser, old_meetings, "The event has changed")
        if keep and draft.title != event.title:
            await rename_meetings(self.graph, organiser, old_meetings, draft.title)
        if wants_meetings and not keep and actor:
            organiser = organiser or actor
            made = await create_meetings(
                self.graph,
                organiser,
                draft.title,
                days,
                event.time_zone,
                f"stepforward-event-{event_id}-v{version + 1}",
            )
            if isinstance(made, GraphError):
                trouble_text = trouble(made)
            else:
                meetings = made
        with self.ctx.session() as session:
            event = session.get(CohortEvent, event_id)
            change_event(
                session,
                event,
                draft=draft,
                days=days,
                answers_stand=stand,
                now=now,
            )
            if not keep:
                event.organiser_aad_object_id = organiser if meetings else None
                fresh = days_of(session, event.id)
                for n, day in enumerate(fresh):
                    meeting = meetings[n] if meetings else (None, None)
                    set_day_meeting(session, day, *meeting)
            invite_participants(session, event, now)
            facts = load(session, event)
            ids = enqueue_all(
                session, self.ctx, notice_messages(session, self.ctx.settings, facts, now), now
            )
            reply = (
                f"Changed #{event.id}: {label(event)} — {when_text(facts.days, event.time_zone)} "
                f"({event.time_zone}); {where_text(event, facts.days)}. Everyone who has heard of "
                "it gets the change, once"
                + (
                    "; their answers stand."
                    if stand
                    else "; the dates or times changed, so they are asked again whether they "
                    "can come."
                )
            )
        log.info("cohort event changed event_id=%s version=%s", event_id, version + 1)
        await self.outbox.dispatch_due(now, ids=ids)
        if trouble_text:
            reply += (
                f" I couldn't create the Teams meeting: {trouble_text}; it shows as online with "
                "no joining link yet."
            )
        await turn.send(reply)

    # --- cancelling -----------------------------------------------------------------------------

    async def cancel(self, turn: Turn, value: dict) -> None:
        now = self.ctx.clock.now()
        event_id = card_int(value.get("event_id")) or 0
        note = " ".join(str(value.get(f"note_{event_id}") or "").split()) or None
        problem = too_long("A word to them", note or "", MAX_NOTE)
        if problem is not None:
            await turn.send_paged(problem)  # nothing cancelled; their words come back
            return
        with self.ctx.session() as session:
            event = session.get(CohortEvent, event_id)
            problem = self._unchangeable(session, event, now)
            if problem is None:
                meetings = [d.meeting_id for d in days_of(session, event_id) if d.meeting_id]
                organiser = event.organiser_aad_object_id
        if problem is not None:
            await turn.send(problem)
            return
        cancelled = await cancel_meetings(self.graph, organiser, meetings, note or "Cancelled")
        with self.ctx.session() as session:
            event = session.get(CohortEvent, event_id)
            if event.status == EventStatus.CANCELLED.value:
                reply = f"#{event.id} {label(event)} was already cancelled."
                ids: list[int] = []
            else:
                cancel_event(session, event, turn.sender.aad_object_id, note, now)
                messages = notice_messages(session, self.ctx.settings, load(session, event), now)
                ids = enqueue_all(session, self.ctx, messages, now)
                told = len(messages)
                reply = f"Cancelled #{event.id}: {label(event)}. " + (
                    f"The {told} {'person' if told == 1 else 'people'} who had heard of it "
                    f"{'is' if told == 1 else 'are'} being told, once."
                    if told
                    else "Nobody had heard of it yet, so nobody needs telling."
                )
                if meetings:
                    reply += (
                        " Its Teams meetings are cancelled."
                        if cancelled
                        else " I couldn't cancel its Teams meetings: please cancel them in Outlook."
                    )
        await self.outbox.dispatch_due(now, ids=ids)
        await turn.send(reply)

    # --- the list -------------------------------------------------------------------------------

    async def listing(self, turn: Turn) -> None:
        now = self.ctx.clock.now()
        tz = self._zone(turn)
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = current_programme(session, now)
            if programme is None:
                replies.append("There is no programme yet.")
                return
            events = events_of(session, programme.id, with_cancelled=True)
            if not events:
                replies.append(
                    "No events yet. Type **new event** for the form: training days, call-back "
                    "workshops and group meetings."
                )
                return
            days = days_by_event(session, [e.id for e in events])
            invitations = invitations_by_event(session, [e.id for e in events])
            replies.append(
                list_card(
                    f"Events: {programme.name}",
                    f"Times are in the zone each event was set in (yours: {tz}). Change or "
                    "cancel an event until it ends; record attendance once it has started.",
                    [(e, days.get(e.id, []), invitations.get(e.id, [])) for e in events],
                    now,
                )
            )
