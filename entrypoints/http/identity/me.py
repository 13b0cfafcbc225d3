"""`GET /v1/me`: who the caller is, whatever issued their token."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from entrypoints.http.security import Caller

router = APIRouter(tags=["identity"])


class MeOut(BaseModel):
    role: str = Field(description="The role this token acts as.")
    subject: str
    principal: str = Field(description="How your actions are recorded: `role:subject`.")


@router.get("/v1/me", response_model=MeOut)
def me(caller: Caller) -> MeOut:
    """Who you are: the role and subject your token names."""
    return MeOut(role=caller.role.value, subject=caller.subject, principal=caller.label)
