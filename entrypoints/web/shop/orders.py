"""``/shop/orders``: the orders the visitor placed, and ``/shop/sales``: the orders placed on
the visitor's listings, a page at a time, each in its state (only one state, if chosen), with
a form for the step it awaits from the visitor: a buyer confirms a delivery, asks for a
return or cancels an order not yet shipped; a seller ships with a carrier and tracking
reference, records a return received, and refunds it (all or part).

The pages call the use cases of ``GET /v1/me/orders``, ``GET /v1/me/sales`` and the order
steps (``POST /v1/orders/{id}/...``) with the visitor as the caller; bodies are checked by the
API's own models, and a step refused by the API is refused here with its status and reason."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response

from application.paging import Page
from application.shop.shop_lists import OrderRow
from domain.money import Money
from domain.shop.orders import MAX_LINE, MAX_REASON, OrderState
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.http.shop.shop_schemas import (
    CancellationBody,
    RefundBody,
    ReturnRequestBody,
    ShipmentBody,
)
from entrypoints.web.forms import (
    FORM,
    NO_REFUSAL,
    FormCursor,
    Refusal,
    answer_form,
    page_query,
)
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
ORDERS = "/shop/orders"
SALES = "/shop/sales"
Done = Literal["shipped", "delivered", "return-requested", "returned", "refunded", "cancelled"]
Line = Annotated[str, Form(max_length=MAX_LINE)]
Reason = Annotated[str, Form(max_length=MAX_REASON)]


def _page(
    core: Core,
    visitor: Visitor,
    here: str,
    query: Mapping[str, str],
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    lists = core.shop_lists
    read = lists.buyer_orders if here == ORDERS else lists.seller_sales
    state = OrderState(query["state"]) if query.get("state") else None
    page: Page[OrderRow] = read(
        visitor.principal, state=state, limit=PAGE_SIZE, cursor=query.get("cursor")
    )
    return render(
        "shop/orders.html" if here == ORDERS else "shop/sales.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager(here, query, page.next_cursor),
            "state": state,
            "states": list(OrderState),
            "done": done,
            "here": here,
            "line_max": MAX_LINE,
            "reason_max": MAX_REASON,
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get(ORDERS, dependencies=trails())
def my_orders(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    state: OrderState | None = None,
    done: Done | None = None,
) -> Response:
    return _page(core, visitor, ORDERS, request.query_params, done=done)


@router.get(SALES, dependencies=trails())
def my_sales(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    state: OrderState | None = None,
    done: Done | None = None,
) -> Response:
    return _page(core, visitor, SALES, request.query_params, done=done)


# A buyer's steps ---------------------------------------------------------------------------


@router.post(ORDERS + "/{order_id}/delivery")
def confirm_delivery(order_id: UUID, core: Core, visitor: Posting) -> Response:
    core.orders.deliver(visitor.principal, order_id)
    return see_other(f"{ORDERS}?done=delivered")


@router.post(ORDERS + "/{order_id}/return-request")
def request_return(
    order_id: UUID, core: Core, visitor: Posting, reason: Reason = "", cursor: FormCursor = ""
) -> Response:
    def attempt() -> Response:
        body = ReturnRequestBody.model_validate({"reason": reason})
        core.orders.request_return(visitor.principal, order_id, reason=body.reason)
        return see_other(f"{ORDERS}?done=return-requested")

    return answer_form(
        attempt,
        partial(_page, core, visitor, ORDERS, page_query(cursor)),
        typed={"reason": reason},
        form=f"return/{order_id}",
    )


@router.post(ORDERS + "/{order_id}/cancellation")
def cancel(
    order_id: UUID, core: Core, visitor: Posting, reason: Reason = "", cursor: FormCursor = ""
) -> Response:
    def attempt() -> Response:
        body = CancellationBody.model_validate({"reason": reason})
        core.orders.cancel(visitor.principal, order_id, reason=body.reason)
        return see_other(f"{ORDERS}?done=cancelled")

    return answer_form(
        attempt,
        partial(_page, core, visitor, ORDERS, page_query(cursor)),
        typed={"reason": reason},
        form=f"cancel/{order_id}",
    )


# A seller's steps --------------------------------------------------------------------------


@router.post(SALES + "/{order_id}/shipment")
def ship(
    order_id: UUID,
    core: Core,
    visitor: Posting,
    carrier: Line = "",
    tracking: Line = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> Response:
        body = ShipmentBody.model_validate({"carrier": carrier, "tracking": tracking})
        core.orders.ship(visitor.principal, order_id, carrier=body.carrier, tracking=body.tracking)
        return see_other(f"{SALES}?done=shipped")

    return answer_form(
        attempt,
        partial(_page, core, visitor, SALES, page_query(cursor)),
        typed={"carrier": carrier, "tracking": tracking},
        form=f"ship/{order_id}",
    )


@router.post(SALES + "/{order_id}/return-receipt")
def receive_return(order_id: UUID, core: Core, visitor: Posting) -> Response:
    core.orders.receive_return(visitor.principal, order_id)
    return see_other(f"{SALES}?done=returned")


@router.post(SALES + "/{order_id}/refund")
def refund(
    order_id: UUID,
    core: Core,
    visitor: Posting,
    amount_minor: Annotated[str, Form(max_length=19)] = "",
    currency: Annotated[str, Form(max_length=3)] = "USD",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> Response:
        written = amount_minor.strip()
        minor = int(written) if written.isdigit() else written
        amount = {"minor": minor, "currency": currency} if written else None
        body = RefundBody.model_validate({"amount": amount})
        given = None if body.amount is None else Money(body.amount.minor, body.amount.currency)
        core.orders.refund(visitor.principal, order_id, amount=given)
        return see_other(f"{SALES}?done=refunded")

    return answer_form(
        attempt,
        partial(_page, core, visitor, SALES, page_query(cursor)),
        typed={"amount_minor": amount_minor},
        form=f"refund/{order_id}",
        aliases={"amount": "amount_minor", FORM: "amount_minor"},
    )
