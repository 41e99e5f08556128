"""The dashboard outside Teams: a short-lived link, signed by the bot, for one coordinator.

The link carries a token (a JWT signed with HS256 by PyJWT) naming the person it was made for
and when it stops working; it is in the URL's fragment, so it never reaches a server log or
a Referer header. Whoever opens it sees what that person may see, checked again on every
request against their roles at that moment; once expired it opens nothing.

The signing key is `STEPFORWARD_DASHBOARD_LINK_SECRET`; without it, one derived from the
bot's client secret (the same on every instance); without that either (a laptop demo), a
random key for this process, so links stop working when it restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, cached_property

import jwt

from bot.settings import Settings

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "stepforward"
AUDIENCE = "stepforward:dashboard"


@dataclass(frozen=True)
class DashboardLink:
    url: str
    expires_at: datetime


class LinkRefused(Exception):
    """The link opens nothing; the message says why, for the person holding it."""


@cache
def _process_key() -> bytes:
    log.info("dashboard links are signed with a key of this process only")
    return secrets.token_bytes(32)


class DashboardLinks:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def _key(self) -> bytes:
        secret = (
            self.settings.dashboard_link_secret.get_secret_value()
            or self.settings.app_password.get_secret_value()
        )
        if secret:
            # 32 bytes whatever the secret's length, and never the client secret itself.
            return hmac.new(secret.encode("utf-8"), b"dashboard links", hashlib.sha256).digest()
        return _process_key()

    def make(self, aad_object_id: str, now: datetime) -> DashboardLink:
        expires = now + timedelta(minutes=self.settings.dashboard_link_minutes)
        token = jwt.encode(
            {
                "iss": ISSUER,
                "aud": AUDIENCE,
                "sub": aad_object_id,
                "iat": int(now.timestamp()),
                "exp": int(expires.timestamp()),
            },
            self._key,
            algorithm=ALGORITHM,
        )
        base = self.settings.public_url.rstrip("/")
        return DashboardLink(f"{base}/dashboard/#link={token}", expires)

    def holder(self, token: str, now: datetime) -> str:
        """The AAD object id the link was made for, or LinkRefused."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                # Expiry against the bot's own clock (below), as the link was made with it.
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            log.info("dashboard link refused: %s", type(error).__name__)
            raise LinkRefused(
                "This dashboard link is not valid. Ask for a new one with **dashboard** in the "
                "coordinator channel."
            ) from error
        if claims["exp"] <= now.timestamp():
            raise LinkRefused(
                "This dashboard link has expired. Ask for a new one with **dashboard** in the "
                "coordinator channel."
            )
        return claims["sub"]
