"""A dialog that asks one section of a form as an Adaptive Card and re-asks until it is valid."""

from __future__ import annotations

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult
from botbuilder.schema import ActivityTypes

from adaptive_cards.application_cards import form_section_card
from bot.teams.activities import card_message
from dialogs.form_drafts import FormDrafts
from domain.application_form import section, validate

STOP_WORDS = {"stop", "cancel", "later", "quit", "exit", "finish later"}


class FormPrompt(Dialog):
    """Options: section id, prefilled values, step numbers, programme kind, button title.

    Ends with {"section": id, "values": {...}} (or "skipped": True for an optional section
    the person skipped), or {"stopped": True} when the person says stop.
    """

    def __init__(self, dialog_id: str = "form", drafts: FormDrafts | None = None) -> None:
        super().__init__(dialog_id)
        self.drafts = drafts

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        state = dc.active_dialog.state
        state["options"] = dict(options or {})
        values = state["options"].get("values") or {}
        sec = section(state["options"]["section"])
        draft = self.drafts.load(dc.context.activity, sec) if self.drafts else {}
        if not draft:
            await self._ask(dc, values, {})
            return Dialog.end_of_turn
        # What they typed last time, with why it needs another look.
        values = {**values, **draft}
        kind = state["options"].get("programme_kind", "mentoring")
        await self._ask(dc, values, validate(sec, values, kind).errors)
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        activity = dc.context.activity
        if activity.type != ActivityTypes.message:
            return Dialog.end_of_turn
        options = dc.active_dialog.state["options"]
        sec = section(options["section"])
        value = activity.value if isinstance(activity.value, dict) else None
        if value is not None and value.get("form") == sec.id:
            if value.get("skip") and sec.optional:
                if self.drafts:
                    self.drafts.clear(activity, sec)
                return await dc.end_dialog({"section": sec.id, "values": {}, "skipped": True})
            checked = validate(sec, value, options.get("programme_kind", "mentoring"))
            if checked.ok:
                if self.drafts:
                    self.drafts.clear(activity, sec)
                return await dc.end_dialog({"section": sec.id, "values": checked.values})
            if self.drafts:
                self.drafts.save(activity, sec, value)
            await dc.context.send_activity(
                "Thanks — a few answers need another look. I've marked them on the form."
            )
            await self._ask(dc, value, checked.errors)
            return Dialog.end_of_turn
        if value is not None and "form" in value:
            await dc.context.send_activity(
                "That form is from an earlier step. Here is where we are now:"
            )
            await self._ask(dc, options.get("values") or {}, {})
            return Dialog.end_of_turn
        said = (activity.text or "").strip().lower()
        if said in STOP_WORDS:
            return await dc.end_dialog({"stopped": True})
        await dc.context.send_activity(
            "Please fill in the form above and press its button. Type **stop** to finish later "
            "— your answers so far are saved."
        )
        return Dialog.end_of_turn

    async def resume_dialog(self, dc: DialogContext, reason, result) -> DialogTurnResult:
        return Dialog.end_of_turn

    async def _ask(self, dc: DialogContext, values: dict, errors: dict) -> None:
        options = dc.active_dialog.state["options"]
        card = form_section_card(
            section(options["section"]),
            values=values,
            errors=errors,
            step=options.get("step", 1),
            steps=options.get("steps", 1),
            programme_kind=options.get("programme_kind", "mentoring"),
            next_title=options.get("next_title", "Next"),
        )
        await dc.context.send_activity(card_message(card))
