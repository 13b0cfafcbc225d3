"""The revenue program on every store: a month of Pulse rebuilt from the log by a fresh start,
a failure in the middle of a batch that leaves no posting behind, and racing batches and
payouts that never take an account below zero nor pay a period twice.

Each store is named the way a deployment names it; PostgreSQL tests work in schemas of their
own (see tests/conftest.py) and, like the storage contract, fail rather than skip on CI when
the server is unreachable.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from threading import Barrier
from typing import Any
from uuid import UUID

import attrs
import pytest
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.ledger import SqlLedgerTables
from adapters.projections.pulse_delivery import SqlDeliveryTables
from adapters.projections.pulse_inventory import SqlInventoryTables
from application.audit.ledger_audit import audit_log
from application.auth import Principal, Role
from application.log_follower import LogFollower
from application.logs import RevenueLog
from application.projections import ProjectionRunner
from application.revenue.ledger_projection import LedgerProjection
from application.revenue.ledger_read_model import LedgerReadModel
from application.revenue.ledgers import AccountView, Ledger, Statement
from application.revenue.payouts import PayoutExists, Payouts, PayoutView
from application.revenue.pulse import CampaignView, ImpressionReceipt, Pulse
from application.revenue.pulse_delivery import DeliveryProjection
from application.revenue.pulse_inventory import InventoryProjection, Standing
from domain.anchors.engagement import Engagement
from domain.bounds import MAX_AMOUNT
from domain.errors import InvalidValue
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    PLATFORM_PAID_OUT,
    PLATFORM_REVENUE,
    JournalEntry,
    LedgerAccount,
    Limit,
    campaign_budget,
    creator_in_transit,
    creator_payable,
    limit_of,
    platform,
)
from domain.revenue.payouts import Payout, PayoutStatus
from domain.revenue.pulse import BudgetSpent, ImpressionBatch
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.deployments import STORES, Deployment, StoreUnderTest, store_under_test
from tests.fakes import SequentialIdentities

OPS = Principal(Role.ADMIN, "ops")
FIZZ = Principal(Role.BRAND, "fizz")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
ANA = Principal(Role.CREATOR, "ana")
MONTH = "2025-03"  # the fake clock starts on the 1st of March


def usd(minor: int) -> Money:
    return Money(minor, "USD")


# Stores and the instances started on them --------------------------------------------------


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "revenue")


class RevenueDeployment(Deployment):
    def __init__(self, store: StoreUnderTest, data_dir: Path) -> None:
        super().__init__(store, data_dir, secret=b"r" * 32, engines=())

    def rebuilt(self, core: Spotlight, identities: SequentialIdentities) -> Spotlight:
        # A new process on the memory store: its projections start in a database of their own.
        projection_store = SqlProjectionStore(projection_database_for(core.settings.store))
        runner = ProjectionRunner(projection_store, core.projections._logs)
        ledger_projection = LedgerProjection(SqlLedgerTables(projection_store), projection_store)
        runner.register(ledger_projection)
        ledger = Ledger(
            core._revenue, clock=self.clock, projections=runner, projection=ledger_projection
        )
        inventory = InventoryProjection(SqlInventoryTables(projection_store))
        runner.register(inventory)
        delivery = DeliveryProjection(SqlDeliveryTables(projection_store))
        runner.register(delivery)
        pulse = Pulse(
            core._revenue,
            catalogue=core._catalogue,
            ledger=ledger,
            clock=self.clock,
            identities=identities,
            runner=runner,
            projection=inventory,
            delivery=delivery,
            launched_regions=core.settings.pulse_regions,
        )
        assert ledger.projection is not core.ledger.projection
        for name in (inventory.name, delivery.name, ledger_projection.name):
            generation = runner.active(name)
            assert set(projection_store.positions(name, generation).values()) == {0}
        return attrs.evolve(
            core,
            ledger=ledger,
            pulse=pulse,
            payouts=Payouts(core._revenue, ledger=ledger, clock=self.clock),
        )


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    running = RevenueDeployment(store, tmp_path)
    yield running
    running.stop_all()


def events_of(revenue: RevenueLog, *topics: str) -> list[Any]:
    notifications = revenue.recorder.select_notifications(
        start=None, limit=1_000_000, topics=topics
    )
    return [revenue.mapper.to_domain_event(n) for n in notifications]


def logged(revenue: RevenueLog) -> int:
    return revenue.recorder.max_notification_id() or 0


# A cast ------------------------------------------------------------------------------------


def enrol(core: Spotlight, creator: Principal, *, region: str = "US") -> None:
    core.creators.register(creator, region=region)
    core.creators.count_followers(OPS, creator.subject, 250_000)
    core.pulse.apply(creator)
    core.pulse.decide(OPS, creator.subject, approve=True, reason="meets every condition")


def publish(core: Spotlight, creator: Principal, category: str, count: int = 1) -> list[UUID]:
    return [
        CatalogueDriver(core)
        .publish_video(creator, caption=f"clip {n}", hashtags=[], category=category)
        .id
        for n in range(count)
    ]


def three_creators_at_the_top_of_dance(core: Spotlight) -> dict[str, UUID]:
    """Mia, Leo and Ana enrolled; 51 dance videos, so the top 3 are inventory: one of each."""
    for creator in (MIA, LEO, ANA):
        enrol(core, creator)
    tops = {c.subject: publish(core, c, "dance")[0] for c in (MIA, LEO, ANA)}
    publish(core, Principal(Role.CREATOR, "crowd"), "dance", 48)
    core.audience.record_engagement(
        OPS,
        f"top-{secrets.token_hex(4)}",
        [(video_id, Engagement(views=10_000 - n)) for n, video_id in enumerate(tops.values())],
    )
    for video_id in tops.values():
        assert core.pulse.standing(video_id).is_inventory
    return tops


def campaign(core: Spotlight, *, budget: int, cpm: int, category: str = "dance") -> CampaignView:
    now = core.clock.now()
    return core.pulse.launch_campaign(
        FIZZ,
        name=f"Fizz {category}",
        category=category,
        budget=usd(budget),
        cpm=usd(cpm),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
    )


# (a) A month of Pulse, rebuilt from the log --------------------------------------------------


@attrs.frozen
class Observed:
    """What the read side of the revenue program answers at one moment."""

    accounts: dict[str, AccountView]
    limited: dict[str, Money]
    statements: dict[str, Statement]
    inventory: dict[str, list[Standing]]
    campaigns: dict[UUID, CampaignView]
    payouts: dict[UUID, PayoutView]


def observe(core: Spotlight, campaigns: Sequence[UUID], payouts: Sequence[UUID]) -> Observed:
    model = core.ledger.reading()
    return Observed(
        accounts={code: core.ledger.account(OPS, code, limit=1_000) for code in model.accounts()},
        limited={
            code: core.ledger.balance_of(code)
            for code in model.accounts()
            if limit_of(code) is not Limit.NONE
        },
        statements={
            who: core.ledger.statement(OPS, who, MONTH, "USD") for who in ("mia", "leo", "ana")
        },
        inventory={c: core.pulse.inventory(c) for c in ("dance", "comedy")},
        campaigns={c: core.pulse.campaign(OPS, c) for c in campaigns},
        payouts={p: core.payouts.payout(OPS, p) for p in payouts},
    )


def test_a_month_of_pulse_is_rebuilt_from_the_log_by_a_fresh_start(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    tops = three_creators_at_the_top_of_dance(core)
    [leos_comedy] = publish(core, LEO, "comedy")
    dance = campaign(core, budget=50_00, cpm=10_00)  # a cent an impression
    comedy = campaign(core, budget=20_00, cpm=3_33, category="comedy")

    first = core.pulse.record_impressions(
        OPS,
        batch_key="march-1",
        campaign_id=dance.id,
        placements=[(tops["mia"], 1_001), (tops["leo"], 2_000), (tops["ana"], 3)],
    )
    again = core.pulse.record_impressions(
        OPS,
        batch_key="march-1",
        campaign_id=dance.id,
        placements=[(tops["mia"], 1_001), (tops["leo"], 2_000), (tops["ana"], 3)],
    )
    deployment.clock.advance(timedelta(days=3))
    # 1,996 cents are left: Mia's 2,500 impressions are billed 1,996 of them.
    capped = core.pulse.record_impressions(
        OPS, batch_key="march-2", campaign_id=dance.id, placements=[(tops["mia"], 2_500)]
    )
    with pytest.raises(BudgetSpent):
        core.pulse.record_impressions(
            OPS, batch_key="march-3", campaign_id=dance.id, placements=[(tops["leo"], 10)]
        )
    core.pulse.record_impressions(
        OPS, batch_key="march-4", campaign_id=comedy.id, placements=[(leos_comedy, 777)]
    )
    mias = core.payouts.request(MIA, period=MONTH, idempotency_key="tap")
    core.payouts.settle(OPS, mias.id, sent=True, reference="WIRE-1")
    leos = core.payouts.request(LEO, period=MONTH)
    core.payouts.settle(OPS, leos.id, sent=False, reason="account closed")

    assert (first.billed, first.creators_credited, first.unbilled_impressions) == (
        usd(30_04),
        usd(15_03),  # 501 + 1,000 + 2: each line's odd cent goes to its creator
        0,
    )
    assert again == attrs.evolve(first, replayed=True)
    assert (capped.billed, capped.billed_impressions, capped.unbilled_impressions) == (
        usd(19_96),
        1_996,
        504,
    )
    seen = observe(core, [dance.id, comedy.id], [mias.id, leos.id])
    assert seen.campaigns[dance.id].remaining == usd(0)
    assert seen.campaigns[comedy.id].remaining == usd(20_00 - 2_58)  # 777 x 3.33 = 258.741
    assert seen.limited[creator_payable("mia", "USD")] == usd(0)
    assert seen.limited[creator_payable("leo", "USD")] == usd(1_000 + 1_29)
    assert seen.limited[creator_payable("ana", "USD")] == usd(2)
    assert seen.accounts[platform(PLATFORM_PAID_OUT, "USD")].balance == usd(501 + 998)
    assert seen.accounts[platform(PLATFORM_BRAND_FUNDS, "USD")].balance == usd(-70_00)
    assert seen.accounts[platform(PLATFORM_REVENUE, "USD")].balance == usd(
        (500 + 1_000 + 1) + 998 + 1_29
    )
    assert [line.amount for line in seen.statements["mia"].items] == [usd(501), usd(998)]
    assert seen.statements["mia"].earned == usd(1_499)
    assert [s.video_id for s in seen.inventory["dance"]] == list(tops.values())
    assert [s.video_id for s in seen.inventory["comedy"]] == [leos_comedy]
    assert (seen.payouts[mias.id].status, seen.payouts[leos.id].status) == (
        PayoutStatus.SENT,
        PayoutStatus.RETURNED,
    )

    rebuilt = deployment.fresh_start()

    assert rebuilt is not core
    assert observe(rebuilt, [dance.id, comedy.id], [mias.id, leos.id]) == seen
    # What is recorded stays recorded: a retry is still a replay, a period still pays once.
    assert rebuilt.pulse.record_impressions(
        OPS, batch_key="march-2", campaign_id=dance.id, placements=[(tops["mia"], 2_500)]
    ) == attrs.evolve(capped, replayed=True)
    with pytest.raises(PayoutExists):
        rebuilt.payouts.request(LEO, period=MONTH)


# (b) A failure in the middle of a batch ------------------------------------------------------


class StoreFailed(Exception):
    """The fault injected on purpose."""


class FailingWrites:
    """A fault in the revenue log's recorder: while armed, a transaction that records an
    impression batch writes all but its last event, then fails, as a dropped connection
    would; the store's transaction must take back what was written."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        hook: str
        writer: Callable[..., Any]  # writes stored events inside the open transaction
        if isinstance(recorder, SQLiteApplicationRecorder):
            hook, writer = "_insert_events", recorder._insert_events
        elif isinstance(recorder, PostgresApplicationRecorder):
            # This hook runs inside the transaction, before the events are inserted (the
            # recorder defers errors of the insertion itself until after its commit).
            hook, writer = "_insert_events", recorder._insert_stored_events
        elif isinstance(recorder, SQLAlchemyApplicationRecorder):
            hook, writer = "_insert_stored_events", recorder._insert_stored_events
        else:
            pytest.skip(f"{type(recorder).__name__} has no transaction to fail in the middle of")
        original = getattr(recorder, hook)
        self.armed = True
        self.failures = 0

        def write_part_then_fail(
            connection: Any, events: Sequence[StoredEvent], **kwargs: Any
        ) -> Any:
            if self.armed and any(e.topic == ImpressionBatch.Recorded.TOPIC for e in events):
                writer(connection, events[:-1], **kwargs)
                self.failures += 1
                raise StoreFailed(f"the store failed after writing {len(events) - 1} events")
            return original(connection, events, **kwargs)

        setattr(recorder, hook, write_part_then_fail)
        self._remove: Callable[[], None] = lambda: delattr(recorder, hook)

    def remove(self) -> None:
        self._remove()


