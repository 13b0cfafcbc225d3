"""A brand's campaigns, a campaign's branded effects, and the effects of the campaigns live
today, a page at a time: ``limit`` and ``cursor`` in, ``items`` and ``next_cursor`` out
(``entrypoints.http.paging``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from application.business.brand_lists import Program
from application.paging import Page
from entrypoints.http.paging import PageCursor, PageLimit, page_route
from entrypoints.http.revenue.revenue_schemas import MoneyOut
from entrypoints.http.schemas import Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["business"])


class BrandCampaignOut(Answer):
    campaign_id: UUID
    program: Literal["business", "pulse"] = Field(
        description="business (`/v1/campaigns/{id}`) or pulse (`/v1/pulse/campaigns/{id}`)."
    )
    brand: str
    name: str
    budget: MoneyOut
    starts: str = Field(
        description="The flight's start: an ISO date (business) or instant (pulse)."
    )
    ends: str = Field(
        description="The flight's end: its last day, an ISO date, inclusive (business); an "
        "ISO instant, exclusive (pulse)."
    )
    ended: bool = Field(description="A business campaign its brand ended.")
    launched_at: datetime


class BrandedEffectOut(Answer):
    effect_id: UUID
    campaign_id: UUID
    brand: str
    name: str
    asset: str = Field(description="Where the app fetches the AR asset from.")
    registered_at: datetime
    starts_on: date = Field(description="The campaign's first day.")
    last_day: date = Field(description="The campaign's last day (the day it ended, if earlier).")


@page_route(router, "/v1/me/campaigns", BrandCampaignOut)
def my_campaigns(
    core: Core,
    caller: Caller,
    program: Annotated[
        Literal["business", "pulse"] | None,
        Query(description="Only the campaigns of this program (none: both)."),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[Any]:
    """A brand's campaigns, business and Pulse, in the order launched, ended ones too."""
    return core.brand_lists.campaigns(
        caller,
        program=None if program is None else Program(program),
        limit=limit,
        cursor=cursor,
    )


@page_route(router, "/v1/campaigns/{campaign_id}/effects", BrandedEffectOut)
def campaign_effects(
    campaign_id: UUID,
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[Any]:
    """A business campaign's branded effects, in the order registered (its brand, admins,
    auditors); an unknown campaign is a 404."""
    return core.brand_lists.campaign_effects(caller, campaign_id, limit=limit, cursor=cursor)


@page_route(router, "/v1/effects", BrandedEffectOut)
def live_effects(core: Core, limit: PageLimit = 50, cursor: PageCursor = None) -> Page[Any]:
    """The branded effects of the business campaigns in flight today (anyone, without a
    token): those whose campaign ends soonest first, then in the order registered. A
    campaign its brand ends leaves the list the day after."""
    return core.brand_lists.live_effects(limit=limit, cursor=cursor)
