"""A log's connections to PostgreSQL come back as soon as the server does (issue 16).

Each log keeps a pool of connections (psycopg's, through the eventsourcing library). While
the server is down, every attempt the pool makes to replace a lost connection fails, and the
pool waits before the next one: one second, then two, four, eight, ... for up to five minutes
by default. Only one attempt to grow the pool runs at a time, so a request that waits for a
connection cannot start another. A process that met the outage therefore got no connection
after the server came back until that schedule's next step, as far away as the outage had
lasted: a `spotlight worker` sat in the pool's wait, alive and idle, short of the log's end.

The test keeps the server down long enough that the pool's schedule has reached eight
seconds, and asks for a connection once the server is back, with the pool's own wait (one
second here): it must be given."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import OperationalError
from eventsourcing.postgres import PostgresDatastore

from adapters.storage import parse_store
from tests.postgres_cluster import Cluster, throwaway_cluster

#: Long enough that an attempt after 1 + 2 + 4 s has failed: the next is due at about 15 s.
DOWN_SECONDS = 8.0
#: The pool's wait for a connection, and a connection attempt's own timeout.
WAIT_SECONDS = 1


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as running:
        yield running


def opened_log(cluster: Cluster) -> Application[UUID]:
    environment: dict[str, Any] = parse_store(cluster.url).env_for("reconnection")
    environment["POSTGRES_CONNECT_TIMEOUT"] = str(WAIT_SECONDS)
    return Application(env=environment)


def datastore_of(log: Application[UUID]) -> PostgresDatastore:
    datastore = getattr(log.factory, "datastore", None)
    assert isinstance(datastore, PostgresDatastore)
    return datastore


def one_round_trip(datastore: PostgresDatastore) -> None:
    with datastore.get_connection() as connection:
        connection.execute("SELECT 1")


@pytest.mark.postgres
def test_a_log_gets_a_connection_as_soon_as_the_restarted_server_accepts_one(
    cluster: Cluster,
) -> None:
    log = opened_log(cluster)
    try:
        datastore = datastore_of(log)
        assert log.recorder.max_notification_id() is None  # the pool is open, and answers
        cluster.stop()
        stopped = time.monotonic()
        # What a worker does meanwhile: its connections are found lost, and its next
        # requests wait for one the pool cannot make (all fail; the pool keeps trying).
        while time.monotonic() - stopped < 2 * WAIT_SECONDS:
            with pytest.raises(OperationalError):
                one_round_trip(datastore)
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped)))
        cluster.start()

        one_round_trip(datastore)
        assert log.recorder.max_notification_id() is None
    finally:
        log.close()
