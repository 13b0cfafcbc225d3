""" "Use this sound": a video's creator declares the track it uses, and the audio is asked.

``Sounds.declare`` records the creator's declaration (``domain.music.sounds``) and, where the
video's media was fingerprinted when it was published, checks it at once in the same
transaction: the video's audio fingerprint is queried against the music index and the
declared track's candidate (or its absence) is what the engine heard. A declared track the
audio does not carry is flagged, and the flag is kept with the declaration.

The public list of a track's videos is a persisted projection of the music log
(``SoundUsesProjection``; port ``SoundUseTables``, rows in ``adapters.projections.sound_uses``):
one row per (track, video) that was declared or detected, keyed for the track by the log
position where the pair first appeared, so a page is a seek after its cursor and the counts
are counts of rows. Declared and detected stay two facts of a row: a creator's word is not a
detection, and a detection is not a declaration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.anchors.match_index import VIDEO_OWNER
from application.auth import Principal, Role, owns
from application.domain_application import DomainApplication
from application.errors import NotFound, NotPermitted
from application.logs import MusicLog
from application.music.music_read_model import MusicReads
from application.music.track_index import TrackIndex, track_owner
from application.paging import KeysetCursors, Page, int_at, limited
from application.ports import Clock
from application.projections import Batch, Persisted, ProjectionRunner
from application.read_models import LogPositions, ReadModel
from application.topic_projection import TopicProjection, unmoved
from application.trust.protection import Protection
from domain.anchors.videos import Video
from domain.errors import RuleViolated
from domain.media import MediaFingerprints
from domain.music.sounds import NOTHING_HEARD, Hearing, SoundCheck, SoundDeclaration
from domain.music.track_usage import TrackUse
from domain.music.tracks import TrackStatus

NAME = "sound uses (declared and detected)"
TRACK_VIDEOS = KeysetCursors("track videos", int)
#: Candidates asked of the index for one video: the declared track must be among them.
CANDIDATES = 50


class TrackNotUsable(RuleViolated):
    """Only a cleared track (one of the featured playlist) can be declared as a video's sound."""


@attrs.frozen
class SoundUseRow:
    """A (track, video) pair as the track's list shows it."""

    track_id: UUID
    video_id: UUID
    position: int  # where the pair first appeared in the music log: its place in the list
    declared: bool  # the video's creator declares this track now
    detected: bool  # a usage scan found the track in the video's audio
    check: SoundCheck | None  # the declaration's check; None when not declared


@attrs.frozen
class SoundCounts:
    declared: int
    detected: int
    verified: int  # declared and heard in the audio
    flagged: int  # declared and not heard in the audio


@attrs.frozen
class TrackVideos:
    """A page of the videos that use a track, with the track's counts."""

    track_id: UUID
    counts: SoundCounts
    items: tuple[SoundUseRow, ...]
    next_cursor: str | None


@attrs.frozen
class SoundDeclarationView:
    video_id: UUID
    track_id: UUID
    version: int
    declared_by: str
    check: SoundCheck
    #: What the engine heard of the declared track (None: unchecked, the video has no media).
    hearing: Hearing | None


