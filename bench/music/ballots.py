"""Ballots per second accepted through ``Competition.cast_ballot`` by concurrent clients.

One scene per store: a season whose open first round has the plan's entries. Each client is
a thread of this process sharing the one core, as the threads of a web server would. Every
call is a new voter (``viewer:bench-<n>``, never reused on a store), so every call should be
accepted: a refusal or a failure is counted, and the BallotCast events the log gained are
counted and compared with the ballots accepted.

The baseline saves one ``RawBallot`` per call through a plain eventsourcing Application, on
the library's own recorders, on a fresh store of the same kind, with the same number of
threads; the same baseline on the project's hash-chained recorders ("chained") shows the
chained writer's own cost apart from the rest of the project's. Repetitions alternate which
side goes first, so slow drift is spread over both.
"""

from __future__ import annotations

import gc
import statistics
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter

from adapters.storage import Store, close_application
from application.auth import Principal, Role
from application.errors import ApplicationError
from application.music.competition import Competition
from bench.music.common import MusicPlan, progress
from bench.music.raw import RawBallot, RawMusic
from bench.music.scene import Scene, ballots_in_log, set_scene
from bench.raw import plain_env
from bench.sandboxes import Sandbox
from bench.workloads import open_spotlight
from domain.errors import DomainError

SIDES = ("project", "raw", "chained")
# How long the clients may take to get ready before the run is abandoned.
READY_TIMEOUT = 600.0
# Error messages kept for the report.
KEPT_ERRORS = 3

# A call casts the ballot of voter number `index`; it answers whether a new ballot was taken.
Call = Callable[[int], bool]


@dataclass(frozen=True)
class Run:
    """One repetition of one side at one concurrency."""

    seconds: float
    timed: int  # timed calls made
    accepted: int  # timed calls that recorded a new ballot
    warm_accepted: int  # untimed warm-up calls that recorded a new ballot
    refused: int  # calls (warm-up or timed) refused by a rule
    failed: int  # calls that raised anything else
    errors: tuple[str, ...]

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds


