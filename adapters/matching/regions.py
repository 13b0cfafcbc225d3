"""Visual evidence from a part of the frame: a title's footage found inside other pictures.

Why local features
    Whole-frame hashes (``adapters.matching.visual``) describe the whole picture. When the
    title's footage fills only part of the frame (a green screen with the creator in front,
    picture-in-picture, a duet or a split screen) or is filmed off a screen (in perspective,
    turned, blurred, under a colour filter), no view of the frame looks like a view of the
    reference, and they give no evidence at all. The shop's product recogniser
    (``adapters.matching.products.SiftProductRecognizer``) solves the same problem for
    products: SIFT keypoints of a photo found in a frame *in the same arrangement*, checked
    by an affine fit, with the product's box in the frame. This module reuses it as it is,
    with a reference clip's keyframes as the "photos" of a "listing" and an upload's
    keyframes as the frames to search. Choice and figures: ARCHITECTURE.md (Visual matching
    of a part of the frame).

Keyframes
    Pictures are sampled at 1 a second with the longer side at most 640 px (``SAMPLING``)
    and turned grey first: a colour filter changes every hue, and the recogniser's colour
    check (half the matches of the colour they have on the photo) would refuse the footage
    it should find. The sharpest picture of each ``KEYFRAME_SECONDS`` (2 s) window is
    described (SIFT, the recogniser's 400 most distinctive keypoints). References and uploads
    are described alike, since the port fingerprints both the same way. Two seconds, not the
    shop's six, because footage changes shot every few seconds: a query keyframe must find
    a reference keyframe of the same shot. Windows of 3 s cost 30 % less (1.3 against 1.9
    CPU s a minute of 720p under load 31, where decoding alone took 2.4) but found a
    picture-in-picture in one keyframe of four where 2 s windows found it in four of six.

Agreement in time
    The recogniser verifies each query keyframe alone. A candidate needs ``MIN_SIGHTINGS``
    (2) sightings of one reference at *distinct* reference keyframes whose time offsets
    (reference time minus query time) agree within ``OFFSET_TOLERANCE`` seconds: one
    sighting can be a coincidence of a poster or a logo, and a still picture held on screen
    matches one reference instant only, however long it is shown. The score combines the
    agreeing sightings as independent evidence (the recogniser's own rule), and
    ``matched_seconds`` is their span plus one keyframe window (at most the clip's length).

Why nothing was found
    A fingerprint records why it can hold no evidence (``Silence``): a clip shorter than a
    second, pictures without detail (one colour, black, flat), or pictures not sampled for
    this engine at all. ``silence`` reads it back, and a query for such a fingerprint finds
    nothing.

Fingerprint bytes (little-endian)::

    b"SPVR" | u8 format | u8 silence (0: none) | u16 zero | u32 duration ms
    | the video's descriptors (``SiftProductRecognizer.describe_video``)
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import attrs
import cv2
import numpy as np
from numpy.typing import NDArray

from adapters.matching.index_files import check, check_header, read_array, write_array, write_json
from adapters.matching.products import SiftProductRecognizer, video_as_listings
from adapters.metrics import timed_lookup
from application.media import Candidate, DecodedMedia, Frame, Install, PictureSampling, TimeRange
from application.shop.products import IncompatibleDescriptors, ProductSighting

VERSION: Final = "visual-regions-sift-v1"
INDEX_FORMAT: Final = 1
SAMPLING: Final = PictureSampling(frames_per_second=1.0, max_side=640)
KEYFRAME_SECONDS: Final = 2.0
MIN_SIGHTINGS: Final = 2
OFFSET_TOLERANCE: Final = 3.0  # seconds: keyframes are 2 s apart, sampled at other instants
MIN_SECONDS: Final = 1.0  # a clip shorter than this has at most one keyframe
# A reference is indexed as listings of this many consecutive keyframes (8 s of footage):
# the recogniser compares a keyframe with every photo of the 60 listings its votes rank
# first, so a listing must stay small whatever the reference's length.
PHOTOS_PER_LISTING: Final = 4
_MAGIC: Final = b"SPVR"
_FORMAT: Final = 1
_HEADER: Final = struct.Struct("<4sBBHI")


class Silence(enum.IntEnum):
    """Why a fingerprint can hold no evidence from a part of the frame."""

    NONE = 0
    TOO_SHORT = 1
    NO_DETAIL = 2
    NOT_SAMPLED = 3

    @property
    def reason(self) -> str:
        return _REASONS[self]


_REASONS: Final = {
    Silence.NONE: "",
    Silence.TOO_SHORT: (
        f"the clip is shorter than {MIN_SECONDS:g} s: too short to find footage in part of "
        "the frame"
    ),
    Silence.NO_DETAIL: (
        "no picture has detail to recognise footage by (one colour, black or flat frames)"
    ),
    Silence.NOT_SAMPLED: "the pictures this engine needs were not decoded",
}


class IncompatibleRegions(ValueError):
    """Bytes that are not a region fingerprint of this format."""


def encode(silence: Silence, duration_seconds: float, descriptors: bytes = b"") -> bytes:
    duration_ms = max(0, min(0xFFFFFFFF, round(duration_seconds * 1000)))
    return _HEADER.pack(_MAGIC, _FORMAT, int(silence), 0, duration_ms) + descriptors


def decode(fingerprint: bytes) -> tuple[Silence, float, bytes]:
    """Why the fingerprint is silent (if it is), the clip's length and its descriptors."""
    if len(fingerprint) < _HEADER.size:
        raise IncompatibleRegions("too short to be a region fingerprint")
    magic, fmt, silence, _, duration_ms = _HEADER.unpack_from(fingerprint)
    if magic != _MAGIC or fmt != _FORMAT or silence not in set(Silence):
        raise IncompatibleRegions(f"not a region fingerprint of format {_FORMAT}")
    return Silence(silence), duration_ms / 1000, fingerprint[_HEADER.size :]


