"""What someone typed into a form step that did not pass its checks, kept until the step is
saved: leaving and coming back (`apply` again, a restart) shows it again instead of a blank
step. Kept with the conversation's dialog state (and erased with it)."""

from __future__ import annotations

from botbuilder.schema import Activity

from bot.context import AppContext
from domain.application_form import Section
from store.dialog_state import delete_records, read_records, write_record


def _key(activity: Activity, section_id: str) -> str | None:
    conversation = activity.conversation.id if activity.conversation else None
    return f"form-draft/{conversation}/{section_id}" if conversation else None


class FormDrafts:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def save(self, activity: Activity, section: Section, typed: dict) -> None:
        """Keep the section's answers as typed (nothing else the card sent)."""
        key = _key(activity, section.id)
        if key is None:
            return
        values = {q.id: typed[q.id] for q in section.questions if typed.get(q.id) is not None}
        with self.ctx.session() as session:
            write_record(session, key, values, self.ctx.clock.now(), None)

    def load(self, activity: Activity, section: Section) -> dict:
        key = _key(activity, section.id)
        if key is None:
            return {}
        with self.ctx.session() as session:
            record = read_records(session, [key]).get(key)
            return dict(record.data) if record is not None else {}

    def clear(self, activity: Activity, section: Section) -> None:
        key = _key(activity, section.id)
        if key is not None:
            with self.ctx.session() as session:
                delete_records(session, [key])
