"""Shop search with filters and sorts: a page's p95 over 100,000 listings, on SQLite and
PostgreSQL.

The listings (the vocabulary of ``bench.shop.suite``: brand, adjective, colour, material,
kind; four categories; prices from $5 to $500; a tenth sold out) are written through the
shop search projection (``ShopSearchProjection`` over ``SqlShopTables``, as the service
writes them) straight into a generation of its tables, in pages of ``BATCH`` events, with no
event log. Each search is the one the service runs (``SqlShopTables.search`` for relevance,
``search_sorted`` for the other orders), timed alone: a query of one or two words (a colour
for a deep page) with the filters of its row, the first page or a page deep in the results
(its cursor the last result of the pages before, read at once). Before timing, each sorted
search's first pages are checked against a sort of every matching listing in Python: the
order is the whole catalogue's, not that of the best 1,000 text matches. The generation is
settled after it is written as a rebuild settles it before its swap
(``SqlProjectionStore.settle``: ``VACUUM (ANALYZE)`` on PostgreSQL, nothing on SQLite). The
load (``uptime``) is printed with the table: the machine is shared.

    python -m bench.shop.sorted_search [--full]   # --full: 100,000 listings (default 20,000)
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any
from uuid import UUID

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.shop_search import SqlShopTables
from application.shop.search_filters import SearchFilters
from application.shop.shop_search import NAME, ShopResult, ShopSearchProjection
from bench.machine import cpu_model, usable_cpus
from bench.sandboxes import Sandbox, each_sandbox
from bench.shop.suite import ADJECTIVES, BRANDS, CATEGORIES, COLOURS, KINDS, MATERIALS, PHRASES
from bench.tables import Table, render_table
from domain.money import Money
from domain.shop.listings import Listing, Seller

AT = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 2_000
PAGE = 20
SELLERS = 200


@dataclass(frozen=True)
class SortedPlan:
    listings: int
    searches: int  # per row of the table and store

    def describe(self) -> str:
        return f"{self.listings:,} listings, {self.searches} searches a row"


FULL = SortedPlan(listings=100_000, searches=100)
QUICK = SortedPlan(listings=20_000, searches=60)


@dataclass
class SortedReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


#: (row, the filters, how deep the timed page is: 0 the first, n the page after n pages)
CASES: list[tuple[str, dict[str, Any], int]] = [
    ("relevance, no filter", {}, 0),
    (
        "relevance, category + price range",
        {"category": "fashion", "currency": "USD", "min_price": 5_000, "max_price": 20_000},
        0,
    ),
    ("price asc, no filter", {"sort": "price_asc"}, 0),
    (
        "price asc, category + price range",
        {
            "sort": "price_asc",
            "category": "fashion",
            "currency": "USD",
            "min_price": 5_000,
            "max_price": 20_000,
        },
        0,
    ),
    (
        "price asc, category, colour, page 60",
        {"sort": "price_asc", "category": "travel"},
        60,
    ),
    (
        "price desc, category, sold out too",
        {"sort": "price_desc", "category": "beauty", "in_stock": False},
        0,
    ),
    ("newest, category", {"sort": "newest", "category": "cooking"}, 0),
    ("newest, colour, page 60", {"sort": "newest"}, 60),
]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _events(plan: SortedPlan) -> list[Any]:
    rng = random.Random(7)
    sellers = [
        Seller.register(account=f"seller-{n}", name=f"Seller {n}", at=AT) for n in range(SELLERS)
    ]
    events = [event for seller in sellers for event in seller.collect_events()]
    for number in range(plan.listings):
        words = (rng.choice(BRANDS).title(), rng.choice(ADJECTIVES), rng.choice(COLOURS))
        listing = Listing.list(
            UUID(int=number + 1),
            seller=sellers[number % SELLERS],
            title=" ".join((*words, rng.choice(MATERIALS), rng.choice(KINDS))),
            description=f"{rng.choice(PHRASES)}, {rng.choice(PHRASES)}",
            price=Money(rng.randrange(500, 50_000), "USD"),
            stock=0 if number % 10 == 3 else rng.randrange(1, 50),
            category=rng.choice(CATEGORIES),
            images=[f"{number:064x}"],
            attributes={"colour": rng.choice(COLOURS)},
            at=AT + timedelta(seconds=rng.randrange(90 * 86_400)),
        )
        events += listing.collect_events()
    return events


def _seed(store: SqlProjectionStore, shop: SqlShopTables, plan: SortedPlan) -> int:
    projection = ShopSearchProjection(shop)
    generation = store.new_generation(
        NAME, projection.version, tuple(projection.follows), active=True
    )
    with store.making(NAME, generation):
        projection.create(generation)
    events = _events(plan)
    for start in range(0, len(events), BATCH):
        page = [(event, n + 1) for n, event in enumerate(events[start : start + BATCH], start)]
        with store.batch(NAME, generation, "revenue", start, page[-1][1]) as batch:
            projection.apply_page(batch, "revenue", page)
        if start % (10 * BATCH) == 0:
            _progress(f"sorted search: {start + len(page):,} of {len(events):,} events")
    # As a rebuild before its swap: on PostgreSQL, VACUUM (ANALYZE) of the tables written.
    store.settle(NAME, generation)
    return generation


Search = Callable[[str, SearchFilters, Any, int], list[ShopResult]]


def _searcher(shop: SqlShopTables, generation: int) -> Search:
    def search(query: str, filters: SearchFilters, after: Any, limit: int) -> list[ShopResult]:
        if filters.sort.value == "relevance":
            return shop.search(
                generation,
                query,
                filters=filters,
                after=after,
                limit=limit,
            )
        return shop.search_sorted(generation, query, filters=filters, after=after, limit=limit)

    return search


def _after(filters: SearchFilters, result: ShopResult) -> Any:
    if filters.sort.value == "relevance":
        return (result.score, result.listing_id)
    return filters.key_of(result)


def _check(shop: SqlShopTables, generation: int, search: Search, query: str) -> str | None:
    """The first pages of each sorted case against every matching listing sorted here."""
    words = query.split()
    for _, given, _ in CASES:
        filters = SearchFilters(**given)
        if filters.sort.value == "relevance":
            continue
        expected = sorted(
            (
                offer
                for offer in shop.offers(generation)
                if filters.admits(offer.price, offer.category, offer.stock)
                and any(word in offer.title.lower().split() for word in words)
            ),
            key=filters.ordering(),
        )
        found: list[ShopResult] = []
        for _ in range(3):
            after = _after(filters, found[-1]) if found else None
            found += search(query, filters, after, PAGE + 1)[:PAGE]
        if [r.listing_id for r in found] != [o.listing_id for o in expected[: len(found)]]:
            return f"{query!r} {given}: the pages are not the catalogue's order"
    return None


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} (uptime)"


def _measure(sandbox: Sandbox, plan: SortedPlan, report: SortedReport) -> list[tuple[str, ...]]:
    events = sandbox.fresh()
    events.prepare()
    store = SqlProjectionStore(projection_database_for(events))
    try:
        shop = SqlShopTables(store)
        started = perf_counter()
        generation = _seed(store, shop, plan)
        report.lines.append(
            f"{sandbox.name}: projecting {plan.listings:,} listings took "
            f"{perf_counter() - started:.0f} s"
        )
        search = _searcher(shop, generation)
        problem = _check(shop, generation, search, "leather")
        if problem:
            report.failures.append(f"{sandbox.name}: {problem}")
        rng = random.Random(11)
        rows: list[tuple[str, ...]] = []
        for name, given, depth in CASES:
            filters = SearchFilters(**given)
            times: list[float] = []
            found: list[int] = []
            for _ in range(plan.searches):
                # One or two words; deep pages a colour (about a sixth of the listings
                # hold each), so that page 60 is past the 1,000 best text matches.
                query = (
                    rng.choice(COLOURS)
                    if depth
                    else rng.choice(
                        [rng.choice(KINDS), f"{rng.choice(MATERIALS)} {rng.choice(KINDS)}"]
                    )
                )
                after = None
                if depth:  # the cursor of the page timed: the last result of the pages before
                    before = search(query, filters, None, depth * PAGE)
                    after = _after(filters, before[-1]) if before else None
                started = perf_counter()
                answered = search(query, filters, after, PAGE + 1)
                times.append(perf_counter() - started)
                found.append(len(answered[:PAGE]))
            rows.append(
                (
                    sandbox.name,
                    name,
                    f"{_percentile(times, 0.5) * 1e3:.1f}",
                    f"{_percentile(times, 0.95) * 1e3:.1f}",
                    f"{sorted(found)[len(found) // 2]}",
                )
            )
        report.lines.append(f"{sandbox.name}: measured at {_load()}")
        return rows
    finally:
        store.close()


def run(plan: SortedPlan, stores: Sequence[str], postgres_url: str) -> SortedReport:
    report = SortedReport()
    table = Table(
        title=f"shop search with filters, a page of {PAGE} ({plan.describe()}; {cpu_model()}, "
        f"{usable_cpus()} CPUs; started at {_load()})",
        headings=("store", "search", "p50 ms", "p95 ms", "results p50"),
        align="llrrr",
    )
    for sandbox in each_sandbox(stores, postgres_url, report.lines.append):
        for row in _measure(sandbox, plan, report):
            table.add(*row)
    report.lines[:0] = render_table(table)
    report.lines += [f"CHECK FAILED: {failure}" for failure in report.failures]
    return report


if __name__ == "__main__":
    chosen = FULL if "--full" in sys.argv else QUICK
    url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print("\n".join(run(chosen, ("sqlite", "postgres"), url).lines))
