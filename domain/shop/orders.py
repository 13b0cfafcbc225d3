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
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.categories import CATEGORIES, checked_category
from domain.errors import InvalidValue
from domain.money import Money, split_in_half
from domain.shop.listings import Listing, Seller
from domain.time import checked_instant

DEFAULT_RATE_BP = 800  # 8% until a category's rate is set
MAX_RATE_BP = 5_000
_ORDERS = uuid5(NAMESPACE_URL, "urn:spotlight:order")
_SCHEDULE = uuid5(NAMESPACE_URL, "urn:spotlight:commission-schedule")


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


class Order(DomainAggregate):
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
