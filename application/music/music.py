"""Music discovery: artists, their original tracks, clearance and the featured playlist.

Every submission is fingerprinted and compared with every track already submitted and with
the reference clips of titles before it is recorded; what it resembles is saved with it, in
the same transaction as the track and its fingerprints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from uuid import UUID

from application.auth import (
    Principal,
    Role,
    acting_for,
    owns,
    person_key,
    require_role,
    whose_list,
)
from application.domain_application import DomainApplication
from application.errors import ApplicationError, NotFound, StaleVersion
from application.index_snapshots import IndexSnapshots
from application.logs import MusicLog
from application.media import MatchingEngine, MediaDecoder, MediaTooLarge, UnreadableMedia
from application.media_store import MediaKeeping
from application.music.music_read_model import (
    MusicReadModel,
    MusicReads,
    MusicTables,
    MusicView,
    OwnTrackLine,
)
from application.music.music_views import (
    ArtistView,
    Byline,
    OwnTrack,
    PlaylistItem,
    TrackView,
)
from application.music.track_index import SNAPSHOT_EVERY, TrackIndex, track_owner
from application.paging import KeysetCursors, Page, int_at, limited, uuid_at
from application.ports import Clock, IdentityProvider
from application.projections import Persisted, ProjectionRunner
from application.read_models import Followed, ReadModel, unpositioned
from domain.media import MediaFingerprints, StoredBlob
from domain.music.artists import Artist, checked_region
from domain.music.genres import checked_genre
from domain.music.tracks import Resemblance, Track, TrackStatus, checked_track_title

#: A submission resembles earlier material when the audio engine scores it at least this ...
ORIGINALITY_MIN_SCORE = 0.2
#: ... over at least this many seconds.
ORIGINALITY_MIN_SECONDS = 3.0
CANDIDATES = 10

REVIEW_QUEUE = KeysetCursors("track review queue", int, UUID)
ARTIST_TRACKS = KeysetCursors("artist tracks", int, UUID)
#: The playlist's key (uses, cleared, id), and the position of the item it names.
PLAYLIST = KeysetCursors("featured playlist", int, int, UUID, int)


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
        projections: ProjectionRunner,
        tables: MusicTables,
        snapshots: IndexSnapshots | None = None,
        snapshot_every: int = SNAPSHOT_EVERY,
        keeping: MediaKeeping | None = None,
    ) -> None:
        self._music = music
        #: Where submitted audio is kept for judges and reviewers (None: dropped).
        self.keeping = keeping
        #: Tells artists of reviewers' decisions on their tracks (none: nobody is told).
        self.decoder = decoder
        self.audio = audio
        self.clock = clock
        self.identities = identities
        self.max_upload_bytes = max_upload_bytes
        # Its rows are kept by the projection store: a start reads them as they stand, and
        # the first read (or the worker) applies what the log holds beyond them.
        projection = MusicReadModel(tables)
        projections.register(projection)
        self.read = MusicReads(projections, projection)
        # The track index starts from its newest snapshot when there is one that fits.
        self.index = TrackIndex(
            audio,
            music=music,
            catalogue=catalogue,
            snapshots=snapshots,
            snapshot_every=snapshot_every,
        )
        self.index.catch_up()

    def read_models(self) -> tuple[ReadModel, ...]:
        """The music read models (the persisted lines and the track index), for the projection
        runner and the auditor's replay."""
        return (
            Persisted(self.read.runner, self.read.projection),
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
        """An artist registers their own profile (an admin names the account). An account with a
        profile already is ``ArtistExists``."""
        owner = acting_for(actor, account, Role.ARTIST, doing="register an artist")
        if self._music.find(Artist, Artist.id_for(owner)) is not None:
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
            self._music.commit(artist)
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
        """An artist edits their own profile (an admin any profile); another's is
        ``NotPermitted``, an unknown one ``NotFound``."""
        acting_for(actor, account, Role.ARTIST, doing="edit an artist profile")
        artist = self._music.load(Artist, Artist.id_for(account), expected_version)
        artist.update_profile(
            name=name,
            region=region,
            affiliations=affiliations,
            bio=bio,
            by=actor.label,
            at=self.clock.now(),
        )
        self._music.commit(artist)
        return ArtistView.of(artist)

    def verify_artist(self, actor: Principal, account: str) -> ArtistView:
        """An admin verifies an artist, giving the badge; an unknown artist is ``NotFound``."""
        require_role(actor, Role.ADMIN, doing="verify an artist")
        artist = self.artist_aggregate(account)
        artist.verify(by=actor.label, at=self.clock.now())
        self._music.commit(artist)
        return ArtistView.of(artist)

    def withdraw_badge(self, actor: Principal, account: str, *, reason: str) -> ArtistView:
        """An admin withdraws an artist's badge with a reason; an unknown artist is ``NotFound``."""
        require_role(actor, Role.ADMIN, doing="withdraw an artist's badge")
        artist = self.artist_aggregate(account)
        artist.withdraw_badge(by=actor.label, reason=reason, at=self.clock.now())
        self._music.commit(artist)
        return ArtistView.of(artist)

    def artist(self, account: str) -> ArtistView:
        """An artist's profile as a view (anyone may read it); an unknown one is ``NotFound``."""
        return ArtistView.of(self.artist_aggregate(account))

    def artist_aggregate(self, account: str) -> Artist:
        """The artist aggregate of an account, for other use cases to read; ``NotFound`` if the
        account has no profile."""
        found = self._music.find(Artist, Artist.id_for(account))
        if found is None:
            raise NotFound("artist", account)
        return found

    def byline(self, account: str, model: MusicView | None = None) -> Byline:
        """The artist's name and badge; pass a view already fresh to save a round trip."""
        return (model or self.read.fresh()).byline(account)

    # Tracks -----------------------------------------------------------------------------

    def track_media(self, actor: Principal, track_id: UUID) -> StoredBlob:
        """The stored audio of a track: a cleared track's for anyone signed in (it is in the
        featured playlist; judges hear entries, which are cleared); a track under review or
        rejected only for its artist, reviewers, admins and auditors. ``NotFound`` for anyone
        else (so asking reveals nothing), an unknown track and one without stored media."""
        track = self._music.find(Track, track_id)
        hidden = NotFound("stored media of", track_owner(track_id))
        if track is None or track.stored_media is None:
            raise hidden
        may = (
            track.status is TrackStatus.CLEARED
            or actor.role in (Role.REVIEWER, Role.ADMIN, Role.AUDITOR)
            or owns(actor, Role.ARTIST, track.artist_account)
        )
        if not may:
            raise hidden
        return track.stored_media

    def submit_track(
        self,
        actor: Principal,
        *,
        title: str,
        media: bytes,
        artist_account: str | None = None,
        media_type: str | None = None,
        genre: str | None = None,
    ) -> TrackView:
        """A registered artist submits a track of their own (an admin names the artist),
        filed under a ``genre`` if they name one; it is fingerprinted and checked for
        originality. Refuses media that is too large, empty, without audio, or silent
        (``MediaTooLarge``, ``UnreadableMedia``), and a genre not among ``Genre``."""
        owner = acting_for(actor, artist_account, Role.ARTIST, doing="submit a track")
        self.artist_aggregate(owner)
        checked_track_title(title)
        checked_genre(genre)
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
            genre=genre,
        )
        track.record_originality(
            self._resemblances(fingerprint), engine_version=self.audio.version, at=now
        )
        if self.keeping is not None:
            stored = self.keeping.keep(
                media,
                content_type=media_type,
                holder=track_owner(track.id),
                person=person_key(Principal(Role.ARTIST, owner)),
            )
            track.store_media(stored, at=now)
        taken = MediaFingerprints.take(
            owner=track_owner(track.id),
            digest=digest,
            duration_seconds=decoded.duration_seconds,
            fingerprints={self.audio.signal: fingerprint},
            engine_versions={self.audio.signal: self.audio.version},
        )
        self._music.commit(track, taken)
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
        """A track as a view (anyone may read it); an unknown track is ``NotFound``."""
        return self._track_view(self._music.load(Track, track_id))

    def review_queue(
        self, actor: Principal, *, limit: int = 50, cursor: str | None = None
    ) -> Page[TrackView]:
        """Submitted tracks awaiting a reviewer, oldest first, with their evidence."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, Role.AUDITOR, doing="read the track queue")
        key = REVIEW_QUEUE.decode(cursor)
        size = limited(limit)
        view = self.read.fresh()
        after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
        lines = view.awaiting_review(after=after, limit=size + 1)
        page = REVIEW_QUEUE.page(lines, size, lambda line: (line.key, line.track.track_id))
        return Page(
            tuple(
                self._track_view(self._music.load(Track, line.track.track_id), view)
                for line in page.items
            ),
            page.next_cursor,
        )

    def artist_tracks(
        self,
        actor: Principal,
        account: str | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[OwnTrack]:
        """An artist's tracks (none named: the actor's own) in the order submitted, each
        with its review state."""
        account = whose_list(actor, Role.ARTIST, account, "its tracks")
        key = ARTIST_TRACKS.decode(cursor)
        size = limited(limit)
        after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
        lines = self.read.fresh().tracks_of(account, after=after, limit=size + 1)
        page = ARTIST_TRACKS.page(lines, size, lambda line: (line.key, line.track.track_id))
        return Page(tuple(map(_own_track, page.items)), page.next_cursor)

    def clear_track(
        self, actor: Principal, track_id: UUID, *, reason: str, override: bool = False
    ) -> TrackView:
        """A reviewer or admin clears a track for use in videos (``override`` past its originality
        findings), with a reason, and the artist is told."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="clear a track")
        track = self._music.load(Track, track_id)
        track.clear(by=actor.label, reason=reason, override=override, at=self.clock.now())
        self._music.commit(track)
        return self._track_view(track)

    def reject_track(self, actor: Principal, track_id: UUID, *, reason: str) -> TrackView:
        """A reviewer or admin rejects a track with a reason, and the artist is told."""
        require_role(actor, Role.REVIEWER, Role.ADMIN, doing="reject a track")
        track = self._music.load(Track, track_id)
        track.reject(by=actor.label, reason=reason, at=self.clock.now())
        self._music.commit(track)
        return self._track_view(track)

    def featured_playlist(
        self,
        *,
        region: str | None = None,
        genre: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[PlaylistItem]:
        """Cleared tracks (of the artists of ``region``, if named; filed under ``genre``, if
        named), most used in videos first; then the newest cleared; then by id."""
        key = PLAYLIST.decode(cursor)
        size = limited(limit)
        region = None if region is None else checked_region(region)
        filed_under = checked_genre(genre)
        after = None if key is None else (int_at(key, 0), int_at(key, 1), uuid_at(key, 2))
        before = 0 if key is None else int_at(key, 3)
        lines = self.read.fresh().playlist(
            region=region,
            genre=None if filed_under is None else filed_under.value,
            after=after,
            limit=size + 1,
        )
        items = tuple(
            PlaylistItem(
                position=before + offset + 1,
                track_id=line.track.track_id,
                title=line.track.title,
                artist=line.artist,
                uses=line.uses,
                cleared_at=line.track.decided_at or line.track.submitted_at,
                genre=line.track.genre,
            )
            for offset, line in enumerate(lines[:size])
        )
        last = lines[size - 1] if len(lines) > size else None
        return Page(
            items,
            None
            if last is None
            else PLAYLIST.encode((last.uses, last.decided_key, last.track.track_id, before + size)),
        )

    def _track_view(self, track: Track, view: MusicView | None = None) -> TrackView:
        lines = (view or self.read.fresh()).lines(
            accounts=(track.artist_account,), uses_of=(track.id,)
        )
        return TrackView.of(track, lines.byline(track.artist_account), lines.uses.get(track.id, 0))


def _own_track(line: OwnTrackLine) -> OwnTrack:
    track = line.track
    return OwnTrack(
        id=track.track_id,
        title=track.title,
        status=track.status,
        flagged=track.flagged,
        submitted_at=track.submitted_at,
        decided_at=track.decided_at,
        uses=line.uses,
    )
