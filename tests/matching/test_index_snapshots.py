"""A matching engine's saved index answers as the index it was saved from did.

Each engine writes its index to a directory and reads it back memory-mapped; the same query
finds the same candidates, with the same scores and evidence, before and after, and the
read-back index goes on growing and forgetting like the original. Files that are damaged or
of another engine version are refused, and the engine is left as it was. A directory of
snapshots gives the newest one that fits the log and the engines, and keeps the newest few.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.matching import products
from adapters.matching.audio import LandmarkAudioEngine
from adapters.matching.products import SiftProductRecognizer
from adapters.matching.regions import SAMPLING
from adapters.matching.snapshots import FileIndexSnapshots
from adapters.matching.text import InvertedTextEngine
from adapters.matching.visual_engine import VisualEngine
from adapters.media.decoding import PyAVDecoder
from application.anchors.match_index import MatchIndex
from application.index_snapshots import IndexSnapshot, LogMark
from application.media import DamagedSnapshot, SnapshotEngine, TimeRange
from tests.matching.test_product_engine import described, listing_id
from tests.matching.test_product_engine import recognizer as products_recognizer
from tests.matching.test_product_engine import video as product_video
from tests.media import corpus

ENGINES: dict[str, Callable[[], SnapshotEngine]] = {
    "audio": LandmarkAudioEngine,
    "visual": VisualEngine,
}


@functools.cache
def fingerprints(signal: str, clip: str) -> bytes:
    """Fingerprints of the corpus's clips: references by seed, and copies of the first."""
    reference = corpus.reference_clip(71, seconds=8)
    media = {
        "trailer": reference,
        "teaser": corpus.reference_clip(72, seconds=8),
        "featurette": corpus.reference_clip(73, seconds=8),
        "behind the scenes": corpus.unrelated_clip(74, seconds=8),
        "mirrored trailer": corpus.mirrored(reference),
        "trailer excerpt": corpus.trimmed_excerpt(reference),
    }[clip]
    return ENGINES[signal]().fingerprint(PyAVDecoder().decode(media, also=(SAMPLING,)))


def catalogue(engine: SnapshotEngine) -> SnapshotEngine:
    """Three references, one with an excluded stretch, and one indexed and then forgotten."""
    signal = engine.signal
    engine.index("trailer", fingerprints(signal, "trailer"))
    engine.index("teaser", fingerprints(signal, "teaser"), [TimeRange(2.0, 4.0)])
    engine.index("withdrawn", fingerprints(signal, "featurette"))
    engine.forget("withdrawn")
    engine.index("featurette", fingerprints(signal, "featurette"))
    return engine


def read_back(engine: SnapshotEngine, where: Path) -> SnapshotEngine:
    where.mkdir()
    engine.save_index(where)
    loaded = ENGINES[engine.signal]()
    loaded.read_index(where)()
    return loaded


QUERIES = ("mirrored trailer", "trailer excerpt", "teaser", "behind the scenes")


@pytest.mark.parametrize("signal", list(ENGINES))
def test_a_read_back_index_finds_the_same_candidates(signal: str, tmp_path: Path) -> None:
    original = catalogue(ENGINES[signal]())

    loaded = read_back(original, tmp_path / "index")

    assert len(loaded) == len(original) == 3
    for query in QUERIES:
        assert loaded.query(fingerprints(signal, query)) == original.query(
            fingerprints(signal, query)
        )
    assert original.query(fingerprints(signal, "mirrored trailer"))[0].reference_id == "trailer"


@pytest.mark.parametrize("signal", list(ENGINES))
def test_a_read_back_index_goes_on_growing_and_forgetting_like_the_original(
    signal: str, tmp_path: Path
) -> None:
    original = catalogue(ENGINES[signal]())
    loaded = read_back(original, tmp_path / "index")

    for engine in (original, loaded):
        engine.forget("trailer")
        engine.index("trailer again", fingerprints(signal, "trailer"))
        engine.index("making of", fingerprints(signal, "behind the scenes"))
        engine.forget("teaser")

    for query in QUERIES:
        assert loaded.query(fingerprints(signal, query)) == original.query(
            fingerprints(signal, query)
        )
    found = loaded.query(fingerprints(signal, "mirrored trailer"))
    assert found[0].reference_id == "trailer again"
    # And saved again from its memory-mapped state, it reads back the same once more.
    again = read_back(loaded, tmp_path / "again")
    assert again.query(fingerprints(signal, "trailer excerpt")) == original.query(
        fingerprints(signal, "trailer excerpt")
    )


@pytest.mark.parametrize("signal", list(ENGINES))
def test_an_empty_index_reads_back_empty(signal: str, tmp_path: Path) -> None:
    loaded = read_back(ENGINES[signal](), tmp_path / "index")

    assert len(loaded) == 0
    assert loaded.query(fingerprints(signal, "trailer")) == []
    loaded.index("trailer", fingerprints(signal, "trailer"))
    assert loaded.query(fingerprints(signal, "mirrored trailer"))[0].reference_id == "trailer"


