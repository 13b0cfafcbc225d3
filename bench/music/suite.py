"""Runs the music measurements on each store and lays out their tables and notes."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from time import perf_counter

from bench.music import ballots, closing
from bench.music.ballots import BallotsResult
from bench.music.closing import ClosingResult, Phase, Traced
from bench.music.common import MusicPlan, count, mib, plural
from bench.music.memory import max_rss_kb
from bench.sandboxes import PostgresSandbox, Sandbox, SandboxUnavailable, SqliteSandbox
from bench.tables import Table, render_table

WIDTH = 100
SKIPPED = "skipped (see below)"


@dataclass
class MusicReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    postgres_version: str | None = None


def open_sandbox(name: str, postgres_url: str) -> Sandbox:
    if name == "postgres":
        return PostgresSandbox(postgres_url)
    return SqliteSandbox()


def run(plan: MusicPlan, stores: Sequence[str], postgres_url: str) -> MusicReport:
    report = MusicReport()
    measured_ballots: list[BallotsResult | str] = []
    measured_closes: list[ClosingResult | str] = []
    timings: list[str] = []
    for name in stores:
        try:
            sandbox = open_sandbox(name, postgres_url)
        except SandboxUnavailable as error:
            report.skipped.append(f"{name}: skipped: {error}")
            measured_ballots.append(name)
            measured_closes.append(name)
            continue
        if isinstance(sandbox, PostgresSandbox):
            report.postgres_version = sandbox.server_version
        try:
            started = perf_counter()
            voted = ballots.measure(sandbox, plan)
            middle = perf_counter()
            closed = closing.measure(sandbox, plan)
            timings.append(
                f"{name}: the ballots took {middle - started:.0f} s, the closes "
                f"{perf_counter() - middle:.0f} s (seeding included)"
            )
        finally:
            sandbox.close()
        measured_ballots.append(voted)
        measured_closes.append(closed)
        report.failures += voted.failures + closed.failures
    lines = [*render_table(ballots_table(plan, measured_ballots)), ""]
    lines += notes(ballots_notes())
    lines.append("")
    lines += [*render_table(closing_table(plan, measured_closes)), ""]
    lines += notes(closing_notes(plan, measured_closes) + timings)
    if report.skipped:
        lines += ["", *report.skipped]
    lines.append("")
    if report.failures:
        lines += ["FAILED CHECKS:", *(f"- {failure}" for failure in report.failures)]
    elif len(report.skipped) == len(stores):
        lines.append("checks: none, no store was measured")
    else:
        lines.append(
            "checks: no ballot refused or failed, the log's BallotCast events equal the ballots "
            "accepted, every close counted every seeded ballot"
        )
    report.lines = lines
    return report


# Ballots -------------------------------------------------------------------------------


def ballots_table(plan: MusicPlan, measured: list[BallotsResult | str]) -> Table:
    table = Table(
        title=(
            f"Ballots accepted per second through Competition.cast_ballot (round of "
            f"{plan.entries:,} entries, {plan.ballots:,} ballots per repetition, median of "
            f"{plan.repetitions})"
        ),
        headings=(
            "store",
            "clients",
            "side",
            "median/s",
            "min/s",
            "max/s",
            "refused",
            "failed",
            "accepted",
            "BallotCast in log",
            "project/raw",
        ),
        align="lrlrrrrrrrr",
    )
    for result in measured:
        if isinstance(result, str):
            table.add(result, SKIPPED, *([""] * 9))
            continue
        for level in result.levels:
            for side in (level.project, level.raw, level.chained):
                project = side is level.project
                table.add(
                    result.store,
                    str(level.clients),
                    side.side,
                    f"{side.median:,.0f}",
                    f"{min(side.rates):,.0f}",
                    f"{max(side.rates):,.0f}",
                    count(side.refused),
                    count(side.failed),
                    count(side.accepted),
                    count(level.logged) if project else "",
                    f"{level.ratio:.3f}x"
                    if project
                    else f"{side.median / level.raw.median:.3f}x"
                    if side is level.chained
                    else "",
                )
    return table


def ballots_notes() -> list[str]:
    return [
        "project: Competition.cast_ballot on the core built by entrypoints.bootstrap: look for "
        "the voter's ballot, load the round (from the aggregate cache, fast-forwarded), cast, "
        "commit, catch the tally projection up to see whether the ballot came too late",
        "raw: a plain eventsourcing Application saving one RawBallot (same fields, derived id) "
        "per call, nothing read first, on the library's own recorders, on a fresh store of the "
        "same kind; chained: the same on the project's hash-chained recorders (its ratio: "
        "chained/raw, the chained writer's own cost)",
        "clients are threads of one process sharing one core (as a threaded web server would); "
        "each call is a new voter; accepted and BallotCast in log include the warm-up calls "
        "(untimed, per client, before each repetition)",
    ]


# Closing -------------------------------------------------------------------------------


def seconds_cells(values: list[float]) -> tuple[str, str, str]:
    if not values:
        return ("", "", "")
    return (
        f"{statistics.median(values):.2f}",
        f"{min(values):.2f}",
        f"{max(values):.2f}",
    )


def memory_cells(phases: list[Phase], traced_peak: int | None) -> tuple[str, str, str]:
    # The run with the highest resident peak, so the table shows the worst case.
    known = [phase for phase in phases if phase.rss_peak_kb is not None]
    worst = max(known, key=lambda phase: phase.rss_peak_kb or 0) if known else None
    return (
        mib(worst.rss_before_kb) if worst else "n/a",
        mib(worst.rss_peak_kb) if worst else "n/a",
        "n/a" if traced_peak is None else mib(traced_peak / 1024),
    )


def closing_table(plan: MusicPlan, measured: list[ClosingResult | str]) -> Table:
    table = Table(
        title=(
            f"Closing a round of {plan.close_ballots:,} ballots and {plan.close_entries:,} "
            f"entries through Competition.close_round ({plural(plan.close_repetitions, 'close')} "
            "of each kind, each on its own seeded store)"
        ),
        headings=(
            "store",
            "core",
            "phase",
            "median s",
            "min s",
            "max s",
            "RSS before MiB",
            "RSS peak MiB",
            "tracemalloc peak MiB",
        ),
        align="lllrrrrrr",
    )
    for result in measured:
        if isinstance(result, str):
            table.add(result, SKIPPED, *([""] * 7))
            continue
        warm_traced = result.warm_traced.close_peak if result.warm_traced else None
        fresh: Traced | None = result.fresh_traced
        table.add(
            result.store,
            "warm",
            f"close_round, catching up {result.ballots:,} ballots",
            *seconds_cells(result.warm_close),
            *memory_cells(result.warm, warm_traced),
        )
        table.add(
            result.store,
            "fresh process",
            "bootstrap, rebuilding the read model",
            *seconds_cells(result.fresh_rebuild),
            *memory_cells(
                [close.rebuild for close in result.fresh], fresh.rebuild_peak if fresh else None
            ),
        )
        table.add(
            result.store,
            "fresh process",
            "close_round",
            *seconds_cells(result.fresh_close),
            *memory_cells(
                [close.close for close in result.fresh], fresh.close_peak if fresh else None
            ),
        )
    return table


def closing_notes(plan: MusicPlan, measured: list[ClosingResult | str]) -> list[str]:
    texts = [
        "each round is seeded untimed, after usage detection ran to completion over its tracks "
        "(as the background sweeper would have done); ballots are built by Ballot.cast and "
        "saved 1,000 per save",
        "warm: the core that seeded the round closes it; its tally projection still has to "
        f"read and apply the {plan.close_ballots:,} ballots, inside close_round",
        "fresh process: a new process bootstraps a core on the seeded store (Discovery rebuilds "
        "the read model from the whole log while it is built), then closes the round with the "
        "projection already caught up",
        "RSS before/peak: the resident set when the phase began and its high-water mark during "
        "the phase (VmHWM reset first), of the run with the highest peak; tracemalloc peak: "
        "Python allocations during the phase, from one more run of each kind under tracemalloc "
        "(not timed)",
    ]
    for result in measured:
        if isinstance(result, str):
            continue
        held = []
        if result.warm_traced:
            held.append(f"warm close {mib(result.warm_traced.held_after / 1024)} MiB")
        if result.fresh_traced:
            held.append(
                f"fresh bootstrap and close {mib(result.fresh_traced.held_after / 1024)} MiB"
            )
        children = [close.peak_rss_kb for close in result.fresh if close.peak_rss_kb]
        imports = [close.imports_rss_kb for close in result.fresh if close.imports_rss_kb]
        seeded = statistics.median(result.seed_seconds) if result.seed_seconds else 0.0
        texts.append(
            f"{result.store}: still held after (tracemalloc): {', '.join(held) or 'n/a'}; peak "
            f"RSS of the fresh processes {mib(max(children)) if children else 'n/a'} MiB (of "
            f"which {mib(max(imports)) if imports else 'n/a'} MiB before bootstrapping, "
            f"imports); seeding a round took {seeded:.1f} s (untimed)"
        )
    texts.append(f"max RSS of this process over the whole run: {mib(max_rss_kb())} MiB")
    return texts


def notes(texts: list[str]) -> list[str]:
    lines: list[str] = []
    for text in texts:
        lines += textwrap.wrap(text, WIDTH, initial_indent="- ", subsequent_indent="  ")
    return lines
