"""Signed bearer tokens: 'v1.<payload>.<signature>', HMAC-SHA256 over the base64url payload.

A token names a role and a subject and expires; the secret comes from configuration. It
lives at most ``MAX_LIFETIME``: one that claims to live longer (a far ``exp``, even a
correctly signed one) is refused, and the expiry is compared as a number, so no claim can
push a date out of the calendar.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

from application.auth import InvalidToken, Principal, Role
from application.ports import Clock
from domain.errors import InvalidValue

PREFIX = "v1"
MIN_SECRET_BYTES = 16
MAX_LIFETIME = timedelta(days=366)


__all__ = ["MAX_LIFETIME", "MIN_SECRET_BYTES", "InvalidToken", "TokenSigner"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, secret: bytes, clock: Clock) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the signing secret must have at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._clock = clock

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._secret, f"{PREFIX}.{payload}".encode(), hashlib.sha256)
        return _b64(digest.digest())

    def tag(self, purpose: str, text: str) -> str:
        """A MAC of ``text`` for one purpose (e.g. a session's CSRF token), under the secret."""
        mac = hmac.new(self._secret, f"{purpose}:{text}".encode(), hashlib.sha256)
        return _b64(mac.digest())

    def issue(
        self, principal: Principal, *, lifetime: timedelta, session: str | None = None
    ) -> str:
        """A token naming the principal; one issued in a session (``sid``) is refused once
        the session ends (``BearerTokens`` asks)."""
        if not timedelta(0) < lifetime <= MAX_LIFETIME:
            raise InvalidValue(
                f"a token's lifetime is more than nothing and at most {MAX_LIFETIME.days} days"
            )
        issued = self._clock.now()
        claims = {
            "role": principal.role.value,
            "sub": principal.subject,
            "iat": int(issued.timestamp()),
            "exp": int((issued + lifetime).timestamp()),
        }
        if session is not None:
            claims["sid"] = session
        payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{PREFIX}.{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> Principal:
        return self.verify_session(token)[0]

    def verify_session(self, token: str) -> tuple[Principal, str | None]:
        """The principal and the session the token was issued in (None: an operator's)."""
        prefix, _, rest = token.partition(".")
        payload, _, signature = rest.partition(".")
        if prefix != PREFIX or not payload or not signature:
            raise InvalidToken("not a Spotlight token")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise InvalidToken("the token's signature does not verify")
        try:
            claims = json.loads(_unb64(payload))
            role, subject, expires = claims["role"], claims["sub"], int(claims["exp"])
            session = claims.get("sid")
        except (ValueError, KeyError, TypeError):
            raise InvalidToken("the token's claims are unreadable") from None
        # Seconds since the epoch, compared as integers: a datetime cannot hold every int.
        now = int(self._clock.now().timestamp())
        if now >= expires:
            raise InvalidToken("the token has expired")
        if expires - now > MAX_LIFETIME.total_seconds():
            raise InvalidToken(f"the token lives longer than {MAX_LIFETIME.days} days")
        try:
            known = Role(role)
        except ValueError:
            raise InvalidToken(f"the token names an unknown role {role!r}") from None
        if not isinstance(subject, str):
            raise InvalidToken("the token's subject is not text")
        if session is not None and not isinstance(session, str):
            raise InvalidToken("the token's session is not text")
        try:
            return Principal(role=known, subject=subject), session
        except InvalidValue as error:
            raise InvalidToken(str(error)) from None
