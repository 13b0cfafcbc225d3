"""A session: one sign-in of an account, acting in one of its roles, until it is signed out,
revoked or expires.

A bearer session is carried by a refresh token that is exchanged for a new one at each use
(rotation); the session keeps only the tokens' digests. A refresh token used a second time
means it was copied: the session (the whole family of tokens descended from the sign-in) is
revoked, and so is every access token issued in it. A cookie session is one secret kept in a
cookie for the web pages, never rotated.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.identity.accounts import checked_role
from domain.time import checked_instant


class SessionKind(StrEnum):
    BEARER = "bearer"
    COOKIE = "cookie"


class SessionEnded(RuleViolated):
    """The session was signed out, revoked or has expired."""


class UnknownSecret(RuleViolated):
    """The secret presented is none of the session's."""


class Session(DomainAggregate):
    TOPIC = "spotlight.sessions:Session"

    class Started(Aggregate.Created):
        TOPIC = "spotlight.sessions:SessionStarted"
        account: str
        role: str
        kind: str
        secret_digest: str
        started_at: datetime
        expires_at: datetime

    class Refreshed(Aggregate.Event):
        TOPIC = "spotlight.sessions:SessionRefreshed"
        secret_digest: str
        refreshed_at: datetime

    class SignedOut(Aggregate.Event):
        TOPIC = "spotlight.sessions:SignedOut"
        signed_out_at: datetime

    class Revoked(Aggregate.Event):
        TOPIC = "spotlight.sessions:SessionRevoked"
        reason: str
        revoked_at: datetime

    @classmethod
    def start(
        cls,
        id: UUID,
        *,
        account: str,
        role: str,
        kind: SessionKind,
        secret_digest: str,
        at: datetime,
        lifetime: timedelta,
    ) -> Session:
        if lifetime <= timedelta(0):
            raise InvalidValue("a session lasts some time")
        if not secret_digest:
            raise InvalidValue("a session keeps its secret's digest")
        return cls(
            id=id,
            account=account,
            role=checked_role(role),
            kind=SessionKind(kind).value,
            secret_digest=secret_digest,
            started_at=checked_instant(at),
            expires_at=at + lifetime,
        )

    @event(Started)
    def __init__(
        self,
        id: UUID,
        account: str,
        role: str,
        kind: str,
        secret_digest: str,
        started_at: datetime,
        expires_at: datetime,
    ) -> None:
        self.account = account
        self.role = role
        self.started_at = started_at
        self.kind = SessionKind(kind)
        self.secret_digest = secret_digest
        self.spent: frozenset[str] = frozenset()
        self.expires_at = expires_at
        self.ended: str | None = None

    def live(self, at: datetime) -> bool:
        return self.ended is None and at < self.expires_at

    def check(self, secret_digest: str, *, at: datetime) -> None:
        """The session is live and its current secret is this one."""
        self._require_live(at)
        if secret_digest != self.secret_digest:
            raise UnknownSecret("the session's secret does not match")

    def refresh(self, presented_digest: str, new_digest: str, *, at: datetime) -> None:
        """Exchange the current refresh token for a new one. An exchanged one presented
        again revokes the session (the caller commits that, then refuses)."""
        self._require_live(at)
        if self.kind is not SessionKind.BEARER:
            raise InvalidValue("a cookie session is not refreshed")
        if presented_digest in self.spent:
            self._revoked(reason="a refresh token was used twice", revoked_at=checked_instant(at))
            return
        if presented_digest != self.secret_digest:
            raise UnknownSecret("the refresh token is not this session's")
        if not new_digest or new_digest == presented_digest or new_digest in self.spent:
            raise InvalidValue("a refreshed session gets a new secret")
        self._refreshed(secret_digest=new_digest, refreshed_at=checked_instant(at))

    def sign_out(self, *, at: datetime) -> bool:
        """False when the session had ended already."""
        if self.ended is not None:
            return False
        self._signed_out(signed_out_at=checked_instant(at))
        return True

    def revoke(self, reason: str, *, at: datetime) -> bool:
        if self.ended is not None:
            return False
        self._revoked(reason=reason, revoked_at=checked_instant(at))
        return True

    def _require_live(self, at: datetime) -> None:
        if self.ended is not None:
            raise SessionEnded(f"the session has ended: {self.ended}")
        if at >= self.expires_at:
            raise SessionEnded("the session has expired")

    @event(Refreshed)
    def _refreshed(self, secret_digest: str, refreshed_at: datetime) -> None:
        self.spent = self.spent | {self.secret_digest}
        self.secret_digest = secret_digest

    @event(SignedOut)
    def _signed_out(self, signed_out_at: datetime) -> None:
        self.ended = "signed out"

    @event(Revoked)
    def _revoked(self, reason: str, revoked_at: datetime) -> None:
        self.ended = f"revoked ({reason})"
