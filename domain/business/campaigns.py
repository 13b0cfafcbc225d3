"""Brand campaigns: what a brand wants, for how much, when, from whom, and how it measures it.

A campaign is prepaid: launching it moves its budget into the ledger account
``campaign:<id>:budget``, from which accepted invitations commit creators' fees (see
``domain.business.invitations``). Its hashtag is claimed for good (``CampaignHashtag``, saved with
the launch): a video carrying it can belong to one campaign only.

Content joins a campaign when a participating creator's video carries the hashtag or the
creator links it; in both cases the video must be published within the flight. Linked videos
are their own small aggregates (``CampaignVideo``), so a campaign with 10,000 videos is not a
campaign aggregate with 10,000 events. Which videos count, and what they achieved, is a
projection (``application.business.campaign_dashboard``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.bounds import MAX_AMOUNT, checked_quantity
from domain.categories import checked_category
from domain.errors import InvalidValue, RuleViolated, one_of
from domain.hashtags import normalise_hashtag
from domain.money import Money
from domain.regions import known_region
from domain.text import checked_free_text, checked_line
from domain.time import checked_instant

MAX_NAME = 200
_HASHTAGS = uuid5(NAMESPACE_URL, "urn:spotlight:campaign-hashtag")
_VIDEOS = uuid5(NAMESPACE_URL, "urn:spotlight:campaign-video")


class Objective(StrEnum):
    AWARENESS = "awareness"
    ENGAGEMENT = "engagement"
    TRAFFIC = "traffic"
    CONVERSIONS = "conversions"


class Kpi(StrEnum):
    VIEWS = "views"  # a count
    ENGAGEMENTS = "engagements"  # likes + shares + comments
    ENGAGEMENT_RATE = "engagement-rate"  # engagements per 10,000 views (basis points)
    CLICKS = "clicks"  # on the campaign's call to action
    COST_PER_ENGAGEMENT = "cost-per-engagement"  # minor units of the budget's currency
    VIDEOS = "videos"  # videos that count toward the campaign

    @property
    def lower_is_better(self) -> bool:
        return self is Kpi.COST_PER_ENGAGEMENT


def _kpi(value: str) -> Kpi:
    return one_of(Kpi, value, "KPI")


@attrs.frozen
class KpiTarget:
    kpi: Kpi = attrs.field(converter=_kpi)
    target: int

    def __attrs_post_init__(self) -> None:
        if isinstance(self.target, bool) or not isinstance(self.target, int) or self.target < 1:
            raise InvalidValue(f"the target of {self.kpi.value} is a whole number above zero")


class CampaignNotRunning(RuleViolated):
    """The campaign has ended (or its flight is over)."""


class NotInFlight(RuleViolated):
    """The video was published outside the campaign's flight."""


def _name(value: str) -> str:
    cleaned = " ".join(checked_line(value, "a campaign's name").split())
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidValue(f"a campaign's name has 1 to {MAX_NAME} characters")
    return cleaned


def _distinct(values: Iterable[str], what: str) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(values))
    if not cleaned:
        raise InvalidValue(f"a campaign targets at least one {what}")
    return cleaned


def _kpis(values: Iterable[KpiTarget]) -> tuple[KpiTarget, ...]:
    targets = tuple(values)
    for target in targets:
        # Here and not in KpiTarget itself: a target recorded before the bound still loads.
        what = f"the target of {Kpi(target.kpi).value}"
        checked_quantity(target.target, what, least=1, most=MAX_AMOUNT)
    kinds = [Kpi(t.kpi) for t in targets]
    if not targets:
        raise InvalidValue("a campaign measures itself by at least one KPI")
    if len(set(kinds)) != len(kinds):
        raise InvalidValue("each KPI has one target")
    return targets


def last_day_of_flight(ends_on: date, ended_on: date | None) -> date:
    """A flight's last day: its planned end, or the day the brand ended it if earlier."""
    return ends_on if ended_on is None else min(ends_on, ended_on)


