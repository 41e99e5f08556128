"""The coordinators' weekly digest of pair health: on Monday morning in the coordinators' zone,
one post in the coordinator channel with the pairs newly red, the pairs back to green and the
share of green pairs (`domain.health.weekly_digest`). Its outbox key names the ISO week, so it
is posted once a week whatever the number of sweeps, instances or restarts."""

from __future__ import annotations

from datetime import datetime

from bot.context import AppContext
from bot.outbox.planned import PlannedMessage
from bot.teams import message_payload
from domain.health import PairColour, digest_week, weekly_digest
from domain.keys import health_digest_key
from store.health import health_of
from store.outbox import by_key
from store.pairings import active_pairings, pair_people
from store.programmes import current_programme

KIND = "health_digest"


def plan_health_digest(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    week = digest_week(now, ctx.settings.default_time_zone, ctx.settings.workday_start)
    if week is None:
        return []
    with ctx.session() as session:
        programme = current_programme(session, now)
        if programme is None or not programme.coordinator_conversation_id:
            return []
        key = health_digest_key(programme.id, week)
        if by_key(session, key) is not None:
            return []
        pairings = active_pairings(session, programme.id)
        stored = health_of(session, (pairing.id for pairing in pairings))
        if not stored:  # no pair yet, or none worked out yet: the next sweep looks again
            return []
        pairs = []
        for pairing in pairings:
            row = stored.get(pairing.id)
            if row is None:
                continue
            trainee, mentor = pair_people(session, pairing)
            pairs.append(
                PairColour(
                    f"{trainee.display_name} ↔ {mentor.display_name}",
                    row.colour,
                    tuple(row.reasons),
                    row.since,
                    row.previous_colour,
                    row.changed_at,
                )
            )
        channel = programme.coordinator_conversation_id
    return [
        PlannedMessage(
            channel,
            KIND,
            key,
            payload=message_payload(weekly_digest(pairs, len(pairings), now)),
            routine=False,
            to_channel=True,
            working_hours=False,
        )
    ]
