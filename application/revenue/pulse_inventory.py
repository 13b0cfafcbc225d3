"""Pulse inventory: which videos are in the top 4% of their category right now.

Each category ranks its videos by (engagement score, highest first; then the order they
were published). A video is inventory while its rank is within ``ceil(4% x videos in the
category)``, its creator's Pulse enrolment is approved and the creator's latest recorded
follower count is at least 100,000. Fed by the catalogue's log (videos, engagement, follower
counts, moderation and age bands) and the revenue log (enrolment decisions).

Protected videos (a minor's, flagged, age-restricted or removed: the rule of
``application.trust.protection.exclusion``) are not ranked at all: the moment one is
restricted it leaves its category's ranking, so the top 4% is always made of videos that may
carry ads. The projection keeps the facts that rule needs in its own rows, applied in the
log's order, so it never depends on another read model being as far as it is.

The rows live in the projection store (``InventoryTables``, a port): each video's creator,
category, publication order, engagement and whether it is ranked; each category's count of
ranked videos; each creator's follower count, approval and age band. A rank is the count of
ranked videos of the category ahead of the video's key, an index range in SQL; nothing is
re-sorted and the service holds nothing that grows with the logs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import groupby
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.projections import Batch
from application.read_models import LogPositions
from application.trust.protection import exclusion
from domain.anchors.audience import EngagementBatch
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.revenue.creators import Creator
from domain.revenue.pulse import INVENTORY_SHARE, MIN_FOLLOWERS, PulseEnrolment
from domain.trust.moderation import AgeBand, ModerationState, state_after_flags

NAME = "Pulse inventory"


@attrs.frozen
class Standing:
    video_id: UUID
    creator: str
    category: str
    score: int
    rank: int
    category_size: int
    top: int  # how many ranks are inventory in this category now
    is_inventory: bool
    why_not: str
    caption: str = ""  # the caption and hashtags, which brand-safety keywords are matched in
    hashtags: tuple[str, ...] = ()


@attrs.frozen
class NewVideo:
    video_id: UUID
    creator: str
    category: str
    order: int  # breaks ties of score (earlier first)
    ranked: bool
    caption: str = ""
    hashtags: tuple[str, ...] = ()


@attrs.frozen
class VideoFacts:
    """What applying an event needs to know of a video."""

    creator: str
    engagement: Engagement
    moderation: ModerationState
    ranked: bool


@attrs.frozen
class VideoRow:
    """A video as a standing is read from: its rank among the ranked videos of its category
    (0 when it is not ranked) and its creator's facts."""

    video_id: UUID
    creator: str
    category: str
    score: int
    ranked: bool
    rank: int
    category_size: int
    moderation: ModerationState
    minor: bool
    approved: bool
    followers: int | None  # None: never counted
    caption: str = ""
    hashtags: tuple[str, ...] = ()


@attrs.frozen
class CreatorFacts:
    account: str
    followers: int | None
    approved: bool


