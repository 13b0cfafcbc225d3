"""The brand's campaign dashboard: each KPI against its target, daily series, top videos and
creators, and the money spent — a projection of two logs, rebuilt from zero by a fresh core.

From the revenue log: campaigns, their creators, linked videos, invitations and the fees
committed and paid. From the catalogue log: videos (creator, hashtags, publication), their
engagement and their call-to-action clicks, by day.

Which videos count: those a participating creator linked, those anyone published within the
flight declaring one of the campaign's branded effects, and those a participating creator
published within the flight carrying the campaign's hashtag (decided when the dashboard is
read, so a creator who joins late brings the hashtag videos they already made). What counts
of them: engagement and clicks reported on the days of the flight (a click once per viewer
and video in each click window, ``domain.anchors.audience.DistinctClicks``); what came after the
campaign's last day belongs to no campaign. A removed or restricted video, or a minor's,
counts for nothing from the moment that is in the log.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns
from application.errors import NotFound, NotPermitted
from application.log_follower import LogFollower
from application.read_models import Followed, ReadModel, unpositioned
from application.trust.protection import Protection, ProtectionModel
from domain.anchors.audience import (
    DEFAULT_CLICK_WINDOW,
    CallToActionClickBatch,
    DistinctClicks,
    EngagementBatch,
)
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.business.campaigns import Campaign, CampaignVideo, Kpi, KpiTarget, last_day_of_flight
from domain.business.effects import BrandedEffect, EffectUse
from domain.business.invitations import Invitation
from domain.money import Money

TOP = 10


@attrs.define
class _Day:
    views: int = 0
    engagements: int = 0
    clicks: int = 0


@attrs.define
class _CampaignLine:
    brand: str
    name: str
    budget: Money
    starts_on: date
    ends_on: date
    hashtag: str
    kpis: tuple[KpiTarget, ...]
    ended_on: date | None = None
    creators: set[str] = attrs.Factory(set)
    linked: set[UUID] = attrs.Factory(set)
    effects: dict[UUID, str] = attrs.Factory(dict)  # effect -> its name
    effect_videos: dict[UUID, set[UUID]] = attrs.Factory(lambda: defaultdict(set))
    invitations: list[UUID] = attrs.Factory(list)
    committed: int = 0  # fees agreed, in minor units
    paid_by_day: dict[date, int] = attrs.Factory(lambda: defaultdict(int))

    def last_day(self) -> date:
        return last_day_of_flight(self.ends_on, self.ended_on)


@attrs.define
class _VideoLine:
    creator: str
    hashtags: tuple[str, ...]
    published_on: date
    days: dict[date, _Day] = attrs.Factory(lambda: defaultdict(_Day))


@attrs.frozen
class KpiStatus:
    kpi: Kpi
    target: int
    actual: int | None  # None: not measurable yet (e.g. a cost per engagement of no engagement)
    attained: bool


@attrs.frozen
class DayFigures:
    day: date
    views: int
    engagements: int
    clicks: int
    spend: Money


@attrs.frozen
class VideoFigures:
    video_id: UUID
    creator: str
    views: int
    engagements: int
    clicks: int


@attrs.frozen
class CreatorFigures:
    creator: str
    videos: int
    views: int
    engagements: int
    clicks: int


@attrs.frozen
class EffectFigures:
    effect_id: UUID
    name: str
    videos: int  # videos published in the flight that declared it


@attrs.frozen
class CampaignDashboard:
    campaign_id: UUID
    name: str
    brand: str
    as_of: date
    starts_on: date
    last_day: date
    budget: Money
    spent: Money  # fees paid for approved deliveries
    committed: Money  # fees agreed and not yet paid
    uncommitted: Money  # the budget neither committed nor paid
    videos: int
    views: int
    engagements: int
    clicks: int
    kpis: tuple[KpiStatus, ...]
    daily: tuple[DayFigures, ...]
    top_videos: tuple[VideoFigures, ...]
    top_creators: tuple[CreatorFigures, ...]
    effects: tuple[EffectFigures, ...]


class CampaignProjection:
    def __init__(
        self, protection: ProtectionModel, click_window: timedelta = DEFAULT_CLICK_WINDOW
    ) -> None:
        self._distinct = DistinctClicks(click_window)
        self.campaigns: dict[UUID, _CampaignLine] = {}
        self.videos: dict[UUID, _VideoLine] = {}
        self.by_hashtag: dict[str, list[UUID]] = defaultdict(list)
        self._invitation_campaign: dict[UUID, UUID] = {}
        self._effect_campaign: dict[UUID, UUID] = {}
        # Shared, and caught up before this projection: see ``application.trust.protection``.
        self.protection = protection

    @property
    def revenue_handlers(self) -> dict[str, Any]:
        return {
            Campaign.Launched.TOPIC: self._launched,
            Campaign.CreatorJoined.TOPIC: self._joined,
            Campaign.Ended.TOPIC: self._ended,
            CampaignVideo.Linked.TOPIC: self._linked,
            Invitation.Sent.TOPIC: self._invited,
            Invitation.Accepted.TOPIC: self._accepted,
            Invitation.Paid.TOPIC: self._paid,
            BrandedEffect.Registered.TOPIC: self._effect,
            EffectUse.Declared.TOPIC: self._effect_used,
        }

    @property
    def catalogue_handlers(self) -> dict[str, Any]:
        return {
            Video.Published.TOPIC: self._published,
            EngagementBatch.Recorded.TOPIC: self._engagement,
            CallToActionClickBatch.Recorded.TOPIC: self._clicks,
        }

    # Revenue log ------------------------------------------------------------------------

    def _launched(self, event: Any, _position: int) -> None:
        self.campaigns[event.originator_id] = _CampaignLine(
            brand=event.brand,
            name=event.name,
            budget=event.budget,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            hashtag=event.hashtag,
            kpis=tuple(event.kpis),
        )

    def _joined(self, event: Any, _position: int) -> None:
        self.campaigns[event.originator_id].creators.add(event.creator)

    def _ended(self, event: Any, _position: int) -> None:
        self.campaigns[event.originator_id].ended_on = event.ended_at.date()

    def _linked(self, event: Any, _position: int) -> None:
        self.campaigns[event.campaign_id].linked.add(event.video_id)

    def _invited(self, event: Any, _position: int) -> None:
        self._invitation_campaign[event.originator_id] = event.campaign_id
        self.campaigns[event.campaign_id].invitations.append(event.originator_id)

    def _accepted(self, event: Any, _position: int) -> None:
        campaign = self.campaigns[self._invitation_campaign[event.originator_id]]
        campaign.committed += event.terms.fee.minor

    def _paid(self, event: Any, _position: int) -> None:
        campaign = self.campaigns[self._invitation_campaign[event.originator_id]]
        campaign.committed -= event.fee.minor
        campaign.paid_by_day[event.paid_at.date()] += event.fee.minor

    def _effect(self, event: Any, _position: int) -> None:
        self._effect_campaign[event.originator_id] = event.campaign_id
        self.campaigns[event.campaign_id].effects[event.originator_id] = event.name

    def _effect_used(self, event: Any, _position: int) -> None:
        campaign = self.campaigns[self._effect_campaign[event.effect_id]]
        campaign.effect_videos[event.effect_id].add(event.video_id)

    # Catalogue log ----------------------------------------------------------------------

    def _published(self, event: Any, _position: int) -> None:
        self.videos[event.originator_id] = _VideoLine(
            creator=event.creator_id,
            hashtags=tuple(event.hashtags),
            published_on=event.published_at.date(),
        )
        for tag in event.hashtags:
            self.by_hashtag[tag].append(event.originator_id)

    def _engagement(self, event: Any, _position: int) -> None:
        day = event.reported_at.date()
        for count in event.counts:
            video = self.videos.get(count.video_id)
            if video is None:
                continue
            figures = video.days[day]
            figures.views += count.added.views
            figures.engagements += interactions(count.added)

    def _clicks(self, event: Any, _position: int) -> None:
        for click in event.clicks:
            video = self.videos.get(click.video_id)
            if video is not None and self._distinct.counts(
                event.viewer, click.video_id, "call-to-action", click.at
            ):
                video.days[click.at.date()].clicks += 1

    # Reading ----------------------------------------------------------------------------

    def videos_of(self, campaign_id: UUID) -> list[UUID]:
        """The videos that count toward the campaign, in the order of their ids."""
        line = self.campaigns[campaign_id]
        counted = set(line.linked)
        for videos in line.effect_videos.values():
            counted |= {v for v in videos if self._in_flight(line, v)}
        for video_id in self.by_hashtag.get(line.hashtag, ()):
            video = self.videos[video_id]
            if video.creator in line.creators and (
                line.starts_on <= video.published_on <= line.last_day()
            ):
                counted.add(video_id)
        # A removed or restricted video, or a minor's, leaves the campaign at once.
        return sorted((v for v in counted if self.protection.why_excluded(v) is None), key=str)

    def _in_flight(self, line: _CampaignLine, video_id: UUID) -> bool:
        video = self.videos.get(video_id)
        return video is not None and line.starts_on <= video.published_on <= line.last_day()

    def dashboard(self, campaign_id: UUID, as_of: date) -> CampaignDashboard:
        line = self.campaigns.get(campaign_id)
        if line is None:
            raise NotFound("campaign", campaign_id)
        currency = line.budget.currency
        last = min(line.last_day(), as_of)
        days = (last - line.starts_on).days + 1
        flight = [line.starts_on + timedelta(days=n) for n in range(days)]
        per_video: list[VideoFigures] = []
        daily = {day: _Day() for day in flight}
        for video_id in self.videos_of(campaign_id):
            video = self.videos[video_id]
            total = _Day()
            for day, figures in video.days.items():
                if day in daily:
                    for into in (total, daily[day]):
                        into.views += figures.views
                        into.engagements += figures.engagements
                        into.clicks += figures.clicks
            per_video.append(
                VideoFigures(video_id, video.creator, total.views, total.engagements, total.clicks)
            )
        views = sum(v.views for v in per_video)
        engagements = sum(v.engagements for v in per_video)
        clicks = sum(v.clicks for v in per_video)
        spent = sum(line.paid_by_day.values())
        actual = {
            Kpi.VIEWS: views,
            Kpi.ENGAGEMENTS: engagements,
            Kpi.ENGAGEMENT_RATE: engagements * 10_000 // views if views else None,
            Kpi.CLICKS: clicks,
            Kpi.COST_PER_ENGAGEMENT: spent // engagements if engagements else None,
            Kpi.VIDEOS: len(per_video),
        }
        return CampaignDashboard(
            campaign_id=campaign_id,
            name=line.name,
            brand=line.brand,
            as_of=as_of,
            starts_on=line.starts_on,
            last_day=line.last_day(),
            budget=line.budget,
            spent=Money(spent, currency),
            committed=Money(line.committed, currency),
            uncommitted=Money(line.budget.minor - line.committed - spent, currency),
            videos=len(per_video),
            views=views,
            engagements=engagements,
            clicks=clicks,
            kpis=tuple(_status(target, actual[Kpi(target.kpi)]) for target in line.kpis),
            daily=tuple(
                DayFigures(
                    day,
                    figures.views,
                    figures.engagements,
                    figures.clicks,
                    Money(line.paid_by_day.get(day, 0), currency),
                )
                for day, figures in daily.items()
            ),
            top_videos=tuple(
                sorted(per_video, key=lambda v: (-v.engagements, -v.views, str(v.video_id)))[:TOP]
            ),
            top_creators=_top_creators(per_video),
            effects=tuple(
                EffectFigures(
                    effect_id,
                    name,
                    sum(
                        1 for v in line.effect_videos.get(effect_id, ()) if self._in_flight(line, v)
                    ),
                )
                for effect_id, name in line.effects.items()
            ),
        )


def interactions(engagement: Engagement) -> int:
    return engagement.likes + engagement.shares + engagement.comments


def _status(target: KpiTarget, actual: int | None) -> KpiStatus:
    kpi = Kpi(target.kpi)
    if actual is None:
        attained = False
    elif kpi.lower_is_better:
        attained = actual <= target.target
    else:
        attained = actual >= target.target
    return KpiStatus(kpi=kpi, target=target.target, actual=actual, attained=attained)


def _top_creators(videos: list[VideoFigures]) -> tuple[CreatorFigures, ...]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for video in videos:
        figures = totals[video.creator]
        figures[0] += 1
        figures[1] += video.views
        figures[2] += video.engagements
        figures[3] += video.clicks
    ranked = sorted(totals.items(), key=lambda item: (-item[1][2], -item[1][1], item[0]))
    return tuple(CreatorFigures(creator, *figures) for creator, figures in ranked[:TOP])


def export_campaigns(model: CampaignProjection) -> dict[str, object]:
    """A comparable view for the audit's replay: every campaign's dashboard on its last day,
    and every excluded video with its reason."""
    view: dict[str, object] = {
        f"campaign:{campaign_id}": model.dashboard(campaign_id, line.last_day())
        for campaign_id, line in model.campaigns.items()
    }
    view.update(model.protection.export())
    return view


class CampaignDashboards:
    """The use case: authorise, catch both logs up, answer."""

    def __init__(
        self,
        revenue: Any,
        catalogue: Any,
        *,
        protection: Protection,
        click_window: timedelta = DEFAULT_CLICK_WINDOW,
    ) -> None:
        self._protection = protection
        self.model = CampaignProjection(protection.model, click_window)
        self._revenue = LogFollower(revenue, self.model.revenue_handlers)
        self._catalogue = LogFollower(catalogue, self.model.catalogue_handlers)
        self._lock = threading.RLock()

    def catch_up(self) -> CampaignProjection:
        with self._lock:
            # Videos first: a link read from the revenue log names a video already known.
            self._protection.catch_up()
            self._catalogue.catch_up()
            self._revenue.catch_up()
        return self.model

    def dashboard(self, actor: Principal, campaign_id: UUID, *, as_of: date) -> CampaignDashboard:
        with self._lock:
            model = self.catch_up()
            line = model.campaigns.get(campaign_id)
            if line is None:
                raise NotFound("campaign", campaign_id)
            if actor.role not in (Role.ADMIN, Role.AUDITOR) and not owns(
                actor, Role.BRAND, line.brand
            ):
                raise NotPermitted("a campaign's dashboard is its brand's (and auditors')")
            return model.dashboard(campaign_id, as_of)

    def invitations_of(self, campaign_id: UUID) -> list[UUID]:
        with self._lock:
            line = self.catch_up().campaigns.get(campaign_id)
            return [] if line is None else list(line.invitations)

    def export(self) -> dict[str, object]:
        with self._lock:
            return export_campaigns(self.catch_up())

    def read_models(self) -> tuple[ReadModel, ...]:
        return (Followed("campaign dashboards", self.catch_up, unpositioned(self.export)),)
