"""The anchors index's own tables (titles and their words, references and their titles and
exclusions, the order videos came out in) are given to a snapshot as plain values and taken
back whole: the restored index shows the audit the same view, finds the same titles by their
words and hands sweeps the same videos. Tables that do not fit change nothing."""

from __future__ import annotations

import pytest

from adapters.matching.text import InvertedTextEngine
from application.anchors.match_index import MatchIndex
from application.auth import Principal, Role
from application.index_snapshots import IndexState
from application.log_follower import LogFollower
from domain.anchors.matching import TimeRange
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.media import corpus

LEGENDARY = Principal(Role.STUDIO, "legendary")
FAN = Principal(Role.CREATOR, "fan-1")


def without_engines(view: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in view.items() if not key.startswith("engine:")}


def empty_index() -> MatchIndex:
    return MatchIndex(InvertedTextEngine(), [], lambda _reference: {})


def test_the_index_s_tables_come_back_whole(core: Spotlight) -> None:
    anchoring = core.anchoring
    dune = anchoring.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    anchoring.set_match_words(
        LEGENDARY, dune.id, hashtags=["arrakis"], keywords=["spice must flow"]
    )
    anchoring.register_title(LEGENDARY, name="Arrival", kind=TitleKind.MOVIE)
    reference = anchoring.add_reference(
        LEGENDARY,
        dune.id,
        label="Trailer",
        media=corpus.reference_clip(91, seconds=4),
        excluded=[TimeRange(0.0, 1.0)],
    )
    anchoring.set_exclusions(LEGENDARY, dune.id, reference.reference_id, [TimeRange(1.5, 2.5)])
    for caption in ("one", "two", "three"):
        anchoring.publish_video(FAN, caption=caption, hashtags=[], category="pets")
    index = anchoring.index

    restored = empty_index()
    restored.restore(index.state())

    assert without_engines(restored.export()) == without_engines(index.export())
    assert restored.words_of(dune.id) == index.words_of(dune.id)
    assert restored.reference_titles == {str(reference.reference_id): dune.id}
    assert restored.text.query("the spice must flow", ["arrakis"]) == index.text.query(
        "the spice must flow", ["arrakis"]
    )
    assert restored.videos_published_between(0, 10**9, 2) == index.videos_published_between(
        0, 10**9, 2
    )
    assert restored.last_video_position == index.last_video_position


def test_videos_published_after_the_snapshot_follow_those_before_it(core: Spotlight) -> None:
    anchoring = core.anchoring
    for caption in ("one", "two"):
        anchoring.publish_video(FAN, caption=caption, hashtags=[], category="pets")
    restored = empty_index()
    restored.restore(anchoring.index.state())
    follower = LogFollower(core._catalogue, restored.handlers)
    follower.position = anchoring.index_follower.position
    before = anchoring.index.videos_published_between(0, 10**9, 10)

    later = anchoring.publish_video(FAN, caption="three", hashtags=[], category="pets").video
    follower.catch_up()

    position = anchoring.index.last_video_position
    assert restored.videos_published_between(0, 10**9, 10) == [*before, (position, later.id)]
    assert restored.videos_published_between(before[0][0], 10**9, 1) == [before[1]]
    assert restored.videos_published_between(before[1][0], 10**9, 5) == [(position, later.id)]
    positions = restored.state().arrays["video_positions"].tolist()
    assert positions == [p for p, _ in before] + [position]


def test_tables_that_do_not_fit_change_nothing() -> None:
    index = empty_index()
    good = index.state()
    damaged = IndexState(
        tables={**good.tables, "titles": [["not a uuid", "Dune", None]]}, arrays=good.arrays
    )

    with pytest.raises(ValueError, match="do not fit"):
        index.restore(damaged)
    with pytest.raises(ValueError, match="do not fit"):
        index.restore(IndexState(tables={}, arrays=good.arrays))
    with pytest.raises(ValueError, match="do not fit"):
        index.restore(IndexState(tables=good.tables, arrays={}))

    assert index.export() == {}
