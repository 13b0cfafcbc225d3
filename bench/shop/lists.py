"""The shop's lists: a page's latency at 10,000 items of one owner among 1,000,000 in all.

The rows of the shop lists' read model (``ShopListsProjection``) are written straight into a
generation of its tables in the projection database (SQLite file or a PostgreSQL schema), in
batches of ``BATCH`` through the tables adapter the service uses: ``listings`` listings (one
seller holds ``per_owner`` of them, the rest spread over the other sellers, a tenth of them
delisted) and as many orders (one buyer placed ``per_owner`` of them). A read is what the
list's use case does after its catch-up (which is the same for every list): decode the
cursor, seek the index, write the next cursor. Pages of 50 are read from random places of
the big owner's list (a cursor is taken from an earlier read at that place), each timed
alone: p50 and p95 per list. The issue asks under 30 ms at p95.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter
from uuid import UUID

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.shop_lists import SqlShopListsTables
from application.paging import KeysetCursors
from application.shop.shop_lists import (
    LISTINGS,
    NAME,
    PURCHASES,
    SALES,
    ListingRow,
    OrderRow,
    ShopListsProjection,
)
from bench.machine import cpu_model, usable_cpus
from bench.sandboxes import Sandbox, each_sandbox
from bench.tables import Table, render_table
from domain.money import Money
from domain.shop.listings import ListingStatus

AT = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 10_000
PAGE = 50
TARGET_MS = 30.0
BIG = "big-seller"
BUYER = "viewer:big-buyer"


@dataclass(frozen=True)
class ListsPlan:
    listings: int  # and as many orders
    per_owner: int
    reads: int  # per list

    def describe(self) -> str:
        return (
            f"{self.listings:,} listings and {self.listings:,} orders, {self.per_owner:,} of "
            f"each one owner's, {self.reads} pages of {PAGE} a list"
        )


FULL = ListsPlan(listings=1_000_000, per_owner=10_000, reads=300)
QUICK = ListsPlan(listings=100_000, per_owner=10_000, reads=100)


@dataclass
class ListsReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _owner(number: int, plan: ListsPlan, big: str, other: str) -> str:
    # Every (total / per_owner)-th row is the big owner's: its rows are spread over the log.
    return big if number % (plan.listings // plan.per_owner) == 0 else f"{other}-{number % 97}"


def _seed(store: SqlProjectionStore, tables: SqlShopListsTables, plan: ListsPlan) -> int:
    projection = ShopListsProjection(tables)
    generation = store.new_generation(
        NAME, projection.version, tuple(projection.follows), active=True
    )
    projection.create(generation)
    position = 0
    price = Money(25_00, "USD")
    for start in range(0, plan.listings, BATCH):
        numbers = range(start, min(start + BATCH, plan.listings))
        end = position + 2 * len(numbers)
        with store.batch(NAME, generation, "revenue", position, end) as batch:
            tables.list_listings(
                batch,
                [
                    ListingRow(
                        listing_id=UUID(int=n + 1),
                        order=position + 2 * i + 1,
                        seller=_owner(n, plan, BIG, "seller"),
                        title=f"Listing {n}",
                        price=price,
                        stock=5,
                        state=ListingStatus.DELISTED if n % 10 == 3 else ListingStatus.LISTED,
                        open_reports=0,
                        listed_at=AT,
                    )
                    for i, n in enumerate(numbers)
                ],
            )
            tables.place_orders(
                batch,
                [
                    OrderRow(
                        order_id=UUID(int=10**9 + n),
                        order=position + 2 * i + 2,
                        listing_id=UUID(int=n + 1),
                        seller=_owner(n, plan, BIG, "seller"),
                        buyer=_owner(n, plan, BUYER, "viewer:buyer"),
                        quantity=1,
                        total=price,
                        proceeds=price,
                        video_id=None,
                        placed_at=AT,
                    )
                    for i, n in enumerate(numbers)
                ],
            )
        position = end
        if start % (10 * BATCH) == 0:
            _progress(f"lists: {start + len(numbers):,} of {plan.listings:,} rows of each kind")
    return generation


Read = Callable[[int | None], Sequence[ListingRow | OrderRow]]


def _timed(cursors: KeysetCursors, read: Read, plan: ListsPlan, rng: random.Random) -> list[float]:
    """Pages read from random places of a list: the cursors of every 50th item are gathered
    by a first walk, then each read decodes one, seeks and writes the next."""
    places: list[str | None] = [None]
    after: int | None = None
    while True:
        rows = read(after)
        if len(rows) < PAGE:
            break
        after = rows[-1].order
        places.append(cursors.encode((after,)))
    times: list[float] = []
    for _ in range(plan.reads):
        cursor = rng.choice(places)
        started = perf_counter()
        key = cursors.decode(cursor)
        rows = read(None if key is None else int(key[0]))
        page = cursors.page(rows, PAGE, lambda row: (row.order,))
        times.append(perf_counter() - started)
        if not page.items:
            raise AssertionError("a page of a list read nothing")
    return times


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _measure(sandbox: Sandbox, plan: ListsPlan, report: ListsReport) -> list[tuple[str, ...]]:
    events = sandbox.fresh()
    events.prepare()
    store = SqlProjectionStore(projection_database_for(events))
    try:
        tables = SqlShopListsTables(store)
        started = perf_counter()
        generation = _seed(store, tables, plan)
        seeding = perf_counter() - started
        rng = random.Random(17)
        lists: dict[str, tuple[KeysetCursors, Read]] = {
            "a seller's listings": (
                LISTINGS,
                lambda after: tables.listings(
                    generation, BIG, state=None, after=after, limit=PAGE + 1
                ),
            ),
            "a seller's listings on sale": (
                LISTINGS,
                lambda after: tables.listings(
                    generation, BIG, state=ListingStatus.LISTED, after=after, limit=PAGE + 1
                ),
            ),
            "a seller's sales": (
                SALES,
                lambda after: tables.orders(generation, seller=BIG, after=after, limit=PAGE + 1),
            ),
            "a buyer's orders": (
                PURCHASES,
                lambda after: tables.orders(generation, buyer=BUYER, after=after, limit=PAGE + 1),
            ),
        }
        rows: list[tuple[str, ...]] = []
        for name, (cursors, read) in lists.items():
            times = _timed(cursors, read, plan, rng)
            p50, p95 = _percentile(times, 0.5) * 1e3, _percentile(times, 0.95) * 1e3
            rows.append((sandbox.name, name, f"{p50:.2f}", f"{p95:.2f}"))
            if p95 > TARGET_MS:
                report.failures.append(f"{sandbox.name}: {name}: p95 {p95:.1f} ms > {TARGET_MS}")
        report.lines.append(
            f"{sandbox.name}: writing {2 * plan.listings:,} rows took {seeding:.0f} s"
        )
        return rows
    finally:
        store.close()


def run(plan: ListsPlan, stores: Sequence[str], postgres_url: str) -> ListsReport:
    report = ListsReport()
    table = Table(
        title=f"shop lists: a page of {PAGE} ({plan.describe()}; {cpu_model()}, "
        f"{usable_cpus()} CPUs)",
        headings=("store", "list", "p50 ms", "p95 ms"),
        align="llrr",
    )
    for sandbox in each_sandbox(stores, postgres_url, report.lines.append):
        for row in _measure(sandbox, plan, report):
            table.add(*row)
    report.lines[:0] = render_table(table)
    return report
