"""Coordinators pair trainees with mentors; both get an introduction with the agreement."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlmodel import Session, select

from adaptive_cards import render_card
from bot.context import AppContext
from bot.events import PairingEnded, PairingEndRequested
from bot.features import Events
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage
from bot.teams import Outcome, Turn, message_payload
from domain.application_review import Status
from domain.cadence import sessions_planned_by
from domain.endings import EndReason
from domain.health import health_words
from domain.keys import pairing_intro_key
from domain.local_time import format_local_date
from domain.matching import MentorProfile, TraineeProfile, exclusion_reason, suggest_mentors
from domain.pauses import is_paused
from domain.sessions import ANSWER_WORDS, Answer, disagreement, facts_of, session_counts
from store.health import health_of
from store.models import Application, Pairing, PairingStatus, Person, Programme
from store.pairings import (
    active_pairing_of,
    active_pairings,
    check_ins_of,
    create_pairing,
    dissolved_pairs,
    end_pairing,
    mentor_loads,
    pair_people,
    sessions_of,
)
from store.programmes import current_programme
from store.replies import invite_reply

log = logging.getLogger(__name__)

DEFAULT_CAPACITY = 2
_PAIR_WITH = re.compile(r"^(?P<trainee>.+?)\s+with\s+(?P<mentor>.+)$", re.IGNORECASE)


def _words(text: str | None) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", (text or "").lower()) if len(w) > 3}


def trainee_profile(application: Application, person: Person) -> TraineeProfile:
    answers = application.answers
    return TraineeProfile(
        id=person.id,
        organisation=application.organisation or answers.get("organisation"),
        location=answers.get("location"),
        needs=frozenset(answers.get("needs") or ()),
        promotion_process=answers.get("promotion_process") or None,
        line_manager=application.manager_name or None,
    )


def mentor_profile(application: Application, person: Person, load: int) -> MentorProfile:
    answers = application.answers
    return MentorProfile(
        id=person.id,
        name=person.display_name,
        organisation=application.organisation or answers.get("organisation"),
        location=answers.get("location"),
        areas=frozenset(answers.get("areas") or ()),
        capacity=int(answers.get("capacity") or DEFAULT_CAPACITY),
        current_trainees=load,
        assessor_for=answers.get("assessor_process") if answers.get("assessor") != "no" else None,
    )


def introduced(outcomes: list[tuple[str, str | None]]) -> str:
    """What became of the introductions, by name and send outcome: only what happened."""
    if all(outcome == Outcome.SENT for _, outcome in outcomes):
        return "I've introduced them to each other."
    said = []
    for name, outcome in outcomes:
        if outcome == Outcome.SENT:
            said.append(f"{name} has had their introduction.")
        elif outcome in (Outcome.UNREACHABLE, Outcome.FAILED):
            said.append(
                f"I couldn't reach {name} in Teams (they may not have talked to me yet), so "
                "they haven't had their introduction."
            )
        else:
            said.append(f"{name}'s introduction goes as soon as Teams accepts it.")
    return " ".join(said)


class Pairings:
    def __init__(self, ctx: AppContext, outbox: Outbox, events: Events) -> None:
        self.ctx = ctx
        self.outbox = outbox
        # Told when a pairing is ended or re-paired (its open escalations are resolved).
        self.events = events

    @property
    def _tz(self) -> str:
        return self.ctx.settings.default_time_zone

    # --- who can be paired ------------------------------------------------------------------

    @staticmethod
    def _accepted(session: Session, programme: Programme, role: str):
        return list(
            session.exec(
                select(Application, Person)
                .join(Person, Person.id == Application.person_id)
                .where(
                    Application.programme_id == programme.id,
                    Application.role == role,
                    Application.status == Status.ACCEPTED.value,
                )
                .order_by(Person.display_name)
            )
        )

    def _find(self, session, programme, role: str, name: str):
        """One accepted applicant of `role` whose name contains `name`, or a reason why not."""
        wanted = name.strip().lower()
        matches = [
            (a, p)
            for a, p in self._accepted(session, programme, role)
            if wanted and wanted in (p.display_name or "").lower()
        ]
        if len(matches) == 1:
            return matches[0], None
        kind = "trainee" if role == "trainee" else "mentor"
        if not matches:
            return None, f"I can't find an accepted {kind} called “{name}”."
        names = ", ".join(p.display_name or "?" for _, p in matches)
        return None, f"More than one accepted {kind} matches “{name}” ({names}); be more specific."

    def _profiles(self, session, programme, trainee_app, trainee):
        loads = mentor_loads(session, programme.id)
        mentors = {
            p.id: (a, p, mentor_profile(a, p, loads.get(p.id, 0)))
            for a, p in self._accepted(session, programme, "mentor")
        }
        dissolved = dissolved_pairs(session, programme.id)
        return trainee_profile(trainee_app, trainee), mentors, dissolved

    # --- commands -------------------------------------------------------------------------------

    async def suggest(self, turn: Turn) -> None:
        now = self.ctx.clock.now()
        cards = []
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = current_programme(session, now)
            if programme is None:
                replies.append("There is no programme yet.")
                return
            for trainee_app, trainee in self._accepted(session, programme, "trainee"):
                if active_pairing_of(session, trainee.id) is not None:
                    continue
                profile, mentors, dissolved = self._profiles(
                    session, programme, trainee_app, trainee
                )
                ranked = suggest_mentors(profile, [m for _, _, m in mentors.values()], dissolved)
                cards.append(self._suggestion_card(trainee_app, trainee, ranked, mentors))
        if not cards:
            await turn.send("Every accepted trainee has a mentor. Nothing to suggest.")
            return
        for card in cards:
            await turn.send(card)

    def _suggestion_card(self, trainee_app, trainee, ranked, mentors) -> dict:
        answers = trainee_app.answers
        return render_card(
            "mentor_suggestions",
            {
                "trainee_name": trainee.display_name,
                "trainee_person_id": trainee.id,
                "trainee_line": " · ".join(
                    x for x in (trainee_app.organisation, answers.get("location")) if x
                ),
                "none": "" if ranked else "No mentor is free and suitable right now.",
                "suggestions": [
                    {
                        "title": f"{mentors[s.mentor_id][1].display_name} — score {s.score}",
                        "reasons": "; ".join(s.reasons),
                        "mentor_name": mentors[s.mentor_id][1].display_name,
                        "mentor_person_id": s.mentor_id,
                    }
                    for s in ranked
                ],
            },
        )

    async def pair_by_name(self, turn: Turn, argument: str) -> None:
        match = _PAIR_WITH.match(argument.strip())
        if not match:
            await turn.send("Please say **pair <trainee> with <mentor>**.")
            return
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = current_programme(session, now)
            if programme is None:
                replies.append("There is no programme yet.")
                return
            trainee, problem = self._find(session, programme, "trainee", match["trainee"])
            mentor, problem = (
                (None, problem)
                if problem
                else self._find(session, programme, "mentor", match["mentor"])
            )
            if problem:
                replies.append(problem)
                return
            trainee_id, mentor_id = trainee[1].id, mentor[1].id
        await self.confirm(turn, trainee_id, mentor_id)

    async def confirm(self, turn: Turn, trainee_id: int, mentor_id: int) -> None:
        """Create the pairing after re-checking everything (cards may be clicked twice)."""
        actor = turn.sender
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = current_programme(session, now)
            trainee, mentor = session.get(Person, trainee_id), session.get(Person, mentor_id)
            trainee_app = next(
                (a for a, p in self._accepted(session, programme, "trainee") if p.id == trainee_id),
                None,
            )
            if trainee is None or mentor is None or trainee_app is None:
                replies.append("That trainee or mentor is no longer in the programme.")
                return
            existing = active_pairing_of(session, trainee.id)
            if existing is not None:
                _, current = pair_people(session, existing)
                replies.append(
                    f"{trainee.display_name} is already paired with {current.display_name} "
                    f"(since {format_local_date(existing.paired_at, self._tz)}). Nothing changed."
                )
                return
            profile, mentors, dissolved = self._profiles(session, programme, trainee_app, trainee)
            if mentor.id not in mentors:
                replies.append(f"{mentor.display_name} is not an accepted mentor.")
                return
            reason = exclusion_reason(profile, mentors[mentor.id][2], dissolved)
            if reason:
                replies.append(
                    f"I can't pair {trainee.display_name} with {mentor.display_name}: {reason}."
                )
                return
            pairing = create_pairing(
                session,
                programme_id=programme.id,
                trainee_person_id=trainee.id,
                mentor_person_id=mentor.id,
                length_months=programme.length_months,
                now=now,
                confirmed_by=actor.aad_object_id,
            )
            intros = self._intros(session, pairing, programme, trainee, mentor)
            for person in (trainee, mentor):
                # "Reply here with any questions": the answer reaches the coordinators.
                invite_reply(session, person.id, now, pairing_id=pairing.id)
            names = (trainee.display_name, mentor.display_name)
        outcomes = [(await self.outbox.send_now(message)) for message in intros]
        await turn.send(
            f"Paired {names[0]} with {names[1]}. "
            + introduced(
                list(zip(names, [r.outcome if r else None for r in outcomes], strict=True))
            )
        )

    def _intros(
        self, session, pairing: Pairing, programme, trainee, mentor
    ) -> list[PlannedMessage]:
        applications = {
            a.person_id: a
            for a in session.exec(
                select(Application).where(
                    Application.programme_id == programme.id,
                    Application.person_id.in_([trainee.id, mentor.id]),
                )
            )
        }
        months = pairing.length_months
        agreement = [
            {
                "title": "Meet",
                "value": f"about 2 hours once a month, for {months} months ({months} sessions)",
            },
            {
                "title": "Confidential",
                "value": "what you discuss stays between you two, unless someone may be at risk",
            },
            {
                "title": "Check-ins",
                "value": "I'll ask each of you privately at 2, 4 and 6 weeks how it is going",
            },
            {
                "title": "Help",
                "value": "if something gets in the way, type **I need help** or "
                "**I can't get released** and the coordinators hear at once",
            },
        ]
        messages = []
        for me, partner, partner_role in ((trainee, mentor, "mentor"), (mentor, trainee, "mentee")):
            answers = applications[partner.id].answers
            facts = [
                {"title": "Organisation", "value": answers.get("organisation") or "—"},
                {"title": "Based in", "value": answers.get("location") or "—"},
                {"title": "Grade", "value": answers.get("grade") or "—"},
            ]
            card = render_card(
                "pairing_intro",
                {
                    "partner_role": partner_role,
                    "partner_name": partner.display_name,
                    "partner_facts": facts,
                    "agreement": agreement,
                    "next_step": "Say hello in a chat with each other and book your first "
                    "session this month — I'll remind you.",
                },
            )
            messages.append(
                PlannedMessage(
                    me.aad_object_id,
                    "pairing_intro",
                    pairing_intro_key(pairing.id, me.aad_object_id),
                    payload=message_payload(cards=[card]),
                    routine=False,
                    working_hours=False,
                )
            )
        return messages

    async def end(self, turn: Turn, argument: str, *, repair: bool) -> None:
        now = self.ctx.clock.now()
        name = argument.strip()
        if not name:
            verb = "re-pair" if repair else "end pairing"
            await turn.send(f"Please say **{verb} <trainee's name>**.")
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = current_programme(session, now)
            found = [
                pairing
                for pairing in active_pairings(session, programme.id if programme else None)
                if name.lower()
                in (session.get(Person, pairing.trainee_person_id).display_name or "").lower()
            ]
            if len(found) != 1:
                replies.append(
                    f"I can't find one active pairing for a trainee called “{name}”."
                    if not found
                    else f"More than one active pairing matches “{name}”; be more specific."
                )
                return
            pairing_id = found[0].id
        await self.end_by_id(turn, pairing_id, repair=repair)

    async def end_by_id(
        self, turn: Turn, pairing_id: int, *, repair: bool, escalation_id: int | None = None
    ) -> bool:
        """End an active pairing (re-pair: then suggest new mentors); False if not active.

        `escalation_id`: the escalation whose card asked for it (told with `PairingEnded`).
        """
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            pairing = session.get(Pairing, pairing_id)
            if pairing is None or pairing.status != PairingStatus.ACTIVE.value:
                replies.append("That pairing has already ended. Nothing changed.")
                return False
            trainee, mentor = pair_people(session, pairing)
            end_pairing(
                session,
                pairing,
                now,
                PairingStatus.DISSOLVED.value,
                EndReason.REPAIR if repair else EndReason.COORDINATOR,
            )
            names = (trainee.display_name, mentor.display_name)
        await turn.send(f"Ended the pairing of {names[0]} and {names[1]}.")
        # Both get their closing card (`bot.endings`, which listens for this).
        await self.events.publish(
            PairingEnded(turn, pairing_id, repair, turn.sender.aad_object_id, escalation_id)
        )
        if repair:
            await self.suggest(turn)
        return True

    async def end_requested(self, request: PairingEndRequested) -> None:
        """End pairing / Re-pair pressed on an escalation card."""
        await self.end_by_id(
            request.turn,
            request.pairing_id,
            repair=request.repair,
            escalation_id=request.escalation_id,
        )

    def listing(self, now: datetime) -> str:
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            pairings = active_pairings(session, programme.id if programme else None)
            if not pairings:
                return "No active pairs yet. Use **suggest pairs** to start."
            lines = ["**Active pairs**", ""]
            healths = health_of(session, (pairing.id for pairing in pairings))
            for pairing in pairings:
                trainee, mentor = pair_people(session, pairing)
                rows = sessions_of(session, pairing.id)
                held = sum(1 for s in rows if s.happened)
                planned = sessions_planned_by(pairing.paired_at, now, pairing.length_months)
                help_asked = [
                    c for c in check_ins_of(session, pairing.id) if c.answer == "need_help"
                ]
                line = (
                    f"- {trainee.display_name} ↔ {mentor.display_name}: sessions {held} of "
                    f"{planned} planned so far (of {pairing.length_months})"
                )
                line += session_breakdown(rows, planned, trainee, mentor)
                if help_asked:
                    line += f" · ⚠ asked for help in the week-{help_asked[-1].week} check-in"
                if trainee.unreachable_since or mentor.unreachable_since:
                    line += " · ⚠ someone can't be reached in Teams"
                for person in (trainee, mentor):
                    if person.not_responding_since is not None:
                        line += (
                            f" · ⚠ {person.display_name} not responding since "
                            f"{format_local_date(person.not_responding_since, self._tz)}"
                        )
                    if is_paused(person.snoozed_until, now):
                        line += (
                            f" · ⏸ {person.display_name} paused until "
                            f"{format_local_date(person.snoozed_until, self._tz)}"
                        )
                health = healths.get(pairing.id)
                line += (
                    f" · health {health_words(health.colour, health.reasons)}"
                    if health
                    else " · health not worked out yet"
                )
                lines.append(line)
        return "\n".join(lines)


def session_breakdown(rows, planned: int, trainee: Person, mentor: Person) -> str:
    """The pair's sessions by state (" · 1 booked · held: 1 verified, ..."), and each month
    whose two answers disagree (coordinators only: neither person is told the other's
    answer)."""
    months = {row.month: facts_of(row) for row in rows}
    counts = session_counts(planned, months.values())
    text = (
        f" · {counts.booked} booked · held: {counts.verified} verified by attendance, "
        f"{counts.confirmed} confirmed by both, {counts.reported} reported by one"
    )
    for month, facts in sorted(months.items()):
        if disagreement(facts):
            text += (
                f" · ⚠ month {month}: they disagree ({trainee.display_name}: "
                f"{ANSWER_WORDS[Answer(facts.trainee_answer)]}; {mentor.display_name}: "
                f"{ANSWER_WORDS[Answer(facts.mentor_answer)]})"
            )
    return text
