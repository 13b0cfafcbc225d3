"""The music track index survives a restart: a snapshot of its engine, taken at a position of
the music log and one of the catalogue log, is loaded by the next process, which catches up
only the events after them; it decodes and fingerprints nothing to start, and answers a
query exactly as a process that indexed both logs from their start. A snapshot that does not
fit (damaged, another engine version, another store's logs) is passed over, said so in the
log, and the index is rebuilt from the logs as before.

On SQLite and PostgreSQL; the clips are the media corpus's, decoded by the real decoder.
"""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from adapters.media.decoding import PyAVDecoder
from application.auth import Principal, Role
from domain.anchors.matching import TimeRange
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.deployments import StoreUnderTest, store_under_test
from tests.media import corpus
from tests.media.counting import (
    CountingDecoder,
    CountingEngine,
    counting_audio,
    other_audio,
)
from tests.restarts import Restarts

AIKO = Principal(Role.ARTIST, "aiko")
BEN = Principal(Role.ARTIST, "ben")
STUDIO = Principal(Role.STUDIO, "northlight")
SMALL = (320, 180)  # the pictures do not matter to music; small ones decode fast


@functools.cache
def clip(name: str) -> bytes:
    return {
        "lanterns": corpus.reference_clip(41, seconds=8, size=SMALL),
        "harbour": corpus.reference_clip(42, seconds=8, size=SMALL),
        "score": corpus.reference_clip(43, seconds=8, size=SMALL),
        "rain": corpus.unrelated_clip(44, seconds=6),
    }[name]


@functools.cache
def query_fingerprint(name: str) -> bytes:
    return counting_audio().fingerprint(PyAVDecoder().decode(clip(name)))


@attrs.define
class Started:
    core: Spotlight
    decoder: CountingDecoder
    audio: CountingEngine

    def answers(self) -> dict[str, list[tuple[str, float, float]]]:
        """What the index answers for each clip: the sources, scores and offsets."""
        return {
            name: [
                (c.reference_id, round(c.score, 6), round(c.reference_start, 3))
                for c in self.core.discovery.index.query(query_fingerprint(name), limit=10)
            ]
            for name in ("lanterns", "harbour", "score", "rain")
        }


class Processes(Restarts):
    def start(self, audio: CountingEngine | None = None) -> Started:
        decoder = CountingDecoder()
        audio = counting_audio() if audio is None else audio  # an empty engine is falsy
        return Started(self.boot(decoder=decoder, music_audio=audio), decoder, audio)

    def stop(self, started: Started) -> None:
        self.close(started.core)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "track_snapshots")


@pytest.fixture
def processes(store: StoreUnderTest, tmp_path: Path) -> Iterator[Processes]:
    running = Processes(store, tmp_path)
    yield running
    running.stop_all()


def music_with_a_snapshot_and_events_after_it(first: Spotlight) -> None:
    """A track and a title's reference clip, a snapshot, then another track and new
    exclusions of the reference (both logs move on after the snapshot)."""
    discovery, anchoring = first.discovery, first.anchoring
    discovery.register_artist(AIKO, name="Aiko", region="JP")
    discovery.register_artist(BEN, name="Ben", region="JP")
    discovery.submit_track(AIKO, title="Paper Lanterns", media=clip("lanterns"))
    title = anchoring.register_title(STUDIO, name="Northlight", kind=TitleKind.MOVIE)
    reference = anchoring.add_reference(STUDIO, title.id, label="Score", media=clip("score"))
    snapshot = discovery.index.snapshot()
    assert snapshot is not None
    assert snapshot.indexed == 2
    discovery.submit_track(BEN, title="Harbour Lights", media=clip("harbour"))
    anchoring.set_exclusions(STUDIO, title.id, reference.reference_id, [TimeRange(0.0, 3.0)])


