"""Sellers and their listings: what a listing holds, how its stock moves, and the difference
between a seller withdrawing a listing (delisting) and trust and safety taking it down, which
strikes the seller — three strikes suspend."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted, StaleVersion
from application.shop.shop import SellerExists
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.shop.listings import (
    MAX_ATTRIBUTES,
    MAX_IMAGES,
    STRIKES_TO_SUSPEND,
    Listing,
    ListingStatus,
    NotOnSale,
    OutOfStock,
    Seller,
    SellerSuspended,
)
from entrypoints.bootstrap import Spotlight
from tests.fakes import OPENING_NIGHT
from tests.photos import plain_photo

NOW = OPENING_NIGHT
ACME = Principal(Role.SELLER, "acme")
BOLT = Principal(Role.SELLER, "bolt")
OPS = Principal(Role.ADMIN, "ops")
MIA = Principal(Role.CREATOR, "mia")
IMAGE = plain_photo("a brown leather handbag")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def acme_seller() -> Seller:
    return Seller.register(account="acme", name="Acme Leather", at=NOW)


def handbag(
    seller: Seller | None = None,
    *,
    stock: int = 5,
    price: Money | None = None,
    title: str = "Leather handbag",
    images: tuple[str, ...] = ("d1",),
    attributes: dict[str, str] | None = None,
    category: str = "fashion",
    at: datetime = NOW,
) -> Listing:
    return Listing.list(
        uuid4(),
        seller=seller or acme_seller(),
        title=title,
        description="Full-grain leather, brass buckle.",
        price=price or usd(49_99),
        stock=stock,
        category=category,
        images=images,
        attributes=attributes,
        at=at,
    )


def recorded_topics(core: Spotlight, aggregate_id: UUID) -> list[str]:
    return [e.topic for e in core._revenue.recorder.select_events(aggregate_id)]


def logged(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


# Sellers ------------------------------------------------------------------------------------


def test_a_seller_is_registered_once_per_account() -> None:
    seller = acme_seller()

    assert seller.id == Seller.id_for("acme") == acme_seller().id
    assert seller.id != Seller.id_for("bolt")
    assert (seller.account, seller.name, seller.strikes, seller.suspended) == (
        "acme",
        "Acme Leather",
        [],
        False,
    )
    seller.require_active()  # an active seller passes


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_seller_has_a_name_of_one_to_two_hundred_characters(name: str) -> None:
    with pytest.raises(InvalidValue):
        Seller.register(account="acme", name=name, at=NOW)


def test_a_seller_needs_an_account_and_an_unambiguous_time() -> None:
    with pytest.raises(InvalidValue):
        Seller.register(account="", name="Acme", at=NOW)
    with pytest.raises(InvalidValue):
        Seller.register(account="acme", name="Acme", at=NOW.replace(tzinfo=None))


def test_the_third_strike_suspends_a_seller() -> None:
    seller = acme_seller()
    listing_id = uuid4()
    for strike in range(1, STRIKES_TO_SUSPEND):
        seller.strike(uuid4(), listing_id, at=NOW)
        assert len(seller.strikes) == strike
        assert not seller.suspended

    seller.strike(uuid4(), listing_id, at=NOW)

    assert seller.suspended
    assert [type(e).__name__ for e in seller.collect_events()][-2:] == ["Struck", "Suspended"]
    with pytest.raises(SellerSuspended):
        seller.require_active()


def test_a_fourth_strike_is_recorded_but_suspends_no_one_twice() -> None:
    seller = acme_seller()
    for _ in range(STRIKES_TO_SUSPEND + 1):
        seller.strike(uuid4(), uuid4(), at=NOW)

    events = [type(e).__name__ for e in seller.collect_events()]
    assert events.count("Struck") == STRIKES_TO_SUSPEND + 1
    assert events.count("Suspended") == 1


def test_one_report_strikes_a_seller_once() -> None:
    seller = acme_seller()
    report_id = uuid4()
    seller.strike(report_id, uuid4(), at=NOW)

    with pytest.raises(RuleViolated, match="already struck"):
        seller.strike(report_id, uuid4(), at=NOW)
    assert seller.strikes == [report_id]


def test_a_suspended_seller_lists_nothing() -> None:
    seller = acme_seller()
    for _ in range(STRIKES_TO_SUSPEND):
        seller.strike(uuid4(), uuid4(), at=NOW)

    with pytest.raises(SellerSuspended):
        handbag(seller)


# Listings -----------------------------------------------------------------------------------


def test_a_listing_holds_what_the_seller_offers() -> None:
    listing = handbag(
        stock=3,
        images=("d1", "d2", "d1"),
        attributes={" colour ": " brown ", "material": "leather"},
        category=" Fashion ",
    )

    assert listing.seller == "acme"
    assert (listing.title, listing.price, listing.stock) == ("Leather handbag", usd(49_99), 3)
    assert listing.category == "fashion"
    assert listing.images == ("d1", "d2")  # one copy of each image
    assert listing.attributes == {"colour": "brown", "material": "leather"}
    assert ListingStatus(listing.status) is ListingStatus.LISTED
    assert listing.on_sale


@pytest.mark.parametrize("title", ["", "  ", "t" * 201])
def test_a_listing_has_a_title_of_one_to_two_hundred_characters(title: str) -> None:
    with pytest.raises(InvalidValue):
        handbag(title=title)


@pytest.mark.parametrize("count", [0, MAX_IMAGES + 1])
def test_a_listing_shows_one_to_ten_product_images(count: int) -> None:
    with pytest.raises(InvalidValue, match="product images"):
        handbag(images=tuple(f"d{n}" for n in range(count)))


def test_a_listing_has_at_most_thirty_attributes() -> None:
    handbag(attributes={f"a{n}": "v" for n in range(MAX_ATTRIBUTES)})
    with pytest.raises(InvalidValue, match="attributes"):
        handbag(attributes={f"a{n}": "v" for n in range(MAX_ATTRIBUTES + 1)})


@pytest.mark.parametrize("price", [usd(0), usd(-1)])
def test_a_listing_has_a_positive_price(price: Money) -> None:
    with pytest.raises(InvalidValue):
        handbag(price=price)


@pytest.mark.parametrize("stock", [-1, True, 2.0])
def test_stock_is_a_whole_number_from_zero(stock: object) -> None:
    with pytest.raises(InvalidValue):
        handbag(stock=stock)  # type: ignore[arg-type]


def test_a_listing_may_start_with_nothing_in_stock() -> None:
    assert handbag(stock=0).stock == 0


def test_a_listing_is_filed_under_a_known_category() -> None:
    with pytest.raises(InvalidValue, match="unknown category"):
        handbag(category="handbags")


def test_a_restock_adds_at_least_one_item() -> None:
    listing = handbag(stock=2)
    listing.restock(3, at=NOW)
    assert listing.stock == 5

    for added in (0, -1):
        with pytest.raises(InvalidValue):
            listing.restock(added, at=NOW)
    assert listing.stock == 5


def test_a_sale_takes_from_the_stock_and_never_more_than_there_is() -> None:
    listing = handbag(stock=3)
    listing.sell(uuid4(), 2)
    assert listing.stock == 1

    with pytest.raises(OutOfStock):
        listing.sell(uuid4(), 2)
    for quantity in (0, -1, True):
        with pytest.raises(InvalidValue):
            listing.sell(uuid4(), quantity)
    assert listing.stock == 1


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("sell"), st.integers(-2, 6)),
            st.tuples(st.just("restock"), st.integers(-1, 4)),
        ),
        max_size=40,
    ),
    st.integers(0, 5),
)
def test_stock_is_what_came_in_less_what_was_sold_and_never_below_zero(
    moves: list[tuple[str, int]], initial: int
) -> None:
    listing = handbag(stock=initial)
    came_in, sold = 0, 0
    for move, quantity in moves:
        try:
            if move == "sell":
                listing.sell(uuid4(), quantity)
                sold += quantity
            else:
                listing.restock(quantity, at=NOW)
                came_in += quantity
        except (InvalidValue, OutOfStock):
            pass
        assert listing.stock >= 0
    assert listing.stock == initial + came_in - sold


def test_an_edit_changes_what_is_offered_but_not_the_stock() -> None:
    listing = handbag(stock=4)
    listing.edit(
        title="Leather tote",
        description="Bigger.",
        price=usd(59_00),
        category="travel",
        attributes={"colour": "tan"},
        by="seller:acme",
        at=NOW,
    )
    assert (listing.title, listing.description, listing.price) == (
        "Leather tote",
        "Bigger.",
        usd(59_00),
    )
    assert (listing.category, listing.attributes, listing.stock) == ("travel", {"colour": "tan"}, 4)


def test_delisting_withdraws_a_listing_and_only_with_a_reason() -> None:
    listing = handbag()
    with pytest.raises(InvalidValue):
        listing.delist(by="seller:acme", reason="  ", at=NOW)

    listing.delist(by="seller:acme", reason="discontinued", at=NOW)

    assert ListingStatus(listing.status) is ListingStatus.DELISTED
    assert not listing.on_sale
    with pytest.raises(NotOnSale):
        listing.sell(uuid4(), 1)
    with pytest.raises(NotOnSale):
        listing.restock(1, at=NOW)
    with pytest.raises(NotOnSale):
        listing.delist(by="seller:acme", reason="again", at=NOW)
    with pytest.raises(NotOnSale):
        listing.edit(
            title="x",
            description="",
            price=usd(1),
            category="fashion",
            attributes={},
            by="seller:acme",
            at=NOW,
        )


def test_a_takedown_ends_a_listing_for_good_whether_listed_or_delisted() -> None:
    listed, delisted = handbag(), handbag()
    delisted.delist(by="seller:acme", reason="discontinued", at=NOW)
    report_id = uuid4()

    for listing in (listed, delisted):
        listing.take_down(report_id, by="reviewer:rosa", reason="counterfeit", at=NOW)
        assert ListingStatus(listing.status) is ListingStatus.TAKEN_DOWN
        with pytest.raises(RuleViolated, match="already taken down"):
            listing.take_down(uuid4(), by="reviewer:rosa", reason="again", at=NOW)
        with pytest.raises(NotOnSale):
            listing.delist(by="seller:acme", reason="too late", at=NOW)
        with pytest.raises(NotOnSale):
            listing.sell(uuid4(), 1)


# Through the shop -------------------------------------------------------------------------


def test_a_seller_registers_as_itself_and_only_once(core: Spotlight) -> None:
    assert core.shop.register_seller(ACME, name="Acme Leather") == "acme"
    before = logged(core)

    with pytest.raises(SellerExists):
        core.shop.register_seller(ACME, name="Acme again")
    with pytest.raises(NotPermitted):
        core.shop.register_seller(ACME, name="Bolt", account="bolt")
    with pytest.raises(NotPermitted):
        core.shop.register_seller(MIA, name="Mia's shop")
    assert logged(core) == before
    assert core.shop.seller("acme").name == "Acme Leather"
    with pytest.raises(NotFound):
        core.shop.seller("bolt")


def test_an_admin_registers_a_named_seller(core: Spotlight) -> None:
    with pytest.raises(InvalidValue):
        core.shop.register_seller(OPS, name="Bolt")
    assert core.shop.register_seller(OPS, name="Bolt Tools", account="bolt") == "bolt"
    assert core.shop.seller("bolt").account == "bolt"


def test_a_listing_records_the_digests_of_its_images(core: Spotlight) -> None:
    core.shop.register_seller(ACME, name="Acme Leather")
    view = core.shop.list_product(
        ACME,
        title="Leather handbag",
        description="brown",
        price=usd(49_99),
        stock=5,
        category="fashion",
        images=[IMAGE],
    )

    assert view.images == (hashlib.sha256(IMAGE).hexdigest(),)
    assert (view.seller, view.stock, view.status, view.version) == (
        "acme",
        5,
        ListingStatus.LISTED,
        1,
    )
    assert core.shop.listing(view.id) == view


def test_only_a_registered_seller_lists(core: Spotlight) -> None:
    with pytest.raises(NotFound):
        core.shop.list_product(
            ACME,
            title="Leather handbag",
            description="",
            price=usd(1),
            stock=1,
            category="fashion",
            images=[IMAGE],
        )
    assert logged(core) == 0


def listed(core: Spotlight, seller: Principal = ACME, stock: int = 5) -> UUID:
    if core._revenue.find(Seller, Seller.id_for(seller.subject)) is None:
        core.shop.register_seller(seller, name=f"{seller.subject} shop")
    return core.shop.list_product(
        seller,
        title="Leather handbag",
        description="brown",
        price=usd(49_99),
        stock=stock,
        category="fashion",
        images=[IMAGE],
    ).id


def test_a_seller_changes_only_their_own_listings(core: Spotlight) -> None:
    listing_id = listed(core)
    core.shop.register_seller(BOLT, name="Bolt Tools")
    before = logged(core)

    with pytest.raises(NotPermitted):
        core.shop.restock(BOLT, listing_id, 3)
    with pytest.raises(NotPermitted):
        core.shop.delist(BOLT, listing_id, reason="mine now")
    with pytest.raises(NotPermitted):
        core.shop.restock(MIA, listing_id, 3)
    assert logged(core) == before

    assert core.shop.restock(ACME, listing_id, 3).stock == 8
    assert core.shop.restock(OPS, listing_id, 1).stock == 9


def test_an_edit_of_an_older_version_is_refused(core: Spotlight) -> None:
    listing_id = listed(core)
    core.shop.restock(ACME, listing_id, 1)  # now at version 2

    with pytest.raises(StaleVersion):
        core.shop.edit_listing(
            ACME,
            listing_id,
            title="Tote",
            description="",
            price=usd(10_00),
            category="fashion",
            attributes={},
            expected_version=1,
        )
    edited = core.shop.edit_listing(
        ACME,
        listing_id,
        title="Tote",
        description="",
        price=usd(10_00),
        category="fashion",
        attributes={},
        expected_version=2,
    )
    assert (edited.title, edited.price, edited.version, edited.stock) == ("Tote", usd(10_00), 3, 6)


def test_delisting_is_the_sellers_choice_and_strikes_no_one(core: Spotlight) -> None:
    listing_id = listed(core)

    view = core.shop.delist(ACME, listing_id, reason="discontinued")

    assert view.status is ListingStatus.DELISTED
    assert core.shop.seller("acme").strikes == []
    assert recorded_topics(core, Seller.id_for("acme")) == ["spotlight.sellers:SellerRegistered"]
    with pytest.raises(NotOnSale):
        core.shop.restock(ACME, listing_id, 1)
