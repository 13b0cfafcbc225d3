"""Products in videos: the SIFT recogniser describes, indexes, recognises and verifies.

Listings are generated product photos (``tests/media/products.py``); videos are generated
cluttered frames with listed products at 0.35-0.5 of the frame's shorter side, encoded for
real with PyAV and decoded with the shop's decoder settings. The quality floors over a
larger corpus are in ``tests/quality/test_product_quality.py``.
"""

from __future__ import annotations

import functools
import io
import math

import numpy as np
import pytest
from PIL import Image

from adapters.matching import products as engine
from adapters.matching.products import (
    KEYFRAME_SECONDS,
    MAX_BYTES_PER_MINUTE,
    MAX_KEYFRAME_BYTES,
    MIN_MATCHES,
    SiftProductRecognizer,
    keyframes,
    shop_decoder,
)
from application.media import DecodedMedia, Frame, UnreadableMedia
from application.shop.products import (
    Box,
    IncompatibleDescriptors,
    ProductCandidate,
    ProductRecognizer,
)
from tests.media.products import (
    PORTRAIT,
    Scene,
    clip,
    listing_image,
    listing_png,
    product,
    scene,
)

LISTINGS = tuple(range(8))
SHOWN = 1  # listing seen alone in the first window
PAIR = (2, 3)  # listings seen together in the third window


def listing_id(seed: int) -> str:
    return f"listing-{seed}"


@functools.cache
def described(seed: int) -> bytes:
    return SiftProductRecognizer().describe_listing([listing_png(seed)])


def recognizer(
    seeds: tuple[int, ...] = LISTINGS, *, flush_vectors: int = 1 << 16
) -> SiftProductRecognizer:
    made = SiftProductRecognizer(flush_vectors=flush_vectors)
    for seed in seeds:
        made.index(listing_id(seed), described(seed))
    return made


@functools.cache
def scenes() -> tuple[Scene, Scene, Scene]:
    alone = scene(9001, (SHOWN,), scales=(0.45,))
    empty = scene(9002, ())
    pair = scene(9003, PAIR, scales=(0.4, 0.35))
    return alone, empty, pair


@functools.cache
def video() -> tuple[DecodedMedia, bytes]:
    """18 s: the shown listing, then no listed product, then the pair; 6 s each."""
    data = clip([s.pixels for s in scenes()], seconds_each=KEYFRAME_SECONDS, fps=2)
    media = shop_decoder().decode(data)
    return media, SiftProductRecognizer().describe_video(media)


def one_frame(pixels: np.ndarray, at: float = 0.0) -> DecodedMedia:
    return DecodedMedia(duration_seconds=at + 1.0, audio=None, frames=(Frame(at, pixels),))


