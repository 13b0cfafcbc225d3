"""In-app shop search: latency over a catalogue of 100,000 listings.

Listings are generated from a vocabulary (brand, adjective, colour, material, product kind
and a short description), saved to a SQLite revenue log in transactions of 500, and the
search use case (``ShopSearch`` over its projection's tables and text index in the SQLite
projection database, exactly as the service wires it) is built by projecting that log from
zero. Queries are drawn from the same vocabulary: one
word, two words, a brand and a kind, and each of those with a typo (a letter dropped,
doubled or swapped, in words of four letters or more); each query is timed alone, and the
table gives the median, 95th and 99th percentiles per kind, with the number of results on
the first page.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from uuid import UUID

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.shop_search import SqlShopTables
from adapters.storage import close_application, parse_store
from application.logs import RevenueLog
from application.projections import ProjectionRunner
from application.shop.search_filters import SearchFilters
from application.shop.shop_search import NAME, ShopSearch, ShopSearchProjection
from bench.machine import cpu_model, usable_cpus
from bench.tables import Table, render_table
from domain.money import Money
from domain.shop.listings import Listing, Seller

AT = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 500
CATEGORIES = ("fashion", "beauty", "cooking", "travel")
#: The filters a filtered search of the benchmark narrows to (about a tenth of its matches).
FILTERED = SearchFilters(
    category="fashion", min_price=5_000, max_price=20_000, currency="USD", sort="price_asc"
)
SELLERS = 200

BRANDS = [
    "acme", "northwind", "lumen", "kestrel", "orchard", "tidal", "copperline", "marlow",
    "fjord", "saffron", "juniper", "basalt", "harbor", "vesper", "quill", "atlas",
]  # fmt: skip
ADJECTIVES = [
    "classic", "vintage", "compact", "oversized", "lightweight", "waterproof", "handmade",
    "organic", "premium", "slim", "padded", "foldable", "insulated", "quilted", "rugged",
    "minimal", "heritage", "everyday", "travel", "studio",
]  # fmt: skip
COLOURS = [
    "black", "white", "navy", "olive", "sand", "burgundy", "teal", "charcoal", "ivory",
    "mustard", "blush", "cobalt",
]  # fmt: skip
MATERIALS = [
    "leather", "linen", "cotton", "wool", "ceramic", "bamboo", "steel", "walnut", "canvas",
    "suede", "denim", "cashmere", "glass", "brass",
]  # fmt: skip
KINDS = [
    "backpack", "tote", "sneakers", "boots", "jacket", "scarf", "beanie", "mug", "kettle",
    "skillet", "lamp", "notebook", "headphones", "watch", "sunglasses", "wallet", "apron",
    "blanket", "candle", "planter", "bottle", "speaker", "keyboard", "tripod", "hoodie",
    "dress", "jeans", "sandals", "umbrella", "duffel",
]  # fmt: skip
PHRASES = [
    "made to last", "ships in two days", "gift ready", "limited run", "small batch",
    "fair trade", "easy care", "one size", "new season", "best seller",
]  # fmt: skip


@dataclass(frozen=True)
class ShopPlan:
    listings: int
    queries: int  # per kind of query

    def describe(self) -> str:
        return f"{self.listings:,} listings, {self.queries:,} queries of each of six kinds"


FULL = ShopPlan(listings=100_000, queries=500)
QUICK = ShopPlan(listings=10_000, queries=100)


@dataclass
class ShopReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _listings(count: int, sellers: list[Seller], rng: random.Random) -> Iterator[Listing]:
    for number in range(count):
        title = " ".join(
            (
                rng.choice(BRANDS).title(),
                rng.choice(ADJECTIVES),
                rng.choice(COLOURS),
                rng.choice(MATERIALS),
                rng.choice(KINDS),
            )
        )
        yield Listing.list(
            UUID(int=number + 1),
            seller=sellers[number % SELLERS],
            title=title,
            description=f"{rng.choice(PHRASES)}, {rng.choice(PHRASES)}",
            price=Money(rng.randrange(500, 50_000), "USD"),
            stock=rng.randrange(1, 50),
            category=rng.choice(CATEGORIES),
            images=[f"{number:064x}"],
            attributes={"colour": rng.choice(COLOURS), "size": rng.choice(["S", "M", "L"])},
            at=AT,
        )


def _seed(revenue: RevenueLog, plan: ShopPlan) -> float:
    rng = random.Random(7)
    started = perf_counter()
    sellers = [
        Seller.register(account=f"seller-{n}", name=f"Seller {n}", at=AT) for n in range(SELLERS)
    ]
    revenue.save(*sellers)
    pending: list[Listing] = []
    for listing in _listings(plan.listings, sellers, rng):
        pending.append(listing)
        if len(pending) == BATCH:
            revenue.save(*pending)
            pending.clear()
    if pending:
        revenue.save(*pending)
    return perf_counter() - started


def _typo(word: str, rng: random.Random) -> str:
    """One slip in a word of four letters or more (shorter ones are typed right: a slip in
    'mug' leaves two letters, which the search takes as typed)."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    match rng.randrange(3):
        case 0:
            return word[:at] + word[at + 1 :]  # dropped
        case 1:
            return word[:at] + word[at] + word[at:]  # doubled
        case _:
            return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]  # swapped


