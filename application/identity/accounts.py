"""Built-in accounts, the embedded default's identity: sign-up, sign-in, refresh, sign-out,
roles taken and granted.

Passwords reach only the ``PasswordHasher`` port (argon2 in ``adapters``); tokens reach the
log only as SHA-256 digests (they are 256 random bits, so a fast digest is enough). A
session acts in one role of the account: its access tokens name that role and the account
as subject, and carry the session's id, so signing out (or a revoked session) refuses them
at once. A powerful role revoked (one an admin grants: ``GRANTED_ROLES``) refuses the
sessions acting in it from the next request: each request of such a session reads the
account's grants from the log (``Accounts.check_session``); a session in a role anyone may take
holds until its next refresh (15 minutes at most), which spares the bulk of requests that
read. Sign-in failures are counted per account (``SignInThrottle``); HTTP counts them
per address too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import attrs

from application.auth import InvalidToken, Principal, Role, require_role
from application.errors import ApplicationError, NotFound, NotPermitted, StaleVersion
from application.logs import CatalogueLog
from application.ports import Clock, IdentityProvider
from domain.errors import InvalidValue
from domain.identity.accounts import GRANTED_ROLES, Account, RoleNotHeld, Verification
from domain.identity.sessions import Session, SessionEnded, SessionKind, UnknownSecret

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
ACCESS_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)
COOKIE_LIFETIME = timedelta(days=7)


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, hashed: str, password: str) -> bool:
        """Whether the password is the one hashed (False, never an exception, when not)."""
        ...

    def needs_rehash(self, hashed: str) -> bool: ...


class AccessTokens(Protocol):
    """Signs the short-lived tokens a session's requests carry."""

    def issue(
        self, principal: Principal, *, lifetime: timedelta, session: str | None = None
    ) -> str: ...


class SignInThrottle(Protocol):
    def retry_after(self, account: str) -> int | None:
        """Seconds until the account may try again; None when it may now."""
        ...

    def failed(self, account: str) -> None: ...


class AccountExists(ApplicationError):
    """The name is taken."""


class SignInRefused(ApplicationError):
    """Wrong name or password, or the account does not hold the role asked for."""


