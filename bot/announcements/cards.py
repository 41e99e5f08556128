"""The announcement's cards: what each person (and each channel) gets, the coordinators' form
and the preview they approve."""

from __future__ import annotations

from adaptive_cards import render_card
from domain.announcements import AudienceKind
from domain.local_time import format_closing_date
from store.announcements import Announcement, AnnouncementAudience
from store.models import ConversationRef, Programme

AUDIENCE_TITLES = {AudienceKind.CHANNEL.value: "Channel", AudienceKind.GROUP.value: "Staff group"}


def heading(programme: Programme) -> str:
    return f"{programme.name}: applications are open"


def announcement_card(announcement: Announcement, programme: Programme, tz: str) -> dict:
    """The card a person (or a channel) gets, with the closing date in the reader's zone."""
    return render_card(
        "announcement",
        {
            "heading": heading(programme),
            "has_image": bool(announcement.image_url),
            "image_url": announcement.image_url or "",
            "image_alt": programme.name,
            "text": announcement.text,
            "closing_line": "Applications close on "
            f"{format_closing_date(programme.window_closes_at, tz)}.",
            "announcement_id": announcement.id,
        },
    )


def channel_name(ref: ConversationRef) -> str:
    """A channel as a coordinator knows it. Teams names a channel in few activities; a team's
    General channel has the team's own id."""
    conversation = ref.reference.get("conversation") or {}
    if conversation.get("name"):
        return conversation["name"]
    if ref.team_id and ref.conversation_id == ref.team_id:
        return "General"
    return f"Channel {ref.conversation_id[-12:]}"


def audience_line(audience: AnnouncementAudience) -> dict:
    value = audience.name
    if audience.kind == AudienceKind.GROUP.value and audience.organisation:
        value = f"{audience.organisation} ({audience.target})"
    return {"title": AUDIENCE_TITLES[audience.kind], "value": value}


def form_card(
    programme: Programme,
    *,
    text: str,
    image_url: str = "",
    channels: list[ConversationRef],
    chosen: list[str] = (),
    groups: str = "",
    graph: bool,
    again_of: int | None = None,
) -> dict:
    intro = (
        "Everyone in the groups you choose gets it in a personal chat, in their working hours, "
        "with Apply, Tell me more and Not for me; each channel gets one post with the same "
        "buttons. You see a preview first, and another coordinator approves it before it goes "
        "(or you confirm it, if you are the programme's only coordinator)."
    )
    return render_card(
        "announcement_form",
        {
            "heading": f"Announce {programme.name}",
            "intro": intro,
            "text": text,
            "image_url": image_url,
            "has_channels": bool(channels),
            "no_channels": not channels,
            "channels_chosen": ",".join(chosen),
            "channel_choices": [
                {"title": channel_name(ref), "value": ref.conversation_id} for ref in channels
            ],
            "graph": graph,
            "no_graph": not graph,
            "groups": groups,
            "programme_id": programme.id,
            "again_of": again_of or "",
        },
    )


def preview_card(
    announcement: Announcement,
    programme: Programme,
    audiences: list[AnnouncementAudience],
    *,
    status_line: str,
    send_title: str | None,
) -> dict:
    """The preview in the channel; `send_title` None: nothing left to press."""
    return render_card(
        "announcement_preview",
        {
            "heading": f"Preview: announcement of {programme.name}",
            "status_line": status_line,
            "card_heading": heading(programme),
            "has_image": bool(announcement.image_url),
            "image_url": announcement.image_url or "",
            "image_alt": programme.name,
            "text": announcement.text,
            "audiences": [audience_line(audience) for audience in audiences],
            "can_send": send_title is not None,
            "send_title": send_title or "",
            "announcement_id": announcement.id,
        },
    )
