"""Microsoft Graph, app-only: the transport (client), what can go wrong (errors), and one module
per area: directory, calendar, meetings, teamwork. Every call returns its result or a
`GraphError`; none raises."""

from bot.graph.client import GraphClient, GraphResponse
from bot.graph.directory import Manager
from bot.graph.errors import GraphError, GraphErrorKind

__all__ = ["GraphClient", "GraphError", "GraphErrorKind", "GraphResponse", "Manager"]
