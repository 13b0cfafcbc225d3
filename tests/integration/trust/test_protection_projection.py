"""Protection persisted in the projection store: who and what is excluded is read from its
rows, a restarted core applies nothing again and answers the same, a crash in the middle of
a batch keeps nothing of it, and a rebuild from zero answers what the live rows answer.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.trust.protection import MINOR, NAME, NewVideo
from domain.trust.moderation import AgeBand
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page

OPS = Principal(Role.ADMIN, "ops")
REVIEWER = Principal(Role.REVIEWER, "rita")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "protection")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def publish(core: Spotlight, account: str, count: int) -> list[UUID]:
    creator = Principal(Role.CREATOR, account)
    return [
        CatalogueDriver(core)
        .publish_video(creator, caption=f"v{n}", hashtags=[], category="dance")
        .id
        for n in range(count)
    ]


class Story:
    """Tim (who turns out to be 16) and Ana share six videos; a reviewer removes one of
    Ana's."""

    def __init__(self, core: Spotlight) -> None:
        for account in ("tim", "ana"):
            core.creators.register(Principal(Role.CREATOR, account), region="US")
        self.tims = publish(core, "tim", 3)
        self.anas = publish(core, "ana", 3)
        core.moderation.decide(
            REVIEWER, self.anas[0], "removed", reason="stolen footage", policy="copyright/2"
        )
        core.moderation.record_age_band(OPS, "tim", AgeBand.FROM_16_TO_17, reason="passport")

    def answers(self, core: Spotlight) -> tuple[object, ...]:
        model = core.protection.catch_up()
        videos = self.tims + self.anas
        return (
            {video: model.why_excluded(video) for video in videos},
            model.excluded_among(videos),
            model.minors_among(["tim", "ana", "nobody"]),
            model.videos_of("tim"),
        )


def test_who_and_what_is_excluded_is_read_from_the_rows(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)
    model = core.protection.catch_up()

    assert model.why_excluded(story.anas[0]) == "the video is removed"
    assert model.why_excluded(story.anas[1]) is None
    assert model.excluded_among([*story.anas, *story.tims]) == {
        story.anas[0]: "the video is removed",
        **dict.fromkeys(story.tims, MINOR),
    }
    assert model.is_minor("tim")
    assert not model.is_minor("ana")
    assert model.videos_of("tim") == story.tims
    assert model.export() == {
        "minors": ("tim",),
        f"excluded:{story.anas[0]}": "the video is removed",
        **{f"excluded:{video}": MINOR for video in story.tims},
    }
    # An admin who verifies an adult band lifts it.
    core.moderation.record_age_band(OPS, "tim", AgeBand.ADULT, reason="second look")
    assert core.protection.catch_up().excluded_among(story.tims) == {}


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    before = story.answers(core)
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    assert restarted.projection_store.positions(NAME, restarted.projections.active(NAME)) == (
        positions
    )
    assert story.answers(restarted) == before
    # And it goes on from there.
    later = publish(restarted, "tim", 1)
    assert restarted.protection.catch_up().why_excluded(later[0]) == MINOR


def test_a_crash_in_the_middle_of_a_batch_keeps_nothing_of_it(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    story = Story(core)
    before = story.answers(core)
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))
    # Saved alone, without the catch-up that publishing through anchoring makes.
    tim = Principal(Role.CREATOR, "tim")
    more = [
        CatalogueDriver(core).record_video(tim, caption=f"w{n}", hashtags=[], category="dance").id
        for n in range(3)
    ]
    tables = core.protection.projection.tables
    publish_rows = tables.publish

    def crashing(batch: Any, videos: Sequence[NewVideo]) -> None:
        # The three publications are one page, written at once: killed once they are
        # written, before the batch commits.
        publish_rows(batch, videos)
        raise KeyboardInterrupt("killed in the middle of a batch")

    monkeypatch.setattr(tables, "publish", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    generation = core.projections.active(NAME)
    assert core.projection_store.positions(NAME, generation) == positions
    assert tables.facts(generation, more, excluded_only=False) == []
    monkeypatch.setattr(tables, "publish", publish_rows)

    model = core.protection.catch_up()
    assert model.excluded_among(more) == dict.fromkeys(more, MINOR)
    assert model.videos_of("tim") == story.tims + more
    assert story.answers(core)[2:3] == before[2:3]
    live = core.read_models[NAME].export({})
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert core.protection.projection.export(rebuilt, {}) == live
    assert core.protection.catch_up().generation == rebuilt


def test_the_moderation_queue_pages_in_the_order_first_flagged(deployment: Deployment) -> None:
    core = deployment.start()
    flagged = []
    for n in range(5):
        creator = Principal(Role.CREATOR, f"fan-{n % 2}")
        published = core.anchoring.publish_video(
            creator, caption=f"edit {n}, dm for c0caine", hashtags=[], category="dance"
        )
        flagged.append(published.video.id)
        core.anchoring.publish_video(creator, caption=f"edit {n}", hashtags=[], category="dance")

    for limit in (1, 2, 5, 50):
        queue = every_page(partial(core.moderation.flagged, REVIEWER, limit=limit))
        assert [video.video_id for video in queue] == flagged
    core.moderation.decide(REVIEWER, flagged[2], "clear", reason="a joke", policy="guidelines/7")
    restarted = deployment.fresh_start()
    queue = every_page(partial(restarted.moderation.flagged, REVIEWER, limit=2))
    assert [video.video_id for video in queue] == flagged[:2] + flagged[3:]
