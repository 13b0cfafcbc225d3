"""Judging matches again as engagement grows: the watch over the catalogue's engagement events.

A title's policy may require engagement (``EngagementRule``) or favour it
(``EngagementBonus``), so a match that waited for a reviewer because its video was quiet may
attach once the video is seen and liked. One watch (a fixed id) reads the engagement events
in log order; its position advances in the same transaction as the decisions they cause, so
each engagement event is considered exactly once, across restarts and workers (two workers
advancing it from the same version: the store refuses the second, decisions and all).
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue
from domain.time import checked_instant

WATCH_ID = uuid5(NAMESPACE_URL, "urn:spotlight:engagement-watch")


class EngagementWatch(DomainAggregate):
    TOPIC = "spotlight.engagement_watch:EngagementWatch"

    class Started(Aggregate.Created):
        TOPIC = "spotlight.engagement_watch:WatchStarted"
        started_at: datetime

    class Advanced(Aggregate.Event):
        TOPIC = "spotlight.engagement_watch:WatchAdvanced"
        position: int
        videos: int  # videos whose engagement grew in the events read
        rejudged: int  # waiting matches the policy now decided otherwise

    @classmethod
    def start(cls, *, at: datetime) -> EngagementWatch:
        return cls(id=WATCH_ID, started_at=checked_instant(at))

    @event(Started)
    def __init__(self, id: UUID, started_at: datetime) -> None:
        self.started_at = started_at
        self.position = 0
        self.videos = 0
        self.rejudged = 0

    def advance(self, position: int, *, videos: int, rejudged: int) -> None:
        """The engagement events up to ``position`` were considered."""
        if position <= self.position:
            raise InvalidValue(
                f"the engagement watch moves forward: {position} is not after {self.position}"
            )
        if videos < 0 or rejudged < 0 or rejudged > videos:
            raise InvalidValue("the watch counts videos and the matches judged again among them")
        self._advanced(position=position, videos=videos, rejudged=rejudged)

    @event(Advanced)
    def _advanced(self, position: int, videos: int, rejudged: int) -> None:
        self.position = position
        self.videos += videos
        self.rejudged += rejudged
