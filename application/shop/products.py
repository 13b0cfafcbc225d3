"""Port of the shop's product recognition: which listed products appear in a video.

A recogniser turns a listing's photos and a video's sampled frames into deterministic,
versioned bytes that the shop stores in its events, so that its index is derived data that a
replay rebuilds, and so that a listing added later is matched against videos published
earlier from their stored bytes, without decoding a video again.

Both directions answer alike: ``recognise`` (a video against every indexed listing) finds a
listing only where ``match_listing`` (that listing against that video) finds it too, with
the same sightings and score; the index only narrows down which listings are worth
verifying.

Bytes from another ``version`` of the recogniser are refused with ``IncompatibleDescriptors``
(a ``ValueError``); a shop that upgrades re-describes its listing photos (cheap) and decides
whether older videos are worth decoding again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from application.media import DecodedMedia, UnreadableMedia

__all__ = [
    "DESCRIBED_PHOTOS",
    "Box",
    "IncompatibleDescriptors",
    "PhotoWithoutDetail",
    "ProductCandidate",
    "ProductRecognizer",
    "ProductSighting",
]

#: Every recogniser describes a listing by up to this many photos; the shop sends its first.
DESCRIBED_PHOTOS = 8

# (left, top, right, bottom) as fractions of the frame's width and height, 0..1.
Box = tuple[float, float, float, float]


class IncompatibleDescriptors(ValueError):
    """Bytes that are not descriptors of this recogniser's version (corrupt, or another's)."""


class PhotoWithoutDetail(UnreadableMedia):
    """An image that decodes but shows too little to recognise a product by (flat, tiny or
    blank): the listing can be sold, but not recognised in videos."""


@attrs.frozen
class ProductSighting:
    """One frame where the product was verified."""

    at_seconds: float  # when the frame is shown in the video
    matches: int  # keypoint matches consistent with one geometric fit of the listing photo
    box: Box  # where the product is in that frame
    photo: int = 0  # which of the listing's photos matched (their order at description)
    score: float = 0.0  # 0..1, the strength of this sighting alone


@attrs.frozen
class ProductCandidate:
    """A listing recognised in a video, how strongly, and where."""

    listing_id: str
    score: float  # 0..1, comparable within one recogniser version
    sightings: tuple[ProductSighting, ...]  # in time order, at most one per described frame

    @property
    def first_seen_seconds(self) -> float:
        return self.sightings[0].at_seconds

    @property
    def best(self) -> ProductSighting:
        """The sighting with the most consistent matches (the earliest among equals)."""
        return max(self.sightings, key=lambda s: (s.matches, -s.at_seconds))


class ProductRecognizer(Protocol):
    """Recognises listed products in videos. Not required to be thread-safe: callers
    serialise ``index``, ``forget``, ``recognise`` and ``match_listing``."""

    version: str

    def describe_listing(self, photos: Sequence[bytes]) -> bytes:
        """Deterministic bytes describing a listing from its photos (encoded images: JPEG,
        PNG, WebP, ...; the product should fill most of each). Raises ``UnreadableMedia``
        (``application.media``) for a file that is not an image, and its subclass
        ``PhotoWithoutDetail`` for an image with too little detail in it to recognise the
        product by."""
        ...

    def describe_video(self, media: DecodedMedia) -> bytes:
        """Deterministic, compact bytes describing a video's sampled frames, enough to
        recognise products in it later without decoding it again. Empty bytes when no frame
        has anything to recognise (no video track, blank or flat frames). Each
        implementation documents what it keeps and its size per minute of video."""
        ...

    def index(self, listing_id: str, descriptors: bytes) -> None:
        """Add or replace a listing (``describe_listing`` bytes)."""
        ...

    def forget(self, listing_id: str) -> None: ...

    def recognise(self, video_descriptors: bytes, *, limit: int = 10) -> list[ProductCandidate]:
        """The indexed listings seen in the video, best first; nothing for a video that
        shows no listed product. Found without comparing the video with every listing."""
        ...

    def match_listing(
        self, listing_id: str, listing_descriptors: bytes, video_descriptors: bytes
    ) -> ProductCandidate | None:
        """One listing (indexed or not) against one video's stored descriptors: the
        retroactive direction, for a listing added after the video was published. None
        when the product is not seen in the video."""
        ...

    def __len__(self) -> int:
        """The number of indexed listings."""
        ...
