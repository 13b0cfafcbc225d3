"""A shop search sorted by price or by listing time pages through every listing its words
find, not only the best 1,000 text matches: the cheapest handbag comes first even when a
thousand others match the words better, and paging to the end gives every match in order, on
SQLite and PostgreSQL, whether the rows are read from the postings (a rare word) or the
order's index is walked (a common one). So does a search by relevance: its pages past the
first 1,000 matches are the full ranking's (the in-memory index's, every match sorted),
hundreds of listings tied at each score included."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate

from adapters.projections import SqlProjectionStore, projection_database_for, shop_search
from adapters.projections.shop_search import SqlShopTables
from adapters.search.listings import BM25ListingSearch
from adapters.storage import parse_store
from application.shop.search_filters import SearchFilters, SearchSort
from application.shop.shop_search import NAME, ShopResult, ShopSearchProjection
from domain.money import Money
from domain.shop.listings import Listing, Seller

AT = datetime(2026, 1, 1, tzinfo=UTC)
#: The best text matches relevance once stopped at.
FORMER_CAP = 1_000
COUNT = FORMER_CAP + 300
CATEGORIES = ("fashion", "pets", "beauty")


def _listings() -> list[Aggregate]:
    seller = Seller.register(account="acme", name="Acme", at=AT)
    listings: list[Aggregate] = []
    for number in range(COUNT):
        # Longer titles score lower: the cheapest listings are the worst text matches, far
        # past the best 1,000, and the newest ones too.
        padding = " ".join(["plain"] * (number * 6 // COUNT))
        words = "handbag rare" if number in (5, 700, 1250) else "handbag"
        listings.append(
            Listing.list(
                UUID(int=number + 1),
                seller=seller,
                title=f"{words} {padding}".strip(),
                description="made to last",
                price=Money(100_000 - 37 * (number // 2), "USD"),  # two at each price: ties
                stock=0 if number % 10 == 3 else 5,
                category=CATEGORIES[number % 3],
                images=[f"{number:064x}"],
                attributes={},
                at=AT + timedelta(seconds=number // 2),  # two at each moment
            )
        )
    return [seller, *listings]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tables(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SqlShopTables, int]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/spotlight.db"
    else:
        postgres_url: str = request.getfixturevalue("postgres_url")
        schema_for: Callable[[str], str] = request.getfixturevalue("postgres_schema")
        url = f"{postgres_url}?schema={schema_for(f'sorted_{secrets.token_hex(4)}')}"
    events_store = parse_store(url)
    events_store.prepare()  # on PostgreSQL: the schema
    store = SqlProjectionStore(projection_database_for(events_store))
    shop = SqlShopTables(store)
    projection = ShopSearchProjection(shop)
    generation = store.new_generation(
        NAME, projection.version, tuple(projection.follows), active=True
    )
    projection.create(generation)
    events = [event for aggregate in _listings() for event in aggregate.collect_events()]
    with store.batch(NAME, generation, "revenue", 0, len(events)) as batch:
        projection.apply_page(batch, "revenue", [(e, n) for n, e in enumerate(events, 1)])
    try:
        yield shop, generation
    finally:
        store.close()


def _every(
    shop: SqlShopTables, generation: int, query: str, filters: SearchFilters, limit: int
) -> list[ShopResult]:
    found: list[ShopResult] = []
    while True:
        page = shop.search_sorted(
            generation,
            query,
            filters=filters,
            after=filters.key_of(found[-1]) if found else None,
            limit=limit,
        )
        found += page
        if len(page) < limit:
            return found


def _expected(
    shop: SqlShopTables, generation: int, filters: SearchFilters, *, rare: bool = False
) -> list[UUID]:
    """Every offer the filters admit (all hold "handbag"), in the filters' order."""
    offers = [
        offer
        for offer in shop.offers(generation)
        if filters.admits(offer.price, offer.category, offer.stock)
        and (not rare or "rare" in offer.title)
    ]
    return [offer.listing_id for offer in sorted(offers, key=filters.ordering())]


