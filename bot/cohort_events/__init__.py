"""The cohort's shared events: training days, call-back workshops and group meetings.

Coordinators create, change, list and cancel them from the channel (`new event`, `events`);
every accepted participant the event is for gets an invitation in personal chat, answers it
(not released by their manager: a release block at once), gets a reminder to answer and one the
working day before; afterwards the coordinators record attendance (participants can say so
themselves; the coordinators' word wins), the call-back pulse goes to those who were there, and
anyone who missed the training or both call-backs is flagged in the channel. The training's
last day tells the surveys when the post-training evaluation goes.
"""

from __future__ import annotations

from bot.cohort_events.answers import InvitationAnswers, ReportRelease
from bot.cohort_events.attendance import AttendanceRegister
from bot.cohort_events.managing import EventManagement
from bot.cohort_events.planner import STILL_WANTED_KINDS, EventsPlanner, SurveyCard, still_wanted
from bot.cohort_events.records import EventRecords
from bot.commands import TEAM, Command
from bot.features import Registry, Services
from bot.teams import Turn
from domain.authorisation import Action
from store.cohort_events import EventDate, upcoming_dates_of

__all__ = ["EventDate", "EventRecords", "register", "upcoming_dates_of"]


def register(
    registry: Registry,
    services: Services,
    *,
    report_release: ReportRelease,
    survey_card: SurveyCard,
) -> EventRecords:
    """`report_release`: the escalations feature's, for "not released"; `survey_card`: the
    surveys feature's card of a survey round, for the call-back pulse. Returns what the events
    add to `my programme`, `my data`, the report and the export."""
    ctx = services.ctx
    management = EventManagement(ctx, services.outbox, services.graph)
    answers = InvitationAnswers(ctx, services.messenger, report_release)
    attendance = AttendanceRegister(ctx, services.outbox)
    registry.planner(EventsPlanner(survey_card))
    registry.still_wanted_check(STILL_WANTED_KINDS, still_wanted)

    async def new_event(turn: Turn, argument: str, _roles) -> None:
        await management.new_form(turn, argument)

    async def events(turn: Turn, _argument: str, _roles) -> None:
        await management.listing(turn)

    coordinator_actions = {
        "new": lambda turn, _value: management.new_form(turn),
        "save": management.save,
        "edit": management.edit_form,
        "cancel": management.cancel,
        "attendance_card": attendance.card,
        "attendance": attendance.record,
    }

    async def coordinator_action(turn: Turn, value: dict) -> None:
        action = coordinator_actions.get(str(value.get("cohort_event")))
        if action is None:
            await turn.send("Sorry, I couldn't read that. Type **events** to see the events.")
            return
        await action(turn, value)

    registry.command(
        Command(
            "new event",
            "new event [training | call-back | group]: a training day, call-back or group "
            "meeting, with invitations",
            (TEAM,),
            Action.MANAGE_EVENTS,
            takes_argument=True,
            listed=False,
        ),
        new_event,
    )
    registry.command(
        Command(
            "events",
            "The programme's events and who is coming: change, cancel, record attendance",
            (TEAM,),
            Action.MANAGE_EVENTS,
            listed=False,
        ),
        events,
    )
    registry.card_action("cohort_event", coordinator_action, action=Action.MANAGE_EVENTS)
    registry.card_action("event_invitation", answers.answer)
    registry.card_action("event_attended", attendance.self_report)
    return EventRecords()
