"""Pulse: creators enrol, brands run campaigns beside the most engaging videos, and each
batch of ad impressions is priced and shared with the video's creator.

Eligibility is decided on recorded facts only (``domain.revenue.creators.Creator``): at least
100,000 followers by the latest recorded count, a home region where Pulse is launched, and no
active moderation strike. A creator whose count later falls below the threshold keeps what
was earned and can be paid it; their videos are simply not inventory while the latest count
is below 100,000, and are again once a count of 100,000 or more is recorded. The enrolment
itself stays approved.

Pricing, per line of a batch: the amount is ``impressions x CPM / 1000`` rounded down to the
minor unit (the fraction of a minor unit is never billed: in the brand's favour); lines are
billed in the order reported while the campaign's budget lasts; the impressions that no
longer fit are recorded as unbilled. "Fit" means their rounded-down price stays within
what is left, so the last few impressions of a budget may be delivered for a rounded-away
fraction of a minor unit: they count as billed (at that price), not as unbilled. The amount
of a line is split in half by ``domain.money.split_in_half``: the creator receives the odd
minor unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.bounds import checked_quantity
from domain.categories import checked_category
from domain.errors import InvalidValue, RuleViolated
from domain.hashtags import hashtag_of_phrase
from domain.identifiers import checked_account
from domain.money import CurrencyMismatch, Money, split_in_half
from domain.revenue.creators import Creator
from domain.text import checked_free_text, checked_line
from domain.time import checked_instant

MIN_FOLLOWERS = 100_000
INVENTORY_SHARE = (4, 100)  # the top 4% of a category
MAX_LINES = 10_000
MAX_REASON = 1_000
MAX_NAME = 200
_BATCHES = uuid5(NAMESPACE_URL, "urn:spotlight:impression-batch")
_ENROLMENTS = uuid5(NAMESPACE_URL, "urn:spotlight:pulse-enrolment")
_SAFETY = uuid5(NAMESPACE_URL, "urn:spotlight:brand-safety")
MAX_EXCLUSIONS = 200  # of each kind
MAX_KEYWORD = 50
_WORD = re.compile(r"[^\W_]+")


class NotEligible(RuleViolated):
    """The recorded facts do not meet Pulse's conditions; the message lists which."""


class EnrolmentAlreadyDecided(RuleViolated):
    """The application was already approved or rejected."""


class CampaignNotFlying(RuleViolated):
    """The impressions fall outside the campaign's flight dates."""


class BudgetSpent(RuleViolated):
    """The campaign's budget is used up: nothing more can be billed."""


class Excluded(RuleViolated):
    """The brand's safety exclusions rule the video (or the campaign's category) out."""


def eligibility_problems(creator: Creator, launched_regions: Iterable[str]) -> list[str]:
    problems = []
    if creator.followers < MIN_FOLLOWERS:
        problems.append(
            f"the latest recorded follower count is {creator.followers:,}, below {MIN_FOLLOWERS:,}"
        )
    launched = sorted(set(launched_regions))
    if creator.region not in launched:
        problems.append(
            f"Pulse is not launched in {creator.region} (launched: {', '.join(launched)})"
        )
    if creator.has_active_strike:
        problems.append("the creator has an active moderation strike")
    return problems


def _reason(text: str, what: str) -> str:
    stripped = checked_free_text(text, what).strip()
    if not stripped or len(stripped) > MAX_REASON:
        raise InvalidValue(f"{what} has 1 to {MAX_REASON} characters")
    return stripped


class EnrolmentStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"


