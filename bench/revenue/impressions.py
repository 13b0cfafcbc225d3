"""Impression batches per second through ``Pulse.record_impressions``, one client.

Every repetition runs on a fresh store with a fresh scene (``bench.revenue.scene``): approved
creators with one inventory video each and a funded campaign. Each call reports one batch of
impressions beside every inventory video, so it records the batch, its journal entry (a debit
of the budget, a credit to each creator's payable account, a credit to platform revenue) and
one posting on every limited account it touches, in one save.

Sides:

- project: the service as ``entrypoints.bootstrap`` builds it;
- raw: a plain eventsourcing Application saving the same number of events of the same
  shapes per call, in one transaction, on a fresh store of the same kind, through the
  library's own recorders (``raw.py``);
- cached (what-if): the project again, with the library's aggregate cache switched on through
  its ``AGGREGATE_CACHE_MAXSIZE`` environment variable while the core is built. Nothing in
  ``application/`` is changed: it shows what the suggested fix would buy.

Repetitions alternate the order of the sides, so slow drift is spread over all of them. Each
call is timed on its own, so the rate of the first and the last tenth of a repetition show
whether a call gets slower as the log grows.
"""

from __future__ import annotations

import gc
import os
import statistics
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID, uuid4

from adapters.storage import Store, StoreKind, close_application
from application.revenue.pulse import ImpressionReceipt
from bench.revenue.common import RevenuePlan, progress
from bench.revenue.raw import RawAccount, RawBatch, RawEntry, RawRevenue, now
from bench.revenue.scene import (
    AD_SERVER,
    BUDGET,
    CPM,
    CURRENCY,
    PulseScene,
    set_pulse_scene,
)
from bench.sandboxes import Sandbox
from bench.workloads import open_spotlight
from domain.revenue.ledger import (
    PLATFORM_REVENUE,
    LedgerAccount,
    campaign_budget,
    creator_payable,
    platform,
)
from entrypoints.bootstrap import Spotlight

PROJECT = "project"
RAW = "raw"
CACHED = "cached (what-if)"
SIDES = (PROJECT, RAW, CACHED)
# The library's aggregate cache, for the what-if side: enough for every aggregate a batch
# touches many times over.
CACHE_SIZE = "10000"
# The library's own persistence modules: the baseline records through these, not through the
# project's recorders (``Store.env_for`` names the project's, e.g. hash-chained ones).
LIBRARY_MODULES = {
    StoreKind.MEMORY: "eventsourcing.popo",
    StoreKind.SQLITE: "eventsourcing.sqlite",
    StoreKind.POSTGRESQL: "eventsourcing.postgres",
    StoreKind.SQLALCHEMY: "eventsourcing_sqlalchemy",
}
# The share of a repetition whose rate is shown at its start and at its end.
TENTH = 10

Call = Callable[[int], object]


