"""A viewer's views of videos, in batches named by the viewer's batch key.

Engagement batches count views by video, without saying whose; reach (how many different
people saw a campaign's videos) and frequency (how often each of them did) need the viewer.
A view batch is a signed-in viewer's views, each at the server's time: one batch, one event,
and a retried batch is recognised by its id, as for clicks (``domain.anchors.audience``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.anchors.audience import MAX_BATCH
from domain.errors import InvalidValue
from domain.time import checked_instant


@attrs.frozen
class VideoViewed:
    """One view of a video by the batch's viewer."""

    video_id: UUID
    at: datetime


class ViewBatch(DomainAggregate):
    """A viewer's views of videos; campaigns count their reach and frequency from them."""

    TOPIC = "spotlight.audience:ViewBatch"

    class Recorded(Aggregate.Created):
        TOPIC = "spotlight.audience:ViewsRecorded"
        viewer: str
        views: tuple[VideoViewed, ...]

    @classmethod
    def record(cls, batch_id: UUID, *, viewer: str, views: Sequence[VideoViewed]) -> ViewBatch:
        if not views:
            raise InvalidValue("a view batch holds at least one view")
        if len(views) > MAX_BATCH:
            raise InvalidValue(f"a view batch holds at most {MAX_BATCH} views")
        for view in views:
            checked_instant(view.at)
        return cls(id=batch_id, viewer=viewer, views=tuple(views))

    @event(Recorded)
    def __init__(self, id: UUID, viewer: str, views: tuple[VideoViewed, ...]) -> None:
        self.viewer = viewer
        self.views = tuple(views)
