"""The database going away under a `spotlight worker` in the middle of catching the ledger up
loses nothing and counts nothing twice, and the service reading meanwhile answers again once
it is back.

On PostgreSQL, a cluster of the test's own is stopped at once (as a crash would stop it)
and started again: the worker either rides it out or stops with an error and is started
again; either way it then brings the ledger to the end of the log, and the ledger says
exactly what one rebuilt from the log alone says. On SQLite, another process holds the
projection database's file locked for a few seconds: the worker waits and goes on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from adapters.storage import parse_store, sqlite_file_for
from application.auth import Principal, Role
from application.log_follower import LogFollower
from application.revenue.ledger_read_model import LedgerReadModel
from domain.revenue.ledger import PLATFORM_REVENUE, platform
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.fakes import FixedClock, SequentialIdentities
from tests.integration.test_projection_kill import LEDGER, ledger_position, record_fees
from tests.postgres_cluster import Cluster, throwaway_cluster

#: Enough that the worker is still catching up when the database goes (a page of 1,000
#: per transaction), few enough that the test stays short.
ENTRIES = 6_000
#: Longer than the event store's own retries (ten, 0.2 s apart): the worker meets the
#: database gone, not only a slow one.
DOWN_SECONDS = 3.0
REVENUE = platform(PLATFORM_REVENUE, "USD")
#: A worker's start (imports, a core's bootstrap) before its first batch: on a shared machine
#: at a load of 35 it took over a minute.
WORKER_START_SECONDS = 180


def started(url: str, data_dir: Path) -> Spotlight:
    """A service process under SPOTLIGHT_PROJECTIONS=worker: it reads, the worker projects."""
    settings = Settings(
        store=parse_store(url),
        data_dir=data_dir,
        secret=TEST_SECRET,
        projections="worker",
        read_wait_seconds=0.2,
    )
    return bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities())


class Worker:
    """`spotlight worker` in a process of its own, its log kept in a file."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.environment = {
            **os.environ,
            "SPOTLIGHT_DATA_DIR": str(data_dir),
            "SPOTLIGHT_STORE": url,
            "SPOTLIGHT_SECRET": TEST_SECRET.decode(),
            "SPOTLIGHT_PROJECTIONS": "worker",
        }
        # The worker runs with a deployment's own pool, not the one connection per log that
        # tests/conftest.py gives the test processes.
        self.environment.pop("POSTGRES_POOL_SIZE", None)
        self.log = data_dir / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as errors:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "entrypoints.cli", "worker", "--interval", "0.1"],
                env=self.environment,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        self.starts += 1

    def exited(self) -> int | None:
        assert self.process is not None
        return self.process.poll()

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stacks(self) -> str:
        """Its log, with every thread's stack at the end (it writes them on SIGUSR1)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(1)
        return self.output()


@pytest.fixture
def worker_for() -> Iterator[Callable[[str, Path], Worker]]:
    started_workers: list[Worker] = []

    def start(url: str, data_dir: Path) -> Worker:
        worker = Worker(url, data_dir)
        worker.start()
        started_workers.append(worker)
        return worker

    yield start
    for worker in started_workers:
        if worker.process is not None and worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


def until(condition: Callable[[], bool], why: str, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, why
        time.sleep(0.01)


def admin(core: Spotlight) -> dict[str, str]:
    token = core.tokens.issue(Principal(Role.ADMIN, "ops"), lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def assert_ledger_is_the_logs(core: Spotlight) -> None:
    """Every row of the persisted ledger is what a ledger rebuilt from the log holds."""
    reference = LedgerReadModel()
    LogFollower(core._revenue, reference.handlers).catch_up()
    persisted = core.read_models[LEDGER].export({})
    assert persisted == reference.export()
    assert persisted["journal"] == (ENTRIES, reference.debits, reference.credits)
    assert reference.credits == sum(100 + i % 7 for i in range(ENTRIES))


def caught_up(core: Spotlight, end: int) -> bool:
    """The ledger has applied every fee recorded: its position has reached the log's end as it
    was then, or passed it. The worker's background passes write to the revenue log too (the
    product recognition's scan is started there by its first pass that reaches the database),
    and the ledger follows those events as well; a pass that wrote one before the ledger's
    catch-up reached the end took the position past it at once."""
    return ledger_position(core) >= end


def read_revenue(client: TestClient, core: Spotlight) -> int:
    return client.get(f"/v1/ledgers/{REVENUE}?limit=1", headers=admin(core)).status_code


# PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as running:
        yield running


def sessions(url: str) -> str:
    """What each of the server's client sessions is doing, for a stall's report: the other
    side of a worker waiting for an answer."""
    with psycopg.connect(url, connect_timeout=5) as connection:
        rows = connection.execute(
            "SELECT pid, state, wait_event_type, wait_event, now() - xact_start, "
            "now() - state_change, left(query, 160) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    return "the server's sessions:\n" + "\n".join(" | ".join(map(str, row)) for row in rows)


@pytest.mark.postgres
def test_postgresql_restarted_under_a_worker_loses_nothing_and_counts_nothing_twice(
    cluster: Cluster, tmp_path: Path, worker_for: Callable[[str, Path], Worker]
) -> None:
    core = started(cluster.url, tmp_path)
    try:
        record_fees(core, ENTRIES)
        end = core._revenue.recorder.max_notification_id() or 0
        client = TestClient(create_app(core))
        assert read_revenue(client, core) == 404  # nothing projected yet

        worker = worker_for(cluster.url, tmp_path)
        until(
            lambda: ledger_position(core) > 0,
            "the worker never committed a batch",
            seconds=WORKER_START_SECONDS,
        )
        stopped_at = ledger_position(core)
        cluster.stop()
        down_since = time.monotonic()
        # The service, meanwhile, refuses reads (it cannot reach its store) but stays up.
        while time.monotonic() - down_since < DOWN_SECONDS:
            assert read_revenue(client, core) == 503
            time.sleep(0.2)
        cluster.start()
        # Stopped mid-way, else the test proves nothing.
        assert 0 < stopped_at < end, worker.output()

        # The worker rides it out: it goes on from the last batch committed.
        try:
            until(lambda: caught_up(core, end), "the worker did not catch up")
        except AssertionError:
            raise AssertionError(
                f"the worker did not catch up: the ledger at {ledger_position(core)} of {end}\n"
                f"{worker.stacks()}\n{sessions(cluster.url)}"
            ) from None
        assert worker.exited() is None, worker.output()
        assert worker.stop() == 0, worker.output()

        assert read_revenue(client, core) == 200
        assert_ledger_is_the_logs(core)
    finally:
        core.close()


# SQLite -----------------------------------------------------------------------------------


def hold_locked(path: Path, seconds: float, held: threading.Event) -> None:
    """Take the file's exclusive lock and keep it ``seconds``. (In WAL mode it holds every
    writer off; readers read on.)"""
    # SQLite's busy handler sleeps ever longer between tries, and would starve behind a
    # worker that begins its next batch as soon as it commits one: try every millisecond.
    connection = sqlite3.connect(path, isolation_level=None, timeout=0.001)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection.execute("BEGIN EXCLUSIVE")
                break
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
        held.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def test_a_locked_sqlite_projection_file_holds_a_worker_up_without_losing_anything(
    tmp_path: Path, worker_for: Callable[[str, Path], Worker]
) -> None:
    url = f"sqlite:///{tmp_path}/spotlight.db"
    core = started(url, tmp_path)
    try:
        record_fees(core, ENTRIES)
        end = core._revenue.recorder.max_notification_id() or 0
        projections = sqlite_file_for(tmp_path / "spotlight.db", "projections")

        client = TestClient(create_app(core))
        worker = worker_for(url, tmp_path)
        until(lambda: ledger_position(core) > 0, "the worker never committed a batch")
        held = threading.Event()
        locker = threading.Thread(target=hold_locked, args=(projections, DOWN_SECONDS, held))
        locker.start()
        assert held.wait(timeout=30)
        locked_at = ledger_position(core)
        # Reads go on meanwhile.
        assert read_revenue(client, core) == 200
        locker.join()
        # Locked mid-way, else the test proves nothing.
        assert 0 < locked_at < end, worker.output()
        assert worker.exited() is None, worker.output()

        until(lambda: caught_up(core, end), f"no catch-up:\n{worker.output()}")
        assert worker.stop() == 0, worker.output()
        assert worker.starts == 1
        assert_ledger_is_the_logs(core)
    finally:
        core.close()
