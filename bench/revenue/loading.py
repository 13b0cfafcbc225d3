"""Loading a ``LedgerAccount`` with many postings, with its snapshots and without them.

One fresh store per kind: a big account (a million postings in the full plan) and a small one
(100) are seeded by ``bench.revenue.scene.seed_account`` through ``RevenueLog.save``, which
takes the snapshots every 100 events as the service does. Each account is then loaded by
``RevenueLog.load`` (the path every service uses), once by the ``RevenueLog`` as configured
(snapshots on: the latest snapshot and the events after it) and once by a second
``RevenueLog`` on the same store with ``IS_SNAPSHOTTING_ENABLED=n``: the library builds no
snapshot store for it, so its repository replays every event of the account. The library's
``Repository.get`` has no flag to skip snapshots; a second application without a snapshot
store is how it is bypassed.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from time import perf_counter
from uuid import UUID

from adapters.storage import close_application
from application.logs import SNAPSHOT_EVERY, RevenueLog
from bench.revenue.common import RevenuePlan, count, progress
from bench.revenue.raw import now
from bench.revenue.scene import POSTING_CHUNK, seed_account
from bench.sandboxes import Sandbox
from domain.revenue.ledger import LedgerAccount

# Minor units of each seeded posting (scene.seed_account).
POSTED = 10_000


@dataclass(frozen=True)
class Loads:
    """Repeated loads of one account by one application."""

    postings: int
    snapshots: bool
    seconds: tuple[float, ...]
    events_read: int  # the snapshot (if any) and the events replayed after it
    warmed: bool  # whether an untimed load came first

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class LoadingResult:
    store: str
    loads: list[Loads] = field(default_factory=list)
    seed_seconds: dict[int, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def measure(sandbox: Sandbox, plan: RevenuePlan) -> LoadingResult:
    result = LoadingResult(sandbox.name)
    store = sandbox.fresh()
    store.prepare()
    env = store.env_for(RevenueLog.name)
    revenue = RevenueLog(env)
    bare = RevenueLog({**env, "IS_SNAPSHOTTING_ENABLED": "n"})
    try:
        if revenue.snapshots is None or bare.snapshots is not None:
            raise RuntimeError("the snapshot stores are not as this measurement expects")
        accounts: list[tuple[int, UUID]] = []
        for postings in (plan.big_postings, plan.small_postings):
            progress(f"{sandbox.name}: seeding an account of {count(postings)} postings")
            started = perf_counter()
            accounts.append((postings, seed_account(revenue, postings, at=now())))
            result.seed_seconds[postings] = perf_counter() - started
        for postings, ident in accounts:
            for application, snapshots in ((revenue, True), (bare, False)):
                slow = postings == plan.big_postings and not snapshots
                repetitions = plan.slow_repetitions if slow else plan.load_repetitions
                progress(
                    f"{sandbox.name}: loading the account of {count(postings)} postings "
                    f"{'with' if snapshots else 'without'} snapshots, {repetitions} times"
                )
                loads, problems = time_loads(
                    partial(application.load, LedgerAccount, ident),
                    postings,
                    snapshots=snapshots,
                    repetitions=repetitions,
                    warm=not slow,
                )
                result.loads.append(loads)
                result.failures += [f"{sandbox.name}: {problem}" for problem in problems]
    finally:
        close_application(bare)
        close_application(revenue)
    return result


def time_loads(
    load: Callable[[], LedgerAccount],
    postings: int,
    *,
    snapshots: bool,
    repetitions: int,
    warm: bool,
) -> tuple[Loads, list[str]]:
    if warm:
        load()
    seconds: list[float] = []
    problems: list[str] = []
    for _ in range(repetitions):
        gc.collect()
        started = perf_counter()
        account = load()
        seconds.append(perf_counter() - started)
        if account.version != postings + 1 or account.balance.minor != postings * POSTED:
            problems.append(
                f"an account of {postings} postings loaded at version {account.version} "
                f"holding {account.balance}"
            )
        del account
    version = postings + 1
    after_snapshot = version % SNAPSHOT_EVERY if version >= SNAPSHOT_EVERY else version
    events_read = 1 + after_snapshot if snapshots and version >= SNAPSHOT_EVERY else version
    return Loads(postings, snapshots, tuple(seconds), events_read, warm), problems


def seeding_note(plan: RevenuePlan) -> str:
    return (
        "how the accounts were made: a new campaign budget account opened, then each posting "
        "a top-up of that budget by its own two-posting journal entry (debit "
        "platform:brand-funds, credit the budget; kind campaign-funded, a cause of its own), "
        "built by JournalEntry.record and LedgerAccount.post and saved "
        f"{POSTING_CHUNK:,} entries plus the account per RevenueLog.save (one transaction), "
        f"which took a snapshot every {SNAPSHOT_EVERY} events as in service: the log holds "
        f"{plan.big_postings + plan.small_postings:,} entries and as many postings, every "
        "entry balanced and every posting within the account's limit"
    )
