"""Audience use cases: engagement and anchor clicks arrive in idempotent batches; studios read
their dashboard."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError

from application.anchors.analytics import (
    SERIES_DAYS,
    AnalyticsTables,
    StudioAnalytics,
    StudioAnalyticsProjection,
    VideoStanding,
)
from application.anchors.video_analytics import (
    DayRange,
    VideoTable,
    day_range,
    video_table,
    video_table_csv,
)
from application.anchors.video_figures import VideoSort
from application.auth import Principal, Role, owns, require_role
from application.errors import NotFound, NotPermitted, StaleVersion
from application.logs import CatalogueLog
from application.ports import Clock
from application.projections import Persisted, ProjectionRunner
from application.read_models import ReadModel
from domain.anchors.audience import (
    DEFAULT_CLICK_WINDOW,
    CallToActionClickBatch,
    Click,
    ClickBatch,
    ClickTarget,
    EngagementBatch,
    EngagementCount,
    VideoClick,
    batch_id_for,
)
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.anchors.views import VideoViewed, ViewBatch
from domain.errors import InvalidValue, RuleViolated

BatchT = TypeVar("BatchT", EngagementBatch, ClickBatch, CallToActionClickBatch, ViewBatch)


class BatchKeyReused(RuleViolated):
    """The batch key was used before for a different batch; a retry must repeat it exactly."""


@attrs.frozen
class BatchReceipt:
    batch_id: UUID
    recorded: int
    replayed: bool  # True when this was a retry of a batch already recorded


class BatchKind(StrEnum):
    ENGAGEMENT = "engagement"
    CLICKS = "clicks"
    CALL_TO_ACTION_CLICKS = "call_to_action_clicks"
    VIEWS = "views"


@attrs.frozen
class RecordedBatch:
    """A batch as it was recorded, read back by the one who sent it (or an admin/auditor)."""

    batch_id: UUID
    kind: BatchKind
    recorded: int
    sent_by: str  # the sender's label: role and subject


class Audience:
    def __init__(
        self,
        catalogue: CatalogueLog,
        *,
        clock: Clock,
        projections: ProjectionRunner,
        tables: AnalyticsTables,
        click_window: timedelta = DEFAULT_CLICK_WINDOW,
    ) -> None:
        self._catalogue = catalogue
        self.clock = clock
        self.projections = projections
        self.projection = StudioAnalyticsProjection(tables, click_window)
        projections.register(self.projection)

    def read_models(self) -> tuple[ReadModel, ...]:
        """The audience read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.projections, self.projection),)

    def _videos(self, video_ids: set[UUID]) -> dict[UUID, VideoStanding]:
        generation = self.projections.fresh(self.projection.name)
        return self.projection.tables.videos(generation, video_ids)

    def _anchors(self, video_ids: set[UUID]) -> dict[UUID, UUID | None]:
        """Published video -> the title it is anchored to, for a write to check against.

        With workers the projection may not have reached the newest events yet, so a video it
        does not know, or knows without an anchor, is read from its aggregate."""
        videos = self._videos(video_ids)
        anchors = {v: video.anchor for v, video in videos.items() if video.published}
        if self.projections.inline:
            return anchors
        for video_id in video_ids:
            if anchors.get(video_id) is not None:
                continue
            try:
                found: object = self._catalogue.repository.get(video_id)
            except AggregateNotFoundError:
                continue
            if isinstance(found, Video):
                anchors[video_id] = None if found.anchor is None else found.anchor.title_id
        return anchors

    def record_engagement(
        self,
        actor: Principal,
        batch_key: str,
        counts: Sequence[tuple[UUID, Engagement]],
    ) -> BatchReceipt:
        """Views, likes, shares and comments of many videos, counted by a platform service."""
        require_role(actor, Role.ADMIN, doing="report engagement")
        batch_id = batch_id_for(actor.label, batch_key)
        wanted = [EngagementCount(video_id=v, added=e) for v, e in counts]
        previous = self._previous(EngagementBatch, batch_id)
        if previous is not None:
            if list(previous.counts) != wanted:
                raise BatchKeyReused(f"batch {batch_key!r} was recorded with other counts")
            return BatchReceipt(batch_id, len(previous.counts), replayed=True)
        self._require_videos({count.video_id for count in wanted})
        batch = EngagementBatch.record(
            batch_id, reporter=actor.label, counts=wanted, at=self.clock.now()
        )
        return self._save_new(
            batch, len(wanted), EngagementBatch, lambda b: list(b.counts) == wanted
        )

    def record_clicks(
        self,
        actor: Principal,
        batch_key: str,
        clicks: Sequence[tuple[UUID, ClickTarget]],
        *,
        region: str | None = None,
    ) -> BatchReceipt:
        """A viewer's clicks through anchors; each is credited to the title anchored then.
        ``region``: the viewer's region (ISO 3166 alpha-2), for the audience by region."""
        batch_id = batch_id_for(actor.label, batch_key)
        previous = self._previous(ClickBatch, batch_id)
        asked = [(video_id, ClickTarget(target)) for video_id, target in clicks]
        if previous is not None:
            if [(c.video_id, c.target) for c in previous.clicks] != asked:
                raise BatchKeyReused(f"batch {batch_key!r} was recorded with other clicks")
            return BatchReceipt(batch_id, len(previous.clicks), replayed=True)
        anchors = self._anchors({video_id for video_id, _target in asked})
        now = self.clock.now()
        recorded: list[Click] = []
        for video_id, target in asked:
            title_id = anchors.get(video_id)
            if title_id is None:
                if video_id not in anchors:
                    raise NotFound("video", video_id)
                raise InvalidValue(f"video {video_id} has no anchor to click through")
            recorded.append(Click(video_id=video_id, title_id=title_id, target=target, at=now))
        batch = ClickBatch.record(batch_id, viewer=actor.label, clicks=recorded, region=region)
        return self._save_new(
            batch,
            len(recorded),
            ClickBatch,
            lambda b: [(c.video_id, c.target) for c in b.clicks] == asked,
        )

    def record_call_to_action_clicks(
        self, actor: Principal, batch_key: str, video_ids: Sequence[UUID]
    ) -> BatchReceipt:
        """A viewer's clicks on videos' calls to action (brand campaigns count their own)."""
        batch_id = batch_id_for(actor.label, batch_key)
        asked = list(video_ids)
        previous = self._previous(CallToActionClickBatch, batch_id)
        if previous is not None:
            if [c.video_id for c in previous.clicks] != asked:
                raise BatchKeyReused(f"batch {batch_key!r} was recorded with other clicks")
            return BatchReceipt(batch_id, len(previous.clicks), replayed=True)
        self._require_videos(set(asked))
        now = self.clock.now()
        batch = CallToActionClickBatch.record(
            batch_id,
            viewer=actor.label,
            clicks=[VideoClick(video_id=video_id, at=now) for video_id in asked],
        )
        return self._save_new(
            batch,
            len(asked),
            CallToActionClickBatch,
            lambda b: [c.video_id for c in b.clicks] == asked,
        )

    def record_views(
        self, actor: Principal, batch_key: str, video_ids: Sequence[UUID]
    ) -> BatchReceipt:
        """A signed-in viewer's views of videos, each at the server's time: what campaigns
        count their reach (unique viewers) and frequency from. A retry with the same key and
        views is recognised; the key with other views is ``BatchKeyReused``."""
        batch_id = batch_id_for(actor.label, batch_key)
        asked = list(video_ids)
        previous = self._previous(ViewBatch, batch_id)
        if previous is not None:
            if [v.video_id for v in previous.views] != asked:
                raise BatchKeyReused(f"batch {batch_key!r} was recorded with other views")
            return BatchReceipt(batch_id, len(previous.views), replayed=True)
        self._require_videos(set(asked))
        now = self.clock.now()
        batch = ViewBatch.record(
            batch_id,
            viewer=actor.label,
            views=[VideoViewed(video_id=video_id, at=now) for video_id in asked],
        )
        return self._save_new(
            batch, len(asked), ViewBatch, lambda b: [v.video_id for v in b.views] == asked
        )

    def batch(self, actor: Principal, batch_id: UUID) -> RecordedBatch:
        """A batch recorded before, as its receipt said: what kind, how many items, by whom.
        Only its sender, admins and auditors read it; to anyone else it does not exist."""
        try:
            found: object = self._catalogue.repository.get(batch_id)
        except AggregateNotFoundError:
            raise NotFound("batch", batch_id) from None
        if isinstance(found, EngagementBatch):
            kind, size, sender = BatchKind.ENGAGEMENT, len(found.counts), found.reporter
        elif isinstance(found, ClickBatch):
            kind, size, sender = BatchKind.CLICKS, len(found.clicks), found.viewer
        elif isinstance(found, CallToActionClickBatch):
            kind, size, sender = BatchKind.CALL_TO_ACTION_CLICKS, len(found.clicks), found.viewer
        elif isinstance(found, ViewBatch):
            kind, size, sender = BatchKind.VIEWS, len(found.views), found.viewer
        else:
            raise NotFound("batch", batch_id)
        if sender != actor.label and actor.role not in (Role.ADMIN, Role.AUDITOR):
            raise NotFound("batch", batch_id)
        return RecordedBatch(batch_id, kind, size, sender)

    def engagement_of(self, video_id: UUID) -> Engagement:
        """A video's engagement as the audience read model holds it (none for an unknown video)."""
        video = self._videos({video_id}).get(video_id)
        return Engagement() if video is None else video.engagement

    def studio_analytics(
        self,
        actor: Principal,
        studio_id: str,
        *,
        as_of: date | None = None,
        days: int = SERIES_DAYS,
        title_id: UUID | None = None,
    ) -> StudioAnalytics:
        """Per title (or only ``title_id``, if it is the studio's): its figures and a daily
        series of ``days`` days (14 to 366) to ``as_of`` (default: today)."""
        if actor.role is Role.STUDIO:
            if not owns(actor, Role.STUDIO, studio_id):
                raise NotPermitted("a studio sees only its own analytics")
        else:
            require_role(actor, Role.ADMIN, Role.AUDITOR, doing="read a studio's analytics")
        generation = self.projections.fresh(self.projection.name)
        return self.projection.analytics(
            generation, studio_id, as_of or self.clock.now().date(), days=days, title_id=title_id
        )

    def video_table(
        self,
        actor: Principal,
        title_id: UUID,
        *,
        sort: VideoSort = VideoSort.CLICKS,
        days: int | None = None,
        first: date | None = None,
        last: date | None = None,
        as_of: date | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> VideoTable:
        """A page of the title's fan videos by what they drove (views, clicks by target)
        over the last 7, 28 or 90 ``days`` to ``as_of`` or the custom ``first`` to ``last``,
        each against the range before it, with the title's clicks by region (the owning
        studio, admin, auditor)."""
        generation, chosen = self._table_of(actor, title_id, days, first, last, as_of)
        return video_table(
            self.projection.tables,
            generation,
            title_id,
            chosen,
            sort=VideoSort(sort),
            limit=limit,
            cursor=cursor,
        )

    def video_table_csv(
        self,
        actor: Principal,
        title_id: UUID,
        *,
        sort: VideoSort = VideoSort.CLICKS,
        days: int | None = None,
        first: date | None = None,
        last: date | None = None,
        as_of: date | None = None,
    ) -> Iterator[str]:
        """The title's whole per-video table as CSV lines (header first), as ``video_table``
        reads it, for the same readers."""
        generation, chosen = self._table_of(actor, title_id, days, first, last, as_of)
        return video_table_csv(
            self.projection.tables, generation, title_id, chosen, sort=VideoSort(sort)
        )

    def title_studio(self, actor: Principal, title_id: UUID) -> str:
        """The studio that registered the title, for a reader of its analytics."""
        generation = self._title_readable(actor, title_id)
        studio = self.projection.tables.title_studio(generation, title_id)
        if studio is None:
            raise NotFound("title", title_id)
        return studio

    def _table_of(
        self,
        actor: Principal,
        title_id: UUID,
        days: int | None,
        first: date | None,
        last: date | None,
        as_of: date | None,
    ) -> tuple[int, DayRange]:
        """The generation and the range of a title's per-video table, once it may be read."""
        chosen = day_range(as_of or self.clock.now().date(), days=days, first=first, last=last)
        return self._title_readable(actor, title_id), chosen

    def _title_readable(self, actor: Principal, title_id: UUID) -> int:
        """The generation to read, once the actor may read the title's analytics."""
        if actor.role is not Role.STUDIO:
            require_role(actor, Role.ADMIN, Role.AUDITOR, doing="read a title's analytics")
        generation = self.projections.fresh(self.projection.name)
        studio = self.projection.tables.title_studio(generation, title_id)
        if studio is None:
            raise NotFound("title", title_id)
        if actor.role is Role.STUDIO and not owns(actor, Role.STUDIO, studio):
            raise NotPermitted("a studio sees only its own titles' analytics")
        return generation

    # Plumbing ---------------------------------------------------------------------------

    def _previous(self, kind: type[BatchT], batch_id: UUID) -> BatchT | None:
        try:
            found: object = self._catalogue.repository.get(batch_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(found, kind):
            raise BatchKeyReused("that batch key names a batch of another kind")
        return found

    def _save_new(
        self, batch: BatchT, size: int, kind: type[BatchT], same: Callable[[BatchT], bool]
    ) -> BatchReceipt:
        try:
            self._catalogue.commit(batch)
        except StaleVersion:
            # Two deliveries of one batch raced; the other one was recorded first.
            winner = self._previous(kind, batch.id)
            if winner is None or not same(winner):
                raise BatchKeyReused(
                    "the batch key was used concurrently for another batch"
                ) from None
            return BatchReceipt(batch.id, size, replayed=True)
        return BatchReceipt(batch.id, size, replayed=False)

    def _require_videos(self, video_ids: set[UUID]) -> None:
        unknown = video_ids - set(self._anchors(video_ids))
        if unknown:
            raise NotFound("video", ", ".join(sorted(str(v) for v in unknown)[:5]))
