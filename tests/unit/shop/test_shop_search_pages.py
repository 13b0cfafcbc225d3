"""Shop search's rows come out the same whether the revenue log's events are applied one at a
time or a page at a time, the pages cut anywhere; and a search over them answers what the
in-memory index answered before the rows were persisted (the offers a viewer can buy among
the best matches of ``BM25ListingSearch``, in its order, with its scores)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.shop_search import SqlShopTables
from adapters.search.listings import BM25ListingSearch
from adapters.storage import parse_store
from application.ranked_paging import After
from application.shop.search_filters import SearchFilters
from application.shop.shop_search import NAME, ShopSearchProjection
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.shop.listings import STRIKES_TO_SUSPEND, Listing, ListingStatus, Seller

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ACCOUNTS = ("acme", "zeta")
WORDS = ["leather", "canvas", "handbag", "tote", "boots", "wool", "red"]
title = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("list"), st.integers(0, 1), title, st.integers(0, 3)),
        st.tuples(st.just("edit"), st.integers(0, 3), title),
        # Runs of stock moves on one listing, which a page adds up.
        st.tuples(st.just("restock"), st.integers(0, 3), st.integers(1, 3)),
        st.tuples(st.just("sell"), st.integers(0, 3), st.integers(1, 2)),
        st.tuples(st.just("restock"), st.just(0), st.integers(1, 3)),
        st.tuples(st.just("sell"), st.just(0), st.integers(1, 2)),
        st.tuples(st.just("delist"), st.integers(0, 3)),
        st.tuples(st.just("take down"), st.integers(0, 3)),
        st.tuples(st.just("suspend"), st.integers(0, 1)),
    ),
    min_size=3,
    max_size=40,
)
FOLLOWED = {
    Seller.Registered.TOPIC,
    Seller.Suspended.TOPIC,
    *(
        getattr(Listing, kind).TOPIC
        for kind in ("Listed", "Edited", "Restocked", "Sold", "Delisted", "TakenDown")
    ),
}
#: More results than any story lists: every match.
EVERY = 1_000
queries = ["handbag", "leather tote", "handbga", "bots wool", "red"]


def story(steps: list[tuple[Any, ...]]) -> list[Any]:
    """The events the steps record, in log order (a step the rules refuse records nothing),
    with their positions in the log: those shop search follows."""
    events: list[Any] = []

    def record(aggregate: Aggregate) -> None:
        events.extend(aggregate.collect_events())

    sellers = [Seller.register(account=account, name=account, at=NOW) for account in ACCOUNTS]
    for seller in sellers:
        record(seller)
    listings: list[Listing] = []
    for number, (kind, *args) in enumerate(steps):
        try:
            if kind == "list":
                listings.append(
                    Listing.list(
                        UUID(int=number + 1),
                        seller=sellers[args[0]],
                        title=args[1],
                        description="made to last",
                        price=Money(10_00 + number, "USD"),
                        stock=args[2],
                        category="fashion",
                        images=[f"{number:064x}"],
                        attributes={"colour": "red"} if number % 2 else {},
                        at=NOW,
                    )
                )
                record(listings[-1])
            elif kind == "suspend":
                seller = sellers[args[0]]
                for strike in range(STRIKES_TO_SUSPEND):
                    seller.strike(UUID(int=10_000 + 10 * number + strike), UUID(int=1), at=NOW)
                record(seller)
            elif listings:
                listing = listings[args[0] % len(listings)]
                if kind == "edit":
                    listing.edit(
                        title=args[1],
                        description="",
                        price=Money(20_00, "USD"),
                        category="fashion",
                        attributes={},
                        by="seller:acme",
                        at=NOW,
                    )
                elif kind == "restock":
                    listing.restock(args[1], at=NOW)
                elif kind == "sell":
                    listing.sell(UUID(int=20_000 + number), args[1])
                elif kind == "delist":
                    listing.delist(by="seller:acme", reason="gone", at=NOW)
                else:
                    listing.take_down(UUID(int=30_000 + number), by="ops", reason="fake", at=NOW)
                record(listing)
        except (RuleViolated, InvalidValue):
            for aggregate in (*sellers, *listings):
                aggregate.collect_events()  # nothing of a refused step is recorded
    return [
        (event, position)
        for position, event in enumerate(events, start=1)
        if type(event).TOPIC in FOLLOWED
    ]


class Reference:
    """What shop search answered before its rows were persisted: offers in memory, the text
    in ``BM25ListingSearch``."""

    def __init__(self, events: Sequence[tuple[Any, int]]) -> None:
        self.engine = BM25ListingSearch()
        self.offers: dict[UUID, list[Any]] = {}  # title, price, seller, stock, status
        sellers: dict[UUID, str] = {}
        self.suspended: set[str] = set()
        for event, _ in events:
            topic, listing_id = type(event).TOPIC, event.originator_id
            if topic == Seller.Registered.TOPIC:
                sellers[listing_id] = event.account
            elif topic == Seller.Suspended.TOPIC:
                self.suspended.add(sellers[listing_id])
            elif topic in (Listing.Listed.TOPIC, Listing.Edited.TOPIC):
                if topic == Listing.Listed.TOPIC:
                    self.offers[listing_id] = [None, None, event.seller, event.stock, True]
                self.offers[listing_id][:2] = [event.title, event.price]
                self.engine.index(
                    listing_id,
                    title=event.title,
                    description=event.description,
                    attributes=event.attributes,
                )
            elif topic == Listing.Restocked.TOPIC:
                self.offers[listing_id][3] += event.added
            elif topic == Listing.Sold.TOPIC:
                self.offers[listing_id][3] -= event.quantity
            elif topic in (Listing.Delisted.TOPIC, Listing.TakenDown.TOPIC):
                self.offers[listing_id][4] = False
                self.engine.forget(listing_id)

    def search(self, query: str) -> list[tuple[UUID, str, Money, float, tuple[str, ...]]]:
        return [
            (hit.listing_id, offer[0], offer[1], hit.score, hit.matched)
            for hit in self.engine.search(query, limit=EVERY)
            if (offer := self.offers[hit.listing_id])[4]
            and offer[3] > 0
            and offer[2] not in self.suspended
        ]


class Rows:
    def __init__(self) -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
        self.tables = SqlShopTables(self.store)
        self.projection = ShopSearchProjection(self.tables)
        self.generation = self.store.new_generation(
            NAME, self.projection.version, tuple(self.projection.follows), active=True
        )
        self.projection.create(self.generation)
        self.position = 0

    def apply(self, page: Sequence[tuple[Any, int]]) -> None:
        end = page[-1][1]
        with self.store.batch(NAME, self.generation, "revenue", self.position, end) as batch:
            if len(page) == 1:
                self.projection.apply(batch, "revenue", *page[0])
            else:
                self.projection.apply_page(batch, "revenue", page)
        self.position = end

    def search(
        self, query: str, *, after: After | None = None, limit: int = EVERY
    ) -> list[tuple[UUID, str, Money, float, tuple[str, ...]]]:
        found = self.tables.search(
            self.generation,
            query,
            filters=SearchFilters(),
            after=after,
            limit=limit,
        )
        return [(r.listing_id, r.title, r.price, r.score, r.matched) for r in found]

    def export(self) -> Mapping[str, object]:
        return self.projection.export(self.generation, {})


@settings(max_examples=40, deadline=None)
@given(steps=steps, data=st.data())
def test_events_applied_one_by_one_or_by_pages_leave_the_same_rows_and_answers(
    steps: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    events = story(steps)
    one_by_one, by_pages = Rows(), Rows()
    try:
        assert set(one_by_one.projection.follows["revenue"]) == FOLLOWED
        for item in events:
            one_by_one.apply([item])
        cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(events) - 1)), max_size=5)))
        for start, end in zip([0, *cuts], [*cuts, len(events)], strict=True):
            if events[start:end]:
                by_pages.apply(events[start:end])

        assert by_pages.export() == one_by_one.export()
        reference = Reference(events)
        for query in queries:
            expected = reference.search(query)
            for rows in (one_by_one, by_pages):
                answered = rows.search(query)
                assert [(r[0], r[1], r[2], r[4]) for r in answered] == [
                    (e[0], e[1], e[2], e[4]) for e in expected
                ]
                assert [r[3] for r in answered] == [e[3] for e in expected]
                # A page is the same slice of the answer, after whichever result it starts.
                for at, (listing_id, _, _, score, _) in enumerate(answered[:3]):
                    after = rows.search(query, after=(score, listing_id), limit=2)
                    assert after == answered[at + 1 : at + 3]
    finally:
        one_by_one.store.close()
        by_pages.store.close()


def test_a_suspended_sellers_listings_stay_in_the_index_but_are_not_found() -> None:
    events = story([("list", 0, "red tote", 2), ("list", 1, "red boots", 2), ("suspend", 0)])
    rows = Rows()
    try:
        rows.apply(events)
        assert [r[1] for r in rows.search("red")] == ["red boots"]
        assert rows.export()["shop_text:totals"] == (2, 2 * (2 * 3 + 3) + 1)
        offers = [o for o in rows.tables.offers(rows.generation) if o.title == "red tote"]
        assert [(o.seller, o.status) for o in offers] == [("acme", ListingStatus.LISTED)]
    finally:
        rows.store.close()
