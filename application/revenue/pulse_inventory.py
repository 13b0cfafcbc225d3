"""Pulse inventory: which videos are in the top 4% of their category right now.

Each category keeps its videos in one sorted list, keyed by (engagement score, highest first;
then the order they were published). An engagement report moves one video: remove its old
key, insert its new one, in O(log n); the rank of a video is its index. Nothing is re-sorted.
A video is inventory while its rank is within ``ceil(4% x videos in the category)``, its
creator's Pulse enrolment is approved and the creator's latest recorded follower count is at
least 100,000. Fed by the catalogue's log (videos, engagement, follower counts) and the
revenue log (enrolment decisions).

Protected videos (a minor's, flagged, age-restricted or removed: ``application.trust.protection``)
are not ranked at all: the moment one is restricted it leaves its category's list, so the
top 4% is always made of videos that may carry ads.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import attrs
from sortedcontainers import SortedList

from application.log_follower import Handler
from application.trust.protection import ProtectionModel
from domain.anchors.audience import EngagementBatch
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.categories import CATEGORIES
from domain.revenue.creators import Creator
from domain.revenue.pulse import INVENTORY_SHARE, MIN_FOLLOWERS, PulseEnrolment

_Key = tuple[int, int, UUID]  # (-score, publication order, video id)


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


@attrs.define
class _VideoLine:
    creator: str
    category: str
    engagement: Engagement
    order: int
    ranked: bool = True

    @property
    def key(self) -> tuple[int, int]:
        return (-self.engagement.score, self.order)


def inventory_size(category_size: int) -> int:
    share, whole = INVENTORY_SHARE
    return -(-category_size * share // whole)  # the ceiling, in integers


class InventoryProjection:
    def __init__(self, protection: ProtectionModel) -> None:
        self._lock = threading.RLock()
        self._videos: dict[UUID, _VideoLine] = {}
        self._ranked: dict[str, SortedList[_Key]] = {c: SortedList() for c in CATEGORIES}
        self._followers: dict[str, int] = {}
        self._approved: set[str] = set()
        self._creator_accounts: dict[UUID, str] = {}
        self._enrolled: dict[UUID, str] = {}
        # Shared, and caught up before this projection: see ``application.trust.protection``.
        self.protection = protection

    @property
    def catalogue_handlers(self) -> dict[str, Handler]:
        return {
            Video.Published.TOPIC: self._published,
            Video.EngagementRecorded.TOPIC: self._engagement_recorded,
            EngagementBatch.Recorded.TOPIC: self._engagement_batch,
            Creator.Registered.TOPIC: self._creator_registered,
            Creator.FollowersCounted.TOPIC: self._followers_counted,
            Video.ModerationFlagged.TOPIC: self._protection_changed,
            Video.ModerationDecided.TOPIC: self._protection_changed,
            Creator.AgeBandRecorded.TOPIC: self._band_changed,
            Creator.AgeBandVerified.TOPIC: self._band_changed,
        }

    @property
    def revenue_handlers(self) -> dict[str, Handler]:
        return {
            PulseEnrolment.Applied.TOPIC: self._applied,
            PulseEnrolment.Approved.TOPIC: self._approved_enrolment,
        }

    # Questions --------------------------------------------------------------------------

    def standing(self, video_id: UUID) -> Standing | None:
        with self._lock:
            line = self._videos.get(video_id)
            if line is None:
                return None
            ranked = self._ranked[line.category]
            size = len(ranked)
            top = inventory_size(size)
            if not line.ranked:
                return Standing(
                    video_id=video_id,
                    creator=line.creator,
                    category=line.category,
                    score=line.engagement.score,
                    rank=0,
                    category_size=size,
                    top=top,
                    is_inventory=False,
                    why_not=f"not ranked: {self.protection.why_excluded(video_id)}",
                )
            rank = ranked.index((*line.key, video_id)) + 1
            why_not = ""
            if rank > top:
                why_not = f"rank {rank} of {size} is outside the top {top} of {line.category}"
            elif line.creator not in self._approved:
                why_not = f"creator {line.creator} is not approved for Pulse"
            elif self._followers.get(line.creator, 0) < MIN_FOLLOWERS:
                why_not = (
                    f"creator {line.creator}'s latest follower count is below {MIN_FOLLOWERS:,}"
                )
            return Standing(
                video_id=video_id,
                creator=line.creator,
                category=line.category,
                score=line.engagement.score,
                rank=rank,
                category_size=size,
                top=top,
                is_inventory=not why_not,
                why_not=why_not,
            )

    def inventory(self, category: str, *, limit: int = 100) -> list[Standing]:
        """The category's inventory now, best first (only the top ranks are looked at)."""
        with self._lock:
            ranked = self._ranked[category]
            top = inventory_size(len(ranked))
            found = []
            for _score, _order, video_id in ranked.islice(0, top):
                standing = self.standing(video_id)
                if standing is not None and standing.is_inventory:
                    found.append(standing)
                    if len(found) >= limit:
                        break
            return found

    # Handlers ---------------------------------------------------------------------------

    def _published(self, event: Any, position: int) -> None:
        with self._lock:
            line = _VideoLine(event.creator_id, event.category, Engagement(), position)
            line.ranked = self.protection.why_excluded(event.originator_id) is None
            self._videos[event.originator_id] = line
            if line.ranked:
                self._ranked[line.category].add((*line.key, event.originator_id))

    def _engagement_recorded(self, event: Any, _position: int) -> None:
        self._add_engagement(event.originator_id, event.added)

    def _engagement_batch(self, event: Any, _position: int) -> None:
        for count in event.counts:
            self._add_engagement(count.video_id, count.added)

    def _add_engagement(self, video_id: UUID, added: Engagement) -> None:
        with self._lock:
            line = self._videos.get(video_id)
            if line is None:
                return
            if not line.ranked:
                line.engagement = line.engagement + added
                return
            ranked = self._ranked[line.category]
            ranked.remove((*line.key, video_id))
            line.engagement = line.engagement + added
            ranked.add((*line.key, video_id))

    def _protection_changed(self, event: Any, _position: int) -> None:
        self._rerank(event.originator_id)

    def _band_changed(self, event: Any, _position: int) -> None:
        account = self._creator_accounts.get(event.originator_id)
        for video_id in self.protection.videos_of.get(account or "", ()):
            self._rerank(video_id)

    def _rerank(self, video_id: UUID) -> None:
        with self._lock:
            line = self._videos.get(video_id)
            if line is None:
                return
            eligible = self.protection.why_excluded(video_id) is None
            if eligible == line.ranked:
                return
            if eligible:
                self._ranked[line.category].add((*line.key, video_id))
            else:
                self._ranked[line.category].remove((*line.key, video_id))
            line.ranked = eligible

    def _creator_registered(self, event: Any, _position: int) -> None:
        with self._lock:
            self._creator_accounts[event.originator_id] = event.account

    def _followers_counted(self, event: Any, _position: int) -> None:
        with self._lock:
            self._followers[self._creator_accounts[event.originator_id]] = event.followers

    def _applied(self, event: Any, _position: int) -> None:
        with self._lock:
            self._enrolled[event.originator_id] = event.creator

    def _approved_enrolment(self, event: Any, _position: int) -> None:
        with self._lock:
            self._approved.add(self._enrolled[event.originator_id])

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: every video's standing and every
        creator's recorded facts."""
        with self._lock:
            view: dict[str, object] = {
                f"video:{video_id}": self.standing(video_id) for video_id in self._videos
            }
            for creator in set(self._followers) | self._approved:
                view[f"creator:{creator}"] = (
                    self._followers.get(creator),
                    creator in self._approved,
                )
            return view
