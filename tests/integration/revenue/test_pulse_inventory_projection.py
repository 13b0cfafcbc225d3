"""The Pulse inventory persisted in the projection store: ranks read from its rows, a
restarted core applies nothing again and answers the same, a crash in the middle of a batch
counts no engagement twice, and a rebuild from zero answers what the live projection answers.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.revenue.pulse_inventory import NAME, Standing
from domain.anchors.engagement import Engagement
from domain.trust.moderation import AgeBand
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test

OPS = Principal(Role.ADMIN, "ops")
REVIEWER = Principal(Role.REVIEWER, "rita")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "pulse")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def enrolled(core: Spotlight, account: str, *, followers: int = 150_000) -> Principal:
    creator = Principal(Role.CREATOR, account)
    core.creators.register(creator, region="US")
    core.creators.count_followers(OPS, account, followers)
    core.pulse.apply(creator)
    core.pulse.decide(OPS, account, approve=True, reason="fits")
    return creator


def publish(core: Spotlight, creator: Principal, count: int, category: str = "dance") -> list[UUID]:
    return [
        CatalogueDriver(core)
        .publish_video(creator, caption=f"v{n}", hashtags=[], category=category)
        .id
        for n in range(count)
    ]


class Story:
    """Mia (approved) and Leo (applied, never approved) share 30 dance videos: the top 2
    ranks are inventory."""

    def __init__(self, core: Spotlight) -> None:
        self.mia = enrolled(core, "mia")
        self.leo = Principal(Role.CREATOR, "leo")
        core.creators.register(self.leo, region="US")
        core.creators.count_followers(OPS, "leo", 500_000)
        core.pulse.apply(self.leo)
        self.mias = publish(core, self.mia, 20)
        self.leos = publish(core, self.leo, 10)
        core.audience.record_engagement(
            OPS,
            "e-1",
            [(self.leos[0], Engagement(views=900)), (self.mias[5], Engagement(views=500))],
        )
        core.cataloguing.record_engagement(OPS, self.mias[9], Engagement(likes=100))  # 400

    def standings(self, core: Spotlight) -> dict[UUID, Standing]:
        return {video: core.pulse.standing(video) for video in self.mias + self.leos}


def test_ranks_and_inventory_are_read_from_the_rows(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)

    assert [(s.video_id, s.rank, s.top) for s in core.pulse.inventory("dance")] == [
        (story.mias[5], 2, 2)
    ]
    first = core.pulse.standing(story.leos[0])
    assert (first.rank, first.score, first.category_size) == (1, 900, 30)
    assert first.why_not == "creator leo is not approved for Pulse"
    assert core.pulse.standing(story.mias[9]).rank == 3
    # Ties of score go to the earlier publication.
    assert [core.pulse.standing(v).rank for v in story.mias[:3]] == [4, 5, 6]
    assert core.pulse.inventory("comedy") == []


def test_a_protected_video_leaves_the_ranking_and_the_others_move_up(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)

    core.moderation.decide(
        REVIEWER, story.leos[0], "removed", reason="stolen footage", policy="copyright/2"
    )

    removed = core.pulse.standing(story.leos[0])
    assert (removed.rank, removed.is_inventory) == (0, False)
    assert removed.why_not == "not ranked: the video is removed"
    assert core.pulse.standing(story.mias[5]).rank == 1
    assert [s.video_id for s in core.pulse.inventory("dance")] == [story.mias[5], story.mias[9]]
    assert core.pulse.standing(story.mias[5]).category_size == 29

    core.moderation.record_age_band(OPS, "mia", AgeBand.FROM_16_TO_17, reason="passport seen")
    assert core.pulse.inventory("dance") == []
    assert "under 18" in core.pulse.standing(story.mias[5]).why_not
    assert core.pulse.standing(story.leos[1]).category_size == 9


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    before = story.standings(core)
    inventory = core.pulse.inventory("dance")
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    generation = restarted.projections.active(NAME)
    assert restarted.projection_store.positions(NAME, generation) == positions
    assert story.standings(restarted) == before
    assert restarted.pulse.inventory("dance") == inventory
    # And it goes on from there: only what is new is counted.
    restarted.audience.record_engagement(OPS, "e-2", [(story.mias[0], Engagement(views=1_000))])
    moved = restarted.pulse.standing(story.mias[0])
    assert (moved.rank, moved.score, moved.is_inventory) == (1, 1_000, True)


def test_a_crash_in_the_middle_of_a_batch_counts_no_engagement_twice(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    story = Story(core)
    before = story.standings(core)
    for key in ("e-2", "e-3", "e-4"):
        core.audience.record_engagement(
            OPS, key, [(story.mias[1], Engagement(views=100)), (story.leos[2], Engagement(likes=5))]
        )
    tables = core.pulse.projection.tables
    set_engagements = tables.set_engagements

    def crashing(batch: Any, engagements: Mapping[UUID, Engagement]) -> None:
        # The three reports are one page, written at once: killed once they are written,
        # before the batch commits.
        set_engagements(batch, engagements)
        raise KeyboardInterrupt("killed in the middle of a batch")

    monkeypatch.setattr(tables, "set_engagements", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    monkeypatch.setattr(tables, "set_engagements", set_engagements)

    after = story.standings(core)
    assert after[story.mias[1]].score == before[story.mias[1]].score + 300
    assert after[story.leos[2]].score == before[story.leos[2]].score + 60
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert story.standings(core) == after
    assert core.read_models[NAME].export({}) == core.pulse.projection.export(rebuilt, {})
