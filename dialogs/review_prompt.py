"""Shows the applicant's answers on one card and waits for submit, edit or withdraw."""

from __future__ import annotations

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult
from botbuilder.schema import ActivityTypes

from adaptive_cards.application_cards import summary_card
from bot.teams.activities import card_message
from dialogs.form_prompt import STOP_WORDS


class ReviewPrompt(Dialog):
    """Options: the summary card's data. Ends with {"section": "review", "choice": ...}."""

    def __init__(self, dialog_id: str = "review") -> None:
        super().__init__(dialog_id)

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        dc.active_dialog.state["card"] = dict(options or {})
        await dc.context.send_activity(card_message(summary_card(**options)))
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        activity = dc.context.activity
        if activity.type != ActivityTypes.message:
            return Dialog.end_of_turn
        value = activity.value if isinstance(activity.value, dict) else None
        if value is not None and value.get("form") == "review" and value.get("choice"):
            return await dc.end_dialog({"section": "review", "choice": str(value["choice"])})
        if (activity.text or "").strip().lower() in STOP_WORDS:
            return await dc.end_dialog({"stopped": True})
        if value is not None:
            await dc.context.send_activity(
                "That card is from an earlier step. Here is your summary:"
            )
            await dc.context.send_activity(
                card_message(summary_card(**dc.active_dialog.state["card"]))
            )
            return Dialog.end_of_turn
        await dc.context.send_activity(
            "Please use the buttons on your summary to submit or change an answer."
        )
        return Dialog.end_of_turn
