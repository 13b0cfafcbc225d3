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
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import attrs
import pytest

from adapters.matching.regions import SAMPLING
from adapters.media.decoding import PyAVDecoder
from application.anchors.anchoring import INDEX_READ_MODEL
from application.auth import Principal, Role
from application.media import TimeRange
from domain.anchors.matching import Decision
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.deployments import StoreUnderTest, store_under_test
from tests.media import corpus
from tests.media.counting import (
    CountingDecoder,
    CountingEngine,
    counting_audio,
    counting_visual,
    other_audio,
)
from tests.restarts import Restarts

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


@attrs.define
class Started:
    core: Spotlight
    decoder: CountingDecoder
    audio: CountingEngine
    visual: CountingEngine

    def work_at_start(self) -> tuple[int, int, int]:
        return self.decoder.decoded, self.audio.fingerprinted, self.visual.fingerprinted


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "index_snapshots")


class Processes(Restarts):
    def start(self, audio: CountingEngine | None = None) -> Started:
        decoder, visual = CountingDecoder(), counting_visual()
        audio = counting_audio() if audio is None else audio  # an empty engine is falsy
        core = self.boot(decoder=decoder, engines=[audio, visual])
        return Started(core, decoder, audio, visual)

    def stop(self, started: Started) -> None:
        self.close(started.core)


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
    decoded = PyAVDecoder().decode(clip(name), also=(SAMPLING,))
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
    assert processes.snapshots("anchors") == []

    anchoring.add_reference(LEGENDARY, dune.id, label="Trailer", media=clip("trailer"))
    anchoring.publish_video(FAN, caption="a", hashtags=[], category="pets")
    line = snapshot.run()

    assert line is not None
    assert "1 references, 1 videos" in line
    assert len(processes.snapshots("anchors")) == 1
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
    [written] = processes.snapshots("anchors")
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
        second = processes.start(audio=other_audio())

    said = [record.getMessage() for record in caplog.records]
    assert any("passed over" in line and "landmark-of-another-day" in line for line in said)
    assert (second.audio.indexed, second.visual.indexed) == (3, 3)
    # Its own snapshot, of its own versions, is the one the next process of its kind takes.
    assert second.core.anchoring.snapshot_index() is not None
    processes.stop(second)
    third = processes.start(audio=other_audio())
    assert (third.audio.indexed, third.visual.indexed) == (0, 0)
    assert len(third.audio) == 3
