"""Sales: an order for a listing, attributed to the video whose tag led to it, and how its
money is shared.

For an order of ``total``: the platform's commission is ``total x rate / 10,000`` rounded
down to the minor unit (the rate, in basis points, is the one in force for the listing's
category when the order is placed); the seller's proceeds are the rest. If the order came
through a video whose creator opted in to the affiliate share, the creator receives half of
the commission by ``split_in_half`` (the odd unit to the creator) and the platform keeps the
other half. Rates are recorded when they change (``CommissionSchedule``); an order records
the rate it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.categories import CATEGORIES, checked_category
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money, split_in_half
from domain.shop.listings import Listing, Seller
from domain.text import checked_free_text, checked_line
from domain.time import checked_instant

DEFAULT_RATE_BP = 800  # 8% until a category's rate is set
MAX_RATE_BP = 5_000
_ORDERS = uuid5(NAMESPACE_URL, "urn:spotlight:order")
_SCHEDULE = uuid5(NAMESPACE_URL, "urn:spotlight:commission-schedule")
MAX_LINE = 100  # a carrier's name, a tracking reference, a payment reference
MAX_REASON = 500
MAX_KEY = 200


class OrderState(StrEnum):
    """Where an order is in its life. An order is paid when it is placed (the payment is
    confirmed before it is recorded), so ``paid`` is where every order starts."""

    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURN_REQUESTED = "return-requested"
    RETURNED = "returned"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class StepOutOfOrder(RuleViolated):
    """The order is not where this step can be taken (e.g. delivered before it was shipped)."""


class ReturnRefunded(RuleViolated):
    """The order's return was refunded already: a return is refunded once."""


class RefundExceedsPayment(InvalidValue):
    """A refund larger than what the buyer paid and was not yet refunded."""


class CommissionSchedule(DomainAggregate):
    """The platform's commission rate per category, as it changes over time (one aggregate:
    rates change rarely, and an order reads the rate in force)."""

    TOPIC = "spotlight.orders:CommissionSchedule"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.orders:CommissionScheduleOpened"
        default_bp: int

    class RateSet(Aggregate.Event):
        TOPIC = "spotlight.orders:CommissionRateSet"
        category: str
        basis_points: int
        set_by: str
        set_at: datetime

    ID = uuid5(_SCHEDULE, "platform")

    @classmethod
    def open(cls) -> CommissionSchedule:
        return cls(id=cls.ID, default_bp=DEFAULT_RATE_BP)

    @event(Opened)
    def __init__(self, id: UUID, default_bp: int) -> None:
        self.rates: dict[str, int] = dict.fromkeys(CATEGORIES, default_bp)

    def set_rate(self, category: str, basis_points: int, *, by: str, at: datetime) -> None:
        if isinstance(basis_points, bool) or not 0 <= basis_points <= MAX_RATE_BP:
            raise InvalidValue(f"a commission rate lies between 0 and {MAX_RATE_BP} basis points")
        self._rate_set(
            category=checked_category(category),
            basis_points=basis_points,
            set_by=by,
            set_at=checked_instant(at),
        )

    @event(RateSet)
    def _rate_set(self, category: str, basis_points: int, set_by: str, set_at: datetime) -> None:
        self.rates[category] = basis_points

    def rate_for(self, category: str) -> int:
        return self.rates.get(category, DEFAULT_RATE_BP)


