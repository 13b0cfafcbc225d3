"""Shop search before and after a change, in one run: the cases of ``bench.shop.sorted_search``
timed on the same stores by two checkouts of the code, taking turns.

The listings (``sorted_search._events``) are written once per store (SQLite, PostgreSQL) by
this checkout; each turn is a process started on the older checkout (``--before``, a
directory holding one, e.g. ``git worktree add`` or ``git archive | tar -x``) or on this one,
which runs every case a few times on the same queries and prints its times and the listing
ids it answered. The turns alternate (before, after, before, after, ...) so that both meet the
same load, printed (``uptime``) with the table; each case's p50 and p95 are over all the
turns of its side. The answers of the two sides must be the same listings in the same order
(``CHECK FAILED`` otherwise): a change of plan, not of result. The projection's tables are
the same in both checkouts (the same version of the shop search projection), so both read
the same rows, settled once after they are written as a rebuild's swap now settles them
(``VACUUM (ANALYZE)`` on PostgreSQL).

    python -m bench.shop.search_versions --before DIR [--full] [--turns N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.shop_search import SqlShopTables
from bench.sandboxes import each_sandbox
from bench.shop.sorted_search import CASES, FULL, QUICK, SortedPlan, _load, _seed
from bench.tables import Table, render_table

#: What each turn runs, in the checkout given by its PYTHONPATH: the searches of every case
#: (a page of 20 and one more; the deep ones after the pages before), timed one by one.
TURN = r"""
import inspect, json, random, sys, time
from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.shop_search import SqlShopTables
from adapters.storage import parse_store
from application.shop.search_filters import SearchFilters
from bench.shop.suite import COLOURS, KINDS, MATERIALS

url, generation, searches, cases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
store = SqlProjectionStore(projection_database_for(parse_store(url)))
shop = SqlShopTables(store)
capped = "candidates" in inspect.signature(shop.search).parameters


def search(query, filters, after, limit):
    if filters.sort.value == "relevance":
        extra = {"candidates": 1_000} if capped else {}
        return shop.search(generation, query, filters=filters, after=after, limit=limit, **extra)
    return shop.search_sorted(generation, query, filters=filters, after=after, limit=limit)


def mark(filters, result):
    if filters.sort.value == "relevance":
        return (result.score, result.listing_id)
    return filters.key_of(result)


answer = {}
for name, given, depth in json.loads(cases):
    filters = SearchFilters(**given)
    rng = random.Random(11)
    times, found = [], []
    for _ in range(searches):
        query = (
            rng.choice(COLOURS)
            if depth
            else rng.choice([rng.choice(KINDS), f"{rng.choice(MATERIALS)} {rng.choice(KINDS)}"])
        )
        after = None
        if depth:
            before = search(query, filters, None, depth * 20)
            after = mark(filters, before[-1]) if before else None
        started = time.perf_counter()
        page = search(query, filters, after, 21)
        times.append(time.perf_counter() - started)
        found.append([str(result.listing_id) for result in page[:20]])
    answer[name] = {"times": times, "found": found}
store.close()
print(json.dumps(answer))
"""


def _turn(tree: Path, url: str, generation: int, searches: int) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(  # noqa: S603 - this interpreter on a checkout of our own code
        [sys.executable, "-c", TURN, url, str(generation), str(searches), json.dumps(CASES)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd=tree,
    )
    if done.returncode != 0:
        raise RuntimeError(f"a turn in {tree} failed:\n{done.stderr[-2000:]}")
    answered: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answered


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(
    plan: SortedPlan, before: Path, turns: int, stores: Sequence[str], postgres_url: str
) -> list[str]:
    after = Path(__file__).resolve().parents[2]
    lines: list[str] = []
    failures: list[str] = []
    table = Table(
        title=f"shop search before and after, a page of 20 ({plan.describe()} a turn, "
        f"{turns} turns a side; started at {_load()})",
        headings=("store", "search", "before p50 / p95 ms", "after p50 / p95 ms"),
        align="llrr",
    )
    for sandbox in each_sandbox(stores, postgres_url, lines.append):
        events = sandbox.fresh()
        events.prepare()
        store = SqlProjectionStore(projection_database_for(events))
        try:
            generation = _seed(store, SqlShopTables(store), plan)
        finally:
            store.close()
        sides: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
        answers: dict[str, dict[str, Any]] = {}
        for number in range(2 * turns):
            side, tree = ("before", before) if number % 2 == 0 else ("after", after)
            print(f"{sandbox.name}: turn {number + 1} of {2 * turns} ({side})", file=sys.stderr)
            answered = _turn(tree, events.url, generation, plan.searches)
            for name, result in answered.items():
                sides[side].setdefault(name, []).extend(result["times"])
                answers.setdefault(side, {})[name] = result["found"]
        for name, _, _ in CASES:
            if answers["before"][name] != answers["after"][name]:
                failures.append(f"{sandbox.name} {name}: the pages differ before and after")
            table.add(
                sandbox.name,
                name,
                *(
                    f"{_percentile(sides[side][name], 0.5) * 1e3:.1f} / "
                    f"{_percentile(sides[side][name], 0.95) * 1e3:.1f}"
                    for side in ("before", "after")
                ),
            )
        lines.append(f"{sandbox.name}: measured at {_load()}")
    return [*render_table(table), *lines, *(f"CHECK FAILED: {f}" for f in failures)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the older code")
    parser.add_argument("--full", action="store_true", help="100,000 listings (default 20,000)")
    parser.add_argument("--turns", type=int, default=2, help="turns of each side (default 2)")
    parser.add_argument("--searches", type=int, default=30, help="searches a case and turn")
    chosen = parser.parse_args()
    base = FULL if chosen.full else QUICK
    url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print(
        "\n".join(
            run(
                SortedPlan(base.listings, chosen.searches),
                chosen.before,
                chosen.turns,
                ("sqlite", "postgres"),
                url,
            )
        )
    )
