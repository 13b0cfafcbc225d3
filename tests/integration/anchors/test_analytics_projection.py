"""The studio dashboard kept as rows in the projection database: what a studio reads is made
of running totals, survives a restart without counting anything again, loses nothing to a
crash in the middle of a batch, and is rebuilt to the same figures.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.analytics import SqlAnalyticsTables
from application.anchors.analytics import NAME, StudioAnalyticsProjection, TitleAnalytics
from application.auth import Principal, Role
from application.projections import Batch, ProjectionRunner
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from domain.anchors.titles import TitleKind
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test

LEGENDARY = Principal(Role.STUDIO, "legendary")
MIA = Principal(Role.CREATOR, "mia")
ROSA = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")
ZOE = Principal(Role.VIEWER, "zoe")
MAX = Principal(Role.VIEWER, "max")
A_DAY = timedelta(days=1)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "analytics")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


class Story:
    """Legendary's two titles and Mia's three videos: one watched before it was anchored, one
    anchored to Dune then moved to Arrival, and a viewer who clicks the same tickets twice."""

    def __init__(self, core: Spotlight) -> None:
        driver = CatalogueDriver(core)
        self.core = core
        self.dune = driver.register_title(LEGENDARY, name="Dune", kind=TitleKind.MOVIE).id
        self.arrival = driver.register_title(LEGENDARY, name="Arrival", kind=TitleKind.MOVIE).id
        core.anchoring.set_match_words(
            LEGENDARY, self.dune, hashtags=["arrakis"], keywords=["sandworm"]
        )
        self.worm, self.fan_edit, self.heptapod = (
            driver.publish_video(MIA, caption=caption, hashtags=tags, category="film-and-tv").id
            for caption, tags in (
                ("Worm ride", ["#dune", "#arrakis", "#spice", "#desert"]),
                ("Fan edit", ["#spice", "#zendaya"]),
                ("Heptapod talk", ["#linguistics"]),
            )
        )
        self._anchor(self.worm, self.dune, self.fan_edit, self.dune, self.heptapod, self.arrival)

    def _anchor(self, *pairs: UUID) -> None:
        """Attach each video to its title, whatever the match policy proposed meanwhile."""
        for video_id, title_id in zip(pairs[::2], pairs[1::2], strict=True):
            current = self.core.cataloguing.video(video_id).anchor
            if current is not None and current.title_id == title_id:
                continue
            if current is not None:
                self.core.cataloguing.revoke_anchor(ROSA, video_id, reason="re-filed")
            self.core.cataloguing.attach_anchor(ROSA, video_id, title_id)

    def engagement(self, key: str, *counts: tuple[UUID, Engagement]) -> None:
        self.core.audience.record_engagement(OPS, key, list(counts))

    def clicks(self, viewer: Principal, key: str, *clicks: tuple[UUID, ClickTarget]) -> None:
        self.core.audience.record_clicks(viewer, key, list(clicks))


def titles(core: Spotlight) -> dict[str, TitleAnalytics]:
    return {t.name: t for t in core.audience.studio_analytics(LEGENDARY, "legendary").titles}


def export(core: Spotlight) -> dict[str, object]:
    model = next(m for m in core.read_models if m.name == NAME)
    return dict(model.export({}))


def test_a_title_counts_its_anchored_videos_whole_and_its_days_while_anchored(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    # The fan edit goes viral under Dune's anchor, then is moved to Arrival the next day.
    story.engagement("b1", (story.fan_edit, Engagement(views=1_000, likes=10)))
    deployment.clock.advance(A_DAY)
    story._anchor(story.fan_edit, story.arrival)
    story.engagement(
        "b2",
        (story.fan_edit, Engagement(views=50)),
        (story.worm, Engagement(views=7, shares=1)),
    )

    dune, arrival = titles(core)["Dune"], titles(core)["Arrival"]

    assert [t.name for t in core.audience.studio_analytics(LEGENDARY, "legendary").titles] == [
        "Dune",
        "Arrival",
    ]
    assert (dune.anchored_videos, dune.views, dune.likes, dune.shares) == (1, 7, 0, 1)
    assert (arrival.anchored_videos, arrival.views, arrival.likes) == (2, 1_050, 10)
    # Yesterday's views stay Dune's; today's go to the title anchored today.
    assert [(d.views, d.engagement, d.new_anchors) for d in dune.daily[-2:]] == [
        (1_000, 10, 2),
        (7, 1, 0),
    ]
    assert [(d.views, d.new_anchors) for d in arrival.daily[-2:]] == [(0, 1), (50, 1)]
    # Dune's own words (its name and match hashtags) are left out of its conversation.
    assert dune.top_hashtags == (("desert", 1), ("spice", 1))
    assert arrival.top_hashtags == (("linguistics", 1), ("spice", 1), ("zendaya", 1))
    assert core.audience.engagement_of(story.fan_edit) == Engagement(views=1_050, likes=10)


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    story.engagement("b1", (story.worm, Engagement(views=300, likes=30)))
    story.clicks(ZOE, "z1", (story.worm, ClickTarget.TICKETS), (story.worm, ClickTarget.TICKETS))
    before, exported = titles(core), export(core)

    again = deployment.start()

    assert again.projections.catch_up(NAME) == 0
    assert titles(again) == before
    assert export(again) == exported
    # The click window is remembered across the restart: Zoe's third click in the same hour
    # counts for nothing, Max's counts, and Zoe's next hour counts again.
    story.core = again
    story.clicks(ZOE, "z2", (story.worm, ClickTarget.TICKETS))
    story.clicks(MAX, "m1", (story.worm, ClickTarget.TICKETS))
    deployment.clock.advance(timedelta(hours=1))
    story.clicks(ZOE, "z3", (story.worm, ClickTarget.TICKETS))
    assert titles(again)["Dune"].clicks["tickets"] == 3
    assert titles(core)["Dune"].clicks["tickets"] == 3


def test_a_crash_in_the_middle_of_a_batch_counts_nothing_twice(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    story = Story(core)
    settled = titles(core)
    # Writes that do not read: the events wait in the log for the next catch-up.
    core.projections.inline = False
    story.engagement("b1", (story.worm, Engagement(views=300)))
    story.engagement("b2", (story.heptapod, Engagement(views=40, comments=4)))
    story.clicks(ZOE, "z1", (story.worm, ClickTarget.CAST))
    story.engagement("b3", (story.worm, Engagement(views=5)))
    projection = core.projections[NAME]
    assert isinstance(projection, StudioAnalyticsProjection)
    apply_page = projection.apply_page

    def killed_after_two(batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        apply_page(batch, log, events[:2])  # written to the batch's transaction
        raise KeyboardInterrupt("killed mid-batch")

    monkeypatch.setattr(projection, "apply_page", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)

    assert titles(core) == settled  # the batch's first two events were rolled back with it
    monkeypatch.setattr(projection, "apply_page", apply_page)
    assert core.projections.catch_up(NAME) == 4
    dune, arrival = titles(core)["Dune"], titles(core)["Arrival"]
    assert (dune.views, dune.clicks["cast"], dune.daily[-1].clicks) == (305, 1, 1)
    assert (arrival.views, arrival.comments, arrival.daily[-1].engagement) == (40, 4, 4)


def test_a_rebuild_from_zero_reaches_the_same_figures(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)
    story.engagement("b1", (story.worm, Engagement(views=300, likes=30)))
    story.clicks(ZOE, "z1", (story.fan_edit, ClickTarget.STREAMING))
    core.cataloguing.revoke_anchor(ROSA, story.fan_edit, reason="not a Dune video")
    before, exported = titles(core), export(core)
    first = core.projections.active(NAME)

    assert core.projections.rebuild(NAME) != first
    assert titles(core) == before
    assert export(core) == exported
    assert before["Dune"].anchored_videos == 1
    assert before["Dune"].clicks["streaming"] == 1


def test_a_titles_top_hashtags_leave_out_its_own_words_and_ties_go_by_name(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    driver = CatalogueDriver(core)
    singles = [f"#{letter}{letter}" for letter in "onmlkjihgfedcb"]
    for tags in (["#dune", "#arrakis", "#spice"], ["#dune", "#arrakis", "#spice", "#worm"]):
        video = driver.publish_video(MIA, caption="Clip", hashtags=tags, category="film-and-tv")
        story._anchor(video.id, story.dune)
    crowded = driver.publish_video(MIA, caption="Tags", hashtags=singles, category="film-and-tv")
    story._anchor(crowded.id, story.dune)

    dune = titles(core)["Dune"]

    # Dune's name and match hashtag lead, but are its own; the worm ride and the fan edit
    # bring #spice twice more; seventeen hashtags tie at one video, the first nine by name.
    assert dune.top_hashtags == (
        ("spice", 4),
        ("bb", 1),
        ("cc", 1),
        ("dd", 1),
        ("desert", 1),
        ("ee", 1),
        ("ff", 1),
        ("gg", 1),
        ("hh", 1),
        ("ii", 1),
    )


def test_a_database_without_upserts_adds_up_to_the_same_figures(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)
    story.engagement("b1", (story.worm, Engagement(views=300, likes=30)))
    story.engagement(
        "b2", (story.worm, Engagement(views=20)), (story.heptapod, Engagement(views=4))
    )
    story.clicks(ZOE, "z1", (story.worm, ClickTarget.TICKETS), (story.heptapod, ClickTarget.CAST))
    core.cataloguing.revoke_anchor(ROSA, story.fan_edit, reason="not a Dune video")
    before, exported = titles(core), export(core)
    # Another process whose tables add amounts by update-then-insert rebuilds the projection.
    other = SqlProjectionStore(projection_database_for(core.settings.store))
    runner = ProjectionRunner(other, core.projections._logs)
    runner.register(
        StudioAnalyticsProjection(
            SqlAnalyticsTables(other, on_conflict=False), core.settings.click_window
        )
    )

    runner.rebuild(NAME)

    assert titles(core) == before
    assert export(core) == exported
    other.close()


def test_with_workers_a_write_checks_what_the_projection_has_not_reached_yet_on_the_video(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    core.projections.inline = False  # requests read what the tables hold; a worker applies
    late = CatalogueDriver(core).publish_video(
        MIA, caption="Late clip", hashtags=["#heptapod"], category="film-and-tv"
    )
    story._anchor(late.id, story.arrival)

    story.engagement("b1", (late.id, Engagement(views=9)))
    story.clicks(ZOE, "z1", (late.id, ClickTarget.STREAMING))
    core.projections.catch_up(NAME)  # the worker's turn

    arrival = titles(core)["Arrival"]
    assert (arrival.anchored_videos, arrival.views, arrival.clicks["streaming"]) == (2, 9, 1)


def test_another_click_window_counts_the_clicks_again_from_zero(deployment: Deployment) -> None:
    core = deployment.start()
    story = Story(core)
    story.clicks(ZOE, "z1", (story.worm, ClickTarget.TICKETS))
    deployment.clock.advance(timedelta(minutes=10))
    story.clicks(ZOE, "z2", (story.worm, ClickTarget.TICKETS))
    assert titles(core)["Dune"].clicks["tickets"] == 1
    # A process configured with ten-minute windows: the hour's rows mean something else.
    other = SqlProjectionStore(projection_database_for(core.settings.store))
    runner = ProjectionRunner(other, core.projections._logs)
    shorter = StudioAnalyticsProjection(SqlAnalyticsTables(other), timedelta(minutes=10))
    runner.register(shorter)

    assert runner.catch_up(NAME) > 0
    (dune, _arrival) = shorter.analytics(
        runner.active(NAME), "legendary", deployment.clock.now().date()
    ).titles
    assert dune.clicks["tickets"] == 2
    other.close()


def test_a_titles_days_count_their_clicks_by_target_over_a_chosen_length(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    story.clicks(ZOE, "z1", (story.worm, ClickTarget.TICKETS), (story.worm, ClickTarget.CAST))
    deployment.clock.advance(A_DAY)
    story.clicks(
        MAX, "m1", (story.worm, ClickTarget.TICKETS), (story.fan_edit, ClickTarget.STREAMING)
    )

    (dune,) = (
        t
        for t in core.audience.studio_analytics(LEGENDARY, "legendary", days=180).titles
        if t.name == "Dune"
    )

    assert len(dune.daily) == 180
    assert dune.daily[-1].day == deployment.clock.now().date()
    assert dict(dune.daily[-2].targets) == {"tickets": 1, "streaming": 0, "cast": 1, "official": 0}
    assert dict(dune.daily[-1].targets) == {"tickets": 1, "streaming": 1, "cast": 0, "official": 0}
    assert all(sum(day.targets.values()) == day.clicks for day in dune.daily)
    assert sum(day.clicks for day in dune.daily) == sum(dune.clicks.values()) == 4
    only = core.audience.studio_analytics(LEGENDARY, "legendary", title_id=story.arrival)
    assert [t.name for t in only.titles] == ["Arrival"]
    elsewhere = core.audience.studio_analytics(
        Principal(Role.STUDIO, "a24"), "a24", title_id=story.dune
    )
    assert elsewhere.titles == ()
    for refused in (13, 367):
        with pytest.raises(InvalidValue, match="14 to 366 days"):
            core.audience.studio_analytics(LEGENDARY, "legendary", days=refused)
