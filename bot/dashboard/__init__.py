"""The coordinators' dashboard: the programme at a glance, as a Teams tab or behind a link.

`routes(ctx)` are its HTTP routes (the page, its static files, its data); `dashboard_reply`
answers the `dashboard` command with a short-lived link to the same page.
"""

from bot.dashboard.command import dashboard_reply
from bot.dashboard.web import routes

__all__ = ["dashboard_reply", "routes"]