def share_of(total: Money, rate_bp: int, *, affiliate: bool) -> Mapping[str, Money]:
    """(proceeds, commission kept by the platform, affiliate share) of an order's total."""
    commission = Money(total.minor * rate_bp // 10_000, total.currency)
    affiliate_share = Money.zero(total.currency)
    if affiliate and commission.is_positive:
        affiliate_share, _kept = split_in_half(commission)
    return {
        "proceeds": total - commission,
        "platform": commission - affiliate_share,
        "affiliate": affiliate_share,
    }


def _line(value: str, what: str) -> str:
    stripped = checked_line(value, what).strip()
    if not stripped or len(stripped) > MAX_LINE:
        raise InvalidValue(f"{what} has 1 to {MAX_LINE} characters")
    return stripped


def _reason(value: str, what: str) -> str:
    stripped = checked_free_text(value, what).strip()
    if not stripped or len(stripped) > MAX_REASON:
        raise InvalidValue(f"{what} has 1 to {MAX_REASON} characters")
    return stripped


def refund_shares(
    total: Money, platform_commission: Money, affiliate_share: Money, refund: Money
) -> Mapping[str, Money]:
    """(seller's part, platform's commission, creator's affiliate share) a refund of
    ``refund`` out of ``total`` takes back, in proportion to how the sale was shared.

    Each part is its share x refund / total rounded down to the minor unit; the one or two
    units the roundings leave go to the seller's part, then the platform's, never past what
    that party received. So the parts add up to the refund exactly, none takes back more
    than its party received, and a whole refund takes back exactly what the sale posted."""
    proceeds = total - platform_commission - affiliate_share
    shares = {"seller": proceeds, "platform": platform_commission, "affiliate": affiliate_share}
    parts = {name: share.minor * refund.minor // total.minor for name, share in shares.items()}
    left = refund.minor - sum(parts.values())
    for name, share in shares.items():
        more = min(left, share.minor - parts[name])
        parts[name] += more
        left -= more
    return {name: Money(minor, total.currency) for name, minor in parts.items()}


class Order(DomainAggregate):
    """An order: placed and paid, then shipped by its seller, delivered, possibly returned
    and refunded, or cancelled before it ships. Each step is taken only from the state
    before it (``StepOutOfOrder`` otherwise)."""

    TOPIC = "spotlight.orders:Order"

    class Placed(Aggregate.Created):
        TOPIC = "spotlight.orders:OrderPlaced"
        listing_id: UUID
        seller: str
        buyer: str
        quantity: int
        unit_price: Money
        total: Money
        video_id: UUID | None
        creator: str | None  # the video's creator, if they receive the affiliate share
        rate_bp: int
        proceeds: Money
        platform_commission: Money
        affiliate_share: Money
        placed_at: datetime

    @staticmethod
    def id_for(buyer: str, key: str) -> UUID:
        if not key or len(key) > 200:
            raise InvalidValue("an order key has 1 to 200 characters")
        return uuid5(_ORDERS, f"{buyer}/{key}")

    @classmethod
    def place(
        cls,
        order_id: UUID,
        *,
        listing: Listing,
        seller: Seller,
        buyer: str,
        buyer_account: str,
        quantity: int,
        video_id: UUID | None,
        affiliate_creator: str | None,
        rate_bp: int,
        at: datetime,
    ) -> Order:
        """The order, taking its items from the listing's stock (same transaction).

        ``buyer`` is how the buyer is recorded (role and account); ``buyer_account`` is the
        account alone, which is what a seller is, whatever role they buy in."""
        seller.require_active()
        if buyer_account == listing.seller:
            raise InvalidValue("a seller does not buy their own listing")
        total = listing.price_of(quantity)
        listing.sell(order_id, quantity)
        shares = share_of(total, rate_bp, affiliate=affiliate_creator is not None)
        return cls(
            id=order_id,
            listing_id=listing.id,
            seller=listing.seller,
            buyer=buyer,
            quantity=quantity,
            unit_price=listing.price,
            total=total,
            video_id=video_id,
            creator=affiliate_creator,
            rate_bp=rate_bp,
            proceeds=shares["proceeds"],
            platform_commission=shares["platform"],
            affiliate_share=shares["affiliate"],
            placed_at=checked_instant(at),
        )

    @event(Placed)
    def __init__(
        self,
        id: UUID,
        listing_id: UUID,
        seller: str,
        buyer: str,
        quantity: int,
        unit_price: Money,
        total: Money,
        video_id: UUID | None,
        creator: str | None,
        rate_bp: int,
        proceeds: Money,
        platform_commission: Money,
        affiliate_share: Money,
        placed_at: datetime,
    ) -> None:
        self.listing_id = listing_id
        self.seller = seller
        self.buyer = buyer
        self.quantity = quantity
        self.unit_price = unit_price
        self.total = total
        self.video_id = video_id
        self.creator = creator
        self.rate_bp = rate_bp
        self.proceeds = proceeds
        self.platform_commission = platform_commission
        self.affiliate_share = affiliate_share
        self.placed_at = placed_at

        self.state = OrderState.PAID
        self.payment_provider = ""
        self.payment_intent = ""  # orders placed before payments were recorded have none
        self.carrier = ""
        self.tracking = ""
        self.return_reason = ""
        self.refunded = Money.zero(total.currency)
        self.refund_reference = ""
        self.refund_key = ""

    # Lifecycle events ------------------------------------------------------------------

    class Paid(Aggregate.Event):
        TOPIC = "spotlight.orders:OrderPaid"
        provider: str  # the payment provider's name (sandbox: says so)
        intent: str  # the provider's payment intent that succeeded
        amount: Money
        paid_at: datetime

    class Shipped(Aggregate.Event):
        TOPIC = "spotlight.orders:OrderShipped"
        carrier: str
        tracking: str
        shipped_by: str
        shipped_at: datetime

    class Delivered(Aggregate.Event):
        TOPIC = "spotlight.orders:OrderDelivered"
        delivered_by: str
        delivered_at: datetime

    class ReturnRequested(Aggregate.Event):
        TOPIC = "spotlight.orders:OrderReturnRequested"
        reason: str
        requested_by: str
        requested_at: datetime

    class Returned(Aggregate.Event):
        TOPIC = "spotlight.orders:OrderReturned"
        received_by: str
        returned_at: datetime

    class Refunded(Aggregate.Event):
        TOPIC = "spotlight.orders:OrderRefunded"
        amount: Money
        seller_part: Money
        platform_commission: Money
        affiliate_share: Money
        reference: str  # the provider's refund, if the order was paid through one
        refunded_by: str
        refunded_at: datetime
        idempotency_key: str  # the caller's key of the refund ("": none given)

    class Cancelled(Aggregate.Event):
        TOPIC = "spotlight.orders:OrderCancelled"
        reason: str
        cancelled_by: str
        cancelled_at: datetime

    # Commands --------------------------------------------------------------------------

    def record_payment(self, *, provider: str, intent: str, amount: Money, at: datetime) -> None:
        """The provider's payment intent for this order succeeded (recorded with the order)."""
        self._require(OrderState.PAID, "record a payment")
        if self.payment_intent:
            raise StepOutOfOrder(f"order {self.id} was paid already ({self.payment_intent})")
        if amount != self.total:
            raise InvalidValue(f"the order's total is {self.total}, not {amount}")
        self._paid(
            provider=_line(provider, "a payment provider"),
            intent=_line(intent, "a payment intent"),
            amount=amount,
            paid_at=checked_instant(at),
        )

    @event(Paid)
    def _paid(self, provider: str, intent: str, amount: Money, paid_at: datetime) -> None:
        self.payment_provider = provider
        self.payment_intent = intent

    def ship(self, *, carrier: str, tracking: str, by: str, at: datetime) -> None:
        """The seller hands the order to a carrier, with the carrier's tracking reference."""
        self._require(OrderState.PAID, "ship")
        self._shipped(
            carrier=_line(carrier, "a carrier"),
            tracking=_line(tracking, "a tracking reference"),
            shipped_by=by,
            shipped_at=checked_instant(at),
        )

    @event(Shipped)
    def _shipped(self, carrier: str, tracking: str, shipped_by: str, shipped_at: datetime) -> None:
        self.state = OrderState.SHIPPED
        self.carrier = carrier
        self.tracking = tracking

    def deliver(self, *, by: str, at: datetime) -> None:
        """The carrier delivered the shipped order."""
        self._require(OrderState.SHIPPED, "deliver")
        self._delivered(delivered_by=by, delivered_at=checked_instant(at))

    @event(Delivered)
    def _delivered(self, delivered_by: str, delivered_at: datetime) -> None:
        self.state = OrderState.DELIVERED

    def request_return(self, *, reason: str, by: str, at: datetime) -> None:
        """The buyer asks to send the delivered order back, saying why."""
        self._require(OrderState.DELIVERED, "request a return")
        self._return_requested(
            reason=_reason(reason, "a return's reason"),
            requested_by=by,
            requested_at=checked_instant(at),
        )

    @event(ReturnRequested)
    def _return_requested(self, reason: str, requested_by: str, requested_at: datetime) -> None:
        self.state = OrderState.RETURN_REQUESTED
        self.return_reason = reason

    def receive_return(self, *, by: str, at: datetime) -> None:
        """The seller received the returned items."""
        self._require(OrderState.RETURN_REQUESTED, "receive a return")
        self._returned(received_by=by, returned_at=checked_instant(at))

    @event(Returned)
    def _returned(self, received_by: str, returned_at: datetime) -> None:
        self.state = OrderState.RETURNED

    def refundable(self, amount: Money) -> Mapping[str, Money]:
        """The parts a refund of ``amount`` of the returned order would take back from the
        seller, the platform's commission and the creator's affiliate share, if it may be
        refunded (checked, nothing changed): the money is given back before it is recorded."""
        if OrderState(self.state) is OrderState.REFUNDED:
            raise ReturnRefunded(f"order {self.id}'s return was refunded already ({self.refunded})")
        self._require(OrderState.RETURNED, "be refunded")
        return self.refund_parts(amount)

    def refund(
        self, amount: Money, *, reference: str, by: str, at: datetime, key: str = ""
    ) -> Mapping[str, Money]:
        """Refund the returned order, whole or in part (once), answering the parts taken back
        from the seller, the platform's commission and the creator's affiliate share;
        ``key`` is the caller's idempotency key, kept to recognise a retry."""
        self.refundable(amount)
        return self._refund(amount, reference=reference, by=by, at=at, key=key)

    def cancellable(self, reason: str) -> Mapping[str, Money]:
        """The parts a cancellation would take back (its whole total), if the order may be
        cancelled (checked, nothing changed)."""
        self._require(OrderState.PAID, "be cancelled")
        _reason(reason, "a cancellation's reason")
        return self.refund_parts(self.total)

    def cancel(
        self, *, reason: str, reference: str, by: str, at: datetime, key: str = ""
    ) -> Mapping[str, Money]:
        """Cancel the order before it ships: the whole total is refunded with it; answers the
        parts taken back."""
        self.cancellable(reason)
        why = _reason(reason, "a cancellation's reason")
        parts = self._refund(self.total, reference=reference, by=by, at=at, key=key)
        self._cancelled(reason=why, cancelled_by=by, cancelled_at=checked_instant(at))
        return parts

    @event(Cancelled)
    def _cancelled(self, reason: str, cancelled_by: str, cancelled_at: datetime) -> None:
        self.state = OrderState.CANCELLED

    def refund_parts(self, amount: Money) -> Mapping[str, Money]:
        """What a refund of ``amount`` would take back from whom (checked, nothing changed)."""
        amount.require_amount("a refund")
        if amount.currency != self.total.currency:
            raise InvalidValue(
                f"the order was paid in {self.total.currency}, not {amount.currency}"
            )
        left = self.total - self.refunded
        if left < amount:
            raise RefundExceedsPayment(
                f"the buyer paid {self.total} and {left} of it is left to refund, not {amount}"
            )
        return refund_shares(self.total, self.platform_commission, self.affiliate_share, amount)

    def _refund(
        self, amount: Money, *, reference: str, by: str, at: datetime, key: str
    ) -> Mapping[str, Money]:
        parts = self.refund_parts(amount)
        if reference:
            _line(reference, "a refund reference")
        if len(key) > MAX_KEY:
            raise InvalidValue(f"an idempotency key has at most {MAX_KEY} characters")
        self._refunded(
            amount=amount,
            seller_part=parts["seller"],
            platform_commission=parts["platform"],
            affiliate_share=parts["affiliate"],
            reference=reference.strip(),
            refunded_by=by,
            refunded_at=checked_instant(at),
            idempotency_key=key,
        )
        return parts

    @event(Refunded)
    def _refunded(
        self,
        amount: Money,
        seller_part: Money,
        platform_commission: Money,
        affiliate_share: Money,
        reference: str,
        refunded_by: str,
        refunded_at: datetime,
        idempotency_key: str,
    ) -> None:
        self.state = OrderState.REFUNDED
        self.refunded = self.refunded + amount
        self.refund_reference = reference
        self.refund_key = idempotency_key

    def _require(self, state: OrderState, doing: str) -> None:
        if OrderState(self.state) is not state:
            raise StepOutOfOrder(
                f"order {self.id} is {self.state.value}: only a {state.value} order can {doing}"
            )
