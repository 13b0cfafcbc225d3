"""Bodies of "use this sound": a video's declared track, its check, a track's videos."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from domain.music.sounds import SoundCheck
from entrypoints.http.schemas import Answer, Strict


class SoundDeclarationBody(Strict):
    track_id: UUID = Field(description="The cleared track (of the featured playlist) it uses.")


class HearingOut(Answer):
    score: float = Field(description="The audio engine's score of the track in the video, 0-1.")
    matched_seconds: float = Field(description="How long the track is heard in the video.")
    video_start: float = Field(description="Seconds into the video where it is heard.")
    track_start: float = Field(description="Seconds into the track.")


class SoundDeclarationOut(Answer):
    video_id: UUID
    track_id: UUID
    version: int
    declared_by: str
    check: SoundCheck = Field(
        description="`verified`: the audio carries the track; `flagged`: it does not (the "
        "declaration is recorded as not heard); `unchecked`: the video has no media."
    )
    hearing: HearingOut | None = Field(
        description="What the engine heard of the declared track (null: unchecked)."
    )


class SoundCountsOut(Answer):
    declared: int = Field(description="Videos whose creator declares the track now.")
    detected: int = Field(description="Videos the usage scans found carrying it.")
    verified: int = Field(description="Declared, and heard in the video's audio.")
    flagged: int = Field(description="Declared, and not heard in the video's audio.")


class TrackVideoOut(Answer):
    video_id: UUID
    declared: bool = Field(description="Its creator declares this track as its sound.")
    detected: bool = Field(description="A usage scan found the track in its audio.")
    check: SoundCheck | None = Field(description="The declaration's check (null: not declared).")


class TrackVideosOut(Answer):
    track_id: UUID
    counts: SoundCountsOut
    items: list[TrackVideoOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null: this is the last page."
    )
