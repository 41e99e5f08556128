"""The report's part about endings and each month's health (a `bot.reports.ReportPart`).

Per programme month: the share of pairs green (their stored health, `store.health`) next to
the share that held a session, against the target; the median days from pairing to the first
held session; early endings by reason, small groups suppressed by `domain.report_rules`. The
CSV gets why each person's latest pairing ended and whether that was early.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from domain.cadence import programme_end
from domain.endings import (
    EARLY_BEFORE_MONTH,
    HELD_TARGET,
    HELD_TARGET_PERCENT,
    REASON_WORDS,
    ColourHistory,
    EndReason,
    PairMonths,
    early_ending,
    early_endings_by_reason,
    median_days_to_first_session,
    reason_of,
    shares_by_month,
)
from domain.report_rules import MIN_GROUP, NOT_SHOWN, SMALL_GROUP, rate, suppress_breakdown
from store.health import colour_changes
from store.models import MentoringSession, Pairing, Programme


def _fact(title: str, value) -> dict:
    return {"title": title, "value": str(value)}


def _held_on(row: MentoringSession) -> datetime | None:
    return row.held_on or row.booked_for or row.logged_at


class EndingsReport:
    columns = ("Pairing ended because", f"Ended before month {EARLY_BEFORE_MONTH}")

    @staticmethod
    def _pairings(session: Session, programme: Programme) -> list[Pairing]:
        return list(
            session.exec(
                select(Pairing).where(Pairing.programme_id == programme.id).order_by(Pairing.id)
            )
        )

    def sections(self, session: Session, programme: Programme, now: datetime) -> list[dict]:
        pairings = self._pairings(session, programme)
        if not pairings:
            return []
        ids = [p.id for p in pairings]
        held: dict[int, list[MentoringSession]] = {}
        for row in session.exec(
            select(MentoringSession).where(
                MentoringSession.pairing_id.in_(ids), MentoringSession.happened.is_(True)
            )
        ):
            held.setdefault(row.pairing_id, []).append(row)
        healths = colour_changes(session, ids)
        pairs = [
            PairMonths(
                p.paired_at,
                p.length_months,
                p.ended_at,
                ColourHistory(tuple(changes)) if (changes := healths.get(p.id)) else None,
                frozenset(row.month for row in held.get(p.id, ())),
            )
            for p in pairings
        ]
        firsts = []
        for p in pairings:
            times = [t for row in held.get(p.id, ()) if (t := _held_on(row)) is not None]
            firsts.append((p.paired_at, min(times) if times else None))
        median = median_days_to_first_session(firsts)
        months = [
            _fact(
                f"Month {share.month}",
                f"green {rate(share.green, share.known) if share.known else 'not known'}; "
                f"held a session "
                f"{rate(share.held, share.pairs)}"
                + (
                    ""
                    if share.pairs == 0 or 100 * share.held >= HELD_TARGET_PERCENT * share.pairs
                    else " — below target"
                ),
            )
            for share in shares_by_month(pairs, now)
        ]
        early = early_endings_by_reason((p.paired_at, p.ended_at, p.end_reason) for p in pairings)
        by_reason = suppress_breakdown(early)
        return [
            {
                "heading": "Pairs green and sessions held, by programme month",
                "facts": [
                    _fact("Target", HELD_TARGET),
                    *months,
                    _fact(
                        "Median days from pairing to first held session",
                        f"{median:g}" if median is not None else "no session held yet",
                    ),
                ],
                "note": "Green: the pair's health at the end of the month (now, for the month "
                "going on), of the pairs whose health was worked out by then.",
            },
            {
                "heading": f"Early endings (before programme month {EARLY_BEFORE_MONTH})",
                "facts": [
                    _fact("Early endings", sum(early.values())),
                    *(_fact(f"Reason: {reason}", value) for reason, value in by_reason.items()),
                ],
                "note": f"Reasons with fewer than {MIN_GROUP} endings show as “{SMALL_GROUP}”; "
                f"where only one would be hidden, the next smallest shows as “{NOT_SHOWN}”.",
            },
        ]

    def values(self, session: Session, programme: Programme, now: datetime) -> dict[int, dict]:
        """Per person, about their latest pairing in the programme (a later one wins)."""
        found: dict[int, dict] = {}
        for pairing in self._pairings(session, programme):
            reason = reason_of(pairing.end_reason)
            if pairing.ended_at is None and now >= programme_end(
                pairing.paired_at, pairing.length_months
            ):
                row = {
                    self.columns[0]: REASON_WORDS[EndReason.PROGRAMME_END],
                    self.columns[1]: "no",
                }
            elif pairing.ended_at is None or reason is None:
                row = {column: "" for column in self.columns}
            else:
                row = {
                    self.columns[0]: REASON_WORDS[reason],
                    self.columns[1]: "yes"
                    if early_ending(pairing.paired_at, pairing.ended_at, pairing.end_reason)
                    else "no",
                }
            found[pairing.trainee_person_id] = row
            found[pairing.mentor_person_id] = row
        return found
