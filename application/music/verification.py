"""Verification of artists (the badge): an artist asks, the request joins the admins' queue,
and an admin grants or declines it with a reason the artist is told (``notices``).

The queue is the music read model's (persisted, in the order the requests were made): a
decided request leaves it when its decision is applied. Each line is read back from the
artist's aggregate, so the queue never shows a request the log has already decided.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from application.auth import Principal, Role, require_role
from application.errors import NotFound
from application.logs import MusicLog
from application.music.music_read_model import MusicReads
from application.music.music_views import ArtistView
from application.paging import KeysetCursors, Page, int_at, limited, uuid_at
from application.ports import Clock
from domain.music.artists import Artist

VERIFICATION_QUEUE = KeysetCursors("verification queue", int, UUID)


@attrs.frozen
class VerificationRequest:
    """A request for verification as the admins' queue shows it."""

    account: str
    name: str
    region: str
    affiliations: tuple[str, ...]
    note: str
    requested_at: datetime
    #: The artist's version: what an admin decided on.
    version: int

    @classmethod
    def of(cls, artist: Artist) -> VerificationRequest:
        assert artist.verification_requested_at is not None, "only a pending request"
        return cls(
            account=artist.account,
            name=artist.name,
            region=artist.region,
            affiliations=artist.affiliations,
            note=artist.verification_note,
            requested_at=artist.verification_requested_at,
            version=artist.version,
        )


class ArtistVerification:
    def __init__(self, music: MusicLog, *, read: MusicReads, clock: Clock) -> None:
        self._music = music
        self.read = read
        self.clock = clock

    def _artist(self, account: str) -> Artist:
        found = self._music.find(Artist, Artist.id_for(account))
        if found is None:
            raise NotFound("artist", account)
        return found

    def request(self, actor: Principal, *, note: str = "") -> VerificationRequest:
        """An artist asks for the badge, with a note for the admins; the request joins their
        queue. An artist already verified is ``AlreadyVerified``, one whose request awaits a
        decision ``VerificationPending``; an account without a profile is ``NotFound``."""
        require_role(actor, Role.ARTIST, doing="ask for verification")
        artist = self._artist(actor.subject)
        artist.request_verification(note=note, at=self.clock.now())
        self._music.commit(artist)
        return VerificationRequest.of(artist)

    def pending(self, actor: Principal) -> VerificationRequest:
        """The artist's own request awaiting a decision; none pending is ``NotFound`` (the
        decision came as a notice)."""
        require_role(actor, Role.ARTIST, doing="read its request for verification")
        artist = self._artist(actor.subject)
        if not artist.verification_pending:
            raise NotFound("pending request for verification by artist", actor.subject)
        return VerificationRequest.of(artist)

    def queue(
        self, actor: Principal, *, limit: int = 50, cursor: str | None = None
    ) -> Page[VerificationRequest]:
        """The requests awaiting a decision, oldest first, for admins (and auditors)."""
        require_role(actor, Role.ADMIN, Role.AUDITOR, doing="read the verification queue")
        key = VERIFICATION_QUEUE.decode(cursor)
        size = limited(limit)
        after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
        lines = self.read.fresh().verification_queue(after=after, limit=size + 1)
        page = VERIFICATION_QUEUE.page(lines, size, lambda line: (line.key, line.artist_id))
        artists = [self._artist(line.account) for line in page.items]
        return Page(
            tuple(VerificationRequest.of(a) for a in artists if a.verification_pending),
            page.next_cursor,
        )

    def grant(
        self, actor: Principal, account: str, *, expected_version: int | None = None
    ) -> ArtistView:
        """An admin grants an artist's pending request: the badge, and the artist is told.
        No request pending is ``NoVerificationRequest``."""
        require_role(actor, Role.ADMIN, doing="grant verification")
        artist = self._music.load(Artist, Artist.id_for(account), expected_version)
        artist.grant_verification(by=actor.label, at=self.clock.now())
        self._music.commit(artist)
        return ArtistView.of(artist)

    def decline(
        self,
        actor: Principal,
        account: str,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> ArtistView:
        """An admin declines an artist's pending request with a reason the artist is told;
        the artist may ask again. No request pending is ``NoVerificationRequest``."""
        require_role(actor, Role.ADMIN, doing="decline verification")
        artist = self._music.load(Artist, Artist.id_for(account), expected_version)
        artist.decline_verification(by=actor.label, reason=reason, at=self.clock.now())
        self._music.commit(artist)
        return ArtistView.of(artist)
