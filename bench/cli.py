"""``python -m bench [commands|anchors]``: run the measurements and print plain-text tables.

``commands`` is the throughput of the core's commands against the bare eventsourcing
library; ``anchors`` is anchor matching (``bench.anchors``). With no suite named, both run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter

from bench.anchors.common import FULL as ANCHORS_FULL
from bench.anchors.common import QUICK as ANCHORS_QUICK
from bench.anchors.common import AnchorPlan
from bench.anchors.suite import AnchorsReport, software
from bench.anchors.suite import run as run_anchors
from bench.machine import description
from bench.measure import Rate, ratio, time_call
from bench.report import NoteRow, RateRow, RatioRow, Row, render
from bench.sandboxes import (
    DEFAULT_POSTGRES_URL,
    PostgresSandbox,
    Sandbox,
    SandboxUnavailable,
    SqliteSandbox,
)
from bench.workloads import (
    Trial,
    open_spotlight,
    project_attach,
    project_publish,
    raw_attach,
    raw_publish,
    read_log,
    seed_log,
)

SUITES = ("commands", "anchors")
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


COMPARISONS = (
    Comparison("publish_video", project_publish, raw_publish),
    Comparison("attach_anchor", project_attach, raw_attach),
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
    commands_plan = plan if "commands" in suites else None
    anchors_plan = anchor_plan if anchors is not None else None
    print("\n".join(header(argv, commands_plan, anchors_plan, postgres_version)))
    if "commands" in suites:
        print()
        print("\n".join(render(rows)))
        print()
        print("\n".join(footer()))
    if anchors is not None:
        print()
        print("\n".join(anchors.lines))
    print()
    print(f"total:   {perf_counter() - started:.1f} s")
    # A requested store that could not be measured is a failed run, even if others ran;
    # so is an anchors check that did not hold.
    skipped = any(isinstance(row, NoteRow) for row in rows)
    return 1 if skipped or (anchors is not None and anchors.failures) else 0


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
        "grows, and retroactive matching. Both run unless one is named.",
    )
    parser.add_argument(
        "suite", nargs="?", choices=(*SUITES, "all"), default="all", help="what to run (all)"
    )
    parser.add_argument(
        "--store",
        choices=(*STORES, "all"),
        default="all",
        help="the stores the commands suite measures (all)",
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
        f"anchors on {ANCHORS_QUICK.describe()}",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
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
    seconds: dict[str, list[float]] = {"project": [], "raw": []}
    runners = {"project": comparison.project, "raw": comparison.raw}
    for repetition in range(plan.repetitions):
        # Alternating which side goes first spreads slow drift (caches, the server's
        # background work) over both sides instead of charging it to one.
        order = ("project", "raw") if repetition % 2 == 0 else ("raw", "project")
        for side in order:
            trial = Trial(sandbox.fresh(), sandbox.scratch, plan.commands, plan.warmup)
            seconds[side].append(runners[side](trial))
    project = Rate(plan.commands, tuple(seconds["project"]))
    raw = Rate(plan.commands, tuple(seconds["raw"]))
    return [
        RateRow(sandbox.name, comparison.name, "project", project),
        RateRow(sandbox.name, comparison.name, "raw", raw),
        RatioRow(sandbox.name, comparison.name, ratio(project, raw)),
    ]


def replay(sandbox: Sandbox, plan: Plan) -> list[Row]:
    with open_spotlight(sandbox.fresh(), sandbox.scratch) as spotlight:
        catalogue = spotlight.catalogue
        seed_log(catalogue, plan.replay_events)
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
    return lines


def footer() -> list[str]:
    return [
        "project: the application service (Catalogue) built by entrypoints.bootstrap",
        "raw:     a plain eventsourcing Application and Aggregate storing the same fields",
        f"ratio:   project median / raw median, the aim is at least {TARGET_RATIO:.2f}x",
        "replay:  recorder.select_notifications in pages, each event decoded by the mapper",
    ]
