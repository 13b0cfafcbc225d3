"""Product tags proposed by recognition: listed products found in videos' frames.

A video's frames are described once, when it is published (``VideoProductFrames``, kept with
its fingerprints in the catalogue's log); a listing's photos are described once, when it is
listed (``ListingDescriptors``, beside the listing in the revenue log). The background worker
runs ``ProductScanning``, which follows both logs with one cursor (``domain.shop.product_scan``):
new videos are recognised against every listing indexed so far, and listings described later
are matched against the videos published before them, so that every video is considered for
every listing exactly once, and old videos gain tags for new listings.

A proposal needs the recogniser's image evidence; words of the listing's title found in the
video's caption and hashtags add to its confidence but never make a tag on their own (a
caption that says "sneakers" fits thousands of listings). Proposals go through
``ProductTagging.tag``, which keeps every consent rule: the creator is told before viewers see
the tag, a removed tag never returns, opted-out videos get nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import attrs
from eventsourcing.persistence import Notification

from application.anchors.match_index import VIDEO_OWNER, table_list, table_rows
from application.background import BackgroundPass
from application.errors import StaleVersion
from application.index_snapshots import (
    IndexSnapshot,
    IndexSnapshots,
    IndexSnapshotting,
    IndexState,
    snapshot_parts,
)
from application.log_follower import LogFollower
from application.logs import CatalogueLog, RevenueLog
from application.media import DecodedMedia, PictureSampling
from application.ports import Clock
from application.progress import JobProgress
from application.shop.products import IncompatibleDescriptors, ProductCandidate, ProductRecognizer
from domain.anchors.videos import Video
from domain.media import MediaFingerprints
from domain.shop.listing_descriptors import ListingDescriptors
from domain.shop.listings import Listing
from domain.shop.product_scan import ProductScan
from domain.shop.product_tags import MAX_TAGS

#: The name under which a video's product descriptors are kept with its fingerprints.
PRODUCTS_SIGNAL = "products"
#: How much words of the listing's title in the caption add: a full match halves the doubt.
TEXT_WEIGHT = 0.5
#: Listings joined in one batch: each batch is one more pass over the older videos.
BATCH_LISTINGS = 1_000
SIGHTINGS_KEPT = 5
#: Listings indexed or withdrawn since the last snapshot before the background work writes
#: another.
SNAPSHOT_EVERY = 1000
_WORD = re.compile(r"[^\W_]{3,}")
_COMMON_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "this",
        "that",
        "your",
        "our",
        "you",
        "new",
        "set",
        "pack",
        "size",
        "item",
        "one",
        "two",
    ]
)


class TagProposer(Protocol):
    """Where proposals go: ``ProductTagging``, which keeps the creator's consent rules."""

    def tag(
        self,
        video_id: UUID,
        listing_id: UUID,
        *,
        confidence: float,
        evidence: Mapping[str, Any],
        by: str,
    ) -> bool: ...


class VideoProductFrames:
    """``MediaDescriber`` for the shop: the product recogniser's description of a video's
    frames, sampled the way the recogniser wants them (``sampling``) in the anchors' one
    decoding of the upload."""

    signal = PRODUCTS_SIGNAL

    def __init__(self, recognizer: ProductRecognizer, sampling: PictureSampling) -> None:
        self.recognizer = recognizer
        self.sampling = sampling
        self.version = recognizer.version

    def describe(self, media: DecodedMedia) -> bytes:
        return self.recognizer.describe_video(media)


@attrs.frozen
class ProductScanReport:
    videos_scanned: int  # videos recognised by the live part and the backfill together
    listings_joined: int
    tags_proposed: int
    backfill_open: bool
    listings_waiting: bool  # described listings not yet joined to the scan


@attrs.frozen
class ProductIndexSnapshot:
    position: int  # listings indexed through this revenue position
    where: str
    listings: int


@attrs.frozen
class ProductScanStatus:
    videos_through: int  # catalogue position of the live part
    listings_through: int  # revenue position of the last joined listing
    backfill: tuple[int, int] | None  # (videos matched through, until) of the open backfill
    videos_scanned: int
    tags_proposed: int
    listings_indexed: int  # in this process's recogniser


def title_words(text: str) -> set[str]:
    """Words that identify a product: at least three letters, not the commonest ones."""
    return {w for w in _WORD.findall(text.casefold()) if w not in _COMMON_WORDS}


def text_evidence(title: str, caption: str, hashtags: Sequence[str]) -> tuple[float, list[str]]:
    """The share of the title's words that the caption or hashtags say, and which."""
    wanted = title_words(title)
    if not wanted:
        return 0.0, []
    said = title_words(caption)
    tags = " ".join(tag.lstrip("#").casefold() for tag in hashtags)
    found = sorted(w for w in wanted if w in said or w in tags)
    return len(found) / len(wanted), found


