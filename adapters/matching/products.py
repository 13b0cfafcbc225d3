"""Products in videos: SIFT keypoints, an index over every listing's descriptors, and
verification of each shortlisted listing photo by a geometric fit.

Why local features
    A listed product is often small (a fifth of the frame's width) among other objects,
    turned, in perspective and under other light. Whole-image hashes and embeddings describe
    the whole frame and miss it; local features describe small patches around keypoints, and
    a product is recognised when enough of its patches are found *in the same arrangement*
    as on the listing photo. SIFT (opencv-python-headless) is scale and rotation invariant
    and covers the 2-10x scale change between a listing photo and a product at 0.2-0.5 of a
    frame. Measured pairwise on 40 generated frames (each against its product's photo and
    five others, full descriptors, ratio 0.8, affine RANSAC, counting inliers only): SIFT
    found 0.82 of the products above the best count any wrong photo reached, ORB with 2,000
    features 0.70 and with 5,000 features and 12 levels 0.80 (its pyramid of x1.2 steps
    needs many levels for this scale range), at 25, 19 and 35 ms a pair; OpenCV 5 ships
    AKAZE only in its contrib build. Mirrored views are not recognised (SIFT is not mirror
    invariant).

Frames to decode
    The shop should decode at 1 frame a second with the longer side at most 960 px
    (``shop_decoder()``): at the anchors' 320 px a product at 0.2 of the width is 36 px
    wide and has almost no keypoints; at 960 px it is 108 px wide with 50-150 of them.
    Larger pictures are reduced to 960 px (``ANALYSIS_SIDE``) before analysis.

Keyframes (what a video's description keeps)
    Sampled frames are grouped in windows of ``KEYFRAME_SECONDS`` (6 s, by their time); the
    sharpest frame of a window (variance of the Laplacian of its grey picture) that has at
    least 8 keypoints is the window's keyframe, and only keyframes are described. Keeping
    every sampled frame would cost six times the bytes for frames that mostly repeat each
    other; the price is that a product on screen for less than about 6 s may be missed when
    it is not in the sharpest frame of its window. Blank, black or flat frames have no
    keypoints and are never keyframes.

Keypoints and descriptors
    SIFT with OpenCV's defaults (3 layers an octave, sigma 1.6, edge threshold 10), contrast
    threshold 0.04 on frames and 0.02 on listing photos (clean, with large plain areas). A
    128-bin descriptor becomes a RootSIFT (L1-normalised, square root), then 32 numbers by
    a fixed orthonormal transform: SIFT's grid is 4 x 4 cells x 8 orientation bins; the
    transform is a 2-D DCT-II over the cells times a real DFT over the (circular) bins, and
    the 32 kept are the four lowest spatial frequencies ((0, 0), (0, 1), (1, 0), (1, 1)) with
    all 8 orientation components. No training data is involved; on the generated corpus the
    32 numbers matched as well as the 128 bins. Each number is quantised to 4 bits (16
    levels, step 0.34 sigma around a mean; ``_MEAN`` and ``_STD`` were measured once on SIFT
    descriptors of synthetic 1/f-noise images, the usual stand-in for natural-image
    statistics, not on the test corpus); 3 bits cost about a seventh of the recall
    (measured 0.71 against 0.82), 4 bits almost nothing. Distances are Euclidean between
    dequantised vectors. Each keypoint also keeps its orientation (16 steps), its size (16
    half-octave steps) and the colour around it (the mean of a square half its size across:
    hue in 32 steps, saturation in 8).

    A frame keeps its ``FRAME_KEYPOINTS`` (400) most *distinctive* keypoints, ranked by
    ``min(d, 0.5) * sqrt(response)`` where ``d`` is the distance to the nearest other
    descriptor of the same frame, so repeated texture (fabric, tiles, stripes), which can
    never be matched to one place, gives way to labels, logos and corners. A listing photo
    keeps up to ``PHOTO_KEYPOINTS`` (600) the same way. The budget of a frame is what
    limits recall on small products (measured on the corpus while tuning: recall about
    0.77 with 300 keypoints, 0.85-0.88 with 400, 0.90 with 500).

Index
    Every listing photo's dequantised descriptors go into one index of segments, each a
    FLANN forest of 4 randomised k-d trees (exact brute force below 4,096 vectors), built
    when a query first needs it and merged size-tiered (O(log n) segments); ``forget`` marks
    a listing dead, and dead vectors are dropped when segments merge or, once they
    outnumber the live ones, by a compaction. Each keyframe keypoint looks up its 8 nearest
    vectors (FLANN checks 64 leaves). The listings are ranked by votes, a keypoint voting
    for the listing of its nearest vector when the nearest vector of any other listing is
    farther by 1/0.85, then by *presence*, the number of keypoints that have the listing
    among their 8 neighbours at all. The first ``SHORTLIST`` (30) are verified; the first
    ``RIVAL_LISTINGS`` (60), the listings that share most of the frame's patches, are the
    rivals of verification. Work per keyframe grows with the logarithm of the index (the
    look-ups), not with the number of listings: at most 60 listings are ever compared with
    a keyframe, whatever the catalogue's size. FLANN's trees are randomised with a fixed
    seed, so a rebuilt index answers the same for the same content.

    Why a fixed number of rivals. Verification used to require a match's photo keypoint to
    be nearer than the nearest vector of *every* other indexed listing. That is what keeps
    look-alikes out (letters of one font, the same small print, stripes and label outlines
    are on many products, and an unlisted look-alike matches a listing on them), but its
    strictness grew with the catalogue: among 10,000 listings some other product nearly
    always has a patch as near as the true one's through blur, light and H.264, and recall
    on the quality frames fell from 0.89 (60 listings) to 0.76-0.81 (1,000) and 0.54-0.65
    (10,000). Sixty rivals chosen by presence are the listings most likely to hold the
    frame's generic patches, exact distances to them are cheap (one matrix product a
    keyframe), and the test is about as strict among 10,000 listings as among 60. Measured
    alternatives (on the frames under Measured): the 30 voted listings as the rivals,
    precision 0.92 with 1,000 listings (cover 2.5 %); 60 ranked by votes only (they rarely
    fill 60), precision 0.94-0.98 with 10,000; 120 by presence, precision 0.98-1.00 but
    recall 0.75-0.79 with 10,000 and a third more time; the nearest vector in the whole
    catalogue as a further rival at a ratio of 1.25, recall 0.74-0.78 with 10,000. Votes
    over the 8 neighbours weighted by how many listings share them ranked the shown
    listing no better than the votes; a Hough transform over the neighbours' poses (Lowe's
    clustering) put 2-3 more of 160 in the first 30 among 10,000 listings but fewer among
    1,000; more FLANN checks (128) found no more.

Verification (the same code for ``recognise`` and ``match_listing``)
    A keyframe against one listing photo: each frame keypoint's nearest photo keypoint must
    be closer than 0.85 x the second nearest of the photo (Lowe's ratio); one frame keypoint
    per photo keypoint. With ``MIN_MATCHES`` (5) of them, of which at least 5 also pass the
    rival test below (else nothing can pass, and RANSAC is skipped), an affine map photo ->
    frame is fitted by RANSAC (reprojection threshold 0.6 % of the frame's longer side,
    2,000 iterations, confidence 0.995, OpenCV's fixed seed). Affine, not a homography: a
    product turned by 15 degrees with its corners in perspective by 7 % fits an affine map
    within that threshold, and 6 degrees of freedom give chance matches far fewer ways to
    look consistent than 8 (a homography through six chance matches is easily a folded or
    vanishing quadrilateral). The fit must be sane: not mirrored, a scale of 0.04-4 frame
    pixels per photo pixel, an anisotropy (ratio of singular values) of at most 2.5. Its
    inliers must each turn by the fit's rotation within 30 degrees and grow by its scale
    within 0.75 octave (their own SIFT orientation and size: Lowe's consistency check).
    Then the rival test (``RIVAL_RATIO``): an inlier counts only when its photo keypoint is
    nearer than 1.1 x the nearest keypoint of the rival listings (the keyframe's 60 ranked
    listings other than this one). It comes *after* the fit so that the fit has the
    product's generic patches too (a surer pose), while only distinctive ones count:
    before the fit, on 300 frames (240 sightings), it found 2-4 more sightings at every
    catalogue size but also 2-3 more false ones with 60 and 10,000 listings; a ratio of 1.0
    rather than 1.1 lost 2-3 sightings for no false one fewer. At least 5 inliers must
    remain; at least half
    of them (or 5) must have the colour they have on the photo (both nearly grey, or hues
    within 22.5 degrees); and their hull must cover at least ``MIN_COVER`` (4.5 %) of the
    photo's keypoint extent. That last check separates look-alikes: a distractor with the
    same font and label layout (LEFENEV against a listed LEHEVA) matched up to 18 keypoints
    on the shared letters, bunched (cover 2.6-3.9 % in every case seen among 1,000
    listings), where real sightings spread over the product (cover above 4.5 % in 96-98 %;
    2.5 % let 3-8 look-alikes through among 1,000 listings, 3.5 % 2-4). The sighting's box is
    the photo's keypoint extent mapped into the frame. Where two listings' boxes in one
    keyframe overlap by half (intersection over union), only the one with more matches is
    kept.

    ``match_listing`` first fits the one listing alone, without rivals (most keyframes of
    a sweep end here: rivals only take inliers away, so a listing that cannot fit alone is
    not seen), then ranks the keyframe's listings as ``recognise`` does and verifies the
    listing against the same rivals (itself excluded; when it is not among the ranked
    listings, against all 60), and when it is seen, verifies the shortlist as ``recognise``
    does to apply the same suppression: for an indexed listing it reports what
    ``recognise`` reports, and more only where ``recognise`` did not shortlist it. The
    ranking, the rivals and the suppression make both depend on the other listings indexed
    at the time.

Score
    A sighting with ``m`` matches scores ``1 - exp(-(m - 2) / 6)``: 0.39 at the minimum of
    5, 0.74 at 10, 0.95 at 20. A candidate combines its sightings as independent evidence,
    ``1 - prod(1 - s)``. Every candidate returned has passed verification;
    ``SUGGESTED_THRESHOLD`` (0.5, about 6 matches) is where tagging without review could
    start.

Measured (tests/quality/test_product_quality.py: 60 listings, 100 frames of 540 x 960 with
a listed product at 0.2-0.5 of the shorter side in 80 of them, two to five unlisted look-alike
products in all, through H.264 and the decoder; and two more sets of 100 such frames made
from other seeds, the second made after the cover and ratios were chosen), precision /
recall:

    listings indexed    test frames    other frames    held-out frames
    60                  1.00 / 0.84    1.00 / 0.84     1.00 / 0.84
    1,000               1.00 / 0.84    1.00 / 0.84     0.99 / 0.81
    10,000              0.98 / 0.79    0.98 / 0.78     0.97 / 0.78

(The 1,000 and 10,000 are listings 0-59 and more products; with 60 and 1,000 listings,
recall is 0.67-0.74 at 0.2-0.3 of the frame, 0.85-0.96 above.) Before the fixed rivals
(the nearest listing in the catalogue as the rival, the 30 with most votes verified), on
the test and other frames: 1.00 / 0.89 and 0.99 / 0.88 with 60 listings, 0.99 / 0.81 and
1.00 / 0.78 with 1,000, and 1.00 / 0.54-0.65 on all three sets with 10,000. Recall with 60 listings
is lower than it was (the cover of 4.5 % where it was 2.5 %, which the weaker rivals need),
and holds as the catalogue grows. The false sightings (5-10 matches) are unlisted
products on listings of the same label style and letters. On the 60-second
upload of ``python -m bench products`` (rendered frames enlarged to 720 x 1280, panning,
re-encoded: softer than the test frames) 6 of 6 products shown were found among 60
listings, 4 among 1,000 and 3 among 10,000 (before: 3 and 2), nothing false; the two
missed among 1,000 are not in the frame's 60 ranked listings and do not verify even when
asked (their photos' keypoints match theirs no better than other products' do through
the softer frames): better descriptors, not retrieval, would find them.

Bytes (little-endian; positions are 12-bit fractions of the picture's width and height,
packed in 3 bytes as ``x << 12 | y``; shapes are ``orientation step << 4 | size step``;
colours are ``hue step << 3 | saturation step``; codes are 32 nibbles, high nibble
first)::

    listing: b"SPPL" | u8 format | u8 photos | u16 zero
             then per photo: u16 width | u16 height | u16 n | n x 3 B positions
             | n x 1 B shapes | n x 1 B colours | n x 16 B codes
    video:   b"SPPV" | u8 format | u8 zero | u16 keyframes | u32 duration ms
             then per keyframe: u32 time ms | u16 width | u16 height | u16 n
             | n x 3 B positions | n x 1 B shapes | n x 1 B colours | n x 16 B codes

21 bytes a keypoint: a keyframe is at most 10 + 400 x 21 = 8,410 bytes and there are at most
10 a minute, so a video's descriptors are **at most 84.1 kB a minute** (a 15-second clip at
most 25 kB), less when frames have fewer keypoints. A listing photo is at most 12.6 kB. In
memory the index keeps 32 float32 numbers and an int32 per vector, FLANN's trees, and each
listing's stored keypoints: the bench measured about 155 kB of resident memory a listing
(1.5 GB for 10,000; 2 trees instead of 4 saved about 350 MB of it, but with 10,000
listings recall was 0.75-0.78 and precision 0.95-1.00 against 0.78-0.79 and 0.97-0.98:
not adopted), 10 s to build the trees for 10,000 listings on a
first query, and 3.6-4.0 s of work to tag a minute of video (decoding 1.3 s, describing
1.3 s, recognising 1.0-1.4 s against 1,000-10,000 listings: the look-ups, one matrix
product against 60 listings' keypoints and up to 30 verifications a keyframe; before the
fixed rivals it was 0.35-0.8 s). ``match_listing`` of a listing shown in the clip took
0.3-0.5 s a minute of video; where the listing cannot fit a keyframe it costs one small
matrix product and at most one RANSAC fit there.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

import attrs
import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from adapters.matching.index_files import (
    check,
    check_header,
    integer,
    read_array,
    write_array,
    write_json,
)
from adapters.media.budget import DEFAULT_MAX_PIXELS, DEFAULT_MAX_SECONDS, DecodeSlots
from adapters.media.decoding import PyAVDecoder
from adapters.media.pictures import open_picture
from adapters.metrics import timed_lookup
from application.media import DecodedMedia, Install, PictureSampling, UnreadableMedia
from application.shop.products import (
    Box,
    IncompatibleDescriptors,
    PhotoWithoutDetail,
    ProductCandidate,
    ProductSighting,
)

Floats = NDArray[np.float32]
Codes = NDArray[np.uint8]

VERSION: Final = "products-sift-dct32x4-affine-v1"
SUGGESTED_THRESHOLD: Final = 0.5

# Pictures
ANALYSIS_SIDE: Final = 960  # frames are analysed with their longer side at most this
PHOTO_SIDE: Final = 640  # listing photos likewise
FRAMES_PER_SECOND: Final = 1.0  # what the shop should decode (see shop_decoder)
KEYFRAME_SECONDS: Final = 6.0
#: The pictures the recogniser wants of a video, sampled in the anchors' one decoding.
SHOP_SAMPLING: Final = PictureSampling(FRAMES_PER_SECOND, ANALYSIS_SIDE)
MAX_PHOTOS: Final = 8

# Keypoints
FRAME_CONTRAST: Final = 0.04
PHOTO_CONTRAST: Final = 0.02
FRAME_KEYPOINTS: Final = 400
PHOTO_KEYPOINTS: Final = 600
MIN_FRAME_KEYPOINTS: Final = 8  # a frame with fewer has nothing to recognise
MIN_PHOTO_KEYPOINTS: Final = 16  # a photo with fewer cannot identify a product
_DISTINCT_CAP: Final = 0.5

# Retrieval
NEIGHBOURS: Final = 8
VOTE_RATIO: Final = 0.85
SHORTLIST: Final = 30  # listings verified in each keyframe
RIVAL_LISTINGS: Final = 60  # listings whose keypoints are the rivals in verification
_FLANN_TREES: Final = 4
_FLANN_CHECKS: Final = 64
_BRUTE_FORCE_BELOW: Final = 4096
#: The layout of the index's files in a snapshot (``save_index``).
_INDEX_FORMAT: Final = 1

# Verification
RATIO: Final = 0.85  # nearest photo keypoint against the second nearest of that photo
RIVAL_RATIO: Final = 1.1  # nearest photo keypoint against the nearest of a rival listing
MIN_MATCHES: Final = 5
RANSAC_THRESHOLD: Final = 0.006  # of the frame's longer side
RANSAC_ITERATIONS: Final = 2000
RANSAC_CONFIDENCE: Final = 0.995
MIN_SCALE: Final = 0.04
MAX_SCALE: Final = 4.0
MAX_ANISOTROPY: Final = 2.5
MIN_COVER: Final = 0.045
MAX_OVERLAP: Final = 0.5  # boxes of two products in one keyframe (intersection / union)
MAX_TURN: Final = 30.0  # degrees between a match's own turn and the fit's rotation
MAX_GROWTH: Final = 0.75  # octaves between a match's own scale change and the fit's
MIN_ALIKE: Final = 0.5  # of the matches whose colour agrees with the photo's (or MIN_MATCHES)
_SCORE_OFFSET: Final = 2.0
_SCORE_SCALE: Final = 6.0

# Bytes
_LISTING_MAGIC: Final = b"SPPL"
_VIDEO_MAGIC: Final = b"SPPV"
_FORMAT: Final = 1
_LISTING_HEADER: Final = struct.Struct("<4sBBH")
_VIDEO_HEADER: Final = struct.Struct("<4sBBHI")
_PHOTO_HEADER: Final = struct.Struct("<HHH")
_FRAME_HEADER: Final = struct.Struct("<IHHH")
_POSITION_BYTES: Final = 3
_CODE_BYTES: Final = 16
_KEYPOINT_BYTES: Final = _POSITION_BYTES + 2 + _CODE_BYTES
_ANGLE_STEP: Final = 22.5
_HUE_STEP: Final = 11.25
_GREY_STEP: Final = 1  # saturation steps 0 and 1 (below 0.25) are grey
_COLOUR_WINDOW: Final = 0.5  # half-side of the colour square, in keypoint sizes
_DIMENSIONS: Final = 32
_LEVELS: Final = 16
_FRACTION: Final = 4095  # 12-bit positions
MAX_KEYFRAME_BYTES: Final = _FRAME_HEADER.size + FRAME_KEYPOINTS * _KEYPOINT_BYTES
MAX_BYTES_PER_MINUTE: Final = _VIDEO_HEADER.size + math.ceil(60 / KEYFRAME_SECONDS) * (
    MAX_KEYFRAME_BYTES
)


def shop_decoder(
    *,
    max_duration_seconds: float = DEFAULT_MAX_SECONDS,
    threads: int = 1,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    slots: DecodeSlots | None = None,
) -> PyAVDecoder:
    """The decoder the shop should use for this recogniser: 1 frame a second, longer side at
    most 960 px (about 1.5 MB of pixels a sampled frame, 90 MB a minute of video)."""
    return PyAVDecoder(
        frames_per_second=FRAMES_PER_SECOND,
        max_side=ANALYSIS_SIDE,
        max_duration_seconds=max_duration_seconds,
        threads=threads,
        max_pixels=max_pixels,
        slots=slots,
    )


# --- the compact descriptor -----------------------------------------------------------


def _dct(n: int) -> NDArray[np.float64]:
    k = np.arange(n)
    basis = np.cos(np.pi * (2 * k[None, :] + 1) * np.arange(n)[:, None] / (2 * n))
    basis *= math.sqrt(2 / n)
    basis[0] /= math.sqrt(2)
    return basis


def _real_dft(n: int) -> NDArray[np.float64]:
    t = np.arange(n)
    rows = [np.full(n, 1 / math.sqrt(n))]
    for frequency in range(1, n // 2):
        rows.append(np.cos(2 * np.pi * frequency * t / n) * math.sqrt(2 / n))
        rows.append(np.sin(2 * np.pi * frequency * t / n) * math.sqrt(2 / n))
    rows.append(np.cos(np.pi * t) / math.sqrt(n))
    return np.array(rows)


def _transform() -> Floats:
    """The 32 kept rows of the orthonormal 128 x 128 transform of a SIFT descriptor laid out
    as OpenCV does: index (row * 4 + column) * 8 + orientation."""
    cells, orientations = _dct(4), _real_dft(8)
    rows = [
        np.einsum("i,j,k->ijk", cells[u], cells[v], orientations[c]).ravel()
        for u in range(2)
        for v in range(2)
        for c in range(8)
    ]
    return np.array(rows, dtype=np.float32)


_TRANSFORM: Final = _transform()
# Measured on SIFT descriptors of 1/f-noise images (see the module's docstring).
_MEAN: Final = np.array(
    [
        [0.8356, 0.0899, -0.0007, 0.037, 0.0002, 0.0175, 0.0, 0.0082],
        [-0.0002, 0.001, -0.0005, -0.0003, -0.0001, -0.0001, -0.0001, 0.0001],
        [0.0, 0.0008, -0.0003, 0.0001, 0.0005, -0.0001, 0.0, -0.0001],
        [-0.0002, 0.0004, 0.0616, 0.0001, 0.0041, 0.0, 0.0008, 0.0001],
    ],
    dtype=np.float32,
).ravel()
_STD: Final = np.array(
    [
        [0.0347, 0.1248, 0.1329, 0.0641, 0.0637, 0.0314, 0.0319, 0.0199],
        [0.0484, 0.1529, 0.0789, 0.0588, 0.0559, 0.0297, 0.0281, 0.018],
        [0.0487, 0.0749, 0.1381, 0.0576, 0.0573, 0.0282, 0.0287, 0.0177],
        [0.0354, 0.088, 0.0867, 0.048, 0.0485, 0.0243, 0.0246, 0.0152],
    ],
    dtype=np.float32,
).ravel()
_STEP: Final = (0.34 * _STD).astype(np.float32)
# The value each of the 16 levels of each number stands for.
_CENTRES: Final = (
    _MEAN[:, None] + (np.arange(_LEVELS, dtype=np.float32)[None, :] - 7.5) * _STEP[:, None]
).astype(np.float32)


def _compact(sift: Floats) -> Floats:
    """RootSIFT, then the 32 low-frequency coefficients."""
    total = np.maximum(sift.sum(axis=1, keepdims=True), 1e-6)
    root = np.sqrt(sift / total).astype(np.float32)
    return np.asarray(root @ _TRANSFORM.T, dtype=np.float32)


def _quantise(vectors: Floats) -> Codes:
    levels = np.floor((vectors - _MEAN) / _STEP) + _LEVELS // 2
    return np.asarray(np.clip(levels, 0, _LEVELS - 1), dtype=np.uint8)


def _dequantise(codes: Codes) -> Floats:
    return _CENTRES[np.arange(_DIMENSIONS)[None, :], codes]


def _pack_codes(codes: Codes) -> bytes:
    return ((codes[:, 0::2] << 4) | codes[:, 1::2]).astype(np.uint8).tobytes()


def _unpack_codes(data: bytes, offset: int, count: int) -> Codes:
    packed = np.frombuffer(data, dtype=np.uint8, count=count * _CODE_BYTES, offset=offset)
    packed = packed.reshape(count, _CODE_BYTES)
    codes = np.empty((count, _DIMENSIONS), dtype=np.uint8)
    codes[:, 0::2] = packed >> 4
    codes[:, 1::2] = packed & 0x0F
    return codes


def _pack_positions(xy: Floats, width: int, height: int) -> bytes:
    fx = np.clip(np.round(xy[:, 0] / max(1, width) * _FRACTION), 0, _FRACTION).astype(np.uint32)
    fy = np.clip(np.round(xy[:, 1] / max(1, height) * _FRACTION), 0, _FRACTION).astype(np.uint32)
    value = (fx << 12) | fy
    triples = np.stack([value & 0xFF, (value >> 8) & 0xFF, (value >> 16) & 0xFF], axis=1)
    return triples.astype(np.uint8).tobytes()


def _unpack_positions(data: bytes, offset: int, count: int, width: int, height: int) -> Floats:
    raw = np.frombuffer(data, dtype=np.uint8, count=count * 3, offset=offset).reshape(count, 3)
    value = raw[:, 0].astype(np.uint32) | (raw[:, 1].astype(np.uint32) << 8)
    value |= raw[:, 2].astype(np.uint32) << 16
    x = (value >> 12).astype(np.float32) / _FRACTION * width
    y = (value & 0xFFF).astype(np.float32) / _FRACTION * height
    return np.stack([x, y], axis=1).astype(np.float32)


# --- keypoints ------------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Picture:
    """Keypoints of one picture (a listing photo or a keyframe), as stored."""

    width: int
    height: int
    xy: Floats  # (n, 2) pixels
    shapes: Codes  # (n,) orientation step << 4 | scale step (see _shape_bytes)
    colours: Codes  # (n,) hue step << 3 | saturation step (see _colour_bytes)
    codes: Codes  # (n, 32) levels 0..15

    @property
    def vectors(self) -> Floats:
        return _dequantise(self.codes)

    def __len__(self) -> int:
        return len(self.xy)

    def pack(self) -> bytes:
        return b"".join(
            (
                _pack_positions(self.xy, self.width, self.height),
                self.shapes.astype(np.uint8).tobytes(),
                self.colours.astype(np.uint8).tobytes(),
                _pack_codes(self.codes),
            )
        )


def _reduced(pixels: NDArray[np.uint8], side: int) -> NDArray[np.uint8]:
    """The picture (RGB, or grey) with its longer side at most ``side``."""
    height, width = pixels.shape[:2]
    scale = side / max(height, width)
    picture = np.ascontiguousarray(pixels[..., :3] if pixels.ndim == 3 else pixels)
    if scale >= 1:
        return picture
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(picture, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _grey(picture: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if picture.ndim == 3:
        return np.asarray(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    return picture


def _keypoints(picture: NDArray[np.uint8], contrast: float, limit: int) -> _Picture:
    """The ``limit`` most distinctive SIFT keypoints of a picture (already reduced), in a
    canonical order (SIFT's own order depends on its threads)."""
    grey = _grey(picture)
    height, width = grey.shape[:2]
    sift = cv2.SIFT.create(contrastThreshold=contrast)
    found, descriptors = sift.detectAndCompute(grey, None)
    if descriptors is None or len(found) == 0:
        return _Picture(
            width,
            height,
            np.zeros((0, 2), np.float32),
            np.zeros(0, np.uint8),
            np.zeros(0, np.uint8),
            np.zeros((0, _DIMENSIONS), np.uint8),
        )
    table = np.array(
        [(k.pt[0], k.pt[1], k.size, k.angle, k.response) for k in found], dtype=np.float64
    )
    canonical = np.lexsort((table[:, 3], table[:, 2], table[:, 1], table[:, 0]))
    table = table[canonical]
    vectors = _compact(np.asarray(descriptors, dtype=np.float32)[canonical])
    if len(table) > limit:
        nearest, _ = cKDTree(vectors).query(vectors, k=2)
        distinct = np.minimum(nearest[:, 1], _DISTINCT_CAP) * np.sqrt(table[:, 4])
        keep = np.lexsort((np.arange(len(table)), -distinct))[:limit]
        keep.sort()
        table, vectors = table[keep], vectors[keep]
    xy = table[:, :2].astype(np.float32)
    return _Picture(
        width,
        height,
        xy,
        _shape_bytes(table[:, 3], table[:, 2]),
        _colour_bytes(picture, xy, table[:, 2]),
        _quantise(vectors),
    )


def _colour_bytes(picture: NDArray[np.uint8], xy: Floats, sizes: NDArray[np.float64]) -> Codes:
    """The mean colour of a square of half a keypoint's size around it: its hue in 32 steps
    of 11.25 degrees (high 5 bits) and saturation in 8 steps (low 3 bits). Grey pictures
    are all saturation 0."""
    if picture.ndim != 3 or len(xy) == 0:
        return np.zeros(len(xy), dtype=np.uint8)
    height, width = picture.shape[:2]
    sums = np.asarray(cv2.integral(picture), dtype=np.float64)  # (height + 1, width + 1, 3)
    radius = np.clip(sizes * _COLOUR_WINDOW, 2, 16)
    x0 = np.clip(np.round(xy[:, 0] - radius), 0, width - 1).astype(np.intp)
    x1 = np.clip(np.round(xy[:, 0] + radius) + 1, 1, width).astype(np.intp)
    y0 = np.clip(np.round(xy[:, 1] - radius), 0, height - 1).astype(np.intp)
    y1 = np.clip(np.round(xy[:, 1] + radius) + 1, 1, height).astype(np.intp)
    total = sums[y1, x1] - sums[y0, x1] - sums[y1, x0] + sums[y0, x0]
    mean = total / ((x1 - x0) * (y1 - y0))[:, None]
    high, low = mean.max(axis=1), mean.min(axis=1)
    chroma = high - low
    saturation = np.where(high > 0, chroma / np.maximum(high, 1e-9), 0.0)
    red, green, blue = mean[:, 0], mean[:, 1], mean[:, 2]
    safe = np.maximum(chroma, 1e-9)
    hue = np.where(
        high == red,
        ((green - blue) / safe) % 6,
        np.where(high == green, (blue - red) / safe + 2, (red - green) / safe + 4),
    )
    hue_step = np.floor(hue * 60 / _HUE_STEP).astype(np.int64) % 32
    saturation_step = np.clip(np.floor(saturation * 8), 0, 7).astype(np.int64)
    return np.asarray((hue_step << 3) | saturation_step, dtype=np.uint8)


def _colours_agree(a: Codes, b: Codes) -> NDArray[np.bool_]:
    """Two keypoints' colours are alike: both nearly grey, or hues within two steps (22.5
    degrees) when both are coloured; a saturation step of 1 against 2 is the border of grey
    and agrees with either."""
    sat_a, sat_b = (a & 0x07).astype(np.int64), (b & 0x07).astype(np.int64)
    hue_a, hue_b = (a >> 3).astype(np.int64), (b >> 3).astype(np.int64)
    turn = np.abs(hue_a - hue_b) % 32
    turn = np.minimum(turn, 32 - turn)
    grey_a, grey_b = sat_a <= _GREY_STEP, sat_b <= _GREY_STEP
    border = (np.minimum(sat_a, sat_b) == _GREY_STEP) & (np.abs(sat_a - sat_b) <= 1)
    alike = (grey_a & grey_b) | (~grey_a & ~grey_b & (turn <= 2)) | border
    return np.asarray(alike, dtype=np.bool_)


def _shape_bytes(angles: NDArray[np.float64], sizes: NDArray[np.float64]) -> Codes:
    """A keypoint's orientation in 16 steps of 22.5 degrees (high nibble) and its size in 16
    steps of half an octave, 1 to 181 px (low nibble)."""
    turn = np.round(angles / _ANGLE_STEP).astype(np.int64) % 16
    scale = np.clip(np.round(2 * np.log2(np.maximum(sizes, 1.0))), 0, 15).astype(np.int64)
    return ((turn << 4) | scale).astype(np.uint8)


def _angles(shapes: Codes) -> NDArray[np.float64]:
    return (shapes >> 4).astype(np.float64) * _ANGLE_STEP


def _log_sizes(shapes: Codes) -> NDArray[np.float64]:
    """log2 of the sizes."""
    return (shapes & 0x0F).astype(np.float64) / 2


def _sharpness(grey: NDArray[np.uint8]) -> float:
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


# --- bytes ----------------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Keyframe:
    at_seconds: float
    picture: _Picture


@attrs.frozen(eq=False)
class _Video:
    duration_seconds: float
    keyframes: tuple[_Keyframe, ...]


def _encode_listing(photos: Sequence[_Picture]) -> bytes:
    parts = [_LISTING_HEADER.pack(_LISTING_MAGIC, _FORMAT, len(photos), 0)]
    for photo in photos:
        parts.append(_PHOTO_HEADER.pack(photo.width, photo.height, len(photo)))
        parts.append(photo.pack())
    return b"".join(parts)


def _encode_video(duration_seconds: float, keyframes: Sequence[_Keyframe]) -> bytes:
    duration_ms = max(0, min(0xFFFFFFFF, round(duration_seconds * 1000)))
    parts = [_VIDEO_HEADER.pack(_VIDEO_MAGIC, _FORMAT, 0, len(keyframes), duration_ms)]
    for keyframe in keyframes:
        picture = keyframe.picture
        at_ms = max(0, round(keyframe.at_seconds * 1000))
        parts.append(_FRAME_HEADER.pack(at_ms, picture.width, picture.height, len(picture)))
        parts.append(picture.pack())
    return b"".join(parts)


def _read_picture(
    data: bytes, offset: int, width: int, height: int, count: int
) -> tuple[_Picture, int]:
    size = count * _KEYPOINT_BYTES
    if len(data) < offset + size or width == 0 or height == 0:
        raise IncompatibleDescriptors("product descriptors of the wrong length")
    xy = _unpack_positions(data, offset, count, width, height)
    offset += count * _POSITION_BYTES
    shapes = np.frombuffer(data, dtype=np.uint8, count=count, offset=offset).copy()
    colours = np.frombuffer(data, dtype=np.uint8, count=count, offset=offset + count).copy()
    codes = _unpack_codes(data, offset + 2 * count, count)
    return _Picture(width, height, xy, shapes, colours, codes), offset + count * (2 + _CODE_BYTES)


def _decode_listing(data: bytes) -> tuple[_Picture, ...]:
    if len(data) < _LISTING_HEADER.size:
        raise IncompatibleDescriptors("too short to be listing descriptors")
    magic, fmt, count, _ = _LISTING_HEADER.unpack_from(data)
    if magic != _LISTING_MAGIC or fmt != _FORMAT:
        raise IncompatibleDescriptors(f"not listing descriptors of {VERSION}")
    offset = _LISTING_HEADER.size
    photos: list[_Picture] = []
    for _ in range(count):
        if len(data) < offset + _PHOTO_HEADER.size:
            raise IncompatibleDescriptors("listing descriptors of the wrong length")
        width, height, keypoints = _PHOTO_HEADER.unpack_from(data, offset)
        photo, offset = _read_picture(data, offset + _PHOTO_HEADER.size, width, height, keypoints)
        photos.append(photo)
    if offset != len(data):
        raise IncompatibleDescriptors("listing descriptors of the wrong length")
    return tuple(photos)


def _decode_video(data: bytes) -> _Video:
    if not data:
        return _Video(0.0, ())
    if len(data) < _VIDEO_HEADER.size:
        raise IncompatibleDescriptors("too short to be video descriptors")
    magic, fmt, _, count, duration_ms = _VIDEO_HEADER.unpack_from(data)
    if magic != _VIDEO_MAGIC or fmt != _FORMAT:
        raise IncompatibleDescriptors(f"not video descriptors of {VERSION}")
    offset = _VIDEO_HEADER.size
    keyframes: list[_Keyframe] = []
    for _ in range(count):
        if len(data) < offset + _FRAME_HEADER.size:
            raise IncompatibleDescriptors("video descriptors of the wrong length")
        at_ms, width, height, keypoints = _FRAME_HEADER.unpack_from(data, offset)
        picture, offset = _read_picture(data, offset + _FRAME_HEADER.size, width, height, keypoints)
        keyframes.append(_Keyframe(at_ms / 1000, picture))
    if offset != len(data):
        raise IncompatibleDescriptors("video descriptors of the wrong length")
    return _Video(duration_ms / 1000, tuple(keyframes))


def video_as_listings(
    video_descriptors: bytes,
    keep: Callable[[float], bool] = lambda _at: True,
    photos_per_listing: int = MAX_PHOTOS,
) -> list[tuple[bytes, tuple[float, ...]]]:
    """A video's keyframes shown at a time ``keep`` accepts, as the photos of listings of
    at most ``photos_per_listing`` consecutive keyframes each, and when each photo is shown:
    so that a video (a title's reference clip) can be indexed and then recognised inside
    other videos' frames, each sighting's ``photo`` naming the keyframe it matched. (A
    listing of a whole film would make every keyframe verified against it compare with all
    of its photos at once.)"""
    video = _decode_video(video_descriptors)
    kept = [keyframe for keyframe in video.keyframes if keep(keyframe.at_seconds)]
    step = max(1, photos_per_listing)
    return [
        (
            _encode_listing([keyframe.picture for keyframe in kept[start : start + step]]),
            tuple(keyframe.at_seconds for keyframe in kept[start : start + step]),
        )
        for start in range(0, len(kept), step)
    ]


def keyframes(video_descriptors: bytes) -> list[tuple[float, int]]:
    """(time, keypoints) of each keyframe kept in a video's descriptors: for tests, audits
    and the shop's diagnostics."""
    video = _decode_video(video_descriptors)
    return [(keyframe.at_seconds, len(keyframe.picture)) for keyframe in video.keyframes]


# --- photos ---------------------------------------------------------------------------


def _open_photo(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, slots: DecodeSlots | None = None
) -> NDArray[np.uint8]:
    """An encoded image as RGB pixels, upright, transparency flattened onto white, with its
    longer side at most ``PHOTO_SIDE``: the full-size picture is let go before returning."""
    with open_picture(data, side=PHOTO_SIDE, max_pixels=max_pixels, slots=slots) as opened:
        picture = ImageOps.exif_transpose(opened)
        if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
            rgba = picture.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            picture = Image.alpha_composite(white, rgba)
        return _reduced(np.asarray(picture.convert("RGB"), dtype=np.uint8), PHOTO_SIDE)


# --- index ----------------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Listing:
    listing_id: str
    photos: tuple[_Picture, ...]  # their descriptors are dequantised when verified
    extents: tuple[tuple[float, float, float, float], ...]  # keypoint extent, per photo


def _listing(listing_id: str, photos: Sequence[_Picture]) -> _Listing:
    extents = []
    for photo in photos:
        if len(photo):
            low, high = photo.xy.min(axis=0), photo.xy.max(axis=0)
            extents.append((float(low[0]), float(low[1]), float(high[0]), float(high[1])))
        else:
            extents.append((0.0, 0.0, 0.0, 0.0))
    return _Listing(
        listing_id=listing_id,
        photos=tuple(photos),
        extents=tuple(extents),
    )


class _Segment:
    """An immutable batch of indexed vectors and the listing (ordinal) each belongs to."""

    def __init__(
        self, vectors: Floats, owners: NDArray[np.int32], *, saved_tree: Path | None = None
    ) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.owners = owners
        self._flann: cv2.flann.Index | None = None
        self._norms: Floats | None = None
        # A snapshot's trees of these vectors: read when a query first needs them.
        self._saved_tree = saved_tree

    def __len__(self) -> int:
        return len(self.owners)

    def search(self, queries: Floats, k: int) -> tuple[Floats, NDArray[np.int32]]:
        """(squared distances, owners) of each query's ``k`` nearest vectors, nearest first."""
        k = min(k, len(self))
        if len(self) < _BRUTE_FORCE_BELOW:
            if self._norms is None:
                self._norms = (self.vectors**2).sum(axis=1)
            squared = (queries**2).sum(axis=1)[:, None] + self._norms[None, :]
            squared -= 2 * (queries @ self.vectors.T)
            nearest = np.argsort(squared, axis=1, kind="stable")[:, :k]
            distances = np.take_along_axis(squared, nearest, axis=1)
            return np.maximum(distances, 0).astype(np.float32), self.owners[nearest]
        found, distances = self._tree().knnSearch(queries, k, params={"checks": _FLANN_CHECKS})
        found = np.asarray(found, dtype=np.int64).reshape(len(queries), k)
        distances = np.asarray(distances, dtype=np.float32).reshape(len(queries), k)
        valid = (found >= 0) & (found < len(self))
        owners = np.where(valid, self.owners[np.clip(found, 0, len(self) - 1)], -1)
        return np.where(valid, distances, np.inf).astype(np.float32), owners.astype(np.int32)

    def _tree(self) -> cv2.flann.Index:
        if self._flann is None and self._saved_tree is not None:
            loaded = cv2.flann.Index()
            try:
                if loaded.load(self.vectors, str(self._saved_tree)):
                    self._flann = loaded
            except cv2.error:
                pass  # removed with its snapshot, or damaged: built again below
            self._saved_tree = None
        if self._flann is None:
            cv2.setRNGSeed(0x5EED)
            self._flann = cv2.flann.Index(self.vectors, {"algorithm": 1, "trees": _FLANN_TREES})
        return self._flann

    def save_tree(self, path: Path) -> bool:
        """Write the FLANN trees (built now if no query has built them yet) of a segment
        searched by them; False for a segment searched by brute force."""
        if len(self) < _BRUTE_FORCE_BELOW:
            return False
        self._tree().save(str(path))
        with path.open("rb") as file:
            os.fsync(file.fileno())
        return True

    @staticmethod
    def merge(segments: Sequence[_Segment], alive: NDArray[np.bool_]) -> _Segment:
        owners = np.concatenate([s.owners for s in segments])
        keep = alive[owners]
        vectors = np.concatenate([s.vectors for s in segments])
        return _Segment(vectors[keep], owners[keep])


# --- verification ---------------------------------------------------------------------


@attrs.frozen
class _Fit:
    matches: int
    box: Box
    score: float


def _sighting_score(matches: int) -> float:
    return 1 - math.exp(-max(0.0, matches - _SCORE_OFFSET) / _SCORE_SCALE)


def _verify(
    frame: _Picture,
    squared: Floats,
    rival: Floats | None,
    photo: _Picture,
    extent: tuple[float, float, float, float],
) -> _Fit | None:
    """Is this listing photo in this keyframe? Ratio-tested matches, an affine RANSAC fit,
    and the checks that the fit is a plausible view of the product. ``squared`` holds the
    squared distances of the frame's keypoints (rows) to the photo's (columns); ``rival`` is
    each frame keypoint's squared distance to the nearest keypoint of the *other* listings
    the keyframe's votes ranked highest (see ``_Candidates``). Without ``rival``, only
    whether the photo can fit: the geometric checks up to the rival test, and a fit that
    fails them fails with any rivals (they only take inliers away)."""
    if len(photo) < 2 or len(frame) < MIN_MATCHES:
        return None
    two = np.argpartition(squared, 1, axis=1)[:, :2]
    pair = np.take_along_axis(squared, two, axis=1)
    first = np.where(pair[:, 0] <= pair[:, 1], two[:, 0], two[:, 1])
    nearest, second = pair.min(axis=1), pair.max(axis=1)
    distinct = nearest < RIVAL_RATIO**2 * (np.inf if rival is None else rival)
    passed = np.flatnonzero(nearest < RATIO**2 * second)
    # Only matches that beat the rivals count in the end: without MIN_MATCHES of them among
    # the tentative ones the fit cannot pass, and RANSAC, the costly part, is skipped.
    if len(passed) < MIN_MATCHES or int(distinct[passed].sum()) < MIN_MATCHES:
        return None
    # One frame keypoint per photo keypoint: the closest.
    order = passed[np.lexsort((passed, nearest[passed], first[passed]))]
    unique = np.ones(len(order), dtype=np.bool_)
    unique[1:] = first[order][1:] != first[order][:-1]
    chosen = np.sort(order[unique])
    if len(chosen) < MIN_MATCHES:
        return None
    source = np.ascontiguousarray(photo.xy[first[chosen]], dtype=np.float32)
    target = np.ascontiguousarray(frame.xy[chosen], dtype=np.float32)
    side = max(frame.width, frame.height)
    affine, inliers = cv2.estimateAffine2D(
        source,
        target,
        method=cv2.RANSAC,
        ransacReprojThreshold=RANSAC_THRESHOLD * side,
        maxIters=RANSAC_ITERATIONS,
        confidence=RANSAC_CONFIDENCE,
        refineIters=10,
    )
    if affine is None or inliers is None:
        return None
    mask = np.asarray(inliers).ravel().astype(np.bool_)
    matches = int(mask.sum())
    if matches < MIN_MATCHES:
        return None
    linear = np.asarray(affine, dtype=np.float64)[:, :2]
    determinant = float(np.linalg.det(linear))
    if determinant <= 0:
        return None  # mirrored, or collapsed onto a line
    scale = math.sqrt(determinant)
    singular = np.linalg.svd(linear, compute_uv=False)
    if not MIN_SCALE <= scale <= MAX_SCALE or singular[0] > MAX_ANISOTROPY * singular[1]:
        return None
    # Each inlier's own orientation and size must agree with the fit's rotation and scale.
    rotation = math.degrees(math.atan2(float(affine[1, 0]), float(affine[0, 0])))
    photo_shapes, frame_shapes = photo.shapes[first[chosen]], frame.shapes[chosen]
    turn = (_angles(frame_shapes) - _angles(photo_shapes) - rotation) % 360
    turn = np.minimum(turn, 360 - turn)
    growth = _log_sizes(frame_shapes) - _log_sizes(photo_shapes) - math.log2(scale)
    mask &= (turn <= MAX_TURN) & (np.abs(growth) <= MAX_GROWTH)
    if rival is None:
        return _Fit(matches=int(mask.sum()), box=(0.0, 0.0, 0.0, 0.0), score=0.0)
    # The rival test comes after the fit: RANSAC finds the product's pose among all its
    # ratio-tested matches (generic patches included, which a larger catalogue would take
    # away), and only the inliers that are more like this listing than any rival count.
    mask &= distinct[chosen]
    matches = int(mask.sum())
    if matches < MIN_MATCHES:
        return None
    # Half of them, or MIN_MATCHES, must have the colour they have on the photo: letters of
    # one font on another product's label match in shape, rarely in colour.
    alike = _colours_agree(photo.colours[first[chosen]], frame.colours[chosen])
    if int((mask & alike).sum()) < min(MIN_MATCHES, math.ceil(matches * MIN_ALIKE)):
        return None
    left, top, right, bottom = extent
    area = (right - left) * (bottom - top)
    hull = cv2.convexHull(source[mask])
    if area <= 0 or cv2.contourArea(hull) < MIN_COVER * area:
        return None
    corners = np.array(
        [[left, top, 1], [right, top, 1], [right, bottom, 1], [left, bottom, 1]],
        dtype=np.float64,
    )
    mapped = corners @ np.asarray(affine, dtype=np.float64).T
    box = (
        round(float(np.clip(mapped[:, 0].min() / frame.width, 0, 1)), 4),
        round(float(np.clip(mapped[:, 1].min() / frame.height, 0, 1)), 4),
        round(float(np.clip(mapped[:, 0].max() / frame.width, 0, 1)), 4),
        round(float(np.clip(mapped[:, 1].max() / frame.height, 0, 1)), 4),
    )
    return _Fit(matches=matches, box=box, score=round(_sighting_score(matches), 4))


def _best_sighting(
    keyframe: _Keyframe, squared: Sequence[Floats], rival: Floats, listing: _Listing
) -> ProductSighting | None:
    """The listing's best verified photo in the keyframe; ``squared`` per photo."""
    best: ProductSighting | None = None
    for number, photo in enumerate(listing.photos):
        fit = _verify(keyframe.picture, squared[number], rival, photo, listing.extents[number])
        if fit is not None and (best is None or fit.matches > best.matches):
            best = ProductSighting(
                at_seconds=keyframe.at_seconds,
                matches=fit.matches,
                box=fit.box,
                photo=number,
                score=fit.score,
            )
    return best


def _can_fit(keyframe: _Keyframe, listing: _Listing) -> bool:
    """Whether any of the listing's photos fits the keyframe before the rival test: the
    cheap first look of ``match_listing``, exact because rivals only take inliers away."""
    frame = keyframe.picture.vectors
    for number, photo in enumerate(listing.photos):
        vectors = photo.vectors
        squared = (frame**2).sum(axis=1)[:, None] + (vectors**2).sum(axis=1)[None, :]
        squared -= 2 * (frame @ vectors.T)
        np.maximum(squared, 0, out=squared)
        fit = _verify(keyframe.picture, squared, None, photo, listing.extents[number])
        if fit is not None and fit.matches >= MIN_MATCHES:
            return True
    return False


class _Candidates:
    """The listings a keyframe's votes rank highest (at most ``RIVAL_LISTINGS``) and the
    squared distances of the keyframe's keypoints to each of their photos' keypoints, from
    one matrix product. The first ``SHORTLIST`` are verified; all of them are the rivals."""

    def __init__(self, keyframe: _Keyframe, listings: Sequence[_Listing]) -> None:
        self.listings = list(listings)
        photos = [photo for listing in self.listings for photo in listing.photos]
        frame = keyframe.picture.vectors
        if photos:
            vectors = np.concatenate([photo.vectors for photo in photos])
            squared = (frame**2).sum(axis=1)[:, None] + (vectors**2).sum(axis=1)[None, :]
            squared -= 2 * (frame @ vectors.T)
            np.maximum(squared, 0, out=squared)
        else:
            squared = np.zeros((len(frame), 0), dtype=np.float32)
        self.squared: list[list[Floats]] = []
        self._two: tuple[NDArray[np.intp], Floats, Floats] | None = None
        self.nearest = np.full((len(self.listings), len(frame)), np.inf, dtype=np.float32)
        start = 0
        for number, listing in enumerate(self.listings):
            blocks = []
            for photo in listing.photos:
                block = squared[:, start : start + len(photo)]
                start += len(photo)
                blocks.append(block)
                if len(photo):
                    np.minimum(self.nearest[number], block.min(axis=1), out=self.nearest[number])
            self.squared.append(blocks)

    def rival(self, number: int) -> Floats:
        """Each keypoint's squared distance to the nearest keypoint of the candidates other
        than ``number``."""
        if self._two is None:
            # The nearest and second nearest candidate of each keypoint, found once.
            padded = np.vstack([self.nearest, np.full((2, self.nearest.shape[1]), np.inf)])
            order = np.argpartition(padded, 1, axis=0)[:2]
            values = np.take_along_axis(padded, order, axis=0)
            swap = values[0] > values[1]
            order[:, swap] = order[::-1, swap]
            values[:, swap] = values[::-1, swap]
            self._two = (order[0], values[0].astype(np.float32), values[1].astype(np.float32))
        first, nearest, second = self._two
        return np.where(first == number, second, nearest)

    def retire_last(self) -> None:
        """The last candidate is no one's rival from now on (in ``match_listing``, a listing
        that ``recognise`` does not rank: the others' rivals must be what it uses)."""
        self.nearest[-1] = np.inf
        self._two = None

    def sighting(self, keyframe: _Keyframe, number: int) -> ProductSighting | None:
        rival = self.rival(number)
        # Fewer than MIN_MATCHES keypoints nearer to this listing than to its rivals: none
        # of its photos can pass (a photo's nearest is never nearer than the listing's).
        if int((self.nearest[number] < RIVAL_RATIO**2 * rival).sum()) < MIN_MATCHES:
            return None
        return _best_sighting(keyframe, self.squared[number], rival, self.listings[number])


def _overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _suppress(
    found: Sequence[tuple[_Listing, ProductSighting]],
) -> list[tuple[_Listing, ProductSighting]]:
    """Greedy non-maximum suppression: most matches first (then listing id); a sighting
    whose box overlaps a kept one's by ``MAX_OVERLAP`` or more is dropped."""
    ranked = sorted(found, key=lambda pair: (-pair[1].matches, pair[0].listing_id))
    kept: list[tuple[_Listing, ProductSighting]] = []
    for listing, sighting in ranked:
        if all(_overlap(sighting.box, other.box) < MAX_OVERLAP for _, other in kept):
            kept.append((listing, sighting))
    return kept


def _candidate(listing_id: str, sightings: Iterable[ProductSighting]) -> ProductCandidate | None:
    ordered = tuple(sorted(sightings, key=lambda s: s.at_seconds))
    if not ordered:
        return None
    missing = 1.0
    for sighting in ordered:
        missing *= 1 - _sighting_score(sighting.matches)
    return ProductCandidate(listing_id=listing_id, score=round(1 - missing, 4), sightings=ordered)


# --- the engine -----------------------------------------------------------------------


class SiftProductRecognizer:
    """``ProductRecognizer`` with SIFT keypoints (see the module's docstring). Rebuilt from
    the stored listing descriptors at start-up, or read from a snapshot of its index
    (``save_index``, ``read_index``). Not thread-safe."""

    signal = "products"  # names its files in a snapshot
    version = VERSION

    def __init__(
        self,
        *,
        flush_vectors: int = 1 << 16,
        max_photo_pixels: int = DEFAULT_MAX_PIXELS,
        slots: DecodeSlots | None = None,
    ) -> None:
        """``max_photo_pixels`` and ``slots``: the decoding budget and the process's decode
        slots (``adapters.media.budget``) for listing photos."""
        self._flush_vectors = flush_vectors
        self._max_photo_pixels = max_photo_pixels
        self._slots = slots
        self._ordinals: dict[str, int] = {}
        self._listings: dict[int, _Listing] = {}
        self._alive = np.zeros(1024, dtype=np.bool_)
        self._next_ordinal = 0
        self._segments: list[_Segment] = []
        self._pending: list[tuple[int, Floats]] = []
        self._pending_vectors = 0
        self._live_vectors = 0
        self._dead_vectors = 0

    # -- describing ----------------------------------------------------------------------

    def describe_listing(self, photos: Sequence[bytes]) -> bytes:
        if not photos:
            raise UnreadableMedia("a listing needs at least one photo")
        if len(photos) > MAX_PHOTOS:
            raise UnreadableMedia(f"a listing is described by at most {MAX_PHOTOS} photos")
        # One photo at a time, reduced as it is decoded: never ten full-size pictures at once.
        return self.describe_listing_pixels(
            [
                _open_photo(photo, max_pixels=self._max_photo_pixels, slots=self._slots)
                for photo in photos
            ]
        )

    def describe_listing_pixels(self, photos: Sequence[NDArray[np.uint8]]) -> bytes:
        """``describe_listing`` for photos already decoded (RGB uint8, or grey)."""
        described = []
        for number, pixels in enumerate(photos, start=1):
            picture = _keypoints(_reduced(pixels, PHOTO_SIDE), PHOTO_CONTRAST, PHOTO_KEYPOINTS)
            if len(picture) < MIN_PHOTO_KEYPOINTS:
                raise PhotoWithoutDetail(
                    f"photo {number} has too little detail to recognise the product by "
                    f"({len(picture)} keypoints; at least {MIN_PHOTO_KEYPOINTS} are needed)"
                )
            described.append(picture)
        return _encode_listing(described)

    def describe_video(
        self, media: DecodedMedia, *, keyframe_seconds: float = KEYFRAME_SECONDS
    ) -> bytes:
        """Keyframes of a video (see the module's docstring); ``keyframe_seconds`` is the
        window each keyframe is chosen in (the anchors' region matching wants them denser)."""
        windows: dict[int, list[tuple[float, float, int]]] = {}
        for number, frame in enumerate(media.frames):
            grey = _grey(_reduced(frame.pixels, ANALYSIS_SIDE))
            window = math.floor(max(0.0, frame.at_seconds) / keyframe_seconds + 1e-9)
            windows.setdefault(window, []).append((frame.at_seconds, _sharpness(grey), number))
        keyframes: list[_Keyframe] = []
        for window in sorted(windows):
            # Sharpest first; the earliest among equals.
            for at, _, number in sorted(windows[window], key=lambda c: (-c[1], c[0])):
                picture = _reduced(media.frames[number].pixels, ANALYSIS_SIDE)
                described = _keypoints(picture, FRAME_CONTRAST, FRAME_KEYPOINTS)
                if len(described) >= MIN_FRAME_KEYPOINTS:
                    keyframes.append(_Keyframe(max(0.0, at), described))
                    break
        if not keyframes:
            return b""
        return _encode_video(media.duration_seconds, keyframes)

    # -- the index -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._listings)

    def index(self, listing_id: str, descriptors: bytes) -> None:
        photos = _decode_listing(descriptors)
        self.forget(listing_id)
        listing = _listing(listing_id, photos)
        ordinal = self._next_ordinal
        self._next_ordinal += 1
        if ordinal >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros_like(self._alive)])
        self._alive[ordinal] = True
        self._ordinals[listing_id] = ordinal
        self._listings[ordinal] = listing
        vectors = np.concatenate(
            [photo.vectors for photo in photos] or [np.zeros((0, _DIMENSIONS), np.float32)]
        )
        self._pending.append((ordinal, vectors.astype(np.float32)))
        self._pending_vectors += len(vectors)
        self._live_vectors += len(vectors)
        if self._pending_vectors >= self._flush_vectors:
            self._flush()

    def forget(self, listing_id: str) -> None:
        ordinal = self._ordinals.pop(listing_id, None)
        if ordinal is None:
            return
        listing = self._listings.pop(ordinal)
        self._alive[ordinal] = False
        count = sum(len(photo) for photo in listing.photos)
        self._live_vectors -= count
        self._dead_vectors += count
        if self._dead_vectors > max(self._live_vectors, self._flush_vectors):
            self._compact()

    def _flush(self) -> None:
        pending = [(o, v) for o, v in self._pending if self._alive[o] and len(v)]
        self._pending = []
        self._pending_vectors = 0
        if not pending:
            return
        owners = np.concatenate([np.full(len(v), o, dtype=np.int32) for o, v in pending])
        self._segments.append(_Segment(np.concatenate([v for _, v in pending]), owners))
        while len(self._segments) >= 2 and len(self._segments[-2]) <= 2 * len(self._segments[-1]):
            self._segments[-2:] = [_Segment.merge(self._segments[-2:], self._alive)]

    def _compact(self) -> None:
        self._flush()
        if self._segments:
            merged = _Segment.merge(self._segments, self._alive)
            self._segments = [merged] if len(merged) else []
        self._dead_vectors = 0

    # -- snapshots -----------------------------------------------------------------------

    def save_index(self, directory: Path) -> None:
        """The index as it stands: the listings' keypoints end to end, the segments' vectors,
        owners and FLANN trees, which ordinals are alive. Pending vectors are flushed first
        and every segment's trees built, as the next query would, so that a process that
        reads the snapshot builds nothing before its first answer."""
        self._flush()
        ordinals = sorted(self._listings)
        listings = [self._listings[o] for o in ordinals]
        photos = [photo for listing in listings for photo in listing.photos]
        write_array(directory, "ordinals", np.array(ordinals, dtype=np.int64))
        ids = [listing.listing_id for listing in listings]
        write_array(directory, "ids", np.array(ids, dtype=str) if ids else np.zeros(0, "U1"))
        write_array(directory, "photo_starts", _starts([len(x.photos) for x in listings]))
        write_array(
            directory,
            "photo_sizes",
            np.array([[p.width, p.height] for p in photos], np.int64).reshape(-1, 2),
        )
        write_array(
            directory,
            "photo_extents",
            np.array([e for x in listings for e in x.extents], np.float64).reshape(-1, 4),
        )
        write_array(directory, "keypoint_starts", _starts([len(p) for p in photos]))
        for name, width, dtype in (
            ("xy", 2, np.float32),
            ("shapes", 0, np.uint8),
            ("colours", 0, np.uint8),
            ("codes", _DIMENSIONS, np.uint8),
        ):
            parts = [getattr(p, name) for p in photos]
            empty = np.zeros((0, width) if width else 0, dtype)
            write_array(directory, name, np.concatenate(parts) if parts else empty)
        trees = []
        for number, segment in enumerate(self._segments):
            write_array(directory, f"segment-{number}-vectors", segment.vectors)
            write_array(directory, f"segment-{number}-owners", segment.owners)
            if segment.save_tree(directory / f"segment-{number}-trees.flann"):
                trees.append(number)
        write_array(directory, "alive", self._alive[: self._next_ordinal])
        write_json(
            directory,
            "index",
            {
                "kind": "sift-products",
                "index_format": _INDEX_FORMAT,
                "version": self.version,
                "next_ordinal": self._next_ordinal,
                "segments": len(self._segments),
                "trees": trees,
                "live_vectors": self._live_vectors,
                "dead_vectors": self._dead_vectors,
            },
        )

    def read_index(self, directory: Path) -> Install:
        header = check_header(directory, "sift-products", _INDEX_FORMAT, self.version)
        count = integer(header, "next_ordinal")
        ordinals = read_array(directory, "ordinals", np.int64, 1, mapped=False)
        ids = read_array(directory, "ids", np.str_, 1, mapped=False)
        photo_starts = read_array(directory, "photo_starts", np.int64, 1, mapped=False)
        sizes = read_array(directory, "photo_sizes", np.int64, 2, mapped=False)
        extents = read_array(directory, "photo_extents", np.float64, 2, mapped=False)
        keypoint_starts = read_array(directory, "keypoint_starts", np.int64, 1, mapped=False)
        xy = read_array(directory, "xy", np.float32, 2)
        shapes = read_array(directory, "shapes", np.uint8, 1)
        colours = read_array(directory, "colours", np.uint8, 1)
        codes = read_array(directory, "codes", np.uint8, 2)
        alive = np.array(read_array(directory, "alive", np.bool_, 1, mapped=False))
        photos_count, keypoints = len(sizes), len(xy)
        check(len(ids) == len(ordinals) and len(alive) == count, "ids and ordinals do not fit")
        check(bool(np.all((ordinals >= 0) & (ordinals < count))), "ordinals out of range")
        check(len(np.unique(ordinals)) == len(ordinals), "ordinals repeated")
        check(_fits(photo_starts, len(ordinals), photos_count), "photo_starts do not fit")
        check(_fits(keypoint_starts, photos_count, keypoints), "keypoint_starts do not fit")
        check(sizes.shape[1:] == (2,) and extents.shape == (photos_count, 4), "photos")
        check(
            xy.shape[1:] == (2,)
            and codes.shape == (keypoints, _DIMENSIONS)
            and len(shapes) == keypoints
            and len(colours) == keypoints,
            "keypoints do not fit",
        )
        check(
            int(alive.sum()) == len(ordinals) and bool(np.all(alive[ordinals])),
            "alive does not fit the listings",
        )
        trees = header.get("trees")
        check(isinstance(trees, list) and all(isinstance(n, int) for n in trees), "trees")
        assert isinstance(trees, list)
        segments = [
            self._read_segment(directory, f"segment-{n}", count, tree=n in trees)
            for n in range(integer(header, "segments"))
        ]
        live, dead = integer(header, "live_vectors"), integer(header, "dead_vectors")
        pictures = [
            _Picture(
                int(width),
                int(height),
                xy[start:end],
                shapes[start:end],
                colours[start:end],
                codes[start:end],
            )
            for (width, height), start, end in zip(
                sizes.tolist(),
                keypoint_starts[:-1].tolist(),
                keypoint_starts[1:].tolist(),
                strict=True,
            )
        ]
        boxes = [tuple(e) for e in extents.tolist()]
        listings: dict[int, _Listing] = {}
        named = zip(ordinals.tolist(), ids.tolist(), strict=True)
        for number, (ordinal, listing_id) in enumerate(named):
            first, last = int(photo_starts[number]), int(photo_starts[number + 1])
            listings[ordinal] = _Listing(
                listing_id=listing_id,
                photos=tuple(pictures[first:last]),
                extents=tuple(boxes[first:last]),
            )
        grown = np.zeros(max(1024, count), np.bool_)
        grown[:count] = alive

        def install() -> None:
            self._ordinals = {x.listing_id: o for o, x in listings.items()}
            self._listings = listings
            self._alive = grown
            self._next_ordinal = count
            self._segments = segments
            self._pending = []
            self._pending_vectors = 0
            self._live_vectors = live
            self._dead_vectors = dead

        return install

    @staticmethod
    def _read_segment(directory: Path, name: str, count: int, *, tree: bool = False) -> _Segment:
        vectors = read_array(directory, f"{name}-vectors", np.float32, 2)
        owners = read_array(directory, f"{name}-owners", np.int32, 1, mapped=False)
        check(
            vectors.shape == (len(owners), _DIMENSIONS)
            and bool(np.all((owners >= 0) & (owners < count))),
            f"{name}: vectors and owners do not fit",
        )
        trees = directory / f"{name}-trees.flann"
        check(not tree or (trees.is_file() and trees.stat().st_size > 0), f"{trees.name}: missing")
        return _Segment(vectors, owners, saved_tree=trees if tree else None)

    # -- matching ------------------------------------------------------------------------

    @timed_lookup("recognise")
    def recognise(self, video_descriptors: bytes, *, limit: int = 10) -> list[ProductCandidate]:
        video = _decode_video(video_descriptors)
        if not video.keyframes or not self._listings:
            return []
        self._flush()
        found: dict[str, list[ProductSighting]] = {}
        for keyframe in video.keyframes:
            ranked = self._ranked(keyframe)
            pool = _Candidates(keyframe, [self._listings[o] for o in ranked])
            verified = []
            for number, listing in enumerate(pool.listings[:SHORTLIST]):
                sighting = pool.sighting(keyframe, number)
                if sighting is not None:
                    verified.append((listing, sighting))
            for listing, sighting in _suppress(verified):
                found.setdefault(listing.listing_id, []).append(sighting)
        candidates = [
            candidate
            for listing_id, sightings in found.items()
            if (candidate := _candidate(listing_id, sightings))
        ]
        candidates.sort(key=lambda c: (-c.score, c.listing_id))
        return candidates[:limit]

    @timed_lookup("listing")
    def match_listing(
        self, listing_id: str, listing_descriptors: bytes, video_descriptors: bytes
    ) -> ProductCandidate | None:
        listing = _listing(listing_id, _decode_listing(listing_descriptors))
        video = _decode_video(video_descriptors)
        self._flush()
        itself = self._ordinals.get(listing_id, -2)
        sightings = []
        for keyframe in video.keyframes:
            if not _can_fit(keyframe, listing):
                continue  # the usual case in a sweep, found without ranking the catalogue
            ranked = self._ranked(keyframe)
            # The listing as given stands in for its indexed self, so that its rivals and
            # those of the others are what recognise() uses when the bytes are the same.
            members = [listing if o == itself else self._listings[o] for o in ranked]
            mine = ranked.index(itself) if itself in ranked else -1
            if mine < 0:
                members.append(listing)  # verified against all the rivals, rival to none
            pool = _Candidates(keyframe, members)
            sighting = pool.sighting(keyframe, mine if mine >= 0 else len(members) - 1)
            if mine < 0:
                pool.retire_last()
            if sighting is None:
                continue
            # Would recognise() keep it? Not where a listing with more matches takes its place.
            others = []
            for number, other in enumerate(pool.listings[:SHORTLIST]):
                if number != mine and other is not listing:
                    seen = pool.sighting(keyframe, number)
                    if seen is not None:
                        others.append((other, seen))
            if any(found is listing for found, _ in _suppress([*others, (listing, sighting)])):
                sightings.append(sighting)
        return _candidate(listing_id, sightings)

    def _ranked(self, keyframe: _Keyframe) -> list[int]:
        """The first ``RIVAL_LISTINGS`` listings by the keyframe's votes (see _shortlist)."""
        distance, owner = self._neighbours(keyframe.picture.vectors)
        return _shortlist(distance, owner)

    def _neighbours(self, queries: Floats) -> tuple[Floats, NDArray[np.int32]]:
        """Each query's ``NEIGHBOURS`` nearest indexed vectors of live listings: (squared
        distances, owners), nearest first; missing ones are at infinity, owned by -1."""
        count = len(queries)
        if count == 0 or not self._segments:
            return (
                np.full((count, NEIGHBOURS), np.inf, dtype=np.float32),
                np.full((count, NEIGHBOURS), -1, dtype=np.int32),
            )
        distances: list[Floats] = []
        owners: list[NDArray[np.int32]] = []
        for segment in self._segments:
            d, o = segment.search(queries, NEIGHBOURS)
            distances.append(d)
            owners.append(o)
        distance = np.concatenate(distances, axis=1)
        owner = np.concatenate(owners, axis=1)
        dead = (owner < 0) | ~self._alive[np.clip(owner, 0, None)]
        distance = np.where(dead, np.inf, distance).astype(np.float32)
        owner = np.where(dead, -1, owner).astype(np.int32)
        order = np.argsort(distance, axis=1, kind="stable")[:, :NEIGHBOURS]
        distance = np.take_along_axis(distance, order, axis=1)
        owner = np.take_along_axis(owner, order, axis=1)
        if distance.shape[1] < NEIGHBOURS:
            missing = NEIGHBOURS - distance.shape[1]
            distance = np.pad(distance, ((0, 0), (0, missing)), constant_values=np.inf)
            owner = np.pad(owner, ((0, 0), (0, missing)), constant_values=-1)
        return distance, owner


