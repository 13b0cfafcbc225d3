"""``/earnings``: what a creator earned or a seller sold month by month, and their payouts in
the order requested, each in its state now, a page at a time, with both as CSV downloads
(``/earnings/months.csv``, ``/earnings/payouts.csv``).

The pages call the use cases of ``GET /v1/me/earnings`` and ``GET /v1/me/payouts`` (and their
CSV files) with the visitor as the caller, so they answer creators and sellers, each their
own."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.headers import protect
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.visitors import Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 24
EARNINGS = "/earnings"


@router.get(EARNINGS)
def my_earnings(
    core: Core, visitor: Visiting, cursor: PageCursor = None, payouts: PageCursor = None
) -> Response:
    months = core.ledger.earnings(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    paid = core.revenue_lists.payouts(visitor.principal, limit=PAGE_SIZE, cursor=payouts)
    return render(
        "creator/earnings.html",
        {
            "visitor": visitor,
            "seller": visitor.principal.role.value == "seller",
            "months": months.items,
            "next_months": months.next_cursor,
            "payouts": paid.items,
            "next_payouts": paid.next_cursor,
        },
    )


def _download(lines: Iterator[str], filename: str) -> Response:
    response = StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    protect(response.headers)
    return response


@router.get(EARNINGS + "/months.csv")
def my_months_csv(core: Core, visitor: Visiting) -> Response:
    """Every month, oldest first (``GET /v1/me/earnings.csv``)."""
    lines = core.ledger.earnings_csv(visitor.principal)
    return _download(lines, f"{visitor.principal.subject}-earnings-USD.csv")


@router.get(EARNINGS + "/payouts.csv")
def my_payouts_csv(core: Core, visitor: Visiting) -> Response:
    """Every payout, in the order requested (``GET /v1/me/payouts.csv``)."""
    lines = core.revenue_lists.payouts_csv(visitor.principal)
    return _download(lines, f"{visitor.principal.subject}-payouts.csv")
