"""A person's built-in account: a name they sign in with, a password kept only as its hash,
and the roles they may act in.

A person signs up in one of the roles anyone may take (viewer, creator, artist, brand,
seller, studio) and may take more of those later; the powerful roles (reviewer, judge,
admin, auditor) and verified identities are granted by an admin, each grant an event naming
who decided and why. Whatever roles an account holds, it acts in one at a time: a session is
started for one of them, and what acts is that role with the account's name as subject.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.identifiers import checked_account
from domain.text import checked_line
from domain.time import checked_instant

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:account")

#: Roles a person takes by signing up (or later, by asking for them).
SELF_SERVICE_ROLES = ("viewer", "creator", "artist", "brand", "seller", "studio")
#: Roles only an admin grants.
GRANTED_ROLES = ("reviewer", "judge", "admin", "auditor")
ROLES = SELF_SERVICE_ROLES + GRANTED_ROLES


class Verification(StrEnum):
    """What an admin may verify of a person."""

    TITLE_OWNER = "title-owner"  # a studio owns a title
    ARTIST_BADGE = "artist-badge"  # the artist is who they say
    BRAND_COMPANY = "brand-company"  # the brand is the company it names


class RoleNotHeld(RuleViolated):
    """The account does not hold the role it asks to act in (or to lose)."""


class RoleHeld(RuleViolated):
    """The account holds the role already."""


def checked_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidValue(f"a role {role!r} is not one of: {', '.join(ROLES)}")
    return role


class Account(DomainAggregate):
    TOPIC = "spotlight.accounts:Account"

    class SignedUp(Aggregate.Created):
        TOPIC = "spotlight.accounts:AccountSignedUp"
        name: str
        password_hash: str
        role: str
        signed_up_at: datetime

    class RoleGranted(Aggregate.Event):
        TOPIC = "spotlight.accounts:RoleGranted"
        role: str
        granted_by: str
        reason: str
        granted_at: datetime

    class RoleRevoked(Aggregate.Event):
        TOPIC = "spotlight.accounts:RoleRevoked"
        role: str
        revoked_by: str
        reason: str
        revoked_at: datetime

    class IdentityVerified(Aggregate.Event):
        TOPIC = "spotlight.accounts:IdentityVerified"
        verification: str
        reference: str
        verified_by: str
        reason: str
        verified_at: datetime

    class PasswordChanged(Aggregate.Event):
        TOPIC = "spotlight.accounts:PasswordChanged"
        password_hash: str
        changed_at: datetime

    @staticmethod
    def id_for(name: str) -> UUID:
        return uuid5(_NAMESPACE, name)

    @classmethod
    def sign_up(cls, name: str, *, password_hash: str, role: str, at: datetime) -> Account:
        name = checked_account(name, "an account's name")
        if checked_role(role) not in SELF_SERVICE_ROLES:
            raise InvalidValue(
                f"anyone signs up as one of {', '.join(SELF_SERVICE_ROLES)}; "
                f"the {role} role is granted by an admin"
            )
        if not password_hash:
            raise InvalidValue("an account keeps its password's hash")
        return cls(
            id=cls.id_for(name),
            name=name,
            password_hash=password_hash,
            role=role,
            signed_up_at=checked_instant(at),
        )

    @event(SignedUp)
    def __init__(
        self, id: UUID, name: str, password_hash: str, role: str, signed_up_at: datetime
    ) -> None:
        self.name = name
        self.password_hash = password_hash
        self.roles: tuple[str, ...] = (role,)
        # When each role held was last granted: a session started before it acted in a
        # grant since revoked.
        self.held_since: dict[str, datetime] = {role: signed_up_at}
        self.verified: tuple[tuple[str, str], ...] = ()

    def holds(self, role: str) -> bool:
        return role in self.roles

    def held_throughout(self, role: str, since: datetime) -> bool:
        """Whether the role is held and was not revoked at any moment after ``since``."""
        granted = self.held_since.get(role)
        return granted is not None and granted <= since

    def take_role(self, role: str, *, at: datetime) -> None:
        """The person takes one more of the roles anyone may take."""
        if checked_role(role) not in SELF_SERVICE_ROLES:
            raise RoleNotHeld(f"the {role} role is granted by an admin only")
        self.grant(role, by=f"self:{self.name}", reason="taken by the person", at=at)

    def grant(self, role: str, *, by: str, reason: str, at: datetime) -> None:
        if self.holds(checked_role(role)):
            raise RoleHeld(f"{self.name} holds the {role} role already")
        self._granted(
            role=role,
            granted_by=by,
            reason=checked_line(reason, "a reason"),
            granted_at=checked_instant(at),
        )

    def revoke(self, role: str, *, by: str, reason: str, at: datetime) -> None:
        if not self.holds(checked_role(role)):
            raise RoleNotHeld(f"{self.name} does not hold the {role} role")
        self._revoked(
            role=role,
            revoked_by=by,
            reason=checked_line(reason, "a reason"),
            revoked_at=checked_instant(at),
        )

    def verify(
        self, verification: Verification, reference: str, *, by: str, reason: str, at: datetime
    ) -> None:
        self._verified(
            verification=Verification(verification).value,
            reference=checked_line(reference, "what is verified"),
            verified_by=by,
            reason=checked_line(reason, "a reason"),
            verified_at=checked_instant(at),
        )

    def change_password(self, password_hash: str, *, at: datetime) -> None:
        if not password_hash:
            raise InvalidValue("an account keeps its password's hash")
        self._password_changed(password_hash=password_hash, changed_at=checked_instant(at))

    @event(RoleGranted)
    def _granted(self, role: str, granted_by: str, reason: str, granted_at: datetime) -> None:
        self.roles = (*self.roles, role)
        self.held_since[role] = granted_at

    @event(RoleRevoked)
    def _revoked(self, role: str, revoked_by: str, reason: str, revoked_at: datetime) -> None:
        self.roles = tuple(held for held in self.roles if held != role)
        self.held_since.pop(role, None)

    @event(IdentityVerified)
    def _verified(
        self,
        verification: str,
        reference: str,
        verified_by: str,
        reason: str,
        verified_at: datetime,
    ) -> None:
        self.verified = (*self.verified, (verification, reference))

    @event(PasswordChanged)
    def _password_changed(self, password_hash: str, changed_at: datetime) -> None:
        self.password_hash = password_hash
