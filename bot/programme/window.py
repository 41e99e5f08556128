"""The application window: `window open <date>`, `window close`, `window extend <date>`."""

from __future__ import annotations

from datetime import datetime

from bot.context import AppContext
from domain.local_time import end_of_local_day, format_closing_date, parse_date
from store.people import get_person
from store.programmes import current_programme


def change_window(ctx: AppContext, argument: str, now: datetime, actor_aad: str | None) -> str:
    """`window open <date>`, `window close`, `window extend <date>`: the reply says what changed."""
    parts = argument.split(maxsplit=1)
    verb = parts[0] if parts else ""
    rest = parts[1] if len(parts) > 1 else ""
    with ctx.session() as session:
        programme = current_programme(session, now)
        if programme is None:
            return "There is no programme yet."
        tz = _actor_tz(ctx, session, actor_aad)
        if verb == "close":
            if programme.window_closes_at <= now:
                return f"Applications for {programme.name} are already closed."
            programme.window_closes_at = now
            session.add(programme)
            return f"Applications for {programme.name} are now closed."
        if verb in ("open", "extend"):
            day = parse_date(rest) if rest else None
            if day is None:
                return (
                    f"Please give a date, e.g. **window {verb} 2027-01-31** (or 31 January 2027)."
                )
            closes = end_of_local_day(day, tz)
            if closes <= now:
                return "That date has already passed; please give a date in the future."
            if verb == "open":
                programme.window_opens_at = min(programme.window_opens_at, now)
                if programme.window_opens_at > now or programme.window_closes_at <= now:
                    programme.window_opens_at = now
            programme.window_closes_at = closes
            session.add(programme)
            return (
                f"Applications for {programme.name} are open until "
                f"{format_closing_date(closes, tz)}."
            )
    return "Please say **window open <date>**, **window close** or **window extend <date>**."


def _actor_tz(ctx: AppContext, session, aad: str | None) -> str:
    person = get_person(session, aad) if aad else None
    return (person.time_zone if person else None) or ctx.settings.default_time_zone