def test_a_restart_loads_the_snapshot_and_catches_up_the_tail_of_both_logs(
    processes: Processes,
) -> None:
    first = processes.start()
    music_with_a_snapshot_and_events_after_it(first.core)
    expected = first.answers()
    processes.stop(first)

    second = processes.start()

    assert second.decoder.decoded == 0
    assert second.audio.fingerprinted == 0
    # The tail only: Ben's track and the reference indexed again with its new exclusions.
    assert second.audio.indexed == 2
    assert len(second.audio) == 3
    assert second.answers() == expected
    assert expected["harbour"][0][0].startswith("track:")
    assert expected["score"][0][0].startswith("reference:")
    # And as a process that indexed both logs from their start.
    processes.stop(second)
    shutil.rmtree(processes.directory("music"))
    rebuilt = processes.start()
    assert rebuilt.audio.indexed == 4
    assert rebuilt.answers() == expected


def test_the_next_snapshot_is_taken_at_the_ends_of_both_logs_and_loaded_whole(
    processes: Processes,
) -> None:
    first = processes.start()
    music_with_a_snapshot_and_events_after_it(first.core)
    later = first.core.discovery.index.snapshot()
    assert later is not None
    assert later.music_position == first.core._music.recorder.max_notification_id()
    assert later.catalogue_position == first.core._catalogue.recorder.max_notification_id()
    assert first.core.discovery.index.snapshot() is None  # nothing new to save
    expected = first.answers()
    processes.stop(first)

    second = processes.start()

    assert (second.decoder.decoded, second.audio.fingerprinted, second.audio.indexed) == (0, 0, 0)
    assert second.answers() == expected
    assert len(processes.snapshots("music")) == 2


def test_a_damaged_snapshot_is_passed_over_and_the_index_rebuilt_from_the_logs(
    processes: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    first = processes.start()
    music_with_a_snapshot_and_events_after_it(first.core)
    expected = first.answers()
    [written] = processes.snapshots("music")
    cells = written / "engine-audio" / "cells.npy"
    cells.write_bytes(cells.read_bytes()[:90])
    processes.stop(first)

    with caplog.at_level(logging.INFO, logger="spotlight.indexes"):
        second = processes.start()

    said = [record.getMessage() for record in caplog.records]
    assert any("passed over" in line and "cells.npy" in line for line in said)
    assert any(
        "music track index: no usable snapshot, indexing the logs from their start" in line
        for line in said
    )
    assert (second.decoder.decoded, second.audio.fingerprinted) == (0, 0)
    assert second.audio.indexed == 4
    assert second.answers() == expected


def test_a_snapshot_of_another_engine_version_is_passed_over(
    processes: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    first = processes.start()
    music_with_a_snapshot_and_events_after_it(first.core)
    processes.stop(first)

    with caplog.at_level(logging.WARNING, logger="spotlight.indexes"):
        second = processes.start(audio=other_audio())

    said = [record.getMessage() for record in caplog.records]
    assert any("passed over" in line and "landmark-of-another-day" in line for line in said)
    assert second.audio.indexed == 4


def test_a_snapshot_of_another_store_s_logs_is_passed_over(
    processes: Processes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = processes.start()
    music_with_a_snapshot_and_events_after_it(first.core)
    processes.stop(first)
    # Another store, with as many records in its logs, given this store's snapshot.
    other = Processes(
        StoreUnderTest("sqlite", f"sqlite:///{tmp_path}/other.db", shared=True),
        tmp_path / "other",
    )
    try:
        elsewhere = other.start()
        music_with_a_snapshot_and_events_after_it(elsewhere.core)
        other.stop(elsewhere)
        shutil.rmtree(other.directory("music"))
        shutil.copytree(processes.directory("music"), other.directory("music"))

        with caplog.at_level(logging.WARNING, logger="spotlight.indexes"):
            restarted = other.start()

        said = [record.getMessage() for record in caplog.records]
        assert any("do not hold this snapshot's records" in line for line in said)
        assert restarted.audio.indexed == 4
    finally:
        other.stop_all()
