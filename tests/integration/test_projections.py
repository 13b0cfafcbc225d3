"""Projections persisted with their positions: every event applied exactly once, across
crashes and across runners on one database; a failure stops the projection at its event;
a rebuild fills a new generation and swaps it in; a new version rebuilds itself.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.projections import SqlBatch, SqlProjectionStore, generation_tables
from adapters.projections.database import projection_database_for
from adapters.projections.schema_versions import versions_table
from adapters.storage import parse_store
from application.auth import Principal, Role
from application.music.music_read_model import MUSIC_READ_MODEL
from application.projections import (
    Generation,
    ProjectionFailed,
    ProjectionRunner,
    ProjectionStatus,
)
from application.read_models import LogPositions
from domain.anchors.titles import Title, TitleKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import FixedClock, SequentialIdentities

LEGENDARY = Principal(Role.STUDIO, "legendary")


class TitlesByKind:
    """A small projection of the catalogue: how many titles of each kind were registered."""

    name = "test titles by kind"

    def __init__(
        self, store: SqlProjectionStore, *, version: int = 1, configuration: str = ""
    ) -> None:
        self.store = store
        self.version = version
        self.configuration = configuration
        self.follows: Mapping[str, Sequence[str]] = {"catalogue": (Title.Registered.TOPIC,)}
        #: Set by a test: the title name whose event cannot be applied.
        self.poison: str | None = None
        #: Set by a test: raise after this many events in a batch (a crash mid-batch).
        self.crash_after: int | None = None
        #: Set by a test: the title name at which the database goes away.
        self.disconnect_at: str | None = None
        self._seen_in_batch = 0

    @staticmethod
    def _define(metadata: sa.MetaData, suffix: str) -> None:
        sa.Table(
            f"test_titles_by_kind{suffix}",
            metadata,
            sa.Column("kind", sa.String(32), primary_key=True),
            sa.Column("titles", sa.BigInteger, nullable=False),
        )

    def _table(self, generation: int) -> sa.Table:
        metadata = generation_tables(self._define, self.store.metadata.schema, generation)
        return next(iter(metadata.tables.values()))

    def create(self, generation: int) -> None:
        self.store.create_tables(self._table(generation).metadata)

    def drop(self, generation: int) -> None:
        self.store.drop_tables(self._table(generation).metadata)

    def apply(self, batch: Any, log: str, event: Any, position: int) -> None:
        assert isinstance(batch, SqlBatch)
        if self.poison is not None and event.name == self.poison:
            raise ValueError(f"cannot apply {event.name}")
        if self.disconnect_at is not None and event.name == self.disconnect_at:
            raise sa.exc.OperationalError(
                "UPDATE test_titles_by_kind",
                {},
                ConnectionError("server closed the connection"),
                connection_invalidated=True,
            )
        if self.crash_after is not None:
            self._seen_in_batch += 1
            if self._seen_in_batch > self.crash_after:
                raise KeyboardInterrupt("killed mid-batch")
        table = self._table(batch.generation)
        kind = str(event.kind)
        moved = batch.connection.execute(
            table.update().where(table.c.kind == kind).values(titles=table.c.titles + 1)
        )
        if moved.rowcount == 0:
            batch.connection.execute(table.insert().values(kind=kind, titles=1))

    def counts(self, generation: int) -> dict[str, int]:
        table = self._table(generation)
        with self.store.reading() as connection:
            return {row[0]: int(row[1]) for row in connection.execute(sa.select(table)).all()}

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        return dict(self.counts(generation))


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "projections")


@pytest.fixture
def core(store: StoreUnderTest, tmp_path: Path) -> Iterator[Spotlight]:
    settings = Settings(store=parse_store(store.url), data_dir=tmp_path, secret=TEST_SECRET)
    spotlight = bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities())
    yield spotlight
    spotlight.close()


def another_runner(core: Spotlight) -> tuple[ProjectionRunner, SqlProjectionStore]:
    """A second process's runner: its own connections to the same database."""
    other = SqlProjectionStore(projection_database_for(core.settings.store))
    return ProjectionRunner(other, core.projections._logs), other


