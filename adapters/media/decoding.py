"""Decoding uploads with PyAV (FFmpeg) into the plain numpy media of ``application.media``."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from fractions import Fraction
from typing import Final, Literal

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.packet import Packet
from av.stream import Disposition, Stream
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from av.video.stream import VideoStream
from numpy.typing import NDArray

from adapters.media.budget import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_SECONDS,
    DecodeSlots,
    check_pixels,
    max_pixel_frames,
)
from application.media import (
    AudioTrack,
    DecodedMedia,
    Frame,
    MediaOverBudget,
    PictureSampling,
    UnreadableMedia,
)

# What PyAV raises on bad input: FFmpeg errors (InvalidDataError, EOFError, ...; all are
# FFmpegError), and plain Python errors from its wrappers (a frame whose format changed,
# metadata that is not text, a buffer that ends early).
_LIBRARY_ERRORS: Final = (av.FFmpegError, OSError, ValueError, EOFError, RuntimeError)

# Demuxers that read a single picture (or text drawn as a picture): not clips.
_STILL_IMAGE_DEMUXERS: Final = frozenset({"image2", "tty", "png", "jpeg", "webp", "bmp"})

# A sampled frame is the first one shown at or after each multiple of the sampling period
# (less this much, to absorb timestamp rounding).
_EPSILON: Final = 1e-3

# Lengths within this much of the limit pass: containers round, audio codecs pad.
_SLACK: Final = 1.0


class PyAVDecoder:
    """``MediaDecoder`` that decodes MP4/MOV, WebM/Matroska, WAV, MP3 (anything FFmpeg reads).

    Audio: the first audio stream, mixed down to mono float32 in [-1, 1] at
    ``sample_rate`` Hz, or ``None`` when there is no audio stream (or none of it decodes).

    Pictures: the first video stream that is not cover art, sampled at
    ``frames_per_second`` (the first frame shown at or after each multiple of the period,
    at its own timestamp), turned upright by the stream's display rotation and scaled
    (never up) so the longer side is at most ``max_side`` pixels, keeping the display
    aspect ratio. Only sampled frames are converted; packets away from sampling points
    are decoded with ``skip_frame=NONREF`` so frames nothing depends on (B-frames,
    mostly) are skipped entirely.

    Times are relative to the earliest decoded audio or video timestamp; audio that starts
    later than the video is padded with silence at the front. ``duration_seconds`` is the
    end of whichever track ends last.

    Refused with ``UnreadableMedia``: empty bytes; bytes FFmpeg does not recognise as
    media (text, documents); still images; files with no audio or video stream, or whose
    streams yield no frames; clips shorter than ``min_duration_seconds`` (a 0-second clip).

    Refused with ``MediaOverBudget`` (see ``adapters.media.budget``), from the headers
    before anything is decoded when they say it, else as soon as decoding reaches it:
    clips longer than ``max_duration_seconds``; video frames of more than ``max_pixels``;
    more pixels x frames in all than ``max_pixels`` at 30 frames a second for
    ``max_duration_seconds``. Only the frame being decoded is ever held at full size.
    With ``slots``, a decode waits for one of them (``DecodersBusy`` when it waits too long).

    Damaged files: packets that fail to decode are skipped (the decoder resynchronises at
    the next good one). A file that ends early (an interrupted upload) is accepted up to
    the point where reading failed, so a truncated WebM or "fast start" MP4 yields its
    first part, as long as that is at least ``min_duration_seconds``. An MP4 whose index
    (``moov``) was at the end and was cut off cannot be read at all, and is refused.
    """

    def __init__(
        self,
        *,
        sample_rate: int = 11025,
        frames_per_second: float = 2.0,
        max_side: int = 320,
        max_duration_seconds: float = DEFAULT_MAX_SECONDS,
        min_duration_seconds: float = 0.1,
        threads: int = 1,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        slots: DecodeSlots | None = None,
    ) -> None:
        """``threads``: video decoder threads for one upload. 1 spends the least CPU (FFmpeg's
        frame and slice threading cost 10-30% more CPU in total, measured on 720p H.264);
        0 lets FFmpeg use a thread per core, for the lowest latency when cores are idle."""
        if sample_rate <= 0 or frames_per_second <= 0 or max_side <= 0 or max_pixels <= 0:
            raise ValueError(
                "sample_rate, frames_per_second, max_side and max_pixels must be positive"
            )
        if threads < 0:
            raise ValueError("threads must be 0 (automatic) or more")
        if not 0 <= min_duration_seconds < max_duration_seconds:
            raise ValueError("need 0 <= min_duration_seconds < max_duration_seconds")
        self.sample_rate = sample_rate
        self.frames_per_second = frames_per_second
        self.max_side = max_side
        self.max_duration_seconds = max_duration_seconds
        self.min_duration_seconds = min_duration_seconds
        self.threads = threads
        self.max_pixels = max_pixels
        self.slots = slots

    def decode(self, data: bytes, *, also: Sequence[PictureSampling] = ()) -> DecodedMedia:
        if not data:
            raise UnreadableMedia("the file is empty")
        with self.slots.held() if self.slots is not None else nullcontext():
            return self._decode(data, also)

    def _decode(self, data: bytes, also: Sequence[PictureSampling] = ()) -> DecodedMedia:
        try:
            # FFmpeg decodes a frame or two of each stream while probing it: its own pixel
            # limit keeps that from allocating a bomb's pictures before the budget is checked.
            container = av.open(
                io.BytesIO(data),
                mode="r",
                metadata_errors="replace",
                options={"max_pixels": str(self.max_pixels)},
            )
        except _LIBRARY_ERRORS as error:
            raise UnreadableMedia(
                "the file is not a video or audio format we can read, "
                "or it is damaged or incomplete"
            ) from error
        try:
            with container:
                return _Decoding(self, container, also).run()
        except _LIBRARY_ERRORS as error:  # anything the decoding loop did not expect
            raise UnreadableMedia(f"the file could not be decoded ({_reason(error)})") from error


def _reason(error: Exception) -> str:
    if isinstance(error, av.FFmpegError) and error.strerror:
        return error.strerror.lower()
    return type(error).__name__


class _Sampler:
    """Pictures sampled one way (a rate and a size) while one upload is decoded."""

    def __init__(self, frames_per_second: float, max_side: int) -> None:
        if frames_per_second <= 0 or max_side <= 0:
            raise ValueError("a sampling needs a positive rate and size")
        self.period = 1.0 / frames_per_second
        self.max_side = max_side
        self.pictures: list[tuple[float, NDArray[np.uint8]]] = []
        self.next_sample = 0.0
        self.sizes: dict[tuple[int, int, Fraction | None], tuple[int, int]] = {}


class _Decoding:
    """The state of decoding one upload."""

    def __init__(
        self,
        settings: PyAVDecoder,
        container: InputContainer,
        also: Sequence[PictureSampling] = (),
    ) -> None:
        self.settings = settings
        self.container = container
        self.limit = settings.max_duration_seconds
        # Video: the decoder's own sampling first, then each other one asked for
        self.main = _Sampler(settings.frames_per_second, settings.max_side)
        self.others = {
            sampling: _Sampler(sampling.frames_per_second, sampling.max_side) for sampling in also
        }
        self.samplers = (self.main, *self.others.values())
        self.video_first: float | None = None
        self.video_end: float | None = None
        self.frame_step = 1.0 / 30  # until the stream says otherwise
        self.packet_origin: float | None = None
        self.pixel_aspect: Fraction | None = None
        self.reformatter = VideoReformatter()
        self.pixel_frames_left = max_pixel_frames(settings.max_pixels, self.limit)
        # Audio
        self.audio_chunks: list[NDArray[np.float32]] = []
        self.audio_samples = 0
        self.audio_first: float | None = None
        self.resampler: AudioResampler | None = None
        self.resampler_input: tuple[str, str, int] | None = None
        # Damage
        self.cut_short = False
        self.failed_packets = 0

    def run(self) -> DecodedMedia:
        container = self.container
        if container.format.name in _STILL_IMAGE_DEMUXERS or container.format.name.endswith(
            "_pipe"
        ):
            raise UnreadableMedia("the file is a still image, not a video or audio clip")
        video = next(
            (
                stream
                for stream in container.streams.video
                if not stream.disposition & Disposition.attached_pic
            ),
            None,
        )
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            raise UnreadableMedia("the file has no audio or video in it")
        self._check_declared([s for s in (video, audio) if s is not None])
        if video is not None:
            self._prepare_video(video)

        for packet in self._packets([s for s in (video, audio) if s is not None]):
            if video is not None and packet.stream is video:
                self._on_video_packet(video, packet)
            elif audio is not None and packet.stream is audio:
                self._on_audio_packet(audio, packet)
        if self.cut_short:  # the demuxer gave up before the flush packets: flush by hand
            if video is not None:
                self._on_video_packet(video, None)
            if audio is not None:
                self._on_audio_packet(audio, None)
        self._flush_resampler()
        return self._result()

    def _check_declared(self, streams: list[VideoStream | AudioStream]) -> None:
        """Refuse from the headers, before decoding, what is over the budget by what they say
        (a header that says nothing is checked as decoding goes)."""
        lengths = [self.container.duration / av.time_base] if self.container.duration else []
        for stream in streams:
            if stream.duration and stream.time_base is not None:
                lengths.append(float(stream.duration * stream.time_base))
        if lengths and max(lengths) > self.limit + _SLACK:
            raise self._too_long(max(lengths))
        for stream in streams:
            if not isinstance(stream, VideoStream):
                continue
            width, height = stream.codec_context.width, stream.codec_context.height
            check_pixels(width, height, self.settings.max_pixels, "a video frame")
            frames = stream.frames
            rate = stream.average_rate or stream.guessed_rate
            if not frames and rate and stream.duration and stream.time_base is not None:
                frames = math.ceil(float(stream.duration * stream.time_base * rate))
            if width * height * frames > self.pixel_frames_left:
                raise MediaOverBudget(
                    f"the video has {frames:,} frames of {width} x {height} pixels; at most "
                    f"{self.pixel_frames_left:,.0f} pixels x frames are decoded in all"
                )

    # Reading

    def _packets(self, streams: list[VideoStream | AudioStream]) -> Iterator[Packet[Stream]]:
        """Packets of ``streams``, ending quietly where a damaged or cut-off file does."""
        packets = self.container.demux(streams)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except _LIBRARY_ERRORS:
                self.cut_short = True
                return
            yield packet

    def _decode(
        self, stream: VideoStream | AudioStream, packet: Packet[Stream] | None
    ) -> list[VideoFrame] | list[AudioFrame]:
        try:
            return stream.decode(packet)
        except _LIBRARY_ERRORS:
            self.failed_packets += 1
            return []

    # Video

    def _prepare_video(self, stream: VideoStream) -> None:
        context = stream.codec_context
        # A frame that grows past the budget mid-stream is then never allocated.
        context.options = {**context.options, "max_pixels": str(self.settings.max_pixels)}
        if self.settings.threads != 1:
            context.thread_type = "AUTO"
            context.thread_count = self.settings.threads
        else:
            context.thread_type = "NONE"
            context.thread_count = 1
        self.pixel_aspect = context.sample_aspect_ratio
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if rate and 1 <= rate <= 1000:
            self.frame_step = float(1 / rate)
        if stream.start_time is not None and stream.time_base is not None:
            self.packet_origin = float(stream.start_time * stream.time_base)

    def _on_video_packet(self, stream: VideoStream, packet: Packet[Stream] | None) -> None:
        if packet is not None and packet.pts is not None and packet.time_base is not None:
            at = float(packet.pts * packet.time_base)
            if self.packet_origin is None:
                self.packet_origin = at
            wanted = self._near_sampling_point(at - self.packet_origin)
            skip: Literal["DEFAULT", "NONREF"] = "DEFAULT" if wanted else "NONREF"
            if stream.codec_context.skip_frame != skip:
                stream.codec_context.skip_frame = skip
        for frame in self._decode(stream, packet):
            assert isinstance(frame, VideoFrame)
            self._on_picture(frame)

    def _near_sampling_point(self, at: float) -> bool:
        """Could the frame shown at ``at`` be sampled (by any sampler)? The one sampled for a
        point is the first shown at or after it: allow half a frame of slack before, one and
        a half after. (With a variable frame rate a sampler may then take a later frame:
        still right.)"""
        for sampler in self.samplers:
            offset = at % sampler.period
            if offset < 1.5 * self.frame_step or sampler.period - offset < 0.5 * self.frame_step:
                return True
        return False

    def _on_picture(self, frame: VideoFrame) -> None:
        # The size may change mid-stream; the headers spoke only of the first.
        check_pixels(frame.width, frame.height, self.settings.max_pixels, "a video frame")
        self.pixel_frames_left -= frame.width * frame.height
        if self.pixel_frames_left < 0:
            raise MediaOverBudget(
                "the video has more pixels x frames than are decoded for one upload"
            )
        at = frame.time
        if at is None:  # no timestamp: assume it follows the previous frame
            at = self.video_end if self.video_end is not None else 0.0
        if self.video_first is None:
            self.video_first = at
        relative = at - self.video_first
        if relative > self.limit + _SLACK:
            raise self._too_long()
        step = self.frame_step
        if frame.duration and frame.time_base is not None:
            step = float(frame.duration * frame.time_base)
        end = at + step
        self.video_end = end if self.video_end is None else max(self.video_end, end)
        for sampler in self.samplers:
            if relative >= sampler.next_sample - _EPSILON:
                sampler.pictures.append((at, self._pixels(frame, sampler)))
                sampler.next_sample = (
                    math.floor(relative / sampler.period + _EPSILON) + 1
                ) * sampler.period

    def _pixels(self, frame: VideoFrame, sampler: _Sampler) -> NDArray[np.uint8]:
        width, height = self._scaled_size(frame, sampler)
        rgb = self.reformatter.reformat(
            frame, width=width, height=height, format="rgb24", interpolation="AREA", threads=1
        ).to_ndarray()
        pixels = np.asarray(rgb, dtype=np.uint8)
        turns = round(frame.rotation / 90) % 4  # counter-clockwise quarter turns to show it
        if turns:
            pixels = np.ascontiguousarray(np.rot90(pixels, turns))
        return pixels

    def _scaled_size(self, frame: VideoFrame, sampler: _Sampler) -> tuple[int, int]:
        aspect = self.pixel_aspect
        key = (frame.width, frame.height, aspect)
        size = sampler.sizes.get(key)
        if size is None:
            width = frame.width * float(aspect) if aspect and 0.1 < aspect < 10 else frame.width
            height = float(frame.height)
            scale = min(1.0, sampler.max_side / max(width, height))
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            sampler.sizes[key] = size
        return size

    # Audio

    def _on_audio_packet(self, stream: AudioStream, packet: Packet[Stream] | None) -> None:
        for frame in self._decode(stream, packet):
            assert isinstance(frame, AudioFrame)
            if frame.samples == 0:
                continue
            if self.audio_first is None:
                self.audio_first = frame.time if frame.time is not None else 0.0
            self._resample(frame)
            if self.audio_samples > (self.limit + _SLACK) * self.settings.sample_rate:
                raise self._too_long()

    def _resample(self, frame: AudioFrame) -> None:
        shape = (frame.format.name, frame.layout.name, frame.sample_rate)
        if self.resampler is None or shape != self.resampler_input:
            self._flush_resampler()  # the stream changed format mid-way: start afresh
            self.resampler = AudioResampler(
                format="flt", layout="mono", rate=self.settings.sample_rate
            )
            self.resampler_input = shape
        frame.pts = None  # the resampler would otherwise insist on contiguous timestamps
        self._keep(self.resampler.resample(frame))

    def _flush_resampler(self) -> None:
        if self.resampler is not None:
            self._keep(self.resampler.resample(None))
            self.resampler = None

    def _keep(self, frames: list[AudioFrame]) -> None:
        for frame in frames:
            samples = np.asarray(frame.to_ndarray(), dtype=np.float32).reshape(-1)
            self.audio_chunks.append(samples)
            self.audio_samples += samples.size

    # Result

    def _result(self) -> DecodedMedia:
        if not self.main.pictures and not self.audio_samples:
            if self.cut_short or self.failed_packets:
                raise UnreadableMedia("the file is damaged or cut short: nothing in it decodes")
            raise UnreadableMedia("the file has no audio or video frames in it")
        starts = [t for t in (self.video_first, self.audio_first) if t is not None]
        origin = min(starts)
        audio: AudioTrack | None = None
        end = 0.0
        if self.audio_samples:
            rate = self.settings.sample_rate
            first = origin if self.audio_first is None else self.audio_first
            lead = round((first - origin) * rate)
            samples = np.concatenate([np.zeros(lead, np.float32), *self.audio_chunks])
            np.clip(samples, -1.0, 1.0, out=samples)
            audio = AudioTrack(samples=samples, sample_rate=rate)
            end = audio.duration_seconds
        if self.video_end is not None:
            end = max(end, self.video_end - origin)
        if end < self.settings.min_duration_seconds:
            raise UnreadableMedia(f"the clip is too short ({end:.2f} s) to recognise anything")
        if end > self.limit + _SLACK:
            raise self._too_long(end)
        return DecodedMedia(
            duration_seconds=end,
            audio=audio,
            frames=_frames(self.main, origin),
            views={sampling: _frames(sampler, origin) for sampling, sampler in self.others.items()},
        )

    def _too_long(self, seconds: float | None = None) -> MediaOverBudget:
        limit = _length(self.limit)
        if seconds is None:
            return MediaOverBudget(f"the clip is longer than the limit of {limit}")
        return MediaOverBudget(f"the clip is {_length(seconds)} long; the limit is {limit}")


def _frames(sampler: _Sampler, origin: float) -> tuple[Frame, ...]:
    return tuple(Frame(at_seconds=at - origin, pixels=pixels) for at, pixels in sampler.pictures)


def _length(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} seconds"
    return f"{seconds / 60:.3g} minutes"
