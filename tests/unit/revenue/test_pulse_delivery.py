"""A Pulse campaign's delivery report: per video and per category, impressions, billed
impressions, clicks, click-through and spend in minor units, over a range of days."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted
from application.revenue.pulse_delivery import click_through
from domain.anchors.engagement import Engagement
from domain.errors import InvalidValue
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import FixedClock

OPS = Principal(Role.ADMIN, "ops")
FIZZ = Principal(Role.BRAND, "fizz")


def enrolled(core: Spotlight, account: str) -> Principal:
    creator = Principal(Role.CREATOR, account)
    core.creators.register(creator, region="US")
    core.creators.count_followers(OPS, account, 150_000)
    core.pulse.apply(creator)
    core.pulse.decide(OPS, account, approve=True, reason="fits")
    return creator


def test_click_through_is_in_basis_points_rounded_down() -> None:
    assert click_through(1, 3) == 3_333
    assert click_through(0, 0) == 0
    assert click_through(7, 7) == 10_000


def test_the_report_sums_each_video_and_the_category_over_a_range_of_days(
    core: Spotlight, clock: FixedClock
) -> None:
    driver = CatalogueDriver(core)
    mia, noa = enrolled(core, "mia"), enrolled(core, "noa")
    # 2 videos: both inventory (ceil(4% of 2) = 1... so one at a time is brought to the top).
    first = driver.publish_video(mia, caption="one", hashtags=[], category="dance").id
    second = driver.publish_video(noa, caption="two", hashtags=[], category="dance").id
    now = core.clock.now()
    campaign = core.pulse.launch_campaign(
        FIZZ,
        name="Fizz",
        category="dance",
        budget=Money(1_000_00, "USD"),
        cpm=Money(3_00, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=10),
    ).id
    day_one = now.date()

    def top(video: UUID, views: int, key: str) -> None:
        core.audience.record_engagement(OPS, key, [(video, Engagement(views=views))])

    top(first, 100, "e-1")
    core.pulse.record_impressions(
        OPS, batch_key="b-1", campaign_id=campaign, placements=[(first, 1_000, 12)]
    )
    core.pulse.record_impressions(
        OPS, batch_key="b-2", campaign_id=campaign, placements=[(first, 333)]
    )
    clock.advance(timedelta(days=1))
    top(second, 1_000, "e-2")
    core.pulse.record_impressions(
        OPS, batch_key="b-3", campaign_id=campaign, placements=[(second, 2_000, 50)]
    )

    report = core.pulse.delivery_report(FIZZ, campaign)
    assert [(line.video_id, line.creator) for line in report.by_video] == [
        (second, "noa"),
        (first, "mia"),
    ]
    first_line = report.by_video[1]
    assert (first_line.impressions, first_line.clicks, first_line.spend) == (
        1_333,
        12,
        Money(3_00 + 99, "USD"),  # 333 impressions at 3.00 per thousand: 99.9 cents, rounded down
    )
    assert first_line.click_through_bp == 90  # 12 / 1,333 = 0.90 %
    [category] = report.by_category
    assert (category.category, category.impressions, category.clicks) == ("dance", 3_333, 62)
    assert category.spend == Money(3_99 + 6_00, "USD") == report.total.spend
    assert core.pulse.campaign(FIZZ, campaign).remaining == Money(1_000_00 - 9_99, "USD")

    only_day_one = core.pulse.delivery_report(OPS, campaign, since=day_one, until=day_one)
    assert [line.video_id for line in only_day_one.by_video] == [first]
    later = core.pulse.delivery_report(
        Principal(Role.AUDITOR, "aud"), campaign, since=day_one + timedelta(days=1)
    )
    assert [line.video_id for line in later.by_video] == [second]
    nothing = core.pulse.delivery_report(FIZZ, campaign, until=day_one - timedelta(days=1))
    assert (nothing.by_video, nothing.by_category, nothing.total.spend) == ((), (), Money(0, "USD"))

    rows = report.csv_rows()
    assert rows[0][:4] == ["level", "category", "video_id", "creator"]
    assert rows[1] == [
        "video",
        "dance",
        str(second),
        "noa",
        "2000",
        "2000",
        "50",
        "250",
        "600",
        "USD",
    ]
    assert [row[0] for row in rows[1:]] == ["video", "video", "category", "total"]


def test_the_report_is_the_brand_s_own_and_checks_its_range(core: Spotlight) -> None:
    now = core.clock.now()
    campaign = core.pulse.launch_campaign(
        FIZZ,
        name="Fizz",
        category="dance",
        budget=Money(10_00, "USD"),
        cpm=Money(1_00, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=1),
    ).id
    with pytest.raises(NotPermitted):
        core.pulse.delivery_report(Principal(Role.BRAND, "cola"), campaign)
    with pytest.raises(NotPermitted):
        core.pulse.delivery_report(Principal(Role.CREATOR, "fizz"), campaign)
    with pytest.raises(InvalidValue):
        core.pulse.delivery_report(
            FIZZ, campaign, since=now.date(), until=now.date() - timedelta(days=1)
        )
    with pytest.raises(NotFound):
        core.pulse.delivery_report(FIZZ, UUID(int=5))


def test_clicks_beyond_the_impressions_are_refused_and_nothing_is_billed(core: Spotlight) -> None:
    mia = enrolled(core, "mia")
    video = CatalogueDriver(core).publish_video(mia, caption="x", hashtags=[], category="dance").id
    now = core.clock.now()
    campaign = core.pulse.launch_campaign(
        FIZZ,
        name="Fizz",
        category="dance",
        budget=Money(10_00, "USD"),
        cpm=Money(1_00, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=1),
    ).id
    with pytest.raises(InvalidValue):
        core.pulse.record_impressions(
            OPS, batch_key="b", campaign_id=campaign, placements=[(video, 10, 11)]
        )
    assert core.pulse.delivery_report(FIZZ, campaign).by_video == ()
    assert core.pulse.campaign(FIZZ, campaign).remaining == Money(10_00, "USD")
