"""``python -m bench [SUITE]``: run the measurements and print
plain-text tables.

``commands`` is the throughput of the core's commands against the bare eventsourcing
library; ``anchors`` is anchor matching (``bench.anchors``); ``analytics`` is a studio
dashboard's response time over many anchored videos (``bench.analytics``); ``music`` is
ballots through the music competition and closing a big round (``bench.music``);
``revenue`` is impression batches through Pulse, loading big ledger accounts and
recomputing every balance (``bench.revenue``). With no suite named, all run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Protocol

from bench.analytics import FULL as ANALYTICS_FULL
from bench.analytics import QUICK as ANALYTICS_QUICK
from bench.analytics import run as run_analytics
from bench.anchors.common import FULL as ANCHORS_FULL
from bench.anchors.common import QUICK as ANCHORS_QUICK
from bench.anchors.common import AnchorPlan
from bench.anchors.suite import AnchorsReport, software
from bench.anchors.suite import run as run_anchors
from bench.audit.suite import FULL as AUDIT_FULL
from bench.audit.suite import QUICK as AUDIT_QUICK
from bench.audit.suite import AuditReport
from bench.audit.suite import run as run_audit
from bench.business.suite import FULL as BUSINESS_FULL
from bench.business.suite import QUICK as BUSINESS_QUICK
from bench.business.suite import run as run_business
from bench.catchup import FULL as CATCHUP_FULL
from bench.catchup import QUICK as CATCHUP_QUICK
from bench.catchup import run as run_catchup
from bench.dashboard_reads import run as run_dashboard_reads
from bench.hostile.suite import FULL as HOSTILE_FULL
from bench.hostile.suite import QUICK as HOSTILE_QUICK
from bench.hostile.suite import ROOT as HOSTILE_ROOT
from bench.hostile.suite import run as run_hostile
from bench.machine import description
from bench.measure import Rate, ratio, time_call
from bench.music.common import FULL as MUSIC_FULL
from bench.music.common import QUICK as MUSIC_QUICK
from bench.music.common import MusicPlan
from bench.music.sounds import FULL as SOUNDS_FULL
from bench.music.sounds import QUICK as SOUNDS_QUICK
from bench.music.sounds import run as run_sounds
from bench.music.suite import MusicReport
from bench.music.suite import run as run_music
from bench.pages import FULL as PAGES_FULL
from bench.pages import QUICK as PAGES_QUICK
from bench.pages import run as run_pages
from bench.products.common import FULL as PRODUCTS_FULL
from bench.products.common import QUICK as PRODUCTS_QUICK
from bench.products.suite import run as run_products
from bench.report import NoteRow, RateRow, RatioRow, Row, render
from bench.revenue.common import FULL as REVENUE_FULL
from bench.revenue.common import QUICK as REVENUE_QUICK
from bench.revenue.common import RevenuePlan
from bench.revenue.suite import RevenueReport
from bench.revenue.suite import run as run_revenue
from bench.sandboxes import (
    DEFAULT_POSTGRES_URL,
    PostgresSandbox,
    Sandbox,
    SandboxUnavailable,
    SqliteSandbox,
)
from bench.service import memory as service_memory
from bench.service import reads as service_reads
from bench.service import workers as service_workers
from bench.service import writes as service_writes
from bench.service.suite import ServiceReport, run_on_stores
from bench.shop.lists import FULL as SHOP_LISTS_FULL
from bench.shop.lists import QUICK as SHOP_LISTS_QUICK
from bench.shop.lists import run as run_shop_lists
from bench.shop.order_steps import FULL as ORDER_STEPS_FULL
from bench.shop.order_steps import QUICK as ORDER_STEPS_QUICK
from bench.shop.order_steps import run as run_order_steps
from bench.shop.suite import FULL as SHOP_FULL
from bench.shop.suite import QUICK as SHOP_QUICK
from bench.shop.suite import run as run_shop
from bench.startup.suite import FULL as STARTUP_FULL
from bench.startup.suite import QUICK as STARTUP_QUICK
from bench.startup.suite import run as run_startup
from bench.webhooks import FULL as WEBHOOKS_FULL
from bench.webhooks import QUICK as WEBHOOKS_QUICK
from bench.webhooks import run as run_webhooks
from bench.workloads import (
    Trial,
    chained_attach,
    chained_publish,
    open_spotlight,
    project_attach,
    project_publish,
    raw_attach,
    raw_publish,
    read_log,
    seed_log,
)


class StandaloneReport(Protocol):
    @property
    def lines(self) -> list[str]: ...
    @property
    def failures(self) -> list[str]: ...


SUITES = (
    "commands",
    "anchors",
    "analytics",
    "music",
    "revenue",
    "audit",
    "products",
    "shop",
    "shoplists",
    "ordersteps",
    "business",
    "hostile",
    "startup",
    "reads",
    "writes",
    "workers",
    "memory",
    "catchup",
    "webhooks",
    "pages",
    "sounds",
    "dashreads",
)
STORES = ("sqlite", "postgres")
TARGET_RATIO = 0.8

Runner = Callable[[Trial], float]


@dataclass(frozen=True)
class Plan:
    commands: int
    replay_events: int
    repetitions: int
    warmup: int


FULL = Plan(commands=2000, replay_events=20000, repetitions=3, warmup=20)
QUICK = Plan(commands=100, replay_events=1000, repetitions=3, warmup=5)


@dataclass(frozen=True)
class Comparison:
    name: str
    project: Runner
    raw: Runner
    chained: Runner


COMPARISONS = (
    Comparison("publish_video", project_publish, raw_publish, chained_publish),
    Comparison("attach_anchor", project_attach, raw_attach, chained_attach),
)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_arguments(argv)
    plan = plan_from(options)
    anchor_plan = ANCHORS_QUICK if options.quick else ANCHORS_FULL
    suites = SUITES if options.suite == "all" else (options.suite,)
    started = perf_counter()
    rows: list[Row] = []
    postgres_version: str | None = None
    if "commands" in suites:
        rows, postgres_version = run_commands(options, plan)
    anchors: AnchorsReport | None = None
    if "anchors" in suites:
        anchors = run_anchors(anchor_plan)
    music: MusicReport | None = None
    music_plan = MUSIC_QUICK if options.quick else MUSIC_FULL
    if "music" in suites:
        music_stores = STORES if options.store == "all" else (options.store,)
        music = run_music(music_plan, music_stores, options.postgres_url)
        postgres_version = postgres_version or music.postgres_version
    revenue: RevenueReport | None = None
    revenue_plan = REVENUE_QUICK if options.quick else REVENUE_FULL
    if "revenue" in suites:
        revenue_stores = STORES if options.store == "all" else (options.store,)
        revenue = run_revenue(revenue_plan, revenue_stores, options.postgres_url)
        postgres_version = postgres_version or revenue.postgres_version
    audit: AuditReport | None = None
    if "audit" in suites:
        audit_stores = STORES if options.store == "all" else (options.store,)
        audit = run_audit(
            AUDIT_QUICK if options.quick else AUDIT_FULL, audit_stores, options.postgres_url
        )
        postgres_version = postgres_version or audit.postgres_version
    # Suites that need no store and print their own tables, in the order they run.
    standalone: dict[str, Callable[[], StandaloneReport]] = {
        "analytics": lambda: run_analytics(ANALYTICS_QUICK if options.quick else ANALYTICS_FULL),
        "products": lambda: run_products(PRODUCTS_QUICK if options.quick else PRODUCTS_FULL),
        "shop": lambda: run_shop(SHOP_QUICK if options.quick else SHOP_FULL),
        "shoplists": lambda: run_shop_lists(
            SHOP_LISTS_QUICK if options.quick else SHOP_LISTS_FULL,
            STORES if options.store == "all" else (options.store,),
            options.postgres_url,
        ),
        "ordersteps": lambda: run_order_steps(
            ORDER_STEPS_QUICK if options.quick else ORDER_STEPS_FULL,
            STORES if options.store == "all" else (options.store,),
            options.postgres_url,
        ),
        "business": lambda: run_business(BUSINESS_QUICK if options.quick else BUSINESS_FULL),
        "pages": lambda: run_pages(PAGES_QUICK if options.quick else PAGES_FULL),
        "sounds": lambda: run_sounds(SOUNDS_QUICK if options.quick else SOUNDS_FULL),
        "hostile": lambda: run_hostile(
            HOSTILE_QUICK if options.quick else HOSTILE_FULL, options.service_root
        ),
        "startup": lambda: run_startup(
            STARTUP_QUICK if options.quick else STARTUP_FULL,
            STORES if options.store == "all" else (options.store,),
            options.postgres_url,
        ),
        "reads": lambda: run_service_suite(options, "reads"),
        "writes": lambda: run_service_suite(options, "writes"),
        "workers": lambda: run_service_suite(options, "workers"),
        "memory": lambda: run_service_suite(options, "memory"),
        "catchup": lambda: run_catchup(
            CATCHUP_QUICK if options.quick else CATCHUP_FULL,
            STORES if options.store == "all" else (options.store,),
            options.postgres_url,
        ),
        "webhooks": lambda: run_webhooks(
            WEBHOOKS_QUICK if options.quick else WEBHOOKS_FULL,
            STORES if options.store == "all" else (options.store,),
            options.postgres_url,
        ),
        "dashreads": lambda: run_dashboard_reads(
            STORES if options.store == "all" else (options.store,),
            options.quick,
            options.postgres_url,
        ),
    }
    reports = [run() for name, run in standalone.items() if name in suites]
    commands_plan = plan if "commands" in suites else None
    anchors_plan = anchor_plan if anchors is not None else None
    shown_music_plan = music_plan if music is not None else None
    shown_revenue_plan = revenue_plan if revenue is not None else None
    print(
        "\n".join(
            header(
                argv,
                commands_plan,
                anchors_plan,
                postgres_version,
                shown_music_plan,
                shown_revenue_plan,
            )
        )
    )
    if "commands" in suites:
        print()
        print("\n".join(render(rows)))
        print()
        print("\n".join(footer()))
    if anchors is not None:
        print()
        print("\n".join(anchors.lines))
    if music is not None:
        print()
        print("\n".join(music.lines))
    if revenue is not None:
        print()
        print("\n".join(revenue.lines))
    if audit is not None:
        print()
        print("\n".join(audit.lines))
    for report in reports:
        print()
        print("\n".join(report.lines))
    print()
    print(f"total:   {perf_counter() - started:.1f} s")
    # A requested store that could not be measured is a failed run, even if others ran;
    # so is an anchors, music or revenue check that did not hold.
    skipped = any(isinstance(row, NoteRow) for row in rows)
    if music is not None and (music.skipped or music.failures):
        return 1
    if revenue is not None and (revenue.skipped or revenue.failures):
        return 1
    if audit is not None and (audit.skipped or audit.failures):
        return 1
    if any(report.failures for report in reports):
        return 1
    return 1 if skipped or (anchors is not None and anchors.failures) else 0


def run_service_suite(options: argparse.Namespace, suite: str) -> ServiceReport:
    """The suites of ``bench.service``: the service as HTTP requests reach it."""
    suites = {
        "reads": service_reads.prepared,
        "writes": service_writes.prepared,
        "workers": service_workers.prepared,
        "memory": service_memory.prepared,
    }
    stores = STORES if options.store == "all" else (options.store,)
    return run_on_stores(suites[suite](options.quick), stores, options.postgres_url)


def run_commands(options: argparse.Namespace, plan: Plan) -> tuple[list[Row], str | None]:
    rows: list[Row] = []
    postgres_version: str | None = None
    for name in STORES if options.store == "all" else (options.store,):
        try:
            sandbox = open_sandbox(name, options.postgres_url)
        except SandboxUnavailable as error:
            rows.append(NoteRow(name, f"skipped: {error}"))
            continue
        if isinstance(sandbox, PostgresSandbox):
            postgres_version = sandbox.server_version
        try:
            rows.extend(run_store(sandbox, plan))
        finally:
            sandbox.close()
    return rows, postgres_version


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="commands: commands per second of the Spotlight core against the bare "
        "eventsourcing library, and the replay speed of its notification log. anchors: "
        "anchor matching quality, fingerprinting cost, lookup latency as the catalogue "
        "grows, and retroactive matching. music: ballots per second through the music "
        "competition by 1, 4 and 16 clients, and closing a round of 100,000 ballots. revenue: "
        "impression batches per second through Pulse, loading a ledger account of 1,000,000 "
        "postings with and without snapshots, and recomputing every balance from a log of "
        "200,000 journal entries. audit: seeding with and without the hash chain, and "
        f"verifying a log of {AUDIT_FULL.events:,} events, and replaying a store of the "
        "core's logs as large (rate and peak memory). "
        f"products: product tagging time per minute of video against "
        f"{PRODUCTS_FULL.describe()}. shop: search latency (p50/p95/p99) over "
        f"{SHOP_FULL.describe()}. shoplists: a page of a seller's or a buyer's list "
        f"(p50/p95) over {SHOP_LISTS_FULL.describe()}. business: marketplace search latency "
        f"and a campaign dashboard's response time over {BUSINESS_FULL.describe()}. pages: "
        "server time (p50/p95), bytes with assets and first paint in headless Chromium of "
        f"the studio analytics and campaign dashboard pages over {PAGES_FULL.describe()}. "
        "dashreads: the same pages and their API reads, before (main) and after (this tree), "
        "server time p50/p95 with the load, the API answers compared. "
        "hostile: "
        "the peak memory a live service spends on each decompression bomb and oversized body "
        f"({HOSTILE_FULL.describe()}). startup: a service process's start to the first "
        "checked answer of each program's heaviest read (ledger, Pulse inventory, creator "
        "marketplace, shop search, review queue, music, analytics, inbox) on logs of "
        f"{' and '.join(f'{n:,}' for n in STARTUP_FULL.events)} events, first start and "
        "restart. reads: GET /v1/titles/{id} against a minimal FastAPI endpoint. writes: a "
        "ballot and a title registration over HTTP against the plain library behind "
        "FastAPI. workers: two HTTP workers on PostgreSQL against one (reads/s, p95, "
        "connections per process). memory: an HTTP worker's resident memory after start "
        "and after 10,000 mixed reads, on a small and a grown log. catchup: each "
        "persisted projection's catch-up from zero, events a second, and the share of "
        "reading and decoding the log. webhooks: deliveries a second to a loopback receiver "
        "(fan-out and send) and the delay from a notice to its call, p50 and p95. sounds: "
        f"precision and recall of flagging declared sounds not in the audio "
        f"({SOUNDS_FULL.describe()}). All run unless one is named.",
    )
    parser.add_argument(
        "suite", nargs="?", choices=(*SUITES, "all"), default="all", help="what to run (all)"
    )
    parser.add_argument(
        "--store",
        choices=(*STORES, "all"),
        default="all",
        help="the stores the commands, music, revenue and audit suites measure (all)",
    )
    parser.add_argument(
        "--commands", type=positive, help=f"commands per repetition (default {FULL.commands})"
    )
    parser.add_argument(
        "--replay-events",
        type=positive,
        help=f"events in the replayed log (default {FULL.replay_events})",
    )
    parser.add_argument(
        "--repetitions",
        type=positive,
        help=f"median taken over this many (default {FULL.repetitions})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK.commands} commands, {QUICK.replay_events}-event log; "
        f"anchors on {ANCHORS_QUICK.describe()}; music: {MUSIC_QUICK.describe()}; "
        f"revenue: {REVENUE_QUICK.describe()}",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--service-root",
        type=Path,
        default=HOSTILE_ROOT,
        help="hostile: the checkout whose service is measured (this one), e.g. an older one",
    )
    return parser.parse_args(argv)


def plan_from(options: argparse.Namespace) -> Plan:
    base = QUICK if options.quick else FULL
    return Plan(
        commands=options.commands or base.commands,
        replay_events=options.replay_events or base.replay_events,
        repetitions=options.repetitions or base.repetitions,
        warmup=base.warmup,
    )


def open_sandbox(name: str, postgres_url: str) -> Sandbox:
    if name == "postgres":
        return PostgresSandbox(postgres_url)
    return SqliteSandbox()


def progress(message: str) -> None:
    # Progress goes to stderr so that stdout is only the report.
    print(message, file=sys.stderr, flush=True)


def run_store(sandbox: Sandbox, plan: Plan) -> list[Row]:
    rows: list[Row] = []
    for comparison in COMPARISONS:
        progress(f"{sandbox.name}: {comparison.name} x {plan.commands}, {plan.repetitions} times")
        rows.extend(compare(sandbox, comparison, plan))
    progress(f"{sandbox.name}: replay of {plan.replay_events} events")
    rows.extend(replay(sandbox, plan))
    return rows


def compare(sandbox: Sandbox, comparison: Comparison, plan: Plan) -> list[Row]:
    seconds: dict[str, list[float]] = {"project": [], "raw": [], "raw, chained": []}
    runners = {
        "project": comparison.project,
        "raw": comparison.raw,
        "raw, chained": comparison.chained,
    }
    sides = tuple(runners)
    for repetition in range(plan.repetitions):
        # Alternating which side goes first spreads slow drift (caches, the server's
        # background work) over both sides instead of charging it to one.
        order = sides if repetition % 2 == 0 else sides[::-1]
        for side in order:
            trial = Trial(sandbox.fresh(), sandbox.scratch, plan.commands, plan.warmup)
            seconds[side].append(runners[side](trial))
    project = Rate(plan.commands, tuple(seconds["project"]))
    raw = Rate(plan.commands, tuple(seconds["raw"]))
    chained = Rate(plan.commands, tuple(seconds["raw, chained"]))
    return [
        RateRow(sandbox.name, comparison.name, "project", project),
        RateRow(sandbox.name, comparison.name, "raw", raw),
        RateRow(sandbox.name, comparison.name, "raw, chained", chained),
        RatioRow(sandbox.name, comparison.name, ratio(project, raw)),
        RatioRow(sandbox.name, comparison.name, ratio(chained, raw), "chained/raw"),
    ]


def replay(sandbox: Sandbox, plan: Plan) -> list[Row]:
    with open_spotlight(sandbox.fresh(), sandbox.scratch) as spotlight:
        catalogue = spotlight._catalogue
        seed_log(spotlight.cataloguing, plan.replay_events)
        # Untimed first pass: proves the log is complete and warms the same caches for
        # every timed pass.
        found = read_log(catalogue, decode=True)
        if found != plan.replay_events:
            raise RuntimeError(f"the log holds {found} events, {plan.replay_events} were written")
        decoded = tuple(
            time_call(lambda: read_log(catalogue, decode=True)) for _ in range(plan.repetitions)
        )
        # Reading without decoding shows how much of the replay is the store's share.
        read_only = tuple(
            time_call(lambda: read_log(catalogue, decode=False)) for _ in range(plan.repetitions)
        )
    return [
        RateRow(sandbox.name, "replay log", "read+decode", Rate(plan.replay_events, decoded)),
        RateRow(sandbox.name, "replay log", "read only", Rate(plan.replay_events, read_only)),
    ]


def header(
    argv: Sequence[str] | None,
    plan: Plan | None,
    anchor_plan: AnchorPlan | None,
    postgres_version: str | None,
    music_plan: MusicPlan | None = None,
    revenue_plan: RevenuePlan | None = None,
) -> list[str]:
    arguments = " ".join(sys.argv[1:] if argv is None else argv)
    lines = [
        f"Spotlight Core benchmark: python -m bench {arguments}".rstrip(),
        *description(postgres_version),
    ]
    if anchor_plan is not None:
        lines.append(software())
    if plan is not None:
        lines.append(
            f"plan:     {plan.commands} timed commands per repetition after {plan.warmup} "
            f"untimed, a fresh store for each; replay of a {plan.replay_events}-event log; "
            f"median of {plan.repetitions} repetitions"
        )
    if anchor_plan is not None:
        lines.append(f"anchors:  {anchor_plan.describe()}")
    if music_plan is not None:
        lines.append(f"music:    {music_plan.describe()}")
    if revenue_plan is not None:
        lines.append(f"revenue:  {revenue_plan.describe()}")
    return lines


def footer() -> list[str]:
    return [
        "project: the application service (Catalogue) built by entrypoints.bootstrap",
        "raw:     a plain eventsourcing Application and Aggregate storing the same fields, "
        "on the library's own recorders",
        "raw, chained: the same on the project's hash-chained recorders; its ratio (chained "
        "writer) is its cost alone",
        f"ratio:   project median / raw median, the aim is at least {TARGET_RATIO:.2f}x",
        "replay:  recorder.select_notifications in pages, each event decoded by the mapper",
    ]
