"""Original tracks that artists submit: checked for originality, then cleared or rejected.

A submission is fingerprinted and compared with every track already submitted and with the
reference clips of titles before anyone looks at it. What it resembles is recorded as
evidence; a track with such evidence is cleared only when a reviewer overrides it, with a
reason. Cleared tracks make up the featured playlist.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.media import StoredBlob
from domain.music.genres import checked_genre
from domain.text import checked_free_text, checked_line
from domain.time import checked_instant

MAX_TRACK_TITLE = 200
MAX_REASON = 2000


class TrackStatus(StrEnum):
    SUBMITTED = "submitted"  # awaiting a reviewer
    CLEARED = "cleared"  # in the featured playlist, usable in videos, may enter seasons
    REJECTED = "rejected"


class TrackAlreadyDecided(RuleViolated):
    """A reviewer already cleared or rejected this track."""


class OverrideRequired(RuleViolated):
    """The track resembles other material; only an explicit override with a reason clears it."""


class OriginalityNotChecked(RuleViolated):
    """The track was never compared with the catalogue, so nobody may clear it yet."""


@attrs.frozen
class Resemblance:
    """Evidence that a submission resembles earlier material (a track or a reference clip)."""

    source: str  # 'track:<id>' or 'reference:<id>'
    score: float  # 0..1, the audio engine's
    matched_seconds: float
    submission_start: float  # seconds into the submission where the likeness starts
    source_start: float  # seconds into the source

    def __attrs_post_init__(self) -> None:
        for name in ("score", "matched_seconds", "submission_start", "source_start"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidValue(f"{name} must be a finite, non-negative number")


def _resemblances(values: Iterable[Resemblance]) -> tuple[Resemblance, ...]:
    return tuple(values)


def _checked_reason(reason: str, doing: str) -> str:
    stripped = checked_free_text(reason, f"the reason for {doing}").strip()
    if not stripped:
        raise InvalidValue(f"{doing} needs a reason")
    if len(stripped) > MAX_REASON:
        raise InvalidValue(f"a reason has at most {MAX_REASON} characters")
    return stripped


def checked_track_title(title: str) -> str:
    """The title a track is submitted under, trimmed; checked again by ``Track.submit``, and
    before its upload is decoded, so a bad title costs no decoding."""
    stripped = checked_line(title, "a track's title").strip()
    if not stripped or len(stripped) > MAX_TRACK_TITLE:
        raise InvalidValue(f"a track's title has 1 to {MAX_TRACK_TITLE} characters")
    return stripped


class Track(DomainAggregate):
    TOPIC = "spotlight.tracks:Track"

    class Submitted(Aggregate.Created):
        TOPIC = "spotlight.tracks:TrackSubmitted"
        # v2 added the genre the artist filed it under (none: not said, as every v1 track).
        class_version = 2
        artist_account: str
        title: str
        digest: str
        duration_seconds: float
        submitted_at: datetime
        genre: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["genre"] = None

    class MediaStored(Aggregate.Event):
        """The submitted audio was kept in the media store (for judges and reviewers)."""

        TOPIC = "spotlight.tracks:TrackMediaStored"
        address: str
        size: int
        content_type: str
        stored_at: datetime

    class OriginalityChecked(Aggregate.Event):
        TOPIC = "spotlight.tracks:TrackOriginalityChecked"
        resemblances: tuple[Resemblance, ...]
        engine_version: str
        checked_at: datetime

    class Cleared(Aggregate.Event):
        TOPIC = "spotlight.tracks:TrackCleared"
        cleared_by: str
        reason: str
        overridden: bool  # cleared despite recorded resemblances
        cleared_at: datetime

    class Rejected(Aggregate.Event):
        TOPIC = "spotlight.tracks:TrackRejected"
        rejected_by: str
        reason: str
        rejected_at: datetime

    @classmethod
    def submit(
        cls,
        track_id: UUID,
        *,
        artist_account: str,
        title: str,
        digest: str,
        duration_seconds: float,
        at: datetime,
        genre: str | None = None,
    ) -> Track:
        stripped = checked_track_title(title)
        filed_under = checked_genre(genre)
        if not math.isfinite(duration_seconds) or duration_seconds <= 0:
            raise InvalidValue("a track must last longer than zero seconds")
        return cls(
            id=track_id,
            artist_account=artist_account,
            title=stripped,
            digest=digest,
            duration_seconds=duration_seconds,
            submitted_at=checked_instant(at),
            genre=None if filed_under is None else filed_under.value,
        )

    @event(Submitted)
    def __init__(
        self,
        id: UUID,
        artist_account: str,
        title: str,
        digest: str,
        duration_seconds: float,
        submitted_at: datetime,
        genre: str | None,
    ) -> None:
        self.artist_account = artist_account
        self.genre = genre
        self.title = title
        self.digest = digest
        self.duration_seconds = duration_seconds
        self.submitted_at = submitted_at
        self.status = TrackStatus.SUBMITTED
        self.checked = False
        self.resemblances: tuple[Resemblance, ...] = ()
        self.decided_by: str | None = None
        self.decision_reason = ""
        self.overridden = False
        self.decided_at: datetime | None = None
        self.stored_media: StoredBlob | None = None

    @property
    def flagged(self) -> bool:
        """It resembles earlier material: a near-duplicate until a reviewer says otherwise."""
        return bool(self.resemblances)

    @property
    def is_cleared(self) -> bool:
        return self.status is TrackStatus.CLEARED

    def store_media(self, blob: StoredBlob, *, at: datetime) -> None:
        """Record where the submitted audio's bytes are kept (once)."""
        if self.stored_media is not None:
            raise RuleViolated(f"track {self.id} already has its media stored")
        self._media_stored(**blob.recorded(self.digest, at))

    @event(MediaStored)
    def _media_stored(
        self, address: str, size: int, content_type: str, stored_at: datetime
    ) -> None:
        self.stored_media = StoredBlob(address=address, size=size, content_type=content_type)

    def record_originality(
        self, resemblances: Iterable[Resemblance], *, engine_version: str, at: datetime
    ) -> None:
        if self.checked:
            raise RuleViolated(f"track {self.id} was already checked for originality")
        self._originality_checked(
            resemblances=tuple(resemblances),
            engine_version=engine_version,
            checked_at=checked_instant(at),
        )

    @event(OriginalityChecked)
    def _originality_checked(
        self, resemblances: tuple[Resemblance, ...], engine_version: str, checked_at: datetime
    ) -> None:
        self.checked = True
        self.resemblances = _resemblances(resemblances)

    def clear(self, *, by: str, reason: str, override: bool = False, at: datetime) -> None:
        self._require_undecided()
        if not self.checked:
            raise OriginalityNotChecked(f"track {self.id} has not been checked for originality")
        if self.flagged and not override:
            raise OverrideRequired(
                f"track {self.id} resembles {len(self.resemblances)} earlier recording(s); "
                "clear it only with an explicit override and a reason"
            )
        self._cleared(
            cleared_by=by,
            reason=_checked_reason(reason, "clearing a track"),
            overridden=self.flagged,
            cleared_at=checked_instant(at),
        )

    @event(Cleared)
    def _cleared(
        self, cleared_by: str, reason: str, overridden: bool, cleared_at: datetime
    ) -> None:
        self.status = TrackStatus.CLEARED
        self.decided_by = cleared_by
        self.decision_reason = reason
        self.overridden = overridden
        self.decided_at = cleared_at

    def reject(self, *, by: str, reason: str, at: datetime) -> None:
        self._require_undecided()
        self._rejected(
            rejected_by=by,
            reason=_checked_reason(reason, "rejecting a track"),
            rejected_at=checked_instant(at),
        )

    @event(Rejected)
    def _rejected(self, rejected_by: str, reason: str, rejected_at: datetime) -> None:
        self.status = TrackStatus.REJECTED
        self.decided_by = rejected_by
        self.decision_reason = reason
        self.decided_at = rejected_at

    def _require_undecided(self) -> None:
        if self.status is not TrackStatus.SUBMITTED:
            raise TrackAlreadyDecided(f"track {self.id} was already {self.status.value}")
