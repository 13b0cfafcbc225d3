"""Pulse delivery persisted in the projection store, on a SQLite file and on PostgreSQL: the
report is summed from its rows, a restarted core applies nothing again and answers the same,
and a rebuild from zero holds the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.revenue.pulse_delivery import NAME
from domain.anchors.engagement import Engagement
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test

OPS = Principal(Role.ADMIN, "ops")
FIZZ = Principal(Role.BRAND, "fizz")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "delivery")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def delivered(core: Spotlight, deployment: Deployment) -> tuple[UUID, list[UUID]]:
    """Two videos of mia, each the top of dance in turn, billed over two days."""
    mia = Principal(Role.CREATOR, "mia")
    core.creators.register(mia, region="US")
    core.creators.count_followers(OPS, "mia", 150_000)
    core.pulse.apply(mia)
    core.pulse.decide(OPS, "mia", approve=True, reason="fits")
    driver = CatalogueDriver(core)
    videos = [
        driver.publish_video(mia, caption=f"v{n}", hashtags=[], category="dance").id
        for n in range(2)
    ]
    now = core.clock.now()
    campaign = core.pulse.launch_campaign(
        FIZZ,
        name="Fizz",
        category="dance",
        budget=Money(500_00, "USD"),
        cpm=Money(2_50, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=5),
    ).id
    for day, video in enumerate(videos):
        core.audience.record_engagement(
            OPS, f"e-{day}", [(video, Engagement(views=10 ** (day + 2)))]
        )
        for batch in range(3):
            core.pulse.record_impressions(
                OPS,
                batch_key=f"b-{day}-{batch}",
                campaign_id=campaign,
                placements=[(video, 1_000 + batch, batch)],
            )
        deployment.clock.advance(timedelta(days=1))
    return campaign, videos


def test_the_report_is_read_from_the_rows_and_survives_a_restart_and_a_rebuild(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    campaign, videos = delivered(core, deployment)

    report = core.pulse.delivery_report(FIZZ, campaign)
    assert [(line.video_id, line.impressions, line.clicks) for line in report.by_video] == [
        (videos[0], 3_003, 3),
        (videos[1], 3_003, 3),
    ] or [(line.video_id, line.impressions, line.clicks) for line in report.by_video] == [
        (videos[1], 3_003, 3),
        (videos[0], 3_003, 3),
    ]
    # 1,000 at 2.50: 2.50; 1,001: 2.5025 -> 2.50; 1,002: 2.505 -> 2.50, twice over.
    assert report.total.spend == Money(6 * 2_50, "USD")
    assert report.total.billed_impressions == 6_006
    first_day = deployment.clock.now().date() - timedelta(days=2)
    assert [
        line.video_id
        for line in core.pulse.delivery_report(FIZZ, campaign, until=first_day).by_video
    ] == [videos[0]]

    generation = core.projections.active(NAME)
    positions = core.projection_store.positions(NAME, generation)
    assert positions["revenue"] > 0
    restarted = deployment.fresh_start()
    assert restarted.projections.catch_up(NAME) == 0
    assert restarted.projection_store.positions(NAME, restarted.projections.active(NAME)) == (
        positions
    )
    assert restarted.pulse.delivery_report(FIZZ, campaign) == report

    before = restarted.read_models[NAME].export({})
    rebuilt = restarted.projections.rebuild(NAME)
    assert restarted.projections.active(NAME) == rebuilt
    assert restarted.read_models[NAME].export({}) == before
    assert len(before) == 2  # a row per day and video
    assert restarted.pulse.delivery_report(FIZZ, campaign) == report
