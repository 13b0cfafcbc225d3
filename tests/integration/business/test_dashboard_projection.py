"""Campaign dashboards persisted in the projection store: a restarted core applies nothing
again and answers the same, a crash in the middle of a batch counts nothing twice, and a
rebuild from zero answers what the live projection answers.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.business.campaign_dashboard import NAME, CampaignDashboard
from domain.anchors.engagement import Engagement
from domain.business.campaigns import Kpi, KpiTarget
from domain.business.invitations import Terms
from domain.money import Money
from domain.trust.moderation import AgeBand, ModerationState
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test

BRAND = Principal(Role.BRAND, "glowco")
REPORTER = Principal(Role.ADMIN, "engagement-service")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "dashboards")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def creator(name: str) -> Principal:
    return Principal(Role.CREATOR, name)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


class Story:
    """A campaign with two participants, a hashtag video, a linked video, engagement, a
    flood of clicks and a paid delivery."""

    def __init__(self, core: Spotlight, deployment: Deployment) -> None:
        self.clock = deployment.clock
        today = self.clock.now().date()
        for name in ("ana", "ben"):
            core.creators.register(creator(name), region="US")
        self.campaign = core.campaigns.launch(
            BRAND,
            name="Glow up summer",
            objective="engagement",
            budget=usd(2_000_00),
            starts_on=today,
            ends_on=today + timedelta(days=29),
            categories=["beauty"],
            regions=["US"],
            kpis=[KpiTarget(Kpi.VIEWS, 1_000), KpiTarget(Kpi.CLICKS, 10)],
            hashtag="#GlowUp",
        )
        terms = Terms(fee=usd(300_00), deliverables="one video", deadline=today + timedelta(29))
        self.invitations = []
        for name in ("ana", "ben"):
            sent = core.campaigns.invite(BRAND, self.campaign.id, creator=name, terms=terms)
            core.campaigns.accept(creator(name), sent.id)
            self.invitations.append(sent.id)
        self.tagged = CatalogueDriver(core).publish_video(
            creator("ana"), caption="glow", hashtags=["#GlowUp"], category="beauty"
        )
        self.linked = CatalogueDriver(core).publish_video(
            creator("ben"), caption="mine", hashtags=[], category="beauty"
        )
        core.campaigns.link_video(creator("ben"), self.campaign.id, self.linked.id)
        self.engage(core, "d1", (self.tagged.id, 800, 120), (self.linked.id, 400, 40))
        self.click(core, "c1", viewers=12)
        self.clock.advance(timedelta(days=1))
        self.engage(core, "d2", (self.tagged.id, 100, 10))
        core.campaigns.deliver(creator("ana"), self.invitations[0], self.tagged.id)
        core.campaigns.approve_delivery(BRAND, self.invitations[0])

    def engage(self, core: Spotlight, key: str, *counts: tuple[UUID, int, int]) -> None:
        core.audience.record_engagement(
            REPORTER, key, [(video, Engagement(views=v, likes=likes)) for video, v, likes in counts]
        )

    def click(self, core: Spotlight, key: str, *, viewers: int) -> None:
        # Each viewer clicks three times in the hour: one click each is counted.
        for viewer in range(viewers):
            core.audience.record_call_to_action_clicks(
                Principal(Role.VIEWER, f"v{viewer}"), f"{key}-{viewer}", [self.tagged.id] * 3
            )

    def board(self, core: Spotlight) -> CampaignDashboard:
        return core.campaign_dashboards.dashboard(
            BRAND, self.campaign.id, as_of=self.clock.now().date()
        )


def test_the_dashboard_answers_from_its_rows(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core, deployment)

    board = story.board(core)

    assert board.videos == 2
    assert (board.views, board.engagements, board.clicks) == (1_300, 170, 12)
    assert [(d.views, d.engagements, d.clicks) for d in board.daily] == [
        (1_200, 160, 12),
        (100, 10, 0),
    ]
    assert (board.spent, board.committed, board.uncommitted) == (
        usd(300_00),
        usd(300_00),
        usd(1_400_00),
    )
    assert [(k.kpi, k.actual, k.attained) for k in board.kpis] == [
        (Kpi.VIEWS, 1_300, True),
        (Kpi.CLICKS, 12, True),
    ]
    assert [v.video_id for v in board.top_videos] == [story.tagged.id, story.linked.id]
    assert core.campaign_dashboards.invitations_of(story.campaign.id) == story.invitations


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core, deployment)
    before = story.board(core)
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    generation = restarted.projections.active(NAME)
    assert restarted.projection_store.positions(NAME, generation) == positions
    assert story.board(restarted) == before
    # And it goes on from there: only what is new is counted.
    story.engage(restarted, "d3", (story.tagged.id, 50, 5))
    after = story.board(restarted)
    assert (after.views, after.engagements) == (before.views + 50, before.engagements + 5)


def test_a_crash_in_the_middle_of_a_batch_counts_nothing_twice(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    story = Story(core, deployment)
    before = story.board(core)
    story.engage(core, "d3", (story.tagged.id, 50, 5), (story.linked.id, 20, 2))
    story.click(core, "c2", viewers=3)
    tables = core.campaign_dashboards.projection.tables
    add_figures = tables.add_figures
    written: list[int] = []

    # The page's engagement is written, then the process dies writing its clicks' figures.
    def crashing(batch: Any, figures: Any) -> None:
        if written:
            raise KeyboardInterrupt("killed in the middle of a batch")
        written.append(len(figures))
        add_figures(batch, figures)

    monkeypatch.setattr(tables, "add_figures", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    assert written
    monkeypatch.setattr(tables, "add_figures", add_figures)

    after = story.board(core)
    assert (after.views, after.engagements, after.clicks) == (
        before.views + 70,
        before.engagements + 7,
        before.clicks + 3,
    )
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert story.board(core) == after


def test_a_click_counts_once_per_viewer_and_video_in_each_window_across_batches(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core, deployment)
    before = story.board(core).clicks

    story.click(core, "first", viewers=3)
    assert story.board(core).clicks == before + 3
    story.click(core, "again", viewers=3)  # the same hour: counted already
    assert story.board(core).clicks == before + 3
    deployment.clock.advance(timedelta(hours=1))
    story.click(core, "next-hour", viewers=2)
    assert story.board(core).clicks == before + 5
    assert core.projections.catch_up(NAME) == 0


def test_a_video_protection_excludes_leaves_the_dashboard_and_comes_back_when_cleared(
    deployment: Deployment,
) -> None:
    """The rows keep protection's answer: a restricted video or a minor's leaves the sums,
    the days and the top videos, and comes back with all its figures when that is undone
    (a reviewer clears it, an admin verifies the creator is an adult)."""
    core = deployment.start()
    story = Story(core, deployment)
    whole = story.board(core)
    admin = Principal(Role.ADMIN, "ops")

    core.moderation.decide(
        admin, story.tagged.id, ModerationState.AGE_RESTRICTED, reason="seen", policy="p"
    )
    without_tagged = story.board(core)
    assert (without_tagged.videos, without_tagged.views, without_tagged.clicks) == (1, 400, 0)
    assert [v.video_id for v in without_tagged.top_videos] == [story.linked.id]
    assert [(d.views, d.engagements) for d in without_tagged.daily] == [(400, 40), (0, 0)]

    core.moderation.decide(admin, story.tagged.id, ModerationState.CLEAR, reason="ok", policy="p")
    assert story.board(core) == whole

    core.moderation.record_age_band(admin, "ben", AgeBand.FROM_16_TO_17, reason="checked")
    assert [v.video_id for v in story.board(core).top_videos] == [story.tagged.id]
    core.moderation.record_age_band(admin, "ben", AgeBand.ADULT, reason="checked again")
    assert story.board(core) == whole
