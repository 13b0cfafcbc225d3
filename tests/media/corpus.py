"""A deterministic corpus of synthetic clips for the media tests and benchmarks.

Everything here is computed from seeds with numpy and encoded for real with PyAV, so the
same call returns the same bytes on every run and no fixture files are needed.

* ``reference_clip(seed)`` is a synthetic "movie": textured gradients, moving shapes and
  blobs with a scene change every few seconds, over a tonal soundtrack (a melody with
  harmonics, chords, kick drums and noise-burst percussion). Key, scale, tempo, timbre,
  palette and motion all depend on the seed, so two seeds look and sound unrelated.
* ``TRANSFORMS`` maps a name to a function ``bytes -> bytes`` that re-uploads a reference
  the way people do (re-encoded, scaled, cropped, mirrored, captioned, made portrait, sped
  up, mixed with noise or a voice-over, cut to an excerpt, audio only).
* ``unrelated_clip(seed)`` is a clip in a different visual and musical style that must not
  match any reference.
* ``mov``, ``faststart``, ``rotated``, ``webm_vp9``, ``webm_vp8`` and ``live_webm``
  repackage a clip in other containers, codecs and layouts (not in ``TRANSFORMS``).
* ``truncated``, ``corrupt``, ``garbled_payload``, ``silent_video_without_audio``,
  ``zero_length_clip``, ``single_frame_clip``, ``not_media`` and ``png_image`` make bad or
  edge-case uploads.

Generated clips and transformed clips are cached per process (``functools.lru_cache``,
and a shared LRU of about 256 MiB for the transformations); the bytes are immutable.
"""

from __future__ import annotations

import functools
import io
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import av
import numpy as np
from av.video.frame import PictureType
from av.video.reformatter import VideoReformatter
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from scipy import signal  # type: ignore[import-untyped]

AUDIO_RATE: Final = 44100
FPS: Final = 24
X264_FAST: Final = {"preset": "ultrafast", "crf": "23"}

Transform = Callable[[bytes], bytes]
FloatArray = NDArray[np.float32]
Pixels = NDArray[np.uint8]
# A picture to encode: an RGB array (height, width, 3) or a frame PyAV already holds.
Picture = Pixels | av.VideoFrame


# --------------------------------------------------------------------------------------
# Encoding and decoding helpers


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _encode(
    pictures: Iterable[Picture] | None,
    audio: FloatArray | None,
    *,
    fps: int = FPS,
    size: tuple[int, int] | None = None,
    audio_rate: int = AUDIO_RATE,
    container: str = "mp4",
    video_codec: str = "libx264",
    video_options: dict[str, str] | None = None,
    video_bit_rate: int | None = None,
    audio_codec: str = "aac",
    audio_bit_rate: int = 128_000,
    seekable: bool = True,
) -> bytes:
    """Encode pictures at ``fps`` and planar float audio (channels, samples), interleaved.

    ``size`` is (width, height) of the video; pictures of another size are scaled.
    ``seekable=False`` writes as to a pipe: muxers cannot go back to fill in durations.
    """
    buffer = io.BytesIO() if seekable else _Pipe()
    with av.open(buffer, mode="w", format=container) as out:
        video_stream: av.VideoStream | None = None
        if pictures is not None:
            if size is None:
                raise ValueError("size is needed to encode video")
            added = out.add_stream(video_codec, rate=fps, options=video_options or dict(X264_FAST))
            assert isinstance(added, av.VideoStream)
            video_stream = added
            video_stream.width, video_stream.height = size
            video_stream.pix_fmt = "yuv420p"
            if video_bit_rate is not None:
                video_stream.bit_rate = video_bit_rate
        audio_stream: av.AudioStream | None = None
        if audio is not None:
            added_audio = out.add_stream(audio_codec, rate=audio_rate)
            assert isinstance(added_audio, av.AudioStream)
            audio_stream = added_audio
            audio_stream.layout = "stereo" if audio.shape[0] == 2 else "mono"
            if audio_codec not in ("pcm_s16le",):
                audio_stream.bit_rate = audio_bit_rate
        written = 0

        def write_audio_until(end: int) -> None:
            nonlocal written
            if audio is None or audio_stream is None:
                return
            end = min(end, audio.shape[1])
            while written < end:
                stop = min(end, written + 4096)
                chunk = np.ascontiguousarray(np.clip(audio[:, written:stop], -1.0, 1.0))
                frame = av.AudioFrame.from_ndarray(
                    chunk, format="fltp", layout="stereo" if audio.shape[0] == 2 else "mono"
                )
                frame.sample_rate = audio_rate
                frame.pts = written
                frame.time_base = Fraction(1, audio_rate)
                out.mux(audio_stream.encode(frame))
                written = stop

        if pictures is not None and video_stream is not None:
            for index, picture in enumerate(pictures):
                frame = (
                    picture
                    if isinstance(picture, av.VideoFrame)
                    else av.VideoFrame.from_ndarray(picture, format="rgb24")
                )
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                frame.pict_type = PictureType.NONE  # let the encoder choose its own GOP
                out.mux(video_stream.encode(frame))
                write_audio_until(round((index + 1) * audio_rate / fps))
            out.mux(video_stream.encode(None))
        if audio is not None and audio_stream is not None:
            write_audio_until(audio.shape[1])
            out.mux(audio_stream.encode(None))
    return buffer.getvalue()


