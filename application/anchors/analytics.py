"""The studio dashboard: per title, its anchored videos, their audience and the clicks they send.

A projection of the catalogue's log (titles, videos, anchors, engagement batches, click
batches) persisted by the projection store, so a dashboard is a few aggregate queries and a
rebuild from zero (a new generation) lets an auditor recompute every figure.

Its rows are running totals kept as the events arrive:
- a video's engagement counts all it ever received, before or after it was anchored, and a
  title's totals are the sum over the videos anchored to it now: anchoring a video adds what
  it has, revoking its anchor takes it away again;
- a title's day counts the views and interactions its anchored videos received that day
  while anchored, its new anchors and its clicks; a revoked anchor leaves its days as they
  were (history is not rewritten);
- a title's hashtags count its anchored videos' hashtags; its own words are left out when
  read, since the studio may change them later;
- clicks count once per viewer, video and target in each click window (``DistinctClicks``),
  credited to the title named in the click (the one anchored when it was recorded); the
  clicks seen in the two newest windows are rows too, so a restart counts exactly what the
  running process would have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.anchors.engagement_reading import (
    EngagementBatchSums,
    added_by_video,
    read_engagement_batch,
)
from application.anchors.video_figures import UNKNOWN_REGION, VideoDay, VideoFigures, VideoSort
from application.projections import Batch, StoredReader
from application.read_models import LogPositions
from domain.anchors.audience import (
    DEFAULT_CLICK_WINDOW,
    ClickBatch,
    ClickTarget,
    EngagementBatch,
    checked_click_window,
    click_window,
)
from domain.anchors.engagement import Engagement
from domain.anchors.titles import Title
from domain.anchors.videos import Video
from domain.errors import InvalidValue
from domain.hashtags import hashtag_of_phrase

NAME = "studio analytics (anchors per title)"
TOP_HASHTAGS = 10
SERIES_DAYS = 28
#: The shortest series (the weekly brief compares two weeks) and the longest one read at once.
MIN_SERIES_DAYS, MAX_SERIES_DAYS = 14, 366


@attrs.define
class Day:
    views: int = 0
    engagement: int = 0  # likes + shares + comments
    clicks: int = 0
    new_anchors: int = 0
    #: The day's clicks by target (``ClickTarget`` values); they sum to ``clicks``.
    targets: dict[str, int] = attrs.Factory(dict)


@attrs.frozen
class DayView:
    day: date
    views: int
    engagement: int
    clicks: int
    new_anchors: int
    #: Every target's clicks that day, none left out.
    targets: Mapping[str, int] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class TitleAnalytics:
    title_id: UUID
    name: str
    anchored_videos: int
    views: int
    likes: int
    shares: int
    comments: int
    clicks: dict[str, int]
    daily: tuple[DayView, ...]
    top_hashtags: tuple[tuple[str, int], ...]
    brief: str


@attrs.frozen
class StudioAnalytics:
    studio_id: str
    as_of: date
    titles: tuple[TitleAnalytics, ...]


def interactions(engagement: Engagement) -> int:
    return engagement.likes + engagement.shares + engagement.comments


@attrs.frozen
class Totals:
    """Engagement that may be taken away again (a revoked anchor): signed, unlike
    ``Engagement``."""

    views: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0

    @classmethod
    def of(cls, engagement: Engagement, sign: int = 1) -> Totals:
        return cls(
            views=sign * engagement.views,
            likes=sign * engagement.likes,
            shares=sign * engagement.shares,
            comments=sign * engagement.comments,
        )

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            views=self.views + other.views,
            likes=self.likes + other.likes,
            shares=self.shares + other.shares,
            comments=self.comments + other.comments,
        )


@attrs.frozen
class VideoStanding:
    video_id: UUID
    published: bool
    anchor: UUID | None  # the title a click on it is credited to
    engagement: Engagement
    hashtags: tuple[str, ...] | None  # None until published


@attrs.frozen
class TitleFigures:
    title_id: UUID
    name: str | None  # None for a title the log anchors to but never registered
    words: frozenset[str]
    anchored_videos: int
    engagement: Engagement


@attrs.frozen
class RegisteredTitle:
    """A title as its studio's list shows it, with where it was registered."""

    order: int  # its registration's position in the catalogue log
    figures: TitleFigures


