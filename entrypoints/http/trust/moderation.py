"""Moderation over HTTP: reviewers' decisions on videos, the queue of flagged videos, and
accounts' age bands."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from domain.anchors.videos import MAX_REASON
from domain.trust.moderation import MAX_POLICY, AgeBand
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.schemas import AccountPath, Answer, Strict
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["moderation"])


class DecisionBody(Strict):
    state: Literal["clear", "age-restricted", "removed"]
    reason: str = Field(min_length=1, max_length=MAX_REASON, examples=["stolen footage"])
    policy: str = Field(
        min_length=1,
        max_length=MAX_POLICY,
        examples=["community-guidelines/4.2"],
        description="The policy applied, as the guidelines number it.",
    )


class AgeBandBody(Strict):
    band: Literal["under-13", "13-15", "16-17", "18+"]


class FlagOut(Answer):
    label: str
    severity: str = Field(description="restrict (kept out of programs until reviewed) or note.")
    evidence: str


class ModerationOut(Answer):
    video_id: UUID
    state: str = Field(description="unreviewed, flagged, clear, age-restricted or removed.")
    flags: list[FlagOut]
    anchored: bool
    tags_withdrawn: int = Field(description="Product tags taken down by this decision.")


class FlaggedOut(Answer):
    video_id: UUID
    creator: str
    flags: list[FlagOut]


class AgeBandOut(BaseModel):
    account: str
    band: str
    videos_withdrawn: int = Field(description="Videos of theirs taken out of programs now.")


@router.post("/v1/videos/{video_id}/moderation", response_model=ModerationOut)
def decide_moderation(
    video_id: UUID, body: DecisionBody, core: Core, caller: Caller
) -> ModerationOut:
    """A reviewer's decision (reviewers, admins), with its reason and the policy applied.
    Age-restricting or removing a video takes it out of every program: its anchor is
    withdrawn in the same transaction, its product tags right after, each with the reason;
    Pulse and campaigns leave it out from then on. A removed video takes no
    further decision (409); only an appeal overturned restores it."""
    view = core.moderation.decide(
        caller, video_id, body.state, reason=body.reason, policy=body.policy
    )
    return ModerationOut.model_validate(view)


@router.get("/v1/videos/{video_id}/moderation", response_model=ModerationOut)
def moderation_of(video_id: UUID, core: Core, caller: Caller) -> ModerationOut:
    """A video's moderation state and flags (its creator, reviewers, admins, auditors)."""
    return ModerationOut.model_validate(core.moderation.moderation_of(caller, video_id))


@router.get("/v1/review/moderation", response_model=PageOut[FlaggedOut])
def flagged(
    core: Core, caller: Caller, limit: PageLimit = 100, cursor: PageCursor = None
) -> PageOut[FlaggedOut]:
    """Videos a classifier flagged for restriction, awaiting a reviewer, oldest first (one
    flagged meanwhile comes at the end). The page is `items` and `next_cursor` (it was
    `videos`, the first page only)."""
    page = core.moderation.flagged(caller, limit=limit, cursor=cursor)
    return PageOut[FlaggedOut].model_validate(page)


@router.put("/v1/creators/{account}/age-band", response_model=AgeBandOut)
def record_age_band(
    account: AccountPath, body: AgeBandBody, core: Core, caller: Caller
) -> AgeBandOut:
    """A creator declares their age band (an admin sets a verified one). Under 18, their
    videos get no anchors, product tags, Pulse placement or campaign invitations, and what
    they had is withdrawn now."""
    creator, withdrawn = core.moderation.record_age_band(caller, account, AgeBand(body.band))
    return AgeBandOut(
        account=creator.account, band=str(creator.age_band), videos_withdrawn=withdrawn
    )
