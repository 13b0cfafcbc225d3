"""A listing's photos kept in the media store, shown on its page and served with byte ranges.

The photos a listing is created with are digested for recognition and dropped (``Shop.
list_product``); these are the ones a seller adds to be seen. Each upload is checked before
anything is kept: the listing is the seller's and on sale, with room for one more photo
(``MAX_PHOTOS``); the bytes are at most the photo limit (``SPOTLIGHT_MAX_PHOTO_MB``), start with
the magic bytes of a JPEG, PNG or WebP picture (the type served is the one the bytes say, never
the one declared), and decode as that picture (a ``PictureCheck`` port: Pillow in the
adapters). A refusal records nothing and keeps no byte.
"""

from __future__ import annotations

from typing import Final, Protocol
from uuid import UUID

from application.auth import Principal, Role, owns, person_key, require_role
from application.errors import NotFound, NotPermitted
from application.logs import RevenueLog
from application.media import MediaTooLarge, UnreadableMedia
from application.media_store import MediaKeeping, StoredBlob
from application.ports import Clock
from domain.shop.listings import Listing

#: The holder of a listing's photos in the media store's holdings.
LISTING_OWNER: Final = "listing:"

_MAGIC: Final = (
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)


def photo_type(data: bytes) -> tuple[str, str] | None:
    """The (content type, Pillow format) the magic bytes name: JPEG, PNG or WebP, else None."""
    for magic, content_type, format_name in _MAGIC:
        if data.startswith(magic):
            return content_type, format_name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "WEBP"
    return None


class PictureCheck(Protocol):
    def __call__(self, data: bytes, format_name: str) -> None:
        """Decode ``data`` as a picture of ``format_name``; raise ``UnreadableMedia`` (or
        ``MediaOverBudget``) when it is not one, or too large to decode."""
        ...


class ListingPhotos:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        keeping: MediaKeeping,
        check: PictureCheck,
        clock: Clock,
        limit: int,
    ) -> None:
        self._revenue = revenue
        self.keeping = keeping
        self.check = check
        self.clock = clock
        self.limit = limit

    def may_add(self, actor: Principal, listing_id: UUID) -> None:
        """Refuse, before an upload is read, what ``add`` would refuse whatever the bytes:
        another seller's listing, one not on sale, one with ``MAX_PHOTOS`` already."""
        self._own(actor, listing_id).require_room_for_a_photo()

    def add(self, actor: Principal, listing_id: UUID, data: bytes) -> StoredBlob:
        """The listing's seller (or an admin) adds a photo; answers it as kept. Refused before
        anything is kept: another seller's listing (``NotPermitted``), a listing not on sale or
        with ``MAX_PHOTOS`` already, or the same photo twice (``RuleViolated``), more bytes than
        the photo limit (``MediaTooLarge``), bytes that are not a JPEG, PNG or WebP picture
        (``UnreadableMedia``)."""
        listing = self._own(actor, listing_id)
        listing.require_room_for_a_photo()
        if len(data) > self.limit:
            raise MediaTooLarge(len(data), self.limit)
        found = photo_type(data)
        if found is None:
            raise UnreadableMedia("a listing photo is a JPEG, PNG or WebP picture")
        content_type, format_name = found
        self.check(data, format_name)
        stored = self.keeping.keep(
            data,
            content_type=None,
            holder=f"{LISTING_OWNER}{listing.id}",
            person=person_key(Principal(Role.SELLER, listing.seller)),
        )
        photo = StoredBlob(address=stored.address, size=stored.size, content_type=content_type)
        listing.add_photo(photo, by=actor.label, at=self.clock.now())
        self._revenue.commit(listing)
        return photo

    def remove(self, actor: Principal, listing_id: UUID, address: str) -> None:
        """The seller (or an admin) takes a photo off the listing; its bytes stay until the
        media collector finds no live object holding them."""
        listing = self._own(actor, listing_id)
        listing.remove_photo(address, by=actor.label, at=self.clock.now())
        self._revenue.commit(listing)

    def photo(self, listing_id: UUID, address: str) -> StoredBlob:
        """A photo the listing shows (anyone may see it, as the listing); ``NotFound`` for an
        unknown listing and a photo it does not show."""
        listing = self._revenue.find(Listing, listing_id)
        photo = None if listing is None else listing.photo(address)
        if photo is None:
            raise NotFound("photo of listing", listing_id)
        return photo

    def _own(self, actor: Principal, listing_id: UUID) -> Listing:
        require_role(actor, Role.SELLER, Role.ADMIN, doing="change a listing's photos")
        listing = self._revenue.load(Listing, listing_id)
        if actor.role is not Role.ADMIN and not owns(actor, Role.SELLER, listing.seller):
            raise NotPermitted("a seller changes only their own listings' photos")
        return listing
