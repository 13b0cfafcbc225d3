"""Ports of the media store: the uploaded bytes themselves, kept so people can watch and
listen (the fingerprints alone cannot be played back).

Blobs are content-addressed: the address is the sha256 of the bytes (hex), so the same upload
is stored once however many objects hold it. Which object holds which blob, and for which
person, is a second port (``MediaHoldings``): erasing a person's media deletes a blob only
when no other person's object still holds it (see ``MediaErasure``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Final, Protocol

import attrs

from application.errors import NotFound
from application.media import MediaTooLarge
from domain.media import StoredBlob

__all__ = [
    "ContentAddress",
    "MediaErasure",
    "MediaHoldings",
    "MediaNotStored",
    "MediaStore",
    "StoredBlob",
    "content_type_of",
    "is_address",
]

#: A sha256 digest in lower-case hex: the only form of address a store accepts, so an address
#: can never name a path outside the store.
_ADDRESS: Final = re.compile(r"[0-9a-f]{64}")
#: Only these declared types are kept as declared: anything else (text/html, or a picture type
#: such as SVG that can carry script) would be served back to browsers as the uploader chose.
_PLAYABLE: Final = re.compile(r"(audio|video)/[a-z0-9][a-z0-9.+-]{0,60}")
UNTYPED: Final = "application/octet-stream"

ContentAddress = str


def is_address(text: str) -> bool:
    return _ADDRESS.fullmatch(text) is not None


def content_type_of(declared: str | None) -> str:
    """The type a blob is served with: the declared one when it is audio or video, else
    ``application/octet-stream`` (never a type a browser would run)."""
    cleaned = (declared or "").split(";", 1)[0].strip().lower()
    return cleaned if _PLAYABLE.fullmatch(cleaned) else UNTYPED


class MediaNotStored(NotFound):
    """No blob at that address (never stored, or deleted by an erasure): a 404 like any
    unknown object."""

    def __init__(self, address: str) -> None:
        super().__init__("stored media", address)
        self.address = address


class MediaStore(Protocol):
    """Content-addressed blobs."""

    def put(self, chunks: Iterable[bytes], *, content_type: str | None, limit: int) -> StoredBlob:
        """Store the bytes (read chunk by chunk, never whole) and answer their address.
        Writing is all or nothing: a reader never sees a partial blob. The same bytes are
        stored once (a put of bytes already stored renews their ``stored_at``). Raises
        ``MediaTooLarge`` past ``limit`` bytes (nothing is kept)."""
        ...

    def open(
        self, address: ContentAddress, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        """The bytes from ``start`` up to ``end`` (exclusive; None: the end), in chunks.
        Raises ``MediaNotStored``."""
        ...

    def size(self, address: ContentAddress) -> int:
        """The blob's size in bytes; raises ``MediaNotStored``."""
        ...

    def delete(self, address: ContentAddress) -> bool:
        """Delete the blob; False when there was none."""
        ...

    def stored_at(self, address: ContentAddress) -> datetime:
        """When the blob was last put (a put of the same bytes again counts: an upload in
        flight makes its blob young again), timezone-aware; raises ``MediaNotStored``."""
        ...

    def addresses(self) -> Iterator[ContentAddress]:
        """Every stored blob's address (for an operator's check), in no promised order."""
        ...


class MediaHoldings(Protocol):
    """Which object (``video:<id>``, ``reference:<id>``, ``track:<id>``) holds which blob, for
    which person (``person_key``). Kept beside the store, not in the log: it is what erasure
    deletes by."""

    def hold(self, address: ContentAddress, holder: str, person: str) -> None:
        """Record that ``holder``, of ``person``, holds the blob (again: nothing changes)."""
        ...

    def held_by(self, person: str) -> list[tuple[ContentAddress, str]]:
        """Every (address, holder) the person's objects hold."""
        ...

    def release(self, address: ContentAddress, holder: str, person: str) -> bool:
        """Forget the holding; answer whether any other holder still holds the blob."""
        ...


class MediaErasure:
    """Deletes a person's media when their personal data is erased.

    **Decision:** a blob is deleted when the last holding of it goes. The same bytes uploaded
    by two people are one blob held twice: erasing one person releases their holding and
    leaves the blob to the other, whose object still plays. The address (a hash) stays in the
    log's events; with the bytes gone it identifies nothing that can be played back."""

    def __init__(self, store: MediaStore, holdings: MediaHoldings) -> None:
        self.store = store
        self.holdings = holdings

    def erase(self, person: str) -> int:
        """Release every holding of the person's objects and delete each blob nobody else
        holds; answer how many blobs were deleted. Safe to repeat."""
        deleted = 0
        for address, holder in self.holdings.held_by(person):
            if not self.holdings.release(address, holder, person) and self.store.delete(address):
                deleted += 1
        return deleted


def check_limit(size: int, limit: int) -> None:
    if size > limit:
        raise MediaTooLarge(size, limit)


@attrs.frozen
class MediaCheck:
    """What ``check_media`` found: the blobs, their bytes, and those whose bytes are no longer
    the ones their address names (damaged on disk, or changed behind the service's back)."""

    blobs: int
    size: int
    damaged: tuple[ContentAddress, ...]


def check_media(store: MediaStore) -> MediaCheck:
    """Read every blob and hash it again: an operator's check that the store still holds
    exactly what was uploaded. Reads in chunks; memory stays flat however large the store."""
    blobs = size = 0
    damaged = []
    for address in sorted(store.addresses()):
        digest = hashlib.sha256()
        for chunk in store.open(address):
            digest.update(chunk)
            size += len(chunk)
        blobs += 1
        if digest.hexdigest() != address:
            damaged.append(address)
    return MediaCheck(blobs=blobs, size=size, damaged=tuple(damaged))


class MediaKeeping:
    """What the upload use cases call: keep an upload's bytes and who holds them.

    The blob is written before the events that name it are committed: a failed commit leaves
    an unheld blob behind (harmless, content-addressed, and the same upload again finds it),
    never an event naming bytes that are not there."""

    def __init__(self, store: MediaStore, holdings: MediaHoldings, *, limit: int) -> None:
        self.store = store
        self.holdings = holdings
        self.limit = limit

    def keep(
        self, data: bytes, *, content_type: str | None, holder: str, person: str
    ) -> StoredBlob:
        """Store ``data`` and record that ``holder`` (``video:<id>``…) of ``person`` holds it."""
        chunks = (data[at : at + CHUNK] for at in range(0, len(data), CHUNK))
        stored = self.store.put(chunks, content_type=content_type, limit=self.limit)
        self.holdings.hold(stored.address, holder, person)
        return stored


CHUNK: Final = 1024 * 1024
