"""The audio index of music discovery: every submitted track and every title's reference clip.

Tracks come from the music log, reference clips from the catalogue's; both are followed, so
the index is rebuilt from the logs alone in a new process. Originality checks and usage
detection share one engine, whose index is not thread-safe: updates and queries take turns.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from application.anchors.match_index import REFERENCE_OWNER
from application.log_follower import LogFollower
from application.media import Candidate, MatchingEngine
from domain.anchors.matching import TimeRange
from domain.anchors.titles import Title
from domain.media import MediaFingerprints

TRACK_OWNER = "track:"


def track_owner(track_id: UUID) -> str:
    return f"{TRACK_OWNER}{track_id}"


def track_of(source: str) -> UUID | None:
    """The track a candidate names, or None for a title's reference clip."""
    if source.startswith(TRACK_OWNER):
        return UUID(source.removeprefix(TRACK_OWNER))
    return None


class TrackIndex:
    def __init__(
        self, engine: MatchingEngine, *, music: Any, catalogue: Any, page: int = 500
    ) -> None:
        self.engine = engine
        self._lock = threading.RLock()
        self._fingerprints: dict[str, bytes] = {}
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

    def catch_up(self) -> None:
        with self._lock:
            self._music.catch_up()
            self._catalogue.catch_up()

    def query(self, fingerprint: bytes, *, limit: int) -> list[Candidate]:
        with self._lock:
            self._music.catch_up()
            self._catalogue.catch_up()
            return self.engine.query(fingerprint, limit=limit)

    def _fingerprints_taken(self, event: Any, _position: int) -> None:
        owner: str = event.owner
        if not owner.startswith((TRACK_OWNER, REFERENCE_OWNER)):
            return  # a video's: videos are matched against the index, never indexed
        fingerprint = event.fingerprints.get(self.engine.signal)
        if not fingerprint:
            return
        if owner.startswith(REFERENCE_OWNER):
            self._fingerprints[owner] = fingerprint
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
        fingerprint = self._fingerprints.get(owner)
        if fingerprint:
            self.engine.index(owner, fingerprint, self._exclusions[owner])

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: the engine's size and the references'
        exclusions."""
        with self._lock:
            view: dict[str, object] = {"engine": len(self.engine)}
            for owner, excluded in self._exclusions.items():
                view[f"exclusions:{owner}"] = (excluded, owner in self._fingerprints)
            return view
