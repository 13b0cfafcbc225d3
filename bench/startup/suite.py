"""Start of a service process to its first correct answers, on logs of growing size.

For each store and each size: a Pulse scene and impression batches billed through the
domain (``bench.revenue.scene``) until the log holds about that many events; then a new
process (``bench.startup.child``) starts a core and asks, once each, every program's heaviest
read the scene can answer: the ledger's account page and monthly statement, the Pulse
inventory of the scene's category, the creator marketplace searched by that category, shop
search, the anchors' review queue, music's featured playlist and track queue, a studio's
analytics and a creator's inbox. Each answer is checked against the scene where it gives
something to check (the marketplace finds the creator, the inventory ranks their video...).
It does so twice: the *first start* after the log grew (the persisted read models catch up
on everything the log gained since they last ran: here, all of it), and a *restart* (they
catch up on nothing). The restart's figure is what a service process pays on any size of
log; it should be under 5 s and flat across sizes (the largest within 1.2x the smallest).
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


#: The child's reads, in the order it asks them (its ``reads``), as the table's columns.
READS = (
    "account page",
    "statement",
    "inventory",
    "marketplace",
    "shop search",
    "anchor queue",
    "music",
    "analytics",
    "inbox",
)
#: What a restart's start to all its answers may take at most, and how much more it may
#: take on the largest log than on the smallest (issue 16).
LIMIT_SECONDS = 5.0
FLAT_RATIO = 1.2


@dataclass(frozen=True)
class Start:
    bootstrap: float
    answers: dict[str, float]
    checks: dict[str, str]
    total: float
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
    return Start(
        found["bootstrap_seconds"],
        found["answers"],
        found["checks"],
        found["all_answered_seconds"],
        found["rss_peak_kib"] / 1024,
    )


def mark(check: str) -> str:
    """A check in a cell: checked against the scene, or only answered."""
    return {"checked": "", "answered": "*"}.get(check, "!")


def measure(sandbox: Sandbox, sizes: Sequence[int], report: StartupReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    smallest: dict[str, tuple[float, float]] = {}
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
            events = core._revenue.recorder.max_notification_id() or 0
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
                for log in (core._catalogue, core._music, core._revenue, core._inbox)
            )
            progress(f"{sandbox.name}: {events:,} events in {seconds:.0f} s; starting")
            try:
                first = start_child(store.url, data_dir, creator, month)
                again = start_child(store.url, data_dir, creator, month)
            except RuntimeError as error:
                report.failures.append(f"{sandbox.name} at {events:,} events: {error}")
                continue
            for label, start in (("first start", first), ("restart", again)):
                for read, check in start.checks.items():
                    if mark(check) == "!":
                        report.failures.append(
                            f"{sandbox.name} at {events:,} events, {label}, {read}: {check}"
                        )
                # The statement's lines grow with the log in this scene (every batch pays
                # every creator, all in one month); it answers one page and the month's
                # totals, and the start is also compared without it.
                alone = start.total - start.answers["statement"]
                total_then, alone_then = smallest.setdefault(label, (start.total, alone))
                ratio, ratio_alone = start.total / total_then, alone / alone_then
                if label == "restart" and start.total >= LIMIT_SECONDS:
                    report.failures.append(
                        f"{sandbox.name} at {events:,} events: the restart's answers took "
                        f"{start.total:.2f} s (at most {LIMIT_SECONDS:.0f} s)"
                    )
                for what, times in (("", ratio), (", less the statement,", ratio_alone)):
                    if label == "restart" and times > FLAT_RATIO:
                        report.failures.append(
                            f"{sandbox.name} at {events:,} events: the restart{what} took "
                            f"{times:.2f}x its time on the smallest log (at most {FLAT_RATIO}x)"
                        )
                rows.append(
                    (
                        sandbox.name,
                        f"{events:,}",
                        label,
                        f"{start.bootstrap:.2f}",
                        *(f"{start.answers[read]:.2f}{mark(start.checks[read])}" for read in READS),
                        f"{start.total:.2f}",
                        f"{ratio:.2f}",
                        f"{ratio_alone:.2f}",
                        f"{start.answers['statement again']:.2f}",
                        f"{start.rss_mib:.0f}",
                    )
                )
    return rows


def run(plan: StartupPlan, stores: Sequence[str], postgres_url: str) -> StartupReport:
    report = StartupReport()
    table = Table(
        "Start of a service process to its first answers (seconds: bootstrap(), then each "
        "read's first answer alone, asked in this order in the same process; all: from the "
        "start of bootstrap() to the last answer, and its ratio to the same start on the "
        "smallest log, with and without the statement, whose lines grow with the log in "
        "this scene (every batch pays every creator in one month; it answers a page); the "
        "statement asked again, warm; peak resident memory). "
        "* = answered, nothing in the scene to check it by (no shop, titles, tracks or "
        "notices); ! = a wrong answer (see the failures). Studios and business campaigns "
        "are not in the scene: analytics is an absent studio's (empty) and no campaign "
        "dashboard is asked",
        (
            *("store", "events", "start", "bootstrap", *READS, "all"),
            *("x smallest", "x without statement", "again", "RSS MiB"),
        ),
        align="lll" + "r" * (len(READS) + 6),
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
    for failure in report.failures:
        report.lines.append(f"CHECK FAILED: {failure}")
    return report
