"""The audio index of music discovery: every submitted track and every title's reference clip.

Tracks come from the music log, reference clips from the catalogue's; both are followed, so
the index is rebuilt from the logs alone in a new process, or starts from a snapshot (the
engine's arrays, the references' exclusions and both logs' positions) and follows the logs
from there. Originality checks and usage detection share one engine, whose index is not
thread-safe: updates and queries take turns.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError

from application.anchors.match_index import (
    REFERENCE_OWNER,
    table_list,
    table_rows,
    table_spans,
)
from application.background import BackgroundPass
from application.index_snapshots import (
    IndexSnapshot,
    IndexSnapshots,
    IndexSnapshotting,
    IndexState,
    snapshot_parts,
)
from application.log_follower import LogFollower
from application.media import Candidate, MatchingEngine
from domain.anchors.matching import TimeRange
from domain.anchors.titles import Title
from domain.media import MediaFingerprints

TRACK_OWNER = "track:"
#: Index events applied since the last snapshot before the background work writes another.
SNAPSHOT_EVERY = 1000


def track_owner(track_id: UUID) -> str:
    return f"{TRACK_OWNER}{track_id}"


def track_of(source: str) -> UUID | None:
    """The track a candidate names, or None for a title's reference clip."""
    if source.startswith(TRACK_OWNER):
        return UUID(source.removeprefix(TRACK_OWNER))
    return None


@attrs.frozen
class TrackIndexSnapshot:
    music_position: int
    catalogue_position: int
    where: str
    indexed: int


class TrackIndex:
    def __init__(
        self,
        engine: MatchingEngine,
        *,
        music: Any,
        catalogue: Any,
        page: int = 500,
        snapshots: IndexSnapshots | None = None,
        snapshot_every: int = SNAPSHOT_EVERY,
    ) -> None:
        self.engine = engine
        self._catalogue_log = catalogue
        self._lock = threading.RLock()
        # References whose fingerprints are indexed: an exclusion set later re-indexes the
        # reference with the fingerprints its log holds.
        self._references: set[str] = set()
        self._exclusions: dict[str, tuple[TimeRange, ...]] = {}
        handlers = {MediaFingerprints.Taken.TOPIC: self._fingerprints_taken}
        self._music = LogFollower(music, handlers, page=page)
        self._catalogue = LogFollower(
            catalogue,
            {
                **handlers,
                Title.ReferenceAdded.TOPIC: self._reference_added,
                Title.ReferenceExclusionsSet.TOPIC: self._exclusions_set,
            },
            page=page,
        )
        self.snapshotting = (
            None
            if snapshots is None
            else IndexSnapshotting(
                "music track index",
                snapshots,
                {"music": music, "catalogue": catalogue},
                every=snapshot_every,
            )
        )
        with self._lock:
            self._restore()

    def catch_up(self) -> None:
        with self._lock:
            self._follow()

    def query(self, fingerprint: bytes, *, limit: int) -> list[Candidate]:
        with self._lock:
            self._follow()
            return self.engine.query(fingerprint, limit=limit)

    def _follow(self) -> None:
        applied = self._music.catch_up() + self._catalogue.catch_up()
        if self.snapshotting is not None:
            self.snapshotting.applied += applied

    # Snapshots --------------------------------------------------------------------------

    def _versions(self) -> dict[str, str]:
        return {self.engine.signal: self.engine.version}

    def _positions(self) -> dict[str, int]:
        return {"music": self._music.position, "catalogue": self._catalogue.position}

    def _restore(self) -> None:
        parts = snapshot_parts([self.engine])
        if self.snapshotting is None or parts is None:
            return

        def restore(snapshot: IndexSnapshot) -> None:
            tables = snapshot.state.tables
            try:
                references = {str(owner) for owner in table_list(tables["references"])}
                exclusions = {
                    str(owner): table_spans(spans)
                    for owner, spans in table_rows(tables["exclusions"])
                }
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"the track index's tables do not fit: {error!r}") from None
            self._references = references
            self._exclusions = exclusions
            self._music.position = snapshot.marks["music"].position
            self._catalogue.position = snapshot.marks["catalogue"].position

        self.snapshotting.load(self._versions(), parts, restore)

    def snapshot(self, *, min_events: int = 0) -> TrackIndexSnapshot | None:
        """Save the index as it stands at the ends of both logs, if snapshots are configured,
        the engine can save its index and at least ``min_events`` index events were applied
        since the last snapshot."""
        parts = snapshot_parts([self.engine])
        if self.snapshotting is None or parts is None:
            return None
        with self._lock:
            self._follow()
            positions = self._positions()
            if not self.snapshotting.due(positions, min_events=min_events):
                return None
            state = IndexState(
                tables={
                    "references": sorted(self._references),
                    "exclusions": [
                        [owner, [[span.start, span.end] for span in spans]]
                        for owner, spans in self._exclusions.items()
                    ],
                }
            )
            where = self.snapshotting.save(self._versions(), parts, positions, state)
            if where is None:
                return None
            return TrackIndexSnapshot(
                positions["music"], positions["catalogue"], where, len(self.engine)
            )

    def snapshot_pass(self) -> BackgroundPass:
        def run() -> str | None:
            every = 0 if self.snapshotting is None else self.snapshotting.every
            report = self.snapshot(min_events=every)
            if report is None:
                return None
            return (
                f"snapshot at music position {report.music_position}, catalogue position "
                f"{report.catalogue_position} ({report.indexed} indexed) in {report.where}"
            )

        return BackgroundPass("music index snapshot", run, "music index snapshot failed")

    # Following the logs -----------------------------------------------------------------

    def _fingerprints_taken(self, event: Any, _position: int) -> None:
        owner: str = event.owner
        if not owner.startswith((TRACK_OWNER, REFERENCE_OWNER)):
            return  # a video's: videos are matched against the index, never indexed
        fingerprint = event.fingerprints.get(self.engine.signal)
        if not fingerprint:
            return
        if owner.startswith(REFERENCE_OWNER):
            self._references.add(owner)
        self.engine.index(owner, fingerprint, self._exclusions.get(owner, ()))

    # A studio's exclusions (e.g. licensed music in its trailer) are not the studio's to claim:
    # a track that matches only there is not a copy of the title.

    def _reference_added(self, event: Any, _position: int) -> None:
        self._exclusions[f"{REFERENCE_OWNER}{event.reference.reference_id}"] = tuple(
            event.reference.excluded
        )

    def _exclusions_set(self, event: Any, _position: int) -> None:
        owner = f"{REFERENCE_OWNER}{event.reference_id}"
        self._exclusions[owner] = tuple(event.excluded)
        if owner in self._references:
            fingerprint = self._fingerprint_of(owner)
            if fingerprint:
                self.engine.index(owner, fingerprint, self._exclusions[owner])

    def _fingerprint_of(self, owner: str) -> bytes | None:
        """The reference's fingerprint as the log holds it (one set per owner)."""
        try:
            taken: MediaFingerprints = self._catalogue_log.repository.get(
                MediaFingerprints.id_for(owner)
            )
        except AggregateNotFoundError:
            return None
        return taken.fingerprints.get(self.engine.signal)

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: the engine's size and the references'
        exclusions."""
        with self._lock:
            view: dict[str, object] = {"engine": len(self.engine)}
            for owner, excluded in self._exclusions.items():
                view[f"exclusions:{owner}"] = (excluded, owner in self._references)
            return view
