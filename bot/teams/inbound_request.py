"""Reading an activity off a POST to /api/messages, refusing what is not one with a reason.

Everything a sender controls is checked before the bot sees it, and before anything is
stored: the body must decode (Content-Encoding, UTF-8, JSON of sane depth), be an object with
a `type`, carry the objects every turn needs (conversation, sender, recipient), and its ids
must be text a database can hold. Other text (names, messages, card values) has the code
points no database can hold (lone surrogates, NUL) replaced by U+FFFD, so one odd character
never breaks a person's later messages. Activities the bot does not take (invokes other than
Teams' health check) get an answer here instead of the SDK's 501.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.web_exceptions import HTTPRequestEntityTooLarge
from aiohttp.web_protocol import RequestPayloadError
from botbuilder.schema import Activity

from store.types import holds_unstorable, storable_text

MAX_DEPTH = 64  # Teams activities nest a handful of levels; card data a few more
# The fields that identify a delivery, a conversation or a person: refused, never rewritten.
_IDS = (
    ("id",),
    ("type",),
    ("name",),
    ("replyToId",),
    ("serviceUrl",),
    ("channelId",),
    ("conversation", "id"),
    ("conversation", "tenantId"),
    ("conversation", "conversationType"),
    ("from", "id"),
    ("from", "aadObjectId"),
    ("from", "role"),
    ("recipient", "id"),
    ("channelData", "tenant", "id"),
    ("channelData", "team", "id"),
)
# The ids that go into the Bot Connector's URLs when the bot replies.
_URL_IDS = (("id",), ("replyToId",), ("conversation", "id"))
# An invoke the SDK answers itself; every other invoke is answered below.
_SDK_INVOKES = frozenset({"healthCheck"})
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"


class Refused(Exception):
    """A request answered without the bot: its HTTP status and the reason."""

    def __init__(self, status: int, reason: str, close: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.close = close

    def response(self) -> web.Response:
        response = web.json_response({"error": self.reason}, status=self.status)
        if self.close:
            response.force_close()
        return response


async def read_activity(request: web.Request, max_bytes: int) -> Activity:
    """The activity a request carries, or `Refused` (4xx) saying why it isn't one."""
    if request.content_type != "application/json":
        raise Refused(400, "expected a JSON activity (Content-Type: application/json)")
    raw = await _body(request, max_bytes)
    body = _json(raw)
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise Refused(400, "body is not an activity (an object with a 'type')")
    _check_shape(body)
    body = _storable(body)
    try:
        return Activity().deserialize(body)
    except Exception as error:
        raise Refused(400, "activity could not be read") from error


def unanswered_invoke(activity: Activity) -> web.Response | None:
    """The answer to an invoke the bot does not take, or None for every other activity."""
    if activity.type != "invoke" or activity.name in _SDK_INVOKES:
        return None
    if activity.name == ADAPTIVE_CARD_ACTION:
        # Universal Actions: the card shows the message. Our cards use Action.Submit.
        return web.json_response(
            {
                "statusCode": 400,
                "type": "application/vnd.microsoft.error",
                "value": {
                    "code": "BadRequest",
                    "message": "This button isn't one I can act on. Type help to see what I "
                    "can do.",
                },
            }
        )
    return Refused(
        400, f"this bot does not take invoke activities named {activity.name!r}"
    ).response()


async def _body(request: web.Request, max_bytes: int) -> bytes:
    try:
        return await request.read()
    except HTTPRequestEntityTooLarge as error:
        raise Refused(413, f"activity larger than {max_bytes} bytes") from error
    except RequestPayloadError as error:
        # A Content-Encoding that does not decode. The rest of the body is not read.
        request.content.feed_eof()
        encoding = request.headers.get("Content-Encoding", "")
        reason = f"body could not be decoded as its Content-Encoding ({encoding})"
        raise Refused(400, reason, close=True) from error


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _json(raw: bytes) -> Any:
    try:
        # NaN and Infinity are not JSON (Python's reader takes them unless told otherwise).
        return json.loads(raw, parse_constant=_no_constants)
    except RecursionError as error:
        raise Refused(400, "body is nested too deeply") from error
    except ValueError as error:  # bad UTF-8 or JSON, NaN, a number of thousands of digits
        raise Refused(400, "body is not valid JSON") from error


def _at(body: dict, path: tuple[str, ...]) -> Any:
    node: Any = body
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _check_shape(body: dict) -> None:
    if _depth(body) > MAX_DEPTH:
        raise Refused(400, f"activity is nested more than {MAX_DEPTH} levels deep")
    for field in ("conversation", "from", "recipient"):
        if not isinstance(body.get(field), dict):
            raise Refused(400, f"activity has no '{field}' object")
    for field in ("channelData", "conversation", "from", "recipient"):
        if body.get(field) is not None and not isinstance(body[field], dict):
            raise Refused(400, f"'{field}' must be an object")
    for field in ("entities", "attachments", "membersAdded", "membersRemoved"):
        items = body.get(field)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(item, dict) for item in items)
        ):
            raise Refused(400, f"'{field}' must be a list of objects")
    for entity in body.get("entities") or ():
        if not isinstance(entity.get("type"), str):
            raise Refused(400, "every entity needs a 'type'")
        if entity["type"].lower() == "mention" and not (
            isinstance(entity.get("mentioned"), dict)
            and isinstance(entity["mentioned"].get("id"), str)
            and isinstance(entity.get("text", ""), str)
        ):
            raise Refused(400, "a mention needs its text and whom it mentions (with an id)")
    for path in (("conversation", "id"), ("channelId",), ("serviceUrl",)):
        if not isinstance(_at(body, path), str) or not _at(body, path):
            raise Refused(400, f"activity has no '{'.'.join(path)}'")
    for path in _IDS:
        value = _at(body, path)
        if value is None:
            continue
        name = ".".join(path)
        if not isinstance(value, str):
            raise Refused(400, f"'{name}' must be text")
        if holds_unstorable(value):
            raise Refused(400, f"'{name}' contains characters that are not valid text")
        if path in _URL_IDS and value and not value.strip("."):
            # Replies go to .../conversations/{id}/activities/{id}: "." or ".." is no id.
            raise Refused(400, f"'{name}' is not an id")


def _depth(node: Any) -> int:
    """How deeply `node` nests (iteratively: a hostile body must not exhaust the stack)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(current, dict):
            stack += [(child, level + 1) for child in current.values()]
        elif isinstance(current, list):
            stack += [(child, level + 1) for child in current]
    return deepest


def _storable(node: Any) -> Any:
    """`node` with every text (keys too) made storable."""
    if isinstance(node, str):
        return storable_text(node)
    if isinstance(node, dict):
        return {storable_text(str(k)): _storable(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_storable(item) for item in node]
    return node
