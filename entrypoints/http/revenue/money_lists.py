"""What a creator earned month by month, their payouts, and the Pulse applications queue, a
page at a time: ``limit`` and ``cursor`` in, ``items`` and ``next_cursor`` out
(``entrypoints.http.paging``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import Field

from application.paging import Page
from domain.revenue.payouts import PayoutStatus
from domain.revenue.pulse import EnrolmentStatus
from entrypoints.http.paging import (
    CSV_ANSWER,
    PageCursor,
    PageLimit,
    csv_download,
    page_route,
)
from entrypoints.http.revenue.revenue_schemas import (
    CURRENCY_PATTERN,
    MoneyOut,
    PayoutOut,
    PayoutStatusText,
)
from entrypoints.http.schemas import Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["ledger"])

PayableCurrency = Annotated[
    str, Query(pattern=CURRENCY_PATTERN, description="The payable account's currency.")
]


class MonthEarningsOut(Answer):
    month: str = Field(description="YYYY-MM, by the recordings' own offsets.")
    currency: str
    earned: MoneyOut = Field(description="Pulse, affiliate and campaign earnings together.")
    pulse: MoneyOut = Field(description="Shares of ads beside their videos.")
    affiliate: MoneyOut = Field(description="Shares of sales their videos' tags led to.")
    campaign: MoneyOut = Field(description="Brands' fees for approved deliveries.")
    earnings: int = Field(description="Lines of earnings (the month's statement lists them).")
    opening_balance: MoneyOut = Field(description="The payable account's, before the month.")
    debits: MoneyOut = Field(description="The payable account's in the month (payouts...).")
    credits: MoneyOut = Field(description="The payable account's in the month.")
    closing_balance: MoneyOut = Field(description="Opening balance plus credits less debits.")
    sales: MoneyOut | None = Field(
        default=None,
        description="A seller's proceeds of sales in the month (also `earned`); a creator's "
        "share of sales is `affiliate`.",
    )


class PulseApplicationOut(Answer):
    enrolment_id: UUID
    creator: str
    region: str
    followers: int = Field(description="Counted when they last applied.")
    status: Literal["applied", "approved", "rejected"]
    applied_at: datetime = Field(description="Their latest application.")
    decided_by: str = Field(description="Who decided it (empty: awaits a decision).")
    reason: str = Field(description="The decision's reason.")


class PulseCategoryOut(Answer):
    category: str
    ranked_videos: int = Field(description="The videos it ranks now (protected ones are not).")
    inventory_slots: int = Field(
        description="Its top ranks that carry Pulse ads: 4 % of its ranked videos, rounded up."
    )


@page_route(router, "/v1/categories", PulseCategoryOut)
def categories(core: Core, limit: PageLimit = 50, cursor: PageCursor = None) -> Page[Any]:
    """The 12 content categories videos are filed under and Pulse ranks them in (anyone,
    without a token), in their fixed order, each with how many videos it ranks now and how
    many of its top ranks are Pulse inventory."""
    return core.pulse.categories(limit=limit, cursor=cursor)


@page_route(router, "/v1/me/earnings", MonthEarningsOut)
def my_earnings(
    core: Core,
    caller: Caller,
    currency: PayableCurrency = "USD",
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[Any]:
    """A creator's earnings month by month, oldest first: each month's earnings by source
    and their payable account's opening balance, debits, credits and closing balance. A
    month's lines are its statement (`GET /v1/statements/{creator}/{month}`). A seller's
    months are their proceeds of sales (`sales`, also `earned`) and their payable account,
    the same way."""
    return core.ledger.earnings(caller, currency=currency, limit=limit, cursor=cursor)


@page_route(router, "/v1/me/payouts", PayoutOut)
def my_payouts(
    core: Core,
    caller: Caller,
    status: Annotated[
        PayoutStatusText | None, Query(description="Only the payouts in this state.")
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[Any]:
    """A creator's payouts (or a seller's, of their proceeds: `payee: seller`) in the order
    they were requested, each in its state now (in-transit, sent with the rail's reference,
    or returned with the reason)."""
    return core.revenue_lists.payouts(
        caller,
        status=None if status is None else PayoutStatus(status),
        limit=limit,
        cursor=cursor,
    )


@router.get("/v1/me/earnings.csv", response_class=StreamingResponse, responses=CSV_ANSWER)
def my_earnings_csv(
    core: Core,
    caller: Caller,
    currency: PayableCurrency = "USD",
) -> StreamingResponse:
    """Every month of `GET /v1/me/earnings` as CSV (a creator's or a seller's own), oldest
    first, amounts in the currency's units: the monthly statements' totals in one file."""
    lines = core.ledger.earnings_csv(caller, currency=currency)
    return csv_download(lines, f"{caller.subject}-earnings-{currency}.csv")


@router.get("/v1/me/payouts.csv", response_class=StreamingResponse, responses=CSV_ANSWER)
def my_payouts_csv(core: Core, caller: Caller) -> StreamingResponse:
    """The whole payout history of `GET /v1/me/payouts` as CSV (a creator's or a seller's
    own), in the order requested, each payout in its state now."""
    return csv_download(core.revenue_lists.payouts_csv(caller), f"{caller.subject}-payouts.csv")


@page_route(router, "/v1/pulse/applications", PulseApplicationOut)
def pulse_applications(
    core: Core,
    caller: Caller,
    status: Annotated[
        Literal["applied", "approved", "rejected"],
        Query(description="Which applications: by default those awaiting a decision."),
    ] = "applied",
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[Any]:
    """The Pulse applications queue (admins, who decide them; auditors), in the order of
    each creator's latest application: a rejected creator who applies again comes back at
    the end. Decide one with `POST /v1/pulse/enrolments/{creator}/decision`."""
    return core.revenue_lists.pulse_applications(
        caller, status=EnrolmentStatus(status), limit=limit, cursor=cursor
    )
