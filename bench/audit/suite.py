"""The audit suite, on each store asked for (SQLite, PostgreSQL): seeding a log through the
chained recorder (against the library's recorder, to show what the links cost writers), then
verifying it from a separate process: events per second and peak memory, on a log of
1,000,000 events and on a small one, to show that memory does not grow with the log. Then
the replay (``spotlight audit replay``) on a store of the core's own logs of the same sizes:
events per second of copying and rebuilding every read model from zero, and peak memory
(which grows with what the read models hold per account, title and round, not with the
log's length).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from adapters.storage import Store
from bench.audit.replay import replay_in_child, seed_domain_store
from bench.sandboxes import (
    DEFAULT_POSTGRES_URL,
    PostgresSandbox,
    Sandbox,
    SandboxUnavailable,
    SqliteSandbox,
)
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
    skipped: list[str] = field(default_factory=list)
    postgres_version: str | None = None


#: The library's own recorder of each store, to compare the chained one with.
UNCHAINED = {"sqlite": "eventsourcing.sqlite", "postgres": "eventsourcing.postgres"}
TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


class Tick(Aggregate):
    """The smallest aggregate: one created event of about 150 bytes."""


class AuditBench(Application[UUID]):
    name = LOG


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(store: Store, events: int, per_transaction: int, *, unchained: str = "") -> float:
    """Save `events` new aggregates, `per_transaction` per save; the seconds it took.
    ``unchained``: the library's persistence module to write through instead."""
    env: dict[str, Any] = store.env_for(LOG)
    if unchained:
        env["PERSISTENCE_MODULE"] = unchained
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


def run(
    plan: AuditPlan,
    stores: Sequence[str] = ("sqlite",),
    postgres_url: str = DEFAULT_POSTGRES_URL,
) -> AuditReport:
    report = AuditReport()
    for name in stores:
        sandbox: Sandbox
        try:
            sandbox = PostgresSandbox(postgres_url) if name == "postgres" else SqliteSandbox()
        except SandboxUnavailable as error:
            report.skipped.append(f"audit: {name}: skipped: {error}")
            continue
        if isinstance(sandbox, PostgresSandbox):
            report.postgres_version = sandbox.server_version
        try:
            if report.lines:
                report.lines.append("")
            report.lines += _on_store(sandbox, plan, report)
        finally:
            sandbox.close()
    report.lines += report.skipped
    report.lines += [f"FAILED: {failure}" for failure in report.failures]
    return report


def _on_store(sandbox: Sandbox, plan: AuditPlan, report: AuditReport) -> list[str]:
    title = TITLES.get(sandbox.name, sandbox.name)
    unchained = UNCHAINED.get(sandbox.name, "eventsourcing.sqlite")
    progress(f"audit: {title}: seeding {plan.compare_events:,} events with and without the chain")
    events = plan.compare_events
    raw = events / seed(sandbox.fresh(), events, PAGE, unchained=unchained)
    linked = events / seed(sandbox.fresh(), events, PAGE)
    writes = Table(
        f"audit: seeding a {title} log, 1,000 small aggregates per transaction",
        ("recorder", "events", "events/s", "vs library"),
    )
    writes.add(unchained, f"{plan.compare_events:,}", f"{raw:,.0f}", "1.00x")
    writes.add(
        "chained (adapters.audit)",
        f"{plan.compare_events:,}",
        f"{linked:,.0f}",
        f"{linked / raw:.2f}x",
    )
    verifies = Table(
        f"audit: verifying a {title} log (verify_log, pages of {PAGE:,}, in a fresh process)",
        ("events", "seeded in", "verified in", "events/s", "peak RSS", "RSS growth"),
    )
    for events in (plan.small, plan.events):
        store = sandbox.fresh()
        progress(f"audit: {title}: seeding a log of {events:,} events")
        seeded = seed(store, events, plan.per_transaction)
        progress(f"audit: {title}: verifying the log of {events:,} events")
        verified = verify_in_child(store)
        if not verified.intact or verified.records != events:
            report.failures.append(
                f"{title}: the log of {events:,} events did not verify "
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
    return [
        *render_table(writes),
        "",
        *render_table(verifies),
        "",
        "RSS growth: the peak resident memory of the verifying process above what it had "
        "after opening the store; it stays the same whatever the log's length (records "
        "and links are read a page at a time).",
        "",
        *_replays(sandbox, title, plan, report),
    ]


#: What the replay of a whole store is aimed at (issue 7).
REPLAY_TARGET = 20_000


def _replays(sandbox: Sandbox, title: str, plan: AuditPlan, report: AuditReport) -> list[str]:
    replays = Table(
        f"audit: replaying a {title} store of the core's logs (spotlight audit replay's work, "
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
        progress(f"audit: {title}: seeding a store of the core's logs with about {events:,} events")
        started = perf_counter()
        held = seed_domain_store(store, sandbox.scratch, events)
        seeded = perf_counter() - started
        progress(f"audit: {title}: replaying the store of {held:,} events")
        replayed = replay_in_child(store)
        if replayed.differences or replayed.violations or replayed.events != held:
            report.failures.append(
                f"{title}: the replay of {held:,} events found {replayed.differences} "
                f"differences and {replayed.violations} violations over {replayed.events:,} "
                "events"
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
        "copy + rebuild: every event record copied as stored into the scratch store (pages "
        "of 10,000, with its hash-chain link), then every read model of a fresh core rebuilt "
        "from zero, decoding what it follows (the replay rate, aimed at "
        f"{REPLAY_TARGET:,} events/s); whole replay: also the live core started over the "
        "store and its read models built, every read model and the snapshotted or cached "
        "aggregates compared, every record of the audited logs decoded once (readability) "
        "and the invariants recomputed. The store: impression batches billed with their "
        "journal entries and postings (most of it), ballots in a closed round (a tenth), the "
        "Pulse scene's creators and videos. Peak memory: two cores' read models, which hold "
        "per-account, per-title and per-round state in memory; the ledger's posting lines "
        "are in a temporary SQLite file, the ledger audit's cross-reference is a fixed set "
        "of digests and the one-ballot rule keeps 8 bytes a ballot.",
    ]