class TooManyAttempts(ApplicationError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@attrs.frozen
class AccountView:
    name: str
    roles: tuple[Role, ...]
    verified: tuple[tuple[str, str], ...]
    version: int

    @classmethod
    def of(cls, account: Account) -> AccountView:
        return cls(
            name=account.name,
            roles=tuple(Role(role) for role in account.roles),
            verified=account.verified,
            version=account.version,
        )


@attrs.frozen
class SessionTokens:
    """What a sign-in gives: an access token for one role, and either a refresh token
    (bearer sessions) or a cookie secret (cookie sessions). Shown once, never stored."""

    session: str
    role: Role
    subject: str
    access_token: str
    access_expires_at: datetime
    expires_at: datetime
    refresh_token: str | None = None
    cookie: str | None = None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[UUID, str]:
    session, _, secret = token.partition(".")
    try:
        return UUID(session), secret
    except ValueError:
        raise InvalidToken("not a session token") from None


def _password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidValue(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


class Accounts:
    def __init__(
        self,
        catalogue: CatalogueLog,
        *,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        throttle: SignInThrottle,
        clock: Clock,
        identities: IdentityProvider,
    ) -> None:
        self._catalogue = catalogue
        self.hasher = hasher
        self.tokens = tokens
        self.throttle = throttle
        self.clock = clock
        self.identities = identities
        self._decoy: str | None = None

    # Accounts -------------------------------------------------------------------------------

    def sign_up(self, name: str, password: str, role: Role) -> AccountView:
        """Anyone signs up for a built-in account under a free name, in a self-service role
        (others are granted by an admin: ``InvalidValue``). A taken name is ``AccountExists``; a
        password of the wrong length is ``InvalidValue``."""
        hashed = self.hasher.hash(_password(password))
        account = Account.sign_up(name, password_hash=hashed, role=role.value, at=self.clock.now())
        if self._catalogue.find(Account, account.id) is not None:
            raise AccountExists(f"the name {name} is taken")
        try:
            self._catalogue.commit(account)
        except StaleVersion:
            raise AccountExists(f"the name {name} is taken") from None
        return AccountView.of(account)

    def account(self, actor: Principal, name: str) -> AccountView:
        """The account, to its owner (acting in any of its roles), admins and auditors."""
        if actor.role in (Role.ADMIN, Role.AUDITOR):
            return AccountView.of(self._load(name))
        found = self._catalogue.find(Account, Account.id_for(name))
        if actor.subject != name or found is None or not found.holds(actor.role.value):
            raise NotPermitted(
                "only the account's owner (acting in a role it holds), admins and auditors "
                "read an account"
            )
        return AccountView.of(found)

    def find(self, name: str) -> AccountView | None:
        """The account with this name, or ``None`` (no access check: for the core's own use)."""
        found = self._catalogue.find(Account, Account.id_for(name))
        return None if found is None else AccountView.of(found)

    def take_role(self, actor: Principal, role: Role) -> AccountView:
        """The signed-in person takes one more of the roles anyone may take."""
        account = self._catalogue.find(Account, Account.id_for(actor.subject))
        if account is None or not account.holds(actor.role.value):
            # A token from the operator or an identity provider names no built-in account.
            raise NotFound("built-in account acting as", actor.label)
        account.take_role(role.value, at=self.clock.now())
        self._catalogue.commit(account)
        return AccountView.of(account)

    def grant(self, actor: Principal, name: str, role: Role, *, reason: str) -> AccountView:
        """An admin grants an account a role, with a reason recorded with who decided."""
        return self._decide(
            actor,
            name,
            "grant a role",
            lambda account, now: account.grant(role.value, by=actor.label, reason=reason, at=now),
        )

    def revoke(self, actor: Principal, name: str, role: Role, *, reason: str) -> AccountView:
        """An admin takes a role away; the sessions acting in it are refused from the next
        request if it is a granted role (reviewer, judge, admin, auditor), else at their next
        refresh."""
        return self._decide(
            actor,
            name,
            "revoke a role",
            lambda account, now: account.revoke(role.value, by=actor.label, reason=reason, at=now),
        )

    def verify(
        self,
        actor: Principal,
        name: str,
        verification: Verification,
        reference: str,
        *,
        reason: str,
    ) -> AccountView:
        """An admin records an account's identity verification (its kind and reference), with a
        reason recorded with who decided."""
        return self._decide(
            actor,
            name,
            "verify an identity",
            lambda account, now: account.verify(
                verification, reference, by=actor.label, reason=reason, at=now
            ),
        )

    def _decide(
        self,
        actor: Principal,
        name: str,
        doing: str,
        decision: Callable[[Account, datetime], None],
    ) -> AccountView:
        """An admin's decision on an account, recorded with who took it."""
        require_role(actor, Role.ADMIN, doing=doing)
        account = self._load(name)
        decision(account, self.clock.now())
        self._catalogue.commit(account)
        return AccountView.of(account)

    # Sessions -------------------------------------------------------------------------------

    def sign_in(
        self,
        name: str,
        password: str,
        *,
        role: Role | None = None,
        kind: SessionKind = SessionKind.BEARER,
    ) -> SessionTokens:
        """A new session for one of the account's roles (its first when none is named)."""
        wait = self.throttle.retry_after(name)
        if wait is not None:
            raise TooManyAttempts(f"too many failed sign-ins for {name}; retry in {wait} s", wait)
        found = self._catalogue.find(Account, Account.id_for(name)) if name else None
        if found is None:
            # The same work as a real check, so that timing does not tell names apart.
            self.hasher.verify(self._decoy_hash(), password)
            self.throttle.failed(name)
            raise SignInRefused("the name or the password is wrong")
        if not self.hasher.verify(found.password_hash, password):
            self.throttle.failed(name)
            raise SignInRefused("the name or the password is wrong")
        acting = role.value if role is not None else (found.roles[0] if found.roles else "")
        if not found.holds(acting):
            held = ", ".join(found.roles) or "none"
            raise SignInRefused(f"{name} does not hold the {acting or 'any'} role (holds {held})")
        if self.hasher.needs_rehash(found.password_hash):
            found.change_password(self.hasher.hash(password), at=self.clock.now())
            self._catalogue.commit(found)
        return self._start(found.name, Role(acting), kind)

    def switch(self, refresh_token: str, role: Role) -> SessionTokens:
        """Act in another of the account's roles: the session ends and another starts."""
        session, _ = self._live_session(refresh_token)
        account = self._load(session.account)
        if not account.holds(role.value):
            raise NotPermitted(f"{account.name} does not hold the {role.value} role")
        session.sign_out(at=self.clock.now())
        self._catalogue.commit(session)
        return self._start(account.name, role, SessionKind(session.kind))

    def refresh(self, refresh_token: str) -> SessionTokens:
        """Exchanges a refresh token for new session tokens (the old refresh token is spent).
        Refuses, as ``InvalidToken``, an unknown, ended or reused session (a reuse revokes it)
        and a role the account no longer holds (which ends the session)."""
        session_id, secret = _split(refresh_token)
        session = self._session(session_id)
        now = self.clock.now()
        fresh = secrets.token_urlsafe(32)
        try:
            session.refresh(digest(secret), digest(fresh), at=now)
        except (SessionEnded, UnknownSecret) as refused:
            raise InvalidToken(str(refused)) from None
        self._catalogue.commit(session)
        if session.ended is not None:
            raise InvalidToken("the refresh token was used already: the session is revoked")
        account = self._load(session.account)
        if not account.held_throughout(session.role, session.started_at):
            session.revoke(f"the {session.role} role was revoked", at=now)
            self._catalogue.commit(session)
            raise InvalidToken(f"{account.name} no longer holds the {session.role} role")
        return self._tokens(session, refresh_token=f"{session_id}.{fresh}")

    def sign_out(self, session: str) -> None:
        """End the session: its refresh token, cookie and access tokens are refused from now."""
        found = self._session(_session_id(session))
        if found.sign_out(at=self.clock.now()):
            self._catalogue.commit(found)

    def check_session(self, session: str, principal: Principal) -> None:
        """An access token's session is live and acts as the token says."""
        found = self._catalogue.find(Session, _session_id(session))
        if found is None or found.account != principal.subject or found.role != principal.role:
            raise InvalidToken("the token's session is unknown")
        if not found.live(self.clock.now()):
            raise InvalidToken(f"the token's session has ended ({found.ended or 'expired'})")
        self._require_granted_role_held(found)

    def cookie_principal(self, cookie: str) -> tuple[Principal, str]:
        """Who a cookie session's cookie names, and the session's id."""
        session_id, secret = _split(cookie)
        found = self._session(session_id)
        if found.kind is not SessionKind.COOKIE:
            raise InvalidToken("not a cookie session")
        try:
            found.check(digest(secret), at=self.clock.now())
        except (SessionEnded, UnknownSecret) as refused:
            raise InvalidToken(str(refused)) from None
        self._require_granted_role_held(found)
        return Principal(Role(found.role), found.account), str(session_id)

    # ----------------------------------------------------------------------------------------

    def _start(self, name: str, role: Role, kind: SessionKind) -> SessionTokens:
        now = self.clock.now()
        secret = secrets.token_urlsafe(32)
        session = Session.start(
            self.identities.new_id(),
            account=name,
            role=role.value,
            kind=kind,
            secret_digest=digest(secret),
            at=now,
            lifetime=SESSION_LIFETIME if kind is SessionKind.BEARER else COOKIE_LIFETIME,
        )
        self._catalogue.commit(session)
        token = f"{session.id}.{secret}"
        if kind is SessionKind.BEARER:
            return self._tokens(session, refresh_token=token)
        return self._tokens(session, cookie=token)

    def _tokens(
        self, session: Session, *, refresh_token: str | None = None, cookie: str | None = None
    ) -> SessionTokens:
        now = self.clock.now()
        lifetime = min(ACCESS_LIFETIME, session.expires_at - now)
        principal = Principal(Role(session.role), session.account)
        return SessionTokens(
            session=str(session.id),
            role=principal.role,
            subject=principal.subject,
            access_token=self.tokens.issue(principal, lifetime=lifetime, session=str(session.id)),
            access_expires_at=now + lifetime,
            expires_at=session.expires_at,
            refresh_token=refresh_token,
            cookie=cookie,
        )

    def _require_granted_role_held(self, session: Session) -> None:
        # Read from the catalogue log (no aggregate cache there), so a revocation recorded
        # by another process is seen on the next request; only powerful roles pay the read.
        if session.role not in GRANTED_ROLES:
            return
        account = self._catalogue.find(Account, Account.id_for(session.account))
        if account is None or not account.held_throughout(session.role, session.started_at):
            raise InvalidToken(
                f"{session.account} no longer holds the {session.role} role: it was revoked"
            )

    def _live_session(self, token: str) -> tuple[Session, str]:
        session_id, secret = _split(token)
        session = self._session(session_id)
        try:
            session.check(digest(secret), at=self.clock.now())
        except (SessionEnded, UnknownSecret) as refused:
            raise InvalidToken(str(refused)) from None
        return session, secret

    def _session(self, session_id: UUID) -> Session:
        found = self._catalogue.find(Session, session_id)
        if found is None:
            raise InvalidToken("the session is unknown")
        return found

    def _load(self, name: str) -> Account:
        found = self._catalogue.find(Account, Account.id_for(name))
        if found is None:
            raise NotFound("account", name)
        return found

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._decoy


def _session_id(session: str) -> UUID:
    try:
        return UUID(session)
    except ValueError:
        raise InvalidToken("the session is unknown") from None


__all__ = [
    "AccessTokens",
    "AccountExists",
    "AccountView",
    "Accounts",
    "PasswordHasher",
    "RoleNotHeld",
    "SessionTokens",
    "SignInRefused",
    "SignInThrottle",
    "TooManyAttempts",
]
