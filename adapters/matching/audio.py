"""Audio evidence: landmark fingerprints (pairs of spectral peaks) and an inverted index.

Fingerprint
    The mono track is resampled to 11 025 Hz and turned into a log-power spectrogram
    (1024-sample Hann window, hop 256 samples, about 23 ms) from 150 Hz to 5 kHz. Peaks are
    local maxima of a 2-D neighbourhood (250 ms x 230 Hz) that stand at least 9 dB above the
    spectrum around them at that moment, which keeps tonal partials and drops the ragged
    peaks of noise (hi-hats, snares, added noise). Candidates are ranked by level, tilted
    +6 dB an octave so that high partials are not crowded out by loud bass (against pink
    noise this ranks by local signal-to-noise ratio), and a peak is kept only if fewer than
    40 stronger ones lie within half a second of it. Times and frequencies are refined to
    a sixteenth of a frame and of a bin (parabolic interpolation). Long tracks are processed
    in overlapping blocks, so memory stays bounded and the result is the same.

    The fingerprint stores the peaks themselves, not hashes: a 28-byte header (magic
    ``LMAF``, format version, hop seconds, duration, number of peaks) and then, per peak,
    a little-endian ``uint32`` time and ``uint16`` frequency in sixteenths of a frame and
    of a bin and a ``uint8`` local rank. That is 7 bytes a peak, under 300 bytes a second,
    deterministic, and it lets a query re-derive hashes as if played at another speed.

Hashes
    An anchor peak is paired with the first few peaks of the zone 1 to 62 frames (1.4 s)
    after it, within a band of frequencies. A pair hashes to a 21-bit number: (anchor
    frequency, frequency step to the target, time step). Frequency is quantised on a warped
    scale, ``64 * log2(1 + f / 50 bins)``: about half a bin wide at low frequencies and about
    1.1 % wide at high ones, so a speed change (resampling moves time and pitch together)
    moves a high partial by a fraction of a step rather than by many bins. References hash
    their 22 strongest peaks a second with 3 targets each; queries use all 40 a second with
    8 targets each, so that a reference's pair is found even when noise adds peaks between.

Index
    One sorted ``uint64`` array of keys ``hash << 42 | reference << 21 | anchor frame``
    (2 million references of up to 13.5 hours), kept as a few segments that merge as they
    grow (a log-structured merge): adding a reference costs amortised ``O(log n)``, a query
    does one binary search per distinct query hash and segment. Forgotten references are
    tombstoned and purged at the next merge; their numbers are reused only after a full
    compaction. Each reference also keeps its 8 strongest peaks a second for verification.
    Hashes in an excluded range (or reaching into it, with half a window of margin) are
    never indexed, and its peaks are never verified, so it cannot match.

Query
    The query's peaks are rescaled for each speed in ``speeds`` (a clip played 3 % faster
    has its times multiplied by 1.03 and its frequencies divided by 1.03) and hashed; a
    value within 0.2 of a rounding boundary also probes the neighbouring value. Candidates
    come from the postings of the rarest query hashes, up to a fixed budget (so a bigger
    catalogue costs little more), voting for (reference, speed, offset) in 46 ms bins with a
    bin of tolerance either side. The best few are verified: their agreeing pairs fit a line
    ``reference time = speed * query time + offset``, and along it the reference's strongest
    peaks are looked for among the query's (within a frame and a bin). The score is the
    share of them found, at the low end of its 95 % interval, rescaled so that 0.2 (what
    unrelated music in the same key and tempo can reach) is 0 and 0.8 or more is 1.
    Candidates that score 0 are not returned.

No usable audio
    A clip without an audio track, or one that is silent or shorter than a quarter of a
    second, gets an *empty* fingerprint (a valid header and no peaks) rather than an error:
    a video without sound is ordinary media and may still match visually. An empty
    fingerprint can be indexed (it counts as a reference that matches nothing), and a query
    with it returns no candidates. Bytes that are not a fingerprint of this format raise
    ``IncompatibleFingerprint`` (a ``ValueError``).
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import attrs
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, signal  # type: ignore[import-untyped]

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

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Keys = NDArray[np.uint64]
Mask = NDArray[np.bool_]
Samples = NDArray[np.float32]

# Spectrogram
RATE: Final = 11025
WINDOW: Final = 1024
HOP: Final = 256
HOP_SECONDS: Final = HOP / RATE
MIN_SECONDS: Final = 0.25
SILENCE_RMS: Final = 1e-4  # about -80 dBFS
BLOCK_FRAMES: Final = 4096  # long tracks are analysed in blocks of about 95 s
BLOCK_MARGIN: Final = 64  # frames of context either side of a block

# Peaks
BIN_LOW: Final = 14  # 150 Hz: below it kick drums, hum and rumble, alike in every song
BIN_HIGH: Final = 470  # 5 kHz
PEAK_FRAMES: Final = 11  # local-maximum neighbourhood: ~250 ms ...
PEAK_BINS: Final = 21  # ... x 230 Hz
AROUND_FRAMES: Final = 3  # the spectrum around a peak: ~70 ms ...
AROUND_BINS: Final = 41  # ... x 440 Hz
MIN_PROMINENCE_DB: Final = 9.0  # above the spectrum around it
FLOOR_DB: Final = -40.0  # ~88 dB below a full-scale sine (48 dB here)
TILT_DB: Final = 6.0  # per octave, added to a peak's level when ranking
RANK_FRAMES: Final = 22  # ranks count stronger peaks within this many frames (~0.5 s)
QUERY_DENSITY: Final = 40  # peaks a second that fingerprints keep, and queries use
REFERENCE_DENSITY: Final = 22  # the strongest peaks a second that references hash
VERIFY_DENSITY: Final = 8  # the strongest peaks a second that verification looks for
FRACTION: Final = 16  # stored sub-frame and sub-bin resolution

# Pairs and hashes
REFERENCE_FAN_OUT: Final = 3
QUERY_FAN_OUT: Final = 8
DT_MIN: Final = 1.0  # frames between anchor and target ...
DT_MAX: Final = 62.0
WARP_K: Final = 64.0  # q(f) = K * log2(1 + f / F0), f in bins
WARP_F0: Final = 50.0
DQ_MIN: Final = 1.0  # a repeated pitch (a drum, a held note) makes a weak hash
DQ_MAX: Final = 40.0  # largest frequency step, in warped units
PROBE_MARGIN: Final = 0.2  # a value this close to a rounding boundary probes both sides
HASH_BITS: Final = 21
REF_BITS: Final = 21
TIME_BITS: Final = 21
MAX_REFERENCES: Final = 1 << REF_BITS
MAX_FRAME: Final = (1 << TIME_BITS) - 1  # about 13.5 hours
_HASH_SHIFT = np.uint64(REF_BITS + TIME_BITS)
_REF_SHIFT = np.uint64(TIME_BITS)

# Matching
DEFAULT_SPEEDS: Final = (0.96, 0.97, 0.98, 0.99, 1.0, 1.01, 1.02, 1.03, 1.04)
MAX_SPEEDS: Final = 16
OFFSET_BIN: Final = 2  # frames per bin of the offset histogram
TOLERANCE_FRAMES: Final = 3.0  # an agreeing pair is within this of the best offset
# Postings read for candidate generation, at most, rarest hashes first. 100,000 keeps a
# lookup within 2.5x from 100 to 10,000 references (bench) and still finds true copies,
# whose distinctive hashes are among the rarest; 200,000 grew 3.4x for unrelated queries.
POSTING_BUDGET: Final = 100_000
CANDIDATES: Final = 12  # candidates verified per query (at least ``limit``)
MIN_VOTES: Final = 4
MIN_ALIGNED: Final = 6  # fewer agreeing pairs than this is never a candidate
EDGE_FRAMES: Final = 3.0  # reference peaks this close to the query's ends are not expected
CHANCE_SHARE: Final = 0.2  # share of reference peaks that unrelated music may also have
FULL_SHARE: Final = 0.8  # share of reference peaks that counts as certain
Z_95: Final = 1.96

MAGIC: Final = b"LMAF"
FORMAT_VERSION: Final = 1
#: The layout of a saved index (``save_index``), apart from the fingerprints' format.
INDEX_FORMAT: Final = 1
_HEADER = struct.Struct("<4sBBHddI")
_PEAK_BYTES: Final = 7


class IncompatibleFingerprint(ValueError):
    """The bytes are not a fingerprint of this engine's format."""


