"""Pulse: enrolment on recorded facts, brand campaigns, and impression batches that bill a
campaign's budget and credit half of each placement to the video's creator.

A batch is one transaction: the batch, its journal entry, the campaign's budget account and
every creator's payable account are saved together, or nothing is. A retried batch (same
reporter, same key) answers as the first delivery did; the same key with other content is
refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from application.auth import Principal, Role, acting_for, require_role
from application.errors import ApplicationError, NotFound, StaleVersion
from application.logs import CatalogueLog, RevenueLog
from application.paging import KeysetCursors, Page, int_at, limited
from application.ports import Clock, IdentityProvider
from application.projections import Persisted, ProjectionRunner
from application.read_models import ReadModel
from application.revenue.ledgers import Ledger
from application.revenue.pulse_delivery import NAME as DELIVERY
from application.revenue.pulse_delivery import DeliveryProjection, DeliveryReport, report_of
from application.revenue.pulse_inventory import (
    NAME,
    InventoryProjection,
    Standing,
    inventory_size,
)
from domain.categories import CATEGORIES
from domain.errors import InvalidValue, RuleViolated
from domain.identifiers import checked_account
from domain.money import Money
from domain.revenue.creators import Creator
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    PLATFORM_REVENUE,
    JournalEntry,
    Posting,
    campaign_budget,
    creator_payable,
    credit,
    debit,
    platform,
)
from domain.revenue.pulse import (
    BrandSafety,
    EnrolmentStatus,
    Excluded,
    Exclusions,
    ImpressionBatch,
    Placement,
    PulseCampaign,
    PulseEnrolment,
)

IMPRESSIONS_BILLED = "impressions-billed"
CAMPAIGN_FUNDED = "campaign-funded"
ATTEMPTS = 5
#: How many more of a category's leaders a campaign's inventory looks at than it answers, so
#: that excluded videos among them do not shorten the answer.
MAX_EXCLUDED_SLACK = 400


class NotInventory(RuleViolated):
    """A placement names a video that is not Pulse inventory of the campaign's category."""


class BatchKeyReused(RuleViolated):
    """The batch key was used before for another batch; a retry must repeat it exactly."""


class EnrolmentExists(ApplicationError):
    """The creator has applied already; a rejected application is re-submitted instead."""


@attrs.frozen
class EnrolmentView:
    creator: str
    status: EnrolmentStatus
    decision_reason: str
    version: int

    @classmethod
    def of(cls, enrolment: PulseEnrolment) -> EnrolmentView:
        return cls(
            creator=enrolment.creator,
            status=enrolment.status,
            decision_reason=enrolment.decision_reason,
            version=enrolment.version,
        )


#: The categories' pages: the place of a page's last category in ``CATEGORIES``.
CATEGORY_PAGES = KeysetCursors("Pulse categories", int)


@attrs.frozen
class PulseCategory:
    order: int  # its place in ``CATEGORIES``
    category: str
    ranked_videos: int  # the videos it ranks now (none protected)
    inventory_slots: int  # its top ranks that are inventory: ceil(4 % of ranked_videos)


@attrs.frozen
class CampaignView:
    id: UUID
    brand: str
    name: str
    category: str
    budget: Money
    cpm: Money
    starts_at: datetime
    ends_at: datetime
    remaining: Money

    @property
    def budget_account(self) -> str:
        return campaign_budget(self.id, self.budget.currency)


@attrs.frozen
class ExclusionsView:
    brand: str
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    creators: tuple[str, ...]
    set_by: str
    set_at: datetime | None
    version: int  # 0: never set

    @classmethod
    def of(cls, brand: str, safety: BrandSafety | None) -> ExclusionsView:
        exclusions = Exclusions() if safety is None else safety.exclusions
        return cls(
            brand=brand,
            categories=exclusions.categories,
            keywords=exclusions.keywords,
            creators=exclusions.creators,
            set_by="" if safety is None else safety.set_by,
            set_at=None if safety is None else safety.set_at,
            version=0 if safety is None else safety.version,
        )


@attrs.frozen
class ImpressionReceipt:
    batch_id: UUID
    campaign_id: UUID
    billed: Money
    billed_impressions: int
    unbilled_impressions: int
    creators_credited: Money
    replayed: bool


