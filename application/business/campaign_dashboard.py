"""The brand's campaign dashboard: each KPI against its target, daily series, top videos and
creators, and the money spent — a projection of two logs, rebuilt from zero by a fresh core.

From the revenue log: campaigns, their creators, linked videos, invitations and the fees
committed and paid. From the catalogue log: videos (creator, hashtags, publication), their
engagement and their call-to-action clicks, by day.

Which videos count: those a participating creator linked, those anyone published within the
flight declaring one of the campaign's branded effects, and those a participating creator
published within the flight carrying the campaign's hashtag (a creator who joins late brings
the hashtag videos they already made). What counts
of them: engagement and clicks reported on the days of the flight (a click once per viewer
and video in each click window, ``domain.anchors.audience.DistinctClicks``); what came after the
campaign's last day belongs to no campaign. A removed or restricted video, or a minor's,
counts for nothing from the moment that is in the log: the rows keep protection's answer
(``application.trust.protection.exclusion``) from the same events of the catalogue log, so a
read asks about none of a campaign's videos.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from itertools import groupby
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.anchors.engagement_reading import added_by_video, read_engagement_batch
from application.anchors.video_analytics import day_range
from application.auth import Principal, Role, owns
from application.errors import NotFound, NotPermitted
from application.projections import Batch, Persisted, ProjectionRunner, StoredReader
from application.read_models import LogPositions, ReadModel
from application.trust.protection import Protection
from domain.anchors.audience import (
    DEFAULT_CLICK_WINDOW,
    CallToActionClickBatch,
    EngagementBatch,
    checked_click_window,
    click_window,
)
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.anchors.views import ViewBatch
from domain.business.campaigns import Campaign, CampaignVideo, Kpi, KpiTarget, last_day_of_flight
from domain.business.effects import BrandedEffect, EffectUse
from domain.business.invitations import Invitation
from domain.money import Money
from domain.revenue.creators import Creator
from domain.shop.orders import Order
from domain.trust.moderation import AgeBand, ModerationState, state_after_flags

TOP = 10
NAME = "campaign dashboards"


@attrs.frozen
class CampaignLine:
    """What the dashboard keeps of a campaign: its terms, and the fees agreed not yet paid."""

    brand: str
    name: str
    budget: Money
    starts_on: date
    ends_on: date
    hashtag: str
    kpis: tuple[KpiTarget, ...]
    ended_on: date | None = None
    committed: int = 0  # fees agreed and not yet paid, in minor units

    def last_day(self) -> date:
        return last_day_of_flight(self.ends_on, self.ended_on)


@attrs.frozen
class DayTotals:
    views: int = 0
    engagements: int = 0
    clicks: int = 0

    def __add__(self, other: DayTotals) -> DayTotals:
        return DayTotals(
            self.views + other.views,
            self.engagements + other.engagements,
            self.clicks + other.clicks,
        )


@attrs.frozen
class CampaignFigures:
    """A campaign's rows as the dashboard reads them, up to the day it is read for: summed
    over the videos that count, never one row a video (a campaign may have thousands)."""

    line: CampaignLine
    videos: int  # how many videos count
    views: int
    engagements: int
    clicks: int
    #: The videos that count with the most engagement (then views, then id), at most ``TOP``.
    top_videos: tuple[VideoFigures, ...]
    #: Every creator of a video that counts, with the figures of their videos, by name.
    creators: tuple[CreatorFigures, ...]
    #: The days of the flight that have figures, summed over those videos.
    daily: Mapping[date, DayTotals]
    paid_by_day: Mapping[date, int]
    effects: tuple[EffectFigures, ...]


@attrs.frozen
class Publication:
    """What the dashboards keep of a published video."""

    video_id: UUID
    creator: str
    hashtags: tuple[str, ...]  # each once
    published_on: date


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


@attrs.frozen
class ReachFigures:
    """A range's figures of a campaign's videos (the range's days within the flight)."""

    reach: int  # different viewers who viewed any of the videos in the range
    views: int  # their views (the view batches'), for the frequency
    clicks: int
    conversions: int  # orders placed through the videos, less those refunded in whole
    #: What those orders took, less what was refunded: one amount a currency, in its order.
    sales: tuple[Money, ...] = ()


@attrs.frozen
class ReachDay:
    day: date
    figures: ReachFigures


@attrs.frozen
class CampaignReport:
    """Reach, frequency, clicks and conversions over a range of days, in total and by day."""

    campaign_id: UUID
    name: str
    first: date  # the range asked
    last: date
    total: ReachFigures
    daily: tuple[ReachDay, ...]  # every day of the range within the flight

    @property
    def frequency(self) -> str:
        """Views per viewer over the range, to two decimals (``"0.00"`` without viewers)."""
        return frequency(self.total)


def frequency(figures: ReachFigures) -> str:
    """``views / reach`` rounded half up to hundredths, as text: no float is involved."""
    if figures.reach == 0:
        return "0.00"
    hundredths = (figures.views * 200 + figures.reach) // (2 * figures.reach)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


#: Which of the videos given are excluded from every program (protection's question: the
#: reference a dashboard's kept exclusions are checked against).
Excluded = Callable[[Collection[UUID]], Collection[UUID]]


class DashboardTables(Protocol):
    """The dashboards' rows in the projection store, by generation: what each event changes,
    and the queries a dashboard is read with."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # The revenue log -----------------------------------------------------------------------

    def launch(self, batch: Batch, campaign_id: UUID, line: CampaignLine, position: int) -> None:
        """A new campaign, listed in the order of its ``position`` in the log."""
        ...

    def join(self, batch: Batch, campaign_id: UUID, creator: str) -> None: ...

    def end(self, batch: Batch, campaign_id: UUID, ended_on: date) -> None: ...

    def link(self, batch: Batch, campaign_id: UUID, video_id: UUID) -> None: ...

    def invite(
        self, batch: Batch, invitation_id: UUID, campaign_id: UUID, creator: str, position: int
    ) -> None: ...

    def campaign_invitations(
        self, generation: int, campaign_id: UUID, *, after: int | None, limit: int
    ) -> list[tuple[int, UUID]]:
        """At most ``limit`` of the campaign's invitations sent after the log position
        ``after`` (none: from the first), each with its position, in the order sent."""
        ...

    def creator_invitations(
        self, generation: int, creator: str, *, after: int | None, limit: int
    ) -> list[tuple[int, UUID]]:
        """At most ``limit`` of the invitations sent to the creator after the log position
        ``after`` (none: from the first), each with its position, in the order sent."""
        ...

    def campaign_of_invitation(self, batch: Batch, invitation_id: UUID) -> UUID: ...

    def deliver(self, batch: Batch, invitation_id: UUID, video_id: UUID) -> None:
        """The video is posted under the invitation: a paid partnership with its brand."""
        ...

    def undeliver(self, batch: Batch, invitation_id: UUID, video_id: UUID) -> None:
        """The brand rejected the video delivered under the invitation."""
        ...

    def partnerships(
        self, generation: int, video_ids: Collection[UUID]
    ) -> dict[UUID, tuple[str, ...]]:
        """The brands each of ``video_ids`` is a paid partnership with (by name; videos with
        none are left out)."""
        ...

    def commit_fee(self, batch: Batch, campaign_id: UUID, minor: int) -> None:
        """Add to the fees agreed and not yet paid (a negative amount once paid)."""
        ...

    def pay_fee(self, batch: Batch, campaign_id: UUID, day: date, minor: int) -> None: ...

    def register_effect(
        self, batch: Batch, effect_id: UUID, campaign_id: UUID, name: str, position: int
    ) -> None: ...

    def campaign_of_effect(self, batch: Batch, effect_id: UUID) -> UUID: ...

    def use_effect(
        self, batch: Batch, effect_id: UUID, campaign_id: UUID, video_id: UUID
    ) -> None: ...

    # The catalogue log ---------------------------------------------------------------------

    def publish(self, batch: Batch, videos: Sequence[Publication]) -> None: ...

    def register_creator(self, batch: Batch, creator_id: UUID, account: str) -> None: ...

    def account_of(self, batch: Batch, creator_id: UUID) -> str | None: ...

    def set_minor(self, batch: Batch, account: str, minor: bool) -> None:
        """Whether the account is a minor's: its videos leave or join campaigns as
        ``exclusion`` now answers for them."""
        ...

    def moderation(self, batch: Batch, video_id: UUID) -> ModerationState:
        """The video's moderation state (unreviewed if never moderated)."""
        ...

    def set_moderation(self, batch: Batch, video_id: UUID, state: ModerationState) -> None:
        """The video's new moderation state: it leaves or joins campaigns as ``exclusion``
        now answers for it."""
        ...

    def known_videos(self, batch: Batch, video_ids: Collection[UUID]) -> set[UUID]:
        """Those of ``video_ids`` that were published."""
        ...

    def add_figures(self, batch: Batch, figures: Mapping[tuple[UUID, date], DayTotals]) -> None:
        """Add to known videos' figures of days ((video, day) -> what to add)."""
        ...

    def newest_click_window(self, batch: Batch) -> int:
        """The newest window a counted click fell in (0 before any)."""
        ...

    def open_click_window(self, batch: Batch, window: int) -> None:
        """Make ``window`` the newest, forgetting the clicks of windows before the one before
        it (as ``DistinctClicks`` does, so memory of clicks stays bounded)."""
        ...

    def first_click(self, batch: Batch, window: int, viewer: str, video_id: UUID) -> bool:
        """Remember the viewer's click on the video in the window; False if it was known."""
        ...

    def first_clicks(self, batch: Batch, clicks: Sequence[tuple[int, str, UUID]]) -> list[bool]:
        """For each (window, viewer, video) in turn: ``open_click_window`` if it is newer
        than the newest, then ``first_click``; their answers, in fewer statements."""
        ...

    def add_viewers(self, batch: Batch, views: Mapping[tuple[UUID, date, str], int]) -> None:
        """Add to each (video, day, viewer)'s views (known videos only)."""
        ...

    def convert(
        self, batch: Batch, order_id: UUID, video_id: UUID, day: date, total: Money
    ) -> None:
        """An order placed through a video on a day: one more conversion of the (video, day)
        and its total added to the day's sales; the order is kept for its refunds."""
        ...

    def refund_order(self, batch: Batch, order_id: UUID, amount: Money) -> None:
        """A refund of an order: the amount comes off its (video, day)'s sales, and the
        conversion too once the order is refunded in whole (an order placed through no
        video is not kept, and its refund changes nothing)."""
        ...

    # Reads ---------------------------------------------------------------------------------

    def reach(
        self, generation: int, campaign_id: UUID, first: date, last: date
    ) -> tuple[ReachFigures, dict[date, ReachFigures]] | None:
        """The campaign's member videos' figures from ``first`` to ``last`` (both counted),
        in total and by day (days without figures left out): no video protection excludes
        is a member (the rows keep its answer), so a read is index queries only and asks
        protection nothing; unique viewers counted in the rows (exact), never in memory.
        None: no such campaign."""
        ...

    def campaign(self, generation: int, campaign_id: UUID) -> CampaignLine | None: ...

    def campaigns(self, generation: int) -> list[UUID]:
        """Every campaign, in the order they were launched."""
        ...

    def invitations(self, generation: int, campaign_id: UUID) -> list[UUID]:
        """The campaign's invitations, in the order they were sent."""
        ...

    def figures(self, generation: int, campaign_id: UUID, as_of: date) -> CampaignFigures | None:
        """The campaign's figures up to ``as_of`` (and its last day) in one snapshot, from the
        videos that count toward it, leaving out those protection's rule excludes (as the
        rows keep it)."""
        ...

    def video_days(self, generation: int, video_id: UUID) -> dict[date, DayTotals]:
        """A video's figures by day, whatever campaign it is in."""
        ...


class CampaignDashboardProjection:
    """Which rows each event of the two logs changes."""

    name = NAME
    # 2: the rows keep each campaign's videos and days summed as figures arrive.
    # 3: invitations keep their creator; 4: delivered videos (paid partnerships);
    # 5: views by viewer (reach, frequency) and orders through the videos (conversions);
    # 6: the rows keep protection's answer too: an excluded video is no member.
    # 7: conversions keep their orders' sales, and refunds take them back.
    version = 7

    def __init__(
        self,
        tables: DashboardTables,
        protection: Protection,
        click_window: timedelta = DEFAULT_CLICK_WINDOW,
    ) -> None:
        self.tables = tables
        # Shared, read for the audit's export only: the rows keep its answer themselves, from
        # the same events, so that a read asks it about none of a campaign's videos.
        self.protection = protection
        self.click_window = checked_click_window(click_window)
        self._handlers: dict[str, Callable[[Batch, Any, int], None]] = {
            Video.Published.TOPIC: self._published,
            Creator.Registered.TOPIC: self._creator_registered,
            Creator.AgeBandRecorded.TOPIC: self._age_band,
            Creator.AgeBandVerified.TOPIC: self._age_band,
            Video.ModerationFlagged.TOPIC: self._flagged,
            Video.ModerationDecided.TOPIC: self._decided,
            EngagementBatch.Recorded.TOPIC: self._engagement,
            CallToActionClickBatch.Recorded.TOPIC: self._clicks,
            ViewBatch.Recorded.TOPIC: self._views,
            Order.Placed.TOPIC: self._ordered,
            Order.Refunded.TOPIC: self._refunded,
            Campaign.Launched.TOPIC: self._launched,
            Campaign.CreatorJoined.TOPIC: self._joined,
            Campaign.Ended.TOPIC: self._ended,
            CampaignVideo.Linked.TOPIC: self._linked,
            Invitation.Sent.TOPIC: self._invited,
            Invitation.Accepted.TOPIC: self._accepted,
            Invitation.Delivered.TOPIC: self._delivered,
            Invitation.DeliveryRejected.TOPIC: self._rejected,
            Invitation.Paid.TOPIC: self._paid,
            BrandedEffect.Registered.TOPIC: self._effect,
            EffectUse.Declared.TOPIC: self._effect_used,
        }
        #: An engagement batch is read only as far as its sums by video.
        self.readers: Mapping[str, StoredReader] = {
            EngagementBatch.Recorded.TOPIC: read_engagement_batch
        }
        # The catalogue first: a link read from the revenue log names a video already known.
        self.follows: Mapping[str, Sequence[str]] = {
            "catalogue": (
                Video.Published.TOPIC,
                EngagementBatch.Recorded.TOPIC,
                CallToActionClickBatch.Recorded.TOPIC,
                ViewBatch.Recorded.TOPIC,
                # Protection's facts, for its rule (``exclusion``) kept in the rows.
                Creator.Registered.TOPIC,
                Creator.AgeBandRecorded.TOPIC,
                Creator.AgeBandVerified.TOPIC,
                Video.ModerationFlagged.TOPIC,
                Video.ModerationDecided.TOPIC,
            ),
            "revenue": (
                Campaign.Launched.TOPIC,
                Campaign.CreatorJoined.TOPIC,
                Campaign.Ended.TOPIC,
                CampaignVideo.Linked.TOPIC,
                Invitation.Sent.TOPIC,
                Invitation.Accepted.TOPIC,
                Invitation.Delivered.TOPIC,
                Invitation.DeliveryRejected.TOPIC,
                Invitation.Paid.TOPIC,
                BrandedEffect.Registered.TOPIC,
                EffectUse.Declared.TOPIC,
                Order.Placed.TOPIC,
                Order.Refunded.TOPIC,
            ),
        }

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event, position)

    # The revenue log -----------------------------------------------------------------------

    def _launched(self, batch: Batch, event: Any, position: int) -> None:
        line = CampaignLine(
            brand=event.brand,
            name=event.name,
            budget=event.budget,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            hashtag=event.hashtag,
            kpis=tuple(event.kpis),
        )
        self.tables.launch(batch, event.originator_id, line, position)

    def _joined(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.join(batch, event.originator_id, event.creator)

    def _ended(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.end(batch, event.originator_id, event.ended_at.date())

    def _linked(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.link(batch, event.campaign_id, event.video_id)

    def _invited(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.invite(batch, event.originator_id, event.campaign_id, event.creator, position)

    def _accepted(self, batch: Batch, event: Any, _position: int) -> None:
        campaign_id = self.tables.campaign_of_invitation(batch, event.originator_id)
        self.tables.commit_fee(batch, campaign_id, event.terms.fee.minor)

    def _delivered(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.deliver(batch, event.originator_id, event.video_id)

    def _rejected(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.undeliver(batch, event.originator_id, event.video_id)

    def _paid(self, batch: Batch, event: Any, _position: int) -> None:
        campaign_id = self.tables.campaign_of_invitation(batch, event.originator_id)
        self.tables.commit_fee(batch, campaign_id, -event.fee.minor)
        self.tables.pay_fee(batch, campaign_id, event.paid_at.date(), event.fee.minor)

    def _ordered(self, batch: Batch, event: Any, _position: int) -> None:
        if event.video_id is not None:
            self.tables.convert(
                batch, event.originator_id, event.video_id, event.placed_at.date(), event.total
            )

    def _refunded(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.refund_order(batch, event.originator_id, event.amount)

    def _effect(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.register_effect(
            batch, event.originator_id, event.campaign_id, event.name, position
        )

    def _effect_used(self, batch: Batch, event: Any, _position: int) -> None:
        campaign_id = self.tables.campaign_of_effect(batch, event.effect_id)
        self.tables.use_effect(batch, event.effect_id, campaign_id, event.video_id)

    # The catalogue log ---------------------------------------------------------------------

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """A run of publications is written at once, and so is a run of engagement batches
        (what one adds does not depend on another of its run: only a publication makes a
        video known); every other event in turn."""
        for topic, group in groupby(events, key=lambda item: type(item[0]).TOPIC):
            run = list(group)
            if topic == Video.Published.TOPIC:
                self.tables.publish(batch, [_publication(event) for event, _ in run])
            elif topic == EngagementBatch.Recorded.TOPIC:
                self._engagement_of(batch, [event for event, _ in run])
            elif topic == CallToActionClickBatch.Recorded.TOPIC:
                self._clicks_of(batch, [event for event, _ in run])
            elif topic == ViewBatch.Recorded.TOPIC:
                self._views_of(batch, [event for event, _ in run])
            else:
                for event, position in run:
                    self.apply(batch, log, event, position)

    def _published(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.publish(batch, [_publication(event)])

    def _creator_registered(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.register_creator(batch, event.originator_id, event.account)

    def _age_band(self, batch: Batch, event: Any, _position: int) -> None:
        account = self.tables.account_of(batch, event.originator_id)
        if account is None:
            raise LookupError(f"an age band for creator {event.originator_id}, never registered")
        self.tables.set_minor(batch, account, AgeBand(event.band).is_minor)

    def _flagged(self, batch: Batch, event: Any, _position: int) -> None:
        current = self.tables.moderation(batch, event.originator_id)
        state = state_after_flags(current, event.flags)
        if state is not current:
            self.tables.set_moderation(batch, event.originator_id, state)

    def _decided(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.set_moderation(batch, event.originator_id, ModerationState(event.state))

    def _engagement(self, batch: Batch, event: Any, _position: int) -> None:
        self._engagement_of(batch, [event])

    def _engagement_of(self, batch: Batch, events: Sequence[Any]) -> None:
        by_video = [(event.reported_at.date(), added_by_video(event)) for event in events]
        known = self.tables.known_videos(
            batch, {video_id for _day, counts in by_video for video_id in counts}
        )
        # Plain lists while summing: a page may hold a million counts.
        added: dict[tuple[UUID, date], list[int]] = {}
        for day, counts in by_video:
            for video_id, engagement in counts.items():
                if video_id in known:
                    sums = added.setdefault((video_id, day), [0, 0])
                    sums[0] += engagement.views
                    sums[1] += interactions(engagement)
        if added:
            self.tables.add_figures(
                batch,
                {key: DayTotals(views, engagements) for key, (views, engagements) in added.items()},
            )

    def _clicks(self, batch: Batch, event: Any, _position: int) -> None:
        self._clicks_of(batch, [event])

    def _clicks_of(self, batch: Batch, events: Sequence[Any]) -> None:
        """A click counts once per viewer and video in each click window (the rule of
        ``domain.anchors.audience.DistinctClicks``, kept in rows). A run of click batches is
        asked of the rows at once: no publication lies inside it, so the videos known stay
        the same throughout."""
        known = self.tables.known_videos(
            batch, {click.video_id for event in events for click in event.clicks}
        )
        keys: list[tuple[int, str, UUID]] = []
        days: list[tuple[UUID, date]] = []
        for event in events:
            for click in event.clicks:
                if click.video_id in known:
                    keys.append(
                        (click_window(click.at, self.click_window), event.viewer, click.video_id)
                    )
                    days.append((click.video_id, click.at.date()))
        counted: dict[tuple[UUID, date], DayTotals] = {}
        for key, first in zip(days, self.tables.first_clicks(batch, keys), strict=True):
            if first:
                counted[key] = counted.get(key, DayTotals()) + DayTotals(clicks=1)
        if counted:
            self.tables.add_figures(batch, counted)

    def _views(self, batch: Batch, event: Any, _position: int) -> None:
        self._views_of(batch, [event])

    def _views_of(self, batch: Batch, events: Sequence[Any]) -> None:
        """Each view adds to its (video, day, viewer) row: the rows, not memory, say how
        many different viewers a campaign's videos had."""
        known = self.tables.known_videos(
            batch, {view.video_id for event in events for view in event.views}
        )
        added: dict[tuple[UUID, date, str], int] = {}
        for event in events:
            for view in event.views:
                if view.video_id in known:
                    key = (view.video_id, view.at.date(), event.viewer)
                    added[key] = added.get(key, 0) + 1
        if added:
            self.tables.add_viewers(batch, added)

    # Reading -------------------------------------------------------------------------------

    def report(
        self, generation: int, campaign_id: UUID, first: date, last: date, reader: Principal
    ) -> CampaignReport:
        """Reach, frequency, clicks and conversions of the campaign's videos from ``first``
        to ``last``, the days of its flight only (refused unless ``reader`` may read its
        dashboard)."""
        line = self.tables.campaign(generation, campaign_id)
        if line is None:
            raise NotFound("campaign", campaign_id)
        if not may_read(reader, line):
            raise NotPermitted("a campaign's report is its brand's (and auditors')")
        start, end = max(first, line.starts_on), min(last, line.last_day())
        nothing = ReachFigures(0, 0, 0, 0)
        if start > end:
            return CampaignReport(campaign_id, line.name, first, last, nothing, ())
        found = self.tables.reach(generation, campaign_id, start, end)
        if found is None:
            raise NotFound("campaign", campaign_id)
        total, by_day = found
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        daily = tuple(ReachDay(day, by_day.get(day, nothing)) for day in days)
        return CampaignReport(campaign_id, line.name, first, last, total, daily)

    def dashboard(
        self, generation: int, campaign_id: UUID, as_of: date, reader: Principal | None = None
    ) -> CampaignDashboard:
        """The campaign's dashboard, for ``reader`` if named (refused unless it is the
        campaign's brand's, an admin or an auditor)."""
        figures = self.tables.figures(generation, campaign_id, as_of)
        if figures is None:
            raise NotFound("campaign", campaign_id)
        if reader is not None and not may_read(reader, figures.line):
            raise NotPermitted("a campaign's dashboard is its brand's (and auditors')")
        return dashboard_of(campaign_id, figures, as_of)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every campaign's dashboard on its last
        day, and every excluded video with its reason."""
        model = self.protection.catch_up()
        view: dict[str, object] = {}
        for campaign_id in self.tables.campaigns(generation):
            line = self.tables.campaign(generation, campaign_id)
            assert line is not None  # listed above; campaigns are never removed
            view[f"campaign:{campaign_id}"] = self.dashboard(
                generation, campaign_id, line.last_day()
            )
        view.update(model.export())
        return view


def may_read(reader: Principal, line: CampaignLine) -> bool:
    return reader.role in (Role.ADMIN, Role.AUDITOR) or owns(reader, Role.BRAND, line.brand)


def _publication(event: Any) -> Publication:
    return Publication(
        event.originator_id,
        event.creator_id,
        tuple(dict.fromkeys(event.hashtags)),
        event.published_at.date(),
    )


def dashboard_of(campaign_id: UUID, figures: CampaignFigures, as_of: date) -> CampaignDashboard:
    line = figures.line
    currency = line.budget.currency
    last = min(line.last_day(), as_of)
    days = (last - line.starts_on).days + 1
    flight = [line.starts_on + timedelta(days=n) for n in range(days)]
    views, engagements, clicks = figures.views, figures.engagements, figures.clicks
    spent = sum(figures.paid_by_day.values())
    actual = {
        Kpi.VIEWS: views,
        Kpi.ENGAGEMENTS: engagements,
        Kpi.ENGAGEMENT_RATE: engagements * 10_000 // views if views else None,
        Kpi.CLICKS: clicks,
        Kpi.COST_PER_ENGAGEMENT: spent // engagements if engagements else None,
        Kpi.VIDEOS: figures.videos,
    }
    nothing = DayTotals()
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
        videos=figures.videos,
        views=views,
        engagements=engagements,
        clicks=clicks,
        kpis=tuple(_status(target, actual[Kpi(target.kpi)]) for target in line.kpis),
        daily=tuple(
            DayFigures(
                day,
                figures.daily.get(day, nothing).views,
                figures.daily.get(day, nothing).engagements,
                figures.daily.get(day, nothing).clicks,
                Money(figures.paid_by_day.get(day, 0), currency),
            )
            for day in flight
        ),
        top_videos=figures.top_videos,
        top_creators=tuple(
            sorted(figures.creators, key=lambda c: (-c.engagements, -c.views, c.creator))[:TOP]
        ),
        effects=figures.effects,
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


def top_videos(videos: Iterable[VideoFigures]) -> tuple[VideoFigures, ...]:
    return tuple(sorted(videos, key=lambda v: (-v.engagements, -v.views, str(v.video_id)))[:TOP])


def creators_of(videos: Iterable[VideoFigures]) -> tuple[CreatorFigures, ...]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for video in videos:
        figures = totals[video.creator]
        figures[0] += 1
        figures[1] += video.views
        figures[2] += video.engagements
        figures[3] += video.clicks
    return tuple(CreatorFigures(creator, *totals[creator]) for creator in sorted(totals))


class CampaignDashboards:
    """The use case: authorise, bring the projection up to date, answer."""

    def __init__(
        self,
        runner: ProjectionRunner,
        projection: CampaignDashboardProjection,
        *,
        protection: Protection,
    ) -> None:
        self._runner = runner
        self.projection = projection
        #: The core's shared protection: the rows keep its answer, so no read consults it.
        self.protection = protection.model

    def catch_up(self) -> int:
        """Brings the campaign dashboards up to the end of their logs; answers how many events
        were applied (``ProjectionFailed`` if one cannot be)."""
        return self._runner.catch_up(NAME)

    def dashboard(self, actor: Principal, campaign_id: UUID, *, as_of: date) -> CampaignDashboard:
        """A campaign's dashboard as of a day: for its brand, an admin or an auditor (anyone else
        is ``NotPermitted``); an unknown campaign is ``NotFound``."""
        # The campaign's line is read with its figures, in one snapshot, and checked then.
        return self.projection.dashboard(self._runner.fresh(NAME), campaign_id, as_of, actor)

    def report(
        self,
        actor: Principal,
        campaign_id: UUID,
        *,
        as_of: date,
        days: int | None = None,
        first: date | None = None,
        last: date | None = None,
    ) -> CampaignReport:
        """A campaign's reach (unique viewers), frequency, clicks and conversions over the
        last 7, 28 or 90 ``days`` to ``as_of`` (28 if none) or the custom ``first`` to
        ``last``, in total and by day: for its brand, an admin or an auditor."""
        chosen = day_range(as_of, days=days, first=first, last=last)
        return self.projection.report(
            self._runner.fresh(NAME), campaign_id, chosen.first, chosen.last, actor
        )

    def report_csv(self, report: CampaignReport) -> Iterator[str]:
        """The report as CSV lines: a header, a line a day, then the range's total."""
        return report_lines(report)

    def invitations_of(self, campaign_id: UUID) -> list[UUID]:
        """The ids of the invitations sent in a campaign (no access check: callers check first)."""
        return self.projection.tables.invitations(self._runner.fresh(NAME), campaign_id)

    def invitations_of_campaign(
        self, campaign_id: UUID, *, after: int | None, limit: int
    ) -> list[tuple[int, UUID]]:
        """A page of a campaign's invitations after the log position ``after``, each with its
        position (no access check: callers check first)."""
        return self.projection.tables.campaign_invitations(
            self._runner.fresh(NAME), campaign_id, after=after, limit=limit
        )

    def invitations_of_creator(
        self, creator: str, *, after: int | None, limit: int
    ) -> list[tuple[int, UUID]]:
        """A page of the invitations sent to a creator, after the log position ``after``, each with
        its position (no access check: callers check first)."""
        return self.projection.tables.creator_invitations(
            self._runner.fresh(NAME), creator, after=after, limit=limit
        )

    def paid_partnerships(self, video_ids: Collection[UUID]) -> dict[UUID, tuple[str, ...]]:
        """The brands each of the videos is a paid partnership with (public: what viewers are
        told): a video delivered under a brand's invitation, and not rejected by it."""
        return self.projection.tables.partnerships(self._runner.fresh(NAME), video_ids)

    def video_days(self, video_id: UUID) -> dict[date, DayTotals]:
        """A video's figures by day as the dashboards count them (clicks once per window)."""
        return self.projection.tables.video_days(self._runner.fresh(NAME), video_id)

    def export(self) -> Mapping[str, object]:
        """Every dashboard row, for the auditor's replay to compare."""
        return self.projection.export(self._runner.fresh(NAME), {})

    def read_models(self) -> tuple[ReadModel, ...]:
        """The dashboards' read model, for the projection runner and the auditor's replay."""
        return (Persisted(self._runner, self.projection),)


REPORT_HEADER = ("day", "reach", "views", "frequency", "clicks", "conversions", "sales")


def sales_text(sales: Iterable[Money]) -> str:
    """The sales as ``<minor> <currency>`` a currency, joined by ``; `` (``""``: none)."""
    return "; ".join(f"{money.minor} {money.currency}" for money in sales)


def report_lines(report: CampaignReport) -> Iterator[str]:
    """The report's CSV lines (``\r\n`` ended): a header, each day, and ``total``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    rows = [(day.day.isoformat(), day.figures) for day in report.daily]
    rows.append(("total", report.total))
    for label, figures in rows:
        writer.writerow(
            (
                label,
                figures.reach,
                figures.views,
                frequency(figures),
                figures.clicks,
                figures.conversions,
                sales_text(figures.sales),
            )
        )
        yield out.getvalue()
        out.seek(0)
        out.truncate()
