"""Audio evidence: landmark fingerprints recognise a soundtrack however it was re-uploaded.

The music is synthesised here with numpy from seeds (melody with harmonics, chords, kicks and
noise-burst percussion) at 11 025 Hz, and degraded the way uploads are: noise or a voice-over
at -10 dB, a gain change, 3 % faster or slower, a 5-second excerpt, a lossy-like low-pass and
requantisation.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import signal  # type: ignore[import-untyped]

from adapters.matching import audio as audio_module
from adapters.matching.audio import (
    FORMAT_VERSION,
    IncompatibleFingerprint,
    LandmarkAudioEngine,
    Peaks,
    decode,
    encode,
)
from application.media import AudioTrack, DecodedMedia, MatchingEngine, TimeRange

Keys = NDArray[np.uint64]
Ints = NDArray[np.int64]
RATE = 11025
SECONDS = 20.0
MATCH = 0.35  # a true match scores above this; unrelated music stays below
Audio = NDArray[np.float32]


# --------------------------------------------------------------------------------------
# Synthetic music


def _tone(hz: float, seconds: float, harmonics: NDArray[np.float64], decay: float) -> Audio:
    t = np.arange(max(1, int(seconds * RATE))) / RATE
    k = np.arange(1, len(harmonics) + 1)[:, None]
    audible = (hz * k[:, 0]) < RATE / 2.2
    wave = (harmonics[audible, None] * np.sin(2 * np.pi * hz * k[audible] * t)).sum(axis=0)
    envelope = np.minimum(1.0, t / 0.01) * np.minimum(1.0, (seconds - t) / 0.02)
    return np.asarray(wave * envelope * np.exp(-t * decay), dtype=np.float32)


def _add(track: Audio, at: float, sound: Audio) -> None:
    start = int(at * RATE)
    end = min(len(track), start + len(sound))
    if end > start:
        track[start:end] += sound[: end - start]


@functools.cache
def music(seed: int, seconds: float = SECONDS) -> Audio:
    """A seeded tune: chords, a melody with its own timbre, kicks, snares and hats."""
    rng = np.random.default_rng([seed, 11])
    n = int(seconds * RATE)
    track = np.zeros(n, np.float32)
    scales = ((0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10), (0, 2, 4, 7, 9))
    scale = scales[int(rng.integers(len(scales)))]
    root = int(rng.integers(45, 58))
    beat = 60.0 / rng.uniform(84, 144)
    timbre = rng.uniform(0, 1, 6) ** 2
    timbre[0] = 1.0

    def hz(degree: int) -> float:
        octave, step = divmod(degree, len(scale))
        return float(440.0 * 2 ** ((root + 12 * octave + scale[step] - 69) / 12))

    t = 0.0
    while t < seconds:  # one triad a bar
        degree = int(rng.integers(len(scale)))
        for third in (0, 2, 4):
            pad = _tone(hz(degree + third), 4 * beat, np.array([1.0, 0.5, 0.25, 0.12]), 0.6)
            _add(track, t, pad * 0.25)
        t += 4 * beat
    t, degree = 0.0, int(rng.integers(len(scale), 2 * len(scale)))
    while t < seconds:  # a melody an octave up, with rests
        length = beat * float(rng.choice([0.25, 0.5, 0.5, 1.0, 1.0, 1.5]))
        if rng.random() > 0.12:
            degree = int(np.clip(degree + rng.integers(-3, 4), len(scale), 3 * len(scale)))
            _add(track, t, _tone(hz(degree), length, timbre, float(rng.uniform(1, 4))) * 0.4)
        t += length
    kick_t = np.arange(int(0.25 * RATE)) / RATE
    kick = np.sin(2 * np.pi * (45 * kick_t + 7.5 * (1 - np.exp(-12 * kick_t))))
    kick = (0.6 * kick * np.exp(-kick_t * 14)).astype(np.float32)
    pattern = rng.random((3, 8)) < np.array([[0.45], [0.3], [0.6]])
    pattern[0, 0] = True
    step = 0
    while step * beat / 2 < seconds:  # percussion on eighth notes
        at = step * beat / 2
        if pattern[0, step % 8]:
            _add(track, at, kick)
        if pattern[1, step % 8]:
            snare = rng.normal(0, 1, int(0.18 * RATE)) * np.exp(-np.arange(int(0.18 * RATE)) / 500)
            _add(track, at, snare.astype(np.float32) * 0.2)
        if pattern[2, step % 8]:
            hat = np.diff(rng.normal(0, 1, int(0.05 * RATE) + 1)) * np.exp(-np.arange(551) / 100)
            _add(track, at, hat.astype(np.float32) * 0.06)
        step += 1
    return np.asarray(track * (0.8 / float(np.max(np.abs(track)))), dtype=np.float32)


def media(samples: Audio | None, rate: int = RATE) -> DecodedMedia:
    if samples is None:
        return DecodedMedia(duration_seconds=3.0, audio=None, frames=())
    audio = AudioTrack(samples=np.asarray(samples, dtype=np.float32), sample_rate=rate)
    return DecodedMedia(duration_seconds=audio.duration_seconds, audio=audio, frames=())


# --------------------------------------------------------------------------------------
# What uploads do to it


def _rms(samples: NDArray[np.floating]) -> float:
    return float(np.sqrt(np.mean(np.square(samples))))


def _mix(samples: Audio, extra: NDArray[np.float64], db: float) -> Audio:
    extra = extra * (_rms(samples) * 10 ** (db / 20) / _rms(extra))
    return np.asarray(samples + extra, dtype=np.float32)


def pink_noise(samples: Audio, seed: int) -> Audio:
    """Pink noise (1/f power) at -10 dB relative to the music."""
    white = np.fft.rfft(np.random.default_rng(seed).normal(0, 1, len(samples)))
    f = np.fft.rfftfreq(len(samples), 1 / RATE)
    pink = np.fft.irfft(white / np.sqrt(np.maximum(f, 40.0)), n=len(samples))
    return _mix(samples, pink, -10.0)


def voice_over(samples: Audio, seed: int) -> Audio:
    """A talking voice without words (pulses through vowel formants) at -10 dB."""
    rng = np.random.default_rng(seed)
    voice = np.zeros(len(samples))
    t = 0.2
    while t < len(samples) / RATE - 0.3:
        count = int(rng.uniform(0.14, 0.26) * RATE)
        start = int(t * RATE)
        f0 = rng.uniform(100, 200) * (1 - 0.2 * np.arange(count) / count)
        pulses = np.diff(np.floor(np.cumsum(f0 / RATE)), prepend=0.0)
        syllable = np.zeros(count)
        for formant in rng.choice([300, 500, 700, 900, 1200, 1800, 2400], size=3, replace=False):
            r = np.exp(-np.pi * (60 + formant * 0.05) / RATE)
            syllable += signal.lfilter(
                [1 - r], [1, -2 * r * np.cos(2 * np.pi * formant / RATE), r * r], pulses
            )
        voice[start : start + count] += syllable * np.sin(np.pi * np.arange(count) / count)
        t += count / RATE + rng.uniform(0.02, 0.3)
    return _mix(samples, voice, -10.0)


def quieter(samples: Audio, seed: int) -> Audio:
    return np.asarray(samples * 0.2, dtype=np.float32)


def sped_up(samples: Audio, seed: int) -> Audio:
    """3 % faster by resampling (pitch goes up too), as short-video apps do."""
    return np.asarray(signal.resample_poly(samples, 100, 103), dtype=np.float32)


def slowed_down(samples: Audio, seed: int) -> Audio:
    return np.asarray(signal.resample_poly(samples, 103, 100), dtype=np.float32)


def lossy(samples: Audio, seed: int) -> Audio:
    """Like a low-bitrate codec: band-limited to 4 kHz, requantised to 8 bits, light hiss."""
    b, a = signal.butter(6, 4000 / (RATE / 2))
    filtered = signal.lfilter(b, a, samples)
    hiss = np.random.default_rng(seed).normal(0, 0.002, len(samples))
    return np.asarray(np.round((filtered + hiss) * 127) / 127, dtype=np.float32)


EXCERPT_START = (SECONDS - 5.0) / 2


def excerpt(samples: Audio, seed: int) -> Audio:
    """Five seconds from the middle."""
    start = int(EXCERPT_START * RATE)
    return samples[start : start + 5 * RATE].copy()


def noisy_excerpt(samples: Audio, seed: int) -> Audio:
    return pink_noise(excerpt(samples, seed), seed)


Transform = Callable[[Audio, int], Audio]
TRANSFORMS: dict[str, tuple[Transform, float]] = {  # name: (transform, reference offset)
    "identical": (lambda samples, seed: samples, 0.0),
    "noise -10 dB": (pink_noise, 0.0),
    "voice-over -10 dB": (voice_over, 0.0),
    "gain -14 dB": (quieter, 0.0),
    "3% faster": (sped_up, 0.0),
    "3% slower": (slowed_down, 0.0),
    "lossy": (lossy, 0.0),
    "5 s excerpt": (excerpt, EXCERPT_START),
    "noisy 5 s excerpt": (noisy_excerpt, EXCERPT_START),
}
SEEDS = (1, 2, 3)


# --------------------------------------------------------------------------------------
# Tests


@pytest.fixture(scope="module")
def engine() -> LandmarkAudioEngine:
    audio = LandmarkAudioEngine()
    for seed in range(12):
        audio.index(f"title-{seed}", audio.fingerprint(media(music(seed))))
    return audio


def test_the_engine_is_a_matching_engine(engine: LandmarkAudioEngine) -> None:
    port: MatchingEngine = engine
    assert port.signal == "audio"
    assert port.version == f"landmark-{FORMAT_VERSION}"
    assert len(port) == 12


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_a_reupload_finds_its_reference_at_the_right_place(
    engine: LandmarkAudioEngine, name: str, seed: int
) -> None:
    transform, offset = TRANSFORMS[name]
    query = transform(music(seed), seed)

    candidates = engine.query(engine.fingerprint(media(query)), limit=3)

    assert candidates, name
    best = candidates[0]
    assert best.reference_id == f"title-{seed}"
    assert best.score > MATCH
    assert best.evidence["offset_seconds"] == pytest.approx(offset, abs=0.1)
    speed = best.evidence["speed"]
    assert isinstance(speed, float)
    assert best.reference_start == pytest.approx(best.query_start * speed + offset, abs=0.1)
    assert best.matched_seconds > 0.6 * len(query) / RATE
    assert all(other.score < MATCH for other in candidates[1:])


@pytest.mark.parametrize(("transform", "speed"), [(sped_up, 1.03), (slowed_down, 1 / 1.03)])
def test_the_speed_is_reported(
    engine: LandmarkAudioEngine, transform: Transform, speed: float
) -> None:
    best = engine.query(engine.fingerprint(media(transform(music(4), 4))))[0]

    assert best.reference_id == "title-4"
    assert best.evidence["speed"] == pytest.approx(speed, abs=0.003)


def test_a_longer_video_that_plays_the_clip_later_matches_where_it_does(
    engine: LandmarkAudioEngine,
) -> None:
    video = np.concatenate([music(120, 12.0), music(5)[: 15 * RATE], music(121, 8.0)])

    best = engine.query(engine.fingerprint(media(video)))[0]

    assert best.reference_id == "title-5"
    assert best.score > MATCH
    assert best.query_start == pytest.approx(12.0, abs=0.3)
    assert best.reference_start == pytest.approx(0.0, abs=0.3)
    assert best.evidence["offset_seconds"] == pytest.approx(-12.0, abs=0.1)
    assert best.matched_seconds == pytest.approx(15.0, abs=0.6)


def test_music_at_another_sample_rate_matches() -> None:
    engine = LandmarkAudioEngine()
    engine.index("title", engine.fingerprint(media(music(5))))
    at_44k = signal.resample_poly(music(5), 4, 1).astype(np.float32)

    best = engine.query(engine.fingerprint(media(at_44k, 4 * RATE)))[0]

    assert best.reference_id == "title"
    assert best.score > MATCH


@pytest.mark.parametrize("seed", range(100, 112))
def test_unrelated_music_is_not_a_match(engine: LandmarkAudioEngine, seed: int) -> None:
    for query in (music(seed), pink_noise(music(seed, 10.0), seed), excerpt(music(seed), seed)):
        candidates = engine.query(engine.fingerprint(media(query)))
        assert all(c.score < MATCH for c in candidates)


def test_silence_noise_and_speech_alone_are_not_matches(engine: LandmarkAudioEngine) -> None:
    rng = np.random.default_rng(9)
    noise = rng.normal(0, 0.1, 10 * RATE).astype(np.float32)
    speech = voice_over(np.full(10 * RATE, 1e-3, np.float32), 9)
    for query in (noise, speech):
        assert all(c.score < MATCH for c in engine.query(engine.fingerprint(media(query))))


def test_an_excluded_range_never_matches() -> None:
    engine = LandmarkAudioEngine()
    fingerprint = engine.fingerprint(media(music(6)))
    engine.index("title", fingerprint, excluded=[TimeRange(start=5.0, end=15.0)])
    inside = music(6)[6 * RATE : 14 * RATE]
    outside = music(6)[15 * RATE : 20 * RATE]

    assert engine.query(engine.fingerprint(media(inside))) == []
    best = engine.query(engine.fingerprint(media(outside)))[0]
    assert best.reference_id == "title"
    assert best.score > MATCH
    assert best.evidence["offset_seconds"] == pytest.approx(15.0, abs=0.1)


def test_forget_removes_a_reference_and_index_replaces_one() -> None:
    engine = LandmarkAudioEngine()
    for seed in (1, 2):
        engine.index(f"title-{seed}", engine.fingerprint(media(music(seed))))
    query = engine.fingerprint(media(excerpt(music(1), 1)))

    engine.forget("title-1")
    engine.forget("never-indexed")

    assert len(engine) == 1
    assert all(c.reference_id != "title-1" for c in engine.query(query))
    engine.index("title-2", engine.fingerprint(media(music(1))))  # replaced with other music
    assert len(engine) == 1
    assert engine.query(query)[0].reference_id == "title-2"
    assert engine.query(engine.fingerprint(media(excerpt(music(2), 2)))) == []


def test_fingerprints_are_deterministic_compact_bytes() -> None:
    engine = LandmarkAudioEngine()
    first = engine.fingerprint(media(music(7)))
    again = LandmarkAudioEngine().fingerprint(media(music(7).copy()))

    assert first == again
    assert encode(decode(first)) == first
    assert first[:4] == b"LMAF"
    assert len(first) < 400 * SECONDS  # a few hundred bytes a second
    peaks = decode(first)
    assert 10 * SECONDS < len(peaks) < 45 * SECONDS
    assert peaks.duration == pytest.approx(SECONDS)
    assert bool(np.all(np.diff(peaks.times) >= 0))


def test_long_tracks_are_analysed_in_blocks_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = LandmarkAudioEngine().fingerprint(media(music(7)))
    monkeypatch.setattr(audio_module, "BLOCK_FRAMES", 200)  # 860 frames: five blocks

    assert LandmarkAudioEngine().fingerprint(media(music(7))) == whole


def test_a_stored_fingerprint_rebuilds_the_same_index() -> None:
    stored = LandmarkAudioEngine().fingerprint(media(music(8)))
    rebuilt = LandmarkAudioEngine()
    rebuilt.index("title", bytes(bytearray(stored)))

    query = rebuilt.fingerprint(media(excerpt(music(8), 8)))

    assert rebuilt.query(query)[0].reference_id == "title"


@pytest.mark.parametrize(
    "samples",
    [None, np.zeros(5 * RATE, np.float32), np.full(RATE // 10, 0.5, np.float32)],
    ids=["no audio", "silence", "a tenth of a second"],
)
def test_no_usable_audio_gives_an_empty_fingerprint_that_matches_nothing(
    engine: LandmarkAudioEngine, samples: Audio | None
) -> None:
    fingerprint = engine.fingerprint(media(samples))

    assert fingerprint == b""
    assert engine.query(fingerprint) == []
    other = LandmarkAudioEngine()
    other.index("silent", fingerprint)
    assert len(other) == 0
    assert other.query(engine.fingerprint(media(music(1)))) == []


@pytest.mark.parametrize("data", [b"LMAF", b"XXXX" + bytes(60)], ids=["short", "magic"])
def test_foreign_bytes_are_refused(data: bytes) -> None:
    engine = LandmarkAudioEngine()
    with pytest.raises(IncompatibleFingerprint):
        engine.index("title", data)
    with pytest.raises(IncompatibleFingerprint):
        engine.query(data)


def test_a_large_catalogue_is_searched_through_postings_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """600 references; a query reads the postings of its own hashes, never every reference."""
    engine = LandmarkAudioEngine()
    rng = np.random.default_rng(3)
    songs = [decode(engine.fingerprint(media(music(seed)))) for seed in range(20)]
    for number in range(600):
        engine.index(f"other-{number}", _another_song(songs[number % 20], rng))
    engine.index("title", engine.fingerprint(media(music(9))))
    query = engine.fingerprint(media(noisy_excerpt(music(9), 9)))
    postings = engine._postings
    reads: list[int] = []
    real_ranges = postings.ranges

    def counting_ranges(low: Keys, high: Keys) -> list[tuple[Keys, Ints, Ints]]:
        found = real_ranges(low, high)
        reads.append(sum(int((ends - starts).sum()) for _, starts, ends in found))
        return found

    monkeypatch.setattr(postings, "ranges", counting_ranges)
    started = time.perf_counter()
    best = engine.query(query)[0]
    elapsed = time.perf_counter() - started

    assert best.reference_id == "title"
    assert best.score > MATCH
    assert len(engine) == 601
    assert 0 < sum(reads) < postings.total() / 4
    assert elapsed < 2.0


def _another_song(peaks: Peaks, rng: np.random.Generator) -> bytes:
    """Real peaks transposed and with their seconds shuffled: hashes that look like music
    but belong to no indexed reference."""
    seconds = (peaks.times // 43).astype(np.int64)
    times = rng.permutation(int(seconds.max()) + 1)[seconds] * 43 + peaks.times % 43
    freqs = peaks.freqs * 2 ** (int(rng.integers(-6, 7)) / 12) * rng.uniform(0.97, 1.03)
    order = np.lexsort((freqs, times))
    keep = order[freqs[order] < 470]
    return encode(Peaks(times[keep], freqs[keep], peaks.ranks[keep], peaks.duration))