class Pulse:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        catalogue: CatalogueLog,
        ledger: Ledger,
        clock: Clock,
        identities: IdentityProvider,
        runner: ProjectionRunner,
        projection: InventoryProjection,
        delivery: DeliveryProjection,
        launched_regions: Iterable[str] = ("US",),
    ) -> None:
        self._revenue = revenue
        #: Tells creators of decisions on their applications (none: nobody is told).
        self._catalogue = catalogue
        self.ledger = ledger
        self.clock = clock
        self.identities = identities
        self.launched_regions = tuple(launched_regions)
        self.runner = runner
        self.projection = projection
        self.delivery = delivery

    def catch_up(self) -> int:
        """Brings Pulse's read models up to the end of their logs; answers how many events
        were applied (``ProjectionFailed`` if one cannot be)."""
        return self.runner.catch_up(NAME) + self.runner.catch_up(DELIVERY)

    def read_models(self) -> tuple[ReadModel, ...]:
        """Pulse's read models (the inventory, the delivery), for the projection runner and
        the auditor's replay."""
        return (Persisted(self.runner, self.projection), Persisted(self.runner, self.delivery))

    def inventory(self, category: str, *, limit: int = 100) -> list[Standing]:
        """The category's inventory now, best first."""
        return self.projection.inventory(self.runner.fresh(NAME), category, limit=limit)

    def categories(self, *, limit: int = 50, cursor: str | None = None) -> Page[PulseCategory]:
        """The 12 content categories Pulse ranks videos in (anyone), in their fixed order,
        each with how many videos it ranks now and how many of its top ranks are inventory."""
        key = CATEGORY_PAGES.decode(cursor)
        size = limited(limit)
        start = 0 if key is None else int_at(key, 0) + 1
        sizes = self.projection.tables.category_sizes(self.runner.fresh(NAME))
        rows = [
            PulseCategory(
                order=order,
                category=category,
                ranked_videos=sizes.get(category, 0),
                inventory_slots=inventory_size(sizes.get(category, 0)),
            )
            for order, category in enumerate(CATEGORIES)
        ][start : start + size + 1]
        return CATEGORY_PAGES.page(rows, size, lambda row: (row.order,))

    # Enrolment --------------------------------------------------------------------------

    def apply(self, actor: Principal, *, creator: str | None = None) -> EnrolmentView:
        """A creator applies to Pulse (an admin names the creator), or reapplies after a rejection.
        Refuses an unregistered creator (``NotFound``), one who is not eligible (``NotEligible``),
        and one whose application is open or approved (``EnrolmentExists``)."""
        account = acting_for(actor, creator, Role.CREATOR, doing="apply to Pulse")
        facts = self._creator(account)
        existing = self._revenue.find(PulseEnrolment, PulseEnrolment.id_for(account))
        if existing is None:
            enrolment = PulseEnrolment.apply(
                facts, launched_regions=self.launched_regions, at=self.clock.now()
            )
        else:
            if existing.status is not EnrolmentStatus.REJECTED:
                raise EnrolmentExists(f"{account} has applied already ({existing.status.value})")
            enrolment = existing
            enrolment.reapply(facts, launched_regions=self.launched_regions, at=self.clock.now())
        self._revenue.commit(enrolment)
        return EnrolmentView.of(enrolment)

    def decide(
        self, actor: Principal, creator: str, *, approve: bool, reason: str
    ) -> EnrolmentView:
        """An admin approves (if the creator is still eligible: ``NotEligible``) or rejects a Pulse
        application with a reason, and the creator is told. A decided one is
        ``EnrolmentAlreadyDecided``."""
        require_role(actor, Role.ADMIN, doing="decide on a Pulse application")
        enrolment = self._revenue.load(PulseEnrolment, PulseEnrolment.id_for(creator))
        if approve:
            enrolment.approve(
                self._creator(creator),
                launched_regions=self.launched_regions,
                by=actor.label,
                reason=reason,
                at=self.clock.now(),
            )
        else:
            enrolment.reject(by=actor.label, reason=reason, at=self.clock.now())
        self._revenue.commit(enrolment)
        return EnrolmentView.of(enrolment)

    def enrolment(self, actor: Principal, creator: str) -> EnrolmentView:
        """A creator's Pulse enrolment, for the creator themself, an admin or an auditor (another
        creator is ``NotPermitted``)."""
        if actor.role not in (Role.ADMIN, Role.AUDITOR):
            acting_for(actor, creator, Role.CREATOR, doing="read a Pulse enrolment")
        return EnrolmentView.of(self._revenue.load(PulseEnrolment, PulseEnrolment.id_for(creator)))

    # Campaigns ---------------------------------------------------------------------------

    def launch_campaign(
        self,
        actor: Principal,
        *,
        name: str,
        category: str,
        budget: Money,
        cpm: Money,
        starts_at: datetime,
        ends_at: datetime,
        brand: str | None = None,
    ) -> CampaignView:
        """A prepaid campaign: its budget is received from the brand and held for it."""
        owner = acting_for(actor, brand, Role.BRAND, doing="launch a Pulse campaign")
        if category.strip().lower() in self._exclusions(owner).categories:
            raise Excluded(f"{owner} excludes the category {category.strip().lower()}")
        now = self.clock.now()
        campaign = PulseCampaign.launch(
            self.identities.new_id(),
            brand=owner,
            name=name,
            category=category,
            budget=budget,
            cpm=cpm,
            starts_at=starts_at,
            ends_at=ends_at,
            at=now,
        )
        funding = JournalEntry.record(
            cause=f"pulse-campaign:{campaign.id}",
            kind=CAMPAIGN_FUNDED,
            postings=[
                debit(platform(PLATFORM_BRAND_FUNDS, budget.currency), budget),
                credit(campaign_budget(campaign.id, budget.currency), budget),
            ],
            at=now,
        )
        self._revenue.commit(campaign, funding, *self.ledger.accounts_for(funding))
        return self._campaign_view(campaign)

    def campaign(self, actor: Principal, campaign_id: UUID) -> CampaignView:
        """A Pulse campaign, for its brand, an admin or an auditor (another brand is
        ``NotPermitted``)."""
        campaign = self._revenue.load(PulseCampaign, campaign_id)
        if actor.role not in (Role.ADMIN, Role.AUDITOR):
            acting_for(actor, campaign.brand, Role.BRAND, doing="read a campaign")
        return self._campaign_view(campaign)

    def _campaign_view(self, campaign: PulseCampaign) -> CampaignView:
        return CampaignView(
            id=campaign.id,
            brand=campaign.brand,
            name=campaign.name,
            category=campaign.category,
            budget=campaign.budget,
            cpm=campaign.cpm,
            starts_at=campaign.starts_at,
            ends_at=campaign.ends_at,
            remaining=self.ledger.balance_of(campaign_budget(campaign.id, campaign.cpm.currency)),
        )

    def delivery_report(
        self,
        actor: Principal,
        campaign_id: UUID,
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> DeliveryReport:
        """What a Pulse campaign delivered over the days from ``since`` to ``until`` (UTC,
        both included; none: since launch, until now), per video and per category:
        impressions, billed impressions, clicks, click-through (basis points) and spend, for
        its brand, an admin or an auditor. A range ending before it starts is
        ``InvalidValue``; an unknown campaign ``NotFound``."""
        if since is not None and until is not None and until < since:
            raise InvalidValue("a report's range ends on or after the day it starts")
        generation = self.runner.fresh(DELIVERY)
        facts = self.delivery.tables.campaign(generation, campaign_id)
        if facts is None:
            raise NotFound("Pulse campaign", campaign_id)
        if actor.role not in (Role.ADMIN, Role.AUDITOR):
            acting_for(actor, facts.brand, Role.BRAND, doing="read a campaign's delivery")
        videos = self.delivery.tables.by_video(generation, campaign_id, since, until)
        return report_of(facts, videos, since, until)

    # Brand safety ------------------------------------------------------------------------

    def set_exclusions(
        self,
        actor: Principal,
        *,
        categories: Iterable[str],
        keywords: Iterable[str],
        creators: Iterable[str],
        brand: str | None = None,
    ) -> ExclusionsView:
        """A brand (an admin names the brand) sets the safety exclusions every one of its Pulse
        campaigns is placed by, replacing the previous ones: categories, keywords matched in a
        video's caption and hashtags, and creators. A bad category, keyword or account is
        ``InvalidValue`` and nothing is recorded."""
        owner = acting_for(actor, brand, Role.BRAND, doing="set brand-safety exclusions")
        exclusions = Exclusions.checked(categories=categories, keywords=keywords, creators=creators)
        safety = self._revenue.find(BrandSafety, BrandSafety.id_for(owner))
        if safety is None:
            safety = BrandSafety.start(owner)
        safety.set(exclusions, by=actor.label, at=self.clock.now())
        self._revenue.commit(safety)
        return ExclusionsView.of(owner, safety)

    def exclusions(self, actor: Principal, brand: str | None = None) -> ExclusionsView:
        """A brand's safety exclusions (none until set), for the brand, an admin or an
        auditor."""
        if actor.role is Role.AUDITOR:
            owner = checked_account(brand or "", "the brand an auditor reads")
        else:
            owner = acting_for(actor, brand, Role.BRAND, doing="read brand-safety exclusions")
        return ExclusionsView.of(owner, self._revenue.find(BrandSafety, BrandSafety.id_for(owner)))

    def _exclusions(self, brand: str) -> Exclusions:
        safety = self._revenue.find(BrandSafety, BrandSafety.id_for(brand))
        return Exclusions() if safety is None else safety.exclusions

    def campaign_inventory(
        self, actor: Principal, campaign_id: UUID, *, limit: int = 100
    ) -> list[Standing]:
        """The videos a campaign's ads may be placed beside now, best first: its category's
        inventory less what its brand excludes (the brand, admins, auditors)."""
        campaign = self._revenue.load(PulseCampaign, campaign_id)
        if actor.role not in (Role.ADMIN, Role.AUDITOR):
            acting_for(actor, campaign.brand, Role.BRAND, doing="read a campaign's inventory")
        exclusions = self._exclusions(campaign.brand)
        size = limited(limit)
        return [
            standing
            for standing in self.inventory(campaign.category, limit=size + MAX_EXCLUDED_SLACK)
            if not _excluded_by(exclusions, standing)
        ][:size]

    # Impressions -------------------------------------------------------------------------

    def record_impressions(
        self,
        actor: Principal,
        *,
        batch_key: str,
        campaign_id: UUID,
        placements: Sequence[tuple[UUID, int] | tuple[UUID, int, int]],
    ) -> ImpressionReceipt:
        """Impressions reported by the ad server (a platform service with an admin token):
        per placement a video, its impressions and, optionally, the clicks on the ad among
        them."""
        require_role(actor, Role.ADMIN, doing="report ad impressions")
        batch_id = ImpressionBatch.id_for(actor.label, batch_key)
        for attempt in range(ATTEMPTS):
            previous = self._revenue.find(ImpressionBatch, batch_id)
            if previous is not None:
                return self._replay(previous, campaign_id, placements, batch_key)
            try:
                return self._bill(actor, batch_key, campaign_id, placements)
            except StaleVersion:
                if attempt == ATTEMPTS - 1:
                    raise
                # Another batch touched the same accounts first (or this one was delivered
                # twice at once): look again with what is recorded now.
        raise AssertionError("unreachable")  # pragma: no cover

    def _bill(
        self,
        actor: Principal,
        batch_key: str,
        campaign_id: UUID,
        placements: Sequence[tuple[UUID, int] | tuple[UUID, int, int]],
    ) -> ImpressionReceipt:
        campaign = self._revenue.load(PulseCampaign, campaign_id)
        now = self.clock.now()
        # Once per batch: every placement reads the inventory and the exclusions as of now.
        generation = self.runner.fresh(NAME)
        exclusions = self._exclusions(campaign.brand)
        placed = [
            self._placement(campaign, exclusions, generation, *placement)
            for placement in placements
        ]
        budget_code = campaign_budget(campaign.id, campaign.cpm.currency)
        # Priced on this very aggregate and posted to it: a batch saved meanwhile makes this
        # save fail with a version conflict, and the batch is priced again.
        budget = self.ledger.account_aggregate(budget_code, at=now)
        batch = ImpressionBatch.record(
            reporter=actor.label,
            batch_key=batch_key,
            campaign=campaign,
            placements=placed,
            remaining=budget.balance,
            at=now,
        )
        to_save: list[Aggregate] = [batch]
        if batch.billed.is_positive:
            entry = self._billing_entry(batch, budget_code, now)
            to_save += [entry, *self.ledger.accounts_for(entry, known={budget_code: budget})]
        self._revenue.commit(*to_save)
        return _receipt(batch, replayed=False)

    def _placement(
        self,
        campaign: PulseCampaign,
        exclusions: Exclusions,
        generation: int,
        video_id: UUID,
        impressions: int,
        clicks: int = 0,
    ) -> Placement:
        standing = self.projection.standing(generation, video_id)
        if standing is None:
            raise NotFound("video", video_id)
        if standing.category != campaign.category:
            raise NotInventory(
                f"video {video_id} is in {standing.category}; the campaign runs in "
                f"{campaign.category}"
            )
        if not standing.is_inventory:
            raise NotInventory(f"video {video_id} is not Pulse inventory: {standing.why_not}")
        why = _excluded_by(exclusions, standing)
        if why:
            raise Excluded(f"video {video_id} gets no ad of {campaign.brand}: {why}")
        return Placement(
            video_id=video_id,
            creator=standing.creator,
            impressions=impressions,
            rank=standing.rank,
            category_size=standing.category_size,
            clicks=clicks,
        )

    def standing(self, video_id: UUID) -> Standing:
        """A video's standing in Pulse (its score and rank in its category), as the read model
        holds it; a video it does not hold is ``NotFound``."""
        found = self.projection.standing(self.runner.fresh(NAME), video_id)
        if found is None:
            raise NotFound("video", video_id)
        return found

    def _billing_entry(
        self, batch: ImpressionBatch, budget_code: str, at: datetime
    ) -> JournalEntry:
        currency = batch.currency
        postings: list[Posting] = [debit(budget_code, batch.billed)]
        platform_share = 0
        for placement in batch.placements:
            if placement.creator_share:
                postings.append(
                    credit(
                        creator_payable(placement.creator, currency),
                        Money(placement.creator_share, currency),
                        reference=f"video:{placement.video_id}",
                    )
                )
            platform_share += placement.platform_share
        if platform_share:
            postings.append(
                credit(platform(PLATFORM_REVENUE, currency), Money(platform_share, currency))
            )
        return JournalEntry.record(
            cause=f"impression-batch:{batch.id}", kind=IMPRESSIONS_BILLED, postings=postings, at=at
        )

    def _replay(
        self,
        previous: ImpressionBatch,
        campaign_id: UUID,
        placements: Sequence[tuple[UUID, int] | tuple[UUID, int, int]],
        batch_key: str,
    ) -> ImpressionReceipt:
        wanted = [
            Placement(
                video_id=p[0],
                creator="",
                impressions=p[1],
                rank=0,
                category_size=0,
                clicks=p[2] if len(p) > 2 else 0,
            )
            for p in placements
        ]
        if not previous.same_report(campaign_id, wanted):
            raise BatchKeyReused(f"batch {batch_key!r} was recorded with other content")
        return _receipt(previous, replayed=True)

    def _creator(self, account: str) -> Creator:
        creator = self._catalogue.find(Creator, Creator.id_for(account))
        if creator is None:
            raise NotFound("creator", account)
        return creator


def _excluded_by(exclusions: Exclusions, standing: Standing) -> str:
    return exclusions.reason(
        category=standing.category,
        creator=standing.creator,
        caption=standing.caption,
        hashtags=standing.hashtags,
    )


def _receipt(batch: ImpressionBatch, *, replayed: bool) -> ImpressionReceipt:
    return ImpressionReceipt(
        batch_id=batch.id,
        campaign_id=batch.campaign_id,
        billed=batch.billed,
        billed_impressions=sum(p.billed_impressions for p in batch.placements),
        unbilled_impressions=batch.unbilled_impressions,
        creators_credited=Money(sum(p.creator_share for p in batch.placements), batch.currency),
        replayed=replayed,
    )
