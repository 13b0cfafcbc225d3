"""What audiences do: engagement counted in batches, and clicks through anchors.

Both arrive as batches that are aggregates of their own, named by the reporter's batch id:
a retried batch is recognised (one batch, one event), and a popular video never becomes a
hot spot, because nothing is appended to the video itself. Per-video and per-title totals
are projections of these events.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.anchors.engagement import Engagement
from domain.errors import InvalidValue
from domain.time import checked_instant

MAX_BATCH = 10_000
DEFAULT_CLICK_WINDOW = timedelta(hours=1)
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:audience-batch")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ClickTarget(StrEnum):
    """Where an anchor leads: the sections of a title's portal."""

    TICKETS = "tickets"
    STREAMING = "streaming"
    CAST = "cast"
    OFFICIAL = "official"


@attrs.frozen
class EngagementCount:
    video_id: UUID
    added: Engagement


@attrs.frozen
class Click:
    video_id: UUID
    title_id: UUID
    target: ClickTarget = attrs.field(converter=ClickTarget)
    at: datetime


@attrs.frozen
class VideoClick:
    """A viewer's click on a video's call to action (a brand campaign's link)."""

    video_id: UUID
    at: datetime


ClickT = TypeVar("ClickT", Click, VideoClick)


def _checked_clicks(clicks: Sequence[ClickT]) -> tuple[ClickT, ...]:
    if not clicks:
        raise InvalidValue("a click batch holds at least one click")
    if len(clicks) > MAX_BATCH:
        raise InvalidValue(f"a click batch holds at most {MAX_BATCH} clicks")
    for click in clicks:
        checked_instant(click.at)
    return tuple(clicks)


def checked_click_window(window: timedelta) -> timedelta:
    if window <= timedelta(0):
        raise InvalidValue("a click window is longer than nothing")
    return window


def checked_region(region: str | None) -> str | None:
    """A viewer's region as an ISO 3166-1 alpha-2 code (upper case), or None if unknown."""
    if region is None:
        return None
    if len(region) != 2 or not region.isascii() or not region.isalpha():
        raise InvalidValue(f"a region is a two-letter ISO 3166 code, not {region!r}")
    return region.upper()


def click_window(at: datetime, window: timedelta) -> int:
    """The number of the fixed window of time a click at ``at`` falls in, from the epoch."""
    return (checked_instant(at) - _EPOCH) // window


class DistinctClicks:
    """What a click counts for: one per viewer, video and target in each window of time.

    Windows are fixed and counted from the epoch (hour 0 is 00:00-01:00 UTC for a window of
    an hour), so the rule depends only on what the log holds, each batch's viewer and each
    click's time, and a replay of the log counts exactly what the live projection counted.
    A flood of clicks is recorded as it came (auditors see it); it is only not counted twice.

    Windows more than one behind the newest seen are forgotten, so memory stays bounded by
    the clicks of two windows. Click times come from the server's clock, never the viewer.
    """

    def __init__(self, window: timedelta = DEFAULT_CLICK_WINDOW) -> None:
        self._window = checked_click_window(window)
        self._seen: dict[int, set[tuple[str, Hashable, str]]] = {}
        self._newest = 0

    def counts(self, viewer: str, video: Hashable, target: str, at: datetime) -> bool:
        """True the first time ``viewer`` clicks ``target`` of ``video`` in the window of
        ``at``; False for every repeat in that window."""
        window = click_window(at, self._window)
        if window > self._newest:
            self._newest = window
            for old in [w for w in self._seen if w < window - 1]:
                del self._seen[old]
        seen = self._seen.setdefault(window, set())
        key = (viewer, video, target)
        if key in seen:
            return False
        seen.add(key)
        return True


def _counts(values: Iterable[EngagementCount]) -> tuple[EngagementCount, ...]:
    return tuple(values)


def _clicks(values: Iterable[Click]) -> tuple[Click, ...]:
    return tuple(values)


def batch_id_for(reporter: str, batch_key: str) -> UUID:
    """The same reporter's same batch key always names the same batch."""
    if not batch_key or len(batch_key) > 200:
        raise InvalidValue("a batch key has 1 to 200 characters")
    return uuid5(_NAMESPACE, f"{reporter}/{batch_key}")


class EngagementBatch(DomainAggregate):
    TOPIC = "spotlight.audience:EngagementBatch"

    class Recorded(Aggregate.Created):
        TOPIC = "spotlight.audience:EngagementBatchRecorded"
        reporter: str
        counts: tuple[EngagementCount, ...]
        reported_at: datetime

    @classmethod
    def record(
        cls, batch_id: UUID, *, reporter: str, counts: list[EngagementCount], at: datetime
    ) -> EngagementBatch:
        if not counts:
            raise InvalidValue("an engagement batch counts something")
        if len(counts) > MAX_BATCH:
            raise InvalidValue(f"an engagement batch holds at most {MAX_BATCH} counts")
        if any(count.added.is_empty for count in counts):
            raise InvalidValue("every count in a batch adds something")
        return cls(
            id=batch_id, reporter=reporter, counts=tuple(counts), reported_at=checked_instant(at)
        )

    @event(Recorded)
    def __init__(
        self,
        id: UUID,
        reporter: str,
        counts: tuple[EngagementCount, ...],
        reported_at: datetime,
    ) -> None:
        self.reporter = reporter
        self.counts = _counts(counts)
        self.reported_at = reported_at


class ClickBatch(DomainAggregate):
    TOPIC = "spotlight.audience:ClickBatch"

    class Recorded(Aggregate.Created):
        TOPIC = "spotlight.audience:AnchorClicksRecorded"
        # v2 added the viewer's region (none: not reported, as for every v1 batch).
        class_version = 2
        viewer: str
        clicks: tuple[Click, ...]
        region: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["region"] = None

    @classmethod
    def record(
        cls, batch_id: UUID, *, viewer: str, clicks: list[Click], region: str | None = None
    ) -> ClickBatch:
        return cls(
            id=batch_id,
            viewer=viewer,
            clicks=_checked_clicks(clicks),
            region=checked_region(region),
        )

    @event(Recorded)
    def __init__(
        self,
        id: UUID,
        viewer: str,
        clicks: tuple[Click, ...],
        region: str | None = None,
    ) -> None:
        self.viewer = viewer
        self.clicks = _clicks(clicks)
        self.region = region


class CallToActionClickBatch(DomainAggregate):
    """A viewer's clicks on videos' calls to action; campaigns count those of their videos."""

    TOPIC = "spotlight.audience:CallToActionClickBatch"

    class Recorded(Aggregate.Created):
        TOPIC = "spotlight.audience:CallToActionClicksRecorded"
        viewer: str
        clicks: tuple[VideoClick, ...]

    @classmethod
    def record(
        cls, batch_id: UUID, *, viewer: str, clicks: list[VideoClick]
    ) -> CallToActionClickBatch:
        return cls(id=batch_id, viewer=viewer, clicks=_checked_clicks(clicks))

    @event(Recorded)
    def __init__(self, id: UUID, viewer: str, clicks: tuple[VideoClick, ...]) -> None:
        self.viewer = viewer
        self.clicks = tuple(clicks)
