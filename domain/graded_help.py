"""Graded help: what the bot does as a pair's health (`domain.health`) gets worse.

- **Amber**: each of the pair gets one re-engagement message, worded for their role, saying
  kindly what was noticed and offering one tap to book a session, ask the coordinators for
  help or pause. It goes when the pair *turns* amber from green (or is first worked out as
  amber), to people neither paused nor marked not responding, and at most once per pair in
  any `HealthSettings.re_engage_every_days` (30): a pair that flips amber, green, amber
  within that time is not messaged again. A pair coming down from red is not messaged: the
  coordinators are on it.
- **Red**: the coordinators get a "pair at risk" escalation with the health reasons as its
  evidence, one open per pair, through the escalation engine. It is not raised while the pair
  has any other escalation open (the coordinators are already looking at the pair); once that
  one is resolved and the pair is still red, it is, unless every red reason is one the
  coordinators have resolved an escalation about since the pair turned red (a pair red only
  because someone asked for help at a check-in, whose "asked for help" escalation was just
  resolved, is not raised again for it). After a coordinator resolves a "pair at risk" it is
  raised again only when the pair turns red again after having been amber or green since the
  resolution: red for the same spell is what they just dealt with.

What the reader is told names only what concerns them or the pair as a whole: never what the
other person said or did not do (no blame, nothing private of theirs).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from domain.escalations import Cause
from domain.health import Colour, Concern, Topic
from domain.wording import joined
from domain.working_hours import to_utc


def re_engagement_due(
    colour: str,
    previous_colour: str | None,
    last_offered_at: datetime | None,
    turned_at: datetime,
    every_days: int,
) -> bool:
    """Whether the pair's turn to amber at `turned_at` (from `previous_colour`) earns a
    re-engagement, given when the pair was last offered one."""
    if colour != Colour.AMBER or previous_colour not in (None, Colour.GREEN):
        return False
    if last_offered_at is None:
        return True
    return to_utc(turned_at) - to_utc(last_offered_at) >= timedelta(days=every_days)


# The escalation causes through which the coordinators deal with a red concern's topic.
DEALT_WITH_BY: dict[Topic, frozenset[Cause]] = {
    Topic.NO_SESSION: frozenset({Cause.NO_RECENT_SESSION}),
    Topic.NO_FIRST_SESSION: frozenset({Cause.NO_RECENT_SESSION}),
    Topic.MISSED_MONTHS: frozenset({Cause.MISSED_MONTHS}),
    Topic.NEEDS_HELP: frozenset({Cause.NEEDS_HELP}),
    Topic.UNANSWERED: frozenset({Cause.NOT_RESPONDING}),
    Topic.SILENT: frozenset({Cause.NOT_RESPONDING}),
}


def at_risk_due(
    colour: str,
    red_since: datetime,
    red_topics: Iterable[Topic],
    open_escalations: int,
    resolved: Iterable[tuple[str, datetime]],
) -> bool:
    """Whether to raise "pair at risk" now: red (since `red_since`, for `red_topics`), no
    escalation open on the pair, no "pair at risk" resolved during this red spell, and some
    red concern not dealt with by an escalation resolved during it (`resolved`: the pair's
    resolved escalations as (cause, resolved at))."""
    if colour != Colour.RED or open_escalations:
        return False
    since = to_utc(red_since)
    dealt_with = {cause for cause, at in resolved if to_utc(at) >= since}
    if Cause.PAIR_AT_RISK in dealt_with:
        return False
    return any(not (DEALT_WITH_BY.get(topic, frozenset()) & dealt_with) for topic in red_topics)


def at_risk_evidence(reasons: Iterable[str]) -> str:
    """“The pair's health turned red: 0 of 2 sessions held; no session in months 1 and 2”."""
    return "The pair's health turned red: " + "; ".join(reasons)


# --- the re-engagement message, for one reader -------------------------------------------------

_FOR_BOTH = {
    Topic.NO_FIRST_SESSION: "you haven't had your first session yet",
    Topic.NO_SESSION: "it's been a while since your last session",
    Topic.MISSED_MONTHS: "a programme month has gone by without a session",
    Topic.DISPUTED: "you two remember one of your sessions differently",
}
_FOR_ME = {
    Topic.NOT_SMOOTH: "you said at your last check-in that it isn't really running smoothly",
    Topic.UNANSWERED: "a few of my questions to you are still waiting for an answer",
    Topic.SILENT: "I haven't heard from you for a little while",
}


def noticed_for(concerns: Iterable[Concern], role: str) -> list[str]:
    """What was noticed, for the `role` reading it: the pair's facts and their own, each
    once; nothing about the other person."""
    said: list[str] = []
    concerns = list(concerns)
    if any(concern.topic == Topic.NO_FIRST_SESSION for concern in concerns):
        # "No first session yet" already says that the months went by without one.
        concerns = [concern for concern in concerns if concern.topic != Topic.MISSED_MONTHS]
    for concern in concerns:
        if concern.role is None:
            words = _FOR_BOTH.get(concern.topic)
        elif concern.role == role:
            words = _FOR_ME.get(concern.topic)
        else:
            words = None
        if words and words not in said:
            said.append(words)
    return said


def re_engagement_text(role: str, partner_name: str, noticed: list[str]) -> str:
    """The message's words for a trainee or a mentor."""
    partner = f"your {'mentee' if role == 'mentor' else 'mentor'}, {partner_name}"
    if noticed:
        seen = f"I noticed that {joined(noticed)}."
    else:
        seen = "Things have gone a little quiet in your mentoring."
    if role == "mentor":
        offer = (
            f"That happens, and a session with {partner}, is the easiest way to get going "
            "again. Your mentee may be waiting for you to suggest a time."
        )
    else:
        offer = (
            f"That happens, and a session with {partner}, is the easiest way to get going "
            "again. It's fine to be the one who suggests a time."
        )
    return (
        f"{seen} {offer} Tap **Book a session** to see times you're both free, **Ask for "
        "help** to reach the programme coordinators privately, or **Pause** if you're away "
        "for a while."
    )