@dataclass(frozen=True)
class Run:
    """One repetition of one side: the duration of every timed call."""

    calls: tuple[float, ...]
    log_events: int  # events in the log when the repetition ended
    standings_seconds: float | None  # the inventory checks of one batch, after the run

    @property
    def seconds(self) -> float:
        return sum(self.calls)

    @property
    def rate(self) -> float:
        return len(self.calls) / self.seconds

    def rate_of(self, part: tuple[float, ...]) -> float:
        return len(part) / sum(part)

    @property
    def first_tenth(self) -> float:
        return self.rate_of(self.calls[: max(1, len(self.calls) // TENTH)])

    @property
    def last_tenth(self) -> float:
        return self.rate_of(self.calls[-max(1, len(self.calls) // TENTH) :])


@dataclass
class Side:
    side: str
    runs: list[Run] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [run.rate for run in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    @property
    def first_tenth(self) -> float:
        return statistics.median(run.first_tenth for run in self.runs)

    @property
    def last_tenth(self) -> float:
        return statistics.median(run.last_tenth for run in self.runs)

    @property
    def standings_seconds(self) -> float | None:
        known = [run.standings_seconds for run in self.runs if run.standings_seconds is not None]
        return statistics.median(known) if known else None

    @property
    def log_events(self) -> int:
        return max(run.log_events for run in self.runs)


@dataclass
class ImpressionsResult:
    store: str
    postings_per_batch: int
    events_per_batch: int
    sides: dict[str, Side]
    failures: list[str] = field(default_factory=list)

    def ratio(self, side: str) -> float:
        return self.sides[side].median / self.sides[RAW].median


def postings_per_batch(plan: RevenuePlan) -> int:
    """The entry's postings: the budget's debit, a credit per placement, platform revenue."""
    return plan.placements + 2


def events_per_batch(plan: RevenuePlan) -> int:
    """The batch, its entry, and a posting on the budget and on every creator's account."""
    return 2 + 1 + plan.placements


def measure(sandbox: Sandbox, plan: RevenuePlan) -> ImpressionsResult:
    result = ImpressionsResult(
        sandbox.name,
        postings_per_batch(plan),
        events_per_batch(plan),
        {side: Side(side) for side in SIDES},
    )
    for repetition in range(plan.repetitions):
        turn = repetition % len(SIDES)
        for side in SIDES[turn:] + SIDES[:turn]:
            progress(
                f"{sandbox.name}: {plan.batches:,} impression batches, {side}, "
                f"repetition {repetition + 1}/{plan.repetitions}"
            )
            store = sandbox.fresh()
            if side == RAW:
                run = raw_run(store, plan)
            else:
                run = project_run(
                    store, sandbox.scratch, plan, cached=side == CACHED, failures=result.failures
                )
            result.sides[side].runs.append(run)
    return result


def timed(call: Call, count: int, warmup: int) -> tuple[float, ...]:
    """The duration of call(0) .. call(count - 1), each on its own, after the warm-up calls
    (whose indices follow the timed ones, so no timed call finds its input used)."""
    for index in range(count, count + warmup):
        call(index)
    gc.collect()
    durations = []
    for index in range(count):
        started = perf_counter()
        call(index)
        durations.append(perf_counter() - started)
    return tuple(durations)


# The project ------------------------------------------------------------------------------


@contextmanager
def aggregate_cache(enabled: bool) -> Iterator[None]:
    """While the core is built, the library reads its settings from the environment too."""
    if not enabled:
        yield
        return
    before = os.environ.get("AGGREGATE_CACHE_MAXSIZE")
    os.environ["AGGREGATE_CACHE_MAXSIZE"] = CACHE_SIZE
    try:
        yield
    finally:
        if before is None:
            del os.environ["AGGREGATE_CACHE_MAXSIZE"]
        else:
            os.environ["AGGREGATE_CACHE_MAXSIZE"] = before


def project_run(
    store: Store, scratch: Path, plan: RevenuePlan, *, cached: bool, failures: list[str]
) -> Run:
    with ExitStack() as stack:
        with aggregate_cache(cached):
            core = stack.enter_context(open_spotlight(store, scratch))
        scene = set_pulse_scene(core, plan.placements)
        receipts: list[ImpressionReceipt] = []

        def record(index: int) -> object:
            receipt = core.pulse.record_impressions(
                AD_SERVER,
                batch_key=f"bench-{index}",
                campaign_id=scene.campaign_id,
                placements=scene.placements(index),
            )
            receipts.append(receipt)
            return receipt

        calls = timed(record, plan.batches, plan.warmup)
        standings = time_standings(core, scene)
        failures += check_project(core, scene, plan, receipts, cached=cached)
        return Run(calls, core._revenue.recorder.max_notification_id() or 0, standings)


def time_standings(core: Spotlight, scene: PulseScene) -> float:
    """Seconds taken by the inventory checks of one batch: ``Pulse.standing`` of every video
    placed (each catches the inventory projection up with both logs first)."""
    gc.collect()
    started = perf_counter()
    for video_id in scene.videos:
        core.pulse.standing(video_id)
    return perf_counter() - started


def check_project(
    core: Spotlight,
    scene: PulseScene,
    plan: RevenuePlan,
    receipts: list[ImpressionReceipt],
    *,
    cached: bool,
) -> list[str]:
    """Every call billed a new batch in full, and the ledger agrees with the receipts."""
    what = f"{'cached ' if cached else ''}project"
    made = plan.batches + plan.warmup
    problems = []
    replayed = sum(receipt.replayed for receipt in receipts)
    unbilled = sum(receipt.unbilled_impressions for receipt in receipts)
    if len(receipts) != made or replayed or unbilled:
        problems.append(
            f"{what}: {len(receipts)} receipts for {made} batches, {replayed} replayed, "
            f"{unbilled} impressions unbilled"
        )
    billed = sum(receipt.billed.minor for receipt in receipts)
    left = core.ledger.balance_of(scene.budget_code).minor
    if left != BUDGET.minor - billed:
        problems.append(f"{what}: the budget holds {left}, {BUDGET.minor - billed} expected")
    model = core.ledger.reading()
    # The campaign's funding, then one entry per batch.
    if model.entries != made + 1 or model.debits != model.credits:
        problems.append(
            f"{what}: the ledger read model holds {model.entries} entries "
            f"(debits {model.debits}, credits {model.credits}); {made + 1} expected"
        )
    postings = model.postings
    expected = 2 + made * (plan.placements + 2)
    if postings != expected:
        problems.append(f"{what}: {postings} postings in the read model, {expected} expected")
    # Opened, funded by the campaign's launch, then one posting per batch.
    budget = core._revenue.find(LedgerAccount, LedgerAccount.id_for(scene.budget_code))
    if budget is None or budget.version != made + 2:
        found = None if budget is None else budget.version
        problems.append(f"{what}: the budget account is at version {found}, {made + 2} expected")
    return problems


# The baseline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RawScene:
    campaign_id: UUID
    videos: tuple[UUID, ...]
    creators: tuple[str, ...]
    category_size: int
    accounts: tuple[RawAccount, ...]  # the budget first, then each creator's, as placed

    @property
    def budget_code(self) -> str:
        return campaign_budget(self.campaign_id, CURRENCY)


def raw_scene(plan: RevenuePlan) -> RawScene:
    campaign_id = uuid4()
    creators = tuple(f"bench-creator-{index}" for index in range(plan.placements))
    at = now()
    budget = RawAccount(
        code=campaign_budget(campaign_id, CURRENCY),
        currency=CURRENCY,
        limit="debits_must_not_exceed_credits",
        opened_at=at,
    )
    payable = [
        RawAccount(
            code=creator_payable(creator, CURRENCY),
            currency=CURRENCY,
            limit="debits_must_not_exceed_credits",
            opened_at=at,
        )
        for creator in creators
    ]
    return RawScene(
        campaign_id=campaign_id,
        videos=tuple(uuid4() for _ in creators),
        creators=creators,
        category_size=25 * len(creators),
        accounts=(budget, *payable),
    )


def raw_run(store: Store, plan: RevenuePlan) -> Run:
    store.prepare()
    env = {**store.env_for(RawRevenue.name), "PERSISTENCE_MODULE": LIBRARY_MODULES[store.kind]}
    application = RawRevenue(env)
    try:
        scene = raw_scene(plan)
        application.save(*scene.accounts)

        def record(index: int) -> object:
            return raw_batch(application, scene, index)

        calls = timed(record, plan.batches, plan.warmup)
        return Run(calls, application.recorder.max_notification_id() or 0, None)
    finally:
        close_application(application)


def raw_batch(application: RawRevenue, scene: RawScene, index: int) -> RawBatch:
    """Save one batch, its entry and a posting on every account, as the project would."""
    at = now()
    batch_key = f"bench-{index}"
    placements: list[dict[str, Any]] = []
    for offset, (video_id, creator) in enumerate(zip(scene.videos, scene.creators, strict=True)):
        impressions = 1_000 + (index + offset) % 97
        amount = impressions * CPM.minor // 1000
        placements.append(
            {
                "video_id": video_id,
                "creator": creator,
                "impressions": impressions,
                "billed_impressions": impressions,
                "amount": amount,
                "creator_share": amount - amount // 2,
                "platform_share": amount // 2,
                "rank": offset + 1,
                "category_size": scene.category_size,
            }
        )
    batch = RawBatch(
        id=RawBatch.id_for(AD_SERVER.label, batch_key),
        reporter=AD_SERVER.label,
        batch_key=batch_key,
        campaign_id=scene.campaign_id,
        currency=CURRENCY,
        placements=placements,
        reported_at=at,
    )
    billed = sum(p["amount"] for p in placements)
    postings: list[dict[str, Any]] = [
        {"account": scene.budget_code, "debit": billed, "credit": 0, "reference": ""}
    ]
    postings += [
        {
            "account": creator_payable(p["creator"], CURRENCY),
            "debit": 0,
            "credit": p["creator_share"],
            "reference": f"video:{p['video_id']}",
        }
        for p in placements
    ]
    postings.append(
        {
            "account": platform(PLATFORM_REVENUE, CURRENCY),
            "debit": 0,
            "credit": sum(p["platform_share"] for p in placements),
            "reference": "",
        }
    )
    cause = f"impression-batch:{batch.id}"
    entry = RawEntry(
        id=RawEntry.id_for(cause),
        currency=CURRENCY,
        postings=postings,
        kind="impressions-billed",
        cause=cause,
        recorded_at=at,
    )
    budget, *payable = scene.accounts
    budget.posted(entry_id=entry.id, debits=billed, credits=0)
    for account, placement in zip(payable, placements, strict=True):
        account.posted(entry_id=entry.id, debits=0, credits=placement["creator_share"])
    application.save(batch, entry, *scene.accounts)
    return batch
