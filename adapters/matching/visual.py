"""Visual evidence: perceptual frame hashes, voted on along the time axis.

Frame hash
    Each sampled frame is reduced to luma, its black bars (letterbox or pillarbox: dark,
    flat rows and columns at the edges) are stripped, and frames with too little information
    (near-uniform: fades, black, flat colour) are skipped. A *view* is a region of the picture
    that remains; each view is box-filtered down to 32x32, and its 2-D DCT-II is taken. The
    hash is the sign of 64 low-frequency coefficients: the 8x8 corner without the DC term,
    plus the (8, 0) coefficient. Signs rather than the usual "above the median" make
    horizontal mirroring exact arithmetic: mirroring negates the coefficients of odd
    horizontal frequency, so a mirrored frame's hash is the original XOR ``MIRROR_MASK``,
    and the mirrored query costs no extra hashing.

Views
    A plain pHash survives re-encoding, scaling and blur, but not a crop, an overlay or a
    reframing. So each frame is hashed through several views of its content box, all stored
    in the fingerprint::

        full      the whole picture (what re-encodes, rescales, letterboxes, mirrors become)
        crop-90   the middle 90% of each side   (someone cropped ~10% away)
        crop-80   the middle 80% of each side   (someone cropped ~20% away)
        portrait  the centred 9:16 strip of landscape footage (vertical-video reframing)
        upper     the top 75%    (a caption burned into the bottom of the picture)
        lower     the bottom 75% (a caption burned into the top)

    A reference indexes all of them; a query looks up only ``full``, ``upper`` and ``lower``,
    each as it is and mirrored, against the reference views that can depict the same region
    (``full`` against full, crops and portrait strip; ``upper`` against upper; ``lower``
    against lower). Off-centre crops shift the picture under the 8x8 cosine basis and are
    not covered beyond a few percent: 5% cut from one side still matches, but 10% cut from
    each of two adjacent sides (a corner crop) mostly does not.

Index and the recall trade-off
    Multi-index hashing: each 64-bit hash is split into four 16-bit bands, and each band has
    an inverted index keyed by (view group, band value): entries sorted by key plus a table of
    where each key's run starts, so a lookup is two array reads. A query hash retrieves only
    entries sharing at least one band *exactly*, and those are checked by their full Hamming
    distance. By the pigeonhole principle every entry within 3 bits is retrieved; beyond that
    retrieval is probabilistic (were the differing bits spread uniformly: 90% at 4 bits, 33%
    at 8, 17% at 10, 8% at 12; the first band holds the steadiest, lowest-frequency bits,
    which helps), so single frames are only *seeds*. References seeded by several query
    frames at a consistent time offset (at most ``verify_at_most``, most seeded first; and a
    few seeded by one frame only, when nothing else matched) are then verified in full: every
    query hash against every frame and view of that one reference. Missing a frame at the
    seeding stage costs nothing once other frames of the clip have found the reference; a
    clip is missed only if fewer than two of its frames share a band with the right
    reference, which for a few seconds of footage is rare. Probing neighbouring band values
    (radius 1 or 2) would raise recall per frame at 17x or 137x the lookups; verification
    makes that unnecessary. Work per query grows with bucket sizes (entries / 65,536 per
    lookup) and the number of segments (logarithmic), not with a scan of the catalogue.

    Entries are appended to a pending batch and built into immutable segments, merged
    size-tiered; ``forget`` marks the reference dead, and dead entries are dropped when
    segments merge or, once they outnumber the live ones, by a compaction. Memory is about
    37 bytes per indexed view hash (six per frame) plus 62 bytes per frame for verification.

Voting and score
    Verified frame pairs within ``max_hamming`` bits vote for the time offset (reference time
    minus query time) in 0.25 s bins, counted over a +-0.5 s window because the two videos
    are sampled at unrelated instants. Each query frame votes once per offset, weighted
    ``1 - d / (2 * (max_hamming + 1))``. At the winning offset pairs are taken one-to-one
    (a still reference frame cannot vouch for several query frames), and at least
    ``min_frames`` of them are needed, so coincidences of one or two frames never surface.
    The score is ``1 - exp(-max(0, total weight - 2) / 4)``: the first 2 of weight are what a
    handful of mediocre frames can reach by chance and count for nothing. A re-encoded
    excerpt of two seconds scores about 0.2-0.4, three seconds 0.4-0.6, five 0.7-0.8, ten or
    more above 0.95.
    ``MATCH_THRESHOLD`` (0.45, where the default ``MatchPolicy`` attaches visual evidence) is
    the suggested decision threshold. ``matched_seconds`` is the span of the agreeing query
    frames plus one sampling step, not counting gaps of more than 2 s between them.

The engine is not thread-safe: callers serialise ``index``, ``forget`` and ``query``.
Fingerprints are deterministic on a given platform; the DCT runs in float32, so a
coefficient within rounding of zero could hash differently elsewhere (one bit, well within
the matching tolerance).

Fingerprint bytes (little-endian)::

    b"SPVH" | u8 format | u8 number of views | u16 zero | u32 frames | u32 duration ms
    | u32[frames] time ms | u8[frames] view mask | u64[views present] hashes (frame-major)
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from adapters.matching.index_files import (
    check,
    check_header,
    integer,
    read_array,
    write_array,
    write_json,
)
from adapters.metrics import timed_lookup
from application.media import Candidate, DecodedMedia, Install, TimeRange

VERSION = "visual-dct64-6views-v1"
#: The layout of a saved index (``save_index``), apart from the fingerprints' format.
INDEX_FORMAT = 1
_SEGMENT_ARRAYS = ("refs", "times_ms", "groups", "hashes", "order", "starts")
MATCH_THRESHOLD = 0.45  # suggested decision threshold (the default MatchPolicy attaches here)

VIEWS: tuple[str, ...] = ("full", "crop-90", "crop-80", "portrait", "upper", "lower")
_FULL, _CROP90, _CROP80, _PORTRAIT, _UPPER, _LOWER = range(len(VIEWS))
# Which reference views can show the same region as a query view (and so share an index).
_COMPARABLE: dict[int, tuple[int, ...]] = {
    _FULL: (_FULL, _CROP90, _CROP80, _PORTRAIT),
    _UPPER: (_UPPER,),
    _LOWER: (_LOWER,),
}
# A query frame is looked at six ways (each query view as it is and mirrored); which
# reference views each of them may be compared with.
_QUERY_VIEWS = (_FULL, _UPPER, _LOWER)
_ALLOWED = np.zeros((2 * len(_QUERY_VIEWS), len(VIEWS)), dtype=np.bool_)
for _i, _view in enumerate(_QUERY_VIEWS):
    _ALLOWED[2 * _i : 2 * _i + 2, list(_COMPARABLE[_view])] = True
_GROUP_OF_VIEW = np.array([0, 0, 0, 0, 1, 2], dtype=np.uint8)
_VIEW_LABEL = ("direct", "crop-90", "crop-80", "portrait-crop", "upper-75", "lower-75")

_SIDE = 32  # the hash looks at a 32x32 box-filtered thumbnail of each view
_MIN_CONTENT = 24  # pixels: a content box smaller than this in either direction is unusable
_MIN_STDDEV = 4.0  # grey levels: a thumbnail flatter than this is a low-information view
_BAR_LUMA = 28.0  # a row or column darker than this on average ...
_BAR_STDDEV = 10.0  # ... and flatter than this is part of a black bar
_PORTRAIT_RATIO = 9 / 16
_BIN_SECONDS = 0.25
_WINDOW_BINS = 2  # agreeing offsets may differ by +-0.5 s: the sampling instants differ
_CHANCE_WEIGHT = 2.0  # what a few mediocre frames agreeing by chance can add up to
_SCORE_SCALE = 4.0
_MAX_GAP_SECONDS = 2.0  # agreeing frames further apart than this are separate stretches
_BANDS = 4
_KEYS = 3 << 16  # three view groups (whole picture, upper, lower) x a 16-bit band
_SEED_BIN_MS = 1000
_SINGLE_SEED_BUDGET = 4  # references found by one query frame only that are still verified
_MAGIC = b"SPVH"
_FORMAT = 1
_HEADER = struct.Struct("<4sBBHII")


def _dct_rows(n: int, rows: int) -> NDArray[np.float64]:
    k = np.arange(n)
    basis = np.cos(np.pi * (2 * k[None, :] + 1) * np.arange(rows)[:, None] / (2 * n))
    basis *= math.sqrt(2 / n)
    basis[0] /= math.sqrt(2)
    return basis


_DCT = _dct_rows(_SIDE, 9).astype(np.float32)
# Coefficients (vertical frequency u, horizontal frequency v) read by the hash, lowest first,
# so that the first band holds the most robust bits.
_COEFFICIENTS = sorted(
    [(u, v) for u in range(8) for v in range(8) if (u, v) != (0, 0)] + [(8, 0)],
    key=lambda uv: (uv[0] + uv[1], uv[0]),
)
_U = np.array([u for u, _ in _COEFFICIENTS])
_V = np.array([v for _, v in _COEFFICIENTS])
_BIT_VALUES = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
MIRROR_MASK = int(sum(1 << bit for bit, v in enumerate(_V) if v % 2))
_MIRROR = np.uint64(MIRROR_MASK)


# --- hashing ----------------------------------------------------------------------------


def _edge_run(flags: NDArray[np.bool_]) -> tuple[int, int]:
    """First and one-past-last index not in the runs of True at either end."""
    keep = np.flatnonzero(~flags)
    if len(keep) == 0:
        return 0, 0
    return int(keep[0]), int(keep[-1]) + 1


def content_box(grey: NDArray[np.uint8]) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) without black bars, or None if nothing is left."""
    values = grey.astype(np.float32)
    rows = (values.mean(axis=1) < _BAR_LUMA) & (values.std(axis=1) < _BAR_STDDEV)
    cols = (values.mean(axis=0) < _BAR_LUMA) & (values.std(axis=0) < _BAR_STDDEV)
    top, bottom = _edge_run(rows)
    left, right = _edge_run(cols)
    if bottom - top < _MIN_CONTENT or right - left < _MIN_CONTENT:
        return None
    return left, top, right, bottom


