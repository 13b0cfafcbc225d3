"""Projection catch-up from zero: events a second each persisted projection applies, and how
much of its time goes to reading and decoding the log rather than applying.

One store per database is seeded, untimed, with the stories the other benchmarks already
build through the domain, saved many per transaction:

- the studio's titles, anchored videos, daily engagement batches and viewers' click batches
  of ``bench.analytics`` (catalogue log);
- a brand campaign with invited creators and videos carrying its hashtag, with daily
  engagement, of ``bench.business`` (revenue and catalogue), and viewers' clicks on those
  videos' calls to action;
- the Pulse scene and billed impression batches of ``bench.revenue.scene`` (creators,
  enrolments, journal entries of eleven postings each);
- the music scene and ballots of ``bench.music.scene``.

Then, for each projection, a new generation is filled from zero by
``ProjectionRunner.catch_up(name, generation=...)`` (what a rebuild does before its swap)
and dropped; and the same pages of the same logs are read and decoded alone
(``ProjectionRunner.read_page``), which is the part of the catch-up that is not applying.
Each is run ``repetitions`` times and the fastest kept (the machine is shared).

    python -m bench catchup [--quick] [--store sqlite|postgres]
    python -m bench.catchup --profile NAME|all [--quick] [--store ...]   (cProfile of one)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from time import perf_counter, process_time
from uuid import UUID

from application.anchors.analytics import NAME as ANALYTICS
from application.anchors.review_queue import NAME as REVIEW_QUEUE
from application.business.campaign_dashboard import NAME as DASHBOARDS
from application.business.marketplace_projection import NAME as MARKETPLACE
from application.music.music_read_model import MUSIC_READ_MODEL
from application.projections import ProjectionRunner, configuration_of, readers_of
from application.revenue.ledger_projection import LEDGER
from application.revenue.pulse_inventory import NAME as INVENTORY
from application.trust.protection import NAME as PROTECTION
from bench import analytics as studio
from bench.business.suite import BusinessPlan, _campaign, _dashboard_videos
from bench.machine import cpu_model, usable_cpus
from bench.music.scene import seed_ballots, set_scene
from bench.revenue.common import progress
from bench.revenue.scene import seed_billed_batches, set_pulse_scene
from bench.sandboxes import (
    DEFAULT_POSTGRES_URL,
    PostgresSandbox,
    Sandbox,
    SandboxUnavailable,
    SqliteSandbox,
)
from bench.tables import Table, render_table
from bench.workloads import open_spotlight
from domain.anchors.audience import CallToActionClickBatch, VideoClick
from entrypoints.bootstrap import Spotlight

PROJECTIONS = (
    LEDGER,
    ANALYTICS,
    DASHBOARDS,
    INVENTORY,
    MUSIC_READ_MODEL,
    REVIEW_QUEUE,
    PROTECTION,
    MARKETPLACE,
)
STORES = ("sqlite", "postgres")
#: Creators of the Pulse scene: each billed batch is then an entry of eleven postings.
PULSE_CREATORS = 10
CAMPAIGN_CREATORS = 20


@dataclass(frozen=True)
class CatchupPlan:
    studio: studio.AnalyticsPlan
    campaign_videos: int
    cta_batches: int
    billed_batches: int
    music_entries: int
    ballots: int
    repetitions: int

    def describe(self) -> str:
        return (
            f"{self.studio.videos:,} anchored videos with {studio.DAYS} days of engagement "
            f"batches (1,000 counts each) and {self.studio.viewers * studio.DAYS:,} click "
            f"batches; a campaign of {self.campaign_videos:,} videos with 30 days of "
            f"engagement and {self.cta_batches:,} call-to-action click batches; "
            f"{self.billed_batches:,} billed impression batches; {self.music_entries:,} "
            f"tracks entered and {self.ballots:,} ballots"
        )


FULL = CatchupPlan(
    studio=studio.AnalyticsPlan(titles=20, videos=10_000, viewers=100, reads=0),
    campaign_videos=5_000,
    cta_batches=5_000,
    billed_batches=10_000,
    music_entries=2_000,
    ballots=50_000,
    repetitions=2,
)
QUICK = CatchupPlan(
    studio=studio.AnalyticsPlan(titles=5, videos=1_000, viewers=20, reads=0),
    campaign_videos=1_000,
    cta_batches=500,
    billed_batches=1_000,
    music_entries=200,
    ballots=5_000,
    repetitions=1,
)


@dataclass
class CatchupReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Measured:
    applied: int
    passed: int  # positions of the followed logs passed: events of every topic
    seconds: float
    cpu: float  # this process's CPU seconds in the catch-up (less shaken by a shared machine)
    reading: float  # reading and decoding the same pages alone


def seed(core: Spotlight, plan: CatchupPlan) -> None:
    rng = random.Random(16)
    studio._seed(core.cataloguing, plan.studio, rng)
    participants = [f"campaign-creator-{n}" for n in range(CAMPAIGN_CREATORS)]
    _campaign(core._revenue, hashtag="#benchglow", participants=participants)
    business = BusinessPlan(
        creators=0, videos=0, queries=0, dashboard_videos=plan.campaign_videos, dashboard_reads=0
    )
    _dashboard_videos(core._catalogue, business, participants)
    _call_to_action_clicks(core, plan, rng)
    scene = set_pulse_scene(core, PULSE_CREATORS)
    seed_billed_batches(core, scene, plan.billed_batches)
    music = set_scene(core, plan.music_entries)
    seed_ballots(core, music, plan.ballots)


def _call_to_action_clicks(core: Spotlight, plan: CatchupPlan, rng: random.Random) -> None:
    """Viewers' clicks on the campaign videos' calls to action (the ids ``_dashboard_videos``
    gives them), a few per batch."""
    pending: list[CallToActionClickBatch] = []
    for number in range(plan.cta_batches):
        clicks = [
            VideoClick(
                video_id=UUID(int=2 * 10**12 + rng.randrange(plan.campaign_videos)),
                at=studio.AT + timedelta(minutes=number),
            )
            for _ in range(3)
        ]
        pending.append(
            CallToActionClickBatch.record(
                UUID(int=4 * 10**12 + number), viewer=f"viewer-{number % 300}", clicks=clicks
            )
        )
        if len(pending) == studio.BATCH:
            core._catalogue.save(*pending)
            pending.clear()
    if pending:
        core._catalogue.save(*pending)


def from_zero(runner: ProjectionRunner, name: str) -> tuple[int, float, float]:
    """Fill a new generation of the projection from zero (as a rebuild does before its
    swap); answer the events applied, the seconds taken and this process's CPU seconds in
    them. The generation is dropped."""
    projection = runner[name]
    store = runner.store
    number = store.new_generation(
        name,
        projection.version,
        tuple(projection.follows),
        active=False,
        configuration=configuration_of(projection),
    )
    projection.create(number)
    try:
        started, cpu = perf_counter(), process_time()
        applied = runner.catch_up(name, generation=number)
        return applied, perf_counter() - started, process_time() - cpu
    finally:
        projection.drop(number)
        store.forget(name, number)


def read_only(runner: ProjectionRunner, name: str) -> tuple[int, float, float]:
    """Read and decode every page the projection's catch-up reads, applying nothing."""
    projection = runner[name]
    events = 0
    started, cpu = perf_counter(), process_time()
    for log_name, topics in projection.follows.items():
        end = runner._logs[log_name].recorder.max_notification_id() or 0
        position = 0
        while position < end:
            page, position = runner.read_page(
                log_name, tuple(topics), position, end, readers=readers_of(projection)
            )
            events += len(page)
    return events, perf_counter() - started, process_time() - cpu


