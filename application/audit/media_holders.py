"""Which blobs of the media store the live objects hold, derived from the logs.

The holdings kept beside the media store (``MediaHoldings``) are written before the events
that name a blob are committed, so a failed commit leaves a holding that no object has; and
they are not in any backup. The logs are the truth: every object that records where its
media is kept (``Video.MediaStored``, ``Title.ReferenceMediaStored``, ``Track.MediaStored``,
``Listing.PhotoAdded`` until its ``PhotoRemoved``) holds its blob for as long as it still
names it and its person's data is not erased. The media garbage collector keeps what this
answers, and a restore re-records the holdings from it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

import attrs
from eventsourcing.persistence import Notification

from application.anchors.match_index import REFERENCE_OWNER, VIDEO_OWNER
from application.auth import Principal, Role, person_key
from application.logs import CatalogueLog, MusicLog, RevenueLog
from application.media_store import ContentAddress
from application.music.track_index import track_owner
from application.shop.listing_photos import LISTING_OWNER
from domain.anchors.titles import Title
from domain.anchors.videos import Video
from domain.music.tracks import Track
from domain.shop.listings import Listing
from domain.trust.people import Person

PAGE = 1000


@attrs.frozen
class Holding:
    """``holder`` (``video:<id>``…) of ``person`` holds the blob at ``address``."""

    address: ContentAddress
    holder: str
    person: str


AnyLog = CatalogueLog | MusicLog | RevenueLog


def _notifications(log: AnyLog, topics: Sequence[str]) -> Iterator[Notification]:
    position = 0
    while True:
        page = log.recorder.select_notifications(
            start=position, limit=PAGE, topics=topics, inclusive_of_start=False
        )
        yield from page
        if len(page) < PAGE:
            return
        position = page[-1].id


def _originators(log: AnyLog, topic: str) -> list[UUID]:
    """Each aggregate that recorded an event of ``topic``, once, in the order first seen."""
    return list(dict.fromkeys(UUID(str(n.originator_id)) for n in _notifications(log, (topic,))))


class HeldMedia:
    """The holdings the logs establish now (see the module's docstring)."""

    def __init__(self, catalogue: CatalogueLog, music: MusicLog, revenue: RevenueLog) -> None:
        self._catalogue = catalogue
        self._music = music
        self._revenue = revenue

    def holdings(self) -> Iterator[Holding]:
        """Every holding of a live object whose person's data is not erased. Reads the
        events that store media and loads each object that recorded one, so it costs one load
        per object with media: an operator's job, not a request's."""
        erased = set(_originators(self._catalogue, Person.Erased.TOPIC))
        for holding in self._all():
            if Person.id_for(holding.person) not in erased:
                yield holding

    def addresses(self) -> set[ContentAddress]:
        """The addresses of every blob some live object holds."""
        return {holding.address for holding in self.holdings()}

    def _all(self) -> Iterator[Holding]:
        for video_id in _originators(self._catalogue, Video.MediaStored.TOPIC):
            video = self._catalogue.find(Video, video_id)
            if video is not None and video.stored_media is not None:
                yield Holding(
                    video.stored_media.address,
                    f"{VIDEO_OWNER}{video.id}",
                    person_key(Principal(Role.CREATOR, video.creator_id)),
                )
        for title_id in _originators(self._catalogue, Title.ReferenceMediaStored.TOPIC):
            title = self._catalogue.find(Title, title_id)
            if title is None:
                continue
            studio = person_key(Principal(Role.STUDIO, title.studio_id))
            for reference_id, blob in sorted(title.reference_media.items()):
                if reference_id in title.references:
                    yield Holding(blob.address, f"{REFERENCE_OWNER}{reference_id}", studio)
        for track_id in _originators(self._music, Track.MediaStored.TOPIC):
            track = self._music.find(Track, track_id)
            if track is not None and track.stored_media is not None:
                yield Holding(
                    track.stored_media.address,
                    track_owner(track.id),
                    person_key(Principal(Role.ARTIST, track.artist_account)),
                )
        for listing_id in _originators(self._revenue, Listing.PhotoAdded.TOPIC):
            listing = self._revenue.find(Listing, listing_id)
            if listing is None:
                continue
            seller = person_key(Principal(Role.SELLER, listing.seller))
            for photo in listing.photos:
                yield Holding(photo.address, f"{LISTING_OWNER}{listing.id}", seller)
