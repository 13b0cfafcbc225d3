"""Media the demo makes itself: melodies as WAV and product pictures as PNG.

Each piece is drawn from its own seed, so two titles or two tracks never sound alike, and a
fan's clip is cut from its title's reference the way a fan would cut it (an excerpt, quieter,
with room noise), so that matching finds it by its sound, not by any name.
"""

from __future__ import annotations

import io
import wave

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

RATE = 16_000
Samples = NDArray[np.float64]


def melody(seed: int, seconds: float) -> Samples:
    """Notes of random pitch and length over a drone, as a composer without taste would."""
    rng = np.random.default_rng(seed)
    total = int(seconds * RATE)
    sound = np.zeros(total)
    at = 0
    while at < total:
        length = int(RATE * rng.choice([0.15, 0.25, 0.4, 0.6]))
        pitch = 220.0 * 2 ** (rng.integers(-12, 19) / 12)
        time = np.arange(min(length, total - at)) / RATE
        envelope = np.minimum(1.0, 40 * time) * np.exp(-3 * time)
        note = envelope * (
            np.sin(2 * np.pi * pitch * time) + 0.4 * np.sin(4 * np.pi * pitch * time)
        )
        sound[at : at + len(note)] += note
        at += length
    drone = 0.15 * np.sin(2 * np.pi * (55 + seed % 30) * np.arange(total) / RATE)
    return sound + drone


def excerpt(sound: Samples, start: float, seconds: float, seed: int) -> Samples:
    """A fan's cut: a stretch of the sound, a little quieter, over room noise."""
    rng = np.random.default_rng(seed)
    cut = sound[int(start * RATE) : int((start + seconds) * RATE)]
    return 0.7 * cut + 0.05 * rng.standard_normal(len(cut))


def wav(sound: Samples) -> bytes:
    peak = float(np.max(np.abs(sound))) or 1.0
    pcm = (sound / peak * 0.9 * 32_767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def product_picture(seed: int, size: int = 320) -> bytes:
    """A product on a plain background: a few shapes in colours of its own."""
    rng = np.random.default_rng(seed)
    picture = Image.new("RGB", (size, size), (245, 245, 240))
    draw = ImageDraw.Draw(picture)
    for _ in range(6):
        x, y = (int(v) for v in rng.integers(20, size - 120, 2))
        w, h = (int(v) for v in rng.integers(40, 110, 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=colour, outline=(20, 20, 20), width=3)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