def _truncate_largest(where: Path) -> None:
    largest = max(where.rglob("*.npy"), key=lambda path: path.stat().st_size)
    largest.write_bytes(largest.read_bytes()[: largest.stat().st_size // 2])


def _other_version(where: Path) -> None:
    header = json.loads((where / "index.json").read_text())
    header["version"] = "an engine of another day"
    (where / "index.json").write_text(json.dumps(header))


def _missing_file(where: Path) -> None:
    min(where.rglob("*.npy")).unlink()


@pytest.mark.parametrize("signal", list(ENGINES))
@pytest.mark.parametrize("damage", [_truncate_largest, _other_version, _missing_file])
def test_a_damaged_or_foreign_index_is_refused_and_the_engine_stays_as_it_was(
    signal: str, damage: Callable[[Path], None], tmp_path: Path
) -> None:
    where = tmp_path / "index"
    where.mkdir()
    catalogue(ENGINES[signal]()).save_index(where)
    damage(where)
    engine = ENGINES[signal]()
    engine.index("featurette", fingerprints(signal, "featurette"))

    with pytest.raises(DamagedSnapshot):
        engine.read_index(where)

    assert len(engine) == 1
    assert engine.query(fingerprints(signal, "mirrored trailer")) == []


# --------------------------------------------------------------------------------------
# A directory of snapshots


def snapshot_at(position: int, marker: str = "") -> IndexSnapshot:
    state = MatchIndex(InvertedTextEngine(), [], lambda _reference: {}).state()
    return IndexSnapshot(
        marks={"catalogue": LogMark(position, marker)}, versions=VERSIONS, state=state
    )


VERSIONS = {"audio": LandmarkAudioEngine.version, "visual": VisualEngine.version}


def engines() -> list[SnapshotEngine]:
    return [catalogue(LandmarkAudioEngine()), catalogue(VisualEngine())]


def test_the_newest_snapshot_is_read_and_only_the_newest_few_are_kept(tmp_path: Path) -> None:
    snapshots = FileIndexSnapshots(tmp_path / "anchors", keep=2)
    for position in (10, 30, 20):
        snapshots.save(snapshot_at(position, f"record {position}"), engines())
    # A crashed writer's leftovers are not a snapshot.
    (tmp_path / "anchors" / ".tmp-40-dead").mkdir()

    fresh: list[SnapshotEngine] = [LandmarkAudioEngine(), VisualEngine()]
    loaded = snapshots.load(VERSIONS, fresh, lambda _marks: True)

    assert loaded is not None
    assert loaded.snapshot.marks == {"catalogue": LogMark(30, "record 30")}
    assert sorted(p.name for p in (tmp_path / "anchors").glob("snapshot-*")) == [
        f"snapshot-{20:020d}",
        f"snapshot-{30:020d}",
    ]
    assert [len(engine) for engine in fresh] == [0, 0]  # nothing installed until asked
    loaded.install()
    assert [len(engine) for engine in fresh] == [3, 3]


def test_a_snapshot_the_log_does_not_hold_or_of_other_versions_is_passed_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    snapshots = FileIndexSnapshots(tmp_path / "anchors")
    snapshots.save(snapshot_at(10, "record 10 of this log"), engines())
    snapshots.save(snapshot_at(20, "record 20 of another log"), engines())
    holds = {10: "record 10 of this log"}

    with caplog.at_level(logging.WARNING, logger="spotlight.indexes"):
        loaded = snapshots.load(
            VERSIONS,
            engines(),
            lambda marks: all(holds.get(m.position) == m.marker for m in marks.values()),
        )
        other = snapshots.load({**VERSIONS, "audio": "landmark-0"}, engines(), lambda _marks: True)

    assert loaded is not None
    assert loaded.snapshot.marks["catalogue"].position == 10
    assert other is None
    said = [record.getMessage() for record in caplog.records]
    assert any("do not hold this snapshot's records" in line for line in said)
    assert any("engine versions" in line for line in said)


# --------------------------------------------------------------------------------------
# The product recogniser's index


def test_the_product_index_read_back_recognises_as_the_one_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small flushes and trees from 1,000 vectors: segments searched by FLANN trees and by
    # brute force, and vectors still pending (flushed when saved, as the next query would).
    monkeypatch.setattr(products, "_BRUTE_FORCE_BELOW", 1_000)
    saved = products_recognizer(flush_vectors=1_500)
    saved.forget(listing_id(4))
    _media, descriptors = product_video()
    saved.save_index(tmp_path)

    fresh = SiftProductRecognizer()
    install = fresh.read_index(tmp_path)
    assert len(fresh) == 0  # nothing installed until asked
    install()

    assert len(fresh) == len(saved) == 7
    assert fresh.recognise(descriptors) == saved.recognise(descriptors)
    assert {c.listing_id for c in fresh.recognise(descriptors)} >= {listing_id(1)}
    # It goes on indexing as the saved one does.
    for recognizer in (saved, fresh):
        recognizer.index(listing_id(4), described(4))
        recognizer.forget(listing_id(1))
    assert fresh.recognise(descriptors) == saved.recognise(descriptors)


def test_a_product_index_without_its_trees_builds_them_and_a_damaged_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight listings are fewer vectors than FLANN is used for; searched by trees all the same.
    monkeypatch.setattr(products, "_BRUTE_FORCE_BELOW", 1_000)
    saved = products_recognizer()
    _media, descriptors = product_video()
    expected = saved.recognise(descriptors)  # one segment, searched by its FLANN trees
    saved.save_index(tmp_path)
    fresh = SiftProductRecognizer()
    fresh.read_index(tmp_path)()
    [trees] = tmp_path.glob("*.flann")
    trees.unlink()  # e.g. its snapshot pruned while this process still maps the rest

    assert fresh.recognise(descriptors) == expected

    codes = tmp_path / "codes.npy"
    codes.write_bytes(codes.read_bytes()[:200])
    with pytest.raises(DamagedSnapshot, match=r"codes\.npy"):
        SiftProductRecognizer().read_index(tmp_path)
