"""Closing a round of many ballots through ``Competition.close_round``.

Every close needs a round of its own (a round closes once), so each is preceded by an
untimed scene: the round's entries, then its ballots built by ``Ballot.cast`` against the
open round and saved in batches. The scene is swept (``bench.music.scene``): the background
sweeper would have run the usage detection of the entered tracks long before the close, so
the close does not pay for the first pass. Two kinds of core close it:

- warm: the core that seeded the round closes it. Its read model had followed the log up to
  the ballots, so the close includes catching the tally projection up over all of them;
- fresh: a new process bootstraps a core on the seeded store (which rebuilds the read model
  from the whole log) and closes the round. Its bootstrap and its close are timed apart.

Timed closes run without tracemalloc (it slows Python down several times); one more close of
each kind runs under tracemalloc for the peak of Python allocations. The resident-set peaks
come from Linux's VmHWM, reset before each phase.
"""

from __future__ import annotations

import gc
import multiprocessing
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from uuid import UUID

from adapters.storage import Store, parse_store
from application.music.music_views import RoundResult
from bench.music.common import MusicPlan, progress
from bench.music.memory import peak_kb, reset_peak, rss_kb
from bench.music.scene import ADMIN, Scene, seed_ballots, set_scene
from bench.sandboxes import Sandbox
from bench.workloads import open_spotlight
from entrypoints.bootstrap import Spotlight


@dataclass(frozen=True)
class Phase:
    """One timed phase: how long it took and the resident set around it (KiB)."""

    seconds: float
    rss_before_kb: int | None
    rss_peak_kb: int | None


@dataclass(frozen=True)
class Traced:
    """Python allocations under tracemalloc (bytes): peaks, and what was still held after."""

    rebuild_peak: int | None  # fresh cores only: during bootstrap
    close_peak: int
    held_after: int


@dataclass(frozen=True)
class Outcome:
    """What a close recorded, to check it against what was seeded."""

    entries: int
    votes: int
    advancing: int
    late_ballots: int


@dataclass(frozen=True)
class FreshClose:
    """A close by a freshly bootstrapped core in a process of its own."""

    imports_rss_kb: int | None  # the new process's resident set before it bootstraps
    rebuild: Phase
    close: Phase
    traced: Traced | None
    # The new process's resident peak over its life (VmHWM before the first reset, and the
    # phases' peaks). Not getrusage: Linux carries ru_maxrss over from the parent at spawn.
    peak_rss_kb: int | None
    outcome: Outcome


@dataclass
class ClosingResult:
    store: str
    entries: int
    ballots: int
    warm: list[Phase] = field(default_factory=list)
    fresh: list[FreshClose] = field(default_factory=list)
    warm_traced: Traced | None = None
    fresh_traced: Traced | None = None
    seed_seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def warm_close(self) -> list[float]:
        return [phase.seconds for phase in self.warm]

    @property
    def fresh_rebuild(self) -> list[float]:
        return [close.rebuild.seconds for close in self.fresh]

    @property
    def fresh_close(self) -> list[float]:
        return [close.close.seconds for close in self.fresh]


def outcome_of(result: RoundResult) -> Outcome:
    return Outcome(
        entries=len(result.standings),
        votes=sum(ranked.standing.votes for ranked in result.standings),
        advancing=len(result.advancing),
        late_ballots=result.late_ballots,
    )


def check(outcome: Outcome, scene: Scene, ballots: int, what: str) -> list[str]:
    expected = Outcome(
        entries=len(scene.entries), votes=ballots, advancing=scene.cut_size, late_ballots=0
    )
    if outcome == expected:
        return []
    return [f"{what}: the close recorded {outcome}, expected {expected}"]


def seed(core: Spotlight, plan: MusicPlan, result: ClosingResult) -> Scene:
    started = perf_counter()
    scene = set_scene(core, plan.close_entries, swept=True)
    seed_ballots(core, scene, plan.close_ballots)
    result.seed_seconds.append(perf_counter() - started)
    return scene