class SoundUseTables(Protocol):
    """The rows of declared and detected uses, by generation (a port)."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def mark(
        self,
        batch: Batch,
        track_id: UUID,
        video_id: UUID,
        position: int,
        *,
        declared: bool | None = None,
        detected: bool | None = None,
        check: SoundCheck | None = None,
    ) -> None:
        """Set the named facts of the pair (a new pair's row starts at ``position``, not
        declared nor detected); a fact left ``None`` stays as it was."""
        ...

    def videos(
        self, generation: int, track_id: UUID, *, after: int | None, limit: int
    ) -> list[SoundUseRow]:
        """At most ``limit`` of the track's rows after position ``after`` (none: from the
        first), in the order of their positions. Rows neither declared nor detected (a
        declaration moved to another track) are left out."""
        ...

    def counts(self, generation: int, track_id: UUID) -> SoundCounts: ...

    def every_row(self, generation: int) -> Iterator[SoundUseRow]: ...


class SoundUsesProjection(TopicProjection):
    """Declarations, their checks and detections as (track, video) rows, in log order."""

    name = NAME
    version = 1

    def __init__(self, tables: SoundUseTables) -> None:
        self.tables = tables
        super().__init__(
            MusicLog.name,
            tables,
            {
                TrackUse.Detected.TOPIC: self._detected,
                SoundDeclaration.Declared.TOPIC: self._declared,
                SoundDeclaration.Redeclared.TOPIC: self._redeclared,
                SoundDeclaration.Verified.TOPIC: self._verified,
                SoundDeclaration.Flagged.TOPIC: self._flagged,
            },
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """Every pair's row, positions in the audited log's."""
        position_of = positions.get(MusicLog.name, unmoved)
        return {
            f"sound:{row.track_id}/{row.video_id}": attrs.evolve(
                row, position=position_of(row.position)
            )
            for row in self.tables.every_row(generation)
        }

    def _detected(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.mark(batch, event.track_id, event.video_id, position, detected=True)

    def _declared(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.mark(
            batch,
            event.track_id,
            event.video_id,
            position,
            declared=True,
            check=SoundCheck.UNCHECKED,
        )

    def _redeclared(self, batch: Batch, event: Any, position: int) -> None:
        video_id = event.video_id
        self.tables.mark(batch, event.previous_track_id, video_id, position, declared=False)
        self.tables.mark(
            batch, event.track_id, video_id, position, declared=True, check=SoundCheck.UNCHECKED
        )

    def _verified(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.mark(batch, event.track_id, event.video_id, position, check=SoundCheck.VERIFIED)

    def _flagged(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.mark(batch, event.track_id, event.video_id, position, check=SoundCheck.FLAGGED)


class Sounds:
    """Declaring a video's sound, checking it against the audio, and a track's videos."""

    def __init__(
        self,
        music: MusicLog,
        *,
        catalogue: DomainApplication,
        index: TrackIndex,
        read: MusicReads,
        clock: Clock,
        runner: ProjectionRunner,
        projection: SoundUsesProjection,
        protection: Protection,
    ) -> None:
        self._music = music
        self._catalogue = catalogue
        self.index = index
        self.read = read
        self.clock = clock
        self.runner = runner
        self.projection = projection
        self.protection = protection

    def read_models(self) -> tuple[ReadModel, ...]:
        """The sound uses' read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.runner, self.projection),)

    def usable_track(self, track_id: UUID) -> None:
        """Nothing when the track can be declared as a video's sound; otherwise ``NotFound``
        (no such track) or ``TrackNotUsable`` (not cleared)."""
        line = self.read.catch_up().track(track_id)
        if line is None:
            raise NotFound("track", track_id)
        if line.status is not TrackStatus.CLEARED:
            raise TrackNotUsable(
                f"track {track_id} is {line.status.value}: only a cleared track can be declared"
            )

    def declare(self, actor: Principal, video_id: UUID, track_id: UUID) -> SoundDeclarationView:
        """The video's creator (or an admin) declares the cleared track the video uses; a
        video with media is checked against its audio at once, and a track the audio does
        not carry is flagged. Refuses anyone else (``NotPermitted``), an unknown video or
        track (``NotFound``), a track not cleared (``TrackNotUsable``) and the track already
        declared (``SoundUnchanged``)."""
        video = self._catalogue.load(Video, video_id)
        if actor.role is not Role.ADMIN and not owns(actor, Role.CREATOR, video.creator_id):
            raise NotPermitted("only the video's creator (or an admin) declares its sound")
        self.usable_track(track_id)
        now = self.clock.now()
        declaration = self._music.find(SoundDeclaration, SoundDeclaration.id_for(video_id))
        if declaration is None:
            declaration = SoundDeclaration.declare(
                video_id=video_id, track_id=track_id, by=actor.label, at=now
            )
        else:
            declaration.redeclare(track_id, by=actor.label, at=now)
        fingerprints = self._video_fingerprints(video_id)
        if fingerprints is not None:
            declaration.check_against_audio(
                track_id,
                self._hearing(fingerprints, track_id),
                engine_version=self.index.engine.version,
                at=now,
            )
        self._music.commit(declaration)
        return _view(declaration)

    def declaration(self, video_id: UUID) -> SoundDeclarationView:
        """The sound a video declares and what its audio said of it (anyone may read it);
        none declared is ``NotFound``."""
        declaration = self._music.find(SoundDeclaration, SoundDeclaration.id_for(video_id))
        if declaration is None:
            raise NotFound("sound declaration of video", video_id)
        return _view(declaration)

    def track_videos(
        self, track_id: UUID, *, limit: int = 50, cursor: str | None = None
    ) -> TrackVideos:
        """The videos that use a track, declared or detected, in the order they were first
        found, with the track's counts (anyone may read it); videos that take part in no
        program (removed, restricted, a minor's) are left out of the items. An unknown track
        is ``NotFound``."""
        if self.read.fresh().track(track_id) is None:
            raise NotFound("track", track_id)
        key = TRACK_VIDEOS.decode(cursor)
        size = limited(limit)
        generation = self.runner.fresh(NAME)
        rows = self.projection.tables.videos(
            generation,
            track_id,
            after=None if key is None else int_at(key, 0),
            limit=size + 1,
        )
        page: Page[SoundUseRow] = TRACK_VIDEOS.page(rows, size, lambda row: (row.position,))
        # A removed, restricted or minor's video is not shown to the public (it still counts:
        # the counts are the track's); the cursor is the page's, so paging skips nothing.
        excluded = self.protection.catch_up().excluded_among({r.video_id for r in page.items})
        return TrackVideos(
            track_id=track_id,
            counts=self.projection.tables.counts(generation, track_id),
            items=tuple(row for row in page.items if row.video_id not in excluded),
            next_cursor=page.next_cursor,
        )

    def _video_fingerprints(self, video_id: UUID) -> dict[str, bytes] | None:
        """The video's fingerprints, or None when it was published without media."""
        taken = self._catalogue.find(
            MediaFingerprints, MediaFingerprints.id_for(f"{VIDEO_OWNER}{video_id}")
        )
        return None if taken is None else dict(taken.fingerprints)

    def _hearing(self, fingerprints: Mapping[str, bytes], track_id: UUID) -> Hearing:
        # Media without usable audio (silence, pictures only) carries no track at all.
        fingerprint = fingerprints.get(self.index.engine.signal)
        if not fingerprint:
            return NOTHING_HEARD
        owner = track_owner(track_id)
        for candidate in self.index.query(fingerprint, limit=CANDIDATES):
            if candidate.reference_id == owner:
                return Hearing(
                    score=round(min(1.0, max(0.0, float(candidate.score))), 4),
                    matched_seconds=round(max(0.0, float(candidate.matched_seconds)), 2),
                    video_start=round(max(0.0, float(candidate.query_start)), 2),
                    track_start=round(max(0.0, float(candidate.reference_start)), 2),
                )
        return NOTHING_HEARD


def _view(declaration: SoundDeclaration) -> SoundDeclarationView:
    return SoundDeclarationView(
        video_id=declaration.video_id,
        track_id=declaration.track_id,
        version=declaration.version,
        declared_by=declaration.declared_by,
        check=declaration.check,
        hearing=declaration.hearing,
    )
