"""``/brand/creators``: the creator marketplace, searched from a form (words of their
captions, a category, a region, followers and engagement floors, and one of the brand's
campaigns to fit them to), best fit first, each creator with the signals that ranked them
and a link to invite them into the campaign chosen.

The page calls the use case of ``GET /v1/marketplace/creators`` with the visitor as the
caller (brands and admins), and its campaign chooser the one of ``GET /v1/me/campaigns``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field, TypeAdapter

from application.auth import Role
from application.business.brand_lists import Program
from application.business.marketplace import CreatorQuery
from domain.bounds import MAX_QUANTITY
from domain.categories import CATEGORIES
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
#: The campaigns offered to fit creators to (the newest brands rarely have more).
CAMPAIGNS_OFFERED = 100
#: A number field left blank is sent as ``name=``: no filter, not a malformed number.
Blank = Annotated[str, Query(max_length=40)]
FOLLOWERS = TypeAdapter(Annotated[int, Field(ge=0, le=MAX_QUANTITY)] | None)
RATE = TypeAdapter(Annotated[int, Field(ge=0, le=10_000)] | None)


@router.get("/brand/creators", dependencies=trails())
def find_creators(
    request: Request,
    core: Core,
    visitor: Visiting,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str, Query(max_length=40)] = "",
    region: Annotated[str, Query(max_length=2)] = "",
    followers_min: Blank = "",
    engagement_rate_min: Blank = "",
    campaign_id: UUID | None = None,
    cursor: PageCursor = None,
) -> Response:
    at_least = FOLLOWERS.validate_python(followers_min.strip() or None)
    rate = RATE.validate_python(engagement_rate_min.strip() or None)
    query = CreatorQuery(
        text=q,
        categories=(category,) if category else (),
        regions=(region.upper(),) if region else (),
        followers_min=at_least,
        engagement_rate_min_bp=rate,
        campaign_id=campaign_id,
    )
    page = core.marketplace.find_creators(visitor.principal, query, cursor=cursor, limit=PAGE_SIZE)
    campaigns = (
        core.brand_lists.campaigns(
            visitor.principal, program=Program.BUSINESS, limit=CAMPAIGNS_OFFERED
        ).items
        if visitor.principal.role is Role.BRAND
        else []
    )
    searched = {
        "q": q,
        "category": category,
        "region": region,
        "followers_min": "" if at_least is None else at_least,
        "engagement_rate_min": "" if rate is None else rate,
        "campaign_id": "" if campaign_id is None else str(campaign_id),
    }
    return render(
        "brand/creators.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager("/brand/creators", request.query_params, page.next_cursor),
            "searched": searched,
            "categories": CATEGORIES,
            "campaigns": campaigns,
        },
    )
