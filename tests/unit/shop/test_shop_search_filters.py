"""Shop search's filters and orders: paging through every page of a search, whatever its
filters and order, gives exactly the listings a plain in-memory filter keeps, in the order it
sorts them; and a cursor is only ever continued with the query, filters and order it was
read for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.auth import Principal, Role
from application.shop.search_filters import SearchFilters, SearchSort
from application.shop.shop_search import ShopResult
from domain.errors import InvalidValue
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.conftest import fresh_core
from tests.fakes import FixedClock
from tests.pages import every_page
from tests.photos import plain_photo

ACME = Principal(Role.SELLER, "acme")
BUYER = Principal(Role.VIEWER, "vic")
CATEGORIES = ("fashion", "beauty", "pets")
CURRENCIES = ("USD", "EUR")
PRICES = (5_00, 12_50, 12_50, 30_00, 99_99)  # a repeated price, so ties are broken by id
TITLES = ("leather handbag", "canvas handbag tote", "handbag strap", "wool handbag")


@attrs.frozen
class Made:
    listing_id: UUID
    price: Money
    category: str
    stock: int
    number: int  # the order it was listed in


@pytest.fixture(scope="module")
def shop() -> Iterator[tuple[Spotlight, list[Made]]]:
    """Thirty handbags of three categories, two currencies, repeated prices, some sold out,
    listed a minute apart (two at the same moment)."""
    clock = FixedClock()
    with fresh_core(clock) as core:
        core.shop.register_seller(ACME, name="Acme")
        made = []
        for number in range(30):
            if number != 7:  # the eighth is listed at the same moment as the seventh
                clock.advance(timedelta(minutes=1))
            price = Money(PRICES[number % 5], CURRENCIES[number % 2])
            category, stock = CATEGORIES[number % 3], (0 if number % 4 == 3 else 2)
            listing = core.shop.list_product(
                ACME,
                title=f"{TITLES[number % 4]} {number}",
                description="",
                price=price,
                stock=stock,
                category=category,
                images=[plain_photo(f"bag {number}")],
            )
            made.append(Made(listing.id, price, category, stock, number))
        yield core, made


def admitted(made: list[Made], filters: SearchFilters) -> list[Made]:
    return [m for m in made if filters.admits(m.price, m.category, m.stock)]


def in_order(kept: list[Made], filters: SearchFilters) -> list[UUID]:
    """The in-memory order: by currency code, then price (or newest first), then id."""
    if filters.sort is SearchSort.NEWEST:
        # Listed a minute apart but for the seventh and eighth: numbers order them but those.
        moments = [m.number if m.number != 7 else 6 for m in kept]
        rows = sorted(zip(kept, moments, strict=True), key=lambda r: (-r[1], str(r[0].listing_id)))
        return [m.listing_id for m, _ in rows]
    sign = -1 if filters.sort is SearchSort.PRICE_DESC else 1
    rows2 = sorted(kept, key=lambda m: (m.price.currency, sign * m.price.minor, str(m.listing_id)))
    return [m.listing_id for m in rows2]


filter_sets = st.builds(
    SearchFilters,
    category=st.none() | st.sampled_from(CATEGORIES),
    min_price=st.none() | st.sampled_from((0, 10_00, 12_50, 60_00)),
    max_price=st.none() | st.sampled_from((12_50, 50_00, 100_00)),
    currency=st.sampled_from(CURRENCIES),
    in_stock=st.booleans(),
    sort=st.sampled_from(SearchSort),
)
without_prices = st.builds(
    SearchFilters,
    category=st.none() | st.sampled_from(CATEGORIES),
    in_stock=st.booleans(),
    sort=st.sampled_from(SearchSort),
)


def paged(core: Spotlight, filters: SearchFilters, limit: int) -> list[ShopResult]:
    return every_page(
        lambda cursor: core.shop_search.search(
            "handbag", filters=filters, limit=limit, cursor=cursor
        )
    )


@settings(max_examples=60, deadline=None)
@given(filters=filter_sets | without_prices, limit=st.integers(1, 7))
def test_every_page_of_a_filtered_search_gives_exactly_the_filtered_listings_in_order(
    shop: tuple[Spotlight, list[Made]], filters: SearchFilters, limit: int
) -> None:
    core, made = shop
    kept = admitted(made, filters)
    found = paged(core, filters, limit)

    ids = [r.listing_id for r in found]
    assert len(ids) == len(set(ids))
    if filters.sort is SearchSort.RELEVANCE:
        everything = paged(core, SearchFilters(in_stock=False), 100)
        assert ids == [
            r.listing_id for r in everything if r.listing_id in {m.listing_id for m in kept}
        ]
    else:
        assert ids == in_order(kept, filters)


def test_a_search_finds_sold_out_listings_only_when_asked(
    shop: tuple[Spotlight, list[Made]],
) -> None:
    core, made = shop
    sold_out = {m.listing_id for m in made if m.stock == 0}
    in_stock = {r.listing_id for r in paged(core, SearchFilters(), 100)}
    everything = {r.listing_id for r in paged(core, SearchFilters(in_stock=False), 100)}

    assert sold_out
    assert not sold_out & in_stock
    assert everything == in_stock | sold_out == {m.listing_id for m in made}


def test_the_cheapest_first_reads_in_minor_units_of_one_currency(
    shop: tuple[Spotlight, list[Made]],
) -> None:
    core, _ = shop
    filters = SearchFilters(currency="EUR", min_price=12_50, max_price=30_00, sort="price_asc")
    prices = [r.price for r in paged(core, filters, 3)]

    assert prices
    assert prices == sorted(prices, key=lambda p: p.minor)
    assert {p.currency for p in prices} == {"EUR"}
    assert all(12_50 <= p.minor <= 30_00 for p in prices)


@pytest.mark.parametrize(
    "other",
    [
        SearchFilters(category="pets"),
        SearchFilters(in_stock=False),
        SearchFilters(sort=SearchSort.PRICE_ASC),
        SearchFilters(currency="USD", max_price=50_00),
    ],
)
def test_a_cursor_of_other_filters_or_another_order_is_refused(
    shop: tuple[Spotlight, list[Made]], other: SearchFilters
) -> None:
    core, _ = shop
    for first in (SearchFilters(), SearchFilters(sort=SearchSort.NEWEST)):
        if first == other:
            continue
        cursor = core.shop_search.search("handbag", filters=first, limit=2).next_cursor
        assert cursor is not None
        with pytest.raises(InvalidValue, match="cursor"):
            core.shop_search.search("handbag", filters=other, limit=2, cursor=cursor)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ({"min_price": 10_00}, "needs a currency"),
        ({"max_price": 10_00}, "needs a currency"),
        ({"min_price": -1, "currency": "USD"}, "between 0"),
        ({"min_price": 1.5, "currency": "USD"}, "whole minor units"),
        ({"currency": "XYZ"}, "unknown currency"),
        ({"category": "spaceships"}, "unknown category"),
    ],
)
def test_filters_that_cannot_be_met_are_refused_with_the_reason(
    given: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidValue, match=reason):
        SearchFilters(**given)  # type: ignore[arg-type]


def test_a_listing_moved_to_another_category_is_found_under_it() -> None:
    with fresh_core() as core:
        core.shop.register_seller(ACME, name="Acme")
        listing = core.shop.list_product(
            ACME,
            title="Cat bed",
            description="",
            price=Money(25_00, "USD"),
            stock=3,
            category="fashion",
            images=[plain_photo("cat bed")],
        )
        core.shop.edit_listing(
            ACME,
            listing.id,
            title="Cat bed",
            description="",
            price=Money(25_00, "USD"),
            category="pets",
            attributes={},
        )

        found = core.shop_search.search("bed", filters=SearchFilters(category="pets")).items
        assert [r.listing_id for r in found] == [listing.id]
        assert core.shop_search.search("bed", filters=SearchFilters(category="fashion")).items == ()