def silence(fingerprint: bytes) -> str | None:
    """Why the fingerprint can hold no evidence, or None when it can."""
    found, _, _ = decode(fingerprint)
    return found.reason or None


def _greyed(frames: Sequence[Frame]) -> tuple[Frame, ...]:
    return tuple(
        Frame(
            frame.at_seconds,
            np.asarray(cv2.cvtColor(frame.pixels, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
            if frame.pixels.ndim == 3
            else frame.pixels,
        )
        for frame in frames
    )


@attrs.frozen(eq=False)
class _Reference:
    reference_id: str
    #: Its listings in the recogniser (``<reference>#<number>``), and when each of their
    #: photos (the reference's keyframes) is shown.
    listings: dict[str, NDArray[np.float64]]


class RegionVisualEngine:
    """Finds a reference's footage in a part of the frame (see the module's docstring).

    Not a ``MatchingEngine`` of its own: ``adapters.matching.visual_engine.VisualEngine``
    puts it beside the whole-frame hashes under the one visual signal. Not thread-safe."""

    signal = "visual-regions"  # names its files in a snapshot
    version = VERSION
    sampling = SAMPLING

    def __init__(self) -> None:
        self._recognizer = SiftProductRecognizer()
        self._references: dict[str, _Reference] = {}
        self._owners: dict[str, str] = {}  # listing -> reference

    def fingerprint(self, media: DecodedMedia) -> bytes:
        duration = media.duration_seconds
        if SAMPLING not in media.views:
            return encode(Silence.NOT_SAMPLED, duration)
        if duration < MIN_SECONDS:
            return encode(Silence.TOO_SHORT, duration)
        grey = DecodedMedia(
            duration_seconds=media.duration_seconds,
            audio=None,
            frames=_greyed(media.views[SAMPLING]),
        )
        described = self._recognizer.describe_video(grey, keyframe_seconds=KEYFRAME_SECONDS)
        if not described:
            return encode(Silence.NO_DETAIL, duration)
        return encode(Silence.NONE, duration, described)

    def __len__(self) -> int:
        return len(self._references)

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        self.forget(reference_id)
        found, _, descriptors = decode(fingerprint)
        if found is not Silence.NONE:
            return  # nothing to recognise it by: it cannot match

        def shown(at: float) -> bool:
            return not any(span.covers(at) for span in excluded)

        listings: dict[str, NDArray[np.float64]] = {}
        for number, (listing, times) in enumerate(
            video_as_listings(descriptors, shown, PHOTOS_PER_LISTING)
        ):
            listing_id = f"{reference_id}#{number}"
            self._recognizer.index(listing_id, listing)
            self._owners[listing_id] = reference_id
            listings[listing_id] = np.array(times, np.float64)
        if listings:
            self._references[reference_id] = _Reference(reference_id, listings)

    def forget(self, reference_id: str) -> None:
        reference = self._references.pop(reference_id, None)
        for listing_id in reference.listings if reference is not None else ():
            self._recognizer.forget(listing_id)
            del self._owners[listing_id]

    @timed_lookup("visual-regions")
    def query(self, fingerprint: bytes, *, limit: int = 10) -> list[Candidate]:
        found, duration, descriptors = decode(fingerprint)
        if found is not Silence.NONE or not self._references:
            return []
        try:
            # Every listing of a reference may hold a sighting: ask for all of them.
            recognised = self._recognizer.recognise(descriptors, limit=len(self._owners))
        except IncompatibleDescriptors as error:
            raise IncompatibleRegions(str(error)) from None
        sightings: dict[str, list[tuple[float, ProductSighting]]] = {}
        for product in recognised:
            owner = self._owners.get(product.listing_id)
            if owner is None:
                continue
            times = self._references[owner].listings[product.listing_id]
            for sighting in product.sightings:
                sightings.setdefault(owner, []).append((float(times[sighting.photo]), sighting))
        candidates = [
            candidate
            for owner, found in sightings.items()
            if (candidate := _agreeing(owner, found, duration)) is not None
        ]
        candidates.sort(key=lambda c: (-c.score, c.reference_id))
        return candidates[:limit]

    # -- a saved index -------------------------------------------------------------------

    def save_index(self, directory: Path) -> None:
        """The recogniser's own files in ``sift/``; each listing's reference and the times
        of its photos."""
        (directory / "sift").mkdir()
        self._recognizer.save_index(directory / "sift")
        rows = sorted(
            (listing_id, reference.reference_id, times)
            for reference in self._references.values()
            for listing_id, times in reference.listings.items()
        )
        for name, column in (("listings", 0), ("owners", 1)):
            values = [row[column] for row in rows]
            array = np.array(values, dtype=str) if values else np.zeros(0, "U1")
            write_array(directory, name, array)
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(row[2]) for row in rows], out=starts[1:])
        write_array(directory, "time_starts", starts)
        times = [row[2] for row in rows]
        write_array(directory, "times", np.concatenate(times) if times else np.zeros(0))
        write_json(
            directory,
            "index",
            {"kind": "visual-regions", "index_format": INDEX_FORMAT, "version": self.version},
        )

    def read_index(self, directory: Path) -> Install:
        check_header(directory, "visual-regions", INDEX_FORMAT, self.version)
        install_recognizer = self._recognizer.read_index(directory / "sift")
        listings = read_array(directory, "listings", np.str_, 1, mapped=False).tolist()
        owners = read_array(directory, "owners", np.str_, 1, mapped=False).tolist()
        starts = read_array(directory, "time_starts", np.int64, 1, mapped=False)
        times = read_array(directory, "times", np.float64, 1, mapped=False)
        check(len(owners) == len(listings), "owners do not fit the listings")
        check(len(starts) == len(listings) + 1, "time_starts do not fit the listings")
        check(int(starts[0]) == 0 and int(starts[-1]) == len(times), "times do not fit")
        check(bool(np.all(np.diff(starts) >= 0)), "time_starts go backwards")
        references: dict[str, _Reference] = {}
        for number, (listing_id, owner) in enumerate(zip(listings, owners, strict=True)):
            reference = references.setdefault(str(owner), _Reference(str(owner), {}))
            shown = np.array(times[int(starts[number]) : int(starts[number + 1])])
            reference.listings[str(listing_id)] = shown
        by_listing = {
            str(listing): str(owner) for listing, owner in zip(listings, owners, strict=True)
        }

        def install() -> None:
            install_recognizer()
            self._references = references
            self._owners = by_listing

        return install


