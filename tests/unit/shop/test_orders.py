"""Orders: how a sale's money is shared, which commission rate applies, and what an order
does to the listing's stock and to the ledger.

For an order of ``total`` at ``rate`` basis points the platform's commission is
``floor(total x rate / 10,000)``; the seller's proceeds are the rest. When the order came
through a video whose creator opted in to the affiliate share, the creator receives half of
the commission (the odd minor unit too) and the platform keeps the other half.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.auth import Principal, Role
from application.errors import NotPermitted
from application.shop.shop import ORDER_PLACED, NotAttributable, OrderView
from domain.categories import CATEGORIES
from domain.errors import InvalidValue, RuleViolated
from domain.money import MINOR_DIGITS, Money
from domain.revenue.ledger import (
    PLATFORM_BUYER_PAYMENTS,
    PLATFORM_COMMISSION,
    JournalEntry,
    creator_payable,
    platform,
    seller_payable,
)
from domain.shop.listings import (
    STRIKES_TO_SUSPEND,
    Listing,
    NotOnSale,
    OutOfStock,
    Seller,
    SellerSuspended,
)
from domain.shop.orders import DEFAULT_RATE_BP, MAX_RATE_BP, CommissionSchedule, Order, share_of
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT
from tests.photos import plain_photo

NOW = OPENING_NIGHT
OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
ACME = Principal(Role.SELLER, "acme")
MIA = Principal(Role.CREATOR, "mia")
VIC = Principal(Role.VIEWER, "vic")
WES = Principal(Role.VIEWER, "wes")
IMAGE = plain_photo("a brown leather handbag")


ADMIN_READER = Principal(Role.AUDITOR, "kpmg")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


# Sharing an order's money -------------------------------------------------------------------


def test_the_commission_is_the_rate_of_the_total_rounded_down() -> None:
    shares = share_of(usd(123_45), 800, affiliate=False)

    # 12,345 x 800 / 10,000 = 987.6: the platform takes 987, the seller keeps the fraction.
    assert shares == {"proceeds": usd(113_58), "platform": usd(9_87), "affiliate": usd(0)}


def test_an_opted_in_creator_receives_half_the_commission_and_the_odd_unit() -> None:
    shares = share_of(usd(123_45), 800, affiliate=True)

    assert shares == {"proceeds": usd(113_58), "platform": usd(4_93), "affiliate": usd(4_94)}


def test_a_commission_of_one_unit_goes_to_the_creator_whole() -> None:
    shares = share_of(usd(13), 800, affiliate=True)  # 1.04 -> 1
    assert shares == {"proceeds": usd(12), "platform": usd(0), "affiliate": usd(1)}


def test_a_commission_too_small_to_count_leaves_everything_to_the_seller() -> None:
    assert share_of(usd(12), 800, affiliate=True) == {
        "proceeds": usd(12),
        "platform": usd(0),
        "affiliate": usd(0),
    }
    assert share_of(usd(10_00), 0, affiliate=True)["proceeds"] == usd(10_00)


def test_shares_are_in_the_currency_of_the_order() -> None:
    shares = share_of(Money(1_001, "JPY"), 1_000, affiliate=True)

    assert shares == {
        "proceeds": Money(901, "JPY"),
        "platform": Money(50, "JPY"),
        "affiliate": Money(50, "JPY"),
    }


@given(
    total=st.integers(1, 10**12),
    rate=st.integers(0, MAX_RATE_BP),
    affiliate=st.booleans(),
    currency=st.sampled_from(sorted(MINOR_DIGITS)),
)
def test_proceeds_commission_and_affiliate_share_add_up_to_the_total_exactly(
    total: int, rate: int, affiliate: bool, currency: str
) -> None:
    shares = share_of(Money(total, currency), rate, affiliate=affiliate)
    proceeds, kept, creator = shares["proceeds"], shares["platform"], shares["affiliate"]

    assert {m.currency for m in shares.values()} == {currency}
    assert proceeds.minor + kept.minor + creator.minor == total
    commission = total * rate // 10_000
    assert kept.minor + creator.minor == commission
    assert proceeds.minor == total - commission > 0
    if affiliate:
        assert creator.minor == (commission + 1) // 2  # the odd unit to the creator
        assert 0 <= creator.minor - kept.minor <= 1
    else:
        assert creator.minor == 0
    assert min(proceeds.minor, kept.minor, creator.minor) >= 0


# Commission rates ---------------------------------------------------------------------------


def test_every_category_starts_at_the_default_rate() -> None:
    schedule = CommissionSchedule.open()

    assert schedule.id == CommissionSchedule.ID
    assert DEFAULT_RATE_BP == 800
    assert schedule.rates == dict.fromkeys(CATEGORIES, DEFAULT_RATE_BP)


def test_a_rate_changes_for_its_category_only() -> None:
    schedule = CommissionSchedule.open()
    schedule.set_rate(" Beauty ", 1_250, by="admin:ops", at=NOW)

    assert schedule.rate_for("beauty") == 1_250
    assert schedule.rate_for("fashion") == DEFAULT_RATE_BP


@pytest.mark.parametrize("basis_points", [-1, MAX_RATE_BP + 1, True])
def test_a_rate_lies_between_nothing_and_half(basis_points: int) -> None:
    schedule = CommissionSchedule.open()
    with pytest.raises(InvalidValue):
        schedule.set_rate("beauty", basis_points, by="admin:ops", at=NOW)
    assert schedule.rate_for("beauty") == DEFAULT_RATE_BP


def test_a_rate_is_set_for_a_known_category() -> None:
    with pytest.raises(InvalidValue, match="unknown category"):
        CommissionSchedule.open().set_rate("handbags", 100, by="admin:ops", at=NOW)


# The order aggregate ------------------------------------------------------------------------


def seller(account: str = "acme") -> Seller:
    return Seller.register(account=account, name=f"{account} shop", at=NOW)


def handbag(of: Seller, stock: int = 5, price: Money | None = None) -> Listing:
    return Listing.list(
        uuid4(),
        seller=of,
        title="Leather handbag",
        description="",
        price=price or usd(49_99),
        stock=stock,
        category="fashion",
        images=["d1"],
        at=NOW,
    )


def test_an_order_takes_its_items_from_the_stock_and_records_its_shares() -> None:
    acme = seller()
    listing = handbag(acme, stock=5)
    order_id = Order.id_for("viewer:vic", "k-1")
    video_id = uuid4()

    order = Order.place(
        order_id,
        listing=listing,
        seller=acme,
        buyer="viewer:vic",
        buyer_account="vic",
        quantity=2,
        video_id=video_id,
        affiliate_creator="mia",
        rate_bp=1_000,
        at=NOW,
    )

    assert listing.stock == 3
    assert [type(e).__name__ for e in listing.collect_events()][-1] == "Sold"
    assert (order.id, order.seller, order.buyer, order.quantity) == (
        order_id,
        "acme",
        "viewer:vic",
        2,
    )
    assert (order.unit_price, order.total, order.rate_bp) == (usd(49_99), usd(99_98), 1_000)
    assert (order.video_id, order.creator) == (video_id, "mia")
    assert (order.proceeds, order.platform_commission, order.affiliate_share) == (
        usd(89_99),
        usd(4_99),
        usd(5_00),
    )


def test_an_order_key_names_one_order_per_buyer() -> None:
    assert Order.id_for("viewer:vic", "k-1") == Order.id_for("viewer:vic", "k-1")
    assert Order.id_for("viewer:vic", "k-1") != Order.id_for("viewer:wes", "k-1")
    for key in ("", "k" * 201):
        with pytest.raises(InvalidValue):
            Order.id_for("viewer:vic", key)


def test_a_suspended_seller_sells_nothing_and_the_stock_stays() -> None:
    acme = seller()
    listing = handbag(acme, stock=5)
    for _ in range(STRIKES_TO_SUSPEND):
        acme.strike(uuid4(), uuid4(), at=NOW)

    with pytest.raises(SellerSuspended):
        Order.place(
            uuid4(),
            listing=listing,
            seller=acme,
            buyer="viewer:vic",
            buyer_account="vic",
            quantity=1,
            video_id=None,
            affiliate_creator=None,
            rate_bp=800,
            at=NOW,
        )
    assert listing.stock == 5


def test_a_seller_does_not_buy_their_own_listing() -> None:
    acme = seller()
    listing = handbag(acme, stock=5)

    with pytest.raises(InvalidValue, match="own listing"):
        Order.place(
            uuid4(),
            listing=listing,
            seller=acme,
            buyer="viewer:acme",
            buyer_account="acme",
            quantity=1,
            video_id=None,
            affiliate_creator=None,
            rate_bp=800,
            at=NOW,
        )
    assert listing.stock == 5


# Through the shop -------------------------------------------------------------------------


def logged(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


def list_handbag(
    core: Spotlight, *, stock: int = 5, price: Money | None = None, category: str = "fashion"
) -> UUID:
    if core._revenue.find(Seller, Seller.id_for("acme")) is None:
        core.shop.register_seller(ACME, name="Acme Leather")
    return core.shop.list_product(
        ACME,
        title="Leather handbag",
        description="brown",
        price=price or usd(49_99),
        stock=stock,
        category=category,
        images=[IMAGE],
    ).id


def tagged_video(core: Spotlight, listing_id: UUID) -> UUID:
    """Mia's video showing the listing's tag (she was told of it)."""
    video_id = (
        CatalogueDriver(core)
        .publish_video(MIA, caption="my bag haul", hashtags=[], category="fashion")
        .id
    )
    assert core.tagging.tag(
        video_id, listing_id, confidence=0.9, evidence={"frame": 12}, by="recognition:1"
    )
    return video_id


def order_entry(core: Spotlight, order: OrderView) -> JournalEntry:
    return core._revenue.load(JournalEntry, JournalEntry.id_for(f"order:{order.id}"))


def test_an_order_takes_stock_and_posts_its_money_in_one_entry(core: Spotlight) -> None:
    listing_id = list_handbag(core, stock=5)

    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=2, order_key="k-1")

    assert core.shop.listing(listing_id).stock == 3
    assert (order.buyer, order.seller, order.total, order.rate_bp) == (
        "viewer:vic",
        "acme",
        usd(99_98),
        DEFAULT_RATE_BP,
    )
    assert (order.proceeds, order.platform_commission, order.affiliate_share) == (
        usd(91_99),
        usd(7_99),
        usd(0),
    )
    assert (order.affiliate_creator, order.video_id, order.replayed) == (None, None, False)
    entry = order_entry(core, order)
    assert entry.kind == ORDER_PLACED
    assert entry.net_by_account() == {
        platform(PLATFORM_BUYER_PAYMENTS, "USD"): (99_98, 0),
        seller_payable("acme", "USD"): (0, 91_99),
        platform(PLATFORM_COMMISSION, "USD"): (0, 7_99),
    }
    assert core.ledger.balance_of(seller_payable("acme", "USD")) == usd(91_99)
    assert core.shop.order(VIC, order.id) == order
    assert core.shop.order(ACME, order.id) == order
    with pytest.raises(NotPermitted):
        core.shop.order(WES, order.id)


def test_an_order_for_more_than_the_stock_records_nothing(core: Spotlight) -> None:
    listing_id = list_handbag(core, stock=2)
    before = logged(core)

    with pytest.raises(OutOfStock):
        core.shop.place_order(VIC, listing_id=listing_id, quantity=3, order_key="k-1")

    assert logged(core) == before
    assert core.shop.listing(listing_id).stock == 2
    core.shop.place_order(VIC, listing_id=listing_id, quantity=2, order_key="k-2")
    with pytest.raises(OutOfStock):
        core.shop.place_order(WES, listing_id=listing_id, quantity=1, order_key="k-1")
    assert core.shop.listing(listing_id).stock == 0


def test_a_retried_order_answers_as_the_first_and_takes_nothing_more(core: Spotlight) -> None:
    listing_id = list_handbag(core, stock=5)
    first = core.shop.place_order(VIC, listing_id=listing_id, quantity=2, order_key="k-1")
    before = logged(core)

    again = core.shop.place_order(VIC, listing_id=listing_id, quantity=2, order_key="k-1")

    assert again.replayed
    assert again == attrs.evolve(first, replayed=True)
    assert logged(core) == before
    assert core.shop.listing(listing_id).stock == 3
    with pytest.raises(RuleViolated, match="another order"):
        core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")
    # Another buyer's key of the same spelling is another order.
    other = core.shop.place_order(WES, listing_id=listing_id, quantity=1, order_key="k-1")
    assert other.id != first.id
    assert core.shop.listing(listing_id).stock == 2


def test_only_buyers_place_orders(core: Spotlight) -> None:
    listing_id = list_handbag(core)
    for actor in (ACME, OPS, ROSA, Principal(Role.AUDITOR, "kpmg")):
        with pytest.raises(NotPermitted):
            core.shop.place_order(actor, listing_id=listing_id, quantity=1, order_key="k")
    assert core.shop.listing(listing_id).stock == 5


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CREATOR, Role.BRAND])
def test_a_seller_cannot_buy_its_own_listing_in_another_role(core: Spotlight, role: Role) -> None:
    listing_id = list_handbag(core, stock=5)
    before = logged(core)

    with pytest.raises(InvalidValue, match="own listing"):
        core.shop.place_order(
            Principal(role, "acme"), listing_id=listing_id, quantity=1, order_key="k-1"
        )

    assert logged(core) == before
    assert core.shop.listing(listing_id).stock == 5


def test_the_rate_on_an_order_is_its_categorys_rate_when_it_was_placed(core: Spotlight) -> None:
    listing_id = list_handbag(core, stock=10, price=usd(100_00))
    assert core.shop.set_commission_rate(OPS, "beauty", 2_000) == 2_000

    at_default = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")
    assert core.shop.set_commission_rate(OPS, "fashion", 1_500) == 1_500
    at_new_rate = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-2")
    core.shop.set_commission_rate(OPS, "fashion", 0)
    free = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-3")

    assert [o.rate_bp for o in (at_default, at_new_rate, free)] == [800, 1_500, 0]
    assert [o.platform_commission for o in (at_default, at_new_rate, free)] == [
        usd(8_00),
        usd(15_00),
        usd(0),
    ]
    # Orders keep the rate they used whatever happens to the schedule afterwards.
    assert core.shop.order(VIC, at_default.id).rate_bp == 800
    assert core.shop.order(VIC, at_new_rate.id).rate_bp == 1_500
    assert order_entry(core, free).net_by_account() == {
        platform(PLATFORM_BUYER_PAYMENTS, "USD"): (100_00, 0),
        seller_payable("acme", "USD"): (0, 100_00),
    }
    assert core.shop.commission_rates()["beauty"] == 2_000
    assert core.shop.commission_rates()["fashion"] == 0


def test_a_listing_moved_to_another_category_is_charged_that_categorys_rate(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core, stock=10, price=usd(100_00))
    core.shop.set_commission_rate(OPS, "travel", 300)
    core.shop.edit_listing(
        ACME,
        listing_id,
        title="Travel bag",
        description="",
        price=usd(100_00),
        category="travel",
        attributes={},
    )

    order = core.shop.place_order(VIC, listing_id=listing_id, quantity=1, order_key="k-1")

    assert (order.rate_bp, order.platform_commission) == (300, usd(3_00))


def test_only_an_admin_sets_a_rate(core: Spotlight) -> None:
    for actor in (ACME, ROSA, MIA):
        with pytest.raises(NotPermitted):
            core.shop.set_commission_rate(actor, "fashion", 0)
    assert logged(core) == 0
    assert core.shop.commission_rates() == dict.fromkeys(CATEGORIES, DEFAULT_RATE_BP)


def test_an_opted_in_creator_earns_half_the_commission_of_orders_through_their_video(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core, stock=10, price=usd(123_45))
    video_id = tagged_video(core, listing_id)
    core.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)

    order = core.shop.place_order(
        VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video_id
    )

    assert (order.video_id, order.affiliate_creator) == (video_id, "mia")
    assert (order.proceeds, order.platform_commission, order.affiliate_share) == (
        usd(113_58),
        usd(4_93),
        usd(4_94),
    )
    entry = order_entry(core, order)
    assert entry.net_by_account() == {
        platform(PLATFORM_BUYER_PAYMENTS, "USD"): (123_45, 0),
        seller_payable("acme", "USD"): (0, 113_58),
        platform(PLATFORM_COMMISSION, "USD"): (0, 4_93),
        creator_payable("mia", "USD"): (0, 4_94),
    }
    (affiliate_leg,) = [p for p in entry.postings if p.account == creator_payable("mia", "USD")]
    assert affiliate_leg.reference == f"video:{video_id}"
    assert core.ledger.balance_of(creator_payable("mia", "USD")) == usd(4_94)
    month = core.clock.now().strftime("%Y-%m")
    [earned] = core.ledger.statement(ADMIN_READER, "mia", month, "USD").items
    assert (earned.source, earned.video_id, earned.amount) == ("affiliate", video_id, usd(4_94))


def test_a_creator_who_did_not_opt_in_earns_nothing_but_the_order_names_the_video(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core, stock=10, price=usd(100_00))
    video_id = tagged_video(core, listing_id)

    before_opting_in = core.shop.place_order(
        VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video_id
    )
    core.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)
    opted_in = core.shop.place_order(
        VIC, listing_id=listing_id, quantity=1, order_key="k-2", video_id=video_id
    )
    core.tagging.set_preferences(MIA, auto_tags=True, affiliate=False)
    after_opting_out = core.shop.place_order(
        VIC, listing_id=listing_id, quantity=1, order_key="k-3", video_id=video_id
    )

    assert [o.affiliate_creator for o in (before_opting_in, opted_in, after_opting_out)] == [
        None,
        "mia",
        None,
    ]
    assert [o.affiliate_share for o in (before_opting_in, opted_in, after_opting_out)] == [
        usd(0),
        usd(4_00),
        usd(0),
    ]
    assert before_opting_in.video_id == after_opting_out.video_id == video_id
    assert before_opting_in.platform_commission == usd(8_00)
    assert core.ledger.balance_of(creator_payable("mia", "USD")) == usd(4_00)


def test_a_creator_buying_through_their_own_video_earns_no_affiliate_share(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core, stock=10, price=usd(100_00))
    video_id = tagged_video(core, listing_id)
    core.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)

    own = core.shop.place_order(
        MIA, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video_id
    )
    someone_elses = core.shop.place_order(
        VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video_id
    )

    assert (own.affiliate_creator, own.affiliate_share, own.platform_commission) == (
        None,
        usd(0),
        usd(8_00),
    )
    assert own.video_id == video_id
    assert (someone_elses.affiliate_creator, someone_elses.affiliate_share) == ("mia", usd(4_00))
    assert core.ledger.balance_of(creator_payable("mia", "USD")) == usd(4_00)


def test_an_order_is_attributed_only_to_a_video_showing_the_listings_tag(
    core: Spotlight,
) -> None:
    listing_id = list_handbag(core, stock=10)
    other_listing = list_handbag(core, stock=10)
    video_id = tagged_video(core, other_listing)
    untagged = (
        CatalogueDriver(core).publish_video(MIA, caption="vlog", hashtags=[], category="travel").id
    )
    core.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)
    before = logged(core)

    for video in (video_id, untagged):
        with pytest.raises(NotAttributable):
            core.shop.place_order(
                VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video
            )

    assert logged(core) == before
    assert core.shop.listing(listing_id).stock == 10


def test_an_order_through_a_delisted_listings_video_is_refused(core: Spotlight) -> None:
    listing_id = list_handbag(core, stock=10)
    video_id = tagged_video(core, listing_id)
    core.shop.delist(ACME, listing_id, reason="discontinued")
    before = logged(core)

    for video in (video_id, None):
        with pytest.raises(NotOnSale):
            core.shop.place_order(
                VIC, listing_id=listing_id, quantity=1, order_key="k-1", video_id=video
            )
    assert logged(core) == before


def test_a_suspended_seller_sells_nothing_through_the_shop(core: Spotlight) -> None:
    still_listed = list_handbag(core, stock=10)
    for strike in range(STRIKES_TO_SUSPEND):
        counterfeit = list_handbag(core)
        report = core.reports.file(VIC, counterfeit, reason=f"fake {strike}")
        core.reports.decide(ROSA, report.id, uphold=True, reason="counterfeit")
    assert core.shop.seller("acme").suspended
    before = logged(core)

    with pytest.raises(SellerSuspended):
        core.shop.place_order(VIC, listing_id=still_listed, quantity=1, order_key="k-1")
    with pytest.raises(SellerSuspended):
        list_handbag(core)

    assert logged(core) == before
    assert core.shop.listing(still_listed).stock == 10
    assert core.ledger.balance_of(seller_payable("acme", "USD")) == usd(0)


def test_the_seller_is_owed_the_proceeds_of_every_order(core: Spotlight) -> None:
    listing_id = list_handbag(core, stock=100, price=usd(9_99))
    video_id = tagged_video(core, listing_id)
    core.tagging.set_preferences(MIA, auto_tags=True, affiliate=True)
    orders = [
        core.shop.place_order(
            VIC,
            listing_id=listing_id,
            quantity=quantity,
            order_key=f"k-{n}",
            video_id=video_id if n % 2 else None,
        )
        for n, quantity in enumerate((1, 3, 7, 2, 5))
    ]

    for order in orders:
        total = order.proceeds + order.platform_commission + order.affiliate_share
        assert total == order.total == usd(9_99 * order.quantity)
    assert core.ledger.balance_of(seller_payable("acme", "USD")) == usd(
        sum(o.proceeds.minor for o in orders)
    )
    assert core.ledger.balance_of(creator_payable("mia", "USD")) == usd(
        sum(o.affiliate_share.minor for o in orders)
    )
    assert core.shop.listing(listing_id).stock == 100 - 18
    model = core.ledger.reading()
    assert model.debits == model.credits
