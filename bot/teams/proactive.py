"""Sending one proactive message, and what the Bot Connector's answer means for it.

`send_activity` continues a stored conversation (`adapter.continue_conversation`) and sends one
activity. It never raises for a delivery problem: it returns a `SendOutcome` that says whether
the message went, should be tried again (and when, if the connector said), failed for good, or
cannot reach its recipient at all. Retrying is not done here: the dispatcher records the
outcome on the outbox row, so retries are persistent and survive restarts.

Classification (Teams' documented answers to `POST /v3/conversations/{id}/activities`):
- 429 → retry after `Retry-After` (else backoff);
- 408, 412, 5xx and network errors → retry with backoff;
- 403 ConversationBlockedByUser, BotNotInConversationRoster, BotDisabledByAdmin,
  BotDisabledByUser, (sub)code MessageWritesBlocked, and 404 ConversationNotFound →
  the recipient is unreachable, no retry;
- any other 4xx → failed, no retry.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from botbuilder.core import BotAdapter, CardFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ConversationReference

log = logging.getLogger(__name__)

UNREACHABLE_CODES = frozenset(
    {
        "ConversationBlockedByUser",
        "BotNotInConversationRoster",
        "BotDisabledByAdmin",
        "BotDisabledByUser",
        "MessageWritesBlocked",
        "ConversationNotFound",
    }
)
RETRY_STATUSES = frozenset({408, 412, 429})


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class SendOutcome:
    outcome: Outcome
    activity_id: str | None = None
    status: int | None = None
    code: str | None = None
    retry_after: timedelta | None = None
    # A short technical description for the outbox row and logs (never the message text).
    error: str | None = None


def message_payload(
    text: str | None = None, *, cards: Sequence[dict] = (), summary: str | None = None
) -> dict:
    """The outbox payload of a message: a serialised activity with text and/or Adaptive Cards."""
    if not text and not cards:
        raise ValueError("a message needs text or at least one card")
    activity = Activity(
        type=ActivityTypes.message,
        text=text,
        summary=summary,
        attachments=[CardFactory.adaptive_card(card) for card in cards] or None,
    )
    return activity.serialize()


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After` as delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return timedelta(seconds=max(1.0, seconds))


# --- classifying connector errors --------------------------------------------------------------


def _status_of(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    for holder in (response, error):
        status = getattr(holder, "status_code", None) or getattr(holder, "status", None)
        if isinstance(status, int):
            return status
    return None


def _headers_of(error: BaseException) -> Any:
    return getattr(getattr(error, "response", None), "headers", None) or {}


def _codes_of(error: BaseException) -> list[str]:
    """Error code and sub-codes: from the SDK's deserialised ErrorResponse and the raw body."""
    codes: list[str] = []
    detail = getattr(getattr(error, "error", None), "error", None)
    if isinstance(getattr(detail, "code", None), str):
        codes.append(detail.code)
    body: Any = None
    text = getattr(getattr(error, "response", None), "text", None)
    if isinstance(text, str) and text:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        for name in ("code", "subCode", "subcode"):
            if isinstance(inner.get(name), str):
                codes.append(inner[name])
        nested = inner.get("innerError") or inner.get("innererror")
        if isinstance(nested, dict) and isinstance(nested.get("code"), str):
            codes.append(nested["code"])
    return list(dict.fromkeys(codes))


def _is_network_error(error: BaseException) -> bool:
    if isinstance(error, OSError | asyncio.TimeoutError | TimeoutError):
        return True
    names = {cls.__name__ for cls in type(error).__mro__}
    # msrest (ClientRequestError), requests and aiohttp (ClientError) wrap transport failures.
    return bool(names & {"ClientRequestError", "ConnectionError", "ClientError", "Timeout"})


def classify_error(error: BaseException, now: datetime) -> SendOutcome:
    status = _status_of(error)
    codes = _codes_of(error)
    code = codes[0] if codes else None
    label = f"{status or type(error).__name__}{f' {code}' if code else ''}"
    if status is None:
        if _is_network_error(error):
            return SendOutcome(Outcome.RETRY, error=f"network: {type(error).__name__}")
        # Unknown failures (e.g. token acquisition) are retried; max attempts bounds them.
        return SendOutcome(Outcome.RETRY, error=f"unexpected: {type(error).__name__}")
    if status == 429:
        retry_after = parse_retry_after(_headers_of(error).get("Retry-After"), now)
        return SendOutcome(
            Outcome.RETRY, status=status, code=code, retry_after=retry_after, error=label
        )
    if status in RETRY_STATUSES or status >= 500:
        return SendOutcome(Outcome.RETRY, status=status, code=code, error=label)
    if status in (403, 404) and UNREACHABLE_CODES.intersection(codes):
        return SendOutcome(Outcome.UNREACHABLE, status=status, code=code, error=label)
    return SendOutcome(Outcome.FAILED, status=status, code=code, error=label)


# --- sending ----------------------------------------------------------------------------------


async def send_activity(
    adapter: BotAdapter, bot_app_id: str, reference: dict, payload: dict, now: datetime
) -> SendOutcome:
    """Send the activity `payload` into the conversation of the stored `reference`.

    The send happens inside our own callback, which keeps the exception to itself: letting it
    escape would hand it to the adapter's `on_turn_error`, which would try to apologise to the
    very conversation that just refused us.
    """
    activity = Activity().deserialize(payload)
    sent: list[str | None] = []
    failures: list[BaseException] = []

    async def callback(turn_context: TurnContext) -> None:
        # The continuation activity carries a made-up id; left there it would turn the message
        # into a reply to a message that does not exist (a thread reply in a channel).
        turn_context.activity.id = None
        try:
            response = await turn_context.send_activity(activity)
        except Exception as error:  # classified below
            failures.append(error)
            return
        sent.append(response.id if response else None)

    try:
        await adapter.continue_conversation(
            ConversationReference().deserialize(reference), callback, bot_app_id or None
        )
    except Exception as error:  # building the connector or token failed before the send
        failures.append(error)
    if failures:
        outcome = classify_error(failures[0], now)
        log.info(
            "proactive send refused outcome=%s status=%s code=%s",
            outcome.outcome,
            outcome.status,
            outcome.code,
        )
        return outcome
    if not sent:
        return SendOutcome(Outcome.RETRY, error="the adapter did not run the send")
    return SendOutcome(Outcome.SENT, activity_id=sent[0])