def _query_kinds(rng: random.Random) -> dict[str, Callable[[], str]]:
    def one() -> str:
        return rng.choice(KINDS)

    def two() -> str:
        return f"{rng.choice(MATERIALS)} {rng.choice(KINDS)}"

    def brand() -> str:
        return f"{rng.choice(BRANDS)} {rng.choice(COLOURS)} {rng.choice(KINDS)}"

    return {
        "one word": one,
        "one word, typo": lambda: _typo(one(), rng),
        "two words": two,
        "two words, typo": lambda: " ".join(
            _typo(w, rng) if i else w for i, w in enumerate(two().split())
        ),
        "three words": brand,
        "three words, typo": lambda: " ".join(_typo(w, rng) for w in brand().split()),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(plan: ShopPlan) -> ShopReport:
    report = ShopReport()
    with tempfile.TemporaryDirectory(prefix="spotlight-shop-bench-") as directory:
        store = parse_store(f"sqlite:///{Path(directory) / 'bench.db'}")
        store.prepare()
        revenue = RevenueLog(store.env_for(RevenueLog.name))
        projections = SqlProjectionStore(projection_database_for(store))
        try:
            _progress(f"shop: seeding {plan.listings:,} listings")
            seeding = _seed(revenue, plan)
            _progress("shop: projecting the log into the search tables")
            tracemalloc.start()
            started = perf_counter()
            runner = ProjectionRunner(projections, {"revenue": revenue})
            projection = ShopSearchProjection(SqlShopTables(projections))
            runner.register(projection)
            search = ShopSearch(runner, projection)
            runner.catch_up(NAME)
            building = perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rng = random.Random(11)
            table = Table(
                title=(
                    f"shop search over {plan.listings:,} listings (SQLite revenue log and "
                    "projection database; "
                    f"{plan.queries} queries a kind; {cpu_model()}, {usable_cpus()} CPUs)"
                ),
                headings=("query", "p50 ms", "p95 ms", "p99 ms", "results p50"),
            )
            all_times: list[float] = []
            filtered_times: list[float] = []
            empty = 0
            for kind, make in _query_kinds(rng).items():
                times: list[float] = []
                found: list[int] = []
                for _ in range(plan.queries):
                    query = make()
                    started = perf_counter()
                    page = search.search(query, limit=20).items
                    times.append(perf_counter() - started)
                    found.append(len(page))
                    empty += not page
                    started = perf_counter()
                    search.search(query, filters=FILTERED, limit=20)
                    filtered_times.append(perf_counter() - started)
                all_times += times
                table.add(
                    kind,
                    f"{_percentile(times, 0.5) * 1e3:.2f}",
                    f"{_percentile(times, 0.95) * 1e3:.2f}",
                    f"{_percentile(times, 0.99) * 1e3:.2f}",
                    f"{statistics.median(found):.0f}",
                )
            table.add(
                "all",
                f"{_percentile(all_times, 0.5) * 1e3:.2f}",
                f"{_percentile(all_times, 0.95) * 1e3:.2f}",
                f"{_percentile(all_times, 0.99) * 1e3:.2f}",
                "",
            )
            table.add(
                "all, filtered and sorted by price",
                f"{_percentile(filtered_times, 0.5) * 1e3:.2f}",
                f"{_percentile(filtered_times, 0.95) * 1e3:.2f}",
                f"{_percentile(filtered_times, 0.99) * 1e3:.2f}",
                "",
            )
            report.lines += render_table(table)
            report.lines.append(
                f"seeding {plan.listings:,} listings: {seeding:.1f} s; projecting the log into "
                f"the tables: {building:.1f} s ({plan.listings / building:,.0f} listings/s), "
                f"peak traced memory {peak / 2**20:,.0f} MiB"
            )
            if empty:
                report.failures.append(f"{empty} queries found nothing (each should find some)")
                report.lines.append(f"CHECK FAILED: {empty} queries found nothing")
        finally:
            projections.close()
            close_application(revenue)
    return report