def _agreeing(
    reference_id: str, found: Sequence[tuple[float, ProductSighting]], duration: float
) -> Candidate | None:
    """The largest set of sightings (each with the time of the reference keyframe it
    matched) at distinct reference keyframes whose offsets agree."""
    if len(found) < MIN_SIGHTINGS:
        return None
    offsets = np.array([at - sighting.at_seconds for at, sighting in found])
    best: list[int] = []
    for centre in offsets:
        distinct: dict[float, int] = {}
        for i, (at, sighting) in enumerate(found):
            # One sighting per reference keyframe: the one with most matches.
            if abs(offsets[i] - centre) <= OFFSET_TOLERANCE and (
                at not in distinct or sighting.matches > found[distinct[at]][1].matches
            ):
                distinct[at] = i
        chosen = sorted(distinct.values())
        if len(chosen) > len(best):
            best = chosen
    if len(best) < MIN_SIGHTINGS:
        return None
    agreeing = [found[i] for i in best]
    missing = 1.0
    for _, sighting in agreeing:
        missing *= 1 - sighting.score
    query_times = [sighting.at_seconds for _, sighting in agreeing]
    matched = max(query_times) - min(query_times) + KEYFRAME_SECONDS
    if duration > 0:
        matched = min(matched, duration)
    strongest = max(agreeing, key=lambda pair: (pair[1].matches, -pair[1].at_seconds))[1]
    offset = float(np.median(offsets[best]))
    return Candidate(
        reference_id=reference_id,
        score=round(1 - missing, 4),
        matched_seconds=round(matched, 3),
        query_start=round(min(query_times), 3),
        reference_start=round(max(0.0, min(query_times) + offset), 3),
        evidence={
            "view": "region",
            # Where the footage was found: fractions of the frame (left, top, right, bottom).
            "region": _box(strongest.box),
            "regions": [
                (sighting.at_seconds, at, sighting.matches, *_box(sighting.box))
                for at, sighting in agreeing
            ],
            "offset_seconds": round(offset, 3),
            "agreeing_keyframes": len(agreeing),
        },
    )


def _box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    left, top, right, bottom = box
    return (
        round(max(0.0, left), 3),
        round(max(0.0, top), 3),
        round(min(1.0, right), 3),
        round(min(1.0, bottom), 3),
    )
