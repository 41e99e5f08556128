"""At the end of a pairing's programme the sweep plans both closing cards, in the recipients'
working hours.

The pairing is not changed: after its programme's end a pairing stays as it was (its last
session may still be logged, `pairs` and `my programme` show it as finished). A pairing is
looked at again at its programme's end (`SweepPass.look_again`), and once its cards are in the
outbox never again, so a process stopped before writing them decides them again at the next
sweep; the keys make each card go once. A programme that ended more than `LATE_AFTER` ago
gets no closing card (a card that late would not make sense).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from bot.context import AppContext
from bot.endings.closing import closing_messages
from bot.outbox.planned import PlannedMessage, sweep_pass
from domain.cadence import programme_end
from domain.endings import EndReason
from domain.surveys import load_definitions
from store.db import chunked
from store.models import Pairing, PairingStatus

LATE_AFTER = timedelta(days=28)


def plan_programme_ends(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    messages: list[PlannedMessage] = []
    surveys = load_definitions(ctx.settings.surveys_dir).values()
    with ctx.session() as session:
        due = sweep_pass(session, now)
        for chunk in chunked(due.ids):
            for pairing in session.exec(select(Pairing).where(Pairing.id.in_(chunk))):
                end = programme_end(pairing.paired_at, pairing.length_months)
                if pairing.status == PairingStatus.DISSOLVED.value or now >= end + LATE_AFTER:
                    due.look_again(pairing.id, None)  # ended early: its cards went then
                elif now < end:
                    due.look_again(pairing.id, end)
                else:
                    due.look_again(pairing.id, None)
                    messages += closing_messages(
                        session,
                        pairing,
                        EndReason.PROGRAMME_END,
                        end,
                        in_working_hours=True,
                        surveys=surveys,
                    )
    return messages
