"""A title's footage in a part of the frame, or filmed off a screen: the generated corpus of
the visual region matching (``adapters.matching.regions``).

``LAYOUTS`` maps a name to a function ``bytes -> bytes`` that takes 12 s from the middle of a
clip and puts them somewhere in a creator's own picture, the way duets, reactions and phone
recordings of a screen do. Each layout comes at several strengths (how much of the frame
the footage fills, how steep the perspective, how strong the blur or filter). The creator's
picture is a room (smooth texture and gradient) with a swaying silhouette in front; the
sound is the creator talking (``corpus.speech_like``), so only pictures can tell the title.

Clips are 960x540 at 12 fps (the decoder samples 2 frames a second at 320 px and 1 at 640 px
for the visual engine: more frames would only cost encoding time; at 640x360 the encoder
already wipes out the fine texture of footage at a third of the frame) and are deterministic:
positions, colours and the creator come from a CRC of the source and the layout's name.
Results are cached per process.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator
from typing import Final

import cv2
import numpy as np

from tests.media.corpus import (
    AUDIO_RATE,
    Pixels,
    Transform,
    _encode,
    _frames,
    _reformat,
    _smooth_noise,
    speech_like,
)

WIDTH: Final = 960
HEIGHT: Final = 540
FPS: Final = 12
START_SECONDS: Final = 4.0
SECONDS: Final = 12.0

# (picture of the title, picture of the room, frame number, random generator) -> picture
Compose = Callable[[Pixels, Pixels, int, np.random.Generator], Pixels]


def _title_pictures(data: bytes) -> Iterator[Pixels]:
    """The clip's pictures from ``START_SECONDS`` for ``SECONDS``, at 960x540 and 12 fps."""
    step = 1.0 / FPS
    next_at = START_SECONDS
    for frame in _frames(data):
        at = frame.time or 0.0
        if at + 1e-6 < next_at:
            continue
        if at >= START_SECONDS + SECONDS:
            return
        next_at += step
        picture = _reformat(frame, WIDTH, HEIGHT, "rgb24").to_ndarray()
        yield np.asarray(picture, dtype=np.uint8)


def _room(rng: np.random.Generator) -> Pixels:
    texture = _smooth_noise(rng, HEIGHT, WIDTH, cell=int(rng.integers(60, 140)))
    a, b = rng.integers(40, 220, (2, 3)).astype(np.float32)
    ramp = np.linspace(0, 1, HEIGHT, dtype=np.float32)[:, None, None]
    room = (a * (1 - ramp) + b * ramp) * 0.7 + texture * 255 * 0.3
    return np.asarray(np.clip(room, 0, 255), dtype=np.uint8)