class FailingEncoding:
    """A fault in the revenue log's mapper: while armed, the posting to one account cannot
    be encoded, after the events before it in the same save were."""

    def __init__(self, revenue: RevenueLog, account: str) -> None:
        self.mapper = revenue.mapper
        self.account_id = LedgerAccount.id_for(account)
        self.armed = True
        self.failures = 0
        self._original = self.mapper.to_stored_event
        self.mapper.to_stored_event = self._encode  # type: ignore[method-assign]

    def _encode(self, domain_event: Any) -> StoredEvent:
        if (
            self.armed
            and isinstance(domain_event, LedgerAccount.Posted)
            and domain_event.originator_id == self.account_id
        ):
            self.failures += 1
            raise StoreFailed(f"cannot encode {type(domain_event).__qualname__}")
        return self._original(domain_event)

    def remove(self) -> None:
        del self.mapper.to_stored_event


@pytest.mark.parametrize("fault", ["store fails mid-write", "an event fails to encode"])
def test_a_failure_in_the_middle_of_a_batch_leaves_no_posting_behind(
    deployment: Deployment, fault: str
) -> None:
    core = deployment.start()
    injected: FailingWrites | FailingEncoding = (
        FailingWrites(core._revenue.recorder)
        if fault == "store fails mid-write"
        else FailingEncoding(core._revenue, creator_payable("leo", "USD"))
    )
    tops = three_creators_at_the_top_of_dance(core)
    dance = campaign(core, budget=100_00, cpm=10_00)
    placements = [(tops["mia"], 1_000), (tops["leo"], 2_001), (tops["ana"], 500)]
    accounts = [
        campaign_budget(dance.id, "USD"),
        *(creator_payable(c, "USD") for c in ("mia", "leo", "ana")),
    ]
    budget_version = core._revenue.load(LedgerAccount, LedgerAccount.id_for(accounts[0])).version
    balances_before = {code: core.ledger.balance_of(code) for code in accounts}
    logged_before = logged(core._revenue)

    with pytest.raises(StoreFailed):
        core.pulse.record_impressions(
            OPS, batch_key="flaky-1", campaign_id=dance.id, placements=placements
        )

    assert injected.failures == 1
    assert logged(core._revenue) == logged_before
    assert events_of(core._revenue, ImpressionBatch.Recorded.TOPIC) == []
    assert [e.kind for e in events_of(core._revenue, JournalEntry.Recorded.TOPIC)] == [
        "campaign-funded"
    ]
    assert core._revenue.find(ImpressionBatch, ImpressionBatch.id_for(OPS.label, "flaky-1")) is None
    budget_account = core._revenue.load(LedgerAccount, LedgerAccount.id_for(accounts[0]))
    assert (budget_account.version, budget_account.debits_posted) == (budget_version, 0)
    for code in accounts[1:]:
        assert core._revenue.find(LedgerAccount, LedgerAccount.id_for(code)) is None
    assert {code: core.ledger.balance_of(code) for code in accounts} == balances_before
    assert core.pulse.campaign(OPS, dance.id).remaining == usd(100_00)
    assert core.ledger.reading().entries == 1
    assert rebuilt_ledger(core._revenue).totals.keys() == {
        accounts[0],
        platform(PLATFORM_BRAND_FUNDS, "USD"),
    }

    injected.remove()
    receipt = core.pulse.record_impressions(
        OPS, batch_key="flaky-1", campaign_id=dance.id, placements=placements
    )
    retry = core.pulse.record_impressions(
        OPS, batch_key="flaky-1", campaign_id=dance.id, placements=placements
    )

    assert (receipt.replayed, receipt.billed, receipt.creators_credited) == (
        False,
        usd(35_01),
        usd(500 + 1_001 + 250),
    )
    assert retry == attrs.evolve(receipt, replayed=True)
    assert [e.originator_id for e in events_of(core._revenue, ImpressionBatch.Recorded.TOPIC)] == [
        receipt.batch_id
    ]
    assert [e.kind for e in events_of(core._revenue, JournalEntry.Recorded.TOPIC)] == [
        "campaign-funded",
        "impressions-billed",
    ]
    assert {code: core.ledger.balance_of(code) for code in accounts} == {
        accounts[0]: usd(100_00 - 35_01),
        accounts[1]: usd(500),
        accounts[2]: usd(1_001),
        accounts[3]: usd(250),
    }


