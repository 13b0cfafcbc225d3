"""Hostile uploads: small files that decode to huge pictures or long sounds, and good files
damaged on the way (cut short, bits flipped). Generated with Pillow and PyAV, deterministic,
cached per process; used by the bad-input tests and by ``python -m bench hostile``."""

from __future__ import annotations

import functools
import io
from fractions import Fraction
from typing import Final

import av
import numpy as np
from PIL import Image

OPUS_RATE: Final = 48_000


@functools.lru_cache(maxsize=8)
def huge_png(width: int = 6_000, height: int = 6_000) -> bytes:
    """A blank 1-bit PNG: a few kB that decode to ``width`` x ``height`` pixels."""
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "PNG", optimize=True)
    return out.getvalue()


@functools.lru_cache(maxsize=4)
def huge_jpeg(width: int = 6_000, height: int = 6_000) -> bytes:
    """A flat grey JPEG of ``width`` x ``height``: JPEG decodes at a reduced scale."""
    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, "JPEG", quality=50)
    return out.getvalue()


@functools.lru_cache(maxsize=4)
def huge_video(side: int = 8_192, frames: int = 8, fps: int = 4) -> bytes:
    """An H.264 MP4 of ``frames`` flat grey ``side`` x ``side`` pictures: tens of kB (with
    CABAC, so not the "ultrafast" preset) that decode to 100 MB a frame."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream(
            "libx264", rate=fps, options={"preset": "veryfast", "crf": "51"}
        )
        assert isinstance(stream, av.VideoStream)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        for number in range(frames):
            frame = av.VideoFrame(side, side, "yuv420p")
            for plane in frame.planes:
                np.frombuffer(plane, np.uint8)[:] = 128  # type: ignore[call-overload]
            frame.pts = number
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


@functools.lru_cache(maxsize=4)
def long_quiet_opus(minutes: float = 14, bit_rate: int = 6_000) -> bytes:
    """Faint noise as mono Opus in Ogg at ``bit_rate`` bits per second: about 45 kB a
    minute that decode to 14 minutes of sound."""
    out = io.BytesIO()
    rng = np.random.default_rng(14)
    with av.open(out, mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        stream.bit_rate = bit_rate
        chunk = OPUS_RATE  # a second at a time
        for second in range(round(minutes * 60)):
            samples = (rng.standard_normal((1, chunk)) * 0.01).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
            frame.sample_rate = OPUS_RATE
            frame.pts = second * chunk
            frame.time_base = Fraction(1, OPUS_RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def bit_flipped(data: bytes, every: int = 97, seed: int = 4) -> bytes:
    """One random bit flipped in every ``every`` bytes after the first 64 (the signature
    survives, so the file is still taken for what it was)."""
    damaged = bytearray(data)
    rng = np.random.default_rng(seed)
    for position in range(64, len(damaged), every):
        damaged[position] ^= 1 << int(rng.integers(0, 8))
    return bytes(damaged)