def status_of(core: Spotlight, name: str) -> list[ProjectionStatus]:
    """The status of one projection among the core's own."""
    return [status for status in core.projections.status() if status.name == name]


def register_titles(core: Spotlight, *names: str, kind: TitleKind = TitleKind.MOVIE) -> None:
    for name in names:
        core.anchoring.register_title(LEGENDARY, name=name, kind=kind)


def test_a_projection_applies_each_event_once_and_keeps_its_position(core: Spotlight) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival")
    register_titles(core, "Severance", kind=TitleKind.SHOW)

    assert core.projections.catch_up(projection.name) == 3
    assert core.projections.catch_up(projection.name) == 0
    generation = core.projections.active(projection.name)
    assert projection.counts(generation) == {"movie": 2, "show": 1}

    # A new process starts where the last left off: nothing is applied again.
    runner, other = another_runner(core)
    restarted = TitlesByKind(other)
    runner.register(restarted)
    assert runner.catch_up(restarted.name) == 0
    register_titles(core, "Sicario")
    assert runner.catch_up(restarted.name) == 1
    assert restarted.counts(generation) == {"movie": 3, "show": 1}
    other.close()


def test_a_crash_mid_batch_keeps_nothing_of_the_batch(core: Spotlight) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival", "Sicario")
    projection.crash_after = 2
    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(projection.name)
    generation = core.projections.active(projection.name)
    assert projection.counts(generation) == {}
    assert core.projection_store.positions(projection.name, generation)["catalogue"] == 0

    projection.crash_after = None
    assert core.projections.catch_up(projection.name) == 3
    assert projection.counts(generation) == {"movie": 3}