# (c) Races -----------------------------------------------------------------------------------

RACERS = 8
PAYOUT_RACERS = 10


def running_balances(revenue: RevenueLog, code: str) -> list[int]:
    """The account's balance after each of its postings, in the order they were recorded."""
    balance, seen = 0, []
    for recorded in revenue.events.get(LedgerAccount.id_for(code)):
        if isinstance(recorded, LedgerAccount.Posted):
            balance += recorded.credits - recorded.debits
            seen.append(balance)
    return seen


def rebuilt_ledger(revenue: RevenueLog) -> LedgerReadModel:
    model = LedgerReadModel()
    LogFollower(revenue, model.handlers).catch_up()
    return model


def test_racing_batches_never_spend_more_than_the_budget(deployment: Deployment) -> None:
    first, second = deployment.start(), deployment.start()  # one instance on memory
    tops = three_creators_at_the_top_of_dance(first)
    # A cent an impression: each batch asks for 3.00, the budget covers three and a third.
    dance = campaign(first, budget=10_00, cpm=10_00)
    instances = [first, second]
    together = Barrier(RACERS)

    def report(racer: int) -> ImpressionReceipt | Exception:
        core = instances[racer % 2]
        placements = [(video_id, 100) for video_id in tops.values()]
        together.wait(timeout=60)
        try:
            return core.pulse.record_impressions(
                OPS, batch_key=f"racer-{racer}", campaign_id=dance.id, placements=placements
            )
        except Exception as refused:  # judged below, after the money
            return refused

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        outcomes = list(pool.map(report, range(RACERS)))

    receipts = [o for o in outcomes if isinstance(o, ImpressionReceipt)]
    assert not any(r.replayed for r in receipts)
    batches = events_of(first._revenue, ImpressionBatch.Recorded.TOPIC)
    # Recorded once each, and only the batches whose reporter was told so.
    assert Counter(b.batch_key for b in batches) == Counter(
        f"racer-{n}" for n, o in enumerate(outcomes) if isinstance(o, ImpressionReceipt)
    )
    billed = sum(line.amount for b in batches for line in b.placements)
    assert billed == sum(r.billed.minor for r in receipts) <= 10_00
    budget = campaign_budget(dance.id, "USD")
    assert running_balances(first._revenue, budget)[0] == 10_00
    assert min(running_balances(first._revenue, budget)) >= 0
    for instance in instances:
        assert instance.ledger.balance_of(budget) == usd(10_00 - billed)
    model = rebuilt_ledger(first._revenue)
    assert model.debits == model.credits
    assert model.totals[budget].debits == billed
    earned = sum(line.creator_share for b in batches for line in b.placements)
    assert earned == sum(
        model.totals[creator_payable(c, "USD")].credits for c in ("mia", "leo", "ana")
    )
    # Every batch is recorded, or refused because the budget is spent; the budget is used up.
    unexpected = [o for o in outcomes if not isinstance(o, ImpressionReceipt | BudgetSpent)]
    assert unexpected == [], f"refused for another reason than a spent budget: {unexpected!r}"
    assert billed == 10_00