def _view_boxes(
    box: tuple[int, int, int, int],
) -> list[tuple[float, float, float, float] | None]:
    left, top, right, bottom = box
    width, height = right - left, bottom - top

    def centred(fraction: float) -> tuple[float, float, float, float]:
        dx, dy = width * (1 - fraction) / 2, height * (1 - fraction) / 2
        return left + dx, top + dy, right - dx, bottom - dy

    portrait: tuple[float, float, float, float] | None = None
    strip = height * _PORTRAIT_RATIO
    if strip < width * 0.8:
        x0 = left + (width - strip) / 2
        portrait = (x0, float(top), x0 + strip, float(bottom))
    return [
        (float(left), float(top), float(right), float(bottom)),
        centred(0.9),
        centred(0.8),
        portrait,
        (float(left), float(top), float(right), top + height * 0.75),
        (float(left), bottom - height * 0.75, float(right), float(bottom)),
    ]


def frame_hashes(
    pixels: NDArray[np.uint8],
) -> tuple[NDArray[np.uint64], NDArray[np.bool_]] | None:
    """The hash of each view of one RGB frame and which views had something to show, or
    None for a frame with too little information to recognise."""
    picture = Image.fromarray(np.ascontiguousarray(pixels)).convert("L")
    box = content_box(np.asarray(picture))
    if box is None:
        return None
    boxes = _view_boxes(box)
    thumbs = np.zeros((len(VIEWS), _SIDE, _SIDE), dtype=np.float32)
    present = np.zeros(len(VIEWS), dtype=np.bool_)
    for view, view_box in enumerate(boxes):
        if view_box is None:
            continue
        thumb = np.asarray(
            picture.resize((_SIDE, _SIDE), Image.Resampling.BOX, box=view_box),
            dtype=np.float32,
        )
        if thumb.std() >= _MIN_STDDEV:
            thumbs[view] = thumb
            present[view] = True
    if not present[_FULL]:
        return None
    coefficients = _DCT @ thumbs @ _DCT.T
    bits = coefficients[:, _U, _V] > 0
    hashes = (bits.astype(np.uint64) * _BIT_VALUES).sum(axis=1, dtype=np.uint64)
    return np.where(present, hashes, np.uint64(0)), present