class PulseEnrolment(DomainAggregate):
    TOPIC = "spotlight.pulse:PulseEnrolment"

    class Applied(Aggregate.Created):
        TOPIC = "spotlight.pulse:PulseApplied"
        creator: str
        region: str
        followers: int
        applied_at: datetime

    class Reapplied(Aggregate.Event):
        TOPIC = "spotlight.pulse:PulseReapplied"
        followers: int
        reapplied_at: datetime

    class Approved(Aggregate.Event):
        TOPIC = "spotlight.pulse:PulseApproved"
        approved_by: str
        reason: str
        approved_at: datetime

    class Rejected(Aggregate.Event):
        TOPIC = "spotlight.pulse:PulseRejected"
        rejected_by: str
        reason: str
        rejected_at: datetime

    @staticmethod
    def id_for(creator: str) -> UUID:
        return uuid5(_ENROLMENTS, creator)

    @classmethod
    def apply(
        cls, creator: Creator, *, launched_regions: Iterable[str], at: datetime
    ) -> PulseEnrolment:
        _require_eligible(creator, launched_regions)
        return cls(
            id=cls.id_for(creator.account),
            creator=creator.account,
            region=creator.region,
            followers=creator.followers,
            applied_at=checked_instant(at),
        )

    @event(Applied)
    def __init__(
        self, id: UUID, creator: str, region: str, followers: int, applied_at: datetime
    ) -> None:
        self.creator = creator
        self.region = region
        self.status = EnrolmentStatus.APPLIED
        self.decision_reason = ""

    @property
    def is_approved(self) -> bool:
        return self.status is EnrolmentStatus.APPROVED

    def reapply(self, creator: Creator, *, launched_regions: Iterable[str], at: datetime) -> None:
        if self.status is not EnrolmentStatus.REJECTED:
            raise EnrolmentAlreadyDecided(
                f"the enrolment is {self.status.value}; it cannot reapply"
            )
        _require_eligible(creator, launched_regions)
        self._reapplied(followers=creator.followers, reapplied_at=checked_instant(at))

    @event(Reapplied)
    def _reapplied(self, followers: int, reapplied_at: datetime) -> None:
        self.status = EnrolmentStatus.APPLIED

    def approve(
        self,
        creator: Creator,
        *,
        launched_regions: Iterable[str],
        by: str,
        reason: str,
        at: datetime,
    ) -> None:
        """Approve, if the facts still hold now (they may have changed since the application)."""
        self._require_applied()
        _require_eligible(creator, launched_regions)
        self._approved(
            approved_by=by, reason=_reason(reason, "a reason"), approved_at=checked_instant(at)
        )

    @event(Approved)
    def _approved(self, approved_by: str, reason: str, approved_at: datetime) -> None:
        self.status = EnrolmentStatus.APPROVED
        self.decision_reason = reason

    def reject(self, *, by: str, reason: str, at: datetime) -> None:
        self._require_applied()
        self._rejected(
            rejected_by=by, reason=_reason(reason, "a reason"), rejected_at=checked_instant(at)
        )

    @event(Rejected)
    def _rejected(self, rejected_by: str, reason: str, rejected_at: datetime) -> None:
        self.status = EnrolmentStatus.REJECTED
        self.decision_reason = reason

    def _require_applied(self) -> None:
        if self.status is not EnrolmentStatus.APPLIED:
            raise EnrolmentAlreadyDecided(f"the enrolment is already {self.status.value}")


def _require_eligible(creator: Creator, launched_regions: Iterable[str]) -> None:
    problems = eligibility_problems(creator, launched_regions)
    if problems:
        raise NotEligible("not eligible for Pulse: " + "; ".join(problems))


# Campaigns ---------------------------------------------------------------------------------


class PulseCampaign(DomainAggregate):
    """A brand's ads beside one category's Pulse inventory, prepaid with its budget."""

    TOPIC = "spotlight.pulse:PulseCampaign"

    class Launched(Aggregate.Created):
        TOPIC = "spotlight.pulse:PulseCampaignLaunched"
        brand: str
        name: str
        category: str
        budget: Money
        cpm: Money
        starts_at: datetime
        ends_at: datetime
        launched_at: datetime

    @classmethod
    def launch(
        cls,
        campaign_id: UUID,
        *,
        brand: str,
        name: str,
        category: str,
        budget: Money,
        cpm: Money,
        starts_at: datetime,
        ends_at: datetime,
        at: datetime,
    ) -> PulseCampaign:
        if budget.currency != cpm.currency:
            raise CurrencyMismatch("a campaign's budget and price are in one currency")
        budget.require_amount("a budget")
        cpm.require_amount("a price per thousand impressions")
        if checked_instant(ends_at) <= checked_instant(starts_at):
            raise InvalidValue("a campaign's flight ends after it starts")
        stripped = checked_line(name, "a campaign's name").strip()
        if not stripped or len(stripped) > MAX_NAME:
            raise InvalidValue(f"a campaign's name has 1 to {MAX_NAME} characters")
        return cls(
            id=campaign_id,
            brand=brand,
            name=stripped,
            category=checked_category(category),
            budget=budget,
            cpm=cpm,
            starts_at=starts_at,
            ends_at=ends_at,
            launched_at=checked_instant(at),
        )

    @event(Launched)
    def __init__(
        self,
        id: UUID,
        brand: str,
        name: str,
        category: str,
        budget: Money,
        cpm: Money,
        starts_at: datetime,
        ends_at: datetime,
        launched_at: datetime,
    ) -> None:
        self.brand = brand
        self.name = name
        self.category = category
        self.budget = budget
        self.cpm = cpm
        self.starts_at = starts_at
        self.ends_at = ends_at

    def require_flying(self, at: datetime) -> None:
        if not self.starts_at <= checked_instant(at) < self.ends_at:
            raise CampaignNotFlying(
                f"campaign {self.name!r} flies from {self.starts_at.isoformat()} to "
                f"{self.ends_at.isoformat()}"
            )


# Impressions -------------------------------------------------------------------------------


