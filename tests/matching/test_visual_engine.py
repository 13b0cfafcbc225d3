"""Visual evidence: re-uploads of a clip are found however they were re-encoded or reframed.

Videos are synthesised as frame sequences: seeded scenes of moving (some striped) shapes over
colour gradients and drifting noise blobs, cut every few seconds, rendered at 1280x720 and
reduced to 320 px on the long side the way the decoder does. Uploads are made from them with
Pillow: low-quality JPEG, scaling, cropping, mirroring, burned-in captions, vertical reframing.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from adapters.matching import visual
from adapters.matching.visual import (
    MATCH_THRESHOLD,
    MIRROR_MASK,
    VIEWS,
    IncompatibleFingerprint,
    PerceptualVisualEngine,
    content_box,
    decode,
    encode,
    frame_hashes,
)
from application.media import Candidate, DecodedMedia, Frame, TimeRange

WIDTH, HEIGHT = 1280, 720
STEP = 0.5  # the decoder samples two frames a second
DECODED_SIDE = 320
REFERENCE_SECONDS = 40.0
EXCERPT_SECONDS = 12.0


# --- synthetic footage ------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    shapes: int = 7
    speed: float = 0.12  # typical shape speed, in picture widths per second
    scene_seconds: tuple[float, float] = (3.0, 6.0)
    saturation: float = 1.0
    blobs: bool = True


@dataclass(frozen=True)
class Shape:
    kind: int  # 0 ellipse, 1 rectangle, 2 triangle
    x: float
    y: float
    vx: float
    vy: float
    radius: float
    colour: tuple[int, int, int]
    striped: bool


@dataclass(frozen=True)
class Scene:
    start: float
    end: float
    background: Image.Image
    blobs: Image.Image
    drift: tuple[float, float]
    shapes: tuple[Shape, ...]


class SyntheticVideo:
    """A seeded, continuous-time video: any instant can be rendered."""

    def __init__(self, seed: int, seconds: float, style: Style = Style()) -> None:
        rng = np.random.default_rng(seed)
        self.style = style
        self.scenes: list[Scene] = []
        start = 0.0
        while start < seconds:
            end = start + float(rng.uniform(*style.scene_seconds))
            corners = rng.uniform(0, 255, size=(3, 4, 3))
            grey = corners.mean(axis=2, keepdims=True)
            corners = grey + (corners - grey) * style.saturation
            background = Image.fromarray(corners.clip(0, 255).astype(np.uint8)).resize(
                (WIDTH, HEIGHT), Image.Resampling.BICUBIC
            )
            noise = (128 + 60 * rng.normal(0, 1, size=(18, 32))).clip(0, 255).astype(np.uint8)
            blobs = Image.fromarray(noise).resize((256, 144), Image.Resampling.BICUBIC)
            shapes = tuple(
                Shape(
                    kind=int(rng.integers(0, 3)),
                    x=float(rng.uniform(0, 1)),
                    y=float(rng.uniform(0, 1)),
                    vx=float(rng.normal(0, style.speed)),
                    vy=float(rng.normal(0, style.speed)),
                    radius=float(rng.uniform(0.06, 0.22)) * HEIGHT,
                    colour=(
                        int(rng.integers(0, 256)),
                        int(rng.integers(0, 256)),
                        int(rng.integers(0, 256)),
                    ),
                    striped=bool(rng.integers(0, 2)),
                )
                for _ in range(style.shapes)
            )
            drift = (float(rng.uniform(-0.035, 0.035)), float(rng.uniform(-0.035, 0.035)))
            self.scenes.append(Scene(start, end, background, blobs, drift, shapes))
            start = end

    def render(self, at: float) -> Image.Image:
        scene = next((s for s in self.scenes if s.start <= at < s.end), self.scenes[-1])
        local = at - scene.start
        picture = scene.background
        if self.style.blobs:
            width, height = scene.blobs.size
            x0 = (0.25 + scene.drift[0] * local) * width
            y0 = (0.25 + scene.drift[1] * local) * height
            field = scene.blobs.resize(
                (WIDTH, HEIGHT),
                Image.Resampling.BICUBIC,
                box=(x0, y0, x0 + width / 2, y0 + height / 2),
            )
            picture = Image.blend(picture, Image.merge("RGB", (field, field, field)), 0.35)
        else:
            picture = picture.copy()
        draw = ImageDraw.Draw(picture)
        for shape in scene.shapes:
            cx = ((shape.x + shape.vx * local) % 1.2 - 0.1) * WIDTH
            cy = ((shape.y + shape.vy * local) % 1.2 - 0.1) * HEIGHT
            r = shape.radius
            if shape.kind == 0:
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=shape.colour)
            elif shape.kind == 1:
                draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=shape.colour)
            else:
                draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=shape.colour)
            if shape.striped:
                inverse = (255 - shape.colour[0], 255 - shape.colour[1], 255 - shape.colour[2])
                for k in range(-3, 4):
                    y = cy + k * r / 4
                    draw.line((cx - 0.7 * r, y, cx + 0.7 * r, y), fill=inverse, width=int(r / 10))
        return picture


Transform = Callable[[Image.Image], Image.Image]


def decoded(pictures: Sequence[Image.Image], times: Sequence[float]) -> DecodedMedia:
    """What the decoder hands the engines: RGB frames, longer side at most 320 px."""
    frames = []
    for at, picture in zip(times, pictures, strict=True):
        width, height = picture.size
        scale = min(1.0, DECODED_SIDE / max(width, height))
        if scale < 1:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            picture = picture.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        frames.append(Frame(at_seconds=at, pixels=np.asarray(picture.convert("RGB"))))
    duration = (times[-1] + STEP) if times else 0.0
    return DecodedMedia(duration_seconds=duration, audio=None, frames=tuple(frames))


def footage(
    video: SyntheticVideo, start: float, seconds: float, transform: Transform | None = None
) -> DecodedMedia:
    """An upload of ``seconds`` of ``video`` from ``start``, sampled from its own first frame."""
    times = [k * STEP for k in range(round(seconds / STEP))]
    pictures = [video.render(start + t) for t in times]
    if transform is not None:
        pictures = [transform(p) for p in pictures]
    return decoded(pictures, times)


# --- what uploaders do to a clip --------------------------------------------------------


def reencoded(picture: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=8)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def scaled(picture: Image.Image) -> Image.Image:
    return picture.resize((WIDTH * 3 // 10, HEIGHT * 3 // 10), Image.Resampling.BILINEAR)


def squeezed(picture: Image.Image) -> Image.Image:
    return picture.resize((960, 720), Image.Resampling.BILINEAR)  # 16:9 shown as 4:3


def cropped(picture: Image.Image) -> Image.Image:
    dx, dy = WIDTH // 20, HEIGHT // 20  # 10% of each side: 5% off every edge
    return picture.crop((dx, dy, WIDTH - dx, HEIGHT - dy))


def cropped_more(picture: Image.Image) -> Image.Image:
    dx, dy = WIDTH // 10, HEIGHT // 10  # 10% off every edge: 80% of each side kept
    return picture.crop((dx, dy, WIDTH - dx, HEIGHT - dy))


def mirrored(picture: Image.Image) -> Image.Image:
    return picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


@cache
def _caption_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=56)


def caption(picture: Image.Image, top: int) -> Image.Image:
    """A burned-in caption box across the picture, 18% of its height."""
    picture = picture.copy()
    draw = ImageDraw.Draw(picture, "RGBA")
    draw.rectangle((0, top, WIDTH, top + round(0.18 * HEIGHT)), fill=(0, 0, 0, 190))
    draw.text((40, top + 8), "WAIT FOR IT... #spotlight", font=_caption_font(), fill="white")
    draw.text((40, top + 70), "best scene of the year", font=_caption_font(), fill="yellow")
    return picture


def captioned(picture: Image.Image) -> Image.Image:
    return caption(picture, top=HEIGHT - round(0.18 * HEIGHT) - 24)


def captioned_on_top(picture: Image.Image) -> Image.Image:
    return caption(picture, top=24)


def letterboxed_portrait(picture: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (720, 1280))
    content = picture.resize((720, 405), Image.Resampling.BILINEAR)
    canvas.paste(content, (0, (1280 - 405) // 2))
    return canvas


def portrait_cropped(picture: Image.Image) -> Image.Image:
    width = round(HEIGHT * 9 / 16)  # keeps the middle 32% of the width
    left = (WIDTH - width) // 2
    return picture.crop((left, 0, left + width, HEIGHT))


def excerpt(picture: Image.Image) -> Image.Image:
    return picture


TRANSFORMS: dict[str, tuple[Transform, float]] = {  # name: (transform, start in the reference)
    "trimmed-excerpt": (excerpt, 3.3),
    "low-bitrate-reencode": (reencoded, 7.3),
    "scaled-down": (scaled, 11.1),
    "squeezed-to-4:3": (squeezed, 5.2),
    "cropped-10%": (cropped, 14.6),
    "cropped-10%-per-edge": (cropped_more, 1.9),
    "mirrored": (mirrored, 9.7),
    "captioned": (captioned, 20.4),
    "captioned-on-top": (captioned_on_top, 12.6),
    "letterboxed-into-9:16": (letterboxed_portrait, 16.8),
    "centre-cropped-to-9:16": (portrait_cropped, 24.9),
}

UNRELATED: dict[str, tuple[int, Style, Transform]] = {
    "same-generator": (501, Style(), excerpt),
    "busy-and-grey": (502, Style(shapes=12, saturation=0.4), excerpt),
    "few-shapes-no-blobs": (503, Style(shapes=3, blobs=False), excerpt),
    "fast-cuts": (504, Style(speed=0.3, scene_seconds=(1.0, 2.0)), excerpt),
    "almost-still": (505, Style(shapes=5, speed=0.01), excerpt),
    "mirrored-portrait": (506, Style(), lambda p: portrait_cropped(mirrored(p))),
}

TRUE_SEED = 101
DECOYS = {"decoy-a": (202, Style()), "decoy-b": (303, Style(shapes=4, saturation=0.6))}


@cache
def reference_video() -> SyntheticVideo:
    return SyntheticVideo(TRUE_SEED, REFERENCE_SECONDS)


@cache
def reference_fingerprint() -> bytes:
    return PerceptualVisualEngine().fingerprint(footage(reference_video(), 0.0, REFERENCE_SECONDS))


@cache
def decoy_fingerprint(name: str) -> bytes:
    seed, style = DECOYS[name]
    video = SyntheticVideo(seed, REFERENCE_SECONDS, style)
    return PerceptualVisualEngine().fingerprint(footage(video, 0.0, REFERENCE_SECONDS))


@cache
def upload(name: str) -> bytes:
    transform, start = TRANSFORMS[name]
    media = footage(reference_video(), start, EXCERPT_SECONDS, transform)
    return PerceptualVisualEngine().fingerprint(media)


@cache
def unrelated_upload(name: str) -> bytes:
    seed, style, transform = UNRELATED[name]
    video = SyntheticVideo(seed, EXCERPT_SECONDS + 1, style)
    return PerceptualVisualEngine().fingerprint(footage(video, 0.0, EXCERPT_SECONDS, transform))


def catalogue(**options: int) -> PerceptualVisualEngine:
    engine = PerceptualVisualEngine(**options)
    engine.index("clip", reference_fingerprint())
    for name in DECOYS:
        engine.index(name, decoy_fingerprint(name))
    return engine


@pytest.fixture(scope="module")
def engine() -> PerceptualVisualEngine:
    return catalogue()


def above_threshold(candidates: Sequence[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c.score >= MATCH_THRESHOLD]


# --- finding re-uploads -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_a_transformed_upload_finds_its_reference_at_the_right_offset(
    engine: PerceptualVisualEngine, name: str
) -> None:
    _, start = TRANSFORMS[name]

    candidates = engine.query(upload(name))

    [best] = above_threshold(candidates)
    assert best.reference_id == "clip"
    assert best.reference_start - best.query_start == pytest.approx(start, abs=0.5)
    assert best.matched_seconds >= 0.6 * EXCERPT_SECONDS
    frames = best.evidence["frames"]
    assert isinstance(frames, list)
    assert len(frames) >= engine.min_frames


def test_the_evidence_says_which_view_matched(engine: PerceptualVisualEngine) -> None:
    assert engine.query(upload("low-bitrate-reencode"))[0].evidence["view"] == "direct"
    assert engine.query(upload("mirrored"))[0].evidence["view"] == "mirrored"
    portrait = engine.query(upload("centre-cropped-to-9:16"))[0]
    assert portrait.evidence["view"] == "portrait-crop"
    query_t, ref_t, hamming, view = portrait.evidence["frames"][0]  # type: ignore[index]
    assert ref_t - query_t == pytest.approx(TRANSFORMS["centre-cropped-to-9:16"][1], abs=0.5)
    assert 0 <= hamming <= engine.max_hamming
    assert "portrait-crop" in view


REVIEW_SCORE = 0.2  # where the default MatchPolicy starts asking a reviewer about visual evidence


@pytest.mark.parametrize("name", list(UNRELATED))
def test_unrelated_footage_finds_nothing(engine: PerceptualVisualEngine, name: str) -> None:
    candidates = engine.query(unrelated_upload(name))

    assert above_threshold(candidates) == []
    assert all(c.score < REVIEW_SCORE for c in candidates)


def test_a_short_excerpt_still_matches(engine: PerceptualVisualEngine) -> None:
    media = footage(reference_video(), 30.2, 4.0, reencoded)

    [best] = above_threshold(engine.query(engine.fingerprint(media)))

    assert best.reference_id == "clip"
    assert best.reference_start - best.query_start == pytest.approx(30.2, abs=0.5)


# --- exclusions, forgetting, size -------------------------------------------------------


def test_excluded_time_never_matches() -> None:
    engine = PerceptualVisualEngine()
    engine.index("clip", reference_fingerprint(), excluded=[TimeRange(2.0, 38.0)])

    assert engine.query(upload("low-bitrate-reencode")) == []
    assert engine.query(upload("centre-cropped-to-9:16")) == []
    assert len(engine) == 1


def test_only_the_footage_outside_an_exclusion_matches() -> None:
    engine = PerceptualVisualEngine()
    engine.index("clip", reference_fingerprint(), excluded=[TimeRange(11.0, 40.0)])

    [best] = engine.query(upload("low-bitrate-reencode"))  # reference 7.3 s to 19.3 s

    assert best.reference_start == pytest.approx(7.3, abs=0.5)
    frames = best.evidence["frames"]
    assert isinstance(frames, list)
    assert all(ref_t < 11.0 for _, ref_t, _, _ in frames)


def test_forgetting_a_reference_removes_it() -> None:
    engine = catalogue()
    assert len(engine) == 3

    engine.forget("clip")
    engine.forget("never-indexed")

    assert len(engine) == 2
    assert above_threshold(engine.query(upload("mirrored"))) == []


def test_indexing_again_replaces_the_reference() -> None:
    engine = catalogue()

    engine.index("clip", reference_fingerprint(), excluded=[TimeRange(0.0, 40.0)])

    assert len(engine) == 3
    assert engine.query(upload("mirrored")) == []


def random_fingerprint(rng: np.random.Generator, frames: int) -> bytes:
    """A reference with arbitrary (uniformly random) frame hashes: cheap catalogue filler."""
    rows = []
    for _ in range(frames):
        hashes = rng.integers(0, 2**63, size=len(VIEWS), dtype=np.uint64)
        rows.append((hashes, np.ones(len(VIEWS), dtype=np.bool_)))
    return encode(frames * STEP, [round(k * STEP * 1000) for k in range(frames)], rows)


def test_queries_verify_only_references_sharing_a_band(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = catalogue(flush_entries=512)
    rng = np.random.default_rng(7)
    for k in range(400):
        engine.index(f"filler-{k}", random_fingerprint(rng, 40))
    verified: list[str] = []
    close_pairs = visual._close_pairs

    def counting(
        probe: visual.VisualFingerprint, reference: visual._Reference, limit: int
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.int64], NDArray[np.intp]] | None:
        verified.append(reference.reference_id)
        return close_pairs(probe, reference, limit)

    monkeypatch.setattr(visual, "_close_pairs", counting)

    [best] = above_threshold(engine.query(upload("captioned")))

    assert best.reference_id == "clip"
    assert len(engine) == 403
    assert "clip" in verified
    assert len(verified) <= 3


def test_the_index_survives_merges_and_compaction() -> None:
    engine = PerceptualVisualEngine(flush_entries=256)
    rng = np.random.default_rng(11)
    for k in range(60):
        engine.index(f"filler-{k}", random_fingerprint(rng, 20))
        if k == 30:
            engine.index("clip", reference_fingerprint())
    for k in range(0, 60, 2):
        engine.forget(f"filler-{k}")
    engine.index("decoy-a", decoy_fingerprint("decoy-a"))

    [best] = above_threshold(engine.query(upload("scaled-down")))

    assert best.reference_id == "clip"
    assert len(engine) == 32


# --- frames, hashes and fingerprint bytes -----------------------------------------------


def test_black_bars_are_stripped_before_hashing() -> None:
    picture = np.asarray(reference_video().render(12.0).resize((320, 180)))
    portrait = np.zeros((320, 180, 3), dtype=np.uint8)
    content = np.asarray(Image.fromarray(picture).resize((180, 101)))
    portrait[109:210] = content
    pillarboxed = np.zeros((180, 320, 3), dtype=np.uint8)
    pillarboxed[:, 60:260] = np.asarray(Image.fromarray(picture).resize((200, 180)))

    assert content_box(np.asarray(Image.fromarray(portrait).convert("L"))) == (0, 109, 180, 210)
    assert content_box(np.asarray(Image.fromarray(pillarboxed).convert("L"))) == (60, 0, 260, 180)
    letterboxed, _ = hashes_of(portrait)
    direct, _ = hashes_of(picture)
    assert hamming(letterboxed[0], direct[0]) <= 8


def hashes_of(pixels: NDArray[np.uint8]) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    hashed = frame_hashes(pixels)
    assert hashed is not None
    return hashed


def hamming(a: np.uint64, b: np.uint64) -> int:
    return int(a ^ b).bit_count()


def test_a_mirrored_frame_hashes_to_the_original_xor_the_mirror_mask() -> None:
    picture = np.asarray(reference_video().render(21.0).resize((320, 180)))

    original, _ = hashes_of(picture)
    flipped, present = hashes_of(np.ascontiguousarray(picture[:, ::-1]))

    for view in np.flatnonzero(present):
        assert hamming(flipped[view] ^ np.uint64(MIRROR_MASK), original[view]) <= 2


def test_low_information_frames_are_skipped() -> None:
    black = np.zeros((180, 320, 3), dtype=np.uint8)
    grey = np.full((180, 320, 3), 128, dtype=np.uint8)
    noisy_flat = (grey + np.random.default_rng(3).integers(0, 3, grey.shape)).astype(np.uint8)
    picture = np.asarray(reference_video().render(1.0).resize((320, 180)))
    media = DecodedMedia(
        duration_seconds=2.0,
        audio=None,
        frames=tuple(
            Frame(at_seconds=k * STEP, pixels=p)
            for k, p in enumerate([black, grey, noisy_flat, picture])
        ),
    )

    fingerprint = decode(PerceptualVisualEngine().fingerprint(media))

    assert frame_hashes(black) is None
    assert frame_hashes(grey) is None
    assert frame_hashes(noisy_flat) is None
    assert fingerprint.times.tolist() == [1.5]


def test_a_video_without_usable_frames_matches_nothing(engine: PerceptualVisualEngine) -> None:
    empty = DecodedMedia(duration_seconds=3.0, audio=None, frames=())

    fingerprint = engine.fingerprint(empty)

    assert fingerprint == b""
    assert engine.query(fingerprint) == []


def test_fingerprints_are_deterministic_compact_and_round_trip() -> None:
    media = footage(reference_video(), 0.0, 10.0)
    engine = PerceptualVisualEngine()

    first = engine.fingerprint(media)
    second = PerceptualVisualEngine().fingerprint(media)
    fingerprint = decode(first)

    assert first == second
    assert first[:4] == b"SPVH"
    assert len(fingerprint) == 20
    assert len(first) <= 20 + len(fingerprint) * (4 + 1 + 8 * len(VIEWS))
    assert fingerprint.times.tolist() == [k * STEP for k in range(20)]
    assert fingerprint.duration_seconds == 10.0
    rows = list(zip(fingerprint.hashes, fingerprint.present, strict=True))
    times_ms = [round(t * 1000) for t in fingerprint.times]
    assert encode(fingerprint.duration_seconds, times_ms, rows) == first


@pytest.mark.parametrize(
    "corrupt",
    [
        b"",
        b"XXXX" + bytes(16),
        b"SPVH\x01\x06\x00\x00" + (5).to_bytes(4, "little") + bytes(4),  # frames missing
        b"SPVH\x01\x06\x00\x00" + (1).to_bytes(4, "little") + bytes(8) + b"\x01",  # no hash
    ],
)
def test_corrupt_fingerprints_are_refused(corrupt: bytes) -> None:
    with pytest.raises(IncompatibleFingerprint, match="fingerprint"):
        decode(corrupt)


def test_hashing_is_cheap() -> None:
    pictures = [reference_video().render(k * STEP).resize((320, 180)) for k in range(20)]
    media = decoded(pictures * 6, [k * STEP for k in range(120)])  # one minute at 2 frames/s
    engine = PerceptualVisualEngine()
    engine.fingerprint(media)

    started = time.process_time()
    engine.fingerprint(media)
    elapsed = time.process_time() - started

    assert elapsed < 1.0  # typically under 0.1 s
