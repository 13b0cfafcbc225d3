"""An order's steps after it is placed, over HTTP: shipment, delivery, return request,
return receipt, refund and cancellation. Each answers the order as it now stands; a step out
of order is a 409 `StepOutOfOrder`, a step by someone it does not belong to a 403."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response

from entrypoints.http.security import Caller, Core
from entrypoints.http.shop.shop_schemas import (
    CancellationBody,
    OrderOut,
    RefundBody,
    ReturnRequestBody,
    ShipmentBody,
)
from entrypoints.http.versions import REPLAYED

router = APIRouter(tags=["shop"])

RefundKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Your id for this refund: a retry with the same key (and amount) gets "
        "the first answer, marked `Idempotent-Replayed: true`.",
    ),
]


@router.post("/v1/orders/{order_id}/shipment", response_model=OrderOut)
def ship_order(order_id: UUID, body: ShipmentBody, core: Core, caller: Caller) -> OrderOut:
    """The order's seller ships the paid order with a carrier and its tracking reference;
    nobody else may (403)."""
    view = core.orders.ship(caller, order_id, carrier=body.carrier, tracking=body.tracking)
    return OrderOut.model_validate(view)


@router.post("/v1/orders/{order_id}/delivery", response_model=OrderOut)
def deliver_order(order_id: UUID, core: Core, caller: Caller) -> OrderOut:
    """The shipped order arrived: its seller (from the carrier), its buyer or an admin
    records it."""
    return OrderOut.model_validate(core.orders.deliver(caller, order_id))


@router.post("/v1/orders/{order_id}/return-request", response_model=OrderOut)
def request_return(order_id: UUID, body: ReturnRequestBody, core: Core, caller: Caller) -> OrderOut:
    """The buyer asks to return the delivered order, saying why."""
    view = core.orders.request_return(caller, order_id, reason=body.reason)
    return OrderOut.model_validate(view)


@router.post("/v1/orders/{order_id}/return-receipt", response_model=OrderOut)
def receive_return(order_id: UUID, core: Core, caller: Caller) -> OrderOut:
    """The seller (or an admin) received the returned items back."""
    return OrderOut.model_validate(core.orders.receive_return(caller, order_id))


@router.post("/v1/orders/{order_id}/refund", response_model=OrderOut)
def refund_order(
    order_id: UUID,
    body: RefundBody,
    core: Core,
    caller: Caller,
    response: Response,
    idempotency_key: RefundKey = None,
) -> OrderOut:
    """The seller (or an admin) refunds the returned order, whole (no amount) or in part,
    once: the buyer's money goes back through the payment provider, and the refund takes
    back the seller's proceeds, the platform's commission and the creator's affiliate share
    in proportion. 422 `RefundExceedsPayment`: more than was paid; 409 `ReturnRefunded`: the
    return was refunded already; 409 `LimitExceeded`: proceeds or an affiliate share were
    paid out already. A refused refund records nothing and moves no money."""
    amount = None if body.amount is None else body.amount.to_domain()
    view = core.orders.refund(
        caller, order_id, amount=amount, idempotency_key=idempotency_key or ""
    )
    if view.replayed:
        response.headers[REPLAYED] = "true"
    return OrderOut.model_validate(view)


@router.post("/v1/orders/{order_id}/cancellation", response_model=OrderOut)
def cancel_order(
    order_id: UUID,
    body: CancellationBody,
    core: Core,
    caller: Caller,
    response: Response,
    idempotency_key: RefundKey = None,
) -> OrderOut:
    """The buyer, the seller or an admin cancels a paid order before it ships: the whole
    payment goes back and the items return to the listing's stock. A retry under the same
    `Idempotency-Key` answers the cancelled order again."""
    view = core.orders.cancel(
        caller, order_id, reason=body.reason, idempotency_key=idempotency_key or ""
    )
    if view.replayed:
        response.headers[REPLAYED] = "true"
    return OrderOut.model_validate(view)