@pytest.mark.parametrize("sort", [SearchSort.PRICE_ASC, SearchSort.PRICE_DESC, SearchSort.NEWEST])
@pytest.mark.parametrize("limit", [37, 400])
@pytest.mark.parametrize("selective", [0, 10**6])  # its index walked; its postings read, sorted
def test_a_sorted_search_pages_through_every_match_in_order(
    tables: tuple[SqlShopTables, int],
    sort: SearchSort,
    limit: int,
    selective: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shop_search, "SELECTIVE", selective)
    monkeypatch.setattr(shop_search, "SELECTIVE_ON", {"sqlite": selective})
    shop, generation = tables
    filters = SearchFilters(sort=sort)
    expected = _expected(shop, generation, filters)
    assert len(expected) > FORMER_CAP
    answered = _every(shop, generation, "handbag", filters, limit=limit)
    assert [result.listing_id for result in answered] == expected

    # The best text matches by relevance are the cheap listings' betters: the cheapest is
    # not among them, and comes first all the same.
    relevant = shop.search(
        generation,
        "handbag",
        filters=SearchFilters(),
        after=None,
        limit=FORMER_CAP,
    )
    if sort is SearchSort.PRICE_ASC:
        assert answered[0].listing_id not in {result.listing_id for result in relevant}
    # A sorted result scores what the ranking gives it, and names the words it matched.
    scores = {result.listing_id: result.score for result in relevant}
    shared = [result for result in answered if result.listing_id in scores]
    assert shared
    assert all(result.score == pytest.approx(scores[result.listing_id]) for result in shared)
    assert all(result.matched == ("handbag",) for result in answered)


@pytest.mark.parametrize(
    "given",
    [
        {"category": "pets", "sort": "price_asc"},
        {"currency": "USD", "min_price": 70_000, "max_price": 80_000, "sort": "price_desc"},
        {"category": "beauty", "in_stock": False, "sort": "newest"},
    ],
)
def test_filters_narrow_a_sorted_search(
    tables: tuple[SqlShopTables, int], given: dict[str, Any]
) -> None:
    shop, generation = tables
    filters = SearchFilters(**given)
    expected = _expected(shop, generation, filters)
    assert expected
    answered = _every(shop, generation, "handbga", filters, limit=50)  # a typo finds it too
    assert [result.listing_id for result in answered] == expected


def test_a_rare_word_is_sorted_from_its_postings(tables: tuple[SqlShopTables, int]) -> None:
    shop, generation = tables
    filters = SearchFilters(sort=SearchSort.PRICE_ASC, in_stock=False)
    answered = _every(shop, generation, "rare", filters, limit=2)
    assert [result.listing_id for result in answered] == _expected(
        shop, generation, filters, rare=True
    )
    assert len(answered) == 3
    assert all(result.matched == ("rare",) and result.score > 0 for result in answered)
    assert shop.search_sorted(generation, "nothing", filters=filters, after=None, limit=5) == []


def _ranked(
    shop: SqlShopTables, generation: int, query: str, filters: SearchFilters, limit: int
) -> list[list[ShopResult]]:
    """Every page of a search by relevance, each after the last result of the one before."""
    pages: list[list[ShopResult]] = []
    while True:
        last = pages[-1][-1] if pages else None
        page = shop.search(
            generation,
            query,
            filters=filters,
            after=None if last is None else (last.score, last.listing_id),
            limit=limit,
        )
        if page:
            pages.append(page)
        if len(page) < limit:
            return pages