def test_racing_payout_requests_pay_a_period_once(deployment: Deployment) -> None:
    first, second = deployment.start(), deployment.start()
    tops = three_creators_at_the_top_of_dance(first)
    dance = campaign(first, budget=100_00, cpm=10_00)
    first.pulse.record_impressions(
        OPS, batch_key="march", campaign_id=dance.id, placements=[(tops["mia"], 4_001)]
    )
    payable = creator_payable("mia", "USD")
    assert first.ledger.balance_of(payable) == usd(20_01)
    instances = [first, second]
    together = Barrier(PAYOUT_RACERS)

    def request(racer: int) -> tuple[str, PayoutView | Exception]:
        core = instances[racer % 2]
        # Half retry one request of Mia's app; the others are her other taps, and the
        # admin's run for the month.
        key = "tap-1" if racer < PAYOUT_RACERS // 2 else f"tap-{racer}"
        actor, creator = (OPS, "mia") if racer == PAYOUT_RACERS - 1 else (MIA, None)
        together.wait(timeout=60)
        try:
            return key, core.payouts.request(
                actor, period=MONTH, creator=creator, idempotency_key=key
            )
        except Exception as refused:  # judged below, after the money
            return key, refused

    with ThreadPoolExecutor(max_workers=PAYOUT_RACERS) as pool:
        outcomes = list(pool.map(request, range(PAYOUT_RACERS)))

    payout_id = Payout.id_for("mia", MONTH, "USD")
    requested = events_of(first._revenue, Payout.Requested.TOPIC)
    assert [(e.originator_id, e.amount) for e in requested] == [(payout_id, usd(20_01))]
    [winner] = requested
    entries = [
        e
        for e in events_of(first._revenue, JournalEntry.Recorded.TOPIC)
        if e.kind.startswith("payout")
    ]
    assert [e.cause for e in entries] == [f"payout:{payout_id}:requested"]
    assert min(running_balances(first._revenue, payable)) >= 0
    for instance in instances:
        assert instance.ledger.balance_of(payable) == usd(0)
        assert instance.ledger.balance_of(creator_in_transit("mia", "USD")) == usd(20_01)
    model = rebuilt_ledger(first._revenue)
    assert model.debits == model.credits
    # The winner is told it is paid; retries of its request get the same answer; every other
    # request is told the period is paid already.
    originals = [v for _, v in outcomes if isinstance(v, PayoutView) and not v.replayed]
    assert [v.id for v in originals] == [payout_id]
    for key, answer in outcomes:
        if isinstance(answer, PayoutView) and answer.replayed:
            assert key == winner.idempotency_key
            assert (answer.id, answer.amount) == (payout_id, usd(20_01))
    unexpected = [
        (key, answer)
        for key, answer in outcomes
        if not isinstance(answer, PayoutView)
        and not (isinstance(answer, PayoutExists) and key != winner.idempotency_key)
    ]
    assert unexpected == [], (
        f"answered otherwise than paid, replayed or PayoutExists: {unexpected!r}"
    )


# (d) Bounds ------------------------------------------------------------------------------------


def test_the_largest_amount_is_kept_exactly_by_every_store_and_a_larger_one_by_none(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    biggest = campaign(core, budget=MAX_AMOUNT, cpm=MAX_AMOUNT)
    logged_before = logged(core._revenue)

    for minor in (MAX_AMOUNT + 1, 2**63, 10**30):
        with pytest.raises(InvalidValue, match="at most"):
            campaign(core, budget=minor, cpm=100)
    assert logged(core._revenue) == logged_before

    fresh = deployment.fresh_start()
    code = campaign_budget(biggest.id, "USD")
    account = fresh.ledger.account(OPS, code)
    assert account.balance == usd(MAX_AMOUNT)
    assert [line.credit for line in account.postings] == [MAX_AMOUNT]
    assert fresh.ledger.balance_of(code) == usd(MAX_AMOUNT)
    assert fresh.pulse.campaign(OPS, biggest.id).budget == usd(MAX_AMOUNT)
    assert audit_log(fresh._revenue.recorder, fresh._revenue.mapper).holds