# --- fingerprint bytes ------------------------------------------------------------------


@attrs.frozen(eq=False)
class VisualFingerprint:
    """Decoded fingerprint: one row per usable frame, one column per view of ``VIEWS``."""

    duration_seconds: float
    times: NDArray[np.float64]
    hashes: NDArray[np.uint64]
    present: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.times)


def encode(
    duration_seconds: float,
    times_ms: Sequence[int],
    rows: Sequence[tuple[NDArray[np.uint64], NDArray[np.bool_]]],
) -> bytes:
    hashes = np.array([h for h, _ in rows], dtype=np.uint64).reshape(len(rows), len(VIEWS))
    present = np.array([p for _, p in rows], dtype=np.bool_).reshape(len(rows), len(VIEWS))
    masks = (present.astype(np.uint8) << np.arange(len(VIEWS), dtype=np.uint8)).sum(
        axis=1, dtype=np.uint8
    )
    header = _HEADER.pack(
        _MAGIC, _FORMAT, len(VIEWS), 0, len(rows), max(0, round(duration_seconds * 1000))
    )
    return b"".join(
        (
            header,
            np.asarray(times_ms, dtype="<u4").tobytes(),
            masks.astype("<u1").tobytes(),
            hashes[present].astype("<u8").tobytes(),
        )
    )


class IncompatibleFingerprint(ValueError):
    """Bytes that are not a visual fingerprint of this format (corrupt, or another engine's)."""


def decode(fingerprint: bytes) -> VisualFingerprint:
    if len(fingerprint) < _HEADER.size:
        raise IncompatibleFingerprint("too short to be a visual fingerprint")
    magic, fmt, views, _, frames, duration_ms = _HEADER.unpack_from(fingerprint)
    if magic != _MAGIC or fmt != _FORMAT or views != len(VIEWS):
        raise IncompatibleFingerprint(f"not a visual fingerprint of format {_FORMAT}")
    offset = _HEADER.size
    if len(fingerprint) < offset + 5 * frames:
        raise IncompatibleFingerprint("visual fingerprint of the wrong length")
    times = np.frombuffer(fingerprint, dtype="<u4", count=frames, offset=offset)
    offset += 4 * frames
    masks = np.frombuffer(fingerprint, dtype="<u1", count=frames, offset=offset)
    offset += frames
    present = ((masks[:, None] >> np.arange(len(VIEWS), dtype=np.uint8)) & 1).astype(np.bool_)
    count = int(present.sum())
    if len(fingerprint) != offset + 8 * count or np.any(masks >> len(VIEWS)):
        raise IncompatibleFingerprint("visual fingerprint of the wrong length")
    hashes = np.zeros((frames, len(VIEWS)), dtype=np.uint64)
    hashes[present] = np.frombuffer(fingerprint, dtype="<u8", count=count, offset=offset)
    return VisualFingerprint(
        duration_seconds=duration_ms / 1000,
        times=times.astype(np.float64) / 1000,
        hashes=hashes,
        present=present,
    )


