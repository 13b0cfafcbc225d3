"""Who is acting: a role and a subject id, established by an entrypoint from a signed token."""

from __future__ import annotations

from enum import StrEnum

import attrs

from application.errors import NotPermitted
from domain.identifiers import checked_account


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


def acting_for(actor: Principal, requested: str | None, own_role: Role, doing: str) -> str:
    """The subject a command acts for: oneself, or anyone when an admin names them."""
    if actor.role is Role.ADMIN:
        if not requested:
            raise NotPermitted(f"an admin {doing} must name the {own_role.value} acted for")
        return checked_account(requested, f"the {own_role.value} an admin acts for")
    require_role(actor, own_role, doing=doing)
    if requested not in (None, actor.subject):
        raise NotPermitted(f"a {own_role.value} may only {doing} as itself")
    return actor.subject
