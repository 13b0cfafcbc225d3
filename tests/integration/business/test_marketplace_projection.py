"""The creator marketplace persisted in the projection store: searches read its rows, a
restarted core applies nothing again and answers the same, a crash in the middle of a batch
counts no engagement twice, a rebuild from zero answers what the live projection answers,
and minors stay out by the age bands in its own rows.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.marketplace import SqlMarketplaceTables, creator_text
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.business.marketplace import CreatorMatch, CreatorQuery
from application.business.marketplace_projection import (
    NAME,
    CreatorSearch,
    MarketplaceProjection,
    Totals,
)
from application.projections import ProjectionRunner
from domain.anchors.engagement import Engagement
from domain.trust.moderation import AgeBand
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page

BRAND = Principal(Role.BRAND, "glowco")
OPS = Principal(Role.ADMIN, "ops")

QUERIES = (
    CreatorQuery(),
    CreatorQuery(categories=("beauty",)),
    CreatorQuery(text="skincare"),
    CreatorQuery(regions=("US",), engagement_rate_min_bp=500),
)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "marketplace")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


class Story:
    """Three beauty creators and a gamer; one of them published before registering."""

    def __init__(self, core: Spotlight) -> None:
        self.videos = {}
        for account, region, followers, category, caption in (
            ("glow-queen", "US", 500_000, "beauty", "glow skincare routine"),
            ("tiny-glow", "US", 5_000, "beauty", "skincare on a budget"),
            ("speedrunner", "JP", 800_000, "gaming", "any% speedrun"),
        ):
            me = Principal(Role.CREATOR, account)
            core.creators.register(me, region=region)
            core.creators.count_followers(OPS, account, followers)
            self.videos[account] = [
                CatalogueDriver(core)
                .publish_video(me, caption=f"{caption} {n}", hashtags=[], category=category)
                .id
                for n in range(3)
            ]
        early = Principal(Role.CREATOR, "early-bird")
        self.videos["early-bird"] = [
            CatalogueDriver(core)
            .publish_video(early, caption="skincare first", hashtags=[], category="beauty")
            .id
        ]
        core.creators.register(early, region="JP")
        core.audience.record_engagement(
            OPS,
            "e-1",
            [
                (self.videos["glow-queen"][0], Engagement(views=1_000, likes=100)),
                (self.videos["tiny-glow"][1], Engagement(views=1_000, likes=20)),
                (self.videos["speedrunner"][2], Engagement(views=400, shares=40)),
            ],
        )

    @staticmethod
    def answers(core: Spotlight) -> list[list[CreatorMatch]]:
        return [list(core.marketplace.find_creators(BRAND, query).items) for query in QUERIES]


def test_searches_read_the_rows(deployment: Deployment) -> None:
    core = deployment.start()
    Story(core)

    everyone, beauty, said, engaged = ([m.creator for m in page] for page in Story.answers(core))

    assert everyone[:2] == ["speedrunner", "glow-queen"]  # as engaging, more followed
    assert set(everyone) == {"glow-queen", "tiny-glow", "speedrunner", "early-bird"}
    assert beauty == ["glow-queen", "tiny-glow", "early-bird"]
    assert set(said) == {"glow-queen", "tiny-glow", "early-bird"}
    assert engaged == ["glow-queen"]
    # Fit to a campaign: its makers of beauty videos or those its words found.
    fit = core.marketplace.projection.tables.search(
        core.projections.fresh(NAME),
        CreatorSearch(
            text={"speedrunner": 5_000},
            campaign_categories=("beauty",),
            wanted_categories=("beauty",),
            wanted_regions=("US",),
        ),
        after=None,
        limit=10,
    )
    assert [row.account for row in fit] == ["glow-queen", "tiny-glow", "speedrunner", "early-bird"]
    # Registering after publishing keeps the videos made before.
    early = next(m for m in Story.answers(core)[1] if m.creator == "early-bird")
    assert (early.region, early.videos) == ("JP", 1)


def test_every_search_pages_on_the_shared_cursor_through_what_it_ranks_at_once(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    Story(core)

    for query, whole in zip(QUERIES, Story.answers(core), strict=True):
        for limit in (1, 2):
            paged = every_page(partial(core.marketplace.find_creators, BRAND, query, limit=limit))
            assert [m.creator for m in paged] == [m.creator for m in whole]


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    story = Story(core)
    before = Story.answers(core)
    positions = core.projection_store.positions(NAME, core.projections.active(NAME))

    restarted = deployment.fresh_start()

    assert restarted.projections.catch_up(NAME) == 0
    generation = restarted.projections.active(NAME)
    assert restarted.projection_store.positions(NAME, generation) == positions
    assert Story.answers(restarted) == before
    # And it goes on from there: only what is new is counted.
    restarted.audience.record_engagement(
        OPS, "e-2", [(story.videos["tiny-glow"][0], Engagement(views=1_000, likes=500))]
    )
    tiny = next(
        m
        for m in restarted.marketplace.find_creators(BRAND, QUERIES[1]).items
        if m.creator == "tiny-glow"
    )
    assert tiny.engagement_rate_bp == 2_600  # (20 + 500) of (1,000 + 1,000) views


def test_a_crash_in_the_middle_of_a_batch_counts_no_engagement_twice(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = deployment.start()
    story = Story(core)
    for key in ("e-2", "e-3", "e-4"):
        core.audience.record_engagement(
            OPS, key, [(story.videos["speedrunner"][0], Engagement(views=100, likes=10))]
        )
    tables = core.marketplace.projection.tables
    set_totals = tables.set_totals

    def crashing(batch: Any, totals: Mapping[str, Totals]) -> None:
        # The three reports are one page, written at once: killed once they are written,
        # before the batch commits.
        set_totals(batch, totals)
        raise KeyboardInterrupt("killed in the middle of a batch")

    monkeypatch.setattr(tables, "set_totals", crashing)
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(NAME)
    monkeypatch.setattr(tables, "set_totals", set_totals)

    gamer = core.marketplace.find_creators(BRAND, CreatorQuery(regions=("JP",))).items[0]
    assert gamer.creator == "speedrunner"
    assert gamer.engagement_rate_bp == 1_000  # (40 + 3 x 10) of (400 + 3 x 100) views
    after = Story.answers(core)
    rebuilt = core.projections.rebuild(NAME)
    assert core.projections.active(NAME) == rebuilt
    assert Story.answers(core) == after
    assert core.read_models[NAME].export({}) == core.marketplace.projection.export(rebuilt, {})


def test_a_worker_running_this_projection_alone_never_offers_a_minor(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    Story(core)
    core.moderation.record_age_band(OPS, "tiny-glow", AgeBand.FROM_13_TO_15, reason="declared")
    # A worker's runner with this projection alone, in a process with no protection model:
    # the age band is in the projection's own rows, in the log's order.
    store = SqlProjectionStore(projection_database_for(parse_store(deployment.store.url)))
    runner = ProjectionRunner(store, {"catalogue": core._catalogue, "revenue": core._revenue})
    projection = MarketplaceProjection(SqlMarketplaceTables(store), creator_text(store))
    runner.register(projection)
    try:
        runner.catch_up(NAME)
        rows = projection.tables.search(runner.active(NAME), CreatorSearch(), after=None, limit=10)
    finally:
        store.close()

    assert {row.account for row in rows} == {"glow-queen", "speedrunner", "early-bird"}
    assert "tiny-glow" not in [m.creator for m in Story.answers(core)[2]]
    core.moderation.record_age_band(OPS, "tiny-glow", AgeBand.ADULT, reason="passport seen")
    assert "tiny-glow" in [m.creator for m in Story.answers(core)[1]]
