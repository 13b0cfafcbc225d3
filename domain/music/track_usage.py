"""Videos found using a cleared track: the main popularity signal of music discovery.

A use is its own aggregate with the id ``uuid5(track, video)``: however many scans find the
same video, the use is recorded once. Scans follow the catalogue's log of video fingerprints
with a cursor that advances in the same transaction as the uses they record, so a stopped
scan resumes where it was. The live scan follows new videos for ever; a backfill scan runs
once per cleared track over the videos published before it started.
"""

from __future__ import annotations

import math
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.time import checked_instant

_USES = uuid5(NAMESPACE_URL, "urn:spotlight:track-use")
_SCANS = uuid5(NAMESPACE_URL, "urn:spotlight:usage-scan")
LIVE = "live"


class TrackUse(DomainAggregate):
    TOPIC = "spotlight.usage:TrackUse"

    class Detected(Aggregate.Created):
        TOPIC = "spotlight.usage:TrackUseDetected"
        track_id: UUID
        video_id: UUID
        score: float
        matched_seconds: float
        video_start: float
        track_start: float
        detected_at: datetime

    @staticmethod
    def id_for(track_id: UUID, video_id: UUID) -> UUID:
        return uuid5(_USES, f"{track_id}/{video_id}")

    @classmethod
    def detect(
        cls,
        *,
        track_id: UUID,
        video_id: UUID,
        score: float,
        matched_seconds: float,
        video_start: float,
        track_start: float,
        at: datetime,
    ) -> TrackUse:
        for name, value in (
            ("score", score),
            ("matched_seconds", matched_seconds),
            ("video_start", video_start),
            ("track_start", track_start),
        ):
            if not math.isfinite(value) or value < 0:
                raise InvalidValue(f"{name} must be a finite, non-negative number")
        return cls(
            id=cls.id_for(track_id, video_id),
            track_id=track_id,
            video_id=video_id,
            score=score,
            matched_seconds=matched_seconds,
            video_start=video_start,
            track_start=track_start,
            detected_at=checked_instant(at),
        )

    @event(Detected)
    def __init__(
        self,
        id: UUID,
        track_id: UUID,
        video_id: UUID,
        score: float,
        matched_seconds: float,
        video_start: float,
        track_start: float,
        detected_at: datetime,
    ) -> None:
        self.track_id = track_id
        self.video_id = video_id
        self.score = score
        self.matched_seconds = matched_seconds
        self.video_start = video_start
        self.track_start = track_start
        self.detected_at = detected_at


class UsageScan(DomainAggregate):
    """A cursor over the catalogue's video fingerprints: the live one, or one track's backfill."""

    TOPIC = "spotlight.usage:UsageScan"

    class Started(Aggregate.Created):
        TOPIC = "spotlight.usage:UsageScanStarted"
        scope: str  # 'live' or 'track:<id>'
        until_position: int | None  # None: follows the log for ever
        started_at: datetime

    class Advanced(Aggregate.Event):
        TOPIC = "spotlight.usage:UsageScanAdvanced"
        position: int
        considered: int
        found: int

    class Finished(Aggregate.Event):
        TOPIC = "spotlight.usage:UsageScanFinished"
        finished_at: datetime

    @staticmethod
    def id_for(scope: str) -> UUID:
        return uuid5(_SCANS, scope)

    @classmethod
    def start(cls, *, scope: str, until_position: int | None, at: datetime) -> UsageScan:
        if scope != LIVE and not scope.startswith("track:"):
            raise InvalidValue("a usage scan is the live one or a track's backfill")
        if (scope == LIVE) != (until_position is None):
            raise InvalidValue("only the live scan follows the log without end")
        return cls(
            id=cls.id_for(scope),
            scope=scope,
            until_position=until_position,
            started_at=checked_instant(at),
        )

    @event(Started)
    def __init__(
        self, id: UUID, scope: str, until_position: int | None, started_at: datetime
    ) -> None:
        self.scope = scope
        self.until_position = until_position
        self.position = 0
        self.finished = False

    def advance(self, position: int, *, considered: int, found: int) -> None:
        if self.finished:
            raise RuleViolated("the scan has finished")
        if position <= self.position:
            raise RuleViolated(f"a scan moves forward: {position} is not after {self.position}")
        if self.until_position is not None and position > self.until_position:
            raise RuleViolated(f"the scan ends at {self.until_position}")
        self._advanced(position=position, considered=considered, found=found)

    @event(Advanced)
    def _advanced(self, position: int, considered: int, found: int) -> None:
        self.position = position

    def finish(self, *, at: datetime) -> None:
        if self.finished or self.until_position is None:
            raise RuleViolated("only an unfinished backfill scan finishes")
        self._finished(finished_at=checked_instant(at))

    @event(Finished)
    def _finished(self, finished_at: datetime) -> None:
        self.finished = True
