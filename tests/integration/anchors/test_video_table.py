"""A title's per-video table kept as rows per title, video and day in the studio analytics
projection: which fan videos drive views and clicks over a range, against the range before,
sorted and paged by keyset, the audience by region, and the whole table as CSV.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from application.anchors.analytics import NAME
from application.anchors.video_figures import VideoSort
from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from domain.errors import InvalidValue
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.integration.anchors.test_analytics_projection import (
    LEGENDARY,
    MAX,
    OPS,
    ZOE,
    Story,
    export,
)

A24 = Principal(Role.STUDIO, "a24")
AUDITOR = Principal(Role.AUDITOR, "audit")
A_DAY = timedelta(days=1)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "videotable")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    running = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield running
    running.stop_all()


def a_week_of_fans(deployment: Deployment) -> Story:
    """The worm ride is watched a week ago and clicked for tickets from Japan today; the fan
    edit is watched today and clicked for streaming twice (by two viewers, region unknown)."""
    story = Story(deployment.start())
    story.engagement("old", (story.worm, Engagement(views=500, likes=5)))
    deployment.clock.advance(7 * A_DAY)
    story.engagement(
        "new",
        (story.worm, Engagement(views=100)),
        (story.fan_edit, Engagement(views=900, shares=9)),
    )
    story.core.audience.record_clicks(ZOE, "z1", [(story.worm, ClickTarget.TICKETS)], region="jp")
    story.clicks(ZOE, "z2", (story.fan_edit, ClickTarget.STREAMING))
    story.clicks(MAX, "m1", (story.fan_edit, ClickTarget.STREAMING))
    return story


def test_the_table_sorts_a_titles_videos_by_what_they_drove_against_the_week_before(
    deployment: Deployment,
) -> None:
    story = a_week_of_fans(deployment)
    audience = story.core.audience

    by_views = audience.video_table(LEGENDARY, story.dune, sort=VideoSort.VIEWS, days=7)
    by_tickets = audience.video_table(LEGENDARY, story.dune, sort=VideoSort.TICKETS, days=7)

    assert by_views.range.days == by_views.previous.days == 7
    assert [row.video_id for row in by_views.page.items] == [story.fan_edit, story.worm]
    edit, worm = by_views.page.items
    assert (edit.now.views, edit.now.shares, edit.now.clicks["streaming"]) == (900, 9, 2)
    assert (worm.now.views, worm.before.views, worm.before.likes) == (100, 500, 5)
    assert edit.before.views == 0
    assert [row.video_id for row in by_tickets.page.items] == [story.worm, story.fan_edit]
    assert by_views.regions == {"JP": 1, "unknown": 2}
    assert by_views.regions_before == {}
    # Arrival's table holds none of Dune's videos.
    assert audience.video_table(LEGENDARY, story.arrival, days=7).page.items == ()


def test_pages_follow_the_keyset_and_a_cursor_serves_only_its_own_table(
    deployment: Deployment,
) -> None:
    story = a_week_of_fans(deployment)
    audience = story.core.audience

    first = audience.video_table(LEGENDARY, story.dune, sort=VideoSort.VIEWS, days=28, limit=1)
    second = audience.video_table(
        LEGENDARY, story.dune, sort=VideoSort.VIEWS, days=28, limit=1, cursor=first.page.next_cursor
    )

    assert [row.video_id for row in first.page.items] == [story.fan_edit]
    assert [row.video_id for row in second.page.items] == [story.worm]
    assert second.page.items[0].now.views == 600
    assert second.page.next_cursor is None
    with pytest.raises(InvalidValue, match="another list"):
        audience.video_table(
            LEGENDARY, story.dune, sort=VideoSort.CLICKS, days=28, cursor=first.page.next_cursor
        )


def test_a_custom_range_compares_with_as_many_days_before_it(deployment: Deployment) -> None:
    story = a_week_of_fans(deployment)
    today = deployment.clock.now().date()

    table = story.core.audience.video_table(
        LEGENDARY, story.dune, first=today - 7 * A_DAY, last=today - 7 * A_DAY
    )

    assert (table.range.days, table.previous.last) == (1, today - 8 * A_DAY)
    assert [(row.now.views, row.before.views) for row in table.page.items] == [(500, 0)]
    for refused, reason in (
        ({"first": today, "last": today - A_DAY}, "not before its first"),
        ({"first": today}, "both its first"),
        ({"days": 7, "first": today, "last": today}, "not both"),
        ({"days": 30}, "7, 28, 90"),
        ({"first": today - 400 * A_DAY, "last": today}, "at most"),
    ):
        with pytest.raises(InvalidValue, match=reason):
            story.core.audience.video_table(LEGENDARY, story.dune, **refused)


def test_only_the_titles_studio_an_admin_or_an_auditor_reads_the_table(
    deployment: Deployment,
) -> None:
    story = a_week_of_fans(deployment)
    audience = story.core.audience

    with pytest.raises(NotPermitted, match="own titles"):
        audience.video_table(A24, story.dune)
    with pytest.raises(NotPermitted):
        audience.video_table(ZOE, story.dune)
    with pytest.raises(NotFound):
        audience.video_table(LEGENDARY, story.worm)  # a video's id names no title
    assert audience.video_table(OPS, story.dune).page.items
    assert audience.title_studio(AUDITOR, story.dune) == "legendary"


def test_the_csv_holds_the_whole_table_in_its_order(deployment: Deployment) -> None:
    story = a_week_of_fans(deployment)

    lines = "".join(story.core.audience.video_table_csv(LEGENDARY, story.dune, days=7))
    rows = list(csv.DictReader(lines.splitlines()))

    assert [row["video_id"] for row in rows] == [str(story.fan_edit), str(story.worm)]
    assert rows[0]["streaming_clicks"] == rows[0]["clicks"] == "2"
    assert (rows[1]["views"], rows[1]["previous_views"], rows[1]["tickets_clicks"]) == (
        "100",
        "500",
        "1",
    )


def test_a_restart_and_a_rebuild_keep_the_table_and_the_replay_compares_it(
    deployment: Deployment,
) -> None:
    story = a_week_of_fans(deployment)
    before = story.core.audience.video_table(LEGENDARY, story.dune, days=28)
    exported = export(story.core)
    assert f"video-days:{story.dune}" in exported
    assert f"region-days:{story.dune}" in exported

    again = deployment.start()
    assert again.projections.catch_up(NAME) == 0
    assert again.audience.video_table(LEGENDARY, story.dune, days=28) == before
    again.projections.rebuild(NAME)
    assert again.audience.video_table(LEGENDARY, story.dune, days=28) == before
    assert export(again) == exported