class _Pipe(io.BytesIO):
    """An output that cannot seek, like a socket or a browser's MediaRecorder stream."""

    def seekable(self) -> bool:
        return False


def _read_audio(data: bytes) -> tuple[FloatArray, int] | None:
    """The first audio track as planar float32 (channels, samples) at its own rate."""
    with av.open(io.BytesIO(data), mode="r") as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        layout = "stereo" if stream.codec_context.channels >= 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=stream.rate)
        chunks: list[FloatArray] = []
        for frame in container.decode(stream):
            chunks.extend(f.to_ndarray().astype(np.float32) for f in resampler.resample(frame))
        chunks.extend(f.to_ndarray().astype(np.float32) for f in resampler.resample(None))
        channels = 2 if layout == "stereo" else 1
        samples = np.concatenate(chunks, axis=1) if chunks else np.zeros((channels, 0))
        return samples.astype(np.float32), stream.rate


def _video_shape(data: bytes) -> tuple[int, int, int]:
    """(width, height, fps) of the first video stream."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(FPS)
        return stream.width, stream.height, round(rate)


def _frames(data: bytes) -> Iterator[av.VideoFrame]:
    """Decoded pictures of the first video stream, in presentation order."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        yield from container.decode(stream)


_scalers = threading.local()


def _reformat(
    frame: av.VideoFrame,
    width: int | None = None,
    height: int | None = None,
    format: str = "yuv420p",
) -> av.VideoFrame:
    """``frame.reformat`` through one swscale context per thread and target: a frame's own
    ``reformat`` builds a new context every time, which costs more than the scaling."""
    scalers: dict[tuple[int | None, int | None, str], VideoReformatter]
    scalers = _scalers.__dict__.setdefault("by_target", {})
    scaler = scalers.setdefault((width, height, format), VideoReformatter())
    return scaler.reformat(frame, width=width, height=height, format=format, threads=1)


def _rgb(frame: av.VideoFrame) -> Pixels:
    return np.asarray(_reformat(frame, format="rgb24").to_ndarray(), dtype=np.uint8)


Planes = tuple[Pixels, Pixels, Pixels]


