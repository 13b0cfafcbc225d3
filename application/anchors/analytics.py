"""The studio dashboard: per title, its anchored videos, their audience and the clicks they send.

A projection of the catalogue's log (titles, videos, anchors, engagement batches, click
batches); rebuilt from zero by a fresh follower, so an auditor can recompute every figure.
Clicks count once per viewer, video and target in each click window (``DistinctClicks``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import attrs

from application.log_follower import Handler
from domain.anchors.audience import (
    DEFAULT_CLICK_WINDOW,
    ClickBatch,
    ClickTarget,
    DistinctClicks,
    EngagementBatch,
)
from domain.anchors.engagement import Engagement
from domain.anchors.titles import Title
from domain.anchors.videos import Video
from domain.hashtags import hashtag_of_phrase

TOP_HASHTAGS = 10
SERIES_DAYS = 28


@attrs.define
class Day:
    views: int = 0
    engagement: int = 0  # likes + shares + comments
    clicks: int = 0
    new_anchors: int = 0


@attrs.frozen
class DayView:
    day: date
    views: int
    engagement: int
    clicks: int
    new_anchors: int


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


class AudienceProjection:
    def __init__(self, click_window: timedelta = DEFAULT_CLICK_WINDOW) -> None:
        self._distinct = DistinctClicks(click_window)
        self.video_totals: dict[UUID, Engagement] = defaultdict(Engagement)
        self.anchor_of: dict[UUID, UUID] = {}
        self.known_videos: set[UUID] = set()
        self._studio_titles: dict[str, list[UUID]] = defaultdict(list)
        self._title_names: dict[UUID, str] = {}
        self._title_words: dict[UUID, set[str]] = defaultdict(set)
        self._video_hashtags: dict[UUID, tuple[str, ...]] = {}
        self._anchored: dict[UUID, set[UUID]] = defaultdict(set)
        self._clicks: dict[UUID, Counter[str]] = defaultdict(Counter)
        self._daily: dict[UUID, dict[date, Day]] = defaultdict(lambda: defaultdict(Day))

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            Title.Registered.TOPIC: self._title_registered,
            Title.MatchWordsSet.TOPIC: self._words_set,
            Video.Published.TOPIC: self._video_published,
            Video.EngagementRecorded.TOPIC: self._engagement_recorded,
            Video.AnchorAttached.TOPIC: self._anchor_attached,
            Video.AnchorRevoked.TOPIC: self._anchor_revoked,
            EngagementBatch.Recorded.TOPIC: self._engagement_batch,
            ClickBatch.Recorded.TOPIC: self._click_batch,
        }

    def titles_of(self, studio_id: str) -> list[UUID]:
        return list(self._studio_titles.get(studio_id, ()))

    def analytics(self, studio_id: str, as_of: date) -> StudioAnalytics:
        return StudioAnalytics(
            studio_id=studio_id,
            as_of=as_of,
            titles=tuple(self._title(title_id, as_of) for title_id in self.titles_of(studio_id)),
        )

    def _title(self, title_id: UUID, as_of: date) -> TitleAnalytics:
        videos = self._anchored.get(title_id, set())
        total = Engagement()
        hashtags: Counter[str] = Counter()
        own = self._title_words.get(title_id, set())
        for video_id in videos:
            total = total + self.video_totals.get(video_id, Engagement())
            hashtags.update(tag for tag in self._video_hashtags.get(video_id, ()) if tag not in own)
        days = self._daily.get(title_id, {})
        series = tuple(
            DayView(day=day, **attrs.asdict(days[day]))
            if day in days
            else DayView(day=day, views=0, engagement=0, clicks=0, new_anchors=0)
            for day in (as_of - timedelta(days=n) for n in range(SERIES_DAYS - 1, -1, -1))
        )
        top = tuple(sorted(hashtags.items(), key=lambda item: (-item[1], item[0]))[:TOP_HASHTAGS])
        clicks = {target.value: self._clicks[title_id][target.value] for target in ClickTarget}
        return TitleAnalytics(
            title_id=title_id,
            name=self._title_names.get(title_id, ""),
            anchored_videos=len(videos),
            views=total.views,
            likes=total.likes,
            shares=total.shares,
            comments=total.comments,
            clicks=clicks,
            daily=series,
            top_hashtags=top,
            brief=weekly_brief(series, top),
        )

    # Handlers ---------------------------------------------------------------------------

    def _title_registered(self, event: Any, _position: int) -> None:
        self._studio_titles[event.studio_id].append(event.originator_id)
        self._title_names[event.originator_id] = event.name
        self._title_words[event.originator_id] = {hashtag_of_phrase(event.name)}

    def _words_set(self, event: Any, _position: int) -> None:
        name = self._title_names.get(event.originator_id, "")
        self._title_words[event.originator_id] = {hashtag_of_phrase(name), *event.hashtags}

    def _video_published(self, event: Any, _position: int) -> None:
        self.known_videos.add(event.originator_id)
        self._video_hashtags[event.originator_id] = tuple(event.hashtags)

    def _count(self, video_id: UUID, added: Engagement, day: date) -> None:
        self.video_totals[video_id] = self.video_totals[video_id] + added
        title_id = self.anchor_of.get(video_id)
        if title_id is not None:
            today = self._daily[title_id][day]
            today.views += added.views
            today.engagement += interactions(added)

    def _engagement_recorded(self, event: Any, _position: int) -> None:
        self._count(event.originator_id, event.added, event.recorded_at.date())

    def _engagement_batch(self, event: Any, _position: int) -> None:
        for count in event.counts:
            self._count(count.video_id, count.added, event.reported_at.date())

    def _anchor_attached(self, event: Any, _position: int) -> None:
        self.anchor_of[event.originator_id] = event.title_id
        self._anchored[event.title_id].add(event.originator_id)
        self._daily[event.title_id][event.attached_at.date()].new_anchors += 1

    def _anchor_revoked(self, event: Any, _position: int) -> None:
        self.anchor_of.pop(event.originator_id, None)
        self._anchored[event.title_id].discard(event.originator_id)

    def _click_batch(self, event: Any, _position: int) -> None:
        for click in event.clicks:
            target = ClickTarget(click.target).value
            if not self._distinct.counts(event.viewer, click.video_id, target, click.at):
                continue
            self._clicks[click.title_id][target] += 1
            self._daily[click.title_id][click.at.date()].clicks += 1

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: every video's totals and anchor, every
        title's anchored videos, clicks and daily figures, every studio's titles."""
        view: dict[str, object] = {}
        for video_id in self.known_videos | set(self.video_totals):
            view[f"video:{video_id}"] = (
                self.video_totals.get(video_id, Engagement()),
                self.anchor_of.get(video_id),
                self._video_hashtags.get(video_id),
            )
        for studio_id, title_ids in self._studio_titles.items():
            view[f"studio:{studio_id}"] = tuple(title_ids)
        for title_id in set(self._title_names) | set(self._anchored) | set(self._clicks):
            view[f"title:{title_id}"] = (
                self._title_names.get(title_id),
                self._title_words.get(title_id, set()),
                self._anchored.get(title_id, set()),
                dict(self._clicks.get(title_id, {})),
                dict(self._daily.get(title_id, {})),
            )
        return view


def weekly_brief(series: tuple[DayView, ...], top_hashtags: tuple[tuple[str, int], ...]) -> str:
    """A short account of the last 7 days against the 7 before them."""
    this_week, last_week = series[-7:], series[-14:-7]

    def change(now: int, before: int) -> str:
        if before == 0:
            return "new" if now else "no change"
        return f"{(now - before) / before:+.0%}"

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
