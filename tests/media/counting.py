"""The real decoder and engines, counting the work they are asked to do: a restart from a
snapshot must decode and fingerprint nothing, and index only what came after it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from adapters.matching.audio import LandmarkAudioEngine
from adapters.matching.visual_engine import VisualEngine
from adapters.media.decoding import PyAVDecoder
from application.media import (
    Candidate,
    DecodedMedia,
    Install,
    PictureSampling,
    SnapshotEngine,
    TimeRange,
)


class CountingDecoder:
    """The real decoder, counting what it is asked to decode."""

    def __init__(self) -> None:
        self.inner = PyAVDecoder()
        self.decoded = 0

    def decode(self, data: bytes, *, also: Sequence[PictureSampling] = ()) -> DecodedMedia:
        self.decoded += 1
        return self.inner.decode(data, also=also)


class CountingEngine:
    """A real engine, counting what it fingerprints and indexes; under another ``version``,
    an engine of another day whose snapshots are not this one's."""

    def __init__(self, inner: SnapshotEngine, *, version: str | None = None) -> None:
        self.inner = inner
        self.signal = inner.signal
        self.version = inner.version if version is None else version
        self.fingerprinted = 0
        self.indexed = 0

    def fingerprint(self, media: DecodedMedia) -> bytes:
        self.fingerprinted += 1
        return self.inner.fingerprint(media)

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        self.indexed += 1
        self.inner.index(reference_id, fingerprint, excluded)

    def forget(self, reference_id: str) -> None:
        self.inner.forget(reference_id)

    def query(self, fingerprint: bytes, *, limit: int = 10) -> list[Candidate]:
        return self.inner.query(fingerprint, limit=limit)

    def __len__(self) -> int:
        return len(self.inner)

    def save_index(self, directory: Path) -> None:
        self.inner.save_index(directory)

    def read_index(self, directory: Path) -> Install:
        return self.inner.read_index(directory)


def counting_audio(*, version: str | None = None) -> CountingEngine:
    return CountingEngine(LandmarkAudioEngine(), version=version)


class CountingSampledEngine(CountingEngine):
    """A counting engine over one that needs pictures sampled its own way."""

    def __init__(self, inner: VisualEngine) -> None:
        super().__init__(inner)
        self.sampling = inner.sampling


def counting_visual() -> CountingEngine:
    return CountingSampledEngine(VisualEngine())


def other_audio() -> CountingEngine:
    return counting_audio(version="landmark-of-another-day")
