"""Music discovery: artists, their original tracks, clearance and the featured playlist.

Every submission is fingerprinted and compared with every track already submitted and with
the reference clips of titles before it is recorded; what it resembles is saved with it, in
the same transaction as the track and its fingerprints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from uuid import UUID

from application.auth import Principal, Role, acting_for, require_role
from application.domain_application import DomainApplication
from application.errors import ApplicationError, NotFound, StaleVersion
from application.log_follower import LogFollower
from application.logs import MusicLog
from application.media import MatchingEngine, MediaDecoder, MediaTooLarge, UnreadableMedia
from application.music.music_read_model import MusicFollower, MusicReadModel
from application.music.music_views import ArtistView, Byline, Page, PlaylistItem, TrackView
from application.music.track_index import TrackIndex, track_owner
from application.ports import Clock, IdentityProvider
from application.read_models import Followed, ReadModel, unpositioned
from domain.media import MediaFingerprints
from domain.music.artists import Artist
from domain.music.tracks import Resemblance, Track, checked_track_title

#: A submission resembles earlier material when the audio engine scores it at least this ...
ORIGINALITY_MIN_SCORE = 0.2
#: ... over at least this many seconds.
ORIGINALITY_MIN_SECONDS = 3.0
CANDIDATES = 10


class ArtistExists(ApplicationError):
    """The account has registered its artist profile already."""


class Discovery:
    def __init__(
        self,
        music: MusicLog,
        *,
        catalogue: DomainApplication,
        decoder: MediaDecoder,
        audio: MatchingEngine,
        clock: Clock,
        identities: IdentityProvider,
        max_upload_bytes: int,
    ) -> None:
        self.music = music
        self.decoder = decoder
        self.audio = audio
        self.clock = clock
        self.identities = identities
        self.max_upload_bytes = max_upload_bytes
        model = MusicReadModel()
        self.read = MusicFollower(LogFollower(music, model.handlers), model)
        self.index = TrackIndex(audio, music=music, catalogue=catalogue)
        self.read.catch_up()
        self.index.catch_up()

    def read_models(self) -> tuple[ReadModel, ...]:
        return (
            Followed(
                "music (artists, tracks, uses, tallies)",
                self.read.catch_up,
                unpositioned(self.read.model.export),
            ),
            Followed("music track index", self.index.catch_up, unpositioned(self.index.export)),
        )

    # Artists ----------------------------------------------------------------------------

    def register_artist(
        self,
        actor: Principal,
        *,
        name: str,
        region: str,
        affiliations: Iterable[str] = (),
        bio: str = "",
        account: str | None = None,
    ) -> ArtistView:
        owner = acting_for(actor, account, Role.ARTIST, doing="register an artist")
        if self.music.find(Artist, Artist.id_for(owner)) is not None:
            raise ArtistExists(f"account {owner} already has an artist profile")
        artist = Artist.register(
            account=owner,
            name=name,
            region=region,
            affiliations=affiliations,
            bio=bio,
            at=self.clock.now(),
        )
        try:
            self.music.commit(artist)
        except StaleVersion:
            raise ArtistExists(f"account {owner} already has an artist profile") from None
        return ArtistView.of(artist)

    def update_artist(
        self,
        actor: Principal,
        account: str,
        *,
        name: str,
        region: str,
        affiliations: Iterable[str],
        bio: str,
        expected_version: int | None = None,
    ) -> ArtistView:
        acting_for(actor, account, Role.ARTIST, doing="edit an artist profile")
        artist = self.music.load(Artist, Artist.id_for(account), expected_version)
        artist.update_profile(
            name=name,
            region=region,
            affiliations=affiliations,
            bio=bio,
            by=actor.label,
            at=self.clock.now(),
        )
        self.music.commit(artist)
        return ArtistView.of(artist)

    def verify_artist(self, actor: Principal, account: str) -> ArtistView:
        require_role(actor, Role.ADMIN, doing="verify an artist")
        artist = self.artist_aggregate(account)
        artist.verify(by=actor.label, at=self.clock.now())
        self.music.commit(artist)
        return ArtistView.of(artist)

    def withdraw_badge(self, actor: Principal, account: str, *, reason: str) -> ArtistView:
        require_role(actor, Role.ADMIN, doing="withdraw an artist's badge")
        artist = self.artist_aggregate(account)
        artist.withdraw_badge(by=actor.label, reason=reason, at=self.clock.now())
        self.music.commit(artist)
        return ArtistView.of(artist)

    def artist(self, account: str) -> ArtistView:
        return ArtistView.of(self.artist_aggregate(account))

    def artist_aggregate(self, account: str) -> Artist:
        found = self.music.find(Artist, Artist.id_for(account))
        if found is None:
            raise NotFound("artist", account)
        return found

    def byline(self, account: str, model: MusicReadModel | None = None) -> Byline:
        """The artist's name and badge; pass a model already caught up to save a round trip."""
        line = (model or self.read.catch_up()).artists.get(account)
        if line is None:
            return Byline(account=account, name=account, verified=False)
        return Byline(account=account, name=line.name, verified=line.verified)

    # Tracks -----------------------------------------------------------------------------

    def submit_track(
        self,
        actor: Principal,
        *,
        title: str,
        media: bytes,
        artist_account: str | None = None,
    ) -> TrackView:
        owner = acting_for(actor, artist_account, Role.ARTIST, doing="submit a track")
        self.artist_aggregate(owner)
        checked_track_title(title)
        if len(media) > self.max_upload_bytes:
            raise MediaTooLarge(len(media), self.max_upload_bytes)
        if not media:
            raise UnreadableMedia("the upload is empty")
        decoded = self.decoder.decode(media)
        if decoded.audio is None:
            raise UnreadableMedia("the upload has no audio track; a submission is music")
        fingerprint = self.audio.fingerprint(decoded)
        if not fingerprint or decoded.audio.duration_seconds <= 0:
            raise UnreadableMedia("the audio is silent or too short to fingerprint")
        digest = hashlib.sha256(media).hexdigest()
        now = self.clock.now()
        track = Track.submit(
            self.identities.new_id(),
            artist_account=owner,
            title=title,
            digest=digest,
            duration_seconds=decoded.duration_seconds,
            at=now,
        )
        track.record_originality(
            self._resemblances(fingerprint), engine_version=self.audio.version, at=now
        )
        taken = MediaFingerprints.take(
            owner=track_owner(track.id),
            digest=digest,
            duration_seconds=decoded.duration_seconds,
            fingerprints={self.audio.signal: fingerprint},
            engine_versions={self.audio.signal: self.audio.version},
        )
        self.music.commit(track, taken)
        self.read.catch_up()
        self.index.catch_up()
        return self._track_view(track)

    def _resemblances(self, fingerprint: bytes) -> list[Resemblance]:
        return [
            Resemblance(
                source=candidate.reference_id,
                score=round(float(candidate.score), 4),
                matched_seconds=round(float(candidate.matched_seconds), 2),
                submission_start=round(max(0.0, float(candidate.query_start)), 2),
                source_start=round(max(0.0, float(candidate.reference_start)), 2),
            )
            for candidate in self.index.query(fingerprint, limit=CANDIDATES)
            if candidate.score >= ORIGINALITY_MIN_SCORE
            and candidate.matched_seconds >= ORIGINALITY_MIN_SECONDS
        ]

    def track(self, track_id: UUID) -> TrackView:
        return self._track_view(self.music.load(Track, track_id))

    def review_queue(
        self, actor: Principal, *, limit: int = 50, cursor: int = 0
    ) -> Page[TrackView]:
        require_role(actor, Role.REVIEWER, Role.ADMIN, Role.AUDITOR, doing="read the track queue")
        waiting = self.read.catch_up().awaiting_review()
        chosen = waiting[cursor : cursor + limit]
        following = cursor + limit
        return Page(
            items=tuple(self.track(line.track_id) for line in chosen),
            next_cursor=following if following < len(waiting) else None,
        )

    def clear_track(
        self, actor: Principal, track_id: UUID, *, reason: str, override: bool = False
    ) -> TrackView:
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="clear a track")
        track = self.music.load(Track, track_id)
        track.clear(by=actor.label, reason=reason, override=override, at=self.clock.now())
        self.music.commit(track)
        return self._track_view(track)

    def reject_track(self, actor: Principal, track_id: UUID, *, reason: str) -> TrackView:
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="reject a track")
        track = self.music.load(Track, track_id)
        track.reject(by=actor.label, reason=reason, at=self.clock.now())
        self.music.commit(track)
        return self._track_view(track)

    def featured_playlist(self, *, limit: int = 50, cursor: int = 0) -> Page[PlaylistItem]:
        """Cleared tracks, most used in videos first; then the newest cleared; then by id."""
        model = self.read.catch_up()
        ordered = sorted(
            model.cleared_tracks(),
            key=lambda t: (
                -model.uses[t.track_id],
                -(t.decided_at.timestamp() if t.decided_at else 0.0),
                str(t.track_id),
            ),
        )
        chosen = ordered[cursor : cursor + limit]
        following = cursor + limit
        return Page(
            items=tuple(
                PlaylistItem(
                    position=cursor + offset + 1,
                    track_id=line.track_id,
                    title=line.title,
                    artist=self.byline(line.artist_account),
                    uses=model.uses[line.track_id],
                    cleared_at=line.decided_at or line.submitted_at,
                )
                for offset, line in enumerate(chosen)
            ),
            next_cursor=following if following < len(ordered) else None,
        )

    def _track_view(self, track: Track) -> TrackView:
        model = self.read.catch_up()
        return TrackView.of(track, self.byline(track.artist_account), model.uses[track.id])
