"""A fake product recogniser: products are recognised by name, so that tests of the scan's
bookkeeping know exactly which listings every video shows.

A listing's descriptors are its first photo's bytes (a product's name); a video's are the
names of the products it shows, one per line. It keeps the port's contract: descriptors of
another version are refused, ``recognise`` answers only from the index, and
``match_listing`` agrees with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from application.media import DecodedMedia
from application.shop.products import IncompatibleDescriptors, ProductCandidate, ProductSighting

VERSION = "fake-products-1"
_HEADER = b"fake-products-1\n"


def video_showing(*names: str) -> bytes:
    """The stored descriptors of a video that shows these products."""
    return _HEADER + "\n".join(names).encode()


class ProductsByName:
    version = VERSION

    def __init__(self) -> None:
        self.indexed: dict[str, str] = {}  # listing id -> product name
        self.recognitions = 0

    def describe_listing(self, photos: Sequence[bytes]) -> bytes:
        return _HEADER + photos[0]

    def describe_video(self, media: DecodedMedia) -> bytes:
        return b""  # tests store video descriptors directly with ``video_showing``

    def index(self, listing_id: str, descriptors: bytes) -> None:
        self.indexed[listing_id] = _names(descriptors)[0]

    def forget(self, listing_id: str) -> None:
        self.indexed.pop(listing_id, None)

    def recognise(self, video_descriptors: bytes, *, limit: int = 10) -> list[ProductCandidate]:
        self.recognitions += 1
        shown = set(_names(video_descriptors))
        found = sorted(listing for listing, name in self.indexed.items() if name in shown)
        return [_candidate(listing) for listing in found[:limit]]

    def match_listing(
        self, listing_id: str, listing_descriptors: bytes, video_descriptors: bytes
    ) -> ProductCandidate | None:
        if _names(listing_descriptors)[0] in _names(video_descriptors):
            return _candidate(listing_id)
        return None

    def __len__(self) -> int:
        return len(self.indexed)


def _names(descriptors: bytes) -> list[str]:
    if not descriptors.startswith(_HEADER):
        raise IncompatibleDescriptors("not descriptors of the fake recogniser")
    return descriptors[len(_HEADER) :].decode().splitlines()


def _candidate(listing_id: str) -> ProductCandidate:
    sighting = ProductSighting(at_seconds=0.0, matches=20, box=(0.1, 0.1, 0.5, 0.5), score=0.95)
    return ProductCandidate(listing_id=listing_id, score=0.95, sightings=(sighting,))
