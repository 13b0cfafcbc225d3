"""What each fan video brought a title: its views and interactions while anchored, and the
clicks through its anchor by target, day by day (the studio's per-video table).

The rows are a part of the studio analytics projection (``application.anchors.analytics``),
kept per title, video and day, so a range of days is summed by the database on an index and a
page of the table is a keyset over the sums (``VideoSort``)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from uuid import UUID

import attrs

from domain.anchors.audience import ClickTarget

#: The click targets in the order the table's columns follow.
TARGETS: tuple[str, ...] = tuple(target.value for target in ClickTarget)
#: The per-target click columns of a video's day, in ``TARGETS``' order.
VIDEO_TARGETS: tuple[str, ...] = tuple(f"{target}_clicks" for target in TARGETS)
#: A region for clicks whose viewer's region was not reported.
UNKNOWN_REGION = "unknown"


class VideoSort(StrEnum):
    """What the per-video table is ordered by, largest first (ties by video id)."""

    VIEWS = "views"
    TICKETS = "tickets"
    STREAMING = "streaming"
    CAST = "cast"
    OFFICIAL = "official"
    CLICKS = "clicks"  # every target's clicks together


@attrs.define
class VideoDay:
    """Amounts to add to a video's day under a title."""

    views: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    #: Clicks by target (``ClickTarget`` values).
    targets: dict[str, int] = attrs.Factory(dict)

    def amounts(self) -> tuple[int, ...]:
        """The amounts in the table's column order: engagement, then clicks by target."""
        return (
            self.views,
            self.likes,
            self.shares,
            self.comments,
            *(self.targets.get(target, 0) for target in TARGETS),
        )


@attrs.frozen
class VideoFigures:
    """A video's sums over a range of days under one title."""

    video_id: UUID
    views: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    clicks: Mapping[str, int] = attrs.field(factory=dict, hash=False)  # every target, by target

    @property
    def total_clicks(self) -> int:
        return sum(self.clicks.values())

    def figure(self, sort: VideoSort) -> int:
        """The figure the table is ordered by."""
        if sort is VideoSort.VIEWS:
            return self.views
        if sort is VideoSort.CLICKS:
            return self.total_clicks
        return self.clicks.get(sort.value, 0)
