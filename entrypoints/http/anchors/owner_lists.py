"""What a studio or a creator owns, a page at a time: ``limit`` and ``cursor`` in, ``items``
and ``next_cursor`` out (``entrypoints.http.paging``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from application.paging import Page
from entrypoints.http.paging import PageCursor, PageLimit, page_route
from entrypoints.http.schemas import Answer, EvidenceOut
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["owner lists"])


class OwnedTitleOut(Answer):
    title_id: UUID
    name: str
    anchored_videos: int = Field(description="Videos anchored to the title now.")
    views: int
    likes: int
    shares: int
    comments: int


class TitleAnchorOut(Answer):
    video_id: UUID
    title_id: UUID
    state: str = Field(
        description="proposed (awaits a reviewer), attached, or disputed (by the video's "
        "creator; awaits a reviewer)."
    )
    since: datetime = Field(description="When it was proposed or attached.")
    evidence: list[EvidenceOut] = Field(description="What the match rests on.")
    reason: str = Field(description="The creator's words, for a dispute.")


class TitleDisputeOut(Answer):
    video_id: UUID
    title_id: UUID
    state: str = Field(
        description="open (awaits a reviewer), upheld (the anchor was revoked), dismissed "
        "(the anchor stands), or withdrawn (moderation took the anchor away first)."
    )
    disputed_at: datetime
    reason: str = Field(description="The creator's words.")
    decided_at: datetime | None = Field(description="When it was decided; null while open.")
    decision_reason: str = Field(description="The reviewer's reason, once decided.")


class OwnedVideoOut(Answer):
    video_id: UUID
    moderation: str = Field(description="unreviewed, flagged, clear, age-restricted or removed.")
    anchor_title_id: UUID | None = Field(description="The title it is anchored to, if any.")
    hashtags: list[str]
    views: int
    likes: int
    shares: int
    comments: int


@page_route(router, "/v1/me/titles", OwnedTitleOut)
def my_titles(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> Page[Any]:
    """A studio's own titles, in the order it registered them."""
    return core.owner_lists.studio_titles(caller, limit=limit, cursor=cursor)


@page_route(router, "/v1/me/anchors", TitleAnchorOut)
def anchors_on_my_titles(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> Page[Any]:
    """The anchors proposed, attached or disputed on a studio's own titles, with their
    evidence, in the order they were first proposed or attached."""
    return core.owner_lists.title_anchors(caller, limit=limit, cursor=cursor)


@page_route(router, "/v1/me/disputes", TitleDisputeOut)
def disputes_on_my_titles(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> Page[Any]:
    """The creators' disputes of anchors to a studio's own titles, open or decided, in the
    order they were opened."""
    return core.owner_lists.studio_disputes(caller, limit=limit, cursor=cursor)


@page_route(router, "/v1/me/videos", OwnedVideoOut)
def my_videos(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> Page[Any]:
    """A creator's own videos, in the order they were published, each with its moderation
    state, its anchor, its hashtags and its engagement."""
    return core.owner_lists.creator_videos(caller, limit=limit, cursor=cursor)
