"""The audio index of music discovery: every submitted track and every title's reference clip.

Tracks come from the music log, reference clips from the catalogue's; both are followed, so
the index is rebuilt from the logs alone in a new process. Originality checks and usage
detection share one engine, whose index is not thread-safe: updates and queries take turns.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from application.log_follower import LogFollower
from application.match_index import REFERENCE_OWNER
from application.media import Candidate, MatchingEngine
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
        handlers = {MediaFingerprints.Taken.TOPIC: self._fingerprints_taken}
        self._music = LogFollower(music, handlers, page=page)
        self._catalogue = LogFollower(catalogue, handlers, page=page)

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
        if fingerprint:
            self.engine.index(owner, fingerprint)
