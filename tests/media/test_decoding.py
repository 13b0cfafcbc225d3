"""PyAVDecoder: real files in, plain numpy media out, and a reason for every refusal."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from adapters.media.decoding import PyAVDecoder
from application.media import DecodedMedia, UnreadableMedia
from tests.media import corpus

SECONDS = 6.0


@pytest.fixture(scope="module")
def decoder() -> PyAVDecoder:
    return PyAVDecoder()


@pytest.fixture(scope="module")
def hd_clip() -> bytes:
    """A 1280x720 H.264/AAC MP4."""
    return corpus.reference_clip(3, seconds=SECONDS)


@pytest.fixture(scope="module")
def small_clip() -> bytes:
    """A 640x360 H.264/AAC MP4, for the conversions that re-encode."""
    return corpus.reference_clip(4, seconds=SECONDS, size=(640, 360))


@pytest.fixture(scope="module")
def hd(decoder: PyAVDecoder, hd_clip: bytes) -> DecodedMedia:
    return decoder.decode(hd_clip)


def best_correlation(a: NDArray[np.float32], b: NDArray[np.float32], lag: int = 2000) -> float:
    """The highest normalised correlation of two signals over shifts of up to ``lag``."""
    n = min(a.size, b.size) - 2 * lag
    x = a[lag : lag + n].astype(np.float64)
    best = 0.0
    for shift in range(0, 2 * lag + 1, 1):
        y = b[shift : shift + n].astype(np.float64)
        denominator = np.linalg.norm(x) * np.linalg.norm(y)
        if denominator:
            best = max(best, float(x @ y / denominator))
    return best


def assert_video(media: DecodedMedia, seconds: float, shape: tuple[int, int, int]) -> None:
    assert media.duration_seconds == pytest.approx(seconds, abs=0.1)
    assert abs(len(media.frames) - seconds * 2) <= 1
    times = [frame.at_seconds for frame in media.frames]
    assert times[0] == pytest.approx(0.0, abs=0.05)
    assert times == sorted(times)
    for k, at in enumerate(times):  # one frame per half second, at its own timestamp
        assert at == pytest.approx(k * 0.5, abs=0.05)
    for frame in media.frames:
        assert frame.pixels.shape == shape
        assert frame.pixels.dtype == np.uint8
    assert np.std(media.frames[0].pixels) > 5, "pictures have content, not a flat colour"


def assert_mono_audio(media: DecodedMedia, seconds: float, rate: int = 11025) -> None:
    assert media.audio is not None
    assert media.audio.sample_rate == rate
    assert media.audio.samples.ndim == 1
    assert media.audio.samples.dtype == np.float32
    assert media.audio.duration_seconds == pytest.approx(seconds, abs=0.1)
    assert np.max(np.abs(media.audio.samples)) <= 1.0
    assert np.sqrt(np.mean(media.audio.samples**2)) > 0.02, "the soundtrack is not silent"


# Containers and codecs


def test_an_hd_mp4_decodes_to_mono_audio_and_downscaled_frames(hd: DecodedMedia) -> None:
    assert_video(hd, SECONDS, (180, 320, 3))
    assert_mono_audio(hd, SECONDS)


def test_a_mov_decodes_like_the_mp4_it_was_remuxed_from(
    decoder: PyAVDecoder, hd_clip: bytes, hd: DecodedMedia
) -> None:
    media = decoder.decode(corpus.mov(hd_clip))

    assert_video(media, SECONDS, (180, 320, 3))
    assert_mono_audio(media, SECONDS)
    assert np.array_equal(media.frames[3].pixels, hd.frames[3].pixels)
    assert hd.audio is not None
    assert media.audio is not None
    assert np.allclose(media.audio.samples, hd.audio.samples, atol=1e-4)


@pytest.mark.parametrize("convert", [corpus.webm_vp9, corpus.webm_vp8], ids=["vp9", "vp8"])
def test_a_webm_with_opus_decodes(
    decoder: PyAVDecoder, small_clip: bytes, convert: corpus.Transform
) -> None:
    original = decoder.decode(small_clip)
    media = decoder.decode(convert(small_clip))

    assert_video(media, SECONDS, (180, 320, 3))
    assert_mono_audio(media, SECONDS)
    difference = np.abs(
        media.frames[5].pixels.astype(np.int16) - original.frames[5].pixels.astype(np.int16)
    )
    assert difference.mean() < 12, "the same pictures, give or take the lossy codec"
    assert original.audio is not None
    assert media.audio is not None
    assert best_correlation(original.audio.samples, media.audio.samples) > 0.9


def test_a_wav_decodes_to_audio_only(
    decoder: PyAVDecoder, hd_clip: bytes, hd: DecodedMedia
) -> None:
    media = decoder.decode(corpus.audio_only_wav(hd_clip))

    assert media.frames == ()
    assert_mono_audio(media, SECONDS)
    assert hd.audio is not None
    assert media.audio is not None
    assert media.duration_seconds == pytest.approx(media.audio.duration_seconds)
    assert best_correlation(hd.audio.samples, media.audio.samples, lag=50) > 0.98


def test_an_mp3_decodes_to_audio_only(
    decoder: PyAVDecoder, hd_clip: bytes, hd: DecodedMedia
) -> None:
    media = decoder.decode(corpus.audio_only_mp3(hd_clip))

    assert media.frames == ()
    assert_mono_audio(media, SECONDS)
    assert hd.audio is not None
    assert media.audio is not None
    assert best_correlation(hd.audio.samples, media.audio.samples) > 0.9


def test_a_video_without_an_audio_stream_has_no_audio(decoder: PyAVDecoder) -> None:
    media = decoder.decode(corpus.silent_video_without_audio(4))

    assert media.audio is None
    assert_video(media, 4.0, (180, 320, 3))


def test_portrait_video_keeps_its_aspect_ratio(decoder: PyAVDecoder, small_clip: bytes) -> None:
    media = decoder.decode(corpus.letterboxed_portrait(small_clip))

    assert_video(media, SECONDS, (320, 180, 3))
    picture = media.frames[4].pixels
    assert picture[:40].max() < 30, "black bar above"
    assert picture[-40:].max() < 30, "black bar below"
    assert picture[150:170].std() > 5, "the landscape picture in the middle"


def test_a_phone_rotation_tag_turns_the_pictures_upright(
    decoder: PyAVDecoder, small_clip: bytes
) -> None:
    stored = decoder.decode(small_clip)
    media = decoder.decode(corpus.rotated(small_clip, 90))

    assert media.frames[2].pixels.shape == (320, 180, 3)
    assert np.array_equal(media.frames[2].pixels, np.rot90(stored.frames[2].pixels))


def test_rate_frame_sampling_and_size_are_configurable(hd_clip: bytes, hd: DecodedMedia) -> None:
    media = PyAVDecoder(sample_rate=16000, frames_per_second=1, max_side=160).decode(hd_clip)

    assert media.audio is not None
    assert media.audio.sample_rate == 16000
    assert media.audio.duration_seconds == pytest.approx(SECONDS, abs=0.1)
    assert [round(frame.at_seconds, 2) for frame in media.frames] == [0, 1, 2, 3, 4, 5]
    assert media.frames[0].pixels.shape == (90, 160, 3)


def test_threaded_decoding_gives_the_same_result(hd_clip: bytes, hd: DecodedMedia) -> None:
    media = PyAVDecoder(threads=0).decode(hd_clip)

    assert len(media.frames) == len(hd.frames)
    for threaded, single in zip(media.frames, hd.frames, strict=True):
        assert threaded.at_seconds == single.at_seconds
        assert np.array_equal(threaded.pixels, single.pixels)


def test_small_pictures_are_not_scaled_up(decoder: PyAVDecoder) -> None:
    media = decoder.decode(corpus.reference_clip(5, seconds=2, size=(256, 144)))

    assert media.frames[0].pixels.shape == (144, 256, 3)


def test_sped_up_video_is_shorter(decoder: PyAVDecoder, small_clip: bytes) -> None:
    media = decoder.decode(corpus.sped_up(small_clip))

    assert media.duration_seconds == pytest.approx(SECONDS / 1.03, abs=0.1)


# Damaged and refused uploads


def refusal(decoder: PyAVDecoder, data: bytes) -> str:
    with pytest.raises(UnreadableMedia) as refused:
        decoder.decode(data)
    return str(refused.value)


def test_empty_bytes_are_refused(decoder: PyAVDecoder) -> None:
    assert refusal(decoder, b"") == "the file is empty"


@pytest.mark.parametrize(
    "data",
    [corpus.not_media(), b"\x00" * 5000, b"%PDF-1.7\n" + bytes(range(256)) * 20],
    ids=["text", "zeros", "pdf"],
)
def test_bytes_that_are_not_media_are_refused(decoder: PyAVDecoder, data: bytes) -> None:
    assert "not a video or audio format" in refusal(decoder, data)


def test_a_still_image_is_refused(decoder: PyAVDecoder) -> None:
    assert "still image" in refusal(decoder, corpus.png_image())


def test_an_mp4_cut_before_its_index_is_refused(decoder: PyAVDecoder, hd_clip: bytes) -> None:
    assert "damaged or incomplete" in refusal(decoder, corpus.truncated(hd_clip))


def test_a_corrupt_container_is_refused(decoder: PyAVDecoder, hd_clip: bytes) -> None:
    assert "damaged or incomplete" in refusal(decoder, corpus.corrupt(hd_clip))


def test_an_mp4_whose_media_data_is_noise_is_refused(decoder: PyAVDecoder, hd_clip: bytes) -> None:
    assert "nothing in it decodes" in refusal(decoder, corpus.garbled_payload(hd_clip))


def test_a_clip_with_no_frames_is_refused(decoder: PyAVDecoder) -> None:
    assert "no audio or video" in refusal(decoder, corpus.zero_length_clip())


def test_a_single_frame_is_too_short(decoder: PyAVDecoder) -> None:
    assert "too short (0.04 s)" in refusal(decoder, corpus.single_frame_clip())


def test_a_clip_over_the_limit_is_refused(hd_clip: bytes) -> None:
    short_limit = PyAVDecoder(max_duration_seconds=3)

    assert refusal(short_limit, hd_clip) == "the clip is 6 seconds long; the limit is 3 seconds"


def test_the_limit_is_enforced_on_content_not_only_on_the_header(small_clip: bytes) -> None:
    # A WebM recorded by a browser declares no duration: the decoder must count by itself.
    live = corpus.live_webm(small_clip)

    assert refusal(PyAVDecoder(max_duration_seconds=2), live) == (
        "the clip is longer than the limit of 2 seconds"
    )
    assert_video(PyAVDecoder().decode(live), SECONDS, (180, 320, 3))


def test_the_decodable_start_of_a_cut_off_webm_is_kept(
    decoder: PyAVDecoder, small_clip: bytes
) -> None:
    media = decoder.decode(corpus.truncated(corpus.webm_vp9(small_clip)))

    assert 1.0 < media.duration_seconds < SECONDS - 1.0
    assert media.audio is not None
    assert abs(len(media.frames) - 2 * media.duration_seconds) <= 1.5


def test_the_decodable_start_of_a_cut_off_fast_start_mp4_is_kept(
    decoder: PyAVDecoder, hd_clip: bytes
) -> None:
    media = decoder.decode(corpus.truncated(corpus.faststart(hd_clip)))

    assert 1.0 < media.duration_seconds < SECONDS - 1.0
    assert len(media.frames) >= 2


@pytest.mark.parametrize("seed", range(8))
def test_randomly_damaged_files_never_leak_library_errors(
    decoder: PyAVDecoder, small_clip: bytes, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    data = bytearray(small_clip)
    for start in rng.integers(0, len(data) - 512, 6):
        data[start : start + 512] = rng.integers(0, 256, 512, np.uint8).tobytes()

    try:
        media = decoder.decode(bytes(data))
    except UnreadableMedia as refused:
        reason = str(refused)
    else:
        reason = ""
        assert media.duration_seconds > 0
        assert media.frames or media.audio is not None
    assert reason == "" or reason.startswith("the ")


# The corpus the other media tests build on


@pytest.fixture(scope="module")
def small(decoder: PyAVDecoder, small_clip: bytes) -> DecodedMedia:
    return decoder.decode(small_clip)


EXPECTED = {  # transform: (duration, picture shape or None for audio only)
    "reencoded_low_bitrate": (SECONDS, (180, 320, 3)),
    "scaled": (SECONDS, (180, 320, 3)),
    "cropped": (SECONDS, (180, 320, 3)),
    "mirrored": (SECONDS, (180, 320, 3)),
    "text_overlay": (SECONDS, (180, 320, 3)),
    "letterboxed_portrait": (SECONDS, (320, 180, 3)),
    "centre_cropped_portrait": (SECONDS, (320, 180, 3)),
    "sped_up": (SECONDS / 1.03, (180, 320, 3)),
    "noise_mixed": (SECONDS, (180, 320, 3)),
    "voice_over_mixed": (SECONDS, (180, 320, 3)),
    "trimmed_excerpt": (corpus.EXCERPT_SECONDS, (180, 320, 3)),
    "audio_only_wav": (SECONDS, None),
    "audio_only_mp3": (SECONDS, None),
}


def test_every_transformation_is_listed() -> None:
    assert set(corpus.TRANSFORMS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_transformation_gives_a_clip_that_decodes(
    decoder: PyAVDecoder, small_clip: bytes, name: str
) -> None:
    seconds, shape = EXPECTED[name]
    media = decoder.decode(corpus.TRANSFORMS[name](small_clip))

    assert_mono_audio(media, seconds)
    if shape is None:
        assert media.frames == ()
    else:
        assert_video(media, seconds, shape)


def mean_difference(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_mirrored_pictures_are_flipped(
    decoder: PyAVDecoder, small_clip: bytes, small: DecodedMedia
) -> None:
    media = decoder.decode(corpus.mirrored(small_clip))

    for original, flipped in zip(small.frames, media.frames, strict=True):
        assert mean_difference(original.pixels[:, ::-1], flipped.pixels) < 4
    assert mean_difference(small.frames[1].pixels, media.frames[1].pixels) > 10


def test_captions_cover_the_bottom_and_a_corner_only(
    decoder: PyAVDecoder, small_clip: bytes, small: DecodedMedia
) -> None:
    media = decoder.decode(corpus.text_overlay(small_clip))

    original, captioned = small.frames[3].pixels, media.frames[3].pixels
    assert mean_difference(original[-20:], captioned[-20:]) > 30
    assert mean_difference(original[50:140], captioned[50:140]) < 4


@pytest.mark.parametrize(
    ("transform", "low", "high"),
    [(corpus.noise_mixed, 0.9, 0.99), (corpus.voice_over_mixed, 0.9, 0.98)],
    ids=["noise", "voice"],
)
def test_mixed_in_sound_is_about_ten_decibels_down(
    decoder: PyAVDecoder,
    small_clip: bytes,
    small: DecodedMedia,
    transform: corpus.Transform,
    low: float,
    high: float,
) -> None:
    media = decoder.decode(transform(small_clip))

    assert small.audio is not None
    assert media.audio is not None
    # -10 dB of independent sound: correlation 1/sqrt(1 + 0.1) = 0.95 before AAC.
    assert low < best_correlation(small.audio.samples, media.audio.samples, lag=5) < high


def test_the_excerpt_comes_from_the_middle(
    decoder: PyAVDecoder, small_clip: bytes, small: DecodedMedia
) -> None:
    media = decoder.decode(corpus.trimmed_excerpt(small_clip))
    start = corpus.excerpt_start(small_clip)

    assert start == pytest.approx((SECONDS - corpus.EXCERPT_SECONDS) / 2, abs=0.05)
    assert small.audio is not None
    assert media.audio is not None
    offset = round(start * small.audio.sample_rate)
    window = small.audio.samples[offset : offset + media.audio.samples.size]
    assert best_correlation(window, media.audio.samples, lag=50) > 0.95


def test_clips_are_deterministic() -> None:
    generate = corpus.reference_clip.__wrapped__

    assert generate(9, 1, (160, 90)) == generate(9, 1, (160, 90))
    assert generate(9, 1, (160, 90)) != generate(10, 1, (160, 90))


def test_seeds_and_unrelated_clips_do_not_resemble_each_other(
    decoder: PyAVDecoder, hd: DecodedMedia
) -> None:
    others = [
        decoder.decode(corpus.reference_clip(6, seconds=SECONDS)),
        decoder.decode(corpus.unrelated_clip(3, seconds=SECONDS)),
    ]

    for other in others:
        assert hd.audio is not None
        assert other.audio is not None
        assert best_correlation(hd.audio.samples, other.audio.samples, lag=200) < 0.3
        differences = [
            mean_difference(a.pixels, b.pixels)
            for a, b in zip(hd.frames, other.frames, strict=False)
        ]
        assert np.median(differences) > 30
