"""What can go wrong with a Microsoft Graph call, as a value a feature turns into a fallback.

Every Graph function returns its result or a `GraphError`; none raises. A feature decides what
each kind means for its reader (e.g. "we could not reach your calendar, here is a link instead")
and logs the error's `log_fields()` next to its own ids. Nothing in an error names a person:
no names, email addresses, tokens or request bodies, only Graph's status, error code and
request id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GraphErrorKind(StrEnum):
    NOT_CONFIGURED = "not_configured"  # no Graph app registration (or no Teams app id) set
    UNAUTHORISED = "unauthorised"  # 401, or the token service refused the app's credentials
    FORBIDDEN = "forbidden"  # 403: an application permission or access policy is missing
    NOT_FOUND = "not_found"  # 404: no such user, mailbox, event, meeting or manager
    REJECTED = "rejected"  # any other 4xx: the request itself was refused (e.g. 400, 409)
    THROTTLED = "throttled"  # 429 after the retries allowed (retry_after says how long)
    UNAVAILABLE = "unavailable"  # 5xx, timeout, network failure or an unreadable answer


@dataclass(frozen=True)
class GraphError:
    kind: GraphErrorKind
    operation: str  # what was attempted, e.g. "calendar.create_event"
    status: int | None = None  # the HTTP status, when there was an answer
    code: str | None = None  # Graph's error code, e.g. "ErrorItemNotFound"
    retry_after: float | None = None  # seconds Graph asked us to wait (429/503)
    request_id: str | None = None  # Graph's request-id header, for Microsoft support
    detail: str | None = None  # e.g. "timeout" or the exception's type name; never a message
    # Whether Graph may have acted on the request although we saw no success (a timeout or a
    # 5xx after the request was sent): a retry of a non-idempotent call could then repeat it.
    maybe_acted: bool = False

    def log_fields(self) -> str:
        """`key=value` pairs for a log line (ids and codes only)."""
        fields = {
            "op": self.operation,
            "kind": self.kind.value,
            "status": self.status,
            "code": self.code,
            "retry_after": self.retry_after,
            "request_id": self.request_id,
            "detail": self.detail,
        }
        return " ".join(f"{key}={value}" for key, value in fields.items() if value is not None)

    def __str__(self) -> str:
        return self.log_fields()