def _starts(lengths: Sequence[int]) -> NDArray[np.int64]:
    """Where each run of ``lengths`` starts in their concatenation, and where the last ends."""
    starts = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(np.array(lengths, np.int64), out=starts[1:])
    return starts


def _fits(starts: NDArray[np.int64], runs: int, total: int) -> bool:
    return (
        len(starts) == runs + 1
        and int(starts[0]) == 0
        and int(starts[-1]) == total
        and bool(np.all(np.diff(starts) >= 0))
    )


def _shortlist(distance: Floats, owner: NDArray[np.int32]) -> list[int]:
    """The listings a keyframe's keypoints point at, best first: by votes (a keypoint votes
    for the listing of its nearest neighbour when the nearest of any other listing is
    clearly farther), then by the number of keypoints that have the listing among their
    neighbours at all (listings that share the frame's generic patches: the rivals)."""
    first = owner[:, 0]
    competitor = np.where((owner != first[:, None]) & (owner >= 0), distance, np.inf).min(axis=1)
    voting = (first >= 0) & (distance[:, 0] < VOTE_RATIO**2 * competitor)
    # Each listing once per keypoint: sorted owners of a row, repeats dropped.
    rows = np.sort(owner, axis=1)
    fresh = np.ones(rows.shape, dtype=np.bool_)
    fresh[:, 1:] = rows[:, 1:] != rows[:, :-1]
    present = rows[fresh & (rows >= 0)]
    if len(present) == 0:
        return []
    ordinals, presence = np.unique(present, return_counts=True)
    votes = np.zeros(len(ordinals), dtype=np.int64)
    voted, counts = np.unique(first[voting], return_counts=True)
    votes[np.searchsorted(ordinals, voted)] = counts
    # Listings without votes are ranked (and verified when among the first SHORTLIST): with
    # thousands of listings a shown product's keypoints are often all outvoted. Requiring
    # 3 votes, as before, cost 2-3 of 80 sightings among 1,000 listings.
    ranked = np.lexsort((ordinals, -presence, -votes))
    return [int(o) for o in ordinals[ranked[:RIVAL_LISTINGS]]]