def best_of(
    repetitions: int, run: Callable[[], tuple[int, float, float]]
) -> tuple[int, float, float]:
    runs = [run() for _ in range(repetitions)]
    return runs[0][0], min(seconds for _, seconds, _ in runs), min(cpu for *_, cpu in runs)


def measure(core: Spotlight, name: str, plan: CatchupPlan) -> Measured:
    runner = core.projections
    applied, seconds, cpu = best_of(plan.repetitions, lambda: from_zero(runner, name))
    read, reading, _ = best_of(plan.repetitions, lambda: read_only(runner, name))
    if read != applied:
        raise RuntimeError(f"{name}: read {read:,} events but applied {applied:,}")
    passed = sum(runner.ends()[log_name] for log_name in runner[name].follows)
    return Measured(applied, passed, seconds, cpu, reading)


def open_sandbox(name: str, postgres_url: str) -> Sandbox:
    return PostgresSandbox(postgres_url) if name == "postgres" else SqliteSandbox()


def run(plan: CatchupPlan, stores: Sequence[str], postgres_url: str) -> CatchupReport:
    report = CatchupReport()
    started_at_load = _load()
    table = Table(
        "Projection catch-up from zero (a new generation filled by ProjectionRunner.catch_up; "
        f"fastest of {plan.repetitions}): events applied a second; 'read+decode' is reading "
        "and decoding the same pages alone, as a share of the catch-up's time; 'CPU s' is the "
        "benchmark process's CPU time in the catch-up (not the PostgreSQL server's), steadier "
        "than seconds on a shared machine; log events are "
        f"every position of the logs it follows ({plan.describe()}; {cpu_model()}, "
        f"{usable_cpus()} CPUs; load average at the start {started_at_load})",
        (
            "store",
            "projection",
            "events applied",
            "log events",
            "seconds",
            "events/s",
            "log events/s",
            "CPU s",
            "log events/CPU s",
            "read+decode s",
            "read+decode %",
        ),
        align="llrrrrrrrrr",
    )
    for store_name in stores:
        try:
            sandbox = open_sandbox(store_name, postgres_url)
        except SandboxUnavailable as error:
            report.failures.append(f"{store_name}: {error}")
            continue
        try:
            store = sandbox.fresh()
            data_dir = sandbox.scratch / "data"
            data_dir.mkdir(exist_ok=True)
            with open_spotlight(store, data_dir) as core:
                # A catch-up from zero is the worker's or a rebuild's, in a process of its own.
                core.projections.pause_collector = True
                started = perf_counter()
                seed(core, plan)
                progress(f"catchup: {store_name} seeded in {perf_counter() - started:.0f} s")
                for name in PROJECTIONS:
                    found = measure(core, name, plan)
                    progress(f"catchup: {store_name} {name}: {found.seconds:.1f} s")
                    table.add(
                        store_name,
                        name,
                        f"{found.applied:,}",
                        f"{found.passed:,}",
                        f"{found.seconds:.2f}",
                        f"{found.applied / found.seconds:,.0f}",
                        f"{found.passed / found.seconds:,.0f}",
                        f"{found.cpu:.2f}",
                        f"{found.passed / found.cpu:,.0f}",
                        f"{found.reading:.2f}",
                        f"{100 * found.reading / found.seconds:.0f}",
                    )
        finally:
            sandbox.close()
    report.lines = [*render_table(table), f"load average (1, 5, 15 min) at the end: {_load()}"]
    for failure in report.failures:
        report.lines.append(f"CHECK FAILED: {failure}")
    return report


def _load() -> str:
    """The machine's load averages: on a shared machine every figure is read beside them."""
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def profile(plan: CatchupPlan, store_name: str, names: Sequence[str], postgres_url: str) -> str:
    """cProfile of projections' catch-up from zero: the top functions by own time."""
    out = io.StringIO()
    sandbox = open_sandbox(store_name, postgres_url)
    try:
        data_dir = sandbox.scratch / "data"
        data_dir.mkdir(exist_ok=True)
        with open_spotlight(sandbox.fresh(), data_dir) as core:
            core.projections.pause_collector = True
            seed(core, plan)
            for name in names:
                profiler = cProfile.Profile()
                profiler.enable()
                from_zero(core.projections, name)
                profiler.disable()
                print(f"== {name} ({store_name})", file=out)
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    finally:
        sandbox.close()
    return out.getvalue()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catchup")
    parser.add_argument("--profile", choices=(*PROJECTIONS, "all"), required=True)
    parser.add_argument("--store", choices=STORES, default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    options = parser.parse_args(argv)
    plan = QUICK if options.quick else FULL
    names = PROJECTIONS if options.profile == "all" else (options.profile,)
    print(profile(plan, options.store, names, options.postgres_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
