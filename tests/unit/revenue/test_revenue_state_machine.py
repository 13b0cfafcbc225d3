"""The revenue program driven through its application services by random commands.

A hypothesis state machine registers creators (some outside the launched region), records
follower counts and strikes, takes Pulse applications and decisions, publishes videos and
reports their engagement, launches campaigns with small budgets, reports impression batches
(retried with the same key and the same content, and with a changed amount), and requests
and settles payouts (retried with the same key, asked for twice). Many commands are refused
on purpose; a refusal records nothing. The test keeps its own model of what must be payable,
in transit and left of each budget, and after every step checks:

- the journal balances: total debits equal total credits;
- no limited account (``LedgerAccount``) is below zero, and each one's balance equals the sum
  of its postings in the read model;
- each creator's credited earnings are exactly the creator shares of every recorded
  ``ImpressionBatch`` placement of theirs;
- each campaign's budget account never goes below zero, and its debits are the billed
  amounts of its batches;
- a ``LedgerReadModel`` rebuilt from nothing but the revenue log agrees with the live one;
- the ledger's balances are the model's.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import attrs
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotFound
from application.log_follower import LogFollower
from application.revenue.creators import CreatorExists
from application.revenue.ledger_read_model import IMPRESSIONS_BILLED, LedgerReadModel
from application.revenue.payouts import PayoutExists
from application.revenue.pulse import (
    BatchKeyReused,
    EnrolmentExists,
    ImpressionReceipt,
    NotInventory,
)
from domain.anchors.engagement import Engagement
from domain.errors import IdempotencyKeyReused, RuleViolated
from domain.money import Money
from domain.revenue.ledger import (
    JournalEntry,
    LedgerAccount,
    Limit,
    campaign_budget,
    creator_in_transit,
    creator_payable,
    limit_of,
    owner_of,
)
from domain.revenue.payouts import Payout, PayoutSettled, PayoutStatus
from domain.revenue.pulse import (
    MIN_FOLLOWERS,
    BudgetSpent,
    CampaignNotFlying,
    EnrolmentAlreadyDecided,
    EnrolmentStatus,
    ImpressionBatch,
    NotEligible,
)
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import FixedClock, SequentialIdentities

T = TypeVar("T")

OPS = Principal(Role.ADMIN, "ops")
ROSA = Principal(Role.REVIEWER, "rosa")
FIZZ = Principal(Role.BRAND, "fizz")
ACCOUNTS = ("ana", "bo", "cy", "di")
CATEGORIES = ("dance", "comedy")
SECRET = b"a-secret-only-the-revenue-machine-knows"

accounts = st.sampled_from(ACCOUNTS)
categories = st.sampled_from(CATEGORIES)


@attrs.define
class ModelCreator:
    region: str
    followers: int = 0
    strikes: list[UUID] = attrs.field(factory=list)

    @property
    def eligible(self) -> bool:
        return self.followers >= MIN_FOLLOWERS and self.region == "US" and not self.strikes


@attrs.define
class ModelCampaign:
    category: str
    budget: int
    cpm: int
    ends_at_hours: int  # after the machine's start
    billed: int = 0


@attrs.frozen
class ModelBatch:
    key: str
    campaign_id: UUID
    placements: tuple[tuple[UUID, int], ...]
    receipt: ImpressionReceipt


@attrs.define
class ModelPayout:
    creator: str
    period: str
    key: str
    amount: int
    status: PayoutStatus = PayoutStatus.IN_TRANSIT


class RevenueMachine(RuleBasedStateMachine):
    videos = Bundle("videos")
    campaigns = Bundle("campaigns")
    batches = Bundle("batches")
    payouts = Bundle("payouts")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock()
        self.started = self.clock.now()
        self.core = bootstrap(
            Settings(
                store=parse_store("memory://"), data_dir=Path(tempfile.gettempdir()), secret=SECRET
            ),
            clock=self.clock,
            identities=SequentialIdentities(),
            engines=(),
        )
        self.creators: dict[str, ModelCreator] = {}
        self.enrolments: dict[str, EnrolmentStatus] = {}
        self.video_creators: dict[UUID, tuple[str, str]] = {}  # video -> (creator, category)
        self.campaign_models: dict[UUID, ModelCampaign] = {}
        self.batch_models: dict[str, ModelBatch] = {}
        self.payout_models: dict[UUID, ModelPayout] = {}
        self.payable: dict[str, int] = defaultdict(int)
        self.in_transit: dict[str, int] = defaultdict(int)
        self.earned: dict[str, int] = defaultdict(int)
        self.keys = 0

    def teardown(self) -> None:
        self.core.close()

    # Helpers ------------------------------------------------------------------------------

    def logged(self) -> int:
        return self.core._revenue.recorder.max_notification_id() or 0

    def refused(self, doing: str, refusal: Exception, expected: type[Exception]) -> None:
        # Exactly the refusal the model expects: PayoutExists is a RuleViolated too, and
        # must not stand for "nothing payable" (nor the other way round).
        assert type(refusal) is expected, f"{doing}: {refusal!r}, expected {expected.__name__}"
        event(f"{doing} refused: {type(refusal).__name__}")

    def attempt(
        self, doing: str, command: Callable[[], T], expected: type[Exception] | None
    ) -> T | None:
        """Run a command; the model says whether it must be refused, and with what. A refusal
        records nothing in the revenue log."""
        before = self.logged()
        try:
            result = command()
        except Exception as refusal:
            if expected is None:
                raise
            self.refused(doing, refusal, expected)
            assert self.logged() == before, f"{doing} was refused but recorded something"
            return None
        assert expected is None, f"{doing} should have been refused with {expected.__name__}"
        event(f"{doing} applied")
        return result

    def fresh_key(self, prefix: str) -> str:
        self.keys += 1
        return f"{prefix}-{self.keys}"

    # A cast to start from ------------------------------------------------------------------

    @initialize(target=videos)
    def two_enrolled_creators_publish_in_each_category(self) -> Any:
        for account, region in (("ana", "US"), ("bo", "US"), ("cy", "CA")):
            self.core.creators.register(Principal(Role.CREATOR, account), region=region)
            self.core.creators.count_followers(OPS, account, 400_000)
            self.creators[account] = ModelCreator(region, followers=400_000)
        for account in ("ana", "bo"):
            self.core.pulse.apply(Principal(Role.CREATOR, account))
            self.core.pulse.decide(OPS, account, approve=True, reason="fits")
            self.enrolments[account] = EnrolmentStatus.APPROVED
        return multiple(
            *(
                self.publish_video(account, category)
                for account in ("ana", "bo", "cy")
                for category in CATEGORIES
            )
        )

    @initialize(target=campaigns)
    def a_campaign_in_each_category(self) -> Any:
        return multiple(*(self.launch_campaign(category, 2_000, 1_000) for category in CATEGORIES))

    # Creators and enrolment ---------------------------------------------------------------

    @rule(account=accounts, region=st.sampled_from(["US", "US", "CA"]))
    def register_creator(self, account: str, region: str) -> None:
        creator = Principal(Role.CREATOR, account)
        expected = CreatorExists if account in self.creators else None
        if self.attempt(
            "register", lambda: self.core.creators.register(creator, region=region), expected
        ):
            self.creators[account] = ModelCreator(region)

    @rule(
        account=accounts,
        followers=st.sampled_from([0, 50_000, MIN_FOLLOWERS - 1, MIN_FOLLOWERS, 400_000]),
    )
    def count_followers(self, account: str, followers: int) -> None:
        expected = None if account in self.creators else NotFound
        if self.attempt(
            "count followers",
            lambda: self.core.creators.count_followers(OPS, account, followers),
            expected,
        ):
            self.creators[account].followers = followers

    @rule(account=accounts)
    def a_reviewer_issues_or_lifts_a_strike(self, account: str) -> None:
        model = self.creators.get(account)
        if model is not None and model.strikes:
            strike_id = model.strikes[0]
            self.core.creators.lift_strike(OPS, account, strike_id, reason="appeal upheld")
            model.strikes.remove(strike_id)
            event("strike lifted")
            return
        expected = None if model is not None else NotFound
        view = self.attempt(
            "issue strike",
            lambda: self.core.creators.issue_strike(
                ROSA, account, reason="spam links", policy="cg/4.2"
            ),
            expected,
        )
        if view is not None:
            self.creators[account].strikes = [s.strike_id for s in view.strikes]

    @rule(account=accounts)
    def apply(self, account: str) -> None:
        model = self.creators.get(account)
        status = self.enrolments.get(account)
        expected: type[Exception] | None = None
        if model is None:
            expected = NotFound
        elif status is not None and status is not EnrolmentStatus.REJECTED:
            expected = EnrolmentExists
        elif not model.eligible:
            expected = NotEligible
        view = self.attempt(
            "apply", lambda: self.core.pulse.apply(Principal(Role.CREATOR, account)), expected
        )
        if view is not None:
            assert view.status is EnrolmentStatus.APPLIED
            self.enrolments[account] = EnrolmentStatus.APPLIED

    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data: st.DataObject, approve: bool) -> None:
        # Mostly on an application, now and then on no application at all.
        account = data.draw(st.sampled_from([*sorted(self.enrolments) * 3, *ACCOUNTS]))
        status = self.enrolments.get(account)
        expected: type[Exception] | None = None
        if status is None:
            expected = NotFound
        elif status is not EnrolmentStatus.APPLIED:
            expected = EnrolmentAlreadyDecided
        elif approve and not self.creators[account].eligible:
            expected = NotEligible
        view = self.attempt(
            "decide",
            lambda: self.core.pulse.decide(OPS, account, approve=approve, reason="reviewed"),
            expected,
        )
        if view is not None:
            self.enrolments[account] = view.status
            assert view.status is (
                EnrolmentStatus.APPROVED if approve else EnrolmentStatus.REJECTED
            )

    # Videos and engagement ----------------------------------------------------------------

    @rule(target=videos, account=accounts, category=categories)
    def publish_video(self, account: str, category: str) -> UUID:
        video = CatalogueDriver(self.core).publish_video(
            Principal(Role.CREATOR, account), caption="clip", hashtags=[], category=category
        )
        self.video_creators[video.id] = (account, category)
        return video.id

    @rule(
        video_id=videos,
        views=st.integers(1, 1_000),
        shares=st.integers(0, 20),
    )
    def engagement(self, video_id: UUID, views: int, shares: int) -> None:
        receipt = self.core.audience.record_engagement(
            OPS, self.fresh_key("engagement"), [(video_id, Engagement(views=views, shares=shares))]
        )
        assert not receipt.replayed

    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    # Campaigns and impressions ------------------------------------------------------------

    @rule(
        target=campaigns,
        category=categories,
        budget=st.sampled_from([1, 50, 500, 2_000, 10_000]),
        cpm=st.sampled_from([7, 333, 1_000, 2_500]),
    )
    def launch_campaign(self, category: str, budget: int, cpm: int) -> UUID:
        now = self.clock.now()
        ends_after = timedelta(days=10)
        view = self.core.pulse.launch_campaign(
            FIZZ,
            name="Fizz",
            category=category,
            budget=Money(budget, "USD"),
            cpm=Money(cpm, "USD"),
            starts_at=now - timedelta(hours=1),
            ends_at=now + ends_after,
        )
        assert view.remaining == Money(budget, "USD")
        hours = int((now + ends_after - self.started) / timedelta(hours=1))
        self.campaign_models[view.id] = ModelCampaign(category, budget, cpm, ends_at_hours=hours)
        return view.id

    @rule(target=batches, campaign_id=campaigns, data=st.data())
    def the_ad_server_reports_impressions_beside_inventory(
        self, campaign_id: UUID, data: st.DataObject
    ) -> Any:
        category = self.campaign_models[campaign_id].category
        inventory = [s.video_id for s in self.core.pulse.inventory(category)]
        return self.record_impressions(campaign_id, data, inventory)

    @rule(target=batches, campaign_id=campaigns, data=st.data())
    def the_ad_server_reports_impressions_beside_any_video(
        self, campaign_id: UUID, data: st.DataObject
    ) -> Any:
        return self.record_impressions(campaign_id, data, sorted(self.video_creators))

    def record_impressions(
        self, campaign_id: UUID, data: st.DataObject, candidates: list[UUID]
    ) -> Any:
        campaign = self.campaign_models[campaign_id]
        if not candidates:
            return multiple()
        placements = data.draw(
            st.lists(
                st.tuples(st.sampled_from(candidates), st.integers(1, 5_000)),
                min_size=1,
                max_size=3,
            ),
            label="placements",
        )
        expected: type[Exception] | None = None
        hours_flown = (self.clock.now() - self.started) / timedelta(hours=1)
        if any(
            self.video_creators[v][1] != campaign.category
            or not self.core.pulse.standing(v).is_inventory
            for v, _ in placements
        ):
            expected = NotInventory
        elif hours_flown >= campaign.ends_at_hours:
            expected = CampaignNotFlying
        elif campaign.billed == campaign.budget:
            expected = BudgetSpent
        key = self.fresh_key("batch")
        receipt = self.attempt(
            "record impressions",
            lambda: self.core.pulse.record_impressions(
                OPS, batch_key=key, campaign_id=campaign_id, placements=placements
            ),
            expected,
        )
        if receipt is None:
            return multiple()
        left = campaign.budget - campaign.billed
        assert not receipt.replayed
        assert 0 <= receipt.billed.minor <= left
        assert receipt.billed_impressions + receipt.unbilled_impressions == sum(
            n for _, n in placements
        )
        batch = self.core._revenue.load(ImpressionBatch, receipt.batch_id)
        for line in batch.placements:
            self.payable[line.creator] += line.creator_share
            self.earned[line.creator] += line.creator_share
        campaign.billed += receipt.billed.minor
        self.batch_models[key] = ModelBatch(key, campaign_id, tuple(placements), receipt)
        return key

    @rule(key=batches, change=st.booleans(), line=st.integers(0, 2), more=st.integers(1, 100))
    def the_ad_server_retries_a_batch(self, key: str, change: bool, line: int, more: int) -> None:
        """The same key and content: the first answer again. A changed amount: refused."""
        batch = self.batch_models[key]
        if not change:
            before = self.logged()
            again = self.core.pulse.record_impressions(
                OPS, batch_key=key, campaign_id=batch.campaign_id, placements=list(batch.placements)
            )
            assert again == attrs.evolve(batch.receipt, replayed=True)
            assert self.logged() == before
            event("batch retried: replayed")
            return
        changed = list(batch.placements)
        index = line % len(changed)
        changed[index] = (changed[index][0], changed[index][1] + more)
        self.attempt(
            "changed retry",
            lambda: self.core.pulse.record_impressions(
                OPS, batch_key=key, campaign_id=batch.campaign_id, placements=changed
            ),
            BatchKeyReused,
        )

    # Payouts ------------------------------------------------------------------------------

    @rule(
        target=payouts,
        data=st.data(),
        period=st.sampled_from(["2025-03", "2025-04"]),
        key=st.sampled_from(["tap-1", "tap-2", ""]),
    )
    def request_payout(self, data: st.DataObject, period: str, key: str) -> Any:
        # Mostly a creator with something payable or a payout already, now and then anyone.
        paid = {model.creator for model in self.payout_models.values()}
        earning = sorted(paid | {c for c, minor in self.payable.items() if minor})
        account = data.draw(st.sampled_from([*earning * 3, *ACCOUNTS]), label="creator")
        payout_id = Payout.id_for(account, period, "USD")
        existing = self.payout_models.get(payout_id)
        replay = existing is not None and bool(key) and existing.key == key
        expected: type[Exception] | None = None
        # A key names one payout of its creator: the same key for another period is refused.
        key_reused = key and any(
            (model.creator, model.key) == (account, key) and other != payout_id
            for other, model in self.payout_models.items()
        )
        if key_reused:
            expected = IdempotencyKeyReused
        elif existing is not None and not replay:
            expected = PayoutExists
        elif existing is None and self.payable[account] == 0:
            expected = RuleViolated
        before = self.logged()
        view = self.attempt(
            "request payout",
            lambda: self.core.payouts.request(
                Principal(Role.CREATOR, account), period=period, idempotency_key=key
            ),
            expected,
        )
        if view is None:
            return multiple()
        if existing is not None:
            event("payout request replayed")
            assert view.replayed
            assert (view.id, view.amount.minor, view.status) == (
                payout_id,
                existing.amount,
                existing.status,
            )
            assert self.logged() == before
            return multiple()
        assert not view.replayed
        assert (view.id, view.amount.minor) == (payout_id, self.payable[account])
        self.payout_models[payout_id] = ModelPayout(account, period, key, view.amount.minor)
        self.in_transit[account] += self.payable[account]
        self.payable[account] = 0
        return payout_id

    @rule(payout_id=payouts, sent=st.booleans())
    def settle_payout(self, payout_id: UUID, sent: bool) -> None:
        model = self.payout_models[payout_id]
        expected = None if model.status is PayoutStatus.IN_TRANSIT else PayoutSettled
        view = self.attempt(
            "settle payout",
            lambda: self.core.payouts.settle(
                OPS, payout_id, sent=sent, reference="WIRE-1", reason="account closed"
            ),
            expected,
        )
        if view is None:
            return
        model.status = PayoutStatus.SENT if sent else PayoutStatus.RETURNED
        event(f"payout {model.status.value}")
        assert view.status is model.status
        self.in_transit[model.creator] -= model.amount
        if not sent:
            self.payable[model.creator] += model.amount

    # Invariants ---------------------------------------------------------------------------

    def recorded_batches(self) -> list[Any]:
        revenue = self.core._revenue
        notifications = revenue.recorder.select_notifications(
            start=None, limit=1_000_000, topics=(ImpressionBatch.Recorded.TOPIC,)
        )
        return [revenue.mapper.to_domain_event(n) for n in notifications]

    @invariant()
    def the_journal_balances(self) -> None:
        model = self.core.ledger.reading()
        assert model.debits == model.credits
        for code, totals in model.totals.items():
            lines = list(model.every_line(code))
            assert (totals.debits, totals.credits) == (
                sum(line.debit for line in lines),
                sum(line.credit for line in lines),
            )

    @invariant()
    def limited_accounts_hold_what_their_postings_say_and_never_less_than_nothing(self) -> None:
        model = self.core.ledger.reading()
        for code in model.accounts():
            if limit_of(code) is Limit.NONE:
                continue
            account = self.core._revenue.load(LedgerAccount, LedgerAccount.id_for(code))
            lines = list(model.every_line(code))
            assert account.balance.minor >= 0, code
            assert account.balance.minor == sum(line.credit - line.debit for line in lines), code
            assert self.core.ledger.balance_of(code) == account.balance

    @invariant()
    def creators_earn_exactly_their_shares_of_the_recorded_batches(self) -> None:
        shares: dict[str, int] = defaultdict(int)
        for recorded in self.recorded_batches():
            for line in recorded.placements:
                shares[line.creator] += line.creator_share
        model = self.core.ledger.reading()
        credited: dict[str, int] = defaultdict(int)
        for code in model.accounts():
            creator = owner_of(code)
            if creator is None or code != creator_payable(creator, "USD"):
                continue
            credited[creator] = sum(
                line.credit
                for line in model.every_line(code)
                if line.kind == IMPRESSIONS_BILLED and line.credit > 0
            )
        assert {c: v for c, v in credited.items() if v} == {c: v for c, v in shares.items() if v}
        assert {c: v for c, v in self.earned.items() if v} == {c: v for c, v in shares.items() if v}

    @invariant()
    def campaign_budgets_pay_for_exactly_what_was_billed(self) -> None:
        billed: dict[UUID, int] = defaultdict(int)
        for recorded in self.recorded_batches():
            billed[recorded.campaign_id] += sum(line.amount for line in recorded.placements)
        model = self.core.ledger.reading()
        for campaign_id, campaign in self.campaign_models.items():
            code = campaign_budget(campaign_id, "USD")
            totals = model.totals.get(code)
            assert totals is not None, code
            assert totals.credits == campaign.budget
            assert totals.debits == billed[campaign_id] == campaign.billed
            assert totals.credits - totals.debits >= 0
            assert self.core.ledger.balance_of(code) == Money(
                campaign.budget - campaign.billed, "USD"
            )

    @invariant()
    def a_read_model_rebuilt_from_the_log_agrees(self) -> None:
        live = self.core.ledger.reading()
        rebuilt = LedgerReadModel()
        LogFollower(self.core._revenue, rebuilt.handlers).catch_up()
        assert {c: (t.debits, t.credits) for c, t in rebuilt.totals.items()} == {
            c: (t.debits, t.credits) for c, t in live.totals.items()
        }
        assert (rebuilt.debits, rebuilt.credits, rebuilt.entries) == (
            live.debits,
            live.credits,
            live.entries,
        )
        entries = self.core._revenue.recorder.select_notifications(
            start=None, limit=1_000_000, topics=(JournalEntry.Recorded.TOPIC,)
        )
        assert len(entries) == live.entries

    @invariant()
    def the_ledger_holds_what_the_model_says(self) -> None:
        for account in ACCOUNTS:
            assert self.core.ledger.balance_of(creator_payable(account, "USD")) == Money(
                self.payable[account], "USD"
            ), account
            assert self.core.ledger.balance_of(creator_in_transit(account, "USD")) == Money(
                self.in_transit[account], "USD"
            ), account


RevenueMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # No "explain" phase: on a failure it replays the machine many times for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
TestTheRevenueProgramThroughItsServicesAgreesWithItsModel = RevenueMachine.TestCase
