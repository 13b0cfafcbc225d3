"""Product recognition quality on generated footage, with the floors the shop was promised:
precision at least 0.95 and recall at least 0.8.

60 listings are described from their PNG photos and indexed. 100 generated frames (80 with
one listed product at a scale of 0.2 to 0.5 of the frame's shorter side, 20 with no listed
product; all with two to five unlisted products and clutter; one in seven landscape) are
encoded for real into H.264 clips, each frame held for one keyframe window, decoded with the
shop's decoder settings, described and recognised. A prediction is a (frame, listing) pair
read from a candidate's sightings; it is right when that listing is in that frame.

The same described frames are then recognised with 400 listings indexed (the 60 and 340 more
products), which must keep the floors and lose at most 0.05 of the recall: a larger
catalogue must not push the shown products out (1,000 listings would hold as well, see the
engine's docstring, but describing them takes most of a minute more on a shared machine).
`python -m bench products` measures tagging time against 1,000 and 10,000 listings.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from adapters.matching.products import (
    FRAMES_PER_SECOND,
    KEYFRAME_SECONDS,
    SiftProductRecognizer,
    shop_decoder,
)
from application.shop.products import Box
from tests.media.products import (
    MAX_SCALE,
    MIN_SCALE,
    Scene,
    clip,
    listing_image,
    listing_png,
    scene,
)

LISTINGS = tuple(range(60))
# The same frames against a larger catalogue (listings 0-59 and more products): more
# listings must not take the place of the shown ones (see the engine's docstring).
LARGER_CATALOGUE = 400
WITH_PRODUCT = 80
WITHOUT_PRODUCT = 20
SCENE_SEED = 5000
CLIP_SCENES = 10  # frames per encoded clip
BANDS = ((0.2, 0.3), (0.3, 0.4), (0.4, 0.5))


@dataclass(frozen=True)
class Case:
    number: int
    scene: Scene
    landscape: bool


@dataclass
class Measured:
    cases: list[Case]
    predictions: dict[int, dict[int, Box]] = field(default_factory=dict)  # case -> listing
    descriptor_bytes: list[tuple[float, int, int]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    indexed: int = 0

    def right(self) -> int:
        return sum(1 for n, found in self.predictions.items() for s in found if s in self.listed(n))

    def wrong(self) -> list[tuple[int, int]]:
        return [
            (n, s)
            for n, found in self.predictions.items()
            for s in found
            if s not in self.listed(n)
        ]

    def listed(self, number: int) -> frozenset[int]:
        return self.cases[number].scene.listed

    @property
    def relevant(self) -> int:
        return sum(len(case.scene.listed) for case in self.cases)

    @property
    def precision(self) -> float:
        made = self.right() + len(self.wrong())
        return self.right() / made if made else 1.0

    @property
    def recall(self) -> float:
        return self.right() / self.relevant

    def recall_between(self, low: float, high: float) -> tuple[int, int]:
        found = total = 0
        for case in self.cases:
            for placement in case.scene.placements:
                if low <= placement.scale < high or (high == MAX_SCALE and placement.scale == high):
                    total += 1
                    found += placement.seed in self.predictions.get(case.number, {})
        return found, total

    def overlaps(self) -> list[float]:
        values = []
        for case in self.cases:
            width, height = case.scene.pixels.shape[1], case.scene.pixels.shape[0]
            for placement in case.scene.placements:
                box = self.predictions.get(case.number, {}).get(placement.seed)
                if box is not None:
                    left, top, right, bottom = placement.box
                    truth = (left / width, top / height, right / width, bottom / height)
                    values.append(_iou(box, truth))
        return values


def _iou(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _cases() -> list[Case]:
    cases = []
    for number in range(WITH_PRODUCT + WITHOUT_PRODUCT):
        landscape = number % 7 == 3
        if number < WITH_PRODUCT:
            # Scales spread evenly over 0.2-0.5 (a golden-ratio sequence), listings in turn.
            fraction = (number * 0.6180339887) % 1.0
            scale = MIN_SCALE + (MAX_SCALE - MIN_SCALE) * fraction
            listed: tuple[int, ...] = (LISTINGS[number % len(LISTINGS)],)
            picture = scene(SCENE_SEED + number, listed, scales=(scale,), landscape=landscape)
        else:
            picture = scene(SCENE_SEED + number, (), landscape=landscape)
        cases.append(Case(number, picture, landscape))
    return cases


def _chunks(cases: Sequence[Case]) -> list[list[Case]]:
    """Clips of up to CLIP_SCENES frames of one orientation, in order."""
    chunks: list[list[Case]] = []
    for landscape in (False, True):
        same = [case for case in cases if case.landscape == landscape]
        chunks += [same[i : i + CLIP_SCENES] for i in range(0, len(same), CLIP_SCENES)]
    return chunks


@dataclass
class Described:
    """The corpus's frames, encoded, decoded and described once for every catalogue."""

    cases: list[Case]
    clips: list[tuple[list[Case], float, bytes]]  # (cases, duration, descriptors)
    timings: dict[str, float]