@attrs.frozen
class Placement:
    """Impressions of an ad beside one video, as reported, with the inventory evidence."""

    video_id: UUID
    creator: str
    impressions: int
    rank: int  # the video's rank in its category when the batch was recorded (1 = top)
    category_size: int
    clicks: int = 0  # on the ad, among these impressions

    def __attrs_post_init__(self) -> None:
        if isinstance(self.impressions, bool) or self.impressions <= 0:
            raise InvalidValue("a placement counts at least one impression")
        checked_quantity(self.impressions, "a placement's impressions")
        if isinstance(self.clicks, bool) or not 0 <= self.clicks <= self.impressions:
            raise InvalidValue("a placement's clicks are from 0 to its impressions")


@attrs.frozen
class BilledPlacement:
    video_id: UUID
    creator: str
    impressions: int
    billed_impressions: int
    amount: int  # minor units
    creator_share: int
    platform_share: int
    rank: int
    category_size: int
    #: Clicks on the ad among the impressions (0 in every batch recorded before clicks were
    #: reported: ``ImpressionBatch.Recorded`` v1).
    clicks: int = 0


def _billed(values: Iterable[BilledPlacement]) -> tuple[BilledPlacement, ...]:
    return tuple(values)


def price(placements: Sequence[Placement], cpm: Money, remaining: Money) -> list[BilledPlacement]:
    """Bill placements in order while the budget lasts (see the module's pricing rule)."""
    if cpm.currency != remaining.currency:
        raise CurrencyMismatch("the price and the budget are in one currency")
    left = remaining.minor
    billed = []
    for placement in placements:
        fits = placement.impressions
        if fits * cpm.minor // 1000 > left:
            # The most impressions whose price stays within what is left.
            fits = min(placement.impressions, ((left + 1) * 1000 - 1) // cpm.minor)
        amount = fits * cpm.minor // 1000
        creator_share, platform_share = (
            (m.minor for m in split_in_half(Money(amount, cpm.currency))) if amount else (0, 0)
        )
        left -= amount
        billed.append(
            BilledPlacement(
                video_id=placement.video_id,
                creator=placement.creator,
                impressions=placement.impressions,
                billed_impressions=fits,
                amount=amount,
                creator_share=creator_share,
                platform_share=platform_share,
                rank=placement.rank,
                category_size=placement.category_size,
                clicks=placement.clicks,
            )
        )
    return billed


class ImpressionBatch(DomainAggregate):
    """One report of impressions for one campaign, under the reporter's batch id."""

    TOPIC = "spotlight.pulse:ImpressionBatch"

    class Recorded(Aggregate.Created):
        TOPIC = "spotlight.pulse:ImpressionsRecorded"
        # v2: each placement carries the clicks on the ad reported with it (v1 reported none).
        class_version = 2
        reporter: str
        batch_key: str
        campaign_id: UUID
        currency: str
        placements: tuple[BilledPlacement, ...]
        reported_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["placements"] = [
                attrs.evolve(placement, clicks=0) for placement in state["placements"]
            ]

    @staticmethod
    def id_for(reporter: str, batch_key: str) -> UUID:
        if not batch_key or len(batch_key) > 200:
            raise InvalidValue("a batch key has 1 to 200 characters")
        return uuid5(_BATCHES, f"{reporter}/{batch_key}")

    @classmethod
    def record(
        cls,
        *,
        reporter: str,
        batch_key: str,
        campaign: PulseCampaign,
        placements: Sequence[Placement],
        remaining: Money,
        at: datetime,
    ) -> ImpressionBatch:
        if not placements or len(placements) > MAX_LINES:
            raise InvalidValue(f"a batch holds 1 to {MAX_LINES} placements")
        campaign.require_flying(at)
        if not remaining.is_positive:
            raise BudgetSpent(f"campaign {campaign.name!r} has spent its budget")
        return cls(
            id=cls.id_for(reporter, batch_key),
            reporter=reporter,
            batch_key=batch_key,
            campaign_id=campaign.id,
            currency=campaign.cpm.currency,
            placements=tuple(price(placements, campaign.cpm, remaining)),
            reported_at=checked_instant(at),
        )

    @event(Recorded)
    def __init__(
        self,
        id: UUID,
        reporter: str,
        batch_key: str,
        campaign_id: UUID,
        currency: str,
        placements: tuple[BilledPlacement, ...],
        reported_at: datetime,
    ) -> None:
        self.reporter = reporter
        self.batch_key = batch_key
        self.campaign_id = campaign_id
        self.currency = currency
        self.placements = _billed(placements)
        self.reported_at = reported_at

    @property
    def billed(self) -> Money:
        return Money(sum(p.amount for p in self.placements), self.currency)

    @property
    def unbilled_impressions(self) -> int:
        return sum(p.impressions - p.billed_impressions for p in self.placements)

    def same_report(self, campaign_id: UUID, placements: Sequence[Placement]) -> bool:
        """Whether a retry repeats this batch exactly (videos, impressions and clicks, in
        order)."""
        return campaign_id == self.campaign_id and [
            (p.video_id, p.impressions, p.clicks) for p in placements
        ] == [(p.video_id, p.impressions, p.clicks) for p in self.placements]


# Brand safety ------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """A text's words (split at whatever is not a letter or digit), folded as hashtags are."""
    return tuple(w for w in (hashtag_of_phrase(part) for part in _WORD.findall(text)) if w)


@attrs.frozen
class Exclusions:
    """What a brand's ads never run beside: whole categories, videos whose caption or hashtags
    hold a keyword, and every video of some creators.

    A keyword is a word or a phrase, compared as hashtags are (case, accents and punctuation
    folded): it excludes a video whose caption holds its words in a row, or one of whose
    hashtags is the keyword written as one tag ("energy drink" excludes ``#EnergyDrink`` and
    "no energy drink here")."""

    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    creators: tuple[str, ...] = ()

    @classmethod
    def checked(
        cls, *, categories: Iterable[str], keywords: Iterable[str], creators: Iterable[str]
    ) -> Exclusions:
        kept_categories = tuple(sorted({checked_category(c) for c in categories}))
        kept_keywords: dict[str, str] = {}
        for raw in keywords:
            keyword = " ".join(checked_line(raw, "a keyword").split())
            if not _words(keyword) or len(keyword) > MAX_KEYWORD:
                raise InvalidValue(
                    f"a keyword has 1 to {MAX_KEYWORD} characters, at least one a letter or "
                    f"digit: {raw!r}"
                )
            kept_keywords.setdefault(" ".join(_words(keyword)), keyword)
        kept_creators = tuple(sorted({checked_account(c, "an excluded creator") for c in creators}))
        for kind, kept in (
            ("categories", kept_categories),
            ("keywords", kept_keywords),
            ("creators", kept_creators),
        ):
            if len(kept) > MAX_EXCLUSIONS:
                raise InvalidValue(f"at most {MAX_EXCLUSIONS} excluded {kind}")
        return cls(
            categories=kept_categories,
            keywords=tuple(sorted(kept_keywords.values(), key=str.casefold)),
            creators=kept_creators,
        )

    def reason(self, *, category: str, creator: str, caption: str, hashtags: Sequence[str]) -> str:
        """Why a video beside which an ad would run is excluded ("" when it is not)."""
        if category in self.categories:
            return f"the brand excludes the category {category}"
        if creator in self.creators:
            return f"the brand excludes the creator {creator}"
        words = _words(caption)
        tags = set(hashtags)
        for keyword in self.keywords:
            wanted = _words(keyword)
            if "".join(wanted) in tags or _holds(words, wanted):
                return f"the video's caption or hashtags hold the excluded keyword {keyword!r}"
        return ""


def _holds(words: Sequence[str], wanted: Sequence[str]) -> bool:
    n = len(wanted)
    return any(tuple(words[i : i + n]) == tuple(wanted) for i in range(len(words) - n + 1))


class BrandSafety(DomainAggregate):
    """A brand's safety exclusions, which every one of its Pulse campaigns is placed by: set
    as a whole each time (the latest set replaces the previous one)."""

    TOPIC = "spotlight.pulse:BrandSafety"

    class Started(Aggregate.Created):
        TOPIC = "spotlight.pulse:BrandSafetyStarted"
        brand: str

    class ExclusionsSet(Aggregate.Event):
        TOPIC = "spotlight.pulse:BrandExclusionsSet"
        categories: tuple[str, ...]
        keywords: tuple[str, ...]
        creators: tuple[str, ...]
        set_by: str
        set_at: datetime

    @staticmethod
    def id_for(brand: str) -> UUID:
        return uuid5(_SAFETY, brand)

    @classmethod
    def start(cls, brand: str) -> BrandSafety:
        return cls(id=cls.id_for(brand), brand=brand)

    @event(Started)
    def __init__(self, id: UUID, brand: str) -> None:
        self.brand = brand
        self.exclusions = Exclusions()
        self.set_at: datetime | None = None
        self.set_by = ""

    def set(self, exclusions: Exclusions, *, by: str, at: datetime) -> None:
        self._set(
            categories=exclusions.categories,
            keywords=exclusions.keywords,
            creators=exclusions.creators,
            set_by=by,
            set_at=checked_instant(at),
        )

    @event(ExclusionsSet)
    def _set(
        self,
        categories: tuple[str, ...],
        keywords: tuple[str, ...],
        creators: tuple[str, ...],
        set_by: str,
        set_at: datetime,
    ) -> None:
        self.exclusions = Exclusions(tuple(categories), tuple(keywords), tuple(creators))
        self.set_by = set_by
        self.set_at = set_at
