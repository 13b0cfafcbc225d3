"""Reach and frequency: unique viewers counted in the dashboards' rows over any range (each
viewer once however many videos and days), the views of a minor's or a restricted video left
out, and the frequency to two decimals without a float; a view batch holds 1 to 10,000 views."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from application.auth import Principal, Role
from application.business.campaign_dashboard import ReachFigures, frequency
from application.errors import NotPermitted
from domain.anchors.views import VideoViewed, ViewBatch
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT, FixedClock
from tests.unit.business.test_campaigns import BRAND, OTHER_BRAND, creator, launch, register, terms


def viewer(name: str) -> Principal:
    return Principal(Role.VIEWER, name)


@pytest.mark.parametrize(
    ("reach", "views", "shown"),
    [
        (0, 0, "0.00"),
        (3, 7, "2.33"),
        (3, 8, "2.67"),
        (2, 3, "1.50"),
        (8, 9, "1.13"),
        (1, 1, "1.00"),
    ],
)
def test_frequency_is_views_per_viewer_rounded_half_up_to_hundredths(
    reach: int, views: int, shown: str
) -> None:
    assert frequency(ReachFigures(reach, views, 0, 0)) == shown


def test_a_view_batch_holds_one_to_ten_thousand_views() -> None:
    with pytest.raises(InvalidValue):
        ViewBatch.record(uuid4(), viewer="viewer:a", views=[])
    with pytest.raises(InvalidValue):
        ViewBatch.record(
            uuid4(), viewer="viewer:a", views=[VideoViewed(uuid4(), OPENING_NIGHT)] * 10_001
        )
    batch = ViewBatch.record(
        uuid4(), viewer="viewer:a", views=[VideoViewed(uuid4(), OPENING_NIGHT)]
    )
    assert len(batch.views) == 1


def test_reach_counts_each_viewer_once_over_the_range_and_leaves_out_excluded_videos(
    core: Spotlight, clock: FixedClock
) -> None:
    register(core, "ana")
    campaign = launch(core)
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms())
    core.campaigns.accept(creator("ana"), invitation.id)
    driver = CatalogueDriver(core)
    videos = [
        driver.publish_video(
            creator("ana"), caption=f"v{n}", hashtags=["#glowup"], category="beauty"
        )
        for n in range(3)
    ]
    first, second, restricted = (video.id for video in videos)
    core.audience.record_views(viewer("a"), "1", [first, second, first])
    core.audience.record_views(viewer("b"), "1", [second])
    core.audience.record_views(viewer("c"), "1", [restricted])
    clock.advance(timedelta(days=1))
    core.audience.record_views(viewer("a"), "2", [second])
    today = clock.now().date()

    report = core.campaign_dashboards.report(BRAND, campaign.id, as_of=today, days=7)
    assert (report.total.reach, report.total.views) == (3, 6)
    assert [(d.figures.reach, d.figures.views) for d in report.daily] == [(3, 5), (1, 1)]
    assert report.frequency == "2.00"

    core.moderation.decide(
        Principal(Role.REVIEWER, "rita"),
        restricted,
        state="age-restricted",
        reason="not for all",
        policy="p1",
    )
    report = core.campaign_dashboards.report(BRAND, campaign.id, as_of=today, days=7)
    assert (report.total.reach, report.total.views) == (2, 5)
    only_today = core.campaign_dashboards.report(
        BRAND, campaign.id, as_of=today, first=today, last=today
    )
    assert (only_today.total.reach, len(only_today.daily)) == (1, 1)

    core.moderation.decide(
        Principal(Role.REVIEWER, "rita"), restricted, state="clear", reason="fine", policy="p1"
    )
    report = core.campaign_dashboards.report(BRAND, campaign.id, as_of=today, days=7)
    assert (report.total.reach, report.total.views) == (3, 6)  # cleared: its views return
    with pytest.raises(NotPermitted):
        core.campaign_dashboards.report(OTHER_BRAND, campaign.id, as_of=today)


class _Asked(Exception):
    """Protection was asked at a read."""


def test_a_report_asks_protection_nothing_the_rows_keep_its_answer(
    core: Spotlight, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is read from the dashboards' members (no excluded video is one): reading
    it never asks protection about the campaign's videos."""
    register(core, "ana")
    campaign = launch(core)
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms())
    core.campaigns.accept(creator("ana"), invitation.id)
    video = CatalogueDriver(core).publish_video(
        creator("ana"), caption="v", hashtags=["#glowup"], category="beauty"
    )
    core.audience.record_views(viewer("a"), "1", [video.id])
    core.campaign_dashboards.catch_up()
    model = core.campaign_dashboards.protection

    def asked(_videos: object) -> object:
        raise _Asked

    monkeypatch.setattr(model, "excluded_among", asked)
    report = core.campaign_dashboards.report(BRAND, campaign.id, as_of=clock.now().date())
    assert report.total.reach == 1