def inventory_size(category_size: int) -> int:
    share, whole = INVENTORY_SHARE
    return -(-category_size * share // whole)  # the ceiling, in integers


class InventoryTables(Protocol):
    """The inventory's rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # Videos --------------------------------------------------------------------------------

    def publish(self, batch: Batch, videos: Sequence[NewVideo]) -> None:
        """New videos with no engagement."""
        ...

    def video(self, batch: Batch, video_id: UUID) -> VideoFacts | None: ...

    def engagements(self, batch: Batch, video_ids: Collection[UUID]) -> dict[UUID, Engagement]:
        """The engagement of those of ``video_ids`` that were published."""
        ...

    def set_engagements(self, batch: Batch, engagements: Mapping[UUID, Engagement]) -> None: ...

    def set_moderation(self, batch: Batch, video_id: UUID, state: ModerationState) -> None: ...

    def set_ranked(self, batch: Batch, video_id: UUID, ranked: bool) -> None:
        """Put the video in its category's ranking or take it out (and count it)."""
        ...

    def videos_of(self, batch: Batch, account: str) -> list[UUID]: ...

    # Creators ------------------------------------------------------------------------------

    def register_creator(self, batch: Batch, creator_id: UUID, account: str) -> None: ...

    def account_of(self, batch: Batch, creator_id: UUID) -> str | None: ...

    def count_followers(self, batch: Batch, account: str, followers: int) -> None: ...

    def set_minor(self, batch: Batch, account: str, minor: bool) -> None: ...

    def is_minor(self, batch: Batch, account: str) -> bool: ...

    def minors(self, batch: Batch, accounts: Collection[str]) -> set[str]:
        """Those of ``accounts`` that are minors'."""
        ...

    def enrol(self, batch: Batch, enrolment_id: UUID, account: str) -> None: ...

    def approve(self, batch: Batch, enrolment_id: UUID) -> None:
        """The enrolment's creator is approved for Pulse."""
        ...

    # Reads ---------------------------------------------------------------------------------

    def row(self, generation: int, video_id: UUID) -> VideoRow | None: ...

    def leaders(
        self, generation: int, category: str, *, min_followers: int, limit: int
    ) -> list[VideoRow]:
        """The category's videos within its top ranks (``inventory_size``) whose creators are
        approved with at least ``min_followers``, best first, at most ``limit``."""
        ...

    def rows(self, generation: int) -> Iterable[VideoRow]:
        """Every video, ranked or not, in one snapshot."""
        ...

    def category_sizes(self, generation: int) -> dict[str, int]:
        """How many videos each category ranks now (a category ranking none may be
        missing)."""
        ...

    def creators(self, generation: int) -> list[CreatorFacts]:
        """Every creator with a follower count or an approval."""
        ...


def standing_of(row: VideoRow) -> Standing:
    top = inventory_size(row.category_size)
    if not row.ranked:
        return Standing(
            video_id=row.video_id,
            creator=row.creator,
            category=row.category,
            score=row.score,
            rank=0,
            category_size=row.category_size,
            top=top,
            is_inventory=False,
            why_not=f"not ranked: {exclusion(row.moderation, minor=row.minor)}",
            caption=row.caption,
            hashtags=row.hashtags,
        )
    why_not = ""
    if row.rank > top:
        why_not = (
            f"rank {row.rank} of {row.category_size} is outside the top {top} of {row.category}"
        )
    elif not row.approved:
        why_not = f"creator {row.creator} is not approved for Pulse"
    elif (row.followers or 0) < MIN_FOLLOWERS:
        why_not = f"creator {row.creator}'s latest follower count is below {MIN_FOLLOWERS:,}"
    return Standing(
        video_id=row.video_id,
        creator=row.creator,
        category=row.category,
        score=row.score,
        rank=row.rank,
        category_size=row.category_size,
        top=top,
        is_inventory=not why_not,
        why_not=why_not,
        caption=row.caption,
        hashtags=row.hashtags,
    )


_RUNS = {
    Video.Published.TOPIC: "published",
    Video.EngagementRecorded.TOPIC: "engagement",
    EngagementBatch.Recorded.TOPIC: "engagement",
}


def _added(event: Any) -> list[tuple[UUID, Engagement]]:
    if type(event).TOPIC == Video.EngagementRecorded.TOPIC:
        return [(event.originator_id, event.added)]
    return [(count.video_id, count.added) for count in event.counts]


class InventoryProjection:
    """Which rows each event of the two logs changes, and the standings read from them."""

    name = NAME
    version = 2  # 2: each video's caption and hashtags, for brand-safety keywords

    def __init__(self, tables: InventoryTables) -> None:
        self.tables = tables
        self._handlers: dict[str, Callable[[Batch, Any, int], None]] = {
            Video.Published.TOPIC: self._published,
            Video.EngagementRecorded.TOPIC: self._engagement_recorded,
            EngagementBatch.Recorded.TOPIC: self._engagement_batch,
            Creator.Registered.TOPIC: self._creator_registered,
            Creator.FollowersCounted.TOPIC: self._followers_counted,
            Video.ModerationFlagged.TOPIC: self._flagged,
            Video.ModerationDecided.TOPIC: self._decided,
            Creator.AgeBandRecorded.TOPIC: self._band_changed,
            Creator.AgeBandVerified.TOPIC: self._band_changed,
            PulseEnrolment.Applied.TOPIC: self._applied,
            PulseEnrolment.Approved.TOPIC: self._approved,
        }
        revenue = (PulseEnrolment.Applied.TOPIC, PulseEnrolment.Approved.TOPIC)
        self.follows: Mapping[str, Sequence[str]] = {
            "catalogue": tuple(topic for topic in self._handlers if topic not in revenue),
            "revenue": revenue,
        }

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event, position)

    # Questions -----------------------------------------------------------------------------

    def standing(self, generation: int, video_id: UUID) -> Standing | None:
        row = self.tables.row(generation, video_id)
        return None if row is None else standing_of(row)

    def inventory(self, generation: int, category: str, *, limit: int = 100) -> list[Standing]:
        """The category's inventory now, best first (only the top ranks are looked at)."""
        rows = self.tables.leaders(generation, category, min_followers=MIN_FOLLOWERS, limit=limit)
        return [standing_of(row) for row in rows]

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every video's standing and every
        creator's recorded facts."""
        view: dict[str, object] = {
            f"video:{row.video_id}": standing_of(row) for row in self.tables.rows(generation)
        }
        for creator in self.tables.creators(generation):
            view[f"creator:{creator.account}"] = (creator.followers, creator.approved)
        return view

    # The catalogue log ---------------------------------------------------------------------

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """A run of publications is written at once, and so is a run of engagement (only a
        publication makes a video's engagement count, only an age band makes a creator a
        minor); every other event in turn."""
        for kind, group in groupby(events, key=lambda item: _RUNS.get(type(item[0]).TOPIC)):
            run = list(group)
            if kind == "published":
                self._publish(batch, run)
            elif kind == "engagement":
                self._add_engagement(batch, [added for event, _ in run for added in _added(event)])
            else:
                for event, position in run:
                    self.apply(batch, log, event, position)

    def _published(self, batch: Batch, event: Any, position: int) -> None:
        self._publish(batch, [(event, position)])

    def _publish(self, batch: Batch, events: Sequence[tuple[Any, int]]) -> None:
        minors = self.tables.minors(batch, {event.creator_id for event, _ in events})
        self.tables.publish(
            batch,
            [
                NewVideo(
                    event.originator_id,
                    event.creator_id,
                    event.category,
                    position,
                    exclusion(ModerationState.UNREVIEWED, minor=event.creator_id in minors) is None,
                    caption=event.caption,
                    hashtags=tuple(event.hashtags),
                )
                for event, position in events
            ],
        )

    def _engagement_recorded(self, batch: Batch, event: Any, _position: int) -> None:
        self._add_engagement(batch, _added(event))

    def _engagement_batch(self, batch: Batch, event: Any, _position: int) -> None:
        self._add_engagement(batch, _added(event))

    def _add_engagement(self, batch: Batch, added: Sequence[tuple[UUID, Engagement]]) -> None:
        # Videos not (yet) published are not ranked: their engagement counts for nothing.
        engagements = self.tables.engagements(batch, {video_id for video_id, _ in added})
        for video_id, more in added:
            if video_id in engagements:
                engagements[video_id] = engagements[video_id] + more
        if engagements:
            self.tables.set_engagements(batch, engagements)

    def _flagged(self, batch: Batch, event: Any, _position: int) -> None:
        video = self.tables.video(batch, event.originator_id)
        if video is not None:
            state = state_after_flags(video.moderation, event.flags)
            self.tables.set_moderation(batch, event.originator_id, state)
            self._rerank(batch, event.originator_id)

    def _decided(self, batch: Batch, event: Any, _position: int) -> None:
        if self.tables.video(batch, event.originator_id) is not None:
            self.tables.set_moderation(batch, event.originator_id, ModerationState(event.state))
            self._rerank(batch, event.originator_id)

    def _band_changed(self, batch: Batch, event: Any, _position: int) -> None:
        account = self.tables.account_of(batch, event.originator_id)
        if account is None:
            return
        self.tables.set_minor(batch, account, AgeBand(event.band).is_minor)
        for video_id in self.tables.videos_of(batch, account):
            self._rerank(batch, video_id)

    def _rerank(self, batch: Batch, video_id: UUID) -> None:
        video = self.tables.video(batch, video_id)
        if video is None:
            return
        minor = self.tables.is_minor(batch, video.creator)
        eligible = exclusion(video.moderation, minor=minor) is None
        if eligible != video.ranked:
            self.tables.set_ranked(batch, video_id, eligible)

    def _creator_registered(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.register_creator(batch, event.originator_id, event.account)

    def _followers_counted(self, batch: Batch, event: Any, _position: int) -> None:
        account = self.tables.account_of(batch, event.originator_id)
        if account is None:
            raise LookupError(
                f"followers counted for an unregistered creator {event.originator_id}"
            )
        self.tables.count_followers(batch, account, event.followers)

    # The revenue log -----------------------------------------------------------------------

    def _applied(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.enrol(batch, event.originator_id, event.creator)

    def _approved(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.approve(batch, event.originator_id)
