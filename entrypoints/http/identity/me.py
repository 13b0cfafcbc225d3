"""`GET /v1/me`: who the caller is, whatever issued their token."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from application.auth import Role
from entrypoints.http.identity.accounts import AccountOut
from entrypoints.http.problems import documented
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["identity"])


class RecordOut(BaseModel):
    program: str
    kind: str = Field(examples=["creator", "pulse-enrolment", "artist", "seller"])
    role: Role
    id: str
    state: str


class MeOut(BaseModel):
    role: Role = Field(description="The role this token acts as.")
    subject: str
    principal: str = Field(description="How your actions are recorded: `role:subject`.")
    roles: list[Role] = Field(
        description="Every role you hold (a built-in account's; otherwise the token's one)."
    )
    account: AccountOut | None = Field(
        description="Your built-in account, when you signed in with one."
    )
    records: list[RecordOut] = Field(
        description="What each program keeps for you in each of your roles."
    )


@router.get(
    "/v1/me",
    response_model=MeOut,
    responses=documented((401, "`unauthenticated`: no valid token or session cookie")),
)
def me(core: Core, caller: Caller) -> MeOut:
    """Who you are: the role and subject your token names, your roles and your records in
    the programs (creator, Pulse enrolment, artist, seller)."""
    view = core.who.me(caller)
    return MeOut(
        role=caller.role,
        subject=caller.subject,
        principal=caller.label,
        roles=list(view.roles),
        account=AccountOut.of(view.account) if view.account is not None else None,
        records=[
            RecordOut(program=r.program, kind=r.kind, role=r.role, id=r.id, state=r.state)
            for r in view.records
        ],
    )
