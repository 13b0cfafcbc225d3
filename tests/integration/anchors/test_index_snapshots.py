"""The anchors index survives a restart: a snapshot of what the engines indexed, taken at a
catalogue position, is loaded by the next process, which catches up only the events after
it; it decodes and fingerprints nothing to start, and matches a clip exactly as the process
that wrote the snapshot. A snapshot that does not fit (damaged, another engine version) is
passed over, said so in the log, and the index is rebuilt from the log as before.

On SQLite and PostgreSQL; the clips are the media corpus's, decoded by the real decoder.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from uuid import UUID

import attrs
import pytest

from adapters.matching.audio import LandmarkAudioEngine
from adapters.matching.visual import PerceptualVisualEngine
from adapters.media.decoding import PyAVDecoder
from adapters.storage import parse_store
from application.anchors.anchoring import INDEX_READ_MODEL
from application.auth import Principal, Role
from application.media import DecodedMedia, TimeRange
from domain.anchors.matching import Decision
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight, bootstrap, index_directory
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import FixedClock, SequentialIdentities
from tests.media import corpus

LEGENDARY = Principal(Role.STUDIO, "legendary")
FAN = Principal(Role.CREATOR, "fan-1")


@functools.cache
def clip(name: str) -> bytes:
    trailer = corpus.reference_clip(81, seconds=8)
    return {
        "trailer": trailer,
        "teaser": corpus.reference_clip(82, seconds=8),
        "featurette": corpus.reference_clip(83, seconds=8),
        "mirrored trailer": corpus.mirrored(trailer),
        "featurette excerpt": corpus.trimmed_excerpt(corpus.reference_clip(83, seconds=8)),
        "home video": corpus.unrelated_clip(84, seconds=6),
    }[name]


class CountingDecoder:
    """The real decoder, counting what it is asked to decode."""

    def __init__(self) -> None:
        self.inner = PyAVDecoder()
        self.decoded = 0

    def decode(self, data: bytes) -> DecodedMedia:
        self.decoded += 1
        return self.inner.decode(data)


class CountingAudio(LandmarkAudioEngine):
    fingerprinted = 0
    indexed = 0

    def fingerprint(self, media: DecodedMedia) -> bytes:
        self.fingerprinted += 1
        return super().fingerprint(media)

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        self.indexed += 1
        super().index(reference_id, fingerprint, excluded)


class CountingVisual(PerceptualVisualEngine):
    fingerprinted = 0
    indexed = 0

    def fingerprint(self, media: DecodedMedia) -> bytes:
        self.fingerprinted += 1
        return super().fingerprint(media)

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        self.indexed += 1
        super().index(reference_id, fingerprint, excluded)


class OtherAudio(CountingAudio):
    version = "landmark-of-another-day"


@attrs.define
class Started:
    core: Spotlight
    decoder: CountingDecoder
    audio: CountingAudio
    visual: CountingVisual

    def work_at_start(self) -> tuple[int, int, int]:
        return self.decoder.decoded, self.audio.fingerprinted, self.visual.fingerprinted


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "index_snapshots")


class Processes:
    """Service processes started one after another on one store and one data directory."""

    def __init__(self, store: StoreUnderTest, data_dir: Path) -> None:
        self.settings = Settings(
            store=parse_store(store.url), data_dir=data_dir, secret=TEST_SECRET
        )
        self.series = secrets.randbits(48) << 8
        self.running: list[Spotlight] = []

    def start(self, audio: CountingAudio | None = None) -> Started:
        self.series += 1
        decoder, visual = CountingDecoder(), CountingVisual()
        audio = CountingAudio() if audio is None else audio  # an empty engine is falsy
        core = bootstrap(
            self.settings,
            clock=FixedClock(),
            identities=SequentialIdentities(series=self.series),
            decoder=decoder,
            engines=[audio, visual],
        )
        self.running.append(core)
        return Started(core, decoder, audio, visual)

    def snapshots(self) -> list[Path]:
        return sorted(index_directory(self.settings, "anchors").glob("snapshot-*"))

    def stop(self, started: Started) -> None:
        """Stop a process that the test needs no more (a PostgreSQL server's connections
        are shared with every other test running)."""
        self.running.remove(started.core)
        started.core.close()

    def stop_all(self) -> None:
        while self.running:
            self.running.pop().close()


@pytest.fixture
def processes(store: StoreUnderTest, tmp_path: Path) -> Iterator[Processes]:
    running = Processes(store, tmp_path)
    yield running
    running.stop_all()


@attrs.frozen
class Story:
    dune: UUID
    arrival: UUID
    later: UUID


def a_catalogue_with_a_snapshot_and_events_after_it(first: Spotlight) -> Story:
    """Two titles with references and a video, a snapshot, then a third title with its
    reference and another video after it."""
    anchoring = first.anchoring
    dune = anchoring.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    arrival = anchoring.register_title(LEGENDARY, name="Arrival", kind=TitleKind.MOVIE)
    anchoring.add_reference(LEGENDARY, dune.id, label="Trailer", media=clip("trailer"))
    anchoring.add_reference(
        LEGENDARY,
        arrival.id,
        label="Teaser",
        media=clip("teaser"),
        excluded=[TimeRange(0.0, 1.0)],
    )
    anchoring.set_match_words(LEGENDARY, arrival.id, hashtags=["arrival"], keywords=["heptapod"])
    anchoring.publish_video(FAN, caption="my summer", hashtags=[], category="travel")
    assert anchoring.snapshot_index() is not None
    later = anchoring.register_title(LEGENDARY, name="Sicario", kind=TitleKind.MOVIE)
    anchoring.add_reference(LEGENDARY, later.id, label="Featurette", media=clip("featurette"))
    anchoring.publish_video(
        FAN, caption="cat", hashtags=[], category="pets", media=clip("home video")
    )
    return Story(dune.id, arrival.id, later.id)


def fingerprints_of(started: Started, name: str) -> dict[str, bytes]:
    decoded = PyAVDecoder().decode(clip(name))
    return {
        "audio": started.audio.fingerprint(decoded),
        "visual": started.visual.fingerprint(decoded),
    }


def answers(core: Spotlight, fingerprints: dict[str, bytes]) -> dict[str, object]:
    return {
        engine.signal: engine.query(fingerprints[engine.signal])
        for engine in core.anchoring.engines
    }


def test_a_second_process_starts_from_the_snapshot_and_matches_as_the_first(
    processes: Processes,
) -> None:
    first = processes.start()
    story = a_catalogue_with_a_snapshot_and_events_after_it(first.core)
    queries = [
        fingerprints_of(first, name)
        for name in ("mirrored trailer", "featurette excerpt", "home video")
    ]

    second = processes.start()

    # Nothing decoded or fingerprinted to start; only the reference after the snapshot
    # was given to the engines.
    assert second.work_at_start() == (0, 0, 0)
    assert (second.audio.indexed, second.visual.indexed) == (1, 1)
    assert len(second.audio) == len(second.visual) == 3
    for fingerprints in queries:
        assert answers(second.core, fingerprints) == answers(first.core, fingerprints)
    index = second.core.read_models[INDEX_READ_MODEL]
    assert index.export({}) == first.core.read_models[INDEX_READ_MODEL].export({})
    assert second.core.anchoring.index.videos_published_between(
        0, 10**9, 10
    ) == first.core.anchoring.index.videos_published_between(0, 10**9, 10)

    published = second.core.anchoring.publish_video(
        FAN,
        caption="best scene",
        hashtags=[],
        category="film-and-tv",
        media=clip("mirrored trailer"),
    )
    assert published.decisions[story.dune] is Decision.ATTACH
    excerpt = second.core.anchoring.publish_video(
        FAN, caption="edit", hashtags=[], category="film-and-tv", media=clip("featurette excerpt")
    )
    assert story.later in excerpt.decisions
    words = second.core.anchoring.publish_video(
        FAN, caption="heptapod talk", hashtags=["arrival"], category="film-and-tv"
    )
    assert story.arrival in words.decisions


def test_the_background_work_writes_a_snapshot_once_the_index_has_moved_enough(
    processes: Processes,
) -> None:
    processes.settings = attrs.evolve(processes.settings, index_snapshot_events=4)
    first = processes.start()
    snapshot = next(work for work in first.core.background if work.name == "anchors index snapshot")
    anchoring = first.core.anchoring
    dune = anchoring.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)

    assert snapshot.run() is None  # one index event is not enough
    assert processes.snapshots() == []

    anchoring.add_reference(LEGENDARY, dune.id, label="Trailer", media=clip("trailer"))
    anchoring.publish_video(FAN, caption="a", hashtags=[], category="pets")
    line = snapshot.run()

    assert line is not None
    assert "1 references, 1 videos" in line
    assert len(processes.snapshots()) == 1
    assert snapshot.run() is None  # nothing new since
    processes.stop(first)
    second = processes.start()
    assert second.work_at_start() == (0, 0, 0)
    assert (second.audio.indexed, second.visual.indexed) == (0, 0)
    assert len(second.audio) == 1


def _damage_the_audio_postings(snapshot: Path) -> None:
    postings = next((snapshot / "engine-audio").glob("postings-*.npy"))
    postings.write_bytes(postings.read_bytes()[:100])


def test_a_damaged_snapshot_is_passed_over_and_the_index_rebuilt_from_the_log(
    processes: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    first = processes.start()
    a_catalogue_with_a_snapshot_and_events_after_it(first.core)
    [written] = processes.snapshots()
    _damage_the_audio_postings(written)
    fingerprints = fingerprints_of(first, "mirrored trailer")
    expected = answers(first.core, fingerprints)
    processes.stop(first)

    with caplog.at_level(logging.INFO):
        second = processes.start()

    said = [record.getMessage() for record in caplog.records]
    assert any("passed over" in line and "engine-audio" in line for line in said)
    assert any("indexing the logs from their start" in line for line in said)
    # Every reference indexed again from the log (their stored fingerprints, not decoded).
    assert (second.audio.indexed, second.visual.indexed) == (3, 3)
    assert second.work_at_start() == (0, 0, 0)
    assert answers(second.core, fingerprints) == expected


def test_a_snapshot_of_another_engine_version_is_passed_over(
    processes: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    first = processes.start()
    a_catalogue_with_a_snapshot_and_events_after_it(first.core)
    processes.stop(first)

    with caplog.at_level(logging.INFO):
        second = processes.start(audio=OtherAudio())

    said = [record.getMessage() for record in caplog.records]
    assert any("passed over" in line and "landmark-of-another-day" in line for line in said)
    assert (second.audio.indexed, second.visual.indexed) == (3, 3)
    # Its own snapshot, of its own versions, is the one the next process of its kind takes.
    assert second.core.anchoring.snapshot_index() is not None
    processes.stop(second)
    third = processes.start(audio=OtherAudio())
    assert (third.audio.indexed, third.visual.indexed) == (0, 0)
    assert len(third.audio) == 3
