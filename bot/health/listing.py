"""The coordinators' `health` command: red pairs, then amber ones, with what changed."""

from __future__ import annotations

from datetime import datetime

from bot.context import AppContext
from domain.health import Colour, health_words, what_changed
from domain.local_time import format_local_date
from store.health import health_of
from store.pairings import active_pairings, pair_people
from store.programmes import current_programme


def health_listing(ctx: AppContext, now: datetime) -> str:
    tz = ctx.settings.default_time_zone
    with ctx.session() as session:
        programme = current_programme(session, now)
        pairings = active_pairings(session, programme.id if programme else None)
        if not pairings:
            return "No active pairs yet. Use **suggest pairs** to start."
        stored = health_of(session, (pairing.id for pairing in pairings))
        if not stored:
            return (
                f"{len(pairings)} active pairs; their health is worked out by the next sweep "
                "(within a minute or two). Ask again then."
            )
        lines: dict[Colour, list[str]] = {Colour.RED: [], Colour.AMBER: []}
        green = 0
        for pairing in pairings:
            row = stored.get(pairing.id)
            if row is None:
                continue
            if row.colour == Colour.GREEN.value:
                green += 1
                continue
            trainee, mentor = pair_people(session, pairing)
            lines[Colour(row.colour)].append(
                f"- **{trainee.display_name} ↔ {mentor.display_name}**: "
                f"{health_words(row.colour, row.reasons)} · {row.colour} since "
                f"{format_local_date(row.since, tz)} · changed "
                f"{format_local_date(row.changed_at, tz)}: "
                + what_changed(row.previous_colour, row.previous_reasons, row.colour, row.reasons)
            )
    unknown = len(pairings) - len(stored)
    summary = f"**Pair health**: {len(lines[Colour.RED])} red, {len(lines[Colour.AMBER])} amber, "
    summary += f"{green} green"
    summary += f", {unknown} not worked out yet" if unknown else ""
    summary += f" (of {len(pairings)} active pairs)."
    if not lines[Colour.RED] and not lines[Colour.AMBER]:
        return summary + "\n\nNo pair needs attention."
    return "\n".join([summary, "", *lines[Colour.RED], *lines[Colour.AMBER]])
