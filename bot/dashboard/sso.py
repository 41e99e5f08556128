"""Teams tab single sign-on: the token `authentication.getAuthToken()` gives the page, checked.

PyJWT does the checking: the signature against the keys Microsoft Entra publishes (a JWKS
URL, cached, refreshed when a token names a key it has not seen), the audience (the app's
Application ID URI, or its client id, which v2 tokens carry instead), the issuer (Entra's v1
or v2 issuer for the token's own tenant), expiry, and the claims we rely on being present.
Then the tenant must be one of `STEPFORWARD_ALLOWED_TENANTS` (when set), as for the bot.
Expiry is checked against the system clock (with two minutes' allowance for clock skew), like
every other token the bot checks.

`PyJWKClient` fetches keys with blocking I/O: call `check` off the event loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
from jwt import PyJWKClient

from bot.settings import Settings

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 120
KEYS_CACHE_SECONDS = 3600
ISSUERS = ("https://sts.windows.net/{tenant}/", "https://login.microsoftonline.com/{tenant}/v2.0")
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "tid", "oid"]


@dataclass(frozen=True)
class TabUser:
    aad_object_id: str
    tenant_id: str
    name: str | None = None


class SignInRefused(Exception):
    """The token does not let this person in: `status` is the HTTP status to answer with,
    the message what to tell them."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


NOT_SIGNED_IN = (
    "We couldn't confirm who you are. Close the tab and open it again; if that doesn't help, "
    "ask your Teams administrator to check the app's single sign-on set-up."
)


class TabTokenValidator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._keys = PyJWKClient(
            settings.tab_sso_keys_url, cache_jwk_set=True, lifespan=KEYS_CACHE_SECONDS, timeout=10
        )

    def audiences(self) -> list[str]:
        return [value for value in (self.settings.app_id_uri(), self.settings.app_id) if value]

    def check(self, token: str) -> TabUser:
        """The signed-in person, or SignInRefused saying why not."""
        audiences = self.audiences()
        if not audiences:
            raise SignInRefused(
                503,
                "Single sign-on is not set up for this app yet (MicrosoftAppId and "
                "STEPFORWARD_PUBLIC_HOST). Ask for a link with **dashboard** in the "
                "coordinator channel instead.",
            )
        try:
            # Which tenant's issuer to expect; trusted only once the signature is checked.
            tenant = jwt.decode(token, options={"verify_signature": False}).get("tid")
            if not isinstance(tenant, str) or not tenant:
                raise jwt.MissingRequiredClaimError("tid")
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=audiences,
                issuer=[issuer.format(tenant=tenant) for issuer in ISSUERS],
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWKClientConnectionError as error:
            log.warning("tab sign-in keys unreachable: %s", type(error).__name__)
            raise SignInRefused(
                503, "We can't check your sign-in right now. Please try again in a minute."
            ) from error
        except jwt.PyJWTError as error:
            log.info("tab sign-in token refused: %s", type(error).__name__)
            raise SignInRefused(401, NOT_SIGNED_IN) from error
        allowed = self.settings.allowed_tenants
        if allowed and claims["tid"] not in allowed:
            log.warning("tab sign-in from a tenant not allowed tenant=%s", claims["tid"])
            raise SignInRefused(403, "This app is not available to your organisation.")
        return TabUser(claims["oid"], claims["tid"], claims.get("name"))