def _full_ranking(
    shop: SqlShopTables, generation: int, query: str, filters: SearchFilters
) -> list[tuple[UUID, float]]:
    """Every listing the filters admit that the in-memory index finds, by its score, highest
    first, ties by the listing id as text: the whole ranking, sorted here."""
    reference = BM25ListingSearch()
    for aggregate in _listings():
        events: list[Any] = list(aggregate.collect_events())
        for event in events:
            if type(event).TOPIC == Listing.Listed.TOPIC:
                reference.index(
                    event.originator_id,
                    title=event.title,
                    description=event.description,
                    attributes=event.attributes,
                )
    offers = {offer.listing_id: offer for offer in shop.offers(generation)}
    hits = reference.search(query, limit=10 * COUNT)
    admitted = [
        (hit.listing_id, hit.score)
        for hit in hits
        if filters.admits((offer := offers[hit.listing_id]).price, offer.category, offer.stock)
    ]
    return sorted(admitted, key=lambda item: (-item[1], str(item[0])))


@pytest.mark.parametrize(
    ("query", "given", "limit"),
    [
        ("handbag", {}, 50),  # 1,170 in stock: pages 21 to 24 are past the best 1,000
        ("handbga", {"in_stock": False}, 45),  # a typo; sold-out listings too
        ("handbag", {"category": "fashion", "min_price": 80_000, "currency": "USD"}, 7),
    ],
)
def test_a_search_by_relevance_pages_through_every_match(
    tables: tuple[SqlShopTables, int], query: str, given: dict[str, Any], limit: int
) -> None:
    shop, generation = tables
    filters = SearchFilters(**given)
    expected = _full_ranking(shop, generation, query, filters)
    pages = _ranked(shop, generation, query, filters, limit)
    answered = [(result.listing_id, result.score) for page in pages for result in page]

    assert len(pages) >= 21
    assert len({listing_id for listing_id, _ in answered}) == len(answered)  # no repeats
    assert [listing_id for listing_id, _ in answered] == [key for key, _ in expected]
    assert [score for _, score in answered] == [score for _, score in expected]
    # Hundreds share each score (seven title lengths): the ties are ordered by id as text.
    assert len({score for _, score in answered}) <= 7
    # Page 21 and after, read on their own from their cursors, are the full ranking's.
    for number in range(20, len(pages)):
        previous = pages[number - 1][-1]
        again = shop.search(
            generation,
            query,
            filters=filters,
            after=(previous.score, previous.listing_id),
            limit=limit,
        )
        start = number * limit
        assert [r.listing_id for r in again] == [k for k, _ in expected[start : start + limit]]


def test_a_relevance_cursor_holds_while_stock_moves_between_pages(
    tables: tuple[SqlShopTables, int],
) -> None:
    shop, generation = tables
    filters = SearchFilters()
    expected = [key for key, _ in _full_ranking(shop, generation, "handbag", filters)]
    shown: list[ShopResult] = []
    for _ in range(20):
        last = shown[-1] if shown else None
        shown += shop.search(
            generation,
            "handbag",
            filters=filters,
            after=None if last is None else (last.score, last.listing_id),
            limit=50,
        )
    assert [r.listing_id for r in shown] == expected[:1_000]
    # One listing already shown and one still to come sell out; one sold out comes back.
    gone, coming = expected[10], expected[1_100]
    back = UUID(int=4)  # number 3: sold out from the start, ranked among the first 1,000
    assert back not in expected
    logged = sum(len(list(a.collect_events())) for a in _listings())
    with shop.store.batch(NAME, generation, "revenue", logged, logged + 1) as batch:
        shop.add_stock(batch, {gone: -5, coming: -5, back: 3})
    rest: list[ShopResult] = []
    while True:
        last = (rest or shown)[-1]
        page = shop.search(
            generation, "handbag", filters=filters, after=(last.score, last.listing_id), limit=50
        )
        rest += page
        if len(page) < 50:
            break
    # The pages after the cursor are the ranking's after it, as it now stands: nothing
    # shown again, nothing skipped, the one sold out since left out.
    assert [r.listing_id for r in rest] == [k for k in expected[1_000:] if k != coming]
