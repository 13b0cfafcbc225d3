"""The storage contract: every event store keeps the catalogue's story the same way.

The same use-case tests run against each store a deployment can name: the in-memory store,
a SQLite file, PostgreSQL through eventsourcing's recorder, and SQLAlchemy on PostgreSQL
and on a SQLite file. PostgreSQL tests work in schemas of their own (see tests/conftest.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotFound, StaleVersion
from application.ports import Clock
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from domain.anchors.portal import CastMember, Link, Portal
from domain.anchors.titles import Title, TitleKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.deployments import STORES, StoreUnderTest, store_under_test
from tests.fakes import FixedClock, InterleavingClock, SequentialIdentities

LEGENDARY = Principal(Role.STUDIO, "legendary")
MIA = Principal(Role.CREATOR, "mia")
ROSA = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")
UNKNOWN = UUID("0000dead-0000-0000-0000-000000000000")

DUNE_PORTAL = Portal(
    tickets=[Link(label="Cinema City", url="https://cinemacity.example/dune")],
    streaming=[Link(label="Max", url="https://max.example/dune-part-two")],
    cast=[
        CastMember(name="Zendaya", role="Chani", bio="Actress and singer."),
        CastMember(name="Timothée Chalamet", role="Paul Atreides"),
    ],
    official=[Link(label="Official site", url="http://dune.example")],
)


class Deployment:
    """One store, and the instances of the core started on it during one test.

    The memory store lives inside one application, so on it every "instance" is the
    first one. Every other store gives each instance its own connections, as separate
    processes would have. Each instance draws ids from a series of its own, so instances
    (and tests sharing a PostgreSQL schema) never hand out the same id twice.
    """

    def __init__(self, store: StoreUnderTest, data_dir: Path) -> None:
        self.store = store
        self.data_dir = data_dir
        self.running: list[Spotlight] = []
        self._series = secrets.randbits(48) << 8

    def start(self, clock: Clock | None = None) -> CatalogueDriver:
        if self.running and not self.store.shared:
            return CatalogueDriver(self.running[0])
        settings = Settings(
            store=parse_store(self.store.url), data_dir=self.data_dir, secret=b"x" * 32
        )
        self._series += 1
        core = bootstrap(
            settings,
            clock=clock or FixedClock(),
            identities=SequentialIdentities(series=self._series),
        )
        self.running.append(core)
        return CatalogueDriver(core)

    def restart(self) -> CatalogueDriver:
        """Stop every running instance and start a new one, as after a deployment."""
        self.stop_all()
        return self.start()

    def stop_all(self) -> None:
        while self.running:
            self.running.pop().close()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "contract")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    running = Deployment(store, tmp_path)
    yield running
    running.stop_all()


def needs_durable(store: StoreUnderTest) -> None:
    if not store.shared:
        pytest.skip("the memory store lives and dies with its application, by design")


def stored_events(catalogue: CatalogueDriver) -> int:
    return catalogue.recorder.max_notification_id() or 0


# Saving and reloading -------------------------------------------------------------------------


def test_a_title_and_its_portal_survive_a_restart(deployment: Deployment) -> None:
    needs_durable(deployment.store)
    catalogue = deployment.start()
    title = catalogue.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    updated = catalogue.update_portal(LEGENDARY, title.id, DUNE_PORTAL)
    saved: Title = catalogue.repository.get(title.id)

    after_restart = deployment.restart()

    assert after_restart.title(title.id) == updated
    reloaded: Title = after_restart.repository.get(title.id)
    assert reloaded.__dict__ == saved.__dict__


def test_a_video_with_its_whole_history_survives_a_restart(deployment: Deployment) -> None:
    needs_durable(deployment.store)
    catalogue = deployment.start()
    dune = catalogue.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    clip = catalogue.publish_video(
        MIA, caption="Sandworm riding", hashtags=["#Dune", "Café"], category="film-and-tv"
    )
    catalogue.record_engagement(OPS, clip.id, Engagement(views=1_000, likes=120))
    catalogue.attach_anchor(ROSA, clip.id, dune.id, note="wrong one")
    catalogue.revoke_anchor(ROSA, clip.id, reason="wrong title")
    catalogue.record_engagement(OPS, clip.id, Engagement(shares=4, comments=2))
    last = catalogue.attach_anchor(ROSA, clip.id, dune.id, note="trailer reaction")

    after_restart = deployment.restart()

    assert after_restart.video(clip.id) == last
    assert last.version == 6
    assert last.engagement == Engagement(views=1_000, likes=120, shares=4, comments=2)
    assert last.hashtags == ("dune", "cafe")
    assert [type(event).__name__ for event in after_restart.events.get(clip.id)] == [
        "Published",
        "EngagementRecorded",
        "AnchorAttached",
        "AnchorRevoked",
        "EngagementRecorded",
        "AnchorAttached",
    ]


def test_two_instances_on_one_store_see_each_others_writes(deployment: Deployment) -> None:
    first, second = deployment.start(), deployment.start()

    title = first.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    updated = second.update_portal(LEGENDARY, title.id, DUNE_PORTAL)

    assert first.title(title.id) == updated


# Unknown ids ----------------------------------------------------------------------------------


def test_unknown_ids_are_not_found(deployment: Deployment) -> None:
    catalogue = deployment.start()

    with pytest.raises(NotFound, match="no title"):
        catalogue.title(UNKNOWN)
    with pytest.raises(NotFound, match="no video"):
        catalogue.video(UNKNOWN)
    with pytest.raises(NotFound, match="no video"):
        catalogue.record_engagement(OPS, UNKNOWN, Engagement(views=1))


def test_an_id_names_one_kind_of_thing_only(deployment: Deployment) -> None:
    catalogue = deployment.start()
    title = catalogue.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    clip = catalogue.publish_video(MIA, caption="Sandworm", hashtags=[], category="comedy")

    reopened = deployment.start()

    with pytest.raises(NotFound, match="no video"):
        reopened.video(title.id)
    with pytest.raises(NotFound, match="no title"):
        reopened.title(clip.id)
    with pytest.raises(NotFound, match="no title"):
        reopened.attach_anchor(ROSA, clip.id, clip.id)


# Concurrency ----------------------------------------------------------------------------------


def test_of_two_concurrent_changes_to_a_video_the_slower_is_refused(
    deployment: Deployment,
) -> None:
    racing_clock = InterleavingClock()
    slower, faster = deployment.start(clock=racing_clock), deployment.start()
    clip = slower.publish_video(MIA, caption="Sandworm", hashtags=[], category="comedy")
    events_before = stored_events(slower)
    racing_clock.before_next_reading(
        lambda: faster.record_engagement(OPS, clip.id, Engagement(likes=1))
    )

    with pytest.raises(StaleVersion, match="changed by someone else at the same time"):
        slower.record_engagement(OPS, clip.id, Engagement(views=1_000_000))

    assert stored_events(slower) == events_before + 1
    for instance in (slower, faster):
        kept = instance.video(clip.id)
        assert (kept.version, kept.engagement) == (2, Engagement(likes=1))


def test_two_instances_editing_the_same_version_only_the_first_one_wins(
    deployment: Deployment,
) -> None:
    first, second = deployment.start(), deployment.start()
    dune = first.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    clip = first.publish_video(MIA, caption="Sandworm", hashtags=[], category="comedy")
    seen_by_first, seen_by_second = first.video(clip.id), second.video(clip.id)
    assert seen_by_first == seen_by_second

    first.attach_anchor(ROSA, clip.id, dune.id, expected_version=seen_by_first.version)
    with pytest.raises(StaleVersion, match="at version 2, not 1"):
        second.attach_anchor(OPS, clip.id, dune.id, expected_version=seen_by_second.version)

    anchor = second.video(clip.id).anchor
    assert anchor is not None
    assert anchor.attached_by == "reviewer:rosa"


# The notification log -------------------------------------------------------------------------


def test_the_notification_log_lists_every_event_in_the_order_it_happened(
    deployment: Deployment,
) -> None:
    catalogue = deployment.start()
    already_logged = stored_events(catalogue)

    dune = catalogue.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    clip = catalogue.publish_video(MIA, caption="Sandworm", hashtags=[], category="comedy")
    catalogue.attach_anchor(ROSA, clip.id, dune.id)
    catalogue.update_portal(LEGENDARY, dune.id, DUNE_PORTAL)
    catalogue.record_engagement(OPS, clip.id, Engagement(views=10))
    catalogue.revoke_anchor(LEGENDARY, clip.id, reason="spoils the ending")

    expected = [
        (dune.id, 1, "spotlight.titles:TitleRegistered"),
        (clip.id, 1, "spotlight.videos:VideoPublished"),
        (clip.id, 2, "spotlight.videos:AnchorAttached"),
        (dune.id, 2, "spotlight.titles:PortalUpdated"),
        (clip.id, 3, "spotlight.videos:EngagementRecorded"),
        (clip.id, 4, "spotlight.videos:AnchorRevoked"),
    ]
    for reader in (catalogue, deployment.start()):
        # Registering the title also started its retroactive sweep: a log entry of its own.
        logged = [
            n
            for n in reader.notification_log.select(start=already_logged + 1, limit=10)
            if n.originator_id in (dune.id, clip.id)
        ]
        assert [(n.originator_id, n.originator_version, n.topic) for n in logged] == expected
        positions = [n.id for n in logged]
        assert positions == sorted(set(positions))
        assert positions[0] > already_logged


def test_a_refused_command_leaves_the_log_as_it_was(deployment: Deployment) -> None:
    catalogue = deployment.start()
    clip = catalogue.publish_video(MIA, caption="Sandworm", hashtags=[], category="comedy")
    dune = catalogue.register_title(LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE)
    catalogue.attach_anchor(ROSA, clip.id, dune.id)
    logged = stored_events(catalogue)

    with pytest.raises(StaleVersion):
        catalogue.update_portal(LEGENDARY, dune.id, DUNE_PORTAL, expected_version=7)
    with pytest.raises(NotFound):
        catalogue.attach_anchor(ROSA, clip.id, UNKNOWN)

    assert stored_events(catalogue) == logged
    assert catalogue.video(clip.id).version == 2


# PostgreSQL isolation -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgresql", "sqlalchemy-postgresql"], indirect=True)
def test_postgresql_stores_keep_their_tables_in_the_schema_named_by_the_url(
    deployment: Deployment, request: pytest.FixtureRequest
) -> None:
    schema = deployment.store.schema
    deployment.start().register_title(LEGENDARY, name="Dune", kind=TitleKind.MOVIE)

    postgres_url: str = request.getfixturevalue("postgres_url")
    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()

    assert ("catalogue_events",) in tables


# The anchors program and its read models -----------------------------------------------------


def test_matching_review_and_analytics_are_rebuilt_from_the_log_on_every_store(
    deployment: Deployment,
) -> None:
    tag = f"arrakis{secrets.token_hex(4)}"
    studio = Principal(Role.STUDIO, f"studio-{tag}")
    deployment.start()
    core = deployment.running[-1]
    old = core.anchoring.publish_video(
        MIA, caption="worm ride", hashtags=[f"#{tag}"], category="film-and-tv"
    )
    title = core.anchoring.register_title(studio, name=f"Dune {tag}", kind=TitleKind.MOVIE)
    core.anchoring.set_match_words(studio, title.id, hashtags=[tag], keywords=[])
    swept = core.anchoring.run_sweeps(max_videos=100_000)
    assert swept.videos_changed >= 1

    if deployment.store.shared:
        deployment.restart()
    again = deployment.running[-1]
    queued = [
        item
        for item in again.anchoring.review_queue(ROSA, limit=500).items
        if item.title_id == title.id
    ]
    assert [item.video_id for item in queued] == [old.video.id]
    again.anchoring.decide(ROSA, old.video.id, title.id, attach=True, reason="fan edit")
    again.audience.record_engagement(OPS, f"batch-{tag}", [(old.video.id, Engagement(views=70))])
    again.audience.record_clicks(
        Principal(Role.VIEWER, f"viewer-{tag}"), "c1", [(old.video.id, ClickTarget.TICKETS)]
    )

    if deployment.store.shared:
        deployment.restart()
    dashboard = deployment.running[-1].audience.studio_analytics(studio, studio.subject)
    [stats] = dashboard.titles
    assert (stats.anchored_videos, stats.views, stats.clicks["tickets"]) == (1, 70, 1)
    assert deployment.running[-1].cataloguing.video(old.video.id).anchor is not None


def test_concurrent_engagement_batches_for_one_video_never_conflict(
    deployment: Deployment,
) -> None:
    deployment.start()
    core = deployment.running[-1]
    video = core.anchoring.publish_video(MIA, caption="viral", hashtags=[], category="comedy").video
    run = secrets.token_hex(4)

    def report(worker: int) -> None:
        for batch in range(5):
            core.audience.record_engagement(
                OPS, f"{run}-{worker}-{batch}", [(video.id, Engagement(views=10, likes=1))]
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(report, range(8)))

    assert core.audience.engagement_of(video.id) == Engagement(views=400, likes=40)