@attrs.frozen(eq=False)
class Peaks:
    """Spectral peaks of a clip, sorted by time: times in frames and frequencies in bins
    (both fractional), and how many stronger peaks lie within half a second of each."""

    times: Floats
    freqs: Floats
    ranks: Ints
    duration: float

    @classmethod
    def none(cls, duration: float = 0.0) -> Peaks:
        return cls(np.zeros(0), np.zeros(0), np.zeros(0, np.int64), duration)

    def __len__(self) -> int:
        return len(self.times)


# --------------------------------------------------------------------------------------
# Fingerprints


def encode(peaks: Peaks) -> bytes:
    times = np.clip(np.round(peaks.times * FRACTION), 0, 2**32 - 1).astype("<u4")
    freqs = np.clip(np.round(peaks.freqs * FRACTION), 0, 2**16 - 1).astype("<u2")
    ranks = np.clip(peaks.ranks, 0, 255).astype("u1")
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, 0, 0, HOP_SECONDS, peaks.duration, len(times))
    return header + times.tobytes() + freqs.tobytes() + ranks.tobytes()


def decode(data: bytes) -> Peaks:
    if len(data) < _HEADER.size:
        raise IncompatibleFingerprint("too short to be a landmark audio fingerprint")
    magic, version, _flags, _reserved, hop, duration, count = _HEADER.unpack_from(data)
    if magic != MAGIC or version != FORMAT_VERSION or not math.isclose(hop, HOP_SECONDS):
        raise IncompatibleFingerprint(
            f"not a landmark audio fingerprint of format {FORMAT_VERSION}"
        )
    if len(data) != _HEADER.size + _PEAK_BYTES * count:
        raise IncompatibleFingerprint("a landmark audio fingerprint of the wrong length")
    start = _HEADER.size
    times = np.frombuffer(data, "<u4", count, start).astype(np.float64) / FRACTION
    freqs = np.frombuffer(data, "<u2", count, start + 4 * count).astype(np.float64) / FRACTION
    ranks = np.frombuffer(data, "u1", count, start + 6 * count).astype(np.int64)
    return Peaks(times, freqs, ranks, float(duration))


