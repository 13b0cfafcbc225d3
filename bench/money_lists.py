"""List reads of the money and brand lists at scale: a page of a creator's payouts, of a
brand's campaigns and of the effects live today, with 10,000 items an owner and 1,000,000 in
all, on SQLite and PostgreSQL.

The rows are written straight into one generation of each projection's tables (untimed: a
read's cost is the question, not how the rows came), ``owners`` owners of ``per_owner`` items
each; then ``reads`` pages of 50 are read through the tables adapters at cursors drawn at
random in one owner's list (the same seek the Python API, HTTP and the CLI make), timed
one by one.

    python -m bench.money_lists [--quick] [--store sqlite|postgres|all] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from uuid import UUID

import sqlalchemy as sa

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.brand_lists import SqlBrandListTables
from adapters.projections.revenue_lists import SqlRevenueListTables
from adapters.projections.rows import insert_rows
from bench.machine import cpu_model, usable_cpus
from bench.sandboxes import DEFAULT_POSTGRES_URL, PostgresSandbox, Sandbox, SqliteSandbox
from domain.revenue.payouts import Payee, PayoutStatus

GENERATION = 1
PAGE = 50
ROWS_PER_INSERT = 20_000
TODAY = date(2026, 12, 7)


def _fill(
    store: SqlProjectionStore, table: sa.Table, total: int, row: Callable[[int], dict[str, object]]
) -> None:
    for first in range(0, total, ROWS_PER_INSERT):
        with store.database.writer.begin() as connection:
            # COPY on PostgreSQL, as the projections write their bulk rows.
            rows = [row(n) for n in range(first, min(total, first + ROWS_PER_INSERT))]
            insert_rows(connection, table, rows)


def _timed(read: Callable[[], object], reads: int) -> tuple[float, float]:
    times = []
    for _ in range(reads):
        started = perf_counter()
        read()
        times.append((perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


def run(sandbox: Sandbox, owners: int, per_owner: int, reads: int) -> list[str]:
    where = sandbox.fresh()
    where.prepare()
    store = SqlProjectionStore(projection_database_for(where))
    try:
        payouts, brands = SqlRevenueListTables(store), SqlBrandListTables(store)
        payouts.create(GENERATION)
        brands.create(GENERATION)
        total = owners * per_owner
        at = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
        started = perf_counter()
        _fill(
            store,
            payouts._tables[GENERATION].payouts,
            total,
            lambda n: {
                "payout_id": str(UUID(int=n + 1)),
                "payee": Payee.CREATOR.value,
                "creator": f"creator-{n % owners}",
                "position": n + 1,
                "period": "2026-01",
                "minor": 1_000 + n % 97,
                "currency": "USD",
                "status": ("in-transit", "sent", "returned")[n % 3],
                "reference": "",
                "return_reason": "",
                "requested_at": at,
            },
        )
        _fill(
            store,
            brands._tables[GENERATION].campaigns,
            total,
            lambda n: {
                "campaign_id": str(UUID(int=n + 1)),
                "program": ("business", "pulse")[n % 2],
                "brand": f"brand-{n % owners}",
                "name": f"campaign {n}",
                "minor": 100_000,
                "currency": "USD",
                "starts": "2026-01-01",
                "ends": "2026-12-31",
                "ended": False,
                "launched_at": at,
                "position": n + 1,
            },
        )
        # Effects: their campaigns' last days spread over two years, half of them past.
        _fill(
            store,
            brands._tables[GENERATION].effects,
            total,
            lambda n: {
                "effect_id": str(UUID(int=n + 1)),
                "campaign_id": str(UUID(int=n % owners + 1)),
                "brand": f"brand-{n % owners}",
                "name": f"effect {n}",
                "asset": f"assets://brand/{n}.glb",
                "registered_at": at,
                "starts_on": "2025-12-01",
                "last_day": (TODAY + timedelta(days=n % 730 - 365)).isoformat(),
                "position": n + 1,
            },
        )
        filled = perf_counter() - started
        rng = random.Random(7)
        live = brands.live_effects(GENERATION, TODAY, after=None, limit=total)
        lines = [
            f"{sandbox.name}: {total:,} payouts, campaigns and effects ({owners} owners x "
            f"{per_owner:,}) written in {filled:.1f} s (untimed)"
        ]
        cases: Sequence[tuple[str, Callable[[], object]]] = (
            (
                "a creator's payouts",
                lambda: payouts.payouts(
                    GENERATION,
                    f"creator-{rng.randrange(owners)}",
                    after=rng.randrange(total),
                    limit=PAGE + 1,
                ),
            ),
            (
                "a creator's payouts, one state",
                lambda: payouts.payouts(
                    GENERATION,
                    f"creator-{rng.randrange(owners)}",
                    after=rng.randrange(total),
                    limit=PAGE + 1,
                    status=PayoutStatus.SENT,
                ),
            ),
            (
                "a brand's campaigns",
                lambda: brands.campaigns(
                    GENERATION,
                    f"brand-{rng.randrange(owners)}",
                    program=None,
                    after=rng.randrange(total),
                    limit=PAGE + 1,
                ),
            ),
            (
                "the live effects",
                lambda: brands.live_effects(
                    GENERATION,
                    TODAY,
                    after=(
                        live[(index := rng.randrange(len(live)))].last_day,
                        live[index].position,
                    ),
                    limit=PAGE + 1,
                ),
            ),
        )
        for name, read in cases:
            p50, p95 = _timed(read, reads)
            lines.append(f"  {name:<32} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   ({reads} pages)")
        return lines
    finally:
        store.close()
        sandbox.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.money_lists")
    parser.add_argument("--quick", action="store_true", help="10,000 rows, not 1,000,000")
    parser.add_argument("--store", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    options = parser.parse_args(argv)
    owners, per_owner, reads = (10, 1_000, 100) if options.quick else (100, 10_000, 400)
    print(f"money and brand lists, pages of {PAGE} ({cpu_model()}, {usable_cpus()} CPUs)")
    if options.store in ("sqlite", "all"):
        print("\n".join(run(SqliteSandbox(), owners, per_owner, reads)))
    if options.store in ("postgres", "all"):
        print("\n".join(run(PostgresSandbox(options.postgres_url), owners, per_owner, reads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