def test_runners_racing_on_one_database_never_apply_an_event_twice(core: Spotlight) -> None:
    register_titles(core, *(f"Title {n}" for n in range(40)))
    runners = [another_runner(core) for _ in range(4)]
    projections = [TitlesByKind(store) for _runner, store in runners]
    for (runner, _store), projection in zip(runners, projections, strict=True):
        runner.register(projection)
        runner.page = 3  # many small batches: many chances to collide
    applied: list[int] = []

    def run(index: int) -> None:
        applied.append(runners[index][0].catch_up(projections[index].name))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(runners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    generation = runners[0][0].active(projections[0].name)
    assert projections[0].counts(generation) == {"movie": 40}
    assert sum(applied) == 40
    for _runner, store in runners:
        store.close()


def test_an_event_that_cannot_be_applied_stops_the_projection_at_its_position(
    core: Spotlight,
) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Poison", "Arrival")
    projection.poison = "Poison"

    with pytest.raises(ProjectionFailed) as failed:
        core.projections.catch_up(projection.name)

    generation = core.projections.active(projection.name)
    assert projection.counts(generation) == {"movie": 1}
    (status,) = status_of(core, projection.name)
    assert status.failure is not None
    assert status.failure.position == failed.value.failure.position
    assert status.positions["catalogue"] < status.failure.position
    assert "cannot apply Poison" in status.failure.error

    # Fixed (here: the poison withdrawn), it goes on from there and the failure is cleared.
    projection.poison = None
    assert core.projections.catch_up(projection.name) == 2
    assert projection.counts(generation) == {"movie": 3}
    assert status_of(core, projection.name)[0].failure is None


def test_a_database_gone_mid_page_blames_no_event_and_the_page_is_applied_later(
    core: Spotlight,
) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival", "Sicario")
    projection.disconnect_at = "Arrival"

    # The connection dropped (a restart) and the database is back at once: not a failure of
    # the event at hand, so nothing is recorded against the projection and nothing is kept.
    with pytest.raises(sa.exc.OperationalError):
        core.projections.catch_up(projection.name)
    generation = core.projections.active(projection.name)
    (status,) = status_of(core, projection.name)
    assert status.failure is None
    assert status.positions["catalogue"] == 0
    assert projection.counts(generation) == {}

    projection.disconnect_at = None
    assert core.projections.catch_up(projection.name) == 3
    assert projection.counts(generation) == {"movie": 3}


def test_a_rebuild_fills_a_new_generation_and_swaps_it_in(core: Spotlight) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival")
    core.projections.catch_up(projection.name)
    first = core.projections.active(projection.name)

    rebuilt = core.projections.rebuild(projection.name)

    assert rebuilt == first + 1
    assert core.projections.active(projection.name) == rebuilt
    assert projection.counts(rebuilt) == {"movie": 2}
    assert [g.number for g in core.projection_store.generations(projection.name)] == [rebuilt]
    with core.projection_store.reading() as connection:
        assert not sa.inspect(connection).has_table(
            f"test_titles_by_kind_g{first}", schema=core.projection_store.metadata.schema
        )


def test_a_new_version_of_a_projection_is_rebuilt_from_zero(core: Spotlight) -> None:
    register_titles(core, "Dune")
    first = TitlesByKind(core.projection_store)
    core.projections.register(first)
    core.projections.catch_up(first.name)
    old = core.projections.active(first.name)

    runner, other = another_runner(core)
    changed = TitlesByKind(other, version=2)
    runner.register(changed)
    new = runner.active(changed.name)

    assert new != old
    assert changed.counts(new) == {}
    assert runner.catch_up(changed.name) == 1
    assert changed.counts(new) == {"movie": 1}
    other.close()


def test_one_holder_at_a_time_holds_a_projections_lease(core: Spotlight) -> None:
    store = core.projection_store
    assert store.try_lease("ledger", "worker-1", now=100.0, seconds=10.0)
    assert not store.try_lease("ledger", "worker-2", now=105.0, seconds=10.0)
    assert store.try_lease("ledger", "worker-1", now=106.0, seconds=10.0)  # renewed
    assert store.try_lease("ledger", "worker-2", now=117.0, seconds=10.0)  # expired
    store.release("ledger", "worker-2")
    assert store.try_lease("ledger", "worker-1", now=118.0, seconds=10.0)


class TitlesByKindInPages(TitlesByKind):
    """The same projection, applying a page at once: one statement per kind and page."""

    name = "test titles by kind, in pages"

    def __init__(self, store: SqlProjectionStore) -> None:
        super().__init__(store)
        self.pages: list[int] = []

    def apply_page(self, batch: Any, log: str, events: Sequence[tuple[Any, int]]) -> None:
        self.pages.append(len(events))
        for event, _position in events:
            if self.poison is not None and event.name == self.poison:
                raise ValueError(f"cannot apply {event.name}")
        counted: dict[str, int] = {}
        for event, _position in events:
            counted[str(event.kind)] = counted.get(str(event.kind), 0) + 1
        table = self._table(batch.generation)
        for kind, titles in counted.items():
            moved = batch.connection.execute(
                table.update().where(table.c.kind == kind).values(titles=table.c.titles + titles)
            )
            if moved.rowcount == 0:
                batch.connection.execute(table.insert().values(kind=kind, titles=titles))


def test_a_projection_may_apply_a_page_at_once_and_still_stops_at_the_event_it_cannot_apply(
    core: Spotlight,
) -> None:
    projection = TitlesByKindInPages(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival", "Sicario")
    register_titles(core, "Severance", kind=TitleKind.SHOW)

    assert core.projections.catch_up(projection.name) == 4
    assert projection.pages == [4]
    generation = core.projections.active(projection.name)
    assert projection.counts(generation) == {"movie": 3, "show": 1}

    register_titles(core, "Heat", "Poison", "Ronin")
    projection.poison = "Poison"
    with pytest.raises(ProjectionFailed) as failed:
        core.projections.catch_up(projection.name)
    # The page failed whole, then one event at a time up to the poison: Heat is kept.
    assert projection.counts(generation) == {"movie": 4, "show": 1}
    assert (
        failed.value.failure.position
        > core.projection_store.positions(projection.name, generation)["catalogue"]
    )


def counted_catch_ups(core: Spotlight, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the projections the core's runner catches up from now on, in turn."""
    catch_ups: list[str] = []
    catch_up = core.projections.catch_up

    def counted(name: str, *, generation: int | None = None) -> int:
        catch_ups.append(name)
        return catch_up(name, generation=generation)

    monkeypatch.setattr(core.projections, "catch_up", counted)
    return catch_ups


def test_a_read_catches_up_only_when_a_followed_log_has_grown(
    core: Spotlight, monkeypatch: pytest.MonkeyPatch
) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune")
    generation = core.projections.fresh(projection.name)
    assert projection.counts(generation) == {"movie": 1}

    catch_ups = counted_catch_ups(core, monkeypatch)
    assert core.projections.fresh(projection.name) == generation
    assert catch_ups == []  # the catalogue did not grow: nothing to catch up

    register_titles(core, "Arrival")
    del catch_ups[:]  # a command catches up what it decides on (protection), not this
    core.projections.fresh(projection.name)
    assert catch_ups == [projection.name]
    assert projection.counts(generation) == {"movie": 2}

    # Another process's rebuild swaps the generation in: the next read follows it.
    runner, other = another_runner(core)
    runner.register(TitlesByKind(other))
    rebuilt = runner.rebuild(projection.name)
    assert core.projections.fresh(projection.name) == rebuilt
    other.close()


def test_music_reads_skip_the_catch_up_through_the_runner_while_the_music_log_has_not_grown(
    core: Spotlight, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With workers a decision still reads the log's end: MusicReads.catch_up catches up.
    core.projections.inline = False
    reads = core.discovery.read
    core.discovery.register_artist(Principal(Role.ARTIST, "aiko"), name="Aiko", region="JP")
    assert reads.catch_up().artist("aiko") is not None

    catch_ups = counted_catch_ups(core, monkeypatch)
    reads.catch_up()
    assert catch_ups == []  # the music log did not grow: the runner's memory says so

    core.discovery.register_artist(Principal(Role.ARTIST, "bao"), name="Bao", region="JP")
    reads.fresh()
    assert catch_ups == []  # a query with workers reads what they have applied
    assert reads.catch_up().artist("bao") is not None
    assert catch_ups == [MUSIC_READ_MODEL]


def test_a_check_over_events_a_projection_does_not_follow_writes_nothing_and_catch_up_moves_on(
    core: Spotlight, monkeypatch: pytest.MonkeyPatch
) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    generation = core.projections.up_to_date(projection.name)
    # Videos published: events of the catalogue the projection does not follow.
    for n in range(3):
        core.anchoring.publish_video(
            Principal(Role.CREATOR, "mika"),
            caption=f"clip {n}",
            hashtags=[],
            category="film-and-tv",
        )
    end = core._catalogue.recorder.max_notification_id() or 0
    catch_ups = counted_catch_ups(core, monkeypatch)

    assert core.projections.up_to_date(projection.name) == generation
    assert catch_ups == []  # nothing to apply: no transaction, the position stays
    assert core.projection_store.positions(projection.name, generation)["catalogue"] < end

    register_titles(core, "Dune")
    assert core.projections.up_to_date(projection.name) == generation
    assert catch_ups == [projection.name]
    assert projection.counts(generation) == {"movie": 1}
    assert core.projection_store.positions(projection.name, generation) == {
        "catalogue": core._catalogue.recorder.max_notification_id()
    }


def test_every_log_end_read_at_once_is_each_log_s_own(core: Spotlight) -> None:
    register_titles(core, "Dune", "Arrival")
    core.discovery.register_artist(Principal(Role.ARTIST, "aiko"), name="Aiko", region="JP")
    assert core.projections.ends() == {
        name: log.recorder.max_notification_id() or 0
        for name, log in core.projections._logs.items()
    }


def test_a_projection_configured_otherwise_rebuilds_its_rows_from_zero(core: Spotlight) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival")
    core.projections.catch_up(projection.name)
    first = core.projections.active(projection.name)

    # Another process, its projection configured otherwise (the same code version).
    runner, other = another_runner(core)
    reconfigured = TitlesByKind(other, configuration="kinds counted twice")
    runner.register(reconfigured)
    generations = other.generations(projection.name)
    assert [(g.number, g.state, g.configuration) for g in generations] == [
        (first + 1, "active", "kinds counted twice")
    ]
    assert runner.catch_up(projection.name) == 2
    assert reconfigured.counts(first + 1) == {"movie": 2}

    # The same configuration again: the generation stands.
    again, store_again = another_runner(core)
    again.register(TitlesByKind(store_again, configuration="kinds counted twice"))
    assert again.active(projection.name) == first + 1
    other.close()
    store_again.close()


def test_a_projection_database_made_before_configurations_gains_the_column(
    core: Spotlight,
) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    generation = core.projections.active(projection.name)
    table = core.projection_store.generations_table
    with core.projection_store.database.writer.begin() as connection:
        quote = connection.dialect.identifier_preparer
        connection.exec_driver_sql(
            f"ALTER TABLE {quote.format_table(table)} DROP COLUMN configuration"
        )
        # Nor did that release record the versions of the store's own tables.
        versions = quote.format_table(versions_table(table.schema))
        connection.exec_driver_sql(f"DROP TABLE {versions}")

    reopened = SqlProjectionStore(projection_database_for(core.settings.store))
    assert reopened.generations(projection.name) == [
        Generation(number=generation, version=1, state="active", configuration="")
    ]
    runner = ProjectionRunner(reopened, core.projections._logs)
    runner.register(TitlesByKind(reopened, configuration="kinds counted twice"))
    assert runner.active(projection.name) == generation + 1
    reopened.close()


class CollectorWatch(TitlesByKind):
    """Notes whether the cyclic garbage collector was on as each event was applied."""

    name = "test collector watch"

    def __init__(self, store: SqlProjectionStore) -> None:
        super().__init__(store)
        self.collector_on: list[bool] = []

    def apply(self, batch: Any, log: str, event: Any, position: int) -> None:
        self.collector_on.append(gc.isenabled())
        super().apply(batch, log, event, position)


@pytest.mark.parametrize("pause", [False, True], ids=["service", "worker process"])
def test_the_collector_is_paused_only_by_a_runner_whose_process_does_nothing_else(
    core: Spotlight, pause: bool
) -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        projection = CollectorWatch(core.projection_store)
        core.projections.register(projection)
        register_titles(core, "Dune", "Arrival")
        core.projections.pause_collector = pause
        core.projections.catch_up(projection.name)
        after = gc.isenabled()
    finally:
        if not was:
            gc.disable()

    # The embedded service's request threads run while a request catches up: their
    # collector stays on; a worker or rebuild process holds it off for the page only.
    assert projection.collector_on == [not pause, not pause]
    assert after


class TitlesReadByKind(TitlesByKind):
    """Reads a registration's stored state itself when the title's name begins with an A
    (its kind then counted as "read <kind>"), and leaves every other to the mapper."""

    name = "test titles read by kind"

    def __init__(self, store: SqlProjectionStore) -> None:
        super().__init__(store)
        self.readers = {Title.Registered.TOPIC: self._read}

    @staticmethod
    def _read(state: bytes, originator_id: Any, transcoder: Any) -> Any:
        decoded = transcoder.decode(state)
        if not decoded["name"].startswith("A"):
            return None
        return SimpleNamespace(name=decoded["name"], kind=f"read {decoded['kind']}")


def test_a_projection_applies_its_own_readers_events_and_the_mappers_where_they_decline(
    core: Spotlight,
) -> None:
    projection = TitlesReadByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival", "Annihilation")

    assert core.projections.catch_up(projection.name) == 3
    generation = core.projections.active(projection.name)
    assert projection.counts(generation) == {"movie": 1, "read movie": 2}