@pytest.fixture(scope="module")
def described() -> Described:
    started = time.perf_counter()
    recognizer = SiftProductRecognizer()
    decoder = shop_decoder()
    cases = _cases()
    generated = time.perf_counter() - started
    clips = []
    decode = describe = 0.0
    for chunk in _chunks(cases):
        data = clip(
            [case.scene.pixels for case in chunk],
            seconds_each=KEYFRAME_SECONDS,
            fps=round(FRAMES_PER_SECOND),
        )
        tick = time.perf_counter()
        media = decoder.decode(data)
        decode += time.perf_counter() - tick
        tick = time.perf_counter()
        descriptors = recognizer.describe_video(media)
        describe += time.perf_counter() - tick
        clips.append((chunk, media.duration_seconds, descriptors))
    return Described(
        cases=cases,
        clips=clips,
        timings={"generate": generated, "decode": decode, "describe video": describe},
    )


def _measure(described: Described, listings: Sequence[int]) -> Measured:
    """Index ``listings`` (described from their photos) and recognise every clip."""
    started = time.perf_counter()
    recognizer = SiftProductRecognizer()
    for seed in listings:
        if seed in LISTINGS:
            photos = recognizer.describe_listing([listing_png(seed)])
        else:
            # The same bytes as from the PNG (the engine's tests check it), without the
            # codec's time; the corpus's per-process cache is bypassed for the many more.
            photos = recognizer.describe_listing_pixels([listing_image.__wrapped__(seed)])
        recognizer.index(f"listing-{seed}", photos)
    describe_listings = time.perf_counter() - started
    result = Measured(cases=described.cases, indexed=len(recognizer))
    tick = time.perf_counter()
    for chunk, duration, descriptors in described.clips:
        result.descriptor_bytes.append((duration, len(descriptors), len(chunk)))
        for candidate in recognizer.recognise(descriptors, limit=1000):
            number = int(candidate.listing_id.removeprefix("listing-"))
            for sighting in candidate.sightings:
                case = chunk[math.floor(sighting.at_seconds / KEYFRAME_SECONDS + 1e-6)]
                result.predictions.setdefault(case.number, {})[number] = sighting.box
    result.timings = {
        **described.timings,
        "describe listings": describe_listings,
        "recognise": time.perf_counter() - tick,
    }
    print("\n" + report(result))
    return result


@pytest.fixture(scope="module")
def measured(described: Described) -> Measured:
    return _measure(described, LISTINGS)


@pytest.fixture(scope="module")
def measured_larger(described: Described) -> Measured:
    return _measure(described, range(LARGER_CATALOGUE))


def report(result: Measured) -> str:
    seconds = sum(d for d, _, _ in result.descriptor_bytes)
    size = sum(b for _, b, _ in result.descriptor_bytes)
    keyframes = sum(n for _, _, n in result.descriptor_bytes)
    overlaps = sorted(result.overlaps())
    lines = [
        f"product recognition: {result.indexed} listings indexed, {len(result.cases)} frames "
        f"({WITH_PRODUCT} with a listed product at 0.2-0.5, {WITHOUT_PRODUCT} without)",
        f"precision {result.precision:.3f} ({result.right()} right, "
        f"{len(result.wrong())} wrong), recall {result.recall:.3f} "
        f"({result.right()} of {result.relevant})",
    ]
    for low, high in BANDS:
        found, total = result.recall_between(low, high)
        lines.append(f"  scale {low:.1f}-{high:.1f}: recall {found}/{total}")
    if result.wrong():
        lines.append(f"  wrong (frame, listing): {result.wrong()}")
    if overlaps:
        lines.append(
            f"box vs truth (IoU): median {overlaps[len(overlaps) // 2]:.2f}, "
            f"lowest {overlaps[0]:.2f}"
        )
    lines.append(
        f"descriptors: {size / keyframes:,.0f} bytes a keyframe, "
        f"{size / seconds * 60 / 1000:.1f} kB a minute of these clips"
    )
    lines.append("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items()))
    return "\n".join(lines)


def test_at_least_fifty_listings_and_a_hundred_frames(measured: Measured) -> None:
    assert measured.indexed >= 50
    assert len(measured.cases) >= 100
    assert sum(n for _, _, n in measured.descriptor_bytes) == len(measured.cases)


def test_precision_is_at_least_095(measured: Measured) -> None:
    assert measured.precision >= 0.95, report(measured)


def test_recall_is_at_least_08(measured: Measured) -> None:
    assert measured.recall >= 0.8, report(measured)


def test_boxes_show_where_the_product_is(measured: Measured) -> None:
    overlaps = sorted(measured.overlaps())
    assert overlaps[len(overlaps) // 2] >= 0.6, report(measured)
    assert sum(o >= 0.3 for o in overlaps) >= 0.9 * len(overlaps), report(measured)


def test_descriptors_stay_under_100_kb_a_minute(measured: Measured) -> None:
    seconds = sum(d for d, _, _ in measured.descriptor_bytes)
    size = sum(b for _, b, _ in measured.descriptor_bytes)
    assert size / seconds * 60 < 100_000, report(measured)


def test_a_larger_catalogue_keeps_precision_and_recall(
    measured: Measured, measured_larger: Measured
) -> None:
    assert measured_larger.indexed == LARGER_CATALOGUE
    assert measured_larger.precision >= 0.95, report(measured_larger)
    assert measured_larger.recall >= 0.8, report(measured_larger)
    # Recall holds: at most 4 of the 80 found with 60 listings are lost among the larger.
    assert measured_larger.recall >= measured.recall - 0.05, report(measured_larger)
