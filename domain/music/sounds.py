""" "Use this sound": the track a video's creator says the video uses, and whether its audio
agrees.

A declaration is its own aggregate with the id ``uuid5(video)``: a video declares one track
at a time, so two declarations racing for the same video meet at the same version and the
store refuses the second. Where the video's media is present the declaration is checked
against the audio once, by the audio engine's comparison of the video with the declared
track; a declared track the audio does not carry is *flagged*, recorded beside the
declaration, never silently accepted. Declared uses are kept apart from those the usage scans
detect (``domain.music.track_usage.TrackUse``): a creator's word is not a detection.
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.time import checked_instant

_DECLARATIONS = uuid5(NAMESPACE_URL, "urn:spotlight:sound-declaration")

#: The audio carries the declared track when the engine scores the pair at least this ...
HEARD_MIN_SCORE = 0.4
#: ... over at least this many seconds (the usage scans' rule for a use).
HEARD_MIN_SECONDS = 4.0


class SoundCheck(StrEnum):
    UNCHECKED = "unchecked"  # the video has no media: nothing to hear
    VERIFIED = "verified"  # the audio carries the declared track
    FLAGGED = "flagged"  # the declared track is not in the audio


class SoundUnchanged(RuleViolated):
    """The video already declares that track."""


class SoundAlreadyChecked(RuleViolated):
    """The current declaration was checked against the audio already."""


class NotTheDeclaredSound(RuleViolated):
    """A check is of the track the video declares now, not of another."""


@attrs.frozen
class Hearing:
    """What the audio engine heard of the declared track in the video's audio (zeros: nothing)."""

    score: float  # 0..1, the audio engine's
    matched_seconds: float
    video_start: float  # seconds into the video where the track starts being heard
    track_start: float  # seconds into the track

    def __attrs_post_init__(self) -> None:
        for name in ("score", "matched_seconds", "video_start", "track_start"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidValue(f"{name} must be a finite, non-negative number")
        if self.score > 1:
            raise InvalidValue("score is at most 1")

    @property
    def carries_track(self) -> bool:
        return self.score >= HEARD_MIN_SCORE and self.matched_seconds >= HEARD_MIN_SECONDS


NOTHING_HEARD = Hearing(0.0, 0.0, 0.0, 0.0)


class _Checked(Aggregate.Event):
    """What the audio said of a declaration; its two outcomes are the events below."""

    verdict: ClassVar[SoundCheck]
    video_id: UUID
    track_id: UUID
    score: float
    matched_seconds: float
    video_start: float
    track_start: float
    engine_version: str
    checked_at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.check = self.verdict
        aggregate.checked = True
        aggregate.hearing = Hearing(
            self.score, self.matched_seconds, self.video_start, self.track_start
        )


class SoundDeclaration(DomainAggregate):
    TOPIC = "spotlight.sounds:SoundDeclaration"

    class Declared(Aggregate.Created):
        TOPIC = "spotlight.sounds:SoundDeclared"
        video_id: UUID
        track_id: UUID
        declared_by: str
        declared_at: datetime

    class Redeclared(Aggregate.Event):
        TOPIC = "spotlight.sounds:SoundRedeclared"
        video_id: UUID
        track_id: UUID
        previous_track_id: UUID
        declared_by: str
        declared_at: datetime

    class Verified(_Checked):
        TOPIC = "spotlight.sounds:DeclaredSoundVerified"
        verdict = SoundCheck.VERIFIED

    class Flagged(_Checked):
        """The declared track is not in the audio: the best the engine heard of it is below
        the rule, or nothing at all."""

        TOPIC = "spotlight.sounds:DeclaredSoundFlagged"
        verdict = SoundCheck.FLAGGED

    @staticmethod
    def id_for(video_id: UUID) -> UUID:
        return uuid5(_DECLARATIONS, str(video_id))

    @classmethod
    def declare(cls, *, video_id: UUID, track_id: UUID, by: str, at: datetime) -> SoundDeclaration:
        if not by.strip():
            raise InvalidValue("a declaration names who made it")
        return cls(
            id=cls.id_for(video_id),
            video_id=video_id,
            track_id=track_id,
            declared_by=by,
            declared_at=checked_instant(at),
        )

    @event(Declared)
    def __init__(
        self, id: UUID, video_id: UUID, track_id: UUID, declared_by: str, declared_at: datetime
    ) -> None:
        self.video_id = video_id
        self.track_id = track_id
        self.declared_by = declared_by
        self.declared_at = declared_at
        self.check = SoundCheck.UNCHECKED
        self.checked = False
        self.hearing: Hearing | None = None

    def redeclare(self, track_id: UUID, *, by: str, at: datetime) -> None:
        """The creator names another track; the new one is checked afresh."""
        if track_id == self.track_id:
            raise SoundUnchanged(f"the video already declares track {track_id}")
        if not by.strip():
            raise InvalidValue("a declaration names who made it")
        self._redeclared(
            video_id=self.video_id,
            track_id=track_id,
            previous_track_id=self.track_id,
            declared_by=by,
            declared_at=checked_instant(at),
        )

    @event(Redeclared)
    def _redeclared(
        self,
        video_id: UUID,
        track_id: UUID,
        previous_track_id: UUID,
        declared_by: str,
        declared_at: datetime,
    ) -> None:
        self.track_id = track_id
        self.declared_by = declared_by
        self.declared_at = declared_at
        self.check = SoundCheck.UNCHECKED
        self.checked = False
        self.hearing = None

    def check_against_audio(
        self, track_id: UUID, hearing: Hearing, *, engine_version: str, at: datetime
    ) -> SoundCheck:
        """Record what the audio says of the declared track: verified when the engine hears
        it by the rule, flagged otherwise. Once per declaration."""
        if track_id != self.track_id:
            raise NotTheDeclaredSound(f"the video declares track {self.track_id}, not {track_id}")
        if self.checked:
            raise SoundAlreadyChecked("this declaration was checked against the audio already")
        if not engine_version.strip():
            raise InvalidValue("a check names the engine version that heard it")
        self.trigger_event(
            self.Verified if hearing.carries_track else self.Flagged,
            video_id=self.video_id,
            track_id=track_id,
            **attrs.asdict(hearing),
            engine_version=engine_version,
            checked_at=checked_instant(at),
        )
        return self.check