def iou(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def truth(picture: Scene, seed: int) -> Box:
    height, width = picture.pixels.shape[:2]
    left, top, right, bottom = next(p.box for p in picture.placements if p.seed == seed)
    return (left / width, top / height, right / width, bottom / height)


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


# --- the port -------------------------------------------------------------------------


def test_the_adapter_is_a_product_recognizer() -> None:
    recognizer_: ProductRecognizer = SiftProductRecognizer()
    assert recognizer_.version == engine.VERSION
    assert len(recognizer_) == 0


# --- descriptors ----------------------------------------------------------------------


def test_listing_descriptors_are_deterministic_and_bounded() -> None:
    first = SiftProductRecognizer().describe_listing([listing_png(5)])
    again = SiftProductRecognizer().describe_listing([listing_png(5)])
    from_pixels = SiftProductRecognizer().describe_listing_pixels([listing_image(5)])

    assert first == again == from_pixels
    assert first != described(6)
    assert len(first) <= 6 + engine.PHOTO_KEYPOINTS * 21 + 6


def test_video_descriptors_are_deterministic_with_one_keyframe_a_window() -> None:
    media, descriptors = video()

    assert SiftProductRecognizer().describe_video(media) == descriptors
    kept = keyframes(descriptors)
    assert [int(at // KEYFRAME_SECONDS) for at, _ in kept] == [0, 1, 2]
    assert all(0 < count <= engine.FRAME_KEYPOINTS for _, count in kept)
    assert len(descriptors) <= 12 + len(kept) * MAX_KEYFRAME_BYTES


def test_descriptors_stay_under_100_kb_a_minute() -> None:
    media, descriptors = video()
    windows = math.ceil(media.duration_seconds / KEYFRAME_SECONDS)

    assert MAX_BYTES_PER_MINUTE < 100_000
    assert len(descriptors) <= 12 + windows * MAX_KEYFRAME_BYTES


def test_the_sharpest_frame_of_a_window_is_kept() -> None:
    sharp = scenes()[0].pixels
    blurred = np.asarray(Image.fromarray(sharp).resize((54, 96)).resize(PORTRAIT))
    media = DecodedMedia(
        duration_seconds=3.0,
        audio=None,
        frames=(Frame(0.0, blurred), Frame(1.0, sharp), Frame(2.0, blurred)),
    )

    kept = keyframes(SiftProductRecognizer().describe_video(media))

    assert [at for at, _ in kept] == [1.0]


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((960, 540, 3), np.uint8),
        np.full((960, 540, 3), 255, np.uint8),
        np.full((960, 540, 3), (40, 120, 200), np.uint8),
        np.broadcast_to(np.linspace(0, 255, 540, dtype=np.uint8)[None, :, None], (960, 540, 3)),
    ],
    ids=["black", "white", "flat colour", "smooth gradient"],
)
def test_blank_frames_have_nothing_to_describe_and_match_nothing(pixels: np.ndarray) -> None:
    recognizer_ = recognizer()
    descriptors = recognizer_.describe_video(one_frame(np.ascontiguousarray(pixels)))

    assert descriptors == b""
    assert recognizer_.recognise(descriptors) == []
    assert recognizer_.match_listing(listing_id(1), described(1), descriptors) is None


def test_media_without_frames_has_nothing_to_describe() -> None:
    audio_only = DecodedMedia(duration_seconds=4.0, audio=None, frames=())

    assert SiftProductRecognizer().describe_video(audio_only) == b""


# --- recognition ----------------------------------------------------------------------


def test_listed_products_are_recognised_with_their_evidence() -> None:
    _, descriptors = video()
    alone, _, pair = scenes()

    candidates = recognizer().recognise(descriptors)

    assert {c.listing_id for c in candidates} == {listing_id(s) for s in (SHOWN, *PAIR)}
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    for candidate in candidates:
        assert 0 < candidate.score <= 1
        assert len(candidate.sightings) == 1
        sighting = candidate.best
        seed = int(candidate.listing_id.removeprefix("listing-"))
        window, picture = (0, alone) if seed == SHOWN else (2, pair)
        assert int(sighting.at_seconds // KEYFRAME_SECONDS) == window
        assert candidate.first_seen_seconds == sighting.at_seconds
        assert sighting.matches >= MIN_MATCHES
        assert sighting.photo == 0
        assert 0 < sighting.score <= candidate.score
        assert iou(sighting.box, truth(picture, seed)) >= 0.5


def test_a_frame_without_listed_products_gives_nothing() -> None:
    empty = scenes()[1]
    descriptors = SiftProductRecognizer().describe_video(one_frame(empty.pixels))

    assert keyframes(descriptors)  # there is plenty to describe: unlisted products
    assert recognizer().recognise(descriptors) == []


def test_nothing_is_recognised_without_listings() -> None:
    _, descriptors = video()

    assert SiftProductRecognizer().recognise(descriptors) == []


def test_limit_keeps_the_best_candidates() -> None:
    _, descriptors = video()
    everything = recognizer().recognise(descriptors)

    assert recognizer().recognise(descriptors, limit=1) == everything[:1]


def test_a_product_seen_again_later_adds_a_sighting_and_scores_higher() -> None:
    alone = scenes()[0]
    again = scene(9004, (SHOWN,), scales=(0.4,))
    data = clip([alone.pixels, again.pixels], seconds_each=KEYFRAME_SECONDS, fps=1)
    descriptors = SiftProductRecognizer().describe_video(shop_decoder().decode(data))
    single = SiftProductRecognizer().describe_video(one_frame(alone.pixels))

    twice = recognizer().recognise(descriptors)
    once = recognizer().recognise(single)

    assert [c.listing_id for c in twice] == [listing_id(SHOWN)]
    assert [int(s.at_seconds // KEYFRAME_SECONDS) for s in twice[0].sightings] == [0, 1]
    assert twice[0].score > once[0].score


# --- the retroactive direction ----------------------------------------------------------


def test_matching_one_listing_agrees_with_recognising_against_all() -> None:
    _, descriptors = video()
    recognizer_ = recognizer()
    forward = {c.listing_id: c for c in recognizer_.recognise(descriptors)}

    for seed in LISTINGS:
        retro = recognizer_.match_listing(listing_id(seed), described(seed), descriptors)
        assert retro == forward.get(listing_id(seed)), seed


def test_a_listing_added_later_is_found_in_a_video_described_before() -> None:
    _, descriptors = video()
    without = tuple(seed for seed in LISTINGS if seed != SHOWN)
    recognizer_ = recognizer(without)

    before = recognizer_.recognise(descriptors)
    retro = recognizer_.match_listing(listing_id(SHOWN), described(SHOWN), descriptors)
    recognizer_.index(listing_id(SHOWN), described(SHOWN))
    after = {c.listing_id: c for c in recognizer_.recognise(descriptors)}

    assert listing_id(SHOWN) not in {c.listing_id for c in before}
    assert retro is not None
    assert retro == after[listing_id(SHOWN)]


def test_an_unrelated_listing_is_not_found_retroactively() -> None:
    _, descriptors = video()

    assert recognizer().match_listing(listing_id(7), described(7), descriptors) is None


# --- the index ------------------------------------------------------------------------


def test_forgotten_listings_are_not_recognised_and_can_come_back() -> None:
    _, descriptors = video()
    recognizer_ = recognizer()

    recognizer_.forget(listing_id(SHOWN))
    recognizer_.forget("never-indexed")
    forgotten = {c.listing_id for c in recognizer_.recognise(descriptors)}
    recognizer_.index(listing_id(SHOWN), described(SHOWN))
    back = {c.listing_id for c in recognizer_.recognise(descriptors)}

    assert len(recognizer_) == len(LISTINGS)
    assert forgotten == {listing_id(s) for s in PAIR}
    assert back == {listing_id(s) for s in (SHOWN, *PAIR)}


def test_indexing_again_replaces_a_listing() -> None:
    _, descriptors = video()
    recognizer_ = recognizer()

    recognizer_.index(listing_id(SHOWN), described(7))  # the seller changed the photo

    assert len(recognizer_) == len(LISTINGS)
    assert listing_id(SHOWN) not in {c.listing_id for c in recognizer_.recognise(descriptors)}


def test_segments_merges_and_compaction_answer_like_a_fresh_index() -> None:
    _, descriptors = video()
    small = recognizer(flush_vectors=300)  # a segment every listing or so, merged as it grows
    for seed in (0, 4, 5, 6):
        small.forget(listing_id(seed))  # enough dead vectors to compact
    fresh = recognizer((1, 2, 3, 7))

    assert small.recognise(descriptors) == fresh.recognise(descriptors)


def test_listings_with_several_photos_say_which_one_matched() -> None:
    _, descriptors = video()
    recognizer_ = recognizer(tuple(s for s in LISTINGS if s != SHOWN))
    both = recognizer_.describe_listing([listing_png(6), listing_png(SHOWN)])
    recognizer_.index("bundle", both)

    found = {c.listing_id: c for c in recognizer_.recognise(descriptors)}

    assert found["bundle"].best.photo == 1


def test_a_cut_out_photo_on_transparency_is_described_on_white() -> None:
    cut_out = Image.fromarray(np.ascontiguousarray(product(SHOWN).rgba), "RGBA")
    buffer = io.BytesIO()
    cut_out.save(buffer, format="PNG")
    _, descriptors = video()
    recognizer_ = recognizer(tuple(s for s in LISTINGS if s != SHOWN))

    match = recognizer_.match_listing(
        "cut-out", recognizer_.describe_listing([buffer.getvalue()]), descriptors
    )

    assert isinstance(match, ProductCandidate)
    assert int(match.best.at_seconds // KEYFRAME_SECONDS) == 0


# --- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "photos",
    [
        [],
        [b""],
        [b"this is not an image"],
        [listing_png(1)[:200]],
        [png(np.full((300, 300, 3), 250, np.uint8))],
        [listing_png(1)] * (engine.MAX_PHOTOS + 1),
    ],
    ids=["no photo", "empty", "text", "truncated", "blank", "too many"],
)
def test_unusable_photos_are_refused_with_a_reason(photos: list[bytes]) -> None:
    with pytest.raises(UnreadableMedia):
        SiftProductRecognizer().describe_listing(photos)


def test_bytes_of_another_kind_or_version_are_refused() -> None:
    _, descriptors = video()
    listing = described(1)
    recognizer_ = recognizer()

    for bad in (b"SPPL", listing[:-5], listing + b"\0", descriptors, b"XXXX" + listing[4:]):
        with pytest.raises(IncompatibleDescriptors):
            recognizer_.index("bad", bad)
    for bad in (b"SPPV", descriptors[:-1], listing, b"SPPV\x09" + descriptors[5:]):
        with pytest.raises(IncompatibleDescriptors):
            recognizer_.recognise(bad)
        with pytest.raises(IncompatibleDescriptors):
            recognizer_.match_listing("x", listing, bad)