def _planes(frame: av.VideoFrame) -> Planes:
    """The Y, U and V planes of a picture in yuv420p (views, not copies).

    Geometric edits are done on these: it spares two colour conversions of every picture."""
    yuv = _reformat(frame, format="yuv420p")
    packed = np.asarray(yuv.to_ndarray(), dtype=np.uint8)
    height, width = yuv.height, yuv.width
    chroma = packed[height:].reshape(2, height // 2, width // 2)
    return packed[:height], chroma[0], chroma[1]


def _from_planes(y: Pixels, u: Pixels, v: Pixels) -> av.VideoFrame:
    height, width = y.shape
    packed = np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)])
    return av.VideoFrame.from_ndarray(packed.reshape(height * 3 // 2, width), format="yuv420p")


def _duration(data: bytes) -> float:
    with av.open(io.BytesIO(data), mode="r") as container:
        if container.duration is not None:
            return container.duration / av.time_base
    raise ValueError("clip of unknown duration")


def _transcode(
    data: bytes,
    *,
    picture: Callable[[av.VideoFrame], Picture] | None = None,
    size: tuple[int, int] | None = None,
    audio: Callable[[FloatArray, int], FloatArray] | None = None,
    video_options: dict[str, str] | None = None,
    video_bit_rate: int | None = None,
    audio_bit_rate: int = 128_000,
) -> bytes:
    """Re-encode ``data`` to MP4 (H.264 + AAC), mapping each picture and the whole track."""
    width, height, fps = _video_shape(data)
    decoded = _read_audio(data)
    samples, rate = decoded if decoded is not None else (None, AUDIO_RATE)
    if samples is not None and audio is not None:
        samples = audio(samples, rate)
    mapped = (picture(frame) for frame in _frames(data)) if picture else _frames(data)
    return _encode(
        mapped,
        samples,
        fps=fps,
        size=size or (width, height),
        audio_rate=rate,
        video_options=video_options,
        video_bit_rate=video_bit_rate,
        audio_bit_rate=audio_bit_rate,
    )


def _remux(data: bytes, container: str, rotation: int = 0) -> bytes:
    """The same video and audio packets in another container (or the same, re-arranged)."""
    buffer = io.BytesIO()
    with (
        av.open(io.BytesIO(data), mode="r") as source,
        av.open(buffer, mode="w", format=container) as out,
    ):
        streams = [*source.streams.video[:1], *source.streams.audio[:1]]
        targets = {stream.index: out.add_stream_from_template(stream) for stream in streams}
        for stream in source.streams.video[:1]:
            if rotation:
                target = targets[stream.index]
                assert isinstance(target, av.VideoStream)
                target.set_display_rotation(rotation)
        for packet in source.demux(streams):
            if packet.dts is None:
                continue
            packet.stream = targets[packet.stream.index]
            out.mux(packet)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------
# Synthetic pictures


def _smooth_noise(
    rng: np.random.Generator, height: int, width: int, cell: int, channels: int = 3
) -> NDArray[np.float32]:
    """Low-frequency random texture in [0, 1], (height, width, channels)."""
    coarse = rng.random((height // cell + 2, width // cell + 2, channels), dtype=np.float32)
    image = Image.fromarray((coarse * 255).astype(np.uint8).squeeze())
    smooth = image.resize((width, height), Image.Resampling.BICUBIC)
    array = np.asarray(smooth, dtype=np.float32) / 255.0
    return array.reshape(height, width, channels)


class _Shape:
    """A coloured disc, ring, box or textured blob that drifts and bounces."""

    def __init__(self, rng: np.random.Generator, width: int, height: int, style: str) -> None:
        self.kind = str(rng.choice(["disc", "box", "ring", "blob"]))
        self.radius = float(rng.uniform(0.05, 0.18) * height)
        self.x = float(rng.uniform(0.1, 0.9) * width)
        self.y = float(rng.uniform(0.1, 0.9) * height)
        speed = rng.uniform(0.05, 0.4) * height  # pixels per second
        angle = rng.uniform(0, 2 * np.pi)
        self.vx, self.vy = float(speed * np.cos(angle)), float(speed * np.sin(angle))
        self.spin = float(rng.uniform(-2, 2))
        self.colour = rng.integers(0, 256, 3).astype(np.float32)
        if style == "pastel":
            self.colour = (128 + self.colour / 2).astype(np.float32)
        self.stripes = float(rng.uniform(3, 12))
        self.width, self.height = width, height

    def draw(self, canvas: Pixels, t: float) -> None:
        # Bounce inside the frame: fold the straight path back at the edges.
        x = _fold(self.x + self.vx * t, self.width)
        y = _fold(self.y + self.vy * t, self.height)
        r = self.radius
        x0, x1 = max(0, int(x - r)), min(self.width, int(x + r) + 1)
        y0, y1 = max(0, int(y - r)), min(self.height, int(y + r) + 1)
        if x0 >= x1 or y0 >= y1:
            return
        dy = (np.arange(y0, y1, dtype=np.float32) - y)[:, None]
        dx = (np.arange(x0, x1, dtype=np.float32) - x)[None, :]
        if self.kind == "box":
            c, s = np.cos(self.spin * t), np.sin(self.spin * t)
            u, v = c * dx + s * dy, -s * dx + c * dy
            mask = (np.abs(u) < r * 0.7) & (np.abs(v) < r * 0.45)
            shade = 0.75 + 0.25 * np.sign(np.sin(u * self.stripes / r * np.pi))
        else:
            d = np.sqrt(dx * dx + dy * dy)
            if self.kind == "ring":
                mask = (d < r) & (d > r * 0.6)
                shade = np.ones_like(d)
            elif self.kind == "blob":
                wobble = 1 + 0.25 * np.sin(3 * np.arctan2(dy, dx) + self.spin * t)
                mask = d < r * 0.8 * wobble
                shade = 0.6 + 0.4 * np.cos(d / r * self.stripes)
            else:
                mask = d < r
                shade = 1.0 - 0.5 * d / r
        region = canvas[y0:y1, x0:x1]
        region[mask] = (self.colour[None, :] * np.asarray(shade)[..., None])[mask].astype(np.uint8)


def _fold(position: float, extent: int) -> float:
    period = 2 * extent
    p = position % period
    return p if p < extent else period - p


def _movie_pictures(
    rng: np.random.Generator, seconds: float, size: tuple[int, int], fps: int, style: str
) -> Iterator[av.VideoFrame]:
    """Scenes of 2.5 to 5 s, each a moving textured background with drifting shapes.

    Pictures are drawn at half the output size with cheap numpy and scaled up by swscale.
    """
    out_w, out_h = size
    width, height = _even(out_w / 2), _even(out_h / 2)
    total = max(1, round(seconds * fps))
    index = 0
    while index < total:
        length = min(total - index, round(rng.uniform(2.5, 5.0) * fps))
        a, b = rng.integers(0, 256, (2, 3)).astype(np.float32)
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        ramp = (np.cos(angle) * xx / width + np.sin(angle) * yy / height + 1) / 2
        ramp = np.clip(ramp, 0, 1)[..., None]
        background = a * (1 - ramp) + b * ramp
        if style == "stripes":
            period = rng.uniform(6, 30)
            background *= (0.7 + 0.3 * np.sign(np.sin(xx / period + yy / (period * 1.7))))[
                ..., None
            ]
        texture = _smooth_noise(rng, height, width, cell=int(rng.integers(24, 90)))
        background = np.clip(background * 0.65 + texture * 255 * 0.35, 0, 255).astype(np.uint8)
        drift = rng.uniform(-60, 60, 2)  # pixels per second
        shapes = [_Shape(rng, width, height, style) for _ in range(int(rng.integers(3, 7)))]
        for offset in range(length):
            t = offset / fps
            shift = (int(drift[0] * t), int(drift[1] * t))
            canvas = np.roll(background, shift, axis=(1, 0))
            for shape in shapes:
                shape.draw(canvas, t)
            small = av.VideoFrame.from_ndarray(canvas, format="rgb24")
            yield _reformat(small, out_w, out_h)
        index += length


# --------------------------------------------------------------------------------------
# Synthetic sound


_SCALES: Final = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "pentatonic": (0, 2, 4, 7, 9),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
}


def _hz(midi: float) -> float:
    return float(440.0 * 2 ** ((midi - 69) / 12))


def _tone(
    frequency: float, seconds: float, harmonics: NDArray[np.float64], rate: int, decay: float
) -> FloatArray:
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    wave = np.zeros(n)
    for k, amplitude in enumerate(harmonics, start=1):
        if frequency * k < rate / 2.2:
            wave += amplitude * np.sin(2 * np.pi * frequency * k * t)
    attack = np.minimum(1.0, t / 0.01)
    release = np.minimum(1.0, (seconds - t) / 0.02)
    return (wave * attack * release * np.exp(-t * decay)).astype(np.float32)


def _add(track: FloatArray, start: int, sound: NDArray[np.floating[Any]]) -> None:
    end = min(track.shape[-1], start + sound.shape[-1])
    if end > start:
        track[..., start:end] += sound[..., : end - start]


def _soundtrack(rng: np.random.Generator, seconds: float, style: str) -> FloatArray:
    """Stereo (2, samples) music: melody, chords and percussion, peak-normalised to 0.8."""
    rate = AUDIO_RATE
    n = round(seconds * rate)
    melody, chords, drums = (np.zeros(n, np.float32) for _ in range(3))
    root = int(rng.integers(45, 58))
    scale = _SCALES[str(rng.choice(list(_SCALES)))]
    beat = 60.0 / rng.uniform(84, 144)
    timbre = rng.uniform(0, 1, 6) ** 2
    timbre[0] = 1.0
    pad_timbre = np.array([1.0, 0.5, 0.25, 0.12])

    def pitch(degree: int) -> int:
        octave, step = divmod(degree, len(scale))
        return root + 12 * octave + scale[step]

    # Chords: one triad per bar of four beats.
    t = 0.0
    while t < seconds:
        degree = int(rng.integers(0, len(scale)))
        for offset in (0, 2, 4):
            tone = _tone(_hz(pitch(degree + offset)), 4 * beat, pad_timbre, rate, decay=0.6)
            _add(chords, int(t * rate), tone * 0.22)
        t += 4 * beat

    # Melody: a random walk over the scale, an octave up, with rests.
    t, degree = 0.0, int(rng.integers(len(scale), 2 * len(scale)))
    while t < seconds:
        length = beat * float(rng.choice([0.25, 0.5, 0.5, 1.0, 1.0, 1.5]))
        if style == "arpeggio":
            length = beat * 0.25
        if rng.random() > 0.12:
            degree = int(np.clip(degree + rng.integers(-3, 4), len(scale), 3 * len(scale)))
            harmonics = timbre if style != "arpeggio" else np.array([1.0, 0.0, 0.3, 0.0, 0.15])
            tone = _tone(_hz(pitch(degree)), length, harmonics, rate, decay=rng.uniform(1, 4))
            _add(melody, int(t * rate), tone * 0.35)
        t += length

    # Percussion: kicks (falling sine), noise bursts (snares and hats) on a per-seed pattern.
    pattern = rng.random((3, 8)) < np.array([[0.45], [0.3], [0.6]])
    pattern[0, 0] = True
    step, index = beat / 2, 0
    kick_t = np.arange(int(0.25 * rate)) / rate
    kick = np.sin(2 * np.pi * (45 * kick_t + 90 / 12 * (1 - np.exp(-12 * kick_t))))
    kick *= np.exp(-kick_t * 14)
    while index * step < seconds:
        start = int(index * step * rate)
        if pattern[0, index % 8]:
            _add(drums, start, kick * 0.6)
        if pattern[1, index % 8]:
            burst = rng.normal(0, 1, int(0.18 * rate)) * np.exp(-np.arange(int(0.18 * rate)) / 2e3)
            _add(drums, start, burst * 0.18)
        if pattern[2, index % 8]:
            hat = np.diff(rng.normal(0, 1, int(0.05 * rate) + 1)) * 0.06
            _add(drums, start, hat * np.exp(-np.arange(hat.size) / 400))
        index += 1

    left = melody * 0.8 + chords * 1.1 + drums
    right = melody * 1.1 + chords * 0.8 + drums
    stereo = np.stack([left, right]).astype(np.float32)
    peak = float(np.max(np.abs(stereo))) or 1.0
    return (stereo * (0.8 / peak)).astype(np.float32)


# --------------------------------------------------------------------------------------
# Clips


@functools.lru_cache(maxsize=32)
def reference_clip(
    seed: int, seconds: float = 20, size: tuple[int, int] = (1280, 720), fps: int = FPS
) -> bytes:
    """An MP4 (H.264 ultrafast + AAC 44.1 kHz stereo) synthetic movie, unique per seed."""
    rng = np.random.default_rng([seed, 1])
    pictures = _movie_pictures(rng, seconds, size, fps, style="plain")
    audio = _soundtrack(np.random.default_rng([seed, 2]), seconds, style="melody")
    return _encode(pictures, audio, fps=fps, size=size)


@functools.lru_cache(maxsize=32)
def unrelated_clip(seed: int, seconds: float = 10) -> bytes:
    """A 720p MP4 in another style (striped pastel scenes, fast arpeggios) from other seeds."""
    rng = np.random.default_rng([seed, 7_000_001])
    pictures = _movie_pictures(rng, seconds, (1280, 720), FPS, style="stripes")
    audio = _soundtrack(np.random.default_rng([seed, 7_000_002]), seconds, style="arpeggio")
    return _encode(pictures, audio, size=(1280, 720))


# --------------------------------------------------------------------------------------
# Transformations of a reference

_CACHE_BUDGET: Final = 256 * 2**20  # bytes of inputs and outputs kept
_cache: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
_cache_size = 0
_cache_lock = threading.Lock()


def _cached(transform: Transform) -> Transform:
    """Remember recent results (shared LRU, by total size): tests transform the same clips."""

    @functools.wraps(transform)
    def cached(data: bytes) -> bytes:
        global _cache_size
        key = (transform.__name__, data)
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
        result = transform(data)
        with _cache_lock:
            if key not in _cache:
                _cache[key] = result
                _cache_size += len(data) + len(result)
            while _cache_size > _CACHE_BUDGET and len(_cache) > 1:
                (_, old_data), old_result = _cache.popitem(last=False)
                _cache_size -= len(old_data) + len(old_result)
        return result

    return cached


@_cached
def reencoded_low_bitrate(data: bytes) -> bytes:
    """Same pictures and sound, re-encoded at about 250 kbit/s video and 48 kbit/s audio."""
    return _transcode(
        data,
        video_options={"preset": "ultrafast"},
        video_bit_rate=250_000,
        audio_bit_rate=48_000,
    )


@_cached
def scaled(data: bytes) -> bytes:
    """Scaled down to 640x360."""
    return _transcode(data, picture=lambda f: _reformat(f, 640, 360), size=(640, 360))


@_cached
def cropped(data: bytes) -> bytes:
    """10% of each dimension cut away (5% on every side), kept at the cropped size."""
    width, height, _ = _video_shape(data)
    dx, dy = _even(width * 0.05), _even(height * 0.05)
    out_w, out_h = width - 2 * dx, height - 2 * dy

    def crop(frame: av.VideoFrame) -> av.VideoFrame:
        y, u, v = _planes(frame)
        return _from_planes(
            y[dy : dy + out_h, dx : dx + out_w],
            u[dy // 2 : (dy + out_h) // 2, dx // 2 : (dx + out_w) // 2],
            v[dy // 2 : (dy + out_h) // 2, dx // 2 : (dx + out_w) // 2],
        )

    return _transcode(data, picture=crop, size=(out_w, out_h))


@_cached
def mirrored(data: bytes) -> bytes:
    """Flipped left to right."""
    return _transcode(
        data, picture=lambda f: _from_planes(*(plane[:, ::-1] for plane in _planes(f)))
    )


_CAPTIONS: Final = (
    "wait for the ending",
    "best scene ever!!",
    "I can't believe this",
    "part 2 in comments",
    "who else cried here",
)


def _caption_layers(width: int, height: int) -> list[tuple[int, Pixels, NDArray[np.float32]]]:
    """Caption overlays: (first row, RGB, alpha) bands covering about 17% of the frame.

    A dark caption bar (14% of the height, full width) with white text at the bottom and
    a coloured sticker (25% x 12%) with text at the top left.
    """
    bar_h = round(height * 0.14)
    sticker_w, sticker_h = round(width * 0.25), round(height * 0.12)
    font = ImageFont.load_default(size=max(10, round(bar_h * 0.45)))
    small = ImageFont.load_default(size=max(8, round(sticker_h * 0.4)))
    layers = []
    for index, caption in enumerate(_CAPTIONS):
        bottom = Image.new("RGBA", (width, bar_h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(bottom)
        draw.rectangle((0, 0, width, bar_h), fill=(10, 10, 10, 200))
        draw.text((width // 2, bar_h // 2), caption, font=font, fill="white", anchor="mm")
        top = Image.new("RGBA", (width, sticker_h + round(height * 0.03)), (0, 0, 0, 0))
        draw = ImageDraw.Draw(top)
        x0, y0 = round(width * 0.03), round(height * 0.03)
        colour = ((230, 40, 90), (40, 160, 230), (250, 200, 20))[index % 3]
        draw.rounded_rectangle(
            (x0, y0, x0 + sticker_w, y0 + sticker_h - 1), radius=8, fill=(*colour, 255)
        )
        draw.text(
            (x0 + sticker_w // 2, y0 + sticker_h // 2),
            f"@fan_{index}{index * 7}",
            font=small,
            fill="black",
            anchor="mm",
        )
        layers.append([(height - bar_h, bottom), (0, top)])
    return [
        (
            row,
            np.asarray(layer, dtype=np.uint8)[..., :3].copy(),
            (np.asarray(layer)[..., 3:] / 255).astype(np.float32),
        )
        for pair in layers
        for row, layer in pair
    ]


@_cached
def text_overlay(data: bytes) -> bytes:
    """Burned-in captions and a sticker over about 17% of the frame; text changes every 3 s."""
    width, height, fps = _video_shape(data)
    layers = _caption_layers(width, height)
    count = 0

    def burn(frame: av.VideoFrame) -> Pixels:
        nonlocal count
        pixels = _rgb(frame).copy()
        caption = (count // (3 * fps)) % len(_CAPTIONS)
        for row, rgb, alpha in layers[2 * caption : 2 * caption + 2]:
            band = pixels[row : row + rgb.shape[0]].astype(np.float32)
            band = band * (1 - alpha) + rgb.astype(np.float32) * alpha
            pixels[row : row + rgb.shape[0]] = band.astype(np.uint8)
        count += 1
        return pixels

    return _transcode(data, picture=burn)


@_cached
def letterboxed_portrait(data: bytes) -> bytes:
    """Fit into a 1080x1920 (9:16) picture with black bars above and below."""
    width, height, _ = _video_shape(data)
    scale = min(1080 / width, 1920 / height)
    inner_w, inner_h = _even(width * scale), _even(height * scale)
    top, left = (1920 - inner_h) // 2 // 2 * 2, (1080 - inner_w) // 2 // 2 * 2

    black = (np.full((1920, 1080), 16, np.uint8), *np.full((2, 960, 540), 128, np.uint8))

    def box(frame: av.VideoFrame) -> av.VideoFrame:
        canvas = tuple(plane.copy() for plane in black)
        y, u, v = _planes(_reformat(frame, inner_w, inner_h))
        canvas[0][top : top + inner_h, left : left + inner_w] = y
        for target, source in ((canvas[1], u), (canvas[2], v)):
            target[top // 2 : (top + inner_h) // 2, left // 2 : (left + inner_w) // 2] = source
        return _from_planes(*canvas)

    return _transcode(data, picture=box, size=(1080, 1920))


@_cached
def centre_cropped_portrait(data: bytes) -> bytes:
    """The centre 9:16 column of the picture, upscaled to 720x1280 as platforms do."""
    width, height, _ = _video_shape(data)
    crop_w = min(width, _even(height * 9 / 16))
    left = (width - crop_w) // 4 * 2

    def crop(frame: av.VideoFrame) -> av.VideoFrame:
        y, u, v = _planes(frame)
        half = slice(left // 2, (left + crop_w) // 2)
        column = _from_planes(y[:, left : left + crop_w], u[:, half], v[:, half])
        return _reformat(column, 720, 1280)

    return _transcode(data, picture=crop, size=(720, 1280))


SPEED: Final = 1.03


@_cached
def sped_up(data: bytes) -> bytes:
    """3% faster: pictures retimed (about one in 34 dropped), audio resampled (pitch up)."""
    width, height, fps = _video_shape(data)
    decoded = _read_audio(data)

    def retimed() -> Iterator[av.VideoFrame]:
        wanted = 0
        for index, frame in enumerate(_frames(data)):
            while round(wanted * SPEED) <= index:
                if round(wanted * SPEED) == index:
                    yield frame
                wanted += 1

    audio, rate = (None, AUDIO_RATE) if decoded is None else decoded
    if audio is not None:
        audio = signal.resample_poly(audio, 100, 103, axis=1).astype(np.float32)
    return _encode(retimed(), audio, fps=fps, size=(width, height), audio_rate=rate)


def _rms(samples: FloatArray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) or 1e-9


def _mix(signal_: FloatArray, extra: FloatArray, db: float) -> FloatArray:
    """Add ``extra`` at ``db`` relative to the signal's RMS; scale down only if it would clip."""
    extra = extra * (_rms(signal_) * 10 ** (db / 20) / _rms(extra))
    mixed = signal_ + extra
    peak = float(np.max(np.abs(mixed))) if mixed.size else 0.0
    if peak > 0.99:
        mixed *= 0.99 / peak
    return mixed.astype(np.float32)


def pink_noise(rng: np.random.Generator, shape: tuple[int, int], rate: int) -> FloatArray:
    """Noise with a 1/f power spectrum from 40 Hz to 8 kHz (where it is heard, and where a
    fingerprint listens), unit RMS per row."""
    white = np.fft.rfft(rng.normal(0, 1, shape), axis=-1)
    f = np.fft.rfftfreq(shape[-1], 1 / rate)
    gain = np.where((f >= 40) & (f <= 8000), 1 / np.sqrt(np.maximum(f, 1.0)), 0.0)
    pink = np.fft.irfft(white * gain, n=shape[-1], axis=-1)
    rms = np.sqrt(np.mean(pink**2, axis=-1, keepdims=True))
    return np.asarray(pink / rms, dtype=np.float32)


@_cached
def noise_mixed(data: bytes) -> bytes:
    """Pink noise (40 Hz to 8 kHz) mixed in at -10 dB relative to the soundtrack's RMS;
    pictures re-encoded."""
    rng = np.random.default_rng(zlib.crc32(data))
    return _transcode(data, audio=lambda a, rate: _mix(a, pink_noise(rng, a.shape, rate), -10.0))


_VOWELS: Final = (  # formants F1, F2, F3 in Hz
    (730, 1090, 2440),
    (270, 2290, 3010),
    (530, 1840, 2480),
    (570, 840, 2410),
    (300, 870, 2240),
    (660, 1720, 2410),
    (490, 1350, 1690),
)


def _resonator(frequency: float, bandwidth: float, rate: int) -> tuple[list[float], list[float]]:
    r = np.exp(-np.pi * bandwidth / rate)
    theta = 2 * np.pi * frequency / rate
    a = [1.0, -2 * r * np.cos(theta), r * r]
    return [1 - r], a


def speech_like(rng: np.random.Generator, seconds: float, rate: int) -> FloatArray:
    """A talking voice without words: a glottal pulse train with intonation through vowel
    formants, in syllables (4 to 6 a second) grouped into words and phrases, with fricative
    noise at some onsets. Mono, unit RMS over the voiced parts."""
    n = int(seconds * rate)
    voice = np.zeros(n, np.float64)
    f0_base = rng.uniform(95, 210)
    t = float(rng.uniform(0, 0.3))
    while t < seconds:
        for _word in range(int(rng.integers(2, 7))):  # a phrase of words
            for _syllable in range(int(rng.integers(1, 4))):
                length = rng.uniform(0.14, 0.26)
                count = int(length * rate)
                start = int(t * rate)
                if start + count >= n:
                    break
                times = np.arange(count) / rate
                f0 = f0_base * (1 + rng.uniform(-0.15, 0.2) - 0.25 * times)
                phase = np.cumsum(f0 / rate)
                pulses = np.diff(np.floor(phase), prepend=0.0)
                source = signal.lfilter([1.0], [1.0, -0.9], pulses)  # spectral tilt
                vowel = _VOWELS[int(rng.integers(len(_VOWELS)))]
                out = np.zeros(count)
                for formant, gain in zip(vowel, (1.0, 0.6, 0.3), strict=True):
                    b, a = _resonator(formant, 60 + formant * 0.05, rate)
                    out += gain * signal.lfilter(b, a, source)
                envelope = np.sin(np.pi * np.arange(count) / count) ** 0.7
                voice[start : start + count] += out * envelope
                if rng.random() < 0.4:  # a consonant: a short burst of high noise
                    hiss = np.diff(rng.normal(0, 1, int(0.05 * rate) + 1))
                    hiss *= np.hanning(hiss.size) * 0.3 * np.std(out)
                    end = min(n, start + hiss.size)
                    voice[start:end] += hiss[: end - start]
                t += length + rng.uniform(0.0, 0.04)
            t += rng.uniform(0.05, 0.2)  # between words
        t += rng.uniform(0.4, 1.0)  # between phrases
    return (voice / (_rms(voice.astype(np.float32)) * 3)).astype(np.float32)


@_cached
def voice_over_mixed(data: bytes) -> bytes:
    """A synthetic voice-over (speech-like, both channels) at -10 dB relative to the track."""
    rng = np.random.default_rng(zlib.crc32(data) ^ 0x5EEC)

    def mix(audio: FloatArray, rate: int) -> FloatArray:
        voice = speech_like(rng, audio.shape[1] / rate, rate)
        voice = np.pad(voice, (0, audio.shape[1] - voice.size))
        return _mix(audio, np.broadcast_to(voice, audio.shape).astype(np.float32), -10.0)

    return _transcode(data, audio=mix)


EXCERPT_SECONDS: Final = 5.0


def excerpt_start(data: bytes) -> float:
    """Where ``trimmed_excerpt`` starts in ``data``, in seconds."""
    return max(0.0, (_duration(data) - EXCERPT_SECONDS) / 2)


@_cached
def trimmed_excerpt(data: bytes) -> bytes:
    """Five seconds from the middle (see ``excerpt_start``), re-encoded to start at zero."""
    width, height, fps = _video_shape(data)
    start = excerpt_start(data)
    decoded = _read_audio(data)

    def cut() -> Iterator[av.VideoFrame]:
        for frame in _frames(data):
            if frame.time is not None and start - 1e-6 <= frame.time < start + EXCERPT_SECONDS:
                yield frame

    audio, rate = (None, AUDIO_RATE) if decoded is None else decoded
    if audio is not None:
        first = round(start * rate)
        audio = np.ascontiguousarray(audio[:, first : first + round(EXCERPT_SECONDS * rate)])
    return _encode(cut(), audio, fps=fps, size=(width, height), audio_rate=rate)


@_cached
def audio_only_wav(data: bytes) -> bytes:
    """The soundtrack alone as 16-bit PCM WAV at its own rate and channels."""
    decoded = _read_audio(data)
    if decoded is None:
        raise ValueError("the clip has no audio")
    audio, rate = decoded
    return _encode(None, audio, audio_rate=rate, container="wav", audio_codec="pcm_s16le")


@_cached
def audio_only_mp3(data: bytes) -> bytes:
    """The soundtrack alone as a 128 kbit/s MP3."""
    decoded = _read_audio(data)
    if decoded is None:
        raise ValueError("the clip has no audio")
    audio, rate = decoded
    return _encode(None, audio, audio_rate=rate, container="mp3", audio_codec="libmp3lame")


TRANSFORMS: Final[dict[str, Transform]] = {
    "reencoded_low_bitrate": reencoded_low_bitrate,
    "scaled": scaled,
    "cropped": cropped,
    "mirrored": mirrored,
    "text_overlay": text_overlay,
    "letterboxed_portrait": letterboxed_portrait,
    "centre_cropped_portrait": centre_cropped_portrait,
    "sped_up": sped_up,
    "noise_mixed": noise_mixed,
    "voice_over_mixed": voice_over_mixed,
    "trimmed_excerpt": trimmed_excerpt,
    "audio_only_wav": audio_only_wav,
    "audio_only_mp3": audio_only_mp3,
}


# --------------------------------------------------------------------------------------
# Other containers and codecs


@_cached
def mov(data: bytes) -> bytes:
    """The same H.264/AAC packets in a QuickTime MOV container."""
    return _remux(data, "mov")


@_cached
def faststart(data: bytes) -> bytes:
    """The same MP4 with its index (``moov``) moved to the front, as web tools write it.

    (The MP4 muxer re-reads its output by name to move the index, so this goes through a
    temporary file.)"""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        with (
            av.open(io.BytesIO(data), mode="r") as source,
            av.open(str(path), mode="w", options={"movflags": "faststart"}) as out,
        ):
            streams = [*source.streams.video[:1], *source.streams.audio[:1]]
            targets = {s.index: out.add_stream_from_template(s) for s in streams}
            for packet in source.demux(streams):
                if packet.dts is not None:
                    packet.stream = targets[packet.stream.index]
                    out.mux(packet)
        return path.read_bytes()


def rotated(data: bytes, degrees: int = 90) -> bytes:
    """The same MP4 tagged to be shown turned ``degrees`` counter-clockwise, as phones
    record portrait video: stored pictures unchanged, display matrix set."""
    return _remux(data, "mp4", rotation=degrees)


@_cached
def webm_vp9(data: bytes) -> bytes:
    """Re-encoded to WebM with VP9 video and Opus audio (48 kHz)."""
    return _to_webm(data, "libvpx-vp9")


@_cached
def webm_vp8(data: bytes) -> bytes:
    """Re-encoded to WebM with VP8 video and Opus audio (48 kHz)."""
    return _to_webm(data, "libvpx")


@_cached
def live_webm(data: bytes) -> bytes:
    """A WebM (VP8 + Opus) written as a stream, the way browsers record: no duration and no
    index in it, so only decoding tells how long it is."""
    return _to_webm(data, "libvpx", seekable=False)


def _to_webm(data: bytes, codec: str, *, seekable: bool = True) -> bytes:
    width, height, fps = _video_shape(data)
    decoded = _read_audio(data)
    audio = None
    if decoded is not None:
        samples, rate = decoded
        audio = signal.resample_poly(
            samples, 48000 // np.gcd(48000, rate), rate // np.gcd(48000, rate), axis=1
        ).astype(np.float32)
    fastest = "16" if codec == "libvpx" else "8"  # VP8 and VP9 count speed differently
    options = {"deadline": "realtime", "cpu-used": fastest, "row-mt": "1", "b": "1M"}
    return _encode(
        _frames(data),
        audio,
        fps=fps,
        size=(width, height),
        audio_rate=48000,
        container="webm",
        video_codec=codec,
        video_options=options,
        audio_codec="libopus",
        audio_bit_rate=96_000,
        seekable=seekable,
    )


# --------------------------------------------------------------------------------------
# Bad and edge-case inputs


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first ``keep`` fraction of the bytes, as an interrupted upload leaves them."""
    return data[: int(len(data) * keep)]


def corrupt(data: bytes) -> bytes:
    """The container's first 32 bytes (its signature) followed by random garbage."""
    garbage = np.random.default_rng(len(data)).integers(0, 256, len(data) - 32, np.uint8)
    return data[:32] + garbage.tobytes()


@functools.lru_cache(maxsize=8)
def silent_video_without_audio(seconds: float = 4) -> bytes:
    """A 640x360 H.264 MP4 with moving pictures and no audio stream at all."""
    rng = np.random.default_rng([int(seconds * 1000), 3])
    pictures = _movie_pictures(rng, seconds, (640, 360), FPS, style="plain")
    return _encode(pictures, None, size=(640, 360))


def zero_length_clip() -> bytes:
    """An MP4 whose H.264 and AAC tracks were opened and closed without a single frame.

    This is as close to a 0-second clip as the MP4 muxer gets: FFmpeg reads it as a
    container with no usable streams."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=FPS, options=dict(X264_FAST))
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        out.add_stream("aac", rate=AUDIO_RATE)
        out.start_encoding()
    return buffer.getvalue()


def single_frame_clip() -> bytes:
    """An MP4 with one picture (1/24 s) and no sound: a clip too short to recognise."""
    frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), 200, np.uint8), format="rgb24")
    return _encode([frame], None, size=(320, 240))


def garbled_payload(data: bytes) -> bytes:
    """An MP4 whose index (``moov``) is intact but whose media data is all noise: the
    container opens and lists its streams, and not one frame decodes."""
    index = data.rfind(b"moov") - 4
    media = data.find(b"mdat") + 4
    if index < 0 or media < 4 or media >= index:
        raise ValueError("expected an MP4 with its media data before its index")
    garbage = np.random.default_rng(len(data)).integers(0, 256, index - media, np.uint8)
    return data[:media] + garbage.tobytes() + data[index:]


def not_media() -> bytes:
    """A plain text file."""
    return b"Shopping list\n- oat milk\n- 2 lemons\n- popcorn for movie night\n" * 20


def png_image() -> bytes:
    """A still picture (PNG): decodable by FFmpeg, but not a clip."""
    buffer = io.BytesIO()
    rng = np.random.default_rng(11)
    Image.fromarray(rng.integers(0, 256, (90, 160, 3), np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()