def combined_confidence(image_score: float, text_score: float) -> float:
    return round(1 - (1 - image_score) * (1 - TEXT_WEIGHT * text_score), 4)


class ProductScanning:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        catalogue: CatalogueLog,
        recognizer: ProductRecognizer,
        tagging: TagProposer,
        clock: Clock,
        min_confidence: float = 0.5,
        snapshots: IndexSnapshots | None = None,
        snapshot_every: int = SNAPSHOT_EVERY,
    ) -> None:
        self._revenue = revenue
        self._catalogue = catalogue
        self.recognizer = recognizer
        self.tagging = tagging
        self.clock = clock
        self.min_confidence = min_confidence
        self._lock = threading.RLock()  # the recogniser's index takes one caller at a time
        self._indexed_through = 0  # revenue position up to which listings are indexed
        self._joined_at: dict[UUID, int] = {}  # listing -> revenue position of its photos
        self._withdrawn: set[UUID] = set()
        self._withdrawals = LogFollower(
            revenue,
            {Listing.Delisted.TOPIC: self._withdraw, Listing.TakenDown.TOPIC: self._withdraw},
        )
        # Both cursors are the revenue log's: listings indexed through one position,
        # withdrawals followed through another.
        self.snapshotting = (
            None
            if snapshots is None
            else IndexSnapshotting(
                "product recogniser's index",
                snapshots,
                {"listings": revenue, "withdrawals": revenue},
                every=snapshot_every,
            )
        )
        with self._lock:
            self._restore()

    # Running ------------------------------------------------------------------------------

    def background_pass(self) -> BackgroundPass:
        """The background pass that recognises listed products in videos (up to 200 a pass, live
        and backfill), joining newly described listings, and proposes tags."""

        def run() -> str | None:
            products = self.run()
            if not (products.videos_scanned or products.listings_joined):
                return None
            return (
                f"{products.videos_scanned} videos, {products.listings_joined} new listings, "
                f"{products.tags_proposed} tags proposed"
            )

        return BackgroundPass("product recognition", run, "product recognition pass failed")

    def run(self, *, max_videos: int = 200, batch: int = 20) -> ProductScanReport:
        """Recognise up to ``max_videos`` videos in all (live and backfill), joining newly
        described listings as they come."""
        scanned = joined = proposed = 0
        with self._lock:
            while scanned < max_videos:
                scan = self._scan()
                self._index_through(scan.listings_through)
                size = min(batch, max_videos - scanned)
                if scan.backfill is not None:
                    step = self._backfill(scan, size)
                elif (count := self._join(scan)) is not None:
                    joined += count
                    continue
                else:
                    step = self._live(scan, size)
                if step is None:
                    continue  # another worker moved the cursor first: go on from there
                videos, tags = step
                if videos == 0 and scan.backfill is None:
                    break
                scanned += videos
                proposed += tags
            scan = self._scan()
            return ProductScanReport(
                videos_scanned=scanned,
                listings_joined=joined,
                tags_proposed=proposed,
                backfill_open=scan.backfill is not None,
                listings_waiting=bool(self._described_after(scan.listings_through, 1)),
            )

    def run_to_completion(
        self, *, batch: int = 20, progress: JobProgress | None = None
    ) -> ProductScanReport:
        """Run until every video and listing recorded before the call has been considered.
        ``progress`` is told the catalogue positions passed, of all there are to pass (live
        and backfill); the total grows as videos are published meanwhile."""
        scanned = joined = proposed = 0
        total = self._positions_left()
        while True:
            report = self.run(max_videos=1_000 if progress is None else 10 * batch, batch=batch)
            scanned += report.videos_scanned
            joined += report.listings_joined
            proposed += report.tags_proposed
            if report.videos_scanned == 0 and not (report.backfill_open or report.listings_waiting):
                if progress is not None:
                    progress(total, total)
                return ProductScanReport(scanned, joined, proposed, False, False)
            if progress is not None:
                left = self._positions_left()
                total = max(total, left)
                progress(total - left, total)

    def _positions_left(self) -> int:
        """Catalogue positions the live scan and the open backfill have still to pass."""
        with self._lock:
            scan = self._scan()
        head = self._catalogue.recorder.max_notification_id() or 0
        left = max(0, head - scan.videos_through)
        if scan.backfill is not None:
            left += max(0, scan.backfill.videos_until - scan.backfill.videos_through)
        return left

    def status(self) -> ProductScanStatus:
        """How far product recognition has scanned the videos and listings, its backfill's
        progress, and how many videos, tags and indexed listings it has counted."""
        with self._lock:
            scan = self._scan()
            backfill = scan.backfill
            return ProductScanStatus(
                videos_through=scan.videos_through,
                listings_through=scan.listings_through,
                backfill=None
                if backfill is None
                else (backfill.videos_through, backfill.videos_until),
                videos_scanned=scan.videos_scanned,
                tags_proposed=scan.tags_proposed,
                listings_indexed=len(self.recognizer),
            )

    def catch_up(self) -> None:
        """Index the listings the scan has joined so far, and forget those withdrawn."""
        with self._lock:
            scan = self._revenue.find(ProductScan, ProductScan.id_for())
            self._index_through(0 if scan is None else scan.listings_through)

    # Snapshots of the recogniser's index ---------------------------------------------------

    def _versions(self) -> dict[str, str]:
        return {"products": self.recognizer.version}

    def _restore(self) -> None:
        parts = snapshot_parts([self.recognizer])
        if self.snapshotting is None or parts is None:
            return

        def restore(snapshot: IndexSnapshot) -> None:
            tables = snapshot.state.tables
            try:
                joined = {
                    UUID(str(listing)): int(position)
                    for listing, position in table_rows(tables["joined"])
                }
                withdrawn = {UUID(str(listing)) for listing in table_list(tables["withdrawn"])}
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"the scan's tables do not fit: {error!r}") from None
            self._joined_at = joined
            self._withdrawn = withdrawn
            self._indexed_through = snapshot.marks["listings"].position
            self._withdrawals.position = snapshot.marks["withdrawals"].position

        self.snapshotting.load(self._versions(), parts, restore)

    def snapshot(self, *, min_events: int = 0) -> ProductIndexSnapshot | None:
        """Save the recogniser's index as this process has it (listings indexed through the
        scan's position, withdrawals through the log's end), if snapshots are configured,
        the recogniser can save its index, and at least ``min_events`` listings were
        indexed or withdrawn since the last snapshot."""
        parts = snapshot_parts([self.recognizer])
        if self.snapshotting is None or parts is None:
            return None
        with self._lock:
            self.catch_up()
            positions = {
                "listings": self._indexed_through,
                "withdrawals": self._withdrawals.position,
            }
            if not self.snapshotting.due(positions, min_events=min_events):
                return None
            state = IndexState(
                tables={
                    "joined": [[str(k), v] for k, v in self._joined_at.items()],
                    "withdrawn": sorted(str(listing) for listing in self._withdrawn),
                }
            )
            where = self.snapshotting.save(self._versions(), parts, positions, state)
            if where is None:
                return None
            return ProductIndexSnapshot(self._indexed_through, where, len(self.recognizer))

    def snapshot_pass(self) -> BackgroundPass:
        """The background pass that snapshots the product index once enough revenue events have
        passed since the last snapshot (never, when snapshotting is off)."""

        def run() -> str | None:
            every = 0 if self.snapshotting is None else self.snapshotting.every
            report = self.snapshot(min_events=every)
            if report is None:
                return None
            return (
                f"snapshot at revenue position {report.position} ({report.listings} listings "
                f"indexed) in {report.where}"
            )

        return BackgroundPass("product index snapshot", run, "product index snapshot failed")

    # The three steps ----------------------------------------------------------------------

    def _live(self, scan: ProductScan, size: int) -> tuple[int, int] | None:
        videos = self._videos_after(scan.videos_through, None, size)
        if not videos:
            return 0, 0
        tags = self._propose(videos, only_after=None)
        scan.scan_videos(
            through=videos[-1].id, videos=len(videos), tags_proposed=tags, at=self.clock.now()
        )
        return (len(videos), tags) if self._commit(scan) else None

    def _backfill(self, scan: ProductScan, size: int) -> tuple[int, int] | None:
        backfill = scan.backfill
        assert backfill is not None
        videos = self._videos_after(backfill.videos_through, backfill.videos_until, size)
        tags = self._propose(videos, only_after=backfill.listings_after)
        # A short page means nothing is left before the backfill's end.
        through = videos[-1].id if len(videos) == size else backfill.videos_until
        scan.scan_backfill(
            through=through, videos=len(videos), tags_proposed=tags, at=self.clock.now()
        )
        return (len(videos), tags) if self._commit(scan) else None

    def _join(self, scan: ProductScan) -> int | None:
        """Join the listings described since the last batch; None when there are none."""
        described = self._described_after(scan.listings_through, BATCH_LISTINGS)
        if not described:
            return None
        scan.join_listings(through=described[-1].id, listings=len(described), at=self.clock.now())
        # Saved before anything is indexed, so this process's index never runs ahead of
        # what the scan records.
        return len(described) if self._commit(scan) else 0

    # Recognition --------------------------------------------------------------------------

    def _propose(self, videos: Sequence[Notification], *, only_after: int | None) -> int:
        """Tag each video with the indexed listings seen in it (only those joined after
        revenue position ``only_after``, for a backfill); answers how many tags were added."""
        proposed = 0
        limit = MAX_TAGS if only_after is None else MAX_TAGS * 3
        for video_id, descriptors in self._descriptions(videos):
            try:
                candidates = self.recognizer.recognise(descriptors, limit=limit)
            except IncompatibleDescriptors:
                continue  # described by another recogniser version: see ARCHITECTURE.md
            if only_after is not None:
                candidates = [
                    c for c in candidates if self._joined_at.get(UUID(c.listing_id), 0) > only_after
                ]
            if candidates:
                proposed += self._tag(video_id, candidates)
        return proposed

    def _tag(self, video_id: UUID, candidates: Sequence[ProductCandidate]) -> int:
        video = self._catalogue.find(Video, video_id)
        if video is None:
            return 0
        added = 0
        for candidate in candidates:
            listing_id = UUID(candidate.listing_id)
            listing = self._revenue.find(Listing, listing_id)
            if listing is None:
                continue
            text_score, words = text_evidence(listing.title, video.caption, video.hashtags)
            confidence = combined_confidence(candidate.score, text_score)
            if confidence < self.min_confidence:
                continue
            evidence: dict[str, Any] = {
                "recogniser": self.recognizer.version,
                "image": {
                    "score": round(candidate.score, 4),
                    "sightings": [
                        {
                            "at_seconds": round(s.at_seconds, 2),
                            "matches": s.matches,
                            "box": [round(v, 4) for v in s.box],
                            "photo": s.photo,
                        }
                        for s in candidate.sightings[:SIGHTINGS_KEPT]
                    ],
                    "frames_seen": len(candidate.sightings),
                },
                "text": {"score": round(text_score, 4), "words": words},
            }
            if self.tagging.tag(
                video_id,
                listing_id,
                confidence=confidence,
                evidence=evidence,
                by=f"recognition:{self.recognizer.version}",
            ):
                added += 1
        return added

    def _descriptions(self, videos: Sequence[Notification]) -> Iterator[tuple[UUID, bytes]]:
        for notification in videos:
            taken: Any = self._catalogue.mapper.to_domain_event(notification)
            if not taken.owner.startswith(VIDEO_OWNER):
                continue
            descriptors = taken.fingerprints.get(PRODUCTS_SIGNAL)
            if descriptors and taken.engine_versions.get(PRODUCTS_SIGNAL) == (
                self.recognizer.version
            ):
                yield UUID(taken.owner.removeprefix(VIDEO_OWNER)), descriptors

    # The recogniser's index ---------------------------------------------------------------

    def _index_through(self, position: int) -> None:
        """Index the listings described up to revenue position ``position`` (the scan's)."""
        applied = self._withdrawals.catch_up()
        while self._indexed_through < position:
            page = self._revenue.recorder.select_notifications(
                start=self._indexed_through,
                limit=500,
                stop=position,
                topics=(ListingDescriptors.Described.TOPIC,),
                inclusive_of_start=False,
            )
            for notification in page:
                described: Any = self._revenue.mapper.to_domain_event(notification)
                self._joined_at[described.listing_id] = notification.id
                if described.listing_id in self._withdrawn:
                    continue
                if described.recogniser != self.recognizer.version:
                    continue  # from another recogniser version: the seller must re-list
                self.recognizer.index(str(described.listing_id), described.descriptors)
                applied += 1
            self._indexed_through = page[-1].id if len(page) == 500 else position
        if self.snapshotting is not None:
            self.snapshotting.applied += applied

    def _withdraw(self, event: Any, _position: int) -> None:
        self._withdrawn.add(event.originator_id)
        self.recognizer.forget(str(event.originator_id))

    # Logs ---------------------------------------------------------------------------------

    def _videos_after(self, position: int, until: int | None, limit: int) -> list[Notification]:
        return list(
            self._catalogue.recorder.select_notifications(
                start=position,
                limit=limit,
                stop=until,
                topics=(MediaFingerprints.Taken.TOPIC,),
                inclusive_of_start=False,
            )
        )

    def _described_after(self, position: int, limit: int) -> list[Notification]:
        return list(
            self._revenue.recorder.select_notifications(
                start=position,
                limit=limit,
                topics=(ListingDescriptors.Described.TOPIC,),
                inclusive_of_start=False,
            )
        )

    def _scan(self) -> ProductScan:
        found = self._revenue.find(ProductScan, ProductScan.id_for())
        if found is not None:
            return found
        self._commit(ProductScan.start(at=self.clock.now()))
        return self._revenue.load(ProductScan, ProductScan.id_for())

    def _commit(self, scan: ProductScan) -> bool:
        """Save; False when another worker moved the scan first."""
        try:
            self._revenue.commit(scan)
        except StaleVersion:
            return False
        return True
