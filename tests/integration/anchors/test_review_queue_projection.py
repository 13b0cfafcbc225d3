"""The anchors review queue and the open sweeps kept as rows in the projection database: a
reviewer's pages are read from the rows, a restarted core applies nothing again and finds the
sweeps it must continue there, a crash in the middle of a batch counts no engagement twice,
and a rebuild from zero answers what the live projection answers.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.anchors.review_queue import NAME, ReviewItem
from application.auth import Principal, Role
from domain.anchors.engagement import Engagement
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test

LEGENDARY = Principal(Role.STUDIO, "legendary")
MIA = Principal(Role.CREATOR, "mia")
ROSA = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "review")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def drain(core: Spotlight) -> None:
    while core.anchoring.run_sweeps(max_videos=10, batch=4).pending:
        pass


class Story:
    """Dune's words find six of Mia's desert clips: three are watched, one is anchored by a
    reviewer and disputed by Mia, one rejected; new words leave a sweep open."""

    def __init__(self, core: Spotlight) -> None:
        self.dune = core.anchoring.register_title(
            LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE
        ).id
        drain(core)
        core.anchoring.set_match_words(LEGENDARY, self.dune, hashtags=["#Arrakis"], keywords=[])
        drain(core)
        self.clips = [
            core.anchoring.publish_video(
                MIA, caption=f"desert clip {n}", hashtags=["#Arrakis"], category="film-and-tv"
            ).video.id
            for n in range(6)
        ]
        core.audience.record_engagement(
            OPS,
            "e-1",
            [(self.clips[4], Engagement(views=900)), (self.clips[1], Engagement(likes=50))],
        )
        core.cataloguing.record_engagement(OPS, self.clips[5], Engagement(shares=10))
        self.anchored, self.rejected = self.clips[0], self.clips[2]
        core.anchoring.decide(ROSA, self.anchored, self.dune, attach=True, reason="the trailer")
        core.anchoring.decide(ROSA, self.rejected, self.dune, attach=False, reason="not Dune")
        core.anchoring.dispute(MIA, self.anchored, reason="my own footage")
        # New words start a sweep nobody has run yet.
        core.anchoring.set_match_words(
            LEGENDARY, self.dune, hashtags=["#Arrakis", "#Spice"], keywords=[]
        )


def queue(core: Spotlight) -> list[ReviewItem]:
    return list(core.anchoring.review_queue(ROSA, limit=500).items)


def open_sweeps(core: Spotlight) -> list[UUID]:
    return core.anchoring.review.open_sweeps(core.projections.active(NAME))


def test_the_queue_and_its_pages_are_read_from_the_rows(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)

    items = queue(core)

    assert [(i.video_id, i.kind, i.popularity) for i in items] == [
        (story.clips[4], "proposal", 900),
        (story.clips[1], "proposal", 200),
        (story.clips[5], "proposal", 120),
        (story.anchored, "dispute", 0),
        (story.clips[3], "proposal", 0),
    ]
    dispute = items[3]
    assert (dispute.reason, [e.signal for e in dispute.evidence]) == ("my own footage", ["text"])
    pages, cursor = [], None
    while True:
        page = core.anchoring.review_queue(ROSA, limit=2, cursor=cursor)
        pages.append(list(page.items))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item for page in pages for item in page] == items


def test_a_restarted_core_applies_nothing_again_and_continues_the_open_sweeps(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    before = queue(core)
    sweeps = open_sweeps(core)
    assert len(sweeps) == 1
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    generation = restarted.projections.active(NAME)
    assert restarted.projection_store.positions(NAME, generation) == positions
    assert queue(restarted) == before
    assert open_sweeps(restarted) == sweeps
    # The background pass finds the sweep in the rows and runs it to its end.
    report = restarted.anchoring.run_sweeps(max_videos=100, batch=10)
    assert (report.sweeps_run, report.videos_considered, report.pending) == (1, 6, 0)
    assert open_sweeps(restarted) == []
    # And it goes on from there: only what is new is counted.
    restarted.audience.record_engagement(OPS, "e-2", [(story.clips[3], Engagement(views=1_000))])
    first = queue(restarted)[0]
    assert (first.video_id, first.popularity) == (story.clips[3], 1_000)


def test_a_crash_in_the_middle_of_a_batch_counts_no_engagement_twice(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    story = Story(core)
    before = {item.video_id: item.popularity for item in queue(core)}
    for key in ("e-2", "e-3", "e-4"):
        core.audience.record_engagement(
            OPS,
            key,
            [(story.clips[3], Engagement(views=100)), (story.clips[1], Engagement(likes=5))],
        )
    tables = core.anchoring.review.tables
    add_popularity = tables.add_popularity

    def crashing(batch: Any, added: Mapping[UUID, int]) -> None:
        # The three reports are one page, added at once: killed once they are written,
        # before the batch commits.
        add_popularity(batch, added)
        raise KeyboardInterrupt("killed in the middle of a batch")

    monkeypatch.setattr(tables, "add_popularity", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    monkeypatch.setattr(tables, "add_popularity", add_popularity)

    after = {item.video_id: item.popularity for item in queue(core)}
    assert after[story.clips[3]] == before[story.clips[3]] + 300
    assert after[story.clips[1]] == before[story.clips[1]] + 60
    live = core.read_models[NAME].export({})
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert core.anchoring.review.export(rebuilt, {}) == live
    assert {item.video_id: item.popularity for item in queue(core)} == after