def _creator_mask(
    rng: np.random.Generator, frame: int, share: float, centre: float = 0.5
) -> np.ndarray:
    """A person from the waist up (head and shoulders), about ``share`` of the frame."""
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    sway = int(8 * np.sin(frame / FPS * 1.3))
    scale = (share / 0.3) ** 0.5 * WIDTH / 960
    cx = int(WIDTH * centre) + sway
    body_w, body_h = int(220 * scale), int(260 * scale)
    head = int(75 * scale)
    cv2.ellipse(mask, (cx, HEIGHT), (body_w, body_h), 0, 180, 360, 255, -1)
    cv2.circle(mask, (cx, HEIGHT - body_h - head // 2), head, 255, -1)
    return mask > 0


def _paste(canvas: Pixels, picture: Pixels, area: float, x: float, y: float) -> Pixels:
    """``picture`` scaled to ``area`` of the canvas, its top left at (x, y) of the room left."""
    side = area**0.5
    w, h = int(WIDTH * side), int(HEIGHT * side)
    small = cv2.resize(picture, (w, h), interpolation=cv2.INTER_AREA)
    left, top = int((WIDTH - w) * x), int((HEIGHT - h) * y)
    out = canvas.copy()
    out[top : top + h, left : left + w] = small
    return out


def _inset(area: float) -> Compose:
    def compose(title: Pixels, room: Pixels, frame: int, rng: np.random.Generator) -> Pixels:
        x, y = _place(rng, area)
        return _paste(room, title, area, x, y)

    return compose


def _place(rng: np.random.Generator, area: float) -> tuple[float, float]:
    """A position for the whole clip: the generator is re-seeded per clip, read first."""
    state = rng.bit_generator.state
    x, y = float(rng.uniform(0, 1)), float(rng.uniform(0, 1))
    rng.bit_generator.state = state
    return x, y


def _green_screen(creator_share: float) -> Compose:
    def compose(title: Pixels, room: Pixels, frame: int, rng: np.random.Generator) -> Pixels:
        out = title.copy()
        mask = _creator_mask(rng, frame, creator_share)
        out[mask] = (room[mask] * 0.4 + np.array([200, 150, 120]) * 0.6).astype(np.uint8)
        return out

    return compose


def _creator_inset(title: Pixels, room: Pixels, frame: int, rng: np.random.Generator) -> Pixels:
    """The title across the frame, the creator's camera in a corner (a third of the frame)."""
    creator = room.copy()
    mask = _creator_mask(rng, frame, 0.3)
    creator[mask] = np.array([200, 150, 120], np.uint8)
    return _paste(title, creator, 0.3, 1.0, 1.0)


def _split(horizontal: bool) -> Compose:
    def compose(title: Pixels, room: Pixels, frame: int, rng: np.random.Generator) -> Pixels:
        out = room.copy()
        creator = _creator_mask(rng, frame, 0.3)
        out[creator] = np.array([200, 150, 120], np.uint8)
        if horizontal:  # side by side: the middle half of the title's width on the left
            out[:, : WIDTH // 2] = title[:, WIDTH // 4 : WIDTH // 4 + WIDTH // 2]
        else:  # one above the other: the title's middle half-height band on top
            out[: HEIGHT // 2] = title[HEIGHT // 4 : HEIGHT // 4 + HEIGHT // 2]
        return out

    return compose


def _screen_quad(degrees: float, area: float) -> np.ndarray:
    """Corners of a screen of ``area`` of the frame turned ``degrees`` about its vertical
    axis, seen from a phone in front of it (a pinhole camera)."""
    side = area**0.5
    w, h = WIDTH * side, HEIGHT * side
    theta = np.radians(degrees)
    focal = WIDTH * 1.2
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, z = sx * w / 2 * np.cos(theta), focal + sx * w / 2 * np.sin(theta)
        y = sy * h / 2
        corners.append((WIDTH / 2 + x * focal / z, HEIGHT / 2 + y * focal / z))
    return np.array(corners, np.float32)


def _filmed(
    degrees: float = 0.0,
    turn: float = 0.0,
    blur: float = 0.0,
    tint: Callable[[Pixels], Pixels] | None = None,
    area: float = 0.55,
) -> Compose:
    """The title on a screen filmed by a phone: turned about the vertical axis by
    ``degrees``, the phone rolled by ``turn`` degrees, out of focus by ``blur`` (sigma in
    pixels), and through a colour filter."""

    def compose(title: Pixels, room: Pixels, frame: int, rng: np.random.Generator) -> Pixels:
        picture = tint(title) if tint else title
        source = np.array([(0, 0), (WIDTH, 0), (WIDTH, HEIGHT), (0, HEIGHT)], np.float32)
        target = _screen_quad(degrees, area)
        if turn:
            roll = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), turn, 1.0)
            target = cv2.transform(target[None], roll)[0].astype(np.float32)
        warp = cv2.getPerspectiveTransform(source, target)
        out = cv2.warpPerspective(
            picture, warp, (WIDTH, HEIGHT), borderMode=cv2.BORDER_TRANSPARENT, dst=room.copy()
        )
        if blur:
            out = cv2.GaussianBlur(out, (0, 0), blur)
        return np.asarray(out, np.uint8)

    return compose


def _sepia(picture: Pixels) -> Pixels:
    kernel = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    return np.asarray(np.clip(picture.astype(np.float32) @ kernel.T, 0, 255), dtype=np.uint8)


def _warm(picture: Pixels) -> Pixels:
    """A mild filter: warmer (red up, blue down), faded blacks."""
    tinted = picture.astype(np.float32) * np.array([1.15, 1.0, 0.8]) * 0.85 + 30
    return np.asarray(np.clip(tinted, 0, 255), dtype=np.uint8)


def _hue_shift(picture: Pixels) -> Pixels:
    """A strong filter: hues turned by 90 degrees, saturation and contrast up."""
    hsv = cv2.cvtColor(picture, cv2.COLOR_RGB2HSV).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + 45) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * 1.6, 0, 255)
    shifted = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    return np.asarray(np.clip((shifted - 128) * 1.3 + 128, 0, 255), dtype=np.uint8)


_COMPOSE: Final[dict[str, Compose]] = {
    "inset_25": _inset(0.25),
    "inset_40": _inset(0.40),
    "inset_60": _inset(0.60),
    "green_screen_25": _green_screen(0.25),
    "green_screen_45": _green_screen(0.45),
    "picture_in_picture": _inset(0.30),
    "creator_inset": _creator_inset,
    "split_left_right": _split(horizontal=True),
    "split_top_bottom": _split(horizontal=False),
    "perspective_10": _filmed(degrees=10),
    "perspective_20": _filmed(degrees=20),
    "perspective_30": _filmed(degrees=30),
    "rotated_5": _filmed(turn=5),
    "rotated_10": _filmed(degrees=10, turn=10),
    "blurred_1_5": _filmed(blur=1.5),
    "blurred_3": _filmed(blur=3.0),
    "warm_filter": _filmed(tint=_warm),
    "sepia": _filmed(tint=_sepia),
    "hue_shifted": _filmed(tint=_hue_shift, degrees=15),
}


@functools.lru_cache(maxsize=64)
def laid_out(data: bytes, layout: str) -> bytes:
    """``data``'s middle 12 s laid out as ``layout`` says, over a creator talking."""
    compose = _COMPOSE[layout]
    seed = zlib.crc32(data) ^ zlib.crc32(layout.encode())
    rng = np.random.default_rng(seed)
    room = _room(rng)
    voice = speech_like(np.random.default_rng(seed + 1), SECONDS, AUDIO_RATE)
    pictures = (
        compose(title, room, number, rng) for number, title in enumerate(_title_pictures(data))
    )
    audio = np.stack([voice, voice]).astype(np.float32) * 0.3
    return _encode(pictures, audio, fps=FPS, size=(WIDTH, HEIGHT))


def _layout(name: str) -> Transform:
    def transform(data: bytes) -> bytes:
        return laid_out(data, name)

    transform.__name__ = name
    return transform


LAYOUTS: Final[dict[str, Transform]] = {name: _layout(name) for name in _COMPOSE}
