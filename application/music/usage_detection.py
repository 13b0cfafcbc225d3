"""Finding videos that use cleared tracks, by their audio, from the catalogue's log.

Two kinds of scan (``domain.music.track_usage.UsageScan``) walk the catalogue's video fingerprints
and save the uses they find together with their cursor:

- the live scan follows every new video and matches it against every cleared track;
- a backfill scan, one per cleared track, matches that track against the videos published
  before it started.

Nothing is missed between the two: the live scan reads its batch of videos *before* it brings
the cleared tracks up to date, and a backfill starts only after its track's clearance is in
the log, covering every video published by then. A use is an aggregate with a derived id, so
a video found by both scans, or by two workers, is recorded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import Notification

from application.anchors.match_index import VIDEO_OWNER
from application.background import BackgroundPass
from application.domain_application import DomainApplication
from application.errors import StaleVersion
from application.logs import MusicLog
from application.music.music_read_model import MusicReads
from application.music.track_index import TrackIndex, track_of
from application.ports import Clock
from domain.media import MediaFingerprints
from domain.music.track_usage import LIVE, TrackUse, UsageScan

#: A video uses a track when the audio engine scores it at least this ...
USE_MIN_SCORE = 0.4
#: ... over at least this many seconds (the default auto-anchor rule for audio).
USE_MIN_SECONDS = 4.0
CANDIDATES = 20


@attrs.frozen
class UsageReport:
    videos_considered: int
    uses_found: int
    scans_pending: int


class UsageDetection:
    def __init__(
        self,
        music: MusicLog,
        *,
        catalogue: DomainApplication,
        index: TrackIndex,
        read: MusicReads,
        clock: Clock,
    ) -> None:
        self._music = music
        self._catalogue = catalogue
        self.index = index
        self.read = read
        self.clock = clock

    def background_pass(self) -> BackgroundPass:
        """The background pass that matches new videos against the cleared tracks, and each newly
        cleared track against the videos published before it (the backfills)."""

        def run() -> str | None:
            usage = self.run()
            if not usage.videos_considered:
                return None
            return (
                f"{usage.videos_considered} videos considered, {usage.uses_found} uses found, "
                f"{usage.scans_pending} backfills open"
            )

        return BackgroundPass("track usage", run, "track usage pass failed")

    def run(self, *, max_videos: int = 500, batch: int = 50) -> UsageReport:
        """Advance the live scan and every backfill by up to ``max_videos`` videos in all."""
        self._start_backfills()
        considered = found = 0
        for scope in [LIVE, *self._open_backfills()]:
            if considered >= max_videos:
                break
            done, did = self._advance(scope, max_videos - considered, batch)
            considered += done
            found += did
        return UsageReport(considered, found, scans_pending=len(self._open_backfills()))

    def run_to_completion(self, *, batch: int = 50) -> UsageReport:
        """Run until every video published before the call has been matched by every scan."""
        target = self._catalogue.recorder.max_notification_id() or 0
        considered = found = 0
        while True:
            report = self.run(max_videos=10_000, batch=batch)
            considered += report.videos_considered
            found += report.uses_found
            if report.scans_pending == 0 and not self._live_pending(target):
                return UsageReport(considered, found, 0)

    def _live_pending(self, until: int) -> bool:
        live = self._music.find(UsageScan, UsageScan.id_for(LIVE))
        position = live.position if live is not None else 0
        return (
            bool(self._video_fingerprints_after(position, until, 1)) if position < until else False
        )

    # Scans ------------------------------------------------------------------------------

    def _start_backfills(self) -> None:
        view = self.read.catch_up()
        head = self._catalogue.recorder.max_notification_id() or 0
        scans = [
            UsageScan.start(scope=scope, until_position=head, at=self.clock.now())
            for scope in view.backfills_to_start()
        ]
        if not scans:
            return
        try:
            self._music.commit(*scans)
        except StaleVersion:
            # Another worker started some of them first: start the others one by one (new
            # aggregates: a failed save has already taken the pending events of these).
            unstarted = set(self.read.catch_up().backfills_to_start())
            for scan in scans:
                if scan.scope in unstarted:
                    with suppress(StaleVersion):
                        self._music.commit(
                            UsageScan.start(
                                scope=scan.scope, until_position=head, at=self.clock.now()
                            )
                        )

    def _open_backfills(self) -> list[str]:
        return self.read.catch_up().open_backfills()

    def _scan(self, scope: str) -> UsageScan:
        scan = self._music.find(UsageScan, UsageScan.id_for(scope))
        if scan is None:
            # Backfills are started by _start_backfills; only the live scan starts here.
            scan = UsageScan.start(scope=LIVE, until_position=None, at=self.clock.now())
        return scan

    def _advance(self, scope: str, budget: int, batch: int) -> tuple[int, int]:
        considered = found = 0
        while considered < budget:
            scan = self._scan(scope)
            if scan.finished:
                break
            notifications = self._video_fingerprints_after(
                scan.position, scan.until_position, min(batch, budget - considered)
            )
            if not notifications:
                if scan.until_position is not None:
                    scan.finish(at=self.clock.now())
                    self._commit_quietly(scan)
                break
            # Read the videos first, then the cleared tracks: a track cleared after this
            # point has a backfill that starts later and covers these videos.
            only = track_of_scope(scope)
            uses = self._uses_in(notifications, only)
            scan.advance(notifications[-1].id, considered=len(notifications), found=len(uses))
            if not self._commit_quietly(scan, *uses):
                continue  # another worker moved this cursor first: go on from where it is
            considered += len(notifications)
            found += len(uses)
        return considered, found

    def _video_fingerprints_after(
        self, position: int, until: int | None, limit: int
    ) -> Sequence[Notification]:
        return self._catalogue.recorder.select_notifications(
            start=position,
            limit=limit,
            stop=until,
            topics=(MediaFingerprints.Taken.TOPIC,),
            inclusive_of_start=False,
        )

    def _uses_in(self, notifications: Sequence[Notification], only: UUID | None) -> list[TrackUse]:
        # The candidates of every video first, then the read model once for all of them.
        found: list[tuple[UUID, UUID, Any]] = []
        for notification in notifications:
            taken: Any = self._catalogue.mapper.to_domain_event(notification)
            if not taken.owner.startswith(VIDEO_OWNER):
                continue
            fingerprint = taken.fingerprints.get(self.index.engine.signal)
            if not fingerprint:
                continue
            video_id = UUID(taken.owner.removeprefix(VIDEO_OWNER))
            for candidate in self.index.query(fingerprint, limit=CANDIDATES):
                track_id = track_of(candidate.reference_id)
                if track_id is None or (only is not None and track_id != only):
                    continue
                if candidate.score < USE_MIN_SCORE or candidate.matched_seconds < USE_MIN_SECONDS:
                    continue
                found.append((track_id, video_id, candidate))
        if not found:
            return []
        view = self.read.catch_up()
        cleared = view.cleared_among(track_id for track_id, _video, _candidate in found)
        recorded = view.recorded_uses((track_id, video) for track_id, video, _candidate in found)
        return [
            TrackUse.detect(
                track_id=track_id,
                video_id=video_id,
                score=round(float(candidate.score), 4),
                matched_seconds=round(float(candidate.matched_seconds), 2),
                video_start=round(max(0.0, float(candidate.query_start)), 2),
                track_start=round(max(0.0, float(candidate.reference_start)), 2),
                at=self.clock.now(),
            )
            for track_id, video_id, candidate in found
            if track_id in cleared and (track_id, video_id) not in recorded
        ]

    def _commit_quietly(self, *aggregates: Any) -> bool:
        """Save; False when another worker moved the same cursor (or found a use) first."""
        try:
            self._music.commit(*aggregates)
        except StaleVersion:
            return False
        return True


def track_of_scope(scope: str) -> UUID | None:
    return None if scope == LIVE else UUID(scope.removeprefix("track:"))
