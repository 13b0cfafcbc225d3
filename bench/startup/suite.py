"""Start of a service process to its first correct answers, on logs of growing size.

For each store and each size: a Pulse scene and impression batches billed through the
domain (``bench.revenue.scene``) until the log holds about that many events; then a new
process (``bench.startup.child``) starts a core and asks the ledger for a creator's monthly
statement and a page of their account, twice: the *first start* after the log grew (the
persisted read models catch up on everything the log gained since they last ran: here, all
of it), and a *restart* (they catch up on nothing). The restart's figure is what a service
process pays on any size of log; it should be flat across sizes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from bench.revenue.common import progress
from bench.revenue.scene import BILLED_CHUNK, seed_billed_batches, set_pulse_scene
from bench.sandboxes import PostgresSandbox, Sandbox, SandboxUnavailable, SqliteSandbox
from bench.tables import Table, render_table
from bench.workloads import open_spotlight

#: Creators (and so placements per batch) of the scene: each batch then records about this
#: many events plus three (the batch, its entry and the campaign budget's posting).
CREATORS = 10


@dataclass(frozen=True)
class StartupPlan:
    events: tuple[int, ...]  # log sizes, roughly (whole chunks of batches are seeded)


FULL = StartupPlan(events=(100_000, 1_000_000))
QUICK = StartupPlan(events=(10_000, 50_000))


@dataclass
class StartupReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Start:
    bootstrap: float
    answers: dict[str, float]
    rss_mib: float


def start_child(url: str, data_dir: Path, creator: str, month: str) -> Start:
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "bench.startup.child", url, str(data_dir), creator, month],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the child failed: {done.stderr.strip().splitlines()[-1:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    if not found["statement_lines"] or not found["account_postings"]:
        raise RuntimeError(f"the child's answers are empty: {found}")
    return Start(found["bootstrap_seconds"], found["answers"], found["rss_peak_kib"] / 1024)


def measure(sandbox: Sandbox, sizes: Sequence[int], report: StartupReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    store = sandbox.fresh()
    data_dir = sandbox.scratch / "data"
    data_dir.mkdir(exist_ok=True)
    with open_spotlight(store, data_dir) as core:
        scene = set_pulse_scene(core, CREATORS)
        month = f"{core.clock.now():%Y-%m}"
        creator = scene.creators[0]
        per_batch = CREATORS + 3
        seeded_batches = 0
        for size in sizes:
            events = core.revenue.recorder.max_notification_id() or 0
            wanted = max(0, size - events) // per_batch
            wanted -= wanted % BILLED_CHUNK
            progress(f"{sandbox.name}: seeding {wanted:,} batches towards {size:,} events")
            seeded = perf_counter()
            if wanted:
                seed_billed_batches(core, scene, wanted, first_index=seeded_batches)
                seeded_batches += wanted
            seconds = perf_counter() - seeded
            events = sum(
                log.recorder.max_notification_id() or 0
                for log in (core.catalogue, core.music, core.revenue, core.inbox)
            )
            progress(f"{sandbox.name}: {events:,} events in {seconds:.0f} s; starting")
            try:
                first = start_child(store.url, data_dir, creator, month)
                again = start_child(store.url, data_dir, creator, month)
            except RuntimeError as error:
                report.failures.append(f"{sandbox.name} at {events:,} events: {error}")
                continue
            for label, start in (("first start", first), ("restart", again)):
                rows.append(
                    (
                        sandbox.name,
                        f"{events:,}",
                        label,
                        f"{start.bootstrap:.2f}",
                        f"{start.answers['ledger account page']:.2f}",
                        f"{start.answers['ledger statement']:.2f}",
                        f"{start.answers['statement again']:.2f}",
                        f"{start.rss_mib:.0f}",
                    )
                )
    return rows


def run(plan: StartupPlan, stores: Sequence[str], postgres_url: str) -> StartupReport:
    report = StartupReport()
    table = Table(
        "Start of a service process to its first answers (seconds from the start of "
        "bootstrap(); the statement asked again in the same process, alone: what the "
        "answer costs warm; peak resident memory of the process)",
        (
            "store",
            "events",
            "start",
            "bootstrap",
            "account page",
            "statement",
            "statement again",
            "RSS MiB",
        ),
        align="lllrrrrr",
    )
    for name in stores:
        try:
            sandbox: Sandbox = (
                PostgresSandbox(postgres_url) if name == "postgres" else SqliteSandbox()
            )
        except SandboxUnavailable as error:
            report.failures.append(f"{name}: {error}")
            continue
        try:
            for row in measure(sandbox, plan.events, report):
                table.add(*row)
        finally:
            sandbox.close()
    report.lines = render_table(table)
    return report
