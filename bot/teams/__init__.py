"""Everything that speaks the Bot Framework protocol: the adapter and its authentication, kept
connector clients, proactive sends and what Teams' answers mean, dialog storage, reading an
incoming activity, and the `Turn` the features answer through.

Only this package and `dialogs/` import the Bot Framework SDK (botbuilder, botframework).
"""

from bot.teams.activities import Sender
from bot.teams.messenger import TeamsMessenger
from bot.teams.proactive import Outcome, SendOutcome, message_payload
from bot.teams.turn import Reply, Turn

__all__ = [
    "Outcome",
    "Reply",
    "SendOutcome",
    "Sender",
    "TeamsMessenger",
    "Turn",
    "message_payload",
]
