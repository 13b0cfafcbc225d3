"""A studio's titles and a creator's videos, read a page at a time from the persisted read
models through the Python API: every item once, in the order it was registered or
published, whatever the page size, and only the owner's; a restarted core answers the same.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import pytest

from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page

T = TypeVar("T")

LEGENDARY = Principal(Role.STUDIO, "legendary")
A24 = Principal(Role.STUDIO, "a24")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
AUDITOR = Principal(Role.AUDITOR, "audrey")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "owner_lists")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def test_each_owner_reads_exactly_their_own_in_order_at_any_page_size(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    ours: list[UUID] = []
    mine: list[UUID] = []
    for n in range(9):
        ours.append(
            core.anchoring.register_title(LEGENDARY, name=f"Dune {n}", kind=TitleKind.MOVIE).id
        )
        core.anchoring.register_title(A24, name=f"Past Lives {n}", kind=TitleKind.MOVIE)
        mine.append(publish(core, MIA, n))
        publish(core, LEO, n)

    for limit in (1, 2, 4, 9, 50):
        titles = every_page(partial(core.owner_lists.studio_titles, LEGENDARY, limit=limit))
        videos = every_page(partial(core.owner_lists.creator_videos, AUDITOR, "mia", limit=limit))
        assert [title.title_id for title in titles] == ours
        assert [video.video_id for video in videos] == mine

    restarted = deployment.fresh_start()
    again = every_page(partial(restarted.owner_lists.studio_titles, AUDITOR, "legendary"))
    assert [title.title_id for title in again] == ours


def publish(core: Spotlight, creator: Principal, n: int) -> UUID:
    return core.anchoring.publish_video(
        creator, caption=f"clip {n}", hashtags=["#clip"], category="film-and-tv"
    ).video.id


def test_the_anchors_on_a_studios_titles_follow_proposals_decisions_and_disputes(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    reviewer = Principal(Role.REVIEWER, "rita")
    dune = core.anchoring.register_title(LEGENDARY, name="Dune", kind=TitleKind.MOVIE).id
    core.anchoring.set_match_words(LEGENDARY, dune, hashtags=["arrakis"], keywords=[])
    videos = [
        core.anchoring.publish_video(
            Principal(Role.CREATOR, f"fan-{n}"),
            caption=f"desert {n}",
            hashtags=["#Arrakis"],
            category="film-and-tv",
        ).video.id
        for n in range(5)
    ]
    core.anchoring.decide(reviewer, videos[0], dune, attach=True, reason="the worm")
    core.anchoring.decide(reviewer, videos[1], dune, attach=False, reason="another desert")
    core.anchoring.dispute(Principal(Role.CREATOR, "fan-0"), videos[0], reason="mine")

    for limit in (1, 2, 50):
        anchors = every_page(partial(core.owner_lists.title_anchors, LEGENDARY, limit=limit))
        assert [(a.video_id, a.state) for a in anchors] == [
            (videos[0], "disputed"),
            (videos[2], "proposed"),
            (videos[3], "proposed"),
            (videos[4], "proposed"),
        ]
    assert all(anchor.evidence for anchor in anchors)
    assert every_page(partial(core.owner_lists.title_anchors, A24)) == []


def test_the_disputes_on_a_studios_titles_are_listed_open_or_decided(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    reviewer = Principal(Role.REVIEWER, "rita")
    dune = core.anchoring.register_title(LEGENDARY, name="Dune", kind=TitleKind.MOVIE).id
    core.anchoring.set_match_words(LEGENDARY, dune, hashtags=["arrakis"], keywords=[])
    fans = [Principal(Role.CREATOR, f"fan-{n}") for n in range(4)]
    videos = [
        core.anchoring.publish_video(
            fan, caption="desert", hashtags=["#Arrakis"], category="film-and-tv"
        ).video.id
        for fan in fans
    ]
    for fan, video in zip(fans, videos, strict=True):
        core.anchoring.decide(reviewer, video, dune, attach=True, reason="the worm")
        core.anchoring.dispute(fan, video, reason=f"{fan.subject}'s own footage")
    core.anchoring.settle_dispute(reviewer, videos[0], uphold=True, reason="shot by the fan")
    core.anchoring.settle_dispute(reviewer, videos[1], uphold=False, reason="it is the film")
    core.moderation.decide(
        reviewer, videos[2], "age-restricted", reason="violence", policy="guidelines/3"
    )

    expected = [
        (videos[0], "upheld", "fan-0's own footage", "shot by the fan"),
        (videos[1], "dismissed", "fan-1's own footage", "it is the film"),
        (videos[3], "open", "fan-3's own footage", ""),
    ]
    for limit in (1, 2, 50):
        disputes = every_page(partial(core.owner_lists.studio_disputes, LEGENDARY, limit=limit))
        assert [(d.video_id, d.state, d.reason, d.decision_reason) for d in disputes] == expected
    assert [d.decided_at is None for d in disputes] == [False, False, True]
    # The age-restricted video's dispute is left out, as its anchor is from the anchors list.
    assert videos[2] not in {d.video_id for d in disputes}
    assert every_page(partial(core.owner_lists.studio_disputes, A24)) == []

    restarted = deployment.fresh_start()
    again = every_page(partial(restarted.owner_lists.studio_disputes, AUDITOR, "legendary"))
    assert [(d.video_id, d.state) for d in again] == [(v, s) for v, s, _r, _d in expected]