def mono_at_rate(samples: Samples, rate: int) -> Samples:
    mono = np.asarray(samples, dtype=np.float32).reshape(-1)
    if rate == RATE:
        return mono
    common = math.gcd(rate, RATE)
    resampled = signal.resample_poly(mono, RATE // common, rate // common)
    return np.asarray(resampled, dtype=np.float32)


def _spectrogram(mono: Samples, first: int, stop: int) -> NDArray[np.float32]:
    """Log power (dB), shape (frames, bins), of frames ``first`` to ``stop`` - 1; frame k
    is centred on sample k * HOP (zeros beyond the ends)."""
    begin = first * HOP - WINDOW // 2
    end = (stop - 1) * HOP + WINDOW // 2
    piece = mono[max(0, begin) : max(0, min(len(mono), end))]
    piece = np.pad(piece, (max(0, -begin), max(0, end - begin - max(0, -begin) - len(piece))))
    frames = np.lib.stride_tricks.sliding_window_view(piece, WINDOW)[::HOP]
    spectrum = np.fft.rfft(frames * np.hanning(WINDOW).astype(np.float32), axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    return np.asarray(10.0 * np.log10(power + 1e-10), dtype=np.float32)


def find_peaks(mono: Samples) -> Peaks:
    """The peaks of a mono track at RATE Hz (none if it is silent or too short)."""
    duration = len(mono) / RATE
    if duration < MIN_SECONDS or float(np.sqrt(np.mean(np.square(mono)))) < SILENCE_RMS:
        return Peaks.none(duration)
    frame_count = len(mono) // HOP + 1
    found = [
        _peaks_of_block(mono, start, min(frame_count, start + BLOCK_FRAMES), frame_count)
        for start in range(0, frame_count, BLOCK_FRAMES)
    ]
    times = np.concatenate([f[0] for f in found])
    freqs = np.concatenate([f[1] for f in found])
    ranks = np.concatenate([f[2] for f in found])
    order = np.lexsort((freqs, times))
    return Peaks(times[order], freqs[order], ranks[order], duration)


def _peaks_of_block(
    mono: Samples, start: int, stop: int, frame_count: int
) -> tuple[Floats, Floats, Ints]:
    """Peaks of frames [start, stop), computed with BLOCK_MARGIN frames of context."""
    first = max(0, start - BLOCK_MARGIN)
    full = _spectrogram(mono, first, min(frame_count, stop + BLOCK_MARGIN))
    spec = full[:, BIN_LOW:BIN_HIGH]
    local_max = ndimage.maximum_filter(spec, size=(PEAK_FRAMES, PEAK_BINS), mode="nearest")
    around = ndimage.uniform_filter(spec, size=(AROUND_FRAMES, AROUND_BINS), mode="nearest")
    candidates = (spec == local_max) & (spec - around > MIN_PROMINENCE_DB) & (spec > FLOOR_DB)
    frame, binno = np.nonzero(candidates)
    strength = spec[frame, binno] + TILT_DB * np.log2(binno + BIN_LOW)
    rank = _local_rank(frame, strength.astype(np.float64))
    keep = (rank < QUERY_DENSITY) & (frame + first >= start) & (frame + first < stop)
    frame, col, rank = frame[keep], binno[keep] + BIN_LOW, rank[keep]
    # Parabolic refinement in time and in frequency.
    last_frame, last_bin = full.shape[0] - 1, full.shape[1] - 1
    centre = full[frame, col].astype(np.float64)
    dt = _vertex(
        full[np.maximum(frame - 1, 0), col], centre, full[np.minimum(frame + 1, last_frame), col]
    )
    df = _vertex(
        full[frame, np.maximum(col - 1, 0)], centre, full[frame, np.minimum(col + 1, last_bin)]
    )
    times = np.round(np.maximum(frame + first + dt, 0.0) * FRACTION) / FRACTION
    freqs = np.round((col + df) * FRACTION) / FRACTION
    return times, freqs, rank


def _local_rank(frame: Ints, strength: Floats) -> Ints:
    """How many stronger candidates lie within RANK_FRAMES (``frame`` is sorted)."""
    n = len(frame)
    rank = np.zeros(n, np.int64)
    if n == 0:
        return rank
    lo = np.searchsorted(frame, frame - RANK_FRAMES, side="left")
    hi = np.searchsorted(frame, frame + RANK_FRAMES, side="right")
    width = int(np.max(hi - lo))
    chunk = max(1, 200_000 // width)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(n, start + chunk))
        cols = lo[rows, None] + np.arange(width)[None, :]
        inside = cols < hi[rows, None]
        cols = np.minimum(cols, n - 1)
        other, mine = strength[cols], strength[rows, None]
        stronger = (other > mine) | ((other == mine) & (cols < rows[:, None]))
        rank[rows] = np.sum(inside & stronger, axis=1)
    return rank


def _vertex(left: NDArray[np.float32], centre: Floats, right: NDArray[np.float32]) -> Floats:
    """Where the parabola through three equally spaced values peaks, from -0.5 to 0.5."""
    curvature = left - 2 * centre + right
    bent = curvature < -1e-9
    offset = np.where(bent, 0.5 * (left - right) / np.where(bent, curvature, -1.0), 0.0)
    return np.asarray(np.clip(offset, -0.5, 0.5), dtype=np.float64)


# --------------------------------------------------------------------------------------
# Pairs and hashes


def _warp(freqs: Floats) -> Floats:
    return np.asarray(WARP_K * np.log2(1.0 + freqs / WARP_F0), dtype=np.float64)


def _pairs(times: Floats, warped: Floats, fan_out: int) -> tuple[Ints, Ints]:
    """Anchor and target indices: each anchor with the first ``fan_out`` peaks of its zone."""
    n = len(times)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ends = np.searchsorted(times, times + DT_MAX, side="right")
    width = max(1, int(np.max(ends - np.arange(n))) - 1)
    anchors: list[Ints] = []
    targets: list[Ints] = []
    chunk = max(1, 200_000 // width)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(n, start + chunk))
        cols = rows[:, None] + 1 + np.arange(width)[None, :]
        valid = cols < ends[rows, None]
        cols = np.minimum(cols, n - 1)
        dt = times[cols] - times[rows, None]
        dq = np.abs(warped[cols] - warped[rows, None])
        valid &= (dt >= DT_MIN) & (dq >= DQ_MIN) & (dq <= DQ_MAX)
        valid &= np.cumsum(valid, axis=1) <= fan_out
        r, c = np.nonzero(valid)
        anchors.append(rows[r])
        targets.append(cols[r, c])
    return np.concatenate(anchors), np.concatenate(targets)


def _hash(q1: Ints, dq: Ints, dt: Ints) -> Ints:
    return (q1 << 13) | ((dq + 64) << 6) | dt


def _hashable(q1: Ints, dq: Ints, dt: Ints) -> Mask:
    return (q1 >= 0) & (q1 < 256) & (np.abs(dq) < 64) & (dt >= 0) & (dt < 64)


def reference_hashes(peaks: Peaks) -> tuple[Ints, Ints, Ints]:
    """Hashes, anchor frames and target frames of a reference's pairs."""
    strong = peaks.ranks < REFERENCE_DENSITY
    times = peaks.times[strong]
    warped = _warp(peaks.freqs[strong])
    a, b = _pairs(times, warped, REFERENCE_FAN_OUT)
    q1 = np.round(warped[a]).astype(np.int64)
    dq = np.round(warped[b] - warped[a]).astype(np.int64)
    dt = np.round(times[b] - times[a]).astype(np.int64)
    ok = _hashable(q1, dq, dt)
    start = np.round(times[a]).astype(np.int64)
    end = np.round(times[b]).astype(np.int64)
    return _hash(q1, dq, dt)[ok], start[ok], end[ok]


@attrs.frozen(eq=False)
class Probes:
    """A query's hashes at every searched speed, sorted by hash.

    ``pair`` numbers the query pair a probe came from (unique across speeds) and ``speed``
    is the index of the speed it was computed for.
    """

    speeds: tuple[float, ...]
    hashes: Ints
    pair: Ints
    speed: Ints
    times: Floats  # anchor time on the reference's time scale, in frames
    query_times: Floats  # anchor time in the query, in frames
    pairs: Ints  # number of query pairs at each speed


def _choices(value: Floats) -> tuple[Ints, Ints, Mask]:
    nearest = np.round(value)
    other = np.where(value >= nearest, nearest + 1, nearest - 1)
    uncertain = np.abs(value - nearest) > 0.5 - PROBE_MARGIN
    return nearest.astype(np.int64), other.astype(np.int64), uncertain


def _probes_at(peaks: Peaks, speed: float) -> tuple[Ints, Ints, Ints, int]:
    """Hashes of the query as if played ``speed`` times slower (back to the original), with
    the pair and anchor peak of each, and the number of pairs."""
    times = peaks.times * speed
    warped = _warp(peaks.freqs / speed)
    a, b = _pairs(times, warped, QUERY_FAN_OUT)
    values = (warped[a], warped[b] - warped[a], times[b] - times[a])
    (q_n, q_o, q_u), (d_n, d_o, d_u), (t_n, t_o, t_u) = (_choices(v) for v in values)
    pair = np.arange(len(a))
    hashes: list[Ints] = []
    owners: list[Ints] = []
    for use_q, use_d, use_t in itertools.product((False, True), repeat=3):
        mask = np.ones(len(a), bool)
        for used, uncertain in ((use_q, q_u), (use_d, d_u), (use_t, t_u)):
            if used:
                mask &= uncertain
        q1 = (q_o if use_q else q_n)[mask]
        dq = (d_o if use_d else d_n)[mask]
        dt = (t_o if use_t else t_n)[mask]
        ok = _hashable(q1, dq, dt)
        hashes.append(_hash(q1, dq, dt)[ok])
        owners.append(pair[mask][ok])
    owner = np.concatenate(owners)
    return np.concatenate(hashes), owner, a[owner], len(a)


def query_probes(peaks: Peaks, speeds: Sequence[float]) -> Probes:
    hashes: list[Ints] = []
    pairs: list[Ints] = []
    speed_index: list[Ints] = []
    anchors: list[Ints] = []
    counts: list[int] = []
    for index, speed in enumerate(speeds):
        found, pair, anchor, count = _probes_at(peaks, speed)
        hashes.append(found)
        pairs.append(pair + sum(counts))
        speed_index.append(np.full(len(found), index))
        anchors.append(anchor)
        counts.append(count)
    everything = np.concatenate(hashes)
    order = np.argsort(everything, kind="stable")
    speed_of = np.concatenate(speed_index)[order]
    anchor = np.concatenate(anchors)[order]
    return Probes(
        speeds=tuple(speeds),
        hashes=everything[order],
        pair=np.concatenate(pairs)[order],
        speed=speed_of,
        times=peaks.times[anchor] * np.asarray(speeds, dtype=np.float64)[speed_of],
        query_times=peaks.times[anchor],
        pairs=np.asarray(counts, dtype=np.int64),
    )


# --------------------------------------------------------------------------------------
# The inverted index


def _keys(hashes: Ints, reference: int, frames: Ints) -> Keys:
    return (
        (hashes.astype(np.uint64) << _HASH_SHIFT)
        | (np.uint64(reference) << _REF_SHIFT)
        | frames.astype(np.uint64)
    )


def _ref_of(keys: Keys) -> Ints:
    return ((keys >> _REF_SHIFT) & np.uint64(MAX_REFERENCES - 1)).astype(np.int64)


def _time_of(keys: Keys) -> Ints:
    return (keys & np.uint64(MAX_FRAME)).astype(np.int64)


def _ramps(lengths: Ints) -> Ints:
    """0, 1, ..., n - 1 for every n in ``lengths``, concatenated."""
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum())) - np.repeat(starts, lengths)


class Postings:
    """Sorted key segments of geometrically decreasing size (a log-structured merge)."""

    def __init__(self, segments: Sequence[Keys] = (), alive: Mask | None = None) -> None:
        # Segments may be read-only memory maps of a saved index: merges write new arrays.
        self.segments: list[Keys] = list(segments)
        self.alive = np.zeros(0, bool) if alive is None else alive

    def add(self, keys: Keys) -> None:
        self.segments.append(np.sort(keys))
        while len(self.segments) > 1 and len(self.segments[-2]) <= 2 * len(self.segments[-1]):
            newer = self.segments.pop()
            older = self.segments.pop()
            self.segments.append(self._merge(older, newer))

    def compact(self) -> None:
        if self.segments:
            self.segments = [self._merge(*self.segments)]

    def _merge(self, *parts: Keys) -> Keys:
        merged = np.concatenate(parts)
        merged = merged[self.alive[_ref_of(merged)]]
        return np.sort(merged, kind="stable")  # runs of sorted keys: a merge

    def total(self) -> int:
        return sum(len(s) for s in self.segments)

    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.segments) + self.alive.nbytes

    def ranges(self, low: Keys, high: Keys) -> list[tuple[Keys, Ints, Ints]]:
        """For every segment, where each [low, high) key range starts and ends."""
        found: list[tuple[Keys, Ints, Ints]] = []
        for segment in self.segments:
            starts = np.searchsorted(segment, low, side="left").astype(np.int64)
            ends = np.searchsorted(segment, high, side="left").astype(np.int64)
            found.append((segment, starts, ends))
        return found


@attrs.frozen(eq=False)
class _Reference:
    """What verification needs of an indexed reference: its strongest peaks outside the
    excluded ranges, as ``frame << 10 | bin``."""

    cells: NDArray[np.int32]


def _cells(times: Floats, freqs: Floats) -> Ints:
    return (np.round(times).astype(np.int64) << 10) | np.round(freqs).astype(np.int64)


@attrs.frozen(eq=False)
class _Match:
    reference: int
    speed_index: int
    offset: float  # frames: reference time - speed * query time
    probes: Ints  # the probes that voted near the offset ...
    offsets: Floats  # ... and their exact offsets


# --------------------------------------------------------------------------------------
# The engine


class LandmarkAudioEngine:
    """The audio engine: landmark fingerprints, an inverted index, speed-tolerant queries.

    ``speeds`` are the playback speeds of a query, relative to its reference, that are
    searched: resampled clips (pitch moves with tempo), 4 % slower to 4 % faster by default.
    Query time grows linearly with their number. The engine is not thread-safe.
    """

    signal = "audio"
    version = f"landmark-{FORMAT_VERSION}"

    def __init__(self, *, speeds: Sequence[float] = DEFAULT_SPEEDS) -> None:
        if not 0 < len(speeds) <= MAX_SPEEDS or any(not 0.5 < s < 2.0 for s in speeds):
            raise ValueError(f"speeds must be 1 to {MAX_SPEEDS} factors between 0.5 and 2")
        self._speeds = tuple(float(s) for s in speeds)
        self._numbers: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        self._references: dict[int, _Reference] = {}
        self._free: list[int] = []
        self._next = 0
        self._postings = Postings()

    def __len__(self) -> int:
        return len(self._numbers)

    def memory_bytes(self) -> int:
        """Roughly what the index holds in numpy arrays."""
        return self._postings.nbytes() + sum(r.cells.nbytes for r in self._references.values())

    def fingerprint(self, media: DecodedMedia) -> bytes:
        audio = media.audio
        if audio is None or audio.sample_rate <= 0 or len(audio.samples) == 0:
            return b""  # the port's word for "nothing this engine can use"
        peaks = find_peaks(mono_at_rate(audio.samples, audio.sample_rate))
        return encode(peaks) if len(peaks.times) else b""

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        if not fingerprint:
            self.forget(reference_id)  # nothing usable: the reference cannot match
            return
        peaks = decode(fingerprint)
        self.forget(reference_id)
        hashes, start, end = reference_hashes(peaks)
        indexed = end <= MAX_FRAME
        verified = peaks.ranks < VERIFY_DENSITY
        margin = WINDOW / 2 / RATE  # a peak's window reaches this far around it
        for gap in excluded:
            low = (gap.start - margin) / HOP_SECONDS
            high = (gap.end + margin) / HOP_SECONDS
            indexed &= (end < low) | (start >= high)
            verified &= (peaks.times < low) | (peaks.times >= high)
        number = self._allocate()
        self._numbers[reference_id] = number
        self._ids[number] = reference_id
        cells = _cells(peaks.times[verified], peaks.freqs[verified])
        self._references[number] = _Reference(cells=cells[cells < 2**31].astype(np.int32))
        self._postings.alive[number] = True
        if indexed.any():
            self._postings.add(_keys(hashes[indexed], number, start[indexed]))

    def forget(self, reference_id: str) -> None:
        number = self._numbers.pop(reference_id, None)
        if number is None:
            return
        del self._ids[number]
        del self._references[number]
        self._postings.alive[number] = False

    def save_index(self, directory: Path) -> None:
        """Postings segments as they are, which references are alive, and each reference's
        verification cells end to end (``cell_starts[n]`` to ``cell_starts[n + 1]``)."""
        for number, segment in enumerate(self._postings.segments):
            write_array(directory, f"postings-{number}", segment)
        write_array(directory, "alive", self._postings.alive[: self._next])
        ids = [self._ids.get(number, "") for number in range(self._next)]
        write_array(directory, "ids", np.array(ids, dtype=str) if ids else np.zeros(0, "U1"))
        lengths = np.zeros(self._next, np.int64)
        for number, reference in self._references.items():
            lengths[number] = len(reference.cells)
        starts = np.zeros(self._next + 1, np.int64)
        np.cumsum(lengths, out=starts[1:])
        cells = [self._references[n].cells for n in sorted(self._references)]
        write_array(directory, "cells", np.concatenate(cells) if cells else np.zeros(0, np.int32))
        write_array(directory, "cell_starts", starts)
        write_json(
            directory,
            "index",
            {
                "kind": "landmark-audio",
                "index_format": INDEX_FORMAT,
                "version": self.version,
                "references": self._next,
                "segments": len(self._postings.segments),
                "free": self._free,
            },
        )

    def read_index(self, directory: Path) -> Install:
        header = check_header(directory, "landmark-audio", INDEX_FORMAT, self.version)
        count = integer(header, "references")
        check(count <= MAX_REFERENCES, f"index.json: {count} references")
        segments = [
            read_array(directory, f"postings-{n}", np.uint64, 1)
            for n in range(integer(header, "segments"))
        ]
        alive = np.array(read_array(directory, "alive", np.bool_, 1, mapped=False))
        ids = read_array(directory, "ids", np.str_, 1, mapped=False)
        cells = read_array(directory, "cells", np.int32, 1)
        starts = read_array(directory, "cell_starts", np.int64, 1, mapped=False)
        check(len(alive) == count and len(ids) == count, "alive and ids do not fit the count")
        check(len(starts) == count + 1 and int(starts[0]) == 0, "cell_starts do not fit")
        check(bool(np.all(np.diff(starts) >= 0)), "cell_starts go backwards")
        check(int(starts[-1]) == len(cells), "cell_starts do not end with the cells")
        free = header.get("free")
        check(
            isinstance(free, list) and all(isinstance(n, int) and 0 <= n < count for n in free),
            "index.json: free numbers",
        )
        assert isinstance(free, list)
        numbers: dict[str, int] = {}
        references: dict[int, _Reference] = {}
        for number, reference_id in enumerate(ids.tolist()):
            if reference_id:
                numbers[reference_id] = number
                references[number] = _Reference(cells=cells[starts[number] : starts[number + 1]])
        check(
            all(bool(alive[n]) for n in references) and int(alive.sum()) == len(references),
            "alive does not fit the references",
        )
        grown = np.zeros(max(1024, count), bool)
        grown[:count] = alive

        def install() -> None:
            self._numbers = numbers
            self._ids = {number: reference_id for reference_id, number in numbers.items()}
            self._references = references
            self._free = [int(n) for n in free]
            self._next = count
            self._postings = Postings(segments, grown)

        return install

    def _allocate(self) -> int:
        if not self._free and self._next >= MAX_REFERENCES:
            # Numbers of forgotten references are reused once no posting mentions them.
            self._postings.compact()
            self._free = [n for n in range(MAX_REFERENCES - 1, -1, -1) if n not in self._ids]
        if self._free:
            return self._free.pop()
        if self._next >= MAX_REFERENCES:
            raise OverflowError(f"at most {MAX_REFERENCES} references can be indexed")
        number = self._next
        self._next += 1
        if number >= len(self._postings.alive):
            grown = np.zeros(max(1024, 2 * len(self._postings.alive)), bool)
            grown[: len(self._postings.alive)] = self._postings.alive
            self._postings.alive = grown
        return number

    @timed_lookup("audio")
    def query(self, fingerprint: bytes, *, limit: int = 10) -> list[Candidate]:
        if not fingerprint:
            return []
        peaks = decode(fingerprint)
        if len(peaks) < 2 or not self._numbers or limit <= 0:
            return []
        probes = query_probes(peaks, self._speeds)
        found = [
            candidate
            for match in self._candidates(probes, max(limit, CANDIDATES))
            if (candidate := self._verify(match, probes, peaks)) is not None
            and candidate.score > 0.0
        ]
        found.sort(key=lambda c: (-c.score, c.reference_id))
        return found[:limit]

    def _candidates(self, probes: Probes, count: int) -> list[_Match]:
        """Vote for (reference, speed, offset) with the postings of the rarest query hashes."""
        hashes, first_probe = np.unique(probes.hashes, return_index=True)
        probes_of = np.diff(np.append(first_probe, len(probes.hashes)))
        found = self._postings.ranges(
            hashes.astype(np.uint64) << _HASH_SHIFT, (hashes + 1).astype(np.uint64) << _HASH_SHIFT
        )
        if not found:
            return []
        # Read the rarest hashes first, up to the budget (common hashes say little anyway).
        cost = sum(ends - starts for _, starts, ends in found) * probes_of
        order = np.argsort(cost, kind="stable")
        chosen = np.sort(order[np.cumsum(cost[order]) <= POSTING_BUDGET])
        refs: list[Ints] = []
        times: list[Ints] = []
        owners: list[Ints] = []
        for segment, starts, ends in found:
            lengths = ends[chosen] - starts[chosen]
            keys = segment[np.repeat(starts[chosen], lengths) + _ramps(lengths)]
            refs.append(_ref_of(keys))
            times.append(_time_of(keys))
            owners.append(np.repeat(chosen, lengths))
        ref = np.concatenate(refs)
        alive = self._postings.alive[ref]
        ref, ref_time = ref[alive], np.concatenate(times)[alive]
        hash_no = np.concatenate(owners)[alive]
        if len(ref) == 0:
            return []
        # Every probe of a posting's hash votes (probes are sorted, so they are adjacent).
        repeats = probes_of[hash_no]
        probe = np.repeat(first_probe[hash_no], repeats) + _ramps(repeats)
        offset = np.repeat(ref_time, repeats) - probes.times[probe]
        bias = np.int64(1 << 30)
        offset_bin = np.round(offset / OFFSET_BIN).astype(np.int64) + bias
        votes = (((np.repeat(ref, repeats) << 4) | probes.speed[probe]) << 31) | offset_bin
        order = np.argsort(votes, kind="stable")
        votes, probe, offset = votes[order], probe[order], offset[order]
        unique, counts = np.unique(votes, return_counts=True)
        smoothed = counts.copy()
        for step in (-1, 1):
            neighbour = unique + step
            at = np.minimum(np.searchsorted(unique, neighbour), len(unique) - 1)
            smoothed += np.where(unique[at] == neighbour, counts[at], 0)
        # The best bin of every reference, then the best references.
        by_reference = np.lexsort((-smoothed, unique >> 35))
        reference_sorted = unique[by_reference] >> 35
        first = np.ones(len(by_reference), bool)
        first[1:] = reference_sorted[1:] != reference_sorted[:-1]
        best = by_reference[first]
        best = best[smoothed[best] >= MIN_VOTES]
        best = best[np.argsort(-smoothed[best], kind="stable")][:count]
        reach = math.ceil((TOLERANCE_FRAMES + OFFSET_BIN) / OFFSET_BIN)
        matches: list[_Match] = []
        for i in best:
            lo = np.searchsorted(votes, unique[i] - reach, side="left")
            hi = np.searchsorted(votes, unique[i] + reach, side="right")
            matches.append(
                _Match(
                    reference=int(unique[i] >> 35),
                    speed_index=int((unique[i] >> 31) & 15),
                    offset=float((int(unique[i] & ((1 << 31) - 1)) - bias) * OFFSET_BIN),
                    probes=probe[lo:hi],
                    offsets=offset[lo:hi],
                )
            )
        return matches

    def _verify(self, match: _Match, probes: Probes, peaks: Peaks) -> Candidate | None:
        """Fit the candidate's agreeing pairs to a line, then look for the reference's
        strongest peaks along it."""
        near = np.abs(match.offsets - match.offset) <= TOLERANCE_FRAMES + OFFSET_BIN
        centre = float(np.median(match.offsets[near]))
        aligned = np.abs(match.offsets - centre) <= TOLERANCE_FRAMES
        probe, offset = match.probes[aligned], match.offsets[aligned]
        pair_ids, first = np.unique(probes.pair[probe], return_index=True)
        agreeing = len(pair_ids)
        if agreeing < MIN_ALIGNED:
            return None
        probe, offset = probe[first], offset[first]
        query_t = probes.query_times[probe]
        ref_t = probes.times[probe] + offset
        speed = probes.speeds[match.speed_index]
        intercept = float(np.median(ref_t - speed * query_t))
        if float(np.ptp(query_t)) > 2.0 / HOP_SECONDS and agreeing >= 2 * MIN_ALIGNED:
            slope, fitted = np.polyfit(query_t, ref_t, 1)
            if abs(slope - speed) <= 0.01:
                speed, intercept = float(slope), float(fitted)
        hits, expected = _peak_agreement(self._references[match.reference], peaks, speed, intercept)
        q_start = float(query_t.min()) * HOP_SECONDS
        q_end = float(query_t.max()) * HOP_SECONDS
        offset_seconds = intercept * HOP_SECONDS
        return Candidate(
            reference_id=self._ids[match.reference],
            score=_score(hits, expected),
            matched_seconds=round(q_end - q_start, 3),
            query_start=round(q_start, 3),
            reference_start=round(q_start * speed + offset_seconds, 3),
            evidence={
                "aligned_hashes": agreeing,
                "query_hashes": int(probes.pairs[match.speed_index]),
                "matched_peaks": hits,
                "reference_peaks": expected,
                "offset_seconds": round(offset_seconds, 3),
                "speed": round(speed, 4),
            },
        )


def _peak_agreement(
    reference: _Reference, peaks: Peaks, speed: float, intercept: float
) -> tuple[int, int]:
    """How many of the reference's strongest peaks under the query have a query peak within
    a frame and a bin of where the line puts them, out of how many."""
    frames = reference.cells >> 10
    low = intercept + EDGE_FRAMES
    high = intercept + speed * peaks.duration / HOP_SECONDS - EDGE_FRAMES
    wanted = reference.cells[(frames >= low) & (frames <= high)].astype(np.int64)
    if len(wanted) == 0:
        return 0, 0
    heard = np.sort(_cells(peaks.times * speed + intercept, peaks.freqs / speed))
    found = np.zeros(len(wanted), bool)
    for dt, df in itertools.product((-1, 0, 1), repeat=2):
        cell = wanted + (dt << 10) + df
        at = np.minimum(np.searchsorted(heard, cell), len(heard) - 1)
        found |= heard[at] == cell
    return int(found.sum()), len(wanted)


def _score(hits: int, expected: int) -> float:
    """The share of expected peaks heard, at the low end of its 95 % (Wilson) interval,
    from 0 at CHANCE_SHARE to 1 at FULL_SHARE: a short overlap with a few lucky peaks does
    not look as sure as a long one."""
    if expected <= 0:
        return 0.0
    share, z2 = hits / expected, Z_95**2
    centre = (share + z2 / (2 * expected)) / (1 + z2 / expected)
    spread = Z_95 * math.sqrt(share * (1 - share) / expected + z2 / (4 * expected**2))
    low = centre - spread / (1 + z2 / expected)
    return round(min(1.0, max(0.0, (low - CHANCE_SHARE) / (FULL_SHARE - CHANCE_SHARE))), 4)