class Campaign(DomainAggregate):
    TOPIC = "spotlight.campaigns:Campaign"

    class Launched(Aggregate.Created):
        TOPIC = "spotlight.campaigns:CampaignLaunched"
        brand: str
        name: str
        objective: str
        budget: Money
        starts_on: date
        ends_on: date  # the last day of the flight, inclusive
        categories: tuple[str, ...]
        regions: tuple[str, ...]
        kpis: tuple[KpiTarget, ...]
        hashtag: str
        launched_at: datetime

    class CreatorJoined(Aggregate.Event):
        TOPIC = "spotlight.campaigns:CreatorJoinedCampaign"
        creator: str
        invitation_id: UUID
        joined_at: datetime

    class Ended(Aggregate.Event):
        TOPIC = "spotlight.campaigns:CampaignEnded"
        ended_by: str
        reason: str
        ended_at: datetime

    @classmethod
    def launch(
        cls,
        campaign_id: UUID,
        *,
        brand: str,
        name: str,
        objective: Objective | str,
        budget: Money,
        starts_on: date,
        ends_on: date,
        categories: Iterable[str],
        regions: Iterable[str],
        kpis: Iterable[KpiTarget],
        hashtag: str,
        at: datetime,
    ) -> Campaign:
        budget.require_amount("a campaign's budget")
        at = checked_instant(at)
        if ends_on < starts_on:
            raise InvalidValue(f"the flight ends ({ends_on}) before it starts ({starts_on})")
        if ends_on < at.date():
            raise InvalidValue(f"the flight ended on {ends_on}, before the campaign's launch")
        return cls(
            id=campaign_id,
            brand=brand,
            name=_name(name),
            objective=one_of(Objective, objective, "objective").value,
            budget=budget,
            starts_on=starts_on,
            ends_on=ends_on,
            categories=_distinct((checked_category(c) for c in categories), "category"),
            regions=_distinct((known_region(r) for r in regions), "region"),
            kpis=_kpis(kpis),
            hashtag=normalise_hashtag(hashtag),
            launched_at=at,
        )

    @event(Launched)
    def __init__(
        self,
        id: UUID,
        brand: str,
        name: str,
        objective: str,
        budget: Money,
        starts_on: date,
        ends_on: date,
        categories: tuple[str, ...],
        regions: tuple[str, ...],
        kpis: tuple[KpiTarget, ...],
        hashtag: str,
        launched_at: datetime,
    ) -> None:
        self.brand = brand
        self.name = name
        self.objective = objective
        self.budget = budget
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.categories = tuple(categories)
        self.regions = tuple(regions)
        self.kpis = tuple(kpis)
        self.hashtag = hashtag
        self.launched_at = launched_at
        self.creators: dict[str, UUID] = {}  # creator -> the invitation they accepted
        self.ended_on: date | None = None

    # Rules ------------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.budget.currency

    def last_day(self) -> date:
        return last_day_of_flight(self.ends_on, self.ended_on)

    def in_flight(self, moment: datetime) -> bool:
        return self.starts_on <= checked_instant(moment).date() <= self.last_day()

    def is_running(self, at: datetime) -> bool:
        return self.ended_on is None and checked_instant(at).date() <= self.ends_on

    def require_running(self, at: datetime) -> None:
        if not self.is_running(at):
            raise CampaignNotRunning(f"campaign {self.name!r} is over")

    def has_creator(self, creator: str) -> bool:
        return creator in self.creators

    # Commands ---------------------------------------------------------------------------

    def admit(self, creator: str, *, invitation_id: UUID, at: datetime) -> None:
        """A creator whose invitation was accepted takes part."""
        self.require_running(at)
        if creator in self.creators:
            return
        self._joined(creator, invitation_id, checked_instant(at))

    def end(self, *, by: str, reason: str, at: datetime) -> None:
        self.require_running(at)
        if not checked_free_text(reason, "the reason for ending a campaign").strip():
            raise InvalidValue("ending a campaign early needs a reason")
        self._ended(by, reason.strip(), checked_instant(at))

    @event(CreatorJoined)
    def _joined(self, creator: str, invitation_id: UUID, joined_at: datetime) -> None:
        self.creators[creator] = invitation_id

    @event(Ended)
    def _ended(self, ended_by: str, reason: str, ended_at: datetime) -> None:
        self.ended_on = ended_at.date()


class CampaignHashtag(DomainAggregate):
    """A campaign's hashtag, claimed for good: a second claim is a second creation of the
    same id, which the event store refuses even under a race."""

    TOPIC = "spotlight.campaigns:CampaignHashtag"

    class Claimed(Aggregate.Created):
        TOPIC = "spotlight.campaigns:CampaignHashtagClaimed"
        hashtag: str
        campaign_id: UUID
        claimed_at: datetime

    @staticmethod
    def id_for(hashtag: str) -> UUID:
        return uuid5(_HASHTAGS, normalise_hashtag(hashtag))

    @classmethod
    def claim(cls, hashtag: str, campaign_id: UUID, *, at: datetime) -> CampaignHashtag:
        tag = normalise_hashtag(hashtag)
        return cls(
            id=cls.id_for(tag), hashtag=tag, campaign_id=campaign_id, claimed_at=checked_instant(at)
        )

    @event(Claimed)
    def __init__(self, id: UUID, hashtag: str, campaign_id: UUID, claimed_at: datetime) -> None:
        self.hashtag = hashtag
        self.campaign_id = campaign_id


class CampaignVideo(DomainAggregate):
    """A video its creator linked to a campaign (once per campaign and video)."""

    TOPIC = "spotlight.campaigns:CampaignVideo"

    class Linked(Aggregate.Created):
        TOPIC = "spotlight.campaigns:CampaignVideoLinked"
        campaign_id: UUID
        video_id: UUID
        creator: str
        linked_at: datetime

    @staticmethod
    def id_for(campaign_id: UUID, video_id: UUID) -> UUID:
        return uuid5(_VIDEOS, f"{campaign_id}/{video_id}")

    @classmethod
    def link(
        cls,
        campaign: Campaign,
        *,
        video_id: UUID,
        creator: str,
        published_at: datetime,
        at: datetime,
    ) -> CampaignVideo:
        campaign.require_running(at)
        if not campaign.has_creator(creator):
            raise RuleViolated(f"{creator} does not take part in campaign {campaign.name!r}")
        if not campaign.in_flight(published_at):
            raise NotInFlight(
                f"the video was published on {published_at.date()}, outside the flight "
                f"{campaign.starts_on} to {campaign.last_day()}"
            )
        return cls(
            id=cls.id_for(campaign.id, video_id),
            campaign_id=campaign.id,
            video_id=video_id,
            creator=creator,
            linked_at=checked_instant(at),
        )

    @event(Linked)
    def __init__(
        self, id: UUID, campaign_id: UUID, video_id: UUID, creator: str, linked_at: datetime
    ) -> None:
        self.campaign_id = campaign_id
        self.video_id = video_id
        self.creator = creator
