"""`announcements`: each announcement of the programme and whom it reached, by organisation
(organisations under 5 people pooled, and hidden if the pool is still under 5); and
`announce again <number>`: the form again for the organisations it did not reach."""

from __future__ import annotations

from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.announcements.composing import Composing
from bot.context import AppContext
from bot.outbox.planned import recipient_time_zone
from bot.teams import Turn
from domain.announcements import (
    SMALLEST_SHOWN,
    UNREACHED_WORDS,
    AudienceKind,
    Reach,
    RecipientFacts,
    Status,
    Unreached,
    organisations_not_reached,
    reach_by_organisation,
)
from domain.keys import announcement_post_key
from domain.local_time import format_local_datetime
from store.announcements import (
    Announcement,
    announcements_of,
    applications_by_person,
    audiences_of,
    recipients_in,
    settle,
)
from store.models import Programme
from store.outbox import by_key
from store.programmes import current_programme

STATUS_WORDS = {
    Status.AWAITING_APPROVAL.value: "waiting for a coordinator's approval",
    Status.SENDING.value: "sending",
    Status.SENT.value: "sent",
    Status.CANCELLED.value: "cancelled",
    Status.DRAFT.value: "a draft",
}


def facts_of(session: Session, announcement: Announcement) -> list[RecipientFacts]:
    """Each person the announcement was for, with what became of it and of their application."""
    rows = recipients_in(session, announcement.id)
    applications = applications_by_person(
        session, announcement.programme_id, [row.aad_object_id for row in rows]
    )
    facts = []
    for row in rows:
        application = applications.get(row.aad_object_id)
        facts.append(
            RecipientFacts(
                organisation=row.organisation,
                delivery=row.delivery,
                unreached=row.unreached,
                pressed_apply=row.pressed_apply_at is not None,
                started=application is not None,
                submitted=application is not None and application.submitted_at is not None,
            )
        )
    return facts


def counts(row: Reach) -> str:
    waiting = f"{row.waiting} waiting for their working hours, " if row.waiting else ""
    return (
        f"{row.sent} sent, {row.delivered} delivered, {waiting}{row.not_reached} could not be "
        "reached"
    )


def reach_line(row: Reach, totals_shown: bool = True) -> str:
    if row.suppressed:
        counted = " (counted in the totals above)" if totals_shown else ""
        hidden = f"fewer than {SMALLEST_SHOWN} people, so not shown"
        return f"- **{row.organisation}**: {hidden}{counted}"
    if row.hidden_for_total:
        return (
            f"- **{row.organisation}** ({row.people} people): not shown, so that the smaller "
            "organisations' counts can't be worked out from the totals"
        )
    line = f"- **{row.organisation}** ({row.people} people): {counts(row)}"
    if row.unreached:
        why = ", ".join(
            f"{count} {UNREACHED_WORDS.get(Unreached(kind), kind)}"
            for kind, count in sorted(row.unreached.items())
        )
        line += f" ({why})"
    return (
        line + f"; {row.pressed_apply} pressed Apply, {row.started} started, "
        f"{row.submitted} submitted"
    )


class ReachReport:
    def __init__(self, ctx: AppContext, composing: Composing) -> None:
        self.ctx = ctx
        self.composing = composing

    def report(self, aad: str | None) -> str:
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            if programme is None:
                return "There is no programme yet."
            announcements = announcements_of(session, programme.id)
            if not announcements:
                return (
                    f"Nothing has been announced for {programme.name} yet. Type **announce** "
                    "to write an announcement."
                )
            tz = recipient_time_zone(session, self.ctx.settings, aad)
            parts = [f"**Announcements of {programme.name}** (newest first)"]
            for announcement in announcements:
                settle(session, announcement.id)
                session.flush()
                parts.append(self._one(session, announcement, tz))
        return "\n\n".join(parts)

    def _one(self, session: Session, announcement: Announcement, tz: str) -> str:
        when = format_local_datetime(announcement.created_at, tz)
        lines = [
            f"**Announcement {announcement.id}** ({when}, "
            f"{STATUS_WORDS.get(announcement.status, announcement.status)})"
        ]
        for audience in audiences_of(session, announcement.id):
            if audience.kind == AudienceKind.CHANNEL.value:
                row = by_key(session, announcement_post_key(announcement.id, audience.target))
                state = "posted" if row is not None and row.status == "sent" else "not posted yet"
                if row is not None and row.status in ("failed", "unreachable"):
                    state = "could not be posted (the app may have been removed from the team)"
                lines.append(f"- Channel {audience.name}: {state}")
            elif audience.problem:
                lines.append(
                    f"- Staff group {audience.organisation}: its members could not be read "
                    f"from Microsoft Graph ({audience.problem.replace('_', ' ')})"
                )
        blocks = ["\n".join(lines)]  # a blank line between a list and what follows
        facts = facts_of(session, announcement)
        if facts:
            total = Reach("All")
            for fact in facts:
                total.add(fact)
            totals_shown = total.people >= SMALLEST_SHOWN
            if totals_shown:
                blocks.append(
                    f"People in the staff groups: {total.people}; {counts(total)}; "
                    f"{total.pressed_apply} pressed Apply, {total.started} started, "
                    f"{total.submitted} submitted."
                )
            else:
                blocks.append(
                    f"People in the staff groups: fewer than {SMALLEST_SHOWN}, so the counts "
                    "are not shown."
                )
            blocks.append(
                "\n".join(reach_line(row, totals_shown) for row in reach_by_organisation(facts))
            )
            missed = organisations_not_reached(facts)
            if missed and announcement.status == Status.SENT.value:
                blocks.append(
                    f"Not reached at all: {', '.join(missed)}. Type **announce again "
                    f"{announcement.id}** to send it to them again."
                )
        return "\n\n".join(blocks)

    async def again(self, turn: Turn, argument: str, _roles=None) -> None:
        """`announce again <number>`: the form for the organisations the announcement missed."""
        number = card_int(argument.strip())
        async with self.ctx.session_then_reply(turn) as (session, replies):
            announcement = session.get(Announcement, number or 0)
            if announcement is None:
                replies.append(
                    "Please give the announcement's number, e.g. **announce again 3** "
                    "(**announcements** lists them)."
                )
                return
            if announcement.status != Status.SENT.value:
                replies.append(
                    f"Announcement {announcement.id} is "
                    f"{STATUS_WORDS.get(announcement.status, announcement.status)}: once it has "
                    "been sent, **announcements** shows whom it did not reach and you can send "
                    "it to them again."
                )
                return
            missed = set(organisations_not_reached(facts_of(session, announcement)))
            groups = [
                f"{audience.target}, {audience.organisation}"
                for audience in audiences_of(session, announcement.id)
                if audience.kind == AudienceKind.GROUP.value and audience.organisation in missed
            ]
            if not groups:
                replies.append(
                    f"Announcement {announcement.id} reached someone in every organisation it "
                    "was for, so there is nobody to send it to again."
                )
                return
            programme = session.get(Programme, announcement.programme_id)
            replies.append(
                f"Here is announcement {announcement.id} again for {programme.name}, for the "
                "organisations it did not reach. Change anything, then Preview."
            )
            replies.append(self.composing.again_form(session, announcement, "\n".join(groups)))
