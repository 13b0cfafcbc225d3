"""Running and watching the persisted read models: `spotlight worker` catches every projection
up under its lease and goes on past one that fails; `spotlight projections status` and
`rebuild` report and rebuild them; several workers on one database apply each event once.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import entrypoints.bootstrap
from adapters.projections import SqlBatch, SqlProjectionStore, generation_tables
from adapters.projections.database import projection_database_for
from adapters.storage import parse_store
from application.projections import ProjectionRunner
from application.read_models import LogPositions
from domain.anchors.titles import Title, TitleKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.cli import main
from entrypoints.settings import Settings
from entrypoints.worker import ProjectionWorker
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import FixedClock, SequentialIdentities
from tests.integration.test_projections import TitlesByKind, register_titles


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "operations")


@pytest.fixture
def settings(store: StoreUnderTest, tmp_path: Path) -> Settings:
    return Settings(store=parse_store(store.url), data_dir=tmp_path, secret=TEST_SECRET)


@pytest.fixture
def core(settings: Settings) -> Iterator[Spotlight]:
    spotlight = bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities())
    yield spotlight
    spotlight.close()


class TitlesApplied:
    """Every title registration it applied, one row per event: a row twice is an event
    applied twice."""

    name = "test titles applied"
    version = 1

    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self.follows: Mapping[str, Sequence[str]] = {"catalogue": (Title.Registered.TOPIC,)}

    @staticmethod
    def _define(metadata: sa.MetaData, suffix: str) -> None:
        # No key on purpose: the database would refuse a second row, hiding the fault.
        sa.Table(
            f"test_titles_applied{suffix}",
            metadata,
            sa.Column("position", sa.BigInteger, nullable=False),
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
        batch.connection.execute(self._table(batch.generation).insert().values(position=position))
        time.sleep(0.001)  # long enough batches for two workers to overlap

    def positions(self, generation: int) -> list[int]:
        table = self._table(generation)
        with self.store.reading() as connection:
            return [int(p) for p in connection.execute(sa.select(table.c.position)).scalars()]

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        return {"applied": len(self.positions(generation))}


def with_only_test_projections(core: Spotlight) -> Spotlight:
    """The core with a runner of its own logs that holds no projection yet: the tests
    register theirs, and the worker's ticks are theirs alone (the core's own read models
    are projections too)."""
    core.projections = ProjectionRunner(
        core.projection_store, core.projections._logs, inline=core.projections.inline
    )
    return core


def a_second_process(core: Spotlight) -> tuple[ProjectionRunner, SqlProjectionStore]:
    other = SqlProjectionStore(projection_database_for(core.settings.store))
    return ProjectionRunner(other, core.projections._logs, page=7), other


# The worker ------------------------------------------------------------------------------


def test_a_worker_catches_every_projection_up_and_holds_them_until_it_stops(
    core: Spotlight,
) -> None:
    core = with_only_test_projections(core)
    kinds = TitlesByKind(core.projection_store)
    core.projections.register(kinds)
    register_titles(core, "Dune", "Arrival")
    worker = ProjectionWorker(core.projections, core.projection_store, core.background)

    assert worker.tick().applied == {kinds.name: 2}
    assert kinds.counts(core.projections.active(kinds.name)) == {"movie": 2}
    assert worker.held == {kinds.name}

    # Another process's worker finds it held, and leaves it alone.
    runner, other = a_second_process(core)
    runner.register(TitlesByKind(other))
    rival = ProjectionWorker(runner, other)
    assert rival.tick().elsewhere == (kinds.name,)

    # The first gives its leases back as it stops: the other takes over at its next tick.
    stop = threading.Event()
    stop.set()
    worker.run(stop)
    assert worker.held == frozenset()
    register_titles(core, "Sicario")
    assert rival.tick().applied == {kinds.name: 1}
    rival.release()
    other.close()


class StopsTheWorker(TitlesByKind):
    """A projection during whose catch-up the worker is told to stop (SIGTERM)."""

    def __init__(self, store: SqlProjectionStore, stop: threading.Event) -> None:
        super().__init__(store)
        self.stop = stop

    def apply(self, batch: Any, log: str, event: Any, position: int) -> None:
        super().apply(batch, log, event, position)
        self.stop.set()


def test_a_worker_told_to_stop_leaves_the_rest_of_its_tick(core: Spotlight) -> None:
    core = with_only_test_projections(core)
    stop = threading.Event()
    first, second = (
        StopsTheWorker(core.projection_store, stop),
        TitlesApplied(core.projection_store),
    )
    core.projections.register(first)
    core.projections.register(second)
    register_titles(core, "Dune")
    worker = ProjectionWorker(core.projections, core.projection_store)

    tick = worker.tick(stop)
    worker.release()

    # The batch under way is committed; the next projection waits for the next worker.
    assert tick.applied == {first.name: 1}
    assert core.projection_store.positions(second.name, 1)["catalogue"] == 0


def test_a_projection_that_fails_is_reported_and_the_others_go_on(
    core: Spotlight, caplog: pytest.LogCaptureFixture
) -> None:
    core = with_only_test_projections(core)
    broken = TitlesByKind(core.projection_store)
    broken.poison = "Poison"
    applied = TitlesApplied(core.projection_store)
    core.projections.register(broken)
    core.projections.register(applied)
    register_titles(core, "Dune", "Poison", "Arrival")

    with caplog.at_level("ERROR", logger="spotlight.projections"):
        tick = ProjectionWorker(core.projections, core.projection_store).tick()

    assert tick.applied == {applied.name: 3}
    assert "stopped at catalogue position" in tick.failed[broken.name]
    assert any("Poison" in record.getMessage() for record in caplog.records)
    [status] = [s for s in core.projections.status() if s.name == broken.name]
    assert status.failure is not None
    # Stopped before the poison, not past it: the event is not skipped.
    assert status.positions["catalogue"] < status.failure.position
    assert status.lag > 0


def test_a_worker_that_cannot_reach_its_database_lives_on_and_catches_up_once_it_can(
    core: Spotlight, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    core = with_only_test_projections(core)
    applied = TitlesApplied(core.projection_store)
    core.projections.register(applied)
    register_titles(core, "Dune", "Arrival")
    worker = ProjectionWorker(core.projections, core.projection_store)
    store = core.projection_store
    reachable = store.try_lease

    def restarting(name: str, holder: str, now: float, seconds: float) -> bool:
        raise sa.exc.OperationalError("SELECT", {}, Exception("the server is restarting"))

    monkeypatch.setattr(store, "try_lease", restarting)
    with caplog.at_level("WARNING", logger="spotlight.worker"):
        down = worker.tick()
    assert down.applied == {}
    assert "the server is restarting" in down.failed[applied.name]
    assert any("lease could not be taken" in record.getMessage() for record in caplog.records)

    monkeypatch.setattr(store, "try_lease", reachable)
    assert worker.tick().applied == {applied.name: 2}
    worker.release()


def test_two_workers_on_one_database_apply_each_event_once(core: Spotlight) -> None:
    register_titles(core, *(f"Title {n}" for n in range(60)))
    runners = [a_second_process(core) for _ in range(2)]
    projections = [TitlesApplied(store) for _runner, store in runners]
    workers = []
    for (runner, store), projection in zip(runners, projections, strict=True):
        runner.register(projection)
        # A lease shorter than a tick: both workers take it in turn mid-catch-up, the worst
        # case for applying a page twice.
        workers.append(ProjectionWorker(runner, store, lease_seconds=0.0))
    errors: list[BaseException] = []

    def ticks(worker: ProjectionWorker) -> None:
        try:
            for _ in range(3):
                worker.tick()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=ticks, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    generation = runners[0][0].active(TitlesApplied.name)
    applied = projections[0].positions(generation)
    assert len(applied) == 60
    assert len(set(applied)) == 60
    for _runner, store in runners:
        store.close()


# The CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., tuple[int, str, str]]:
    """`spotlight ...` on the test's store, its core wired with TitlesByKind (poisoned by
    ``POISON`` titles) as a program would register it."""
    booted = entrypoints.bootstrap.bootstrap

    def wired(given: Settings | None = None, **wiring: Any) -> Spotlight:
        running = with_only_test_projections(booted(given, **wiring))
        projection = TitlesByKind(running.projection_store)
        projection.poison = "Poison"
        running.projections.register(projection)
        return running

    monkeypatch.setattr(entrypoints.bootstrap, "bootstrap", wired)
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_STORE", settings.store.url)
    monkeypatch.setenv("SPOTLIGHT_SECRET", TEST_SECRET.decode())

    def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_status_lists_each_projection_and_a_failure_exits_1(
    core: Spotlight, cli: Callable[..., tuple[int, str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    register_titles(core, "Dune")
    code, out, _ = cli("worker", "--once", capsys=capsys)
    assert code == 0
    assert f"{TitlesByKind.name}: applied 1 events" in out

    code, out, _ = cli("projections", "status", capsys=capsys)
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["name", "version", "generation", "positions", "lag", "failure"]
    assert row.startswith(TitlesByKind.name)
    assert "catalogue=" in row
    assert row.endswith("-")

    register_titles(core, "Poison")
    code, _, err = cli("worker", "--once", capsys=capsys)
    assert code == 1
    assert "stopped at catalogue position" in err

    code, out, _ = cli("projections", "status", "--json", capsys=capsys)
    assert code == 1
    [status] = json.loads(out)
    assert status["name"] == TitlesByKind.name
    assert status["lag"] > 0
    assert status["positions"]["catalogue"] < status["failure"]["position"]
    assert status["failure"]["log"] == "catalogue"
    assert status["failure"]["error"] == "ValueError: cannot apply Poison"
    code, out, _ = cli("projections", "status", capsys=capsys)
    assert "ValueError: cannot apply Poison" in out


def test_rebuild_swaps_in_a_new_generation_and_an_unknown_name_exits_2(
    core: Spotlight, cli: Callable[..., tuple[int, str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    register_titles(core, "Dune", "Arrival")
    assert cli("worker", "--once", capsys=capsys)[0] == 0

    code, out, _ = cli("projections", "rebuild", TitlesByKind.name, capsys=capsys)
    assert code == 0
    assert "rebuilt into generation 2" in out
    kinds = TitlesByKind(core.projection_store)
    core.projections.register(kinds)
    assert core.projections.active(kinds.name) == 2
    assert kinds.counts(2) == {"movie": 2}

    code, _, err = cli("projections", "rebuild", "no such thing", capsys=capsys)
    assert code == 2
    assert "no projection named 'no such thing'" in err
    assert TitlesByKind.name in err


def test_a_worker_stops_cleanly_on_sigterm(settings: Settings, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_STORE": settings.store.url,
        "SPOTLIGHT_SECRET": TEST_SECRET.decode(),
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as errors:
        worker = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker", "--interval", "0.1"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        deadline = time.monotonic() + 60
        while "running" not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert "worker stopping (SIGTERM)" in log.read_text(errors="replace")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def _statistics(core: Spotlight, table: str) -> tuple[float, object, object] | None:
    """A table's planner row estimate and when it was last analysed and vacuumed (PostgreSQL)."""
    store = core.projection_store
    with store.reading() as connection:
        row = connection.execute(
            sa.text(
                "SELECT c.reltuples, s.last_analyze, s.last_vacuum FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "WHERE n.nspname = :schema AND c.relname = :table"
            ),
            {"schema": store.metadata.schema, "table": table},
        ).first()
    return None if row is None else (float(row[0]), row[1], row[2])


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_rebuilt_generation_is_analysed_before_it_is_swapped_in(core: Spotlight) -> None:
    projection = TitlesByKind(core.projection_store)
    core.projections.register(projection)
    register_titles(core, "Dune", "Arrival")
    register_titles(core, "Severance", kind=TitleKind.SHOW)
    core.projections.catch_up(projection.name)
    first = _statistics(core, "test_titles_by_kind_g1")
    assert first is not None
    assert first[1] is None  # filled by catching up: nobody analysed it

    assert core.projections.rebuild(projection.name) == 2
    rebuilt = _statistics(core, "test_titles_by_kind_g2")
    assert rebuilt is not None
    reltuples, analysed, vacuumed = rebuilt
    assert reltuples == 2  # a movie row and a show row, as the planner now knows
    assert analysed is not None
    assert vacuumed is not None
    assert projection.counts(2) == {"movie": 2, "show": 1}
