"""Decoded media made directly with numpy, for catalogues too large to encode and decode.

``synthetic_media(seed)`` is what the decoder would hand the engines for a short music
video: mono audio at the audio engine's own rate (a melody over chords, kick drums and
hi-hats; key, scale, tempo and timbre from the seed) and 320x180 RGB frames at 2 fps
(textured gradients with drifting shapes, a new scene every 2.5 to 5 s). No codec is
involved, so 20 s of it take about 20 ms to make; its fingerprints are real ones, computed
by the engines from these samples and pixels.

``derived_fingerprints`` stretches a pool of such real fingerprints to a larger catalogue
without making more media; what it does to the fingerprints is spelt out in its docstring,
and the benchmark prints it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from adapters.matching import audio as landmark
from adapters.matching import visual as perceptual
from application.media import AudioTrack, DecodedMedia, Frame

RATE: Final = landmark.RATE  # what the decoder would resample to for the audio engine
FRAME_RATE: Final = 2.0  # the decoder's default sampling of pictures
WIDTH: Final = 320
HEIGHT: Final = 180
TABLE: Final = 4096  # wavetable length (a power of two)

Floats = NDArray[np.float32]
Pixels = NDArray[np.uint8]

_SCALES: Final = (
    (0, 2, 4, 5, 7, 9, 11),
    (0, 2, 3, 5, 7, 8, 10),
    (0, 2, 3, 5, 7, 9, 10),
    (0, 2, 4, 7, 9),
    (0, 1, 3, 5, 7, 8, 10),
)


def synthetic_media(seed: int, seconds: float = 20.0) -> DecodedMedia:
    """A deterministic clip, unlike any other seed's and unlike the test corpus's clips."""
    audio = _soundtrack(np.random.default_rng([seed, 0x5EED, 1]), seconds)
    frames = _pictures(np.random.default_rng([seed, 0x5EED, 2]), seconds)
    return DecodedMedia(
        duration_seconds=seconds,
        audio=AudioTrack(samples=audio, sample_rate=RATE),
        frames=frames,
    )


# --------------------------------------------------------------------------------------
# Sound


def _hz(midi: float) -> float:
    return float(440.0 * 2 ** ((midi - 69) / 12))


def _wavetable(harmonics: NDArray[np.float64]) -> Floats:
    phase = np.arange(TABLE) / TABLE
    wave = sum(
        amplitude * np.sin(2 * np.pi * (k + 1) * phase) for k, amplitude in enumerate(harmonics)
    )
    return np.asarray(wave, dtype=np.float32)


def _note(table: Floats, frequency: float, length: int, decay: float) -> Floats:
    """One note read from a wavetable, with a 10 ms attack and an exponential decay."""
    steps = np.arange(length, dtype=np.float32)
    index = (steps * np.float32(frequency * TABLE / RATE)).astype(np.int64) & (TABLE - 1)
    envelope = np.exp(steps * np.float32(-decay / RATE)) * np.minimum(
        np.float32(1.0), steps / np.float32(0.01 * RATE)
    )
    return np.asarray(table[index] * envelope, dtype=np.float32)


def _add(track: Floats, start: int, sound: Floats) -> None:
    end = min(len(track), start + len(sound))
    if end > start:
        track[start:end] += sound[: end - start]


def _soundtrack(rng: np.random.Generator, seconds: float) -> Floats:
    n = round(seconds * RATE)
    track = np.zeros(n, np.float32)
    root = int(rng.integers(45, 60))
    scale = _SCALES[int(rng.integers(len(_SCALES)))]
    beat = 60.0 / float(rng.uniform(80, 150))
    harmonics = rng.uniform(0, 1, int(rng.integers(3, 7))) ** 2
    harmonics[0] = 1.0
    lead = _wavetable(harmonics)
    pad = _wavetable(np.array([1.0, 0.45, 0.2]))

    def pitch(degree: int) -> int:
        octave, step = divmod(degree, len(scale))
        return root + 12 * octave + scale[step]

    bar = round(4 * beat * RATE)
    for start in range(0, n, bar):  # a triad a bar
        degree = int(rng.integers(len(scale)))
        for offset in (0, 2, 4):
            _add(track, start, 0.2 * _note(pad, _hz(pitch(degree + offset)), bar, 0.8))
    t, degree = 0.0, int(rng.integers(len(scale), 2 * len(scale)))
    while t < seconds:  # the melody: a walk over the scale an octave up, with rests
        length = beat * float(rng.choice([0.25, 0.5, 0.5, 1.0, 1.0, 1.5]))
        if rng.random() > 0.12:
            degree = int(np.clip(degree + rng.integers(-3, 4), len(scale), 3 * len(scale)))
            note = _note(lead, _hz(pitch(degree)), round(length * RATE), rng.uniform(1, 4))
            _add(track, round(t * RATE), 0.35 * note)
        t += length
    steps = np.arange(round(0.25 * RATE), dtype=np.float32) / RATE
    kick = np.sin(2 * np.pi * (45 * steps + 7.5 * (1 - np.exp(-12 * steps)))) * np.exp(-14 * steps)
    hat = np.diff(rng.normal(0, 1, round(0.05 * RATE) + 1)) * np.exp(-np.arange(551) / 400)
    pattern = rng.random((2, 8)) < np.array([[0.45], [0.6]])
    pattern[0, 0] = True
    half_beat = beat / 2
    for index in range(int(seconds / half_beat) + 1):
        start = round(index * half_beat * RATE)
        if pattern[0, index % 8]:
            _add(track, start, (0.6 * kick).astype(np.float32))
        if pattern[1, index % 8]:
            _add(track, start, (0.08 * hat).astype(np.float32))
    peak = float(np.max(np.abs(track))) or 1.0
    return np.asarray(track * (0.8 / peak), dtype=np.float32)


# --------------------------------------------------------------------------------------
# Pictures


def _pictures(rng: np.random.Generator, seconds: float) -> tuple[Frame, ...]:
    count = max(1, int(seconds * FRAME_RATE))
    frames: list[Frame] = []
    index = 0
    while index < count:
        length = min(count - index, round(float(rng.uniform(2.5, 5.0)) * FRAME_RATE))
        background = _background(rng)
        drift = rng.uniform(-40, 40, 2)
        sprites = [_Sprite(rng) for _ in range(int(rng.integers(3, 7)))]
        for offset in range(length):
            t = offset / FRAME_RATE
            canvas = np.roll(background, (int(drift[1] * t), int(drift[0] * t)), axis=(0, 1))
            for sprite in sprites:
                sprite.draw(canvas, t)
            frames.append(Frame(at_seconds=(index + offset) / FRAME_RATE, pixels=canvas))
        index += length
    return tuple(frames)


_SMALL: Final = (HEIGHT // 4, WIDTH // 4)
_RAMP_Y, _RAMP_X = (grid.astype(np.float32) for grid in np.mgrid[0 : _SMALL[0], 0 : _SMALL[1]])


def _background(rng: np.random.Generator) -> Pixels:
    """A two-colour gradient in a random direction under a blotchy texture, drawn at a
    quarter of the size and scaled up."""
    a, b = rng.integers(0, 256, (2, 3)).astype(np.float32)
    angle = float(rng.uniform(0, 2 * np.pi))
    ramp = np.cos(angle) * _RAMP_X / _SMALL[1] + np.sin(angle) * _RAMP_Y / _SMALL[0]
    ramp = np.clip((ramp + 1) / 2, 0, 1)[..., None]
    cell = int(rng.integers(4, 16))
    coarse = rng.integers(0, 256, (_SMALL[0] // cell + 2, _SMALL[1] // cell + 2, 3), np.uint8)
    texture = np.asarray(
        Image.fromarray(coarse).resize((_SMALL[1], _SMALL[0]), Image.Resampling.BILINEAR),
        dtype=np.float32,
    )
    small = np.clip((a * (1 - ramp) + b * ramp) * 0.6 + texture * 0.4, 0, 255).astype(np.uint8)
    large = Image.fromarray(small).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    return np.asarray(large, dtype=np.uint8)


class _Sprite:
    """A shaded disc or a striped box, drawn once, that drifts and bounces off the edges."""

    def __init__(self, rng: np.random.Generator) -> None:
        radius = int(rng.uniform(0.06, 0.2) * HEIGHT)
        self.x = float(rng.uniform(0.1, 0.9) * WIDTH)
        self.y = float(rng.uniform(0.1, 0.9) * HEIGHT)
        speed = float(rng.uniform(0.1, 0.5) * HEIGHT)
        angle = float(rng.uniform(0, 2 * np.pi))
        self.vx, self.vy = speed * np.cos(angle), speed * np.sin(angle)
        colour = rng.integers(0, 256, 3).astype(np.float32)
        d = np.arange(-radius, radius + 1, dtype=np.float32)
        dy, dx = d[:, None], d[None, :]
        if rng.random() < 0.4:
            self.mask = (np.abs(dx) < radius * 0.8) & (np.abs(dy) < radius * 0.55)
            stripes = float(rng.uniform(2, 8))
            shade = 0.75 + 0.25 * np.sign(np.sin((dx + 0 * dy) * stripes / radius * np.pi))
        else:
            distance = np.sqrt(dx * dx + dy * dy)
            self.mask = distance < radius
            shade = 1.0 - 0.5 * distance / radius
        self.rgb = np.clip(colour * shade[..., None], 0, 255).astype(np.uint8)
        self.radius = radius

    def draw(self, canvas: Pixels, t: float) -> None:
        x = int(_fold(self.x + self.vx * t, WIDTH)) - self.radius
        y = int(_fold(self.y + self.vy * t, HEIGHT)) - self.radius
        size = 2 * self.radius + 1
        left, top = max(0, x), max(0, y)
        right, bottom = min(WIDTH, x + size), min(HEIGHT, y + size)
        if left >= right or top >= bottom:
            return
        window = (slice(top - y, bottom - y), slice(left - x, right - x))
        region = canvas[top:bottom, left:right]
        np.copyto(region, self.rgb[window], where=self.mask[window][..., None])


def _fold(position: float, extent: int) -> float:
    period = 2 * extent
    p = position % period
    return p if p < extent else period - p


# --------------------------------------------------------------------------------------
# Stretching a pool of real fingerprints


def transposed_audio(fingerprint: bytes, semitones: int) -> bytes:
    """The landmark fingerprint of the same sound transposed by ``semitones`` (times kept,
    every peak's frequency scaled by 2^(semitones/12); peaks pushed out of the 150 Hz to
    5 kHz band the engine listens to are dropped)."""
    peaks = landmark.decode(fingerprint)
    freqs = peaks.freqs * 2 ** (semitones / 12)
    keep = (freqs >= landmark.BIN_LOW) & (freqs < landmark.BIN_HIGH)
    return landmark.encode(
        landmark.Peaks(peaks.times[keep], freqs[keep], peaks.ranks[keep], peaks.duration)
    )


def masked_visual(fingerprint: bytes, mask: int) -> bytes:
    """The visual fingerprint with every view hash of every frame XORed with ``mask``:
    frame times, views and the Hamming distances between the clip's own hashes are kept,
    the hash values themselves are new."""
    decoded = perceptual.decode(fingerprint)
    hashes = decoded.hashes ^ np.uint64(mask)
    rows = [(hashes[i], decoded.present[i]) for i in range(len(decoded))]
    times = [round(float(t) * 1000) for t in decoded.times]
    return perceptual.encode(decoded.duration_seconds, times, rows)


SEMITONES: Final = (1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6)


def derived_fingerprints(
    pool: list[dict[str, bytes]], count: int, seed: int = 7
) -> list[dict[str, bytes]]:
    """``count`` fingerprint pairs made from ``pool`` (real fingerprints of distinct clips):
    variant k of pool clip i has its audio transposed by SEMITONES[k] and its visual hashes
    XORed with a random 64-bit mask of its own, so every variant is a fingerprint pair of
    its own, unequal to any other and to its source."""
    rng = np.random.default_rng(seed)
    derived: list[dict[str, bytes]] = []
    for number in range(count):
        variant, source = divmod(number, len(pool))
        if variant >= len(SEMITONES):
            raise ValueError(f"a pool of {len(pool)} stretches to {len(pool) * 12} at most")
        original = pool[source]
        mask = int(rng.integers(1, 2**63)) | (int(rng.integers(0, 2)) << 63)
        derived.append(
            {
                "audio": transposed_audio(original["audio"], SEMITONES[variant]),
                "visual": masked_visual(original["visual"], mask),
            }
        )
    return derived
