"""The sweep ends each pairing that has reached the end of its programme (as completed) and
plans both closing cards, in the recipients' working hours.

A pairing completed within `RESEND_WINDOW` whose closing card is not in the outbox yet (the
process stopped between ending it and writing the cards) has its cards planned again: no
pairing ends without its closing conversation. The keys make each card go once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from bot.context import AppContext
from bot.endings.closing import closing_messages
from bot.outbox.planned import PLANNING_DRY_RUN, PlannedMessage
from domain.cadence import programme_end
from domain.endings import EndReason
from store.models import Pairing, PairingStatus
from store.outbox import existing_keys
from store.pairings import end_pairing

RESEND_WINDOW = timedelta(days=14)
# No programme is shorter than a month: a younger pairing need not be read.
SHORTEST = timedelta(days=28)


def plan_programme_ends(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    messages: list[PlannedMessage] = []
    with ctx.session() as session:
        ending = session.exec(
            select(Pairing).where(
                Pairing.status == PairingStatus.ACTIVE.value,
                Pairing.paired_at <= now - SHORTEST,
            )
        ).all()
        for pairing in ending:
            end = programme_end(pairing.paired_at, pairing.length_months)
            if end <= now:
                end_pairing(
                    session, pairing, end, PairingStatus.COMPLETED.value, EndReason.PROGRAMME_END
                )
        completed = session.exec(
            select(Pairing)
            .where(
                Pairing.status == PairingStatus.COMPLETED.value,
                Pairing.end_reason == EndReason.PROGRAMME_END.value,
                Pairing.ended_at >= now - RESEND_WINDOW,
            )
            .order_by(Pairing.id)
        ).all()
        for pairing in completed:
            planned = closing_messages(session, pairing, in_working_hours=True)
            sent = existing_keys(session, (message.key for message in planned))
            messages += [message for message in planned if message.key not in sent]
        if PLANNING_DRY_RUN.get():
            session.rollback()
    return messages
