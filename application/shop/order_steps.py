"""An order after it is placed: shipped by its seller with the carrier's tracking reference,
delivered, returned at the buyer's request and refunded, or cancelled before it ships.

Each step is one transaction of the revenue log. A refund (and a cancellation, which refunds
the whole order) gives the money back through the payment provider, then records the order's
step, its journal entry — the buyer's payment given back, taken from the seller's proceeds,
the platform's commission and the creator's affiliate share in proportion — and the limited
accounts it touches, together: an account that would go below its limit (proceeds or an
affiliate share paid out already) refuses the refund before the provider is asked, and
nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.auth import Principal, Role, owns
from application.errors import NotPermitted, StaleVersion
from application.logs import RevenueLog
from application.ports import Clock
from application.revenue.ledgers import Ledger
from application.shop.payments import PaymentProvider
from application.shop.shop import OrderView
from domain.errors import IdempotencyKeyReused
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BUYER_PAYMENTS,
    PLATFORM_COMMISSION,
    JournalEntry,
    Posting,
    creator_payable,
    credit,
    debit,
    platform,
    seller_payable,
)
from domain.shop.listings import Listing, ListingStatus
from domain.shop.orders import Order, OrderState

ORDER_REFUNDED = "order-refunded"
STEP_ATTEMPTS = 10


def _is_seller(actor: Principal, order: Order) -> bool:
    return owns(actor, Role.SELLER, order.seller)


def _is_buyer(actor: Principal, order: Order) -> bool:
    return actor.label == order.buyer


def _is_admin(actor: Principal, _order: Order) -> bool:
    return actor.role is Role.ADMIN


def _require(actor: Principal, order: Order, doing: str, *who: Callable[..., bool]) -> None:
    if not any(allowed(actor, order) for allowed in who):
        raise NotPermitted(f"{actor.label} may not {doing} order {order.id}")


def refund_entry(
    order: Order, parts: Mapping[str, Money], cause: str, at: datetime
) -> JournalEntry:
    """The journal entry of a refund: the buyer's payment given back (credited to the
    buyer-payments account it was debited to), taken from each party in proportion."""
    currency = order.total.currency
    refund = parts["seller"] + parts["platform"] + parts["affiliate"]
    postings: list[Posting] = [credit(platform(PLATFORM_BUYER_PAYMENTS, currency), refund)]
    if parts["seller"].is_positive:
        postings.append(debit(seller_payable(order.seller, currency), parts["seller"]))
    if parts["platform"].is_positive:
        postings.append(debit(platform(PLATFORM_COMMISSION, currency), parts["platform"]))
    if order.creator is not None and parts["affiliate"].is_positive:
        postings.append(
            debit(
                creator_payable(order.creator, currency),
                parts["affiliate"],
                reference=f"video:{order.video_id}",
            )
        )
    return JournalEntry.record(cause=cause, kind=ORDER_REFUNDED, postings=postings, at=at)


def _retried(order: Order, done: OrderState, key: str, amount: Money) -> bool:
    """Whether the request repeats the refund already made under ``key`` (a lost answer,
    retried): the same key and amount. The same key for another amount is
    ``IdempotencyKeyReused``; no key, or another, leaves the step to refuse itself."""
    if not key or OrderState(order.state) is not done or order.refund_key != key:
        return False
    if order.refunded != amount:
        raise IdempotencyKeyReused(f"this Idempotency-Key refunded {order.refunded}, not {amount}")
    return True


class OrderSteps:
    """The steps of an order after it is placed, each by whom it belongs to."""

    def __init__(
        self,
        revenue: RevenueLog,
        *,
        ledger: Ledger,
        clock: Clock,
        payments: PaymentProvider,
    ) -> None:
        self._revenue = revenue
        self.ledger = ledger
        self.clock = clock
        self.payments = payments

    def ship(self, actor: Principal, order_id: UUID, *, carrier: str, tracking: str) -> OrderView:
        """The order's seller ships it with a carrier and its tracking reference (nobody
        else may: ``NotPermitted``); only a paid order ships (``StepOutOfOrder``)."""

        def step(order: Order) -> list[Aggregate]:
            _require(actor, order, "ship", _is_seller)
            order.ship(carrier=carrier, tracking=tracking, by=actor.label, at=self.clock.now())
            return [order]

        return self._step(order_id, step)

    def deliver(self, actor: Principal, order_id: UUID) -> OrderView:
        """The shipped order arrived, as its seller (from the carrier), its buyer or an
        admin records it."""

        def step(order: Order) -> list[Aggregate]:
            _require(actor, order, "record the delivery of", _is_seller, _is_buyer, _is_admin)
            order.deliver(by=actor.label, at=self.clock.now())
            return [order]

        return self._step(order_id, step)

    def request_return(self, actor: Principal, order_id: UUID, *, reason: str) -> OrderView:
        """The buyer asks to return the delivered order, saying why."""

        def step(order: Order) -> list[Aggregate]:
            _require(actor, order, "request the return of", _is_buyer)
            order.request_return(reason=reason, by=actor.label, at=self.clock.now())
            return [order]

        return self._step(order_id, step)

    def receive_return(self, actor: Principal, order_id: UUID) -> OrderView:
        """The seller (or an admin) records that the returned items arrived back."""

        def step(order: Order) -> list[Aggregate]:
            _require(actor, order, "receive the return of", _is_seller, _is_admin)
            order.receive_return(by=actor.label, at=self.clock.now())
            return [order]

        return self._step(order_id, step)

    def refund(
        self,
        actor: Principal,
        order_id: UUID,
        *,
        amount: Money | None = None,
        idempotency_key: str = "",
    ) -> OrderView:
        """The seller (or an admin) refunds the returned order, whole (no amount) or in part,
        once. More than was paid is ``RefundExceedsPayment``; a second refund of the return
        is ``ReturnRefunded`` — unless it is a retry under the first one's
        ``idempotency_key`` for the same amount, which answers the order as it was refunded
        (``replayed``); a refund that would take a balance below its limit (proceeds or an
        affiliate share paid out already) is ``LimitExceeded``. Nothing is recorded and no
        money moves when it is refused."""

        def step(order: Order) -> list[Aggregate]:
            _require(actor, order, "refund", _is_seller, _is_admin)
            refund = order.total if amount is None else amount
            if _retried(order, OrderState.REFUNDED, idempotency_key, refund):
                return []
            parts = order.refundable(refund)
            now = self.clock.now()
            entry = refund_entry(order, parts, f"order:{order.id}:refund", now)
            accounts = self.ledger.accounts_for(entry)
            reference = self._give_back(order, refund)
            order.refund(refund, reference=reference, by=actor.label, at=now, key=idempotency_key)
            return [order, entry, *accounts]

        return self._step(order_id, step)

    def cancel(
        self, actor: Principal, order_id: UUID, *, reason: str, idempotency_key: str = ""
    ) -> OrderView:
        """The buyer, the seller or an admin cancels a paid order before it ships: the whole
        payment is given back, the sale's postings reversed, and its items go back into the
        listing's stock if the listing is still on sale. A retry under the first
        cancellation's ``idempotency_key`` answers the cancelled order (``replayed``)."""

        def step(order: Order) -> list[Aggregate]:
            _require(actor, order, "cancel", _is_buyer, _is_seller, _is_admin)
            if _retried(order, OrderState.CANCELLED, idempotency_key, order.total):
                return []
            parts = order.cancellable(reason)
            now = self.clock.now()
            entry = refund_entry(order, parts, f"order:{order.id}:refund", now)
            accounts = self.ledger.accounts_for(entry)
            listing = self._revenue.load(Listing, order.listing_id)
            restocked: list[Aggregate] = []
            if ListingStatus(listing.status) is ListingStatus.LISTED:
                listing.restock(order.quantity, at=now)
                restocked.append(listing)
            reference = self._give_back(order, order.total)
            order.cancel(
                reason=reason, reference=reference, by=actor.label, at=now, key=idempotency_key
            )
            return [order, entry, *accounts, *restocked]

        return self._step(order_id, step)

    def _give_back(self, order: Order, amount: Money) -> str:
        """The provider's refund of an order paid through it; an order placed before payments
        were recorded has no intent, and its refund is settled outside (no reference)."""
        if not order.payment_intent:
            return ""
        refund = self.payments.refund(
            order.payment_intent, amount, idempotency_key=f"order:{order.id}:refund"
        )
        return refund.id

    def _step(self, order_id: UUID, step: Callable[[Order], list[Aggregate]]) -> OrderView:
        for attempt in range(STEP_ATTEMPTS):
            order = self._revenue.load(Order, order_id)
            try:
                changed = step(order)
                if not changed:
                    return OrderView.of(order, replayed=True)
                self._revenue.commit(*changed)
            except StaleVersion:
                # Another step of the same order, or a posting to one of its accounts, got
                # there first: take the step again against what it recorded.
                if attempt == STEP_ATTEMPTS - 1:
                    raise
                continue
            return OrderView.of(order)
        raise AssertionError("unreachable")  # pragma: no cover