@attrs.frozen
class StudioRows:
    """What one studio's dashboard reads, from one snapshot: its titles in the order they were
    registered, and for those titles their clicks by target, their days in the series and
    their anchored videos' hashtags."""

    titles: tuple[TitleFigures, ...]
    clicks: Mapping[UUID, Mapping[str, int]]
    days: Mapping[UUID, Mapping[date, Day]]
    hashtags: Mapping[UUID, Mapping[str, int]]


@attrs.frozen
class AnalyticsRows:
    """Every row of a generation, for the auditor's replay."""

    videos: tuple[VideoStanding, ...]
    studios: Mapping[str, tuple[UUID, ...]]
    titles: tuple[TitleFigures, ...]
    anchored: Mapping[UUID, frozenset[UUID]]
    clicks: Mapping[UUID, Mapping[str, int]]
    days: Mapping[UUID, Mapping[date, Day]]
    #: Title -> (day, video) -> the video's amounts that day (``VideoDay.amounts``' order).
    video_days: Mapping[UUID, Mapping[tuple[date, UUID], tuple[int, ...]]] = attrs.Factory(dict)
    #: Title -> (day, region) -> clicks.
    region_days: Mapping[UUID, Mapping[tuple[date, str], int]] = attrs.Factory(dict)


class AnalyticsTables(Protocol):
    """The projection's tables (a port: ``adapters.projections.analytics`` keeps them in SQL).

    Write methods take the open batch; every amount they take is added to what the row holds
    (a missing row holding nothing). They may keep their changes back until ``flush``; the
    reads that take the batch see them."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def load(
        self,
        batch: Batch,
        titles: Iterable[UUID],
        videos: Iterable[UUID],
        viewers: Iterable[tuple[str, int]],
    ) -> None:
        """Read ahead, for the batch's next writes and reads, the rows of these titles and
        videos (with their anchors) and the clicks these viewers were seen making in these
        windows: a page's events read them in a few statements instead of one each."""
        ...

    def flush(self, batch: Batch) -> None:
        """Write what the batch's calls have kept back."""
        ...

    # Titles ------------------------------------------------------------------------------

    def register_title(
        self,
        batch: Batch,
        title_id: UUID,
        studio_id: str,
        name: str,
        words: frozenset[str],
        *,
        order: int,
    ) -> None:
        """``order`` ranks the studio's titles (its registration's place in the log)."""
        ...

    def title_name(self, batch: Batch, title_id: UUID) -> str | None: ...

    def set_words(self, batch: Batch, title_id: UUID, words: frozenset[str]) -> None: ...

    def list_title(self, batch: Batch, title_id: UUID) -> None:
        """Keep the title among those the replay compares, registered or not."""
        ...

    def add_to_titles(self, batch: Batch, totals: Mapping[UUID, Totals]) -> None: ...

    def add_to_days(self, batch: Batch, days: Mapping[tuple[UUID, date], Day]) -> None: ...

    def add_clicks(self, batch: Batch, clicks: Mapping[tuple[UUID, str], int]) -> None: ...

    def add_hashtags(
        self, batch: Batch, title_id: UUID, hashtags: Sequence[str], sign: int
    ) -> None: ...

    def add_to_video_days(
        self, batch: Batch, video_days: Mapping[tuple[UUID, date, UUID], VideoDay]
    ) -> None:
        """Add to each (title, day, video)'s row: what the video brought the title that day."""
        ...

    def add_engagement_to_video_days(
        self, batch: Batch, day: date, engagement: Iterable[tuple[UUID, UUID, Engagement]]
    ) -> None:
        """Add to each (title, ``day``, video)'s row the engagement the video brought the
        title that day, as ``add_to_video_days`` of the same amounts would (each (title,
        video) once: a batch's engagement summed by video first)."""
        ...

    def add_to_region_days(
        self, batch: Batch, clicks: Mapping[tuple[UUID, date, str], int]
    ) -> None:
        """Add to each (title, day, viewer's region)'s clicks."""
        ...

    # Videos and anchors ----------------------------------------------------------------

    def publish_video(self, batch: Batch, video_id: UUID, hashtags: tuple[str, ...]) -> None: ...

    def videos_in(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, VideoStanding]:
        """The videos among ``video_ids`` that have a row."""
        ...

    def add_to_videos(self, batch: Batch, engagement: Mapping[UUID, Engagement]) -> None: ...

    def anchors_of(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, UUID | None]:
        """The title a click on each video is credited to, for those that have a row."""
        ...

    def set_anchor(self, batch: Batch, video_id: UUID, title_id: UUID | None) -> None: ...

    def titles_anchoring(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
        """Video -> the titles it is anchored to (a title's anchored videos)."""
        ...

    def join(self, batch: Batch, title_id: UUID, video_id: UUID) -> bool:
        """Add the video to the title's anchored videos; False if it was there already."""
        ...

    def leave(self, batch: Batch, title_id: UUID, video_id: UUID) -> bool:
        """Take the video from the title's anchored videos; False if it was not there."""
        ...

    # Distinct clicks ---------------------------------------------------------------------

    def newest_window(self, batch: Batch) -> int: ...

    def move_newest_window(self, batch: Batch, window: int) -> None:
        """Remember ``window`` as the newest and forget the clicks of windows more than one
        behind it."""
        ...

    def clicks_seen(
        self, batch: Batch, viewer: str, windows: Iterable[int]
    ) -> set[tuple[int, UUID, str]]:
        """The viewer's (window, video, target) already counted in those windows."""
        ...

    def see_clicks(
        self, batch: Batch, viewer: str, seen: Iterable[tuple[int, UUID, str]]
    ) -> None: ...

    # Reads -------------------------------------------------------------------------------

    def studio(
        self,
        generation: int,
        studio_id: str,
        first: date,
        last: date,
        *,
        top: int,
        title_id: UUID | None = None,
    ) -> StudioRows:
        """``hashtags`` holds at least each title's ``top`` hashtags once its own words are
        left out, and every hashtag tied with the last of them. With ``title_id``, only that
        title's rows (none if it is not the studio's)."""
        ...

    def titles_page(
        self, generation: int, studio_id: str, *, after: int | None, limit: int
    ) -> list[RegisteredTitle]:
        """At most ``limit`` of the studio's titles registered after the log position
        ``after`` (none: from the first), in the order they were registered."""
        ...

    def videos(self, generation: int, video_ids: Iterable[UUID]) -> dict[UUID, VideoStanding]: ...

    def title_studio(self, generation: int, title_id: UUID) -> str | None:
        """The studio that registered the title (None: no such title)."""
        ...

    def video_figures(
        self,
        generation: int,
        title_id: UUID,
        first: date,
        last: date,
        *,
        sort: VideoSort,
        after: tuple[int, UUID] | None = None,
        limit: int | None = None,
        video_ids: Collection[UUID] | None = None,
    ) -> list[VideoFigures]:
        """Each video's sums over the days ``first`` to ``last`` under the title, ordered by
        ``sort``'s figure (largest first) then video id, after the video ``after`` names (its
        figure and id), ``limit`` of them at most (None: all); only ``video_ids`` if given."""
        ...

    def region_clicks(
        self, generation: int, title_id: UUID, first: date, last: date
    ) -> dict[str, int]:
        """The title's clicks in the days ``first`` to ``last`` by the viewers' region."""
        ...

    def everything(self, generation: int) -> AnalyticsRows: ...


def words_of(name: str, hashtags: Iterable[str] = ()) -> frozenset[str]:
    """A title's own words, left out of its top hashtags: its name's hashtag and the
    hashtags it is matched on."""
    return frozenset({hashtag_of_phrase(name), *hashtags})


class StudioAnalyticsProjection:
    """The event -> row-change logic of the dashboard (see the module's account)."""

    name = NAME
    #: The rows' shape. 2: the click window moved from the version to the configuration.
    #: 3: a title's days count their clicks by target too.
    #: 4: each video's days under a title, and a title's clicks by the viewers' region.
    #: 5: a title's hashtags indexed by how many videos carry them.
    version = 5

    def __init__(
        self, tables: AnalyticsTables, click_window: timedelta = DEFAULT_CLICK_WINDOW
    ) -> None:
        self.tables = tables
        self.click_window = checked_click_window(click_window)
        # Clicks counted in windows of another length mean something else: a process
        # configured with another window rebuilds the rows.
        self.configuration = f"click window {click_window.total_seconds():g}s"
        self.follows: Mapping[str, Sequence[str]] = {
            "catalogue": tuple(dict.fromkeys(kind.TOPIC for kind in self._handlers))
        }
        #: An engagement batch is read only as far as its sums by video.
        self.readers: Mapping[str, StoredReader] = {
            EngagementBatch.Recorded.TOPIC: read_engagement_batch
        }

    @property
    def _handlers(self) -> dict[type[Any], Callable[[Batch, Any, int], None]]:
        return {
            Title.Registered: self._title_registered,
            Title.MatchWordsSet: self._words_set,
            Video.Published: self._video_published,
            Video.EngagementRecorded: self._engagement_recorded,
            Video.AnchorAttached: self._anchor_attached,
            Video.AnchorRevoked: self._anchor_revoked,
            EngagementBatch.Recorded: self._engagement_batch,
            EngagementBatchSums: self._engagement_batch,
            ClickBatch.Recorded: self._click_batch,
        }

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self.apply_page(batch, log, [(event, position)])

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """Each event in turn, against rows the tables read ahead for the whole page and
        write back once: the same rows as applying the events one by one."""
        handlers = self._handlers
        self._load(batch, [event for event, _position in events])
        for event, position in events:
            handler = handlers.get(type(event))
            if handler is None:
                handler = next(
                    (h for kind, h in handlers.items() if isinstance(event, kind)), self._unknown
                )
            handler(batch, event, position)
        self.tables.flush(batch)

    def _load(self, batch: Batch, events: Sequence[Any]) -> None:
        titles: set[UUID] = set()
        videos: set[UUID] = set()
        viewers: set[tuple[str, int]] = set()
        for event in events:
            if isinstance(event, (Title.Registered, Title.MatchWordsSet)):
                titles.add(event.originator_id)
            elif isinstance(event, (Video.AnchorAttached, Video.AnchorRevoked)):
                videos.add(event.originator_id)
                titles.add(event.title_id)
            elif isinstance(event, (Video.Published, Video.EngagementRecorded)):
                videos.add(event.originator_id)
            elif isinstance(event, EngagementBatchSums):
                videos.update(event.added)
            elif isinstance(event, EngagementBatch.Recorded):
                videos.update(count.video_id for count in event.counts)
            elif isinstance(event, ClickBatch.Recorded):
                for click in event.clicks:
                    titles.add(click.title_id)
                    viewers.add((event.viewer, click_window(click.at, self.click_window)))
        self.tables.load(batch, titles, videos, viewers)

    @staticmethod
    def _unknown(_batch: Batch, event: Any, _position: int) -> None:
        raise TypeError(f"the studio analytics do not apply {type(event).__name__}")

    # Titles ------------------------------------------------------------------------------

    def _title_registered(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.register_title(
            batch,
            event.originator_id,
            event.studio_id,
            event.name,
            words_of(event.name),
            order=position,
        )

    def _words_set(self, batch: Batch, event: Any, _position: int) -> None:
        name = self.tables.title_name(batch, event.originator_id) or ""
        self.tables.set_words(batch, event.originator_id, words_of(name, event.hashtags))

    # Videos and their engagement -----------------------------------------------------------

    def _video_published(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.publish_video(batch, event.originator_id, tuple(event.hashtags))

    def _engagement_recorded(self, batch: Batch, event: Any, _position: int) -> None:
        self._count(batch, [(event.originator_id, event.added)], event.recorded_at.date())

    def _engagement_batch(self, batch: Batch, event: Any, _position: int) -> None:
        self._add(batch, added_by_video(event), event.reported_at.date())

    def _count(self, batch: Batch, counts: Sequence[tuple[UUID, Engagement]], day: date) -> None:
        """Every video's totals; the totals of the titles it is anchored to, whenever it got
        the engagement; and the day of the title it is anchored to now."""
        added: dict[UUID, Engagement] = {}
        for video_id, engagement in counts:
            before = added.get(video_id)
            added[video_id] = engagement if before is None else before + engagement
        self._add(batch, added, day)

    def _add(self, batch: Batch, added: Mapping[UUID, Engagement], day: date) -> None:
        """``_count`` of the counts summed by video."""
        anchors = self.tables.anchors_of(batch, added)
        self.tables.add_to_videos(batch, added)
        # Summed as numbers: a batch adds to thousands of videos.
        sums: dict[UUID, list[int]] = {}
        for video_id, anchored_to in self.tables.titles_anchoring(batch, added).items():
            engagement = added[video_id]
            for title_id in anchored_to:
                total = sums.setdefault(title_id, [0, 0, 0, 0])
                total[0] += engagement.views
                total[1] += engagement.likes
                total[2] += engagement.shares
                total[3] += engagement.comments
        self.tables.add_to_titles(
            batch,
            {
                title_id: Totals(views=v, likes=lk, shares=sh, comments=c)
                for title_id, (v, lk, sh, c) in sums.items()
            },
        )
        # A page holds thousands of (video, batch) pairs: a title's day is found by its
        # title (the day is the batch's), and a video's day goes to the tables as it is.
        days: dict[UUID, Day] = {}
        video_days: list[tuple[UUID, UUID, Engagement]] = []
        for video_id, anchor in anchors.items():
            if anchor is None:
                continue
            engagement = added[video_id]
            today = days.get(anchor)
            if today is None:
                today = days[anchor] = Day()
            today.views += engagement.views
            today.engagement += engagement.likes + engagement.shares + engagement.comments
            video_days.append((anchor, video_id, engagement))
        self.tables.add_to_days(batch, {(anchor, day): today for anchor, today in days.items()})
        self.tables.add_engagement_to_video_days(batch, day, video_days)

    # Anchors -------------------------------------------------------------------------------

    def _anchor_attached(self, batch: Batch, event: Any, _position: int) -> None:
        video_id, title_id = event.originator_id, event.title_id
        self.tables.set_anchor(batch, video_id, title_id)
        if self.tables.join(batch, title_id, video_id):
            video = self.tables.videos_in(batch, [video_id]).get(video_id)
            if video is not None:
                self.tables.add_to_titles(batch, {title_id: Totals.of(video.engagement)})
                self.tables.add_hashtags(batch, title_id, video.hashtags or (), +1)
        self.tables.add_to_days(batch, {(title_id, event.attached_at.date()): Day(new_anchors=1)})

    def _anchor_revoked(self, batch: Batch, event: Any, _position: int) -> None:
        video_id, title_id = event.originator_id, event.title_id
        self.tables.set_anchor(batch, video_id, None)
        self.tables.list_title(batch, title_id)
        if self.tables.leave(batch, title_id, video_id):
            video = self.tables.videos_in(batch, [video_id]).get(video_id)
            if video is not None:
                self.tables.add_to_titles(batch, {title_id: Totals.of(video.engagement, -1)})
                self.tables.add_hashtags(batch, title_id, video.hashtags or (), -1)

    # Clicks --------------------------------------------------------------------------------

    def _click_batch(self, batch: Batch, event: Any, _position: int) -> None:
        """``DistinctClicks`` over rows: the batch's clicks in their order, the windows more
        than one behind the newest forgotten as the newest moves on."""
        viewer: str = event.viewer
        clicks = [
            (click_window(click.at, self.click_window), click, ClickTarget(click.target).value)
            for click in event.clicks
        ]
        newest = self.tables.newest_window(batch)
        seen = self.tables.clicks_seen(batch, viewer, {window for window, _c, _t in clicks})
        fresh: set[tuple[int, UUID, str]] = set()
        counted: Counter[tuple[UUID, str]] = Counter()
        days: dict[tuple[UUID, date], Day] = {}
        video_days: dict[tuple[UUID, date, UUID], VideoDay] = {}
        regions: Counter[tuple[UUID, date, str]] = Counter()
        region: str = getattr(event, "region", None) or UNKNOWN_REGION
        for window, click, target in clicks:
            if window > newest:
                newest = window
                self.tables.move_newest_window(batch, window)
                seen = {key for key in seen if key[0] >= window - 1}
                fresh = {key for key in fresh if key[0] >= window - 1}
            key = (window, click.video_id, target)
            if key in seen or key in fresh:
                continue
            fresh.add(key)
            counted[(click.title_id, target)] += 1
            day = days.setdefault((click.title_id, click.at.date()), Day())
            day.clicks += 1
            day.targets[target] = day.targets.get(target, 0) + 1
            video_day = video_days.setdefault(
                (click.title_id, click.at.date(), click.video_id), VideoDay()
            )
            video_day.targets[target] = video_day.targets.get(target, 0) + 1
            regions[(click.title_id, click.at.date(), region)] += 1
        self.tables.see_clicks(batch, viewer, fresh)
        self.tables.add_clicks(batch, counted)
        self.tables.add_to_days(batch, days)
        self.tables.add_to_video_days(batch, video_days)
        self.tables.add_to_region_days(batch, regions)

    # Reads ---------------------------------------------------------------------------------

    def analytics(
        self,
        generation: int,
        studio_id: str,
        as_of: date,
        *,
        days: int = SERIES_DAYS,
        title_id: UUID | None = None,
    ) -> StudioAnalytics:
        """The studio's titles (or only ``title_id``, if it is one of them) with a daily
        series of ``days`` days ending ``as_of``."""
        days = series_days(days)
        first = as_of - timedelta(days=days - 1)
        rows = self.tables.studio(
            generation, studio_id, first, as_of, top=TOP_HASHTAGS, title_id=title_id
        )
        return StudioAnalytics(
            studio_id=studio_id,
            as_of=as_of,
            titles=tuple(_title(figures, rows, as_of, days) for figures in rows.titles),
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every video's totals and anchor, every
        title's anchored videos, clicks and daily figures, every studio's titles."""
        rows = self.tables.everything(generation)
        view: dict[str, object] = {}
        for video in rows.videos:
            view[f"video:{video.video_id}"] = (video.engagement, video.anchor, video.hashtags)
        for studio_id, title_ids in rows.studios.items():
            view[f"studio:{studio_id}"] = title_ids
        for title in rows.titles:
            view[f"title:{title.title_id}"] = (
                title.name,
                set(title.words),
                set(rows.anchored.get(title.title_id, ())),
                dict(rows.clicks.get(title.title_id, {})),
                dict(rows.days.get(title.title_id, {})),
            )
        for title_id, video_days in rows.video_days.items():
            view[f"video-days:{title_id}"] = dict(video_days)
        for title_id, region_days in rows.region_days.items():
            view[f"region-days:{title_id}"] = dict(region_days)
        return view


#: Every target's value, in ``ClickTarget``'s order (read once: a series reads it a day).
_TARGETS = tuple(target.value for target in ClickTarget)


def _day_view(day: date, figures: Day) -> DayView:
    return DayView(
        day=day,
        views=figures.views,
        engagement=figures.engagement,
        clicks=figures.clicks,
        new_anchors=figures.new_anchors,
        targets={target: figures.targets.get(target, 0) for target in _TARGETS},
    )


def series_days(days: int) -> int:
    """``days`` if a dashboard may show a series that long."""
    if not MIN_SERIES_DAYS <= days <= MAX_SERIES_DAYS:
        raise InvalidValue(
            f"a daily series is {MIN_SERIES_DAYS} to {MAX_SERIES_DAYS} days long, not {days}"
        )
    return days


def _title(figures: TitleFigures, rows: StudioRows, as_of: date, length: int) -> TitleAnalytics:
    title_id = figures.title_id
    days = rows.days.get(title_id, {})
    series = tuple(
        _day_view(day, days.get(day, Day()))
        for day in (as_of - timedelta(days=n) for n in range(length - 1, -1, -1))
    )
    hashtags = {
        tag: count
        for tag, count in rows.hashtags.get(title_id, {}).items()
        if count > 0 and tag not in figures.words
    }
    top = tuple(sorted(hashtags.items(), key=lambda item: (-item[1], item[0]))[:TOP_HASHTAGS])
    counted = rows.clicks.get(title_id, {})
    total = figures.engagement
    return TitleAnalytics(
        title_id=title_id,
        name=figures.name or "",
        anchored_videos=figures.anchored_videos,
        views=total.views,
        likes=total.likes,
        shares=total.shares,
        comments=total.comments,
        clicks={target: counted.get(target, 0) for target in _TARGETS},
        daily=series,
        top_hashtags=top,
        brief=weekly_brief(series, top),
    )


def change(now: int, before: int) -> str:
    """How ``now`` compares with ``before``: a signed percentage, or new, or no change."""
    if before == 0:
        return "new" if now else "no change"
    return f"{(now - before) / before:+.0%}"


def weekly_brief(series: tuple[DayView, ...], top_hashtags: tuple[tuple[str, int], ...]) -> str:
    """A short account of the last 7 days against the 7 before them."""
    this_week, last_week = series[-7:], series[-14:-7]
    views = sum(d.views for d in this_week), sum(d.views for d in last_week)
    clicks = sum(d.clicks for d in this_week), sum(d.clicks for d in last_week)
    anchors = sum(d.new_anchors for d in this_week)
    sentences = [
        f"This week: {views[0]:,} views of anchored videos ({change(*views)} on the week before), "
        f"{clicks[0]:,} clicks through anchors ({change(*clicks)}), {anchors} new anchored videos."
    ]
    if top_hashtags:
        tags = ", ".join(f"#{tag}" for tag, _count in top_hashtags[:3])
        sentences.append(f"The conversation is in {tags}.")
    return " ".join(sentences)
