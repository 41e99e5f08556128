"""The pair and the month a booking card is about, read at once (no database session is held
while Microsoft Graph is called), as the booking and answer handlers use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.outbox.planned import recipient_time_zone
from bot.pairing.booking_cards import Reader, booked_card
from bot.participants import sender_person
from bot.teams import Turn
from domain.free_slots import Interval
from domain.session_offers import session_minutes
from domain.sessions import SessionState, facts_of, session_end, session_state
from store.models import Pairing, PairingStatus, Person
from store.pairings import pair_people, sessions_of


@dataclass(frozen=True)
class Someone:
    person_id: int
    aad: str
    name: str
    tz: str


@dataclass(frozen=True)
class PairView:
    """What a booking action needs about the pair and the month, read before Graph is called
    (no database session is held across a Graph call)."""

    pairing_id: int
    months: int
    month: int
    paired_at: datetime
    trainee: Someone
    mentor: Someone
    me_is_mentor: bool
    minutes: int  # the pair's session length
    booked_elsewhere: tuple[Interval, ...]  # the pair's sessions in other months
    booked_for: datetime | None
    booked_minutes: int | None
    event_id: str | None
    join_url: str | None
    state: SessionState

    @property
    def me(self) -> Someone:
        return self.mentor if self.me_is_mentor else self.trainee

    @property
    def partner(self) -> Someone:
        return self.trainee if self.me_is_mentor else self.mentor

    def reader(self, mentor: bool) -> Reader:
        person, partner = (self.mentor, self.trainee) if mentor else (self.trainee, self.mentor)
        return Reader(person.tz, mentor, partner.name, self.mentor.name)

    @property
    def my_reader(self) -> Reader:
        return self.reader(self.me_is_mentor)

    @property
    def partner_reader(self) -> Reader:
        return self.reader(not self.me_is_mentor)

    def confirmation(
        self,
        mentor: bool,
        slot: Interval,
        join_url: str | None,
        *,
        in_calendars: bool,
        moved: bool = False,
        by: str | None = None,
    ) -> dict:
        """The confirmation card for the mentor (or the trainee); `by`: who booked it, when
        it was the other of the two."""
        return booked_card(
            self.reader(mentor),
            pairing_id=self.pairing_id,
            month=self.month,
            start=slot.start,
            end=slot.end,
            join_url=join_url,
            in_calendars=in_calendars,
            moved=moved,
            by=by,
        )

    @property
    def booked(self) -> Interval | None:
        if self.booked_for is None:
            return None
        return Interval(self.booked_for, session_end(self.booked_for, self.booked_minutes))


def _someone(session: Session, ctx: AppContext, person: Person) -> Someone:
    tz = recipient_time_zone(session, ctx.settings, person.aad_object_id)
    return Someone(person.id, person.aad_object_id, person.display_name or "your partner", tz)


def pair_view(
    ctx: AppContext, session: Session, pairing: Pairing, month: int, me_id: int | None = None
) -> PairView:
    trainee, mentor = pair_people(session, pairing)
    rows = sessions_of(session, pairing.id)
    row = next((r for r in rows if r.month == month), None)
    elsewhere = tuple(
        Interval(r.booked_for, session_end(r.booked_for, r.booked_minutes))
        for r in rows
        if r.month != month and r.booking == "booked" and r.booked_for is not None
    )
    facts = facts_of(row) if row is not None else None
    return PairView(
        pairing_id=pairing.id,
        months=pairing.length_months,
        month=month,
        paired_at=pairing.paired_at,
        trainee=_someone(session, ctx, trainee),
        mentor=_someone(session, ctx, mentor),
        me_is_mentor=me_id == mentor.id,
        minutes=session_minutes(pairing.session_minutes),
        booked_elsewhere=elsewhere,
        booked_for=row.booked_for if row is not None and row.booking == "booked" else None,
        booked_minutes=row.booked_minutes if row is not None else None,
        event_id=row.event_id if row is not None else None,
        join_url=row.join_url if row is not None else None,
        state=session_state(facts) if facts is not None else SessionState.PLANNED,
    )


def card_pair(
    ctx: AppContext, session: Session, turn: Turn, value: dict
) -> tuple[PairView | None, str | None]:
    """The pair and month a card names, if the sender is one of the pair and it is active;
    otherwise a sentence saying why not."""
    pairing = session.get(Pairing, card_int(value.get("pairing_id")) or 0)
    me = sender_person(session, turn.sender)
    month = card_int(value.get("month"))
    if (
        pairing is None
        or me is None
        or me.id not in (pairing.trainee_person_id, pairing.mentor_person_id)
        or month is None
        or not 1 <= month <= pairing.length_months
    ):
        return None, "Sorry, that card isn't for a pairing of yours."
    if pairing.status != PairingStatus.ACTIVE.value:
        return None, "That pairing has ended, so there is nothing to book."
    return pair_view(ctx, session, pairing, month, me.id), None