def timed_close(core: Spotlight, round_id: UUID) -> tuple[Phase, RoundResult]:
    gc.collect()
    reset_peak()
    before = rss_kb()
    started = perf_counter()
    closed = core.competition.close_round(ADMIN, round_id, reason="ahead of the plan")
    seconds = perf_counter() - started
    return Phase(seconds, before, peak_kb()), closed


def traced_close(core: Spotlight, round_id: UUID) -> tuple[Traced, RoundResult]:
    gc.collect()
    tracemalloc.start()
    try:
        closed = core.competition.close_round(ADMIN, round_id, reason="ahead of the plan")
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Traced(rebuild_peak=None, close_peak=peak, held_after=held), closed


def fresh_close(url: str, scratch: str, round_id: str, traced: bool) -> FreshClose:
    """In a new process: bootstrap a core on the store, then close the round."""
    store = parse_store(url, setting="bench")
    ident = UUID(round_id)
    imports = rss_kb()
    imports_peak = peak_kb()
    gc.collect()
    if traced:
        tracemalloc.start()
    with ExitStack() as stack:
        reset_peak()
        before = rss_kb()
        started = perf_counter()
        core = stack.enter_context(open_spotlight(store, Path(scratch)))
        rebuild = Phase(perf_counter() - started, before, peak_kb())
        rebuild_peak: int | None = None
        if traced:
            rebuild_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            closed = core.competition.close_round(ADMIN, ident, reason="ahead of the plan")
            held, close_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            close = Phase(0.0, None, None)
            measured: Traced | None = Traced(rebuild_peak, close_peak, held)
        else:
            close, closed = timed_close(core, ident)
            measured = None
        outcome = outcome_of(closed)
    peaks = [kb for kb in (imports_peak, rebuild.rss_peak_kb, close.rss_peak_kb) if kb]
    return FreshClose(
        imports_rss_kb=imports,
        rebuild=rebuild,
        close=close,
        traced=measured,
        peak_rss_kb=max(peaks) if peaks else None,
        outcome=outcome,
    )


def in_new_process(store: Store, scratch: Path, round_id: UUID, *, traced: bool) -> FreshClose:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fresh_close, store.url, str(scratch), str(round_id), traced).result()


def measure(sandbox: Sandbox, plan: MusicPlan) -> ClosingResult:
    result = ClosingResult(sandbox.name, plan.close_entries, plan.close_ballots)
    size = f"{plan.close_ballots:,} ballots, {plan.close_entries:,} entries"
    for repetition in range(plan.close_repetitions + 1):
        traced = repetition == plan.close_repetitions
        kind = "under tracemalloc" if traced else f"{repetition + 1}/{plan.close_repetitions}"
        progress(f"{sandbox.name}: closing a round of {size} on the warm core ({kind})")
        with open_spotlight(sandbox.fresh(), sandbox.scratch) as core:
            scene = seed(core, plan, result)
            if traced:
                result.warm_traced, closed = traced_close(core, scene.round_id)
            else:
                phase, closed = timed_close(core, scene.round_id)
                result.warm.append(phase)
        result.failures += check(
            outcome_of(closed), scene, plan.close_ballots, f"{sandbox.name}: warm close"
        )
    for repetition in range(plan.close_repetitions + 1):
        traced = repetition == plan.close_repetitions
        kind = "under tracemalloc" if traced else f"{repetition + 1}/{plan.close_repetitions}"
        progress(f"{sandbox.name}: closing a round of {size} in a fresh process ({kind})")
        store = sandbox.fresh()
        with open_spotlight(store, sandbox.scratch) as core:
            scene = seed(core, plan, result)
        fresh = in_new_process(store, sandbox.scratch, scene.round_id, traced=traced)
        if traced:
            result.fresh_traced = fresh.traced
        else:
            result.fresh.append(fresh)
        result.failures += check(
            fresh.outcome, scene, plan.close_ballots, f"{sandbox.name}: fresh close"
        )
    return result
