"""What the anchors measurements share: the plan, the clips, stores, timing helpers."""

from __future__ import annotations

import secrets
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adapters.matching.audio import LandmarkAudioEngine
from adapters.matching.visual import PerceptualVisualEngine
from adapters.media.decoding import PyAVDecoder
from adapters.storage import Store, parse_store
from application.auth import Principal, Role
from application.media import MatchingEngine, MediaDecoder
from bench.tables import Table
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.media.corpus import TRANSFORMS, reference_clip

STUDIO = Principal(Role.STUDIO, "bench-studio")
CREATOR = Principal(Role.CREATOR, "bench-creator")
# Aggregates written per save when a section seeds a store directly.
SEED_BATCH = 250


@dataclass(frozen=True)
class AnchorPlan:
    """How big each anchors measurement is."""

    # Quality: every reference x every transform, plus unrelated clips.
    reference_seeds: tuple[int, ...]
    reference_seconds: float
    transforms: tuple[str, ...]
    unrelated_seeds: tuple[int, ...]
    # Fingerprinting cost: one 720p clip of this length, decoded and fingerprinted N times.
    cost_seconds: float
    cost_repetitions: int
    # Lookup latency: catalogues built from `pool_clips` distinct synthetic clips.
    pool_clips: int
    pool_seconds: float
    catalogue_sizes: tuple[int, ...]
    query_repetitions: int
    publish_repetitions: int
    query_transform: str
    # Retroactive matching: `retro_videos` seeded videos, `retro_copies` x
    # `retro_copies_each` of them real fingerprints of copies of the new reference.
    retro_videos: int
    retro_distinct: int
    retro_video_seconds: float
    retro_copies: tuple[str, ...]
    retro_copies_each: int

    @property
    def retro_seed(self) -> int:
        """The new title's reference in the retroactive run: the first quality reference."""
        return self.reference_seeds[0]

    def describe(self) -> str:
        sizes = "/".join(f"{size:,}" for size in self.catalogue_sizes)
        return (
            f"quality {plural(len(self.reference_seeds), 'reference')} x "
            f"{len(self.transforms)} transforms + {len(self.unrelated_seeds)} unrelated; cost on a "
            f"{self.cost_seconds:.0f} s 720p clip x {self.cost_repetitions}; lookup on "
            f"{sizes} references ({self.pool_clips:,} real synthetic clips), "
            f"{self.query_repetitions} queries; retroactive over {self.retro_videos:,} videos"
        )


ALL_TRANSFORMS = tuple(sorted(TRANSFORMS))
# Copies that a sweep must find: each carries both signals, or a clean soundtrack.
RETRO_COPIES = ("mirrored", "noise_mixed", "reencoded_low_bitrate", "scaled", "text_overlay")

FULL = AnchorPlan(
    reference_seeds=(11, 12, 13, 14),
    reference_seconds=20.0,
    transforms=ALL_TRANSFORMS,
    unrelated_seeds=tuple(range(101, 121)),
    cost_seconds=60.0,
    cost_repetitions=3,
    pool_clips=1000,
    pool_seconds=20.0,
    catalogue_sizes=(100, 1_000, 10_000),
    query_repetitions=30,
    publish_repetitions=12,
    query_transform="cropped",
    retro_videos=10_000,
    retro_distinct=300,
    retro_video_seconds=10.0,
    retro_copies=RETRO_COPIES,
    retro_copies_each=2,
)
QUICK = AnchorPlan(
    reference_seeds=(11,),
    reference_seconds=10.0,
    transforms=ALL_TRANSFORMS,
    unrelated_seeds=tuple(range(101, 105)),
    cost_seconds=20.0,
    cost_repetitions=1,
    pool_clips=100,
    pool_seconds=20.0,
    catalogue_sizes=(100, 1_000),
    query_repetitions=10,
    publish_repetitions=4,
    query_transform="cropped",
    retro_videos=1_000,
    retro_distinct=100,
    retro_video_seconds=10.0,
    retro_copies=RETRO_COPIES,
    retro_copies_each=1,
)


@dataclass
class Section:
    """One measurement's tables, its notes, and the checks it found failing."""

    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def progress(message: str) -> None:
    # Progress goes to stderr so that stdout is only the report.
    print(message, file=sys.stderr, flush=True)


class Clips:
    """Corpus clips that several measurements use, each made once.

    The quality run transforms every reference anyway; the copies that later measurements
    need are kept from it (``offer``) instead of being encoded a second time.
    """

    def __init__(self, reference_seconds: float, wanted: Iterable[tuple[int, str]]) -> None:
        self.reference_seconds = reference_seconds
        self._wanted = set(wanted)
        self._kept: dict[tuple[int, str], bytes] = {}

    def reference(self, seed: int) -> bytes:
        return reference_clip(seed, seconds=self.reference_seconds)

    def offer(self, seed: int, transform: str, media: bytes) -> None:
        if (seed, transform) in self._wanted:
            self._kept[(seed, transform)] = media

    def copy(self, seed: int, transform: str) -> bytes:
        kept = self._kept.get((seed, transform))
        if kept is None:
            kept = TRANSFORMS[transform](self.reference(seed))
            self.offer(seed, transform, kept)
        return kept


def engines() -> tuple[LandmarkAudioEngine, PerceptualVisualEngine]:
    return LandmarkAudioEngine(), PerceptualVisualEngine()


def versions() -> dict[str, str]:
    audio, visual = engines()
    return {audio.signal: audio.version, visual.signal: visual.version}


def memory_store() -> Store:
    return parse_store("memory://", setting="bench")


@contextmanager
def open_core(
    store: Store,
    *,
    decoder: MediaDecoder | None = None,
    matching: Sequence[MatchingEngine] | None = None,
) -> Iterator[Spotlight]:
    """The core as ``entrypoints.bootstrap`` builds it, on ``store``, with its real decoder
    and engines unless others are given."""
    with tempfile.TemporaryDirectory(prefix="spotlight-anchors-") as scratch:
        settings = Settings.from_environ(
            {
                "SPOTLIGHT_STORE": store.url,
                "SPOTLIGHT_DATA_DIR": str(Path(scratch)),
                "SPOTLIGHT_SECRET": secrets.token_urlsafe(32),
            }
        )
        core = bootstrap(
            settings,
            decoder=decoder or PyAVDecoder(),
            engines=list(matching) if matching is not None else list(engines()),
        )
        try:
            yield core
        finally:
            core.close()


def percentile(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples, dtype=np.float64), q))


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def count(value: int) -> str:
    return f"{value:,}"


def plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
