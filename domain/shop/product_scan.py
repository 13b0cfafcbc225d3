"""The cursor of product recognition: which videos have been matched against which listings.

Product tags are proposed by one scan over two logs: videos (their product descriptors, in
the catalogue's log) and listings (their photos' descriptors, in the revenue log). The scan
keeps two positions, and every (video, listing) pair is considered exactly once, when the
later of the two reaches it:

- the *live* part matches each video after ``videos_through`` against every listing up to
  ``listings_through``;
- listings described after ``listings_through`` join as a *batch*: opening it moves
  ``listings_through`` to the batch's end and starts a *backfill* that matches the videos up
  to the live position at that moment (``videos_until``) against the batch's listings only.
  The live part already covers every video after that position with the batch included.

One backfill is open at a time; listings described meanwhile wait for the next batch. Every
move of a cursor is an event saved with nothing else, after the tags it covers: tags are
idempotent (a video is never tagged twice with a listing, and a removed tag never returns),
so a scan interrupted between the two repeats the same proposals, which add nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.time import checked_instant

_SCAN_ID = uuid5(NAMESPACE_URL, "urn:spotlight:product-scan")


class ScanOutOfOrder(RuleViolated):
    """A cursor may only move forward, and within what is open."""


@attrs.frozen
class Backfill:
    listings_after: int  # the batch's listings lie in (listings_after, listings_through]
    videos_until: int  # the live position when the batch opened: the backfill's end
    videos_through: int  # how far the backfill has matched

    @property
    def finished(self) -> bool:
        return self.videos_through >= self.videos_until


class ProductScan(DomainAggregate):
    TOPIC = "spotlight.shop:ProductScan"

    class Started(Aggregate.Created):
        TOPIC = "spotlight.shop:ProductScanStarted"
        started_at: datetime

    class VideosScanned(Aggregate.Event):
        TOPIC = "spotlight.shop:ProductScanVideosScanned"
        through: int  # catalogue position
        videos: int
        tags_proposed: int
        scanned_at: datetime

    class ListingsJoined(Aggregate.Event):
        TOPIC = "spotlight.shop:ProductScanListingsJoined"
        through: int  # revenue position of the batch's last described listing
        listings: int
        scanned_at: datetime

    class BackfillScanned(Aggregate.Event):
        TOPIC = "spotlight.shop:ProductScanBackfillScanned"
        through: int  # catalogue position
        videos: int
        tags_proposed: int
        scanned_at: datetime

    @staticmethod
    def id_for() -> UUID:
        return _SCAN_ID

    @classmethod
    def start(cls, *, at: datetime) -> ProductScan:
        return cls(id=cls.id_for(), started_at=checked_instant(at))

    @event(Started)
    def __init__(self, id: UUID, started_at: datetime) -> None:
        self.started_at = started_at
        self.videos_through = 0
        self.listings_through = 0
        self.backfill: Backfill | None = None
        self.videos_scanned = 0
        self.tags_proposed = 0

    # Commands ----------------------------------------------------------------------------

    def scan_videos(self, *, through: int, videos: int, tags_proposed: int, at: datetime) -> None:
        """The live part matched the videos up to catalogue position ``through``."""
        if through <= self.videos_through:
            raise ScanOutOfOrder(
                f"the live scan is at {self.videos_through}; it cannot move to {through}"
            )
        _counts(videos, tags_proposed)
        self._videos_scanned(through, videos, tags_proposed, checked_instant(at))

    def join_listings(self, *, through: int, listings: int, at: datetime) -> None:
        """Listings described up to revenue position ``through`` join as one batch."""
        if self.backfill is not None:
            raise ScanOutOfOrder("the previous batch's backfill is still open")
        if through <= self.listings_through:
            raise ScanOutOfOrder(
                f"listings are joined up to {self.listings_through}; not again up to {through}"
            )
        if listings < 1:
            raise InvalidValue("a batch holds at least one listing")
        self._listings_joined(through, listings, checked_instant(at))

    def scan_backfill(self, *, through: int, videos: int, tags_proposed: int, at: datetime) -> None:
        """The backfill matched the videos up to ``through`` (its end, when it is done)."""
        backfill = self.backfill
        if backfill is None:
            raise ScanOutOfOrder("no backfill is open")
        if not backfill.videos_through < through <= backfill.videos_until:
            raise ScanOutOfOrder(
                f"the backfill is at {backfill.videos_through} of {backfill.videos_until}; "
                f"it cannot move to {through}"
            )
        _counts(videos, tags_proposed)
        self._backfill_scanned(through, videos, tags_proposed, checked_instant(at))

    # Events ------------------------------------------------------------------------------

    @event(VideosScanned)
    def _videos_scanned(
        self, through: int, videos: int, tags_proposed: int, scanned_at: datetime
    ) -> None:
        self.videos_through = through
        self.videos_scanned += videos
        self.tags_proposed += tags_proposed

    @event(ListingsJoined)
    def _listings_joined(self, through: int, listings: int, scanned_at: datetime) -> None:
        backfill = Backfill(self.listings_through, self.videos_through, 0)
        self.backfill = None if backfill.finished else backfill
        self.listings_through = through

    @event(BackfillScanned)
    def _backfill_scanned(
        self, through: int, videos: int, tags_proposed: int, scanned_at: datetime
    ) -> None:
        assert self.backfill is not None
        backfill = attrs.evolve(self.backfill, videos_through=through)
        self.backfill = None if backfill.finished else backfill
        self.videos_scanned += videos
        self.tags_proposed += tags_proposed


def _counts(videos: int, tags_proposed: int) -> None:
    if videos < 0 or tags_proposed < 0:
        raise InvalidValue("counts of videos and tags are never negative")
