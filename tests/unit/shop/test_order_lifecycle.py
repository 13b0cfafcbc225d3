"""An order's life after it is placed: the seller ships it with a carrier and a tracking
reference, it is delivered, the buyer asks to return it, the seller receives it back and
refunds it (whole or in part, once); or it is cancelled before it ships. Each step follows
the one before it; a refund takes back the commission and the creator's affiliate share in
proportion, and no balance goes below its limit.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.auth import Principal, Role
from application.errors import NotPermitted
from application.shop.order_steps import ORDER_REFUNDED
from application.shop.payments import PaymentDeclined
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BUYER_PAYMENTS,
    PLATFORM_COMMISSION,
    JournalEntry,
    LimitExceeded,
    creator_payable,
    platform,
    seller_payable,
)
from domain.shop.listings import Listing, Seller
from domain.shop.orders import (
    MAX_RATE_BP,
    Order,
    OrderState,
    RefundExceedsPayment,
    ReturnRefunded,
    StepOutOfOrder,
    refund_shares,
    share_of,
)
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT
from tests.photos import plain_photo

NOW = OPENING_NIGHT
OPS = Principal(Role.ADMIN, "ops")
ACME = Principal(Role.SELLER, "acme")
BOLT = Principal(Role.SELLER, "bolt")
MIA = Principal(Role.CREATOR, "mia")
VIC = Principal(Role.VIEWER, "vic")
WES = Principal(Role.VIEWER, "wes")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


HUNDRED = Money(100_00, "USD")


def placed_order(total: Money = HUNDRED, *, affiliate: bool = False) -> Order:
    acme = Seller.register(account="acme", name="Acme", at=NOW)
    listing = Listing.list(
        uuid4(),
        seller=acme,
        title="Leather handbag",
        description="",
        price=total,
        stock=5,
        category="fashion",
        images=["d1"],
        at=NOW,
    )
    return Order.place(
        uuid4(),
        listing=listing,
        seller=acme,
        buyer="viewer:vic",
        buyer_account="vic",
        quantity=1,
        video_id=uuid4() if affiliate else None,
        affiliate_creator="mia" if affiliate else None,
        rate_bp=800,
        at=NOW,
    )


def returned(order: Order) -> Order:
    order.ship(carrier="DHL", tracking="JD0146", by="seller:acme", at=NOW)
    order.deliver(by="seller:acme", at=NOW)
    order.request_return(reason="wrong colour", by="viewer:vic", at=NOW)
    order.receive_return(by="seller:acme", at=NOW)
    return order


# The aggregate -----------------------------------------------------------------------------


def test_an_order_starts_paid_and_goes_through_shipping_delivery_and_return() -> None:
    order = placed_order()
    assert order.state is OrderState.PAID
    states: list[OrderState] = []

    order.ship(carrier=" DHL ", tracking="JD0146", by="seller:acme", at=NOW)
    assert (order.state, order.carrier, order.tracking) == (OrderState.SHIPPED, "DHL", "JD0146")
    order.deliver(by="seller:acme", at=NOW)
    states.append(order.state)
    order.request_return(reason="wrong colour", by="viewer:vic", at=NOW)
    states.append(order.state)
    assert order.return_reason == "wrong colour"
    order.receive_return(by="seller:acme", at=NOW)
    states.append(order.state)
    assert states == [OrderState.DELIVERED, OrderState.RETURN_REQUESTED, OrderState.RETURNED]

    parts = order.refund(usd(100_00), reference="re_1", by="seller:acme", at=NOW)

    assert (order.state, order.refunded) == (OrderState.REFUNDED, usd(100_00))
    assert parts == {"seller": usd(92_00), "platform": usd(8_00), "affiliate": usd(0)}
    assert [type(e).__name__ for e in order.collect_events()] == [
        "Placed",
        "Shipped",
        "Delivered",
        "ReturnRequested",
        "Returned",
        "Refunded",
    ]


@pytest.mark.parametrize(
    "step",
    [
        lambda o: o.deliver(by="seller:acme", at=NOW),
        lambda o: o.request_return(reason="broken", by="viewer:vic", at=NOW),
        lambda o: o.receive_return(by="seller:acme", at=NOW),
        lambda o: o.refund(usd(1_00), reference="", by="seller:acme", at=NOW),
    ],
)
def test_a_step_out_of_order_is_refused_and_changes_nothing(step: object) -> None:
    order = placed_order()
    before = len(order.pending_events)

    with pytest.raises(StepOutOfOrder):
        step(order)  # type: ignore[operator]

    assert order.state is OrderState.PAID
    assert len(order.pending_events) == before


def test_a_shipped_order_can_no_longer_be_cancelled() -> None:
    order = placed_order()
    order.ship(carrier="DHL", tracking="JD0146", by="seller:acme", at=NOW)

    with pytest.raises(StepOutOfOrder, match="shipped"):
        order.cancel(reason="changed my mind", reference="", by="viewer:vic", at=NOW)


def test_a_refund_larger_than_what_was_paid_is_refused() -> None:
    order = returned(placed_order(usd(50_00)))

    with pytest.raises(RefundExceedsPayment, match=r"50\.00 USD"):
        order.refund(usd(50_01), reference="", by="seller:acme", at=NOW)
    assert (order.state, order.refunded) == (OrderState.RETURNED, usd(0))


def test_a_return_is_refunded_once() -> None:
    order = returned(placed_order())
    order.refund(usd(30_00), reference="", by="seller:acme", at=NOW)

    with pytest.raises(ReturnRefunded):
        order.refund(usd(10_00), reference="", by="seller:acme", at=NOW)
    assert order.refunded == usd(30_00)


def test_a_refund_in_another_currency_or_of_nothing_is_refused() -> None:
    order = returned(placed_order())
    with pytest.raises(ValueError, match="USD"):
        order.refund(Money(10_00, "EUR"), reference="", by="seller:acme", at=NOW)
    with pytest.raises(ValueError, match="more than zero"):
        order.refund(usd(0), reference="", by="seller:acme", at=NOW)


def test_a_shipment_names_its_carrier_and_tracking_reference_on_one_line() -> None:
    order = placed_order()
    with pytest.raises(ValueError, match="carrier"):
        order.ship(carrier="  ", tracking="JD0146", by="seller:acme", at=NOW)
    with pytest.raises(ValueError, match="one line"):
        order.ship(carrier="DHL", tracking="JD\n0146", by="seller:acme", at=NOW)
    assert order.state is OrderState.PAID


def test_a_cancellation_refunds_the_whole_order() -> None:
    order = placed_order(affiliate=True)

    parts = order.cancel(reason="changed my mind", reference="re_9", by="viewer:vic", at=NOW)

    assert order.state is OrderState.CANCELLED
    assert order.refunded == order.total
    assert parts == {
        "seller": order.proceeds,
        "platform": order.platform_commission,
        "affiliate": order.affiliate_share,
    }


@given(
    total=st.integers(1, 10**12),
    rate=st.integers(0, MAX_RATE_BP),
    affiliate=st.booleans(),
    data=st.data(),
)
def test_a_refund_takes_back_each_share_in_proportion_and_adds_up_exactly(
    total: int, rate: int, affiliate: bool, data: st.DataObject
) -> None:
    shares = share_of(usd(total), rate, affiliate=affiliate)
    refund = data.draw(st.integers(1, total))

    parts = refund_shares(usd(total), shares["platform"], shares["affiliate"], usd(refund))

    assert sum(part.minor for part in parts.values()) == refund
    assert all(part.minor >= 0 for part in parts.values())
    assert parts["platform"] <= shares["platform"]
    assert parts["affiliate"] <= shares["affiliate"]
    assert parts["seller"] <= shares["proceeds"]
    if refund == total:
        assert parts == {
            "seller": shares["proceeds"],
            "platform": shares["platform"],
            "affiliate": shares["affiliate"],
        }


# Through the core ---------------------------------------------------------------------------


def logged(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


def list_handbag(core: Spotlight, *, price: Money = HUNDRED, stock: int = 5) -> UUID:
    core.shop.register_seller(ACME, name="Acme Leather")
    return core.shop.list_product(
        ACME,
        title="Leather handbag",
        description="brown",
        price=price,
        stock=stock,
        category="fashion",
        images=[plain_photo("a brown leather handbag")],
    ).id


def affiliate_video(core: Spotlight, listing_id: UUID) -> UUID:
    video_id = (
        CatalogueDriver(core)
        .publish_video(MIA, caption="my bag haul", hashtags=[], category="fashion")
        .id
    )
    core.tagging.tag(
        video_id, listing_id, confidence=0.9, evidence={"frame": 12}, by="recognition:1"
    )
    core.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)
    return video_id


def test_an_order_is_paid_through_the_sandbox_provider_before_it_is_recorded(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core)

    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")

    assert order.state is OrderState.PAID
    assert order.payment_provider == "sandbox"
    assert order.payment_intent.startswith("sandbox_pi_")


def test_a_declined_payment_records_nothing(core: Spotlight) -> None:
    listing_id = list_handbag(core)
    before = logged(core)

    with pytest.raises(PaymentDeclined, match="card_declined"):
        core.shop.place_order(
            VIC,
            listing_id=listing_id,
            quantity=1,
            order_key="k-1",
            payment_method="pm_card_chargeDeclined",
        )

    assert logged(core) == before
    assert core.shop.listing(listing_id).stock == 5


def test_a_returned_order_refunded_in_part_takes_back_commission_and_affiliate_share(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core)
    video_id = affiliate_video(core, listing_id)
    order = core.shop.place_order(
        VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video_id
    )
    assert (order.proceeds, order.platform_commission, order.affiliate_share) == (
        usd(92_00),
        usd(4_00),
        usd(4_00),
    )
    core.orders.ship(ACME, order.id, carrier="UPS", tracking="1Z999")
    core.orders.deliver(VIC, order.id)
    core.orders.request_return(VIC, order.id, reason="too small")
    core.orders.receive_return(ACME, order.id)

    refunded = core.orders.refund(ACME, order.id, amount=usd(50_00))

    assert (refunded.state, refunded.refunded) == (OrderState.REFUNDED, usd(50_00))
    assert refunded.refund_reference.startswith("sandbox_re_")
    entry = core._revenue.load(JournalEntry, JournalEntry.id_for(f"order:{order.id}:refund"))
    assert entry.kind == ORDER_REFUNDED
    assert entry.net_by_account() == {
        platform(PLATFORM_BUYER_PAYMENTS, "USD"): (0, 50_00),
        seller_payable("acme", "USD"): (46_00, 0),
        platform(PLATFORM_COMMISSION, "USD"): (2_00, 0),
        creator_payable("mia", "USD"): (2_00, 0),
    }
    assert core.ledger.balance_of(seller_payable("acme", "USD")) == usd(46_00)
    assert core.ledger.balance_of(creator_payable("mia", "USD")) == usd(2_00)
    assert core.shop.order(VIC, order.id) == refunded


def test_a_second_refund_of_the_same_return_records_nothing(core: Spotlight) -> None:
    listing_id = list_handbag(core)
    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")
    steps: list[Callable[[], object]] = [
        lambda: core.orders.ship(ACME, order.id, carrier="UPS", tracking="1Z999"),
        lambda: core.orders.deliver(ACME, order.id),
        lambda: core.orders.request_return(VIC, order.id, reason="too small"),
        lambda: core.orders.receive_return(ACME, order.id),
        lambda: core.orders.refund(ACME, order.id),
    ]
    for step in steps:
        step()
    before = logged(core)

    with pytest.raises(ReturnRefunded):
        core.orders.refund(OPS, order.id, amount=usd(1_00))

    assert logged(core) == before
    assert core.ledger.balance_of(seller_payable("acme", "USD")) == usd(0)


def test_only_the_seller_ships_their_order(core: Spotlight) -> None:
    listing_id = list_handbag(core)
    core.shop.register_seller(BOLT, name="Bolt")
    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")
    before = logged(core)

    for someone_else in (BOLT, VIC, OPS, Principal(Role.CREATOR, "acme")):
        with pytest.raises(NotPermitted):
            core.orders.ship(someone_else, order.id, carrier="UPS", tracking="1Z999")

    assert logged(core) == before


def test_only_the_buyer_asks_for_a_return(core: Spotlight) -> None:
    listing_id = list_handbag(core)
    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")
    core.orders.ship(ACME, order.id, carrier="UPS", tracking="1Z999")
    core.orders.deliver(ACME, order.id)

    with pytest.raises(NotPermitted):
        core.orders.request_return(WES, order.id, reason="too small")
    with pytest.raises(NotPermitted):
        core.orders.request_return(ACME, order.id, reason="too small")


def test_a_cancelled_order_gives_everything_back_and_its_items_return_to_stock(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core, stock=5)
    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=2, order_key="k-1")
    assert core.shop.listing(listing_id).stock == 3

    cancelled = core.orders.cancel(VIC, order.id, reason="changed my mind")

    assert (cancelled.state, cancelled.refunded) == (OrderState.CANCELLED, usd(200_00))
    assert core.shop.listing(listing_id).stock == 5
    assert core.ledger.balance_of(seller_payable("acme", "USD")) == usd(0)


def test_a_refund_of_proceeds_paid_out_already_is_refused_and_nothing_moves(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core)
    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")
    core.payouts.request(ACME, period="2026-12", currency="USD", idempotency_key="p-1")
    before = logged(core)

    with pytest.raises(LimitExceeded, match="seller:acme:payable"):
        core.orders.cancel(VIC, order.id, reason="changed my mind")

    assert logged(core) == before
    assert core.shop.order(VIC, order.id).state is OrderState.PAID
