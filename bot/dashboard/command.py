"""The `dashboard` command: a coordinator (or the champion) gets a link to the dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from adaptive_cards import render_card
from bot.dashboard.data import may_see_dashboard
from bot.dashboard.links import DashboardLinks
from domain.local_time import format_local_datetime
from store.people import get_person
from store.programmes import current_programme

if TYPE_CHECKING:
    from bot.context import AppContext

NOT_FOR_YOU = (
    "Sorry, only programme coordinators can do that. If you think you should be one, please "
    "ask your programme coordinator."
)


def dashboard_reply(ctx: AppContext, aad_object_id: str | None, now: datetime) -> str | dict:
    """The reply to `dashboard`: a card with a short-lived link made for the sender, or why
    there is none."""
    with ctx.session() as session:
        if not aad_object_id or not may_see_dashboard(ctx.roles(session, aad_object_id)):
            return NOT_FOR_YOU
        programme = current_programme(session, now)
        if programme is None:
            return "There is no programme yet, so there is no dashboard to show."
        person = get_person(session, aad_object_id)
        tz = (person.time_zone if person else None) or ctx.settings.default_time_zone
        name = programme.name
    link = DashboardLinks(ctx.settings).make(aad_object_id, now)
    note = (
        "In Teams the dashboard can also be a tab in the coordinator channel: + at the top of "
        "the channel, then Step Forward."
        if ctx.settings.public_host
        else "Once the app is set up with its public address, the dashboard can also be a tab "
        "in the coordinator channel."
    )
    return render_card(
        "dashboard_link",
        {
            "title": f"Programme dashboard: {name}",
            "text": "The application funnel, pairs by programme month, open escalations, "
            "surveys and equality figures, on one page. The link works until "
            f"{format_local_datetime(link.expires_at, tz)} for whoever has it and shows what "
            "you may see, so share it only with the coordinators.",
            "note": note,
            "url": link.url,
        },
    )
