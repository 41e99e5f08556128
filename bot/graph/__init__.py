"""Microsoft Graph, app-only."""

from bot.graph.client import GraphClient, Manager

__all__ = ["GraphClient", "Manager"]
