"""``/shop/orders``: the orders the visitor placed, and ``/shop/sales``: the orders placed on
the visitor's listings, a page at a time, each in its state (only one state, if chosen), with
a form for the step it awaits from the visitor: a buyer confirms a delivery, asks for a
return or cancels an order not yet shipped; a seller ships with a carrier and tracking
reference, records a return received, and refunds it (all or part).

The pages call the use cases of ``GET /v1/me/orders``, ``GET /v1/me/sales`` and the order
steps (``POST /v1/orders/{id}/...``) with the visitor as the caller; bodies are checked by the
API's own models, and a step refused by the API is refused here with its status and reason."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Response

from application.paging import Page
from application.shop.shop_lists import OrderRow
from domain.errors import InvalidValue
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
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
ORDERS = "/shop/orders"
SALES = "/shop/sales"
Done = Literal["shipped", "delivered", "return-requested", "returned", "refunded", "cancelled"]
Line = Annotated[str, Form(max_length=MAX_LINE)]
Reason = Annotated[str, Form(max_length=MAX_REASON)]


def _page(
    template: str,
    visitor: Visitor,
    page: Page[OrderRow],
    state: OrderState | None,
    done: Done | None,
    here: str,
) -> Response:
    return render(
        template,
        {
            "visitor": visitor,
            "items": page.items,
            "next": page.next_cursor,
            "state": state,
            "states": list(OrderState),
            "done": done,
            "here": here,
            "line_max": MAX_LINE,
            "reason_max": MAX_REASON,
        },
    )


@router.get(ORDERS)
def my_orders(
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    state: OrderState | None = None,
    done: Done | None = None,
) -> Response:
    page = core.shop_lists.buyer_orders(
        visitor.principal, state=state, limit=PAGE_SIZE, cursor=cursor
    )
    return _page("shop/orders.html", visitor, page, state, done, ORDERS)


@router.get(SALES)
def my_sales(
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    state: OrderState | None = None,
    done: Done | None = None,
) -> Response:
    page = core.shop_lists.seller_sales(
        visitor.principal, state=state, limit=PAGE_SIZE, cursor=cursor
    )
    return _page("shop/sales.html", visitor, page, state, done, SALES)


# A buyer's steps ---------------------------------------------------------------------------


@router.post(ORDERS + "/{order_id}/delivery")
def confirm_delivery(order_id: UUID, core: Core, visitor: Posting) -> Response:
    core.orders.deliver(visitor.principal, order_id)
    return see_other(f"{ORDERS}?done=delivered")


@router.post(ORDERS + "/{order_id}/return-request")
def request_return(order_id: UUID, core: Core, visitor: Posting, reason: Reason) -> Response:
    body = ReturnRequestBody.model_validate({"reason": reason})
    core.orders.request_return(visitor.principal, order_id, reason=body.reason)
    return see_other(f"{ORDERS}?done=return-requested")


@router.post(ORDERS + "/{order_id}/cancellation")
def cancel(order_id: UUID, core: Core, visitor: Posting, reason: Reason) -> Response:
    body = CancellationBody.model_validate({"reason": reason})
    core.orders.cancel(visitor.principal, order_id, reason=body.reason)
    return see_other(f"{ORDERS}?done=cancelled")


# A seller's steps --------------------------------------------------------------------------


@router.post(SALES + "/{order_id}/shipment")
def ship(order_id: UUID, core: Core, visitor: Posting, carrier: Line, tracking: Line) -> Response:
    body = ShipmentBody.model_validate({"carrier": carrier, "tracking": tracking})
    core.orders.ship(visitor.principal, order_id, carrier=body.carrier, tracking=body.tracking)
    return see_other(f"{SALES}?done=shipped")


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
) -> Response:
    written = amount_minor.strip()
    if written and not written.isdigit():
        raise InvalidValue(f"a refund is whole minor units (1250 is 12.50), not {written!r}")
    amount = {"minor": int(written), "currency": currency} if written else None
    body = RefundBody.model_validate({"amount": amount})
    given = None if body.amount is None else Money(body.amount.minor, body.amount.currency)
    core.orders.refund(visitor.principal, order_id, amount=given)
    return see_other(f"{SALES}?done=refunded")
