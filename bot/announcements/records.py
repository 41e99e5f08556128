"""What the announcements hold about a person, for `my data`."""

from __future__ import annotations

from sqlmodel import Session

from domain.announcements import UNREACHED_WORDS, Delivery, Unreached
from domain.local_time import format_local_date
from store.announcements import held_about
from store.models import Person

DELIVERY_WORDS = {
    Delivery.WAITING.value: "not sent yet",
    Delivery.INSTALLING.value: "not sent yet (waiting for our chat to open)",
    Delivery.QUEUED.value: "waiting for your working hours",
    Delivery.DELIVERED.value: "delivered",
}


def data_lines(session: Session, person: Person, tz: str) -> list[str]:
    sent, refused = held_about(session, person.aad_object_id)
    if not sent and not refused:
        return []
    lines = ["", "**Programme announcements**"]
    for row, programme in sent:
        state = DELIVERY_WORDS.get(row.delivery)
        if row.delivery == Delivery.NOT_REACHED.value:
            why = UNREACHED_WORDS.get(Unreached(row.unreached or Unreached.FAILED.value), "")
            state = f"not delivered ({why.replace('them', 'you').replace('their', 'your')})"
        parts = [f"from {format_local_date(row.created_at, tz)}", state or row.delivery]
        if row.organisation:
            parts.append(f"as staff of {row.organisation}")
        if row.pressed_apply_at:
            parts.append(f"you pressed Apply on {format_local_date(row.pressed_apply_at, tz)}")
        lines.append(f"- {programme.name}: " + "; ".join(parts))
    for opt_out, programme in refused:
        lines.append(
            f"- {programme.name}: you said “not for me” on {format_local_date(opt_out.at, tz)}, "
            "so I send you nothing more about it"
        )
    return lines
