"""What sellers and buyers own in the shop, and the counterfeit-report queue, a page at a
time: ``limit`` and ``cursor`` in, ``items`` and ``next_cursor`` out
(``entrypoints.http.paging``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from application.paging import Page
from domain.shop.counterfeit import ReportStatus
from domain.shop.listings import ListingStatus
from domain.shop.orders import OrderState
from entrypoints.http.paging import PageCursor, PageLimit, page_route
from entrypoints.http.revenue.revenue_schemas import MoneyOut
from entrypoints.http.schemas import Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["shop lists"])


class OwnListingOut(Answer):
    listing_id: UUID
    title: str
    price: MoneyOut
    stock: int
    state: ListingStatus = Field(
        description="listed, delisted (withdrawn by the seller) or taken-down (a counterfeit "
        "report was upheld)."
    )
    open_reports: int = Field(description="Counterfeit reports against it awaiting a decision.")
    listed_at: datetime


class ShopOrderOut(Answer):
    order_id: UUID
    listing_id: UUID
    seller: str
    buyer: str = Field(description="The role and account that bought, e.g. viewer:vic.")
    quantity: int
    total: MoneyOut
    proceeds: MoneyOut = Field(description="What the seller receives.")
    video_id: UUID | None = Field(description="The video whose tag led to the order, if any.")
    placed_at: datetime
    state: OrderState = Field(
        description="paid, shipped, delivered, return-requested, returned, refunded or cancelled."
    )
    refunded: MoneyOut | None = Field(description="What was given back to the buyer, if any.")


class ListingReportOut(Answer):
    report_id: UUID
    listing_id: UUID
    seller: str
    reporter: str
    reason: str
    state: ReportStatus = Field(description="open (awaits a reviewer), upheld or dismissed.")
    filed_at: datetime


ListingState = Annotated[
    ListingStatus | None, Query(description="Only the listings in this state.")
]
ReportState = Annotated[ReportStatus | None, Query(description="Only the reports in this state.")]
OrderStateFilter = Annotated[
    OrderState | None, Query(description="Only the orders in this state (e.g. paid: to ship).")
]


@page_route(router, "/v1/me/listings", OwnListingOut)
def my_listings(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    state: ListingState = None,
) -> Page[Any]:
    """A seller's own listings, in the order they were listed, each with its state, stock,
    price and open counterfeit reports. A cursor pages the same filters it was made with."""
    return core.shop_lists.seller_listings(caller, state=state, limit=limit, cursor=cursor)


@page_route(router, "/v1/me/sales", ShopOrderOut)
def my_sales(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    listing_id: Annotated[
        UUID | None, Query(description="Only the orders of this listing of yours.")
    ] = None,
    state: OrderStateFilter = None,
) -> Page[Any]:
    """The orders placed on a seller's own listings, oldest first, each in the state it has
    reached (paid ones are to be shipped); only those of one listing, or in one state, if
    named. A cursor pages the same filters it was made with."""
    return core.shop_lists.seller_sales(
        caller, listing_id=listing_id, state=state, limit=limit, cursor=cursor
    )


@page_route(router, "/v1/me/listing-reports", ListingReportOut)
def reports_on_my_listings(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    state: ReportState = None,
) -> Page[Any]:
    """The counterfeit reports filed against a seller's own listings, oldest first."""
    return core.shop_lists.seller_reports(caller, state=state, limit=limit, cursor=cursor)


@page_route(router, "/v1/me/orders", ShopOrderOut)
def my_orders(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    state: OrderStateFilter = None,
) -> Page[Any]:
    """The orders you placed in the role you act in (a creator's orders are not the same
    account's orders as a viewer), oldest first; only those in ``state`` if one is named."""
    return core.shop_lists.buyer_orders(caller, state=state, limit=limit, cursor=cursor)


@page_route(router, "/v1/review/reports", ListingReportOut)
def report_queue(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    state: Annotated[
        ReportStatus, Query(description="The reports in this state (open: awaiting a decision).")
    ] = ReportStatus.OPEN,
) -> Page[Any]:
    """The counterfeit-report queue, oldest first: the reports awaiting a decision (decide
    one with `POST /v1/review/reports/{report_id}`), or those decided either way."""
    return core.shop_lists.report_queue(caller, state=state, limit=limit, cursor=cursor)