# --- index ------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Reference:
    reference_id: str
    times: NDArray[np.float64]
    hashes: NDArray[np.uint64]
    present: NDArray[np.bool_]


class _Segment:
    """An immutable batch of index entries. For each band, the entries sorted by band key and
    where each key's run starts (a table over all 3 x 65,536 keys: lookups are O(1))."""

    def __init__(
        self,
        refs: NDArray[np.int32],
        times_ms: NDArray[np.int32],
        groups: NDArray[np.uint8],
        hashes: NDArray[np.uint64],
    ) -> None:
        self.refs = refs
        self.times_ms = times_ms
        self.groups = groups
        self.hashes = hashes
        keys = _band_keys(hashes, groups)  # (bands, entries)
        self.order = np.argsort(keys, axis=1, kind="stable").astype(np.int32)
        self.starts = np.zeros((_BANDS, _KEYS + 1), dtype=np.int32)
        for band in range(_BANDS):
            np.cumsum(np.bincount(keys[band], minlength=_KEYS), out=self.starts[band, 1:])

    @classmethod
    def of(cls, arrays: Sequence[NDArray[np.generic]]) -> _Segment:
        """A segment from its saved arrays (in ``_SEGMENT_ARRAYS`` order), sorted already."""
        segment = cls.__new__(cls)
        refs, times_ms, groups, hashes, order, starts = arrays
        entries = len(refs)
        check(
            len(times_ms) == entries and len(groups) == entries and len(hashes) == entries,
            "a segment's columns differ in length",
        )
        check(order.shape == (_BANDS, entries), "a segment's order does not fit it")
        check(starts.shape == (_BANDS, _KEYS + 1), "a segment's key table does not fit it")
        segment.refs = refs  # type: ignore[assignment]
        segment.times_ms = times_ms  # type: ignore[assignment]
        segment.groups = groups  # type: ignore[assignment]
        segment.hashes = hashes  # type: ignore[assignment]
        segment.order = order  # type: ignore[assignment]
        segment.starts = starts  # type: ignore[assignment]
        return segment

    def arrays(self) -> tuple[NDArray[np.generic], ...]:
        return (self.refs, self.times_ms, self.groups, self.hashes, self.order, self.starts)

    def __len__(self) -> int:
        return len(self.refs)

    def lookup(self, keys: NDArray[np.uint32]) -> tuple[NDArray[np.intp], NDArray[np.int32]]:
        """For keys shaped (bands, hashes): which hash and which entry, for every entry
        sharing that band key."""
        bands = np.arange(_BANDS)[:, None]
        lo = self.starts[bands, keys].ravel()
        counts = self.starts[bands, keys + 1].ravel() - lo
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int32)
        slots = np.repeat(np.arange(len(counts)), counts)
        first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        band_base = (slots // keys.shape[1]) * len(self)
        entries = self.order.ravel()[band_base + first + np.arange(total)]
        return slots % keys.shape[1], entries

    @staticmethod
    def merge(segments: Sequence[_Segment], alive: NDArray[np.bool_]) -> _Segment:
        refs = np.concatenate([s.refs for s in segments])
        keep = alive[refs]
        return _Segment(
            refs[keep],
            np.concatenate([s.times_ms for s in segments])[keep],
            np.concatenate([s.groups for s in segments])[keep],
            np.concatenate([s.hashes for s in segments])[keep],
        )


def _band_keys(hashes: NDArray[np.uint64], groups: NDArray[np.uint8]) -> NDArray[np.uint32]:
    """(bands, hashes): each 16-bit band of each hash, prefixed by its view group."""
    shifts = np.arange(0, 16 * _BANDS, 16, dtype=np.uint64)[:, None]
    bits = ((hashes[None, :] >> shifts) & np.uint64(0xFFFF)).astype(np.uint32)
    return (groups.astype(np.uint32)[None, :] << np.uint32(16)) | bits


def _popcount(values: NDArray[np.uint64]) -> NDArray[np.uint8]:
    return np.bitwise_count(values)


class PerceptualVisualEngine:
    """The visual engine of the catalogue; rebuilt from stored fingerprints at start-up."""

    signal = "visual"
    version = VERSION

    def __init__(
        self,
        *,
        max_hamming: int = 12,
        min_frames: int = 3,
        verify_at_most: int = 32,
        flush_entries: int = 1 << 16,
    ) -> None:
        self.max_hamming = max_hamming
        self.min_frames = min_frames
        self.verify_at_most = verify_at_most
        self._flush_entries = flush_entries
        self._ordinals: dict[str, int] = {}
        self._references: dict[int, _Reference] = {}
        self._alive = np.zeros(1024, dtype=np.bool_)
        self._next_ordinal = 0
        self._segments: list[_Segment] = []
        self._pending: list[tuple[int, NDArray[np.int32], NDArray[np.uint8], NDArray[np.uint64]]]
        self._pending = []
        self._pending_entries = 0
        self._dead_entries = 0
        self._live_entries = 0

    # -- the port ------------------------------------------------------------------------

    def fingerprint(self, media: DecodedMedia) -> bytes:
        times: list[int] = []
        rows: list[tuple[NDArray[np.uint64], NDArray[np.bool_]]] = []
        for frame in sorted(media.frames, key=lambda f: f.at_seconds):
            hashed = frame_hashes(frame.pixels)
            if hashed is not None:
                times.append(max(0, round(frame.at_seconds * 1000)))
                rows.append(hashed)
        if not times:
            return b""  # the port's word for "nothing this engine can use"
        return encode(media.duration_seconds, times, rows)

    def __len__(self) -> int:
        return len(self._references)

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        if not fingerprint:
            self.forget(reference_id)  # nothing usable: the reference cannot match
            return
        decoded = decode(fingerprint)
        self.forget(reference_id)
        keep = np.ones(len(decoded), dtype=np.bool_)
        for span in excluded:
            keep &= ~((decoded.times >= span.start) & (decoded.times < span.end))
        reference = _Reference(
            reference_id=reference_id,
            times=decoded.times[keep],
            hashes=decoded.hashes[keep],
            present=decoded.present[keep],
        )
        ordinal = self._next_ordinal
        self._next_ordinal += 1
        if ordinal >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros_like(self._alive)])
        self._alive[ordinal] = True
        self._ordinals[reference_id] = ordinal
        self._references[ordinal] = reference

        frames, views = np.nonzero(reference.present)
        entries = (
            ordinal,
            np.round(reference.times[frames] * 1000).astype(np.int32),
            _GROUP_OF_VIEW[views],
            reference.hashes[frames, views],
        )
        self._pending.append(entries)
        self._pending_entries += len(frames)
        self._live_entries += len(frames)
        if self._pending_entries >= self._flush_entries:
            self._flush()

    def forget(self, reference_id: str) -> None:
        ordinal = self._ordinals.pop(reference_id, None)
        if ordinal is None:
            return
        reference = self._references.pop(ordinal)
        self._alive[ordinal] = False
        entries = int(reference.present.sum())
        self._live_entries -= entries
        self._dead_entries += entries
        if self._dead_entries > max(self._live_entries, self._flush_entries):
            self._compact()

    @timed_lookup("visual")
    def query(self, fingerprint: bytes, *, limit: int = 10) -> list[Candidate]:
        if not fingerprint:
            return []
        probe = decode(fingerprint)
        if len(probe) == 0 or not self._references:
            return []
        self._flush()
        several, single = self._seed(probe)
        candidates: list[Candidate] = []
        for ordinals in (several, single):
            if any(c.score >= MATCH_THRESHOLD for c in candidates):
                break  # references seeded by one frame only matter when nothing else does
            for ordinal in ordinals:
                candidate = self._verify(probe, self._references[ordinal])
                if candidate is not None:
                    candidates.append(candidate)
        candidates.sort(key=lambda c: (-c.score, c.reference_id))
        return candidates[:limit]

    # -- a saved index -------------------------------------------------------------------

    def save_index(self, directory: Path) -> None:
        """Segments as they are (pending entries flushed into one first), which ordinals are
        alive, and each reference's frames end to end (``frame_starts``)."""
        self._flush()
        for number, segment in enumerate(self._segments):
            for name, array in zip(_SEGMENT_ARRAYS, segment.arrays(), strict=True):
                write_array(directory, f"segment-{number}-{name}", array)
        write_array(directory, "alive", self._alive[: self._next_ordinal])
        ordinals = sorted(self._references)
        references = [self._references[o] for o in ordinals]
        write_array(directory, "ordinals", np.array(ordinals, dtype=np.int64))
        ids = [r.reference_id for r in references]
        write_array(directory, "ids", np.array(ids, dtype=str) if ids else np.zeros(0, "U1"))
        starts = np.zeros(len(references) + 1, dtype=np.int64)
        np.cumsum([len(r.times) for r in references], out=starts[1:])
        write_array(directory, "frame_starts", starts)
        for name, empty in (
            ("times", np.zeros(0, np.float64)),
            ("hashes", np.zeros((0, len(VIEWS)), np.uint64)),
            ("present", np.zeros((0, len(VIEWS)), np.bool_)),
        ):
            columns = [getattr(r, name) for r in references]
            write_array(directory, name, np.concatenate(columns) if columns else empty)
        write_json(
            directory,
            "index",
            {
                "kind": "perceptual-visual",
                "index_format": INDEX_FORMAT,
                "version": self.version,
                "ordinals": self._next_ordinal,
                "segments": len(self._segments),
                "live_entries": self._live_entries,
                "dead_entries": self._dead_entries,
            },
        )

    def read_index(self, directory: Path) -> Install:
        header = check_header(directory, "perceptual-visual", INDEX_FORMAT, self.version)
        count = integer(header, "ordinals")
        dtypes = (np.int32, np.int32, np.uint8, np.uint64, np.int32, np.int32)
        dimensions = (1, 1, 1, 1, 2, 2)
        segments = [
            _Segment.of(
                [
                    read_array(directory, f"segment-{number}-{name}", dtype, ndim)
                    for name, dtype, ndim in zip(_SEGMENT_ARRAYS, dtypes, dimensions, strict=True)
                ]
            )
            for number in range(integer(header, "segments"))
        ]
        alive = np.array(read_array(directory, "alive", np.bool_, 1, mapped=False))
        ordinals = read_array(directory, "ordinals", np.int64, 1, mapped=False)
        ids = read_array(directory, "ids", np.str_, 1, mapped=False)
        starts = read_array(directory, "frame_starts", np.int64, 1, mapped=False)
        times = read_array(directory, "times", np.float64, 1)
        hashes = read_array(directory, "hashes", np.uint64, 2)
        present = read_array(directory, "present", np.bool_, 2)
        frames = len(times)
        check(len(alive) == count, "alive does not fit the ordinals")
        check(len(ids) == len(ordinals) and len(starts) == len(ordinals) + 1, "ids do not fit")
        check(bool(np.all((ordinals >= 0) & (ordinals < count))), "an ordinal out of range")
        check(int(starts[0]) == 0 and int(starts[-1]) == frames, "frame_starts do not fit")
        check(bool(np.all(np.diff(starts) >= 0)), "frame_starts go backwards")
        check(hashes.shape == (frames, len(VIEWS)) == present.shape, "frames do not fit")
        check(bool(np.all(alive[ordinals])) and int(alive.sum()) == len(ordinals), "alive")
        by_id: dict[str, int] = {}
        references: dict[int, _Reference] = {}
        for row, (ordinal, reference_id) in enumerate(
            zip(ordinals.tolist(), ids.tolist(), strict=True)
        ):
            start, stop = int(starts[row]), int(starts[row + 1])
            by_id[reference_id] = ordinal
            references[ordinal] = _Reference(
                reference_id=reference_id,
                times=times[start:stop],
                hashes=hashes[start:stop],
                present=present[start:stop],
            )
        live = integer(header, "live_entries")
        dead = integer(header, "dead_entries")
        grown = np.zeros(max(1024, 2 * count), dtype=np.bool_)
        grown[:count] = alive

        def install() -> None:
            self._ordinals = by_id
            self._references = references
            self._alive = grown
            self._next_ordinal = count
            self._segments = segments
            self._pending = []
            self._pending_entries = 0
            self._live_entries = live
            self._dead_entries = dead

        return install

    # -- index maintenance ---------------------------------------------------------------

    def _flush(self) -> None:
        if not self._pending:
            return
        pending = [entries for entries in self._pending if self._alive[entries[0]]]
        self._pending = []
        self._pending_entries = 0
        if not pending:
            return
        segment = _Segment(
            np.concatenate(
                [np.full(len(t), ordinal, dtype=np.int32) for ordinal, t, _, _ in pending]
            ),
            np.concatenate([times for _, times, _, _ in pending]),
            np.concatenate([groups for _, _, groups, _ in pending]),
            np.concatenate([hashes for _, _, _, hashes in pending]),
        )
        self._segments.append(segment)
        # Size-tiered merging keeps O(log n) segments to search.
        while len(self._segments) >= 2 and len(self._segments[-2]) <= 2 * len(self._segments[-1]):
            merged = _Segment.merge(self._segments[-2:], self._alive)
            self._segments[-2:] = [merged]

    def _compact(self) -> None:
        self._flush()
        if self._segments:
            self._segments = [_Segment.merge(self._segments, self._alive)]
        self._dead_entries = 0

    # -- query ---------------------------------------------------------------------------

    def _query_hashes(
        self, probe: VisualFingerprint
    ) -> tuple[NDArray[np.uint64], NDArray[np.uint8], NDArray[np.intp]]:
        hashes: list[NDArray[np.uint64]] = []
        groups: list[NDArray[np.uint8]] = []
        frames: list[NDArray[np.intp]] = []
        for view in _COMPARABLE:
            rows = np.flatnonzero(probe.present[:, view])
            direct = probe.hashes[rows, view]
            for values in (direct, direct ^ _MIRROR):
                hashes.append(values)
                groups.append(np.full(len(rows), _GROUP_OF_VIEW[view], dtype=np.uint8))
                frames.append(rows)
        return np.concatenate(hashes), np.concatenate(groups), np.concatenate(frames)

    def _seed(self, probe: VisualFingerprint) -> tuple[list[int], list[int]]:
        """The references worth verifying, best first: those where several query frames found
        frames at a consistent time offset, and apart from those a few found by one frame."""
        hashes, groups, frames = self._query_hashes(probe)
        query_ms = np.round(probe.times * 1000).astype(np.int64)
        found_refs: list[NDArray[np.int32]] = []
        found_frames: list[NDArray[np.intp]] = []
        found_offsets: list[NDArray[np.int64]] = []
        keys = _band_keys(hashes, groups)
        for segment in self._segments:
            which, entries = segment.lookup(keys)
            distance = _popcount(hashes[which] ^ segment.hashes[entries])
            refs = segment.refs[entries]
            close = (distance <= self.max_hamming) & self._alive[refs]
            which, entries = which[close], entries[close]
            found_refs.append(refs[close])
            found_frames.append(frames[which])
            found_offsets.append(segment.times_ms[entries] - query_ms[frames[which]])
        if not found_refs or sum(len(r) for r in found_refs) == 0:
            return [], []
        refs = np.concatenate(found_refs).astype(np.int64)
        query_frames = np.concatenate(found_frames).astype(np.int64)
        offsets = np.concatenate(found_offsets)
        ordinals, ref_index = np.unique(refs, return_inverse=True)
        _, seeds = _distinct_per_group(ref_index, query_frames)
        # Agreement on the offset: bins of 1 s on two grids half a bin apart, so that any two
        # offsets less than 0.5 s apart share a bin on at least one of them. A bin counts the
        # distinct query frames and the distinct reference instants in it, whichever is fewer:
        # one still reference frame found by many query frames is one seed, not many.
        ref_ms = offsets + query_ms[query_frames]
        consistent = np.zeros(len(ordinals), dtype=np.int64)
        for shift in (0, _SEED_BIN_MS // 2):
            bins = (offsets + shift) // _SEED_BIN_MS
            bins -= bins.min()
            span = int(bins.max()) + 1
            cells = ref_index * span + bins
            cell_ids, by_query = _distinct_per_group(cells, query_frames)
            _, by_reference = _distinct_per_group(cells, ref_ms)
            np.maximum.at(consistent, cell_ids // span, np.minimum(by_query, by_reference))
        ranked = np.lexsort((ordinals, -seeds, -consistent))
        several = ranked[consistent[ranked] >= 2][: self.verify_at_most]
        single = ranked[consistent[ranked] < 2][:_SINGLE_SEED_BUDGET]
        return [int(o) for o in ordinals[several]], [int(o) for o in ordinals[single]]

    def _verify(self, probe: VisualFingerprint, reference: _Reference) -> Candidate | None:
        pairs = _close_pairs(probe, reference, self.max_hamming)
        if pairs is None:
            return None
        query_frames, ref_frames, distance, kinds = pairs
        offsets = reference.times[ref_frames] - probe.times[query_frames]
        weights = 1 - distance / (2 * (self.max_hamming + 1))
        best = _best_offset(offsets, query_frames, weights, len(probe))
        if best is None:
            return None
        agreeing = np.abs(offsets - best) <= _WINDOW_BINS * _BIN_SECONDS + 1e-9
        index = _one_to_one(np.flatnonzero(agreeing), query_frames, ref_frames, weights)
        if len(index) < self.min_frames:
            return None
        q_times = probe.times[query_frames[index]]
        r_times = reference.times[ref_frames[index]]
        total_weight = float(weights[index].sum())
        score = 1 - math.exp(-max(0.0, total_weight - _CHANCE_WEIGHT) / _SCORE_SCALE)
        if score <= 0:
            return None
        offset = float(np.median(r_times - q_times))
        query_start = float(q_times.min())
        matched = _covered_seconds(q_times, _sampling_step(probe.times))
        if probe.duration_seconds > 0:
            matched = min(matched, probe.duration_seconds)
        frame_labels = [_label(int(kinds[i])) for i in index]
        return Candidate(
            reference_id=reference.reference_id,
            score=round(score, 4),
            matched_seconds=round(matched, 3),
            query_start=round(query_start, 3),
            reference_start=round(max(0.0, query_start + offset), 3),
            evidence={
                "frames": [
                    (float(q), float(r), int(distance[i]), label)
                    for q, r, i, label in zip(q_times, r_times, index, frame_labels, strict=True)
                ],
                "view": _summary_view(frame_labels),
                "views": dict(Counter(frame_labels)),
                "offset_seconds": round(offset, 3),
                "agreeing_frames": len(index),
                "query_frames": len(probe),
                "mean_hamming": round(float(distance[index].mean()), 2),
            },
        )


# --- verification helpers ---------------------------------------------------------------


def _distinct_per_group(
    groups: NDArray[np.int64], members: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each group present, ascending, and how many distinct members it has."""
    order = np.lexsort((members, groups))
    groups, members = groups[order], members[order]
    new = np.ones(len(groups), dtype=np.bool_)
    new[1:] = (groups[1:] != groups[:-1]) | (members[1:] != members[:-1])
    ids, counts = np.unique(groups[new], return_counts=True)
    return ids, counts


def _close_pairs(
    probe: VisualFingerprint, reference: _Reference, max_hamming: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.int64], NDArray[np.intp]] | None:
    """Every (query frame, reference frame) within ``max_hamming`` through some comparable
    pair of views, with the closest such distance and the views it was seen through (an
    look x reference view, see ``_label``)."""
    if len(reference.times) == 0:
        return None
    looks = probe.hashes[:, _QUERY_VIEWS]
    looks = np.stack([looks, looks ^ _MIRROR], axis=2).reshape(len(probe), -1)
    looks_present = np.repeat(probe.present[:, _QUERY_VIEWS], 2, axis=1)
    chunk = max(1, 250_000 // len(probe))
    found_q: list[NDArray[np.intp]] = []
    found_r: list[NDArray[np.intp]] = []
    found_d: list[NDArray[np.int64]] = []
    found_kind: list[NDArray[np.intp]] = []
    for start in range(0, len(reference.times), chunk):
        ref_hashes = reference.hashes[start : start + chunk]
        ref_present = reference.present[start : start + chunk]
        # (query frames, reference frames, query looks, reference views)
        distance = _popcount(looks[:, None, :, None] ^ ref_hashes[None, :, None, :])
        valid = (
            looks_present[:, None, :, None]
            & ref_present[None, :, None, :]
            & _ALLOWED[None, None, :, :]
        )
        distance = np.where(valid, distance, np.uint8(255)).reshape(len(probe), len(ref_hashes), -1)
        kind = distance.argmin(axis=2)
        best = np.take_along_axis(distance, kind[:, :, None], axis=2)[:, :, 0]
        q, r = np.nonzero(best <= max_hamming)
        found_q.append(q)
        found_r.append(r + start)
        found_d.append(best[q, r].astype(np.int64))
        found_kind.append(kind[q, r])
    query_frames = np.concatenate(found_q)
    if len(query_frames) == 0:
        return None
    return (
        query_frames,
        np.concatenate(found_r),
        np.concatenate(found_d),
        np.concatenate(found_kind),
    )


def _label(kind: int) -> str:
    look, ref_view = divmod(kind, len(VIEWS))
    parts = ["mirrored"] if look % 2 else []
    if ref_view != _FULL:
        parts.append(_VIEW_LABEL[ref_view])
    return "+".join(parts) or "direct"


def _best_offset(
    offsets: NDArray[np.float64],
    query_frames: NDArray[np.intp],
    weights: NDArray[np.float64],
    query_length: int,
) -> float | None:
    """The offset most query frames agree on (each frame counted once, by its best pair)."""
    bins = np.round(offsets / _BIN_SECONDS).astype(np.int64)
    spread = np.arange(-_WINDOW_BINS, _WINDOW_BINS + 1)
    all_bins = (bins[:, None] + spread[None, :]).ravel()
    all_frames = np.repeat(query_frames, len(spread))
    all_weights = np.repeat(weights, len(spread))
    base = int(all_bins.min())
    keys = (all_bins - base) * (query_length + 1) + all_frames
    order = np.lexsort((-all_weights, keys))
    keys, all_weights = keys[order], all_weights[order]
    first = np.ones(len(keys), dtype=np.bool_)
    first[1:] = keys[1:] != keys[:-1]
    per_bin = keys[first] // (query_length + 1)
    support = np.bincount(per_bin, weights=all_weights[first])
    if len(support) == 0:
        return None
    return float((int(np.argmax(support)) + base) * _BIN_SECONDS)


def _one_to_one(
    pairs: NDArray[np.intp],
    query_frames: NDArray[np.intp],
    ref_frames: NDArray[np.intp],
    weights: NDArray[np.float64],
) -> NDArray[np.intp]:
    """The strongest pairs such that no query frame and no reference frame is used twice:
    one still reference frame must not vouch for several query frames."""
    order = pairs[np.lexsort((ref_frames[pairs], query_frames[pairs], -weights[pairs]))]
    used_query: set[int] = set()
    used_ref: set[int] = set()
    chosen: list[int] = []
    for pair in order.tolist():
        q, r = int(query_frames[pair]), int(ref_frames[pair])
        if q not in used_query and r not in used_ref:
            used_query.add(q)
            used_ref.add(r)
            chosen.append(pair)
    chosen.sort(key=lambda pair: (query_frames[pair], ref_frames[pair]))
    return np.array(chosen, dtype=np.intp)


def _covered_seconds(times: NDArray[np.float64], step: float) -> float:
    """How much of the query the agreeing frames cover: their span, broken where more than
    ``_MAX_GAP_SECONDS`` pass without an agreeing frame."""
    gaps = np.diff(times)
    breaks = gaps > _MAX_GAP_SECONDS
    return float(times[-1] - times[0] - gaps[breaks].sum() + step * (1 + int(breaks.sum())))


def _sampling_step(times: NDArray[np.float64]) -> float:
    if len(times) < 2:
        return 0.5
    return float(np.median(np.diff(times)))


def _summary_view(labels: Iterable[str]) -> str:
    counts = Counter(labels)
    total = sum(counts.values())
    portrait = sum(n for label, n in counts.items() if "portrait-crop" in label)
    mirrored = sum(n for label, n in counts.items() if label.startswith("mirrored"))
    if portrait * 2 > total:
        return "portrait-crop"
    if mirrored * 2 > total:
        return "mirrored"
    return "direct"
