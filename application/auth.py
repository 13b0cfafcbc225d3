"""Who is acting: a role and a subject id, established by an entrypoint from a signed token."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import attrs

from application.errors import NotPermitted
from domain.errors import InvalidValue
from domain.identifiers import checked_account


class InvalidToken(Exception):
    """The token is malformed, forged, expired, from an unknown issuer or names no known role;
    the message says which (HTTP answers 401 with it)."""


class TokenVerifier(Protocol):
    """The port through which an entrypoint learns who presents a bearer token: Spotlight's
    own signed tokens, an external identity provider's JWTs, or both in turn."""

    def verify(self, token: str) -> Principal:
        """The principal the token names, or ``InvalidToken`` with the reason."""
        ...


class Role(StrEnum):
    ADMIN = "admin"
    STUDIO = "studio"
    CREATOR = "creator"
    ARTIST = "artist"
    REVIEWER = "reviewer"
    JUDGE = "judge"
    SELLER = "seller"
    BRAND = "brand"
    AUDITOR = "auditor"
    VIEWER = "viewer"


@attrs.frozen
class Principal:
    role: Role = attrs.field(converter=Role)
    subject: str = attrs.field()

    @subject.validator
    def _subject_is_an_account(self, _attribute: attrs.Attribute[str], value: str) -> None:
        # Every subject is checked here, wherever the principal comes from (a token, the CLI,
        # the Python API), so no event records an actor outside the account characters.
        checked_account(value, "a principal's subject")

    @property
    def label(self) -> str:
        """How the principal is written into events: 'role:subject'."""
        return f"{self.role.value}:{self.subject}"


def require_role(actor: Principal, *allowed: Role, doing: str) -> None:
    if actor.role not in allowed:
        roles = ", ".join(role.value for role in allowed)
        raise NotPermitted(f"{doing} needs one of the roles {roles}; you act as {actor.role.value}")


def owns(actor: Principal, role: Role, subject: str | None) -> bool:
    """Whether the actor is the owner named by ``role`` and ``subject``: both must match.
    Subjects are unique within a role only, so ``brand:c1`` owns nothing of ``creator:c1``.
    Every check of ownership goes through here."""
    return actor.role is role and subject is not None and actor.subject == subject


def require_owner(actor: Principal, role: Role, subject: str | None, *, doing: str) -> None:
    """The owner (``role`` and ``subject``) or an admin; anyone else is refused."""
    if actor.role is not Role.ADMIN and not owns(actor, role, subject):
        raise NotPermitted(f"only the {role.value} {subject} (or an admin) may {doing}")


def whose_list(actor: Principal, role: Role, owner: str | None, what: str) -> str:
    """Whose list of what a ``role`` owns the actor reads: the ``owner`` named, if the actor
    is that owner or an admin or auditor; none named, the actor's own, if the actor acts in
    that role."""
    if owner is None:
        if actor.role is not role:
            raise NotPermitted(
                f"only a {role.value} has {what} to list; you act as {actor.role.value}"
            )
        return actor.subject
    if actor.role not in (Role.ADMIN, Role.AUDITOR) and not owns(actor, role, owner):
        raise NotPermitted(f"only the {role.value} {owner} (or an admin or auditor) lists {what}")
    return owner


def acting_for(actor: Principal, requested: str | None, own_role: Role, doing: str) -> str:
    """The subject a command acts for: oneself, or anyone when an admin names them (an
    admin who names nobody is allowed but asked something incomplete: ``InvalidValue``)."""
    if actor.role is Role.ADMIN:
        if not requested:
            raise InvalidValue(f"an admin {doing} must name the {own_role.value} acted for")
        return checked_account(requested, f"the {own_role.value} an admin acts for")
    require_role(actor, own_role, doing=doing)
    if requested is not None and not owns(actor, own_role, requested):
        raise NotPermitted(f"a {own_role.value} may only {doing} as itself")
    return actor.subject


def person_key(person: Principal) -> str:
    """How a person is named where something is kept for them alone (personal data and its
    key, the inbox). A person is a role and a subject; a creator keeps their bare account,
    as every record made before people were keyed by role names them (those records were
    all a creator's: the age band they carry is a creator's); anyone else, and a creator
    whose account holds a colon, is ``role:subject``, so no two people share a key."""
    if person.role is Role.CREATOR and ":" not in person.subject:
        return person.subject
    return person.label
