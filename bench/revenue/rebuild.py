"""Recomputing every balance from the revenue log, and what a grown log does to the service.

One store: the Pulse scene, then ``entries`` impression batches billed through the domain
(``bench.revenue.scene.seed_billed_batches``): each is an ``ImpressionBatch``, its journal
entry of ``placements + 2`` postings, and a posting on each limited account it touches, as
``Pulse.record_impressions`` records them. Then, on that log:

- a ``LedgerReadModel`` is rebuilt from zero by a new ``LogFollower`` (what a restarted
  service does at start), timed ``rebuild_repetitions`` times, then once more under
  tracemalloc for the peak of Python allocations and what the model holds after;
- the same for ``application.audit.ledger_audit.audit_log`` when that module exists;
- ``grown_batches`` batches are recorded through ``Pulse.record_impressions``, each after the
  inventory checks it makes (``Pulse.standing`` of every video placed) were timed on their
  own, to show what the grown log costs each new batch and where.
"""

from __future__ import annotations

import gc
import importlib
import statistics
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from application.log_follower import LogFollower
from application.revenue.ledger_read_model import LedgerReadModel
from bench.revenue.common import RevenuePlan, count, progress
from bench.revenue.impressions import time_standings
from bench.revenue.scene import AD_SERVER, BILLED_CHUNK, seed_billed_batches, set_pulse_scene
from bench.sandboxes import Sandbox
from bench.workloads import open_spotlight
from entrypoints.bootstrap import Spotlight

AUDIT_MODULE = "application.audit.ledger_audit"


@dataclass(frozen=True)
class Pass:
    """Repeated passes of one reader over the whole log."""

    name: str
    seconds: tuple[float, ...]
    traced_peak: int  # bytes, from one more pass under tracemalloc
    held_after: int  # bytes still allocated by what the pass built, right after it

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class RebuildResult:
    store: str
    entries: int  # journal entries in the log
    postings: int  # their postings
    log_events: int  # every event in the log
    seed_seconds: float
    passes: list[Pass] = field(default_factory=list)
    audit_skipped: str = ""
    standings: tuple[float, ...] = ()  # the inventory checks of a batch, before each batch
    grown_calls: tuple[float, ...] = ()
    failures: list[str] = field(default_factory=list)


def rebuild_model(core: Spotlight) -> LedgerReadModel:
    model = LedgerReadModel()
    LogFollower(core._revenue, model.handlers).catch_up()
    return model


def measure(sandbox: Sandbox, plan: RevenuePlan) -> RebuildResult:
    with open_spotlight(sandbox.fresh(), sandbox.scratch) as core:
        scene = set_pulse_scene(core, plan.placements)
        progress(
            f"{sandbox.name}: seeding {count(plan.entries)} billed impression batches "
            f"({BILLED_CHUNK} per save)"
        )
        started = perf_counter()
        seed_billed_batches(core, scene, plan.entries)
        seeded = perf_counter() - started
        entries = plan.entries + 1  # and the campaign's funding
        result = RebuildResult(
            store=sandbox.name,
            entries=entries,
            postings=2 + plan.entries * (plan.placements + 2),
            log_events=core._revenue.recorder.max_notification_id() or 0,
            seed_seconds=seeded,
        )

        def check_model(model: LedgerReadModel) -> list[str]:
            postings = model.postings
            if (
                model.entries != result.entries
                or postings != result.postings
                or model.debits != model.credits
            ):
                return [
                    f"{sandbox.name}: the rebuilt read model holds {model.entries} entries and "
                    f"{postings} postings (debits {model.debits}, credits {model.credits}); "
                    f"{result.entries} and {result.postings} expected"
                ]
            return []

        progress(f"{sandbox.name}: rebuilding the ledger read model from the log")
        result.passes.append(
            passes(
                "LedgerReadModel rebuilt by a LogFollower",
                lambda: rebuild_model(core),
                check_model,
                plan.rebuild_repetitions,
                result.failures,
            )
        )
        audit = audit_function()
        if isinstance(audit, str):
            result.audit_skipped = audit
        else:
            progress(f"{sandbox.name}: auditing the ledger from the log")

            def check_audit(found: Any) -> list[str]:
                problems = tuple(getattr(found, "problems", ("no problems attribute",)))
                if getattr(found, "entries", None) != result.entries or problems:
                    return [
                        f"{sandbox.name}: the audit counted {getattr(found, 'entries', None)} "
                        f"entries ({result.entries} expected) and found {len(problems)} "
                        f"problems{': ' + problems[0] if problems else ''}"
                    ]
                return []

            result.passes.append(
                passes(
                    "ledger_audit.audit_log",
                    lambda: audit(core._revenue.recorder, core._revenue.mapper),
                    check_audit,
                    plan.rebuild_repetitions,
                    result.failures,
                )
            )
        progress(f"{sandbox.name}: {plan.grown_batches} impression batches on the grown log")
        standings = []
        calls = []
        for index in range(plan.grown_batches):
            standings.append(time_standings(core, scene))
            started = perf_counter()
            receipt = core.pulse.record_impressions(
                AD_SERVER,
                batch_key=f"grown-{index}",
                campaign_id=scene.campaign_id,
                placements=scene.placements(index),
            )
            calls.append(perf_counter() - started)
            if receipt.replayed or receipt.unbilled_impressions:
                result.failures.append(f"{sandbox.name}: a batch on the grown log: {receipt}")
        result.standings = tuple(standings)
        result.grown_calls = tuple(calls)
    return result


def passes(
    name: str,
    run: Callable[[], Any],
    check: Callable[[Any], list[str]],
    repetitions: int,
    failures: list[str],
) -> Pass:
    seconds: list[float] = []
    for _ in range(repetitions):
        gc.collect()
        started = perf_counter()
        built = run()
        seconds.append(perf_counter() - started)
        failures += check(built)
        del built
    gc.collect()
    tracemalloc.start()
    try:
        built = run()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    failures += check(built)
    del built
    return Pass(name, tuple(seconds), peak, held)


AuditLog = Callable[[Any, Any], Any]


def audit_function() -> AuditLog | str:
    """``audit_log(recorder, mapper)`` of the ledger audit module, or why it is not there."""
    try:
        module = importlib.import_module(AUDIT_MODULE)
    except ModuleNotFoundError:
        return f"skipped: {AUDIT_MODULE.replace('.', '/')}.py does not exist"
    audit = getattr(module, "audit_log", None)
    if not callable(audit):
        return f"skipped: {AUDIT_MODULE} has no audit_log(recorder, mapper)"
    found: AuditLog = audit
    return found
