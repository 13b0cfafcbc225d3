"""The creator marketplace over HTTP: brands find creators who fit a campaign, and why."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from application.business.marketplace import MAX_PAGE, CreatorQuery
from domain.bounds import MAX_QUANTITY
from entrypoints.http.paging import PageCursor, PageOut
from entrypoints.http.schemas import Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["business"])


class SignalOut(Answer):
    name: str = Field(description="text, category, region, engagement or audience.")
    score: float = Field(description="0..1: how well this signal fits.")
    weight: float = Field(description="Its weight in the creator's score.")
    detail: str = Field(description="What matched, in words.")


class CreatorMatchOut(Answer):
    creator: str
    region: str
    followers: int
    videos: int
    engagement_rate_bp: int = Field(description="Engagements per 10,000 views.")
    score: float = Field(description="The weighted mean of the signals, 0..1.")
    signals: list[SignalOut]
    invited: bool = Field(description="Already invited to the campaign searched for.")


@router.get("/v1/marketplace/creators", response_model=PageOut[CreatorMatchOut])
def find_creators(
    core: Core,
    caller: Caller,
    q: Annotated[str, Query(max_length=200, description="Words of their captions.")] = "",
    category: Annotated[list[str] | None, Query(description="Repeat for several.")] = None,
    region: Annotated[list[str] | None, Query(description="ISO 3166-1 codes.")] = None,
    followers_min: Annotated[int | None, Query(ge=0, le=MAX_QUANTITY)] = None,
    followers_max: Annotated[int | None, Query(ge=0, le=MAX_QUANTITY)] = None,
    engagement_rate_min: Annotated[
        int | None, Query(ge=0, le=10_000, description="Engagements per 10,000 views.")
    ] = None,
    campaign_id: Annotated[
        UUID | None, Query(description="Rank by fit to this campaign of yours.")
    ] = None,
    cursor: PageCursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Creators per page.")] = 20,
) -> PageOut[CreatorMatchOut]:
    """Creators who pass every filter given, ranked by fit (brands and admins): free text
    over their captions and hashtags (typos tolerated), the share of their videos in the
    categories wanted, their region, how much of their audience engages, and their
    followers. With `campaign_id`, the campaign's categories, regions, name and hashtag are
    what they are fitted to, and each result says whether it was invited already. Every
    result lists the signals that counted and why. A page's `next_cursor` continues the same
    search only (changed: `creators` is now `items`, and the cursor is the shared opaque one,
    no longer an integer offset)."""
    page = core.marketplace.find_creators(
        caller,
        CreatorQuery(
            text=q,
            categories=tuple(category or ()),
            regions=tuple(region or ()),
            followers_min=followers_min,
            followers_max=followers_max,
            engagement_rate_min_bp=engagement_rate_min,
            campaign_id=campaign_id,
        ),
        cursor=cursor,
        limit=limit,
    )
    return PageOut[CreatorMatchOut].model_validate(page)