@dataclass
class Side:
    """Every repetition of one side at one concurrency."""

    clients: int
    side: str
    runs: list[Run] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [run.per_second for run in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    @property
    def refused(self) -> int:
        return sum(run.refused for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(run.failed for run in self.runs)

    @property
    def accepted(self) -> int:
        """Every new ballot, warm-up included: what the log should have gained."""
        return sum(run.accepted + run.warm_accepted for run in self.runs)

    @property
    def errors(self) -> list[str]:
        return [error for run in self.runs for error in run.errors]


@dataclass
class Level:
    """Both sides at one concurrency, and what the project's log gained meanwhile."""

    clients: int
    project: Side
    raw: Side
    chained: Side
    logged: int = 0  # BallotCast events the project's log gained at this level

    @property
    def ratio(self) -> float:
        return self.project.median / self.raw.median


@dataclass
class BallotsResult:
    store: str
    entries: int
    ballots: int
    levels: list[Level] = field(default_factory=list)
    counted_votes: int = 0  # the round's votes in the read model at the end
    failures: list[str] = field(default_factory=list)


@dataclass
class _Tally:
    accepted: int = 0
    warm_accepted: int = 0
    refused: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def record(self, call: Call, index: int, *, timed: bool) -> None:
        try:
            taken = call(index)
        except (DomainError, ApplicationError) as error:
            self.refused += 1
            self._keep(error)
            return
        except Exception as error:
            self.failed += 1
            self._keep(error)
            return
        if not taken:
            self.refused += 1
            self._keep(RuntimeError(f"ballot {index} was answered as a replay"))
        elif timed:
            self.accepted += 1
        else:
            self.warm_accepted += 1

    def _keep(self, error: Exception) -> None:
        if len(self.errors) < KEPT_ERRORS:
            lines = str(error).strip().splitlines()
            self.errors.append(f"{type(error).__name__}: {lines[0] if lines else ''}")


def run_clients(call: Call, *, clients: int, first: int, timed: int, warmup: int) -> Run:
    """Voters ``first`` .. on ``clients`` threads: ``warmup`` untimed calls each, then
    ``timed`` calls in all, dealt round-robin. The clock runs from the moment every thread
    is ready until the last one finishes."""
    warm_count = clients * warmup
    start = first + warm_count
    tallies = [_Tally() for _ in range(clients)]
    ready = threading.Barrier(clients + 1, timeout=READY_TIMEOUT)

    def client(number: int) -> None:
        tally = tallies[number]
        for index in range(first + number * warmup, first + (number + 1) * warmup):
            tally.record(call, index, timed=False)
        ready.wait()
        for index in range(start + number, start + timed, clients):
            tally.record(call, index, timed=True)

    threads = [
        threading.Thread(target=client, args=(number,), name=f"bench-client-{number}")
        for number in range(clients)
    ]
    gc.collect()
    for thread in threads:
        thread.start()
    ready.wait()
    started = perf_counter()
    for thread in threads:
        thread.join()
    seconds = perf_counter() - started
    return Run(
        seconds=seconds,
        timed=timed,
        accepted=sum(t.accepted for t in tallies),
        warm_accepted=sum(t.warm_accepted for t in tallies),
        refused=sum(t.refused for t in tallies),
        failed=sum(t.failed for t in tallies),
        errors=tuple(error for t in tallies for error in t.errors)[:KEPT_ERRORS],
    )


def voter(index: int) -> str:
    return f"bench-{index}"


def project_call(competition: Competition, scene: Scene) -> Call:
    entries = scene.entries

    def cast(index: int) -> bool:
        receipt = competition.cast_ballot(
            Principal(Role.VIEWER, voter(index)), scene.round_id, entries[index % len(entries)]
        )
        return not receipt.replayed

    return cast


def raw_call(application: RawMusic, scene: Scene) -> Call:
    entries = scene.entries

    def cast(index: int) -> bool:
        # The voter as the project writes it into its events (Principal.label).
        name = Principal(Role.VIEWER, voter(index)).label
        application.save(
            RawBallot(
                id=RawBallot.id_for(scene.round_id, name),
                round_id=scene.round_id,
                voter=name,
                track_id=entries[index % len(entries)],
                idempotency_key="",
                cast_at=datetime.now(UTC),
            )
        )
        return True

    return cast


@contextmanager
def open_raw(store: Store, *, chained: bool = False) -> Iterator[RawMusic]:
    store.prepare()
    env = store.env_for(RawMusic.name) if chained else plain_env(store, RawMusic.name)
    application = RawMusic(env)
    try:
        yield application
    finally:
        close_application(application)


def measure(sandbox: Sandbox, plan: MusicPlan) -> BallotsResult:
    result = BallotsResult(sandbox.name, plan.entries, plan.ballots)
    with (
        open_spotlight(sandbox.fresh(), sandbox.scratch) as core,
        open_raw(sandbox.fresh()) as raw,
        open_raw(sandbox.fresh(), chained=True) as chained,
    ):
        progress(f"{sandbox.name}: a round of {plan.entries:,} entries")
        scene = set_scene(core, plan.entries)
        calls = {
            "project": project_call(core.competition, scene),
            "raw": raw_call(raw, scene),
            "chained": raw_call(chained, scene),
        }
        following = dict.fromkeys(SIDES, 0)
        for clients in plan.clients:
            progress(
                f"{sandbox.name}: {plan.ballots:,} ballots by {clients} clients, "
                f"{plan.repetitions} times"
            )
            level = Level(
                clients, Side(clients, "project"), Side(clients, "raw"), Side(clients, "chained")
            )
            logged_before = ballots_in_log(core._music)
            for repetition in range(plan.repetitions):
                order: Sequence[str] = SIDES if repetition % 2 == 0 else SIDES[::-1]
                for side in order:
                    run = run_clients(
                        calls[side],
                        clients=clients,
                        first=following[side],
                        timed=plan.ballots,
                        warmup=plan.warmup,
                    )
                    following[side] += clients * plan.warmup + plan.ballots
                    getattr(level, side).runs.append(run)
            level.logged = ballots_in_log(core._music) - logged_before
            result.levels.append(level)
            check_level(result, level)
        counted = core.discovery.read.catch_up().count_of(scene.round_id)
        result.counted_votes = sum(counted.votes.values())
    accepted = sum(level.project.accepted for level in result.levels)
    if result.counted_votes != accepted:
        result.failures.append(
            f"{sandbox.name}: the round counted {result.counted_votes:,} votes for "
            f"{accepted:,} ballots accepted"
        )
    return result


def check_level(result: BallotsResult, level: Level) -> None:
    where = f"{result.store}, {level.clients} clients"
    for side in (level.project, level.raw, level.chained):
        if side.refused or side.failed:
            result.failures.append(
                f"{where}, {side.side}: {side.refused} refused and {side.failed} failed "
                f"calls (distinct voters must all be accepted): {'; '.join(side.errors)}"
            )
    if level.logged != level.project.accepted:
        result.failures.append(
            f"{where}: the log gained {level.logged:,} BallotCast events for "
            f"{level.project.accepted:,} ballots accepted"
        )
