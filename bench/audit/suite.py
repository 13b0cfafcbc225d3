"""The audit suite: seeding a log through the chained SQLite recorder (against the library's
recorder, to show what the links cost writers), then verifying it from a separate process:
events per second and peak memory, on a log of 1,000,000 events and on a small one, to show
that memory does not grow with the log. Then the replay (``spotlight audit replay``) on a
store of the core's own logs of the same sizes: events per second of copying and rebuilding
every read model from zero, and peak memory (which grows with the read models).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from adapters.storage import Store
from bench.audit.replay import replay_in_child, seed_domain_store
from bench.sandboxes import SqliteSandbox
from bench.tables import Table, render_table

LOG = "audit_bench"
PAGE = 1000


@dataclass(frozen=True)
class AuditPlan:
    # The verified logs: `small` and `events` events, saved `per_transaction` at a time.
    events: int
    small: int
    per_transaction: int
    # Seeding `compare_events` events with and without the chain.
    compare_events: int

    def describe(self) -> str:
        return (
            f"verifying logs of {self.small:,} and {self.events:,} events; seeding "
            f"{self.compare_events:,} events with and without the chain"
        )


FULL = AuditPlan(events=1_000_000, small=20_000, per_transaction=1_000, compare_events=100_000)
QUICK = AuditPlan(events=20_000, small=2_000, per_transaction=500, compare_events=20_000)


@dataclass
class AuditReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Tick(Aggregate):
    """The smallest aggregate: one created event of about 150 bytes."""


class AuditBench(Application[UUID]):
    name = LOG


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(store: Store, events: int, per_transaction: int, *, chained: bool = True) -> float:
    """Save `events` new aggregates, `per_transaction` per save; the seconds it took."""
    env: dict[str, Any] = store.env_for(LOG)
    if not chained:
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
    store.prepare()
    application = AuditBench(env)
    started = perf_counter()
    saved = 0
    while saved < events:
        batch = min(per_transaction, events - saved)
        application.save(*[Tick() for _ in range(batch)])
        saved += batch
    seconds = perf_counter() - started
    application.close()
    return seconds


@dataclass(frozen=True)
class Verified:
    records: int
    intact: bool
    seconds: float
    rss_before_kib: int
    rss_peak_kib: int

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def verify_in_child(store: Store) -> Verified:
    result = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.audit.child", store.url, LOG, str(PAGE)],
        capture_output=True,
        text=True,
        check=True,
    )
    return Verified(**json.loads(result.stdout))


def run(plan: AuditPlan) -> AuditReport:
    report = AuditReport()
    sandbox = SqliteSandbox()
    try:
        progress(f"audit: seeding {plan.compare_events:,} events with and without the chain")
        raw = plan.compare_events / seed(sandbox.fresh(), plan.compare_events, PAGE, chained=False)
        linked = plan.compare_events / seed(sandbox.fresh(), plan.compare_events, PAGE)
        writes = Table(
            "audit: seeding a SQLite log, 1,000 small aggregates per transaction",
            ("recorder", "events", "events/s", "vs library"),
        )
        writes.add("eventsourcing.sqlite", f"{plan.compare_events:,}", f"{raw:,.0f}", "1.00x")
        writes.add(
            "chained (adapters.audit)",
            f"{plan.compare_events:,}",
            f"{linked:,.0f}",
            f"{linked / raw:.2f}x",
        )
        verifies = Table(
            f"audit: verifying a SQLite log (verify_log, pages of {PAGE:,}, in a fresh process)",
            ("events", "seeded in", "verified in", "events/s", "peak RSS", "RSS growth"),
        )
        for events in (plan.small, plan.events):
            store = sandbox.fresh()
            progress(f"audit: seeding a log of {events:,} events")
            seeded = seed(store, events, plan.per_transaction)
            progress(f"audit: verifying the log of {events:,} events")
            verified = verify_in_child(store)
            if not verified.intact or verified.records != events:
                report.failures.append(
                    f"the log of {events:,} events did not verify "
                    f"({verified.records:,} records, intact={verified.intact})"
                )
            verifies.add(
                f"{events:,}",
                f"{seeded:.1f} s",
                f"{verified.seconds:.1f} s",
                f"{verified.rate:,.0f}",
                f"{verified.rss_peak_kib / 1024:.0f} MiB",
                f"{(verified.rss_peak_kib - verified.rss_before_kib) / 1024:.1f} MiB",
            )
        report.lines += [*render_table(writes), "", *render_table(verifies)]
        report.lines += [
            "",
            "RSS growth: the peak resident memory of the verifying process above what it had "
            "after opening the store; it stays the same whatever the log's length (records "
            "and links are read a page at a time).",
        ]
        report.lines += ["", *_replays(sandbox, plan, report)]
        report.lines += [f"FAILED: {failure}" for failure in report.failures]
    finally:
        sandbox.close()
    return report


#: What the replay of a whole store is aimed at (issue 7).
REPLAY_TARGET = 20_000


def _replays(sandbox: SqliteSandbox, plan: AuditPlan, report: AuditReport) -> list[str]:
    replays = Table(
        "audit: replaying a SQLite store of the core's logs (spotlight audit replay's work, "
        "scratch store: SQLite, in a fresh process)",
        (
            "events",
            "seeded in",
            "copy + rebuild",
            "events/s",
            "vs target",
            "whole replay",
            "peak RSS",
            "RSS growth",
        ),
    )
    for events in (plan.small, plan.events):
        store = sandbox.fresh()
        progress(f"audit: seeding a store of the core's logs with about {events:,} events")
        started = perf_counter()
        held = seed_domain_store(store, sandbox.scratch, events)
        seeded = perf_counter() - started
        progress(f"audit: replaying the store of {held:,} events")
        replayed = replay_in_child(store)
        if replayed.differences or replayed.violations or replayed.events != held:
            report.failures.append(
                f"the replay of {held:,} events found {replayed.differences} differences and "
                f"{replayed.violations} violations over {replayed.events:,} events"
            )
        replays.add(
            f"{replayed.events:,}",
            f"{seeded:.1f} s",
            f"{replayed.copy_seconds + replayed.rebuild_seconds:.1f} s",
            f"{replayed.rate:,.0f}",
            f"{replayed.rate / REPLAY_TARGET:.2f}x",
            f"{replayed.total_seconds:.1f} s",
            f"{replayed.rss_peak_kib / 1024:.0f} MiB",
            f"{(replayed.rss_peak_kib - replayed.rss_before_kib) / 1024:.0f} MiB",
        )
    return [
        *render_table(replays),
        "",
        "copy + rebuild: every event decoded, encoded again and written to the scratch store, "
        "then every read model of a fresh core rebuilt from zero (the replay rate, aimed at "
        f"{REPLAY_TARGET:,} events/s); whole replay: also the live core started over the "
        "store, every read model and the snapshotted or cached aggregates compared, and the "
        "invariants recomputed. The store: impression batches billed with their journal "
        "entries and postings (most of it), ballots in a closed round (a tenth), the Pulse "
        "scene's creators and videos. Memory grows with the read models of two cores.",
    ]
