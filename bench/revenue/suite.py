"""Runs the revenue measurements on each store and lays out their tables and notes."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from time import perf_counter

from application.logs import SNAPSHOT_EVERY
from bench.revenue import impressions, loading, rebuild
from bench.revenue.common import RevenuePlan, count, mib, milliseconds, plural
from bench.revenue.impressions import CACHED, PROJECT, RAW, ImpressionsResult
from bench.revenue.loading import LoadingResult
from bench.revenue.rebuild import RebuildResult
from bench.revenue.scene import BILLED_CHUNK, VIDEOS_PER_INVENTORY_VIDEO
from bench.sandboxes import PostgresSandbox, Sandbox, SandboxUnavailable, SqliteSandbox
from bench.tables import Table, render_table

WIDTH = 100
SKIPPED = "skipped (see below)"
# The grown-log measurements (seeding a log of many entries) run on these stores only.
REBUILD_STORES = ("sqlite",)


@dataclass
class RevenueReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    postgres_version: str | None = None


def open_sandbox(name: str, postgres_url: str) -> Sandbox:
    if name == "postgres":
        return PostgresSandbox(postgres_url)
    return SqliteSandbox()


def run(plan: RevenuePlan, stores: Sequence[str], postgres_url: str) -> RevenueReport:
    report = RevenueReport()
    billed: list[ImpressionsResult | str] = []
    loaded: list[LoadingResult | str] = []
    rebuilt: list[RebuildResult | str] = []
    timings: list[str] = []
    for name in stores:
        try:
            sandbox = open_sandbox(name, postgres_url)
        except SandboxUnavailable as error:
            report.skipped.append(f"{name}: skipped: {error}")
            billed.append(name)
            loaded.append(name)
            if name in REBUILD_STORES:
                rebuilt.append(name)
            continue
        if isinstance(sandbox, PostgresSandbox):
            report.postgres_version = sandbox.server_version
        try:
            started = perf_counter()
            batches = impressions.measure(sandbox, plan)
            billed.append(batches)
            report.failures += [f"{name}: {failure}" for failure in batches.failures]
            after_batches = perf_counter()
            loads = loading.measure(sandbox, plan)
            loaded.append(loads)
            report.failures += loads.failures
            after_loads = perf_counter()
            took = (
                f"{name}: the impression batches took {after_batches - started:.0f} s, "
                f"the account loads {after_loads - after_batches:.0f} s"
            )
            if name in REBUILD_STORES:
                grown = rebuild.measure(sandbox, plan)
                rebuilt.append(grown)
                report.failures += grown.failures
                took += f", the grown log {perf_counter() - after_loads:.0f} s"
            timings.append(took + " (seeding included)")
        finally:
            sandbox.close()
    lines = [*render_table(impressions_table(plan, billed)), ""]
    lines += notes(impressions_notes(plan, billed))
    lines += ["", *render_table(loading_table(plan, loaded)), ""]
    lines += notes(loading_notes(plan, loaded))
    if rebuilt:
        lines += ["", *render_table(rebuild_table(plan, rebuilt)), ""]
        lines += ["", *render_table(grown_table(plan, billed, rebuilt)), ""]
        lines += notes(rebuild_notes(plan, rebuilt) + timings)
    else:
        lines += ["", f"3. and 4. not measured: they run on {', '.join(REBUILD_STORES)} only", ""]
        lines += notes(timings)
    if report.skipped:
        lines += ["", *report.skipped]
    lines.append("")
    if report.failures:
        lines += ["FAILED CHECKS:", *(f"- {failure}" for failure in report.failures)]
    elif len(report.skipped) == len(stores):
        lines.append("checks: none, no store was measured")
    else:
        lines.append(
            "checks: every batch billed in full and never replayed, the budget account and the "
            "rebuilt read model agree with the receipts, every loaded account has the version "
            "and balance it was seeded with, the rebuilt read model and the audit count every "
            "seeded entry and posting, and the audit found no problem"
        )
    report.lines = lines
    return report


# 1. Impression batches ------------------------------------------------------------------


def impressions_table(plan: RevenuePlan, measured: list[ImpressionsResult | str]) -> Table:
    table = Table(
        title=(
            f"1. Impression batches per second through Pulse.record_impressions ("
            f"{plan.placements} placements, {plan.placements + 2} postings, "
            f"{impressions.events_per_batch(plan)} events per batch; {plan.batches:,} timed "
            f"batches per repetition after {plan.warmup} untimed, a fresh store each; median "
            f"of {plan.repetitions}; one client)"
        ),
        headings=(
            "store",
            "side",
            "batches/s",
            "min/s",
            "max/s",
            "postings/s",
            "events/s",
            "ms/batch",
            "first 10% /s",
            "last 10% /s",
            "vs raw",
        ),
        align="llrrrrrrrrr",
    )
    for result in measured:
        if isinstance(result, str):
            table.add(result, SKIPPED, *([""] * 9))
            continue
        for name in (PROJECT, RAW, CACHED):
            side = result.sides[name]
            median = side.median
            table.add(
                result.store,
                name,
                f"{median:,.1f}",
                f"{min(side.rates):,.1f}",
                f"{max(side.rates):,.1f}",
                f"{median * result.postings_per_batch:,.0f}",
                f"{median * result.events_per_batch:,.0f}",
                milliseconds(1 / median),
                f"{side.first_tenth:,.1f}",
                f"{side.last_tenth:,.1f}",
                "" if name == RAW else f"{result.ratio(name):.3f}x",
            )
    return table


def impressions_notes(plan: RevenuePlan, measured: list[ImpressionsResult | str]) -> list[str]:
    texts = [
        f"scene (untimed, per repetition): {plural(plan.placements, 'creator')} registered with "
        "100,000+ followers in a launched region, enrolled and approved through Pulse; one "
        f"video each with engagement and {count(VIDEOS_PER_INVENTORY_VIDEO * plan.placements)} "
        "videos in the category in all (the others by a creator not enrolled, without "
        "engagement), so the inventory is exactly the top 4%; a campaign launched through "
        "Pulse.launch_campaign with a budget that never runs out",
        "project: Pulse.record_impressions on the core built by entrypoints.bootstrap; every "
        "batch places impressions beside all the inventory videos: look for the batch, load "
        "the campaign, check each video's standing, price, build the entry, load (or open) "
        "and post to the budget and every creator's payable account, one save",
        "raw: a plain eventsourcing Application saving per call a batch, an entry and a "
        "posting on 11 accounts kept in memory (the same events and fields), in one save, "
        "nothing read first, through the library's own recorder for the store (the project's "
        "store settings name its own recorders, which add a hash-chain link per event)",
        "cached (what-if): the project with the library's aggregate cache on "
        "(AGGREGATE_CACHE_MAXSIZE in the environment while the core is built, so every log of "
        "the core has it); no code changed; see the findings",
        f"postings/s: batches/s x {plan.placements + 2} journal postings; events/s: "
        f"batches/s x {impressions.events_per_batch(plan)} events saved per batch; first/last "
        "10%: the rate over the first and the last tenth of the timed batches of a repetition",
    ]
    for result in measured:
        if isinstance(result, str):
            continue
        project = result.sides[PROJECT]
        standings = project.standings_seconds
        if standings is not None:
            texts.append(
                f"{result.store}: the inventory checks of one batch ({plan.placements} x "
                "Pulse.standing, each catching the inventory projection up with the catalogue "
                "and the revenue logs first) took "
                f"{milliseconds(standings)} ms at the end of a project repetition (log of "
                f"{count(project.log_events)} events, nothing new to apply)"
            )
    texts.append(
        "with only a few hundred batches per repetition, the first and last tenth also show "
        f"the snapshot cycle: an account replays up to {SNAPSHOT_EVERY - 1} events after its "
        "latest snapshot, none just after one"
    )
    return texts


# 2. Loading accounts --------------------------------------------------------------------


def loading_table(plan: RevenuePlan, measured: list[LoadingResult | str]) -> Table:
    table = Table(
        title=(
            "2. Loading a LedgerAccount through RevenueLog.load, with its snapshots (one every "
            f"{SNAPSHOT_EVERY} events) and without them"
        ),
        headings=(
            "store",
            "postings",
            "snapshots",
            "events read",
            "median ms",
            "min ms",
            "max ms",
            "loads",
            "events/s",
        ),
        align="lrlrrrrrr",
    )
    for result in measured:
        if isinstance(result, str):
            table.add(result, SKIPPED, *([""] * 7))
            continue
        for loads in result.loads:
            table.add(
                result.store,
                count(loads.postings),
                "with" if loads.snapshots else "without",
                count(loads.events_read),
                milliseconds(loads.median),
                milliseconds(min(loads.seconds)),
                milliseconds(max(loads.seconds)),
                str(len(loads.seconds)) + ("" if loads.warmed else " (cold)"),
                f"{loads.events_read / loads.median:,.0f}",
            )
    return table


def loading_notes(plan: RevenuePlan, measured: list[LoadingResult | str]) -> list[str]:
    texts = [
        "with: the RevenueLog as the service builds it (IS_SNAPSHOTTING_ENABLED=y): the "
        "latest snapshot and the events after it; without: a second RevenueLog on the same "
        "store with IS_SNAPSHOTTING_ENABLED=n, so it has no snapshot store and replays every "
        "event (eventsourcing's Repository.get has no flag to skip snapshots); no aggregate "
        "cache on either",
        "events read: the snapshot counts as one; an account of n postings is at version n + 1 "
        "(its opening event first)",
        "each load is timed alone after an untimed one, except the biggest account without "
        "snapshots (cold: its first load is timed too, as it is slow enough)",
        loading.seeding_note(plan),
    ]
    for result in measured:
        if isinstance(result, str):
            continue
        seeded = ", ".join(
            f"{count(postings)} postings in {seconds:.1f} s "
            f"({postings / seconds if seconds else 0:,.0f} postings/s)"
            for postings, seconds in result.seed_seconds.items()
        )
        texts.append(f"{result.store}: seeding took {seeded} (untimed)")
    return texts


# 3. Rebuilding balances -----------------------------------------------------------------


def rebuild_table(plan: RevenuePlan, measured: list[RebuildResult | str]) -> Table:
    sizes = next((result for result in measured if not isinstance(result, str)), None)
    size = (
        f"{count(sizes.entries)} journal entries, {count(sizes.postings)} postings, "
        f"{count(sizes.log_events)} events in the log"
        if sizes
        else f"{count(plan.entries)} journal entries"
    )
    table = Table(
        title=f"3. Recomputing every balance from the revenue log ({size})",
        headings=(
            "store",
            "reader",
            "median s",
            "min s",
            "max s",
            "entries/s",
            "postings/s",
            "log events/s",
            "tracemalloc peak MiB",
            "held after MiB",
        ),
        align="llrrrrrrrr",
    )
    for result in measured:
        if isinstance(result, str):
            table.add(result, SKIPPED, *([""] * 8))
            continue
        for passed in result.passes:
            median = passed.median
            table.add(
                result.store,
                passed.name,
                f"{median:.2f}",
                f"{min(passed.seconds):.2f}",
                f"{max(passed.seconds):.2f}",
                f"{result.entries / median:,.0f}",
                f"{result.postings / median:,.0f}",
                f"{result.log_events / median:,.0f}",
                mib(passed.traced_peak),
                mib(passed.held_after),
            )
        if result.audit_skipped:
            table.add(result.store, "ledger_audit", result.audit_skipped, *([""] * 7))
    return table


def grown_table(
    plan: RevenuePlan,
    billed: list[ImpressionsResult | str],
    measured: list[RebuildResult | str],
) -> Table:
    table = Table(
        title=(
            "4. Pulse.record_impressions on the grown log of measurement 3, against a fresh log "
            "(measurement 1, project)"
        ),
        headings=(
            "store",
            "log",
            "events in the log",
            f"{plan.placements} x Pulse.standing ms",
            "median ms/batch",
            "standing share",
            "batches/s",
        ),
        align="llrrrrr",
    )
    fresh = {result.store: result for result in billed if not isinstance(result, str)}
    for result in measured:
        if isinstance(result, str):
            table.add(result, SKIPPED, *([""] * 5))
            continue
        if result.store in fresh:
            project = fresh[result.store].sides[PROJECT]
            standings = project.standings_seconds
            table.add(
                result.store,
                f"fresh, after {count(plan.batches + plan.warmup)} batches",
                count(project.log_events),
                "" if standings is None else milliseconds(standings),
                milliseconds(1 / project.median),
                "" if standings is None else f"{100 * standings * project.median:.0f}%",
                f"{project.median:,.1f}",
            )
        median = statistics.median(result.grown_calls)
        standing = statistics.median(result.standings)
        table.add(
            result.store,
            f"grown, {len(result.grown_calls)} batches timed",
            count(result.log_events),
            milliseconds(standing),
            milliseconds(median),
            f"{100 * standing / median:.0f}%",
            f"{1 / median:,.2f}",
        )
    return table


def rebuild_notes(plan: RevenuePlan, measured: list[RebuildResult | str]) -> list[str]:
    texts = [
        "how the log was made: the scene of measurement 1, then "
        f"{count(plan.entries)} impression batches like those of measurement 1, each built "
        "by ImpressionBatch.record, the entry Pulse builds for it (Pulse._billing_entry) and "
        "post_to_accounts on the 11 limited accounts held in memory (budget and creators' "
        f"payable), saved {BILLED_CHUNK} batches per RevenueLog.save (snapshots taken as in "
        "service); every entry balanced, every posting within its limit",
        "LedgerReadModel: a new model and a new LogFollower over the revenue log (only the "
        "journal's topic is selected, pages of 500), what Ledger does when a service starts; "
        "ledger_audit.audit_log: the auditor's pass over entries and account events, checking "
        "every entry against the accounts' postings",
        "entries/s, postings/s, log events/s: the log's entries, their postings, and every "
        "event in the log (the readers skip the others in SQL) per second of the median pass",
        "tracemalloc peak: Python allocations during one more pass under tracemalloc (not "
        "timed, it slows Python down); held after: what is still allocated right after it, "
        "while the result is alive: the size of the rebuilt model",
        "table 4: the inventory checks are timed on their own just before each batch, which "
        "then makes them again; a standing share near or above 100% means the batch is all "
        "inventory checks (two separate, noisy timings)",
        f"measured on {', '.join(REBUILD_STORES)} only: seeding a log this size on PostgreSQL "
        "takes minutes more on this machine, and the rebuild is decoding-bound",
    ]
    for result in measured:
        if isinstance(result, str):
            continue
        texts.append(
            f"{result.store}: seeding {count(plan.entries)} batches took "
            f"{result.seed_seconds:.0f} s ({plan.entries / result.seed_seconds:,.0f} batches/s, "
            f"untimed); batches on the grown log: "
            + ", ".join(milliseconds(seconds) for seconds in result.grown_calls)
            + " ms, their inventory checks before each "
            + ", ".join(milliseconds(seconds) for seconds in result.standings)
            + " ms"
        )
    return texts


def notes(texts: list[str]) -> list[str]:
    lines: list[str] = []
    for text in texts:
        lines += textwrap.wrap(text, WIDTH, initial_indent="- ", subsequent_indent="  ")
    return lines
