"""Schema changes on PostgreSQL take turns across processes: a log, or the read models'
tables, opened while another process changes the schema wait for that change to commit
rather than fail their start. Two `spotlight serve --workers 2` workers starting at once
both replaced the logs' insert function, and PostgreSQL failed one of them with "tuple
concurrently updated"; two opening the revenue log at once both created its snapshots'
table, and PostgreSQL failed one on pg_type_typname_nsp_index (issue 16)."""

from __future__ import annotations

import multiprocessing
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from adapters.keys.stores import SqlKeyStore, key_store_for
from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.schema_changes import TAKE_TURN_FOR_SCHEMA_CHANGES
from adapters.storage import Store, close_application, parse_store
from application.logs import CatalogueLog, InboxLog, MusicLog, RevenueLog
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import with_schema

pytestmark = pytest.mark.postgres

#: Long enough for an opening that does not wait its turn to have finished.
GRACE_SECONDS = 2.0

#: The logs in the order a core opens them; the revenue log keeps snapshots too.
LOGS = (CatalogueLog, MusicLog, RevenueLog, InboxLog)


@pytest.fixture
def store(postgres_url: str, postgres_schema: Callable[[str], str]) -> Store:
    store = parse_store(with_schema(postgres_url, postgres_schema("schema_turns")))
    store.prepare()
    return store


@contextmanager
def another_process_changing_the_schema(postgres_url: str) -> Iterator[None]:
    """A session that has taken its turn to change the schema and not yet committed."""
    with psycopg.connect(postgres_url) as connection, connection.transaction():
        connection.execute(TAKE_TURN_FOR_SCHEMA_CHANGES)
        yield


def open_every_log(store: Store) -> None:
    for log in LOGS:
        close_application(log(store.env_for(log.name)))


def open_catalogue(store: Store) -> None:
    close_application(CatalogueLog(store.env_for(CatalogueLog.name)))


def open_read_models(store: Store) -> None:
    SqlProjectionStore(projection_database_for(store)).close()


@pytest.mark.parametrize("opening", [open_catalogue, open_read_models])
def test_opening_the_store_waits_for_another_process_schema_change_to_commit(
    store: Store, postgres_url: str, opening: Callable[[Store], None]
) -> None:
    with ThreadPoolExecutor(1) as pool:
        with another_process_changing_the_schema(postgres_url):
            opened: Future[None] = pool.submit(opening, store)
            finished = threading.Event()
            opened.add_done_callback(lambda _: finished.set())
            assert not finished.wait(GRACE_SECONDS), opened.exception() or "opened at once"
        opened.result(timeout=60)


# Every change in turn ---------------------------------------------------------------------

#: Refuses, in a database of the test's own, any schema change made while no session of
#: that database holds the turn (an advisory lock's key is its two halves in pg_locks).
REFUSE_CHANGES_OUT_OF_TURN = """
CREATE FUNCTION refuse_changes_out_of_turn() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((classid::bigint << 32) | objid::bigint)
            = hashtext('spotlight schema changes')::bigint
    ) THEN
        RAISE EXCEPTION 'a schema change out of turn: %', tg_tag;
    END IF;
END $$;
CREATE EVENT TRIGGER refuse_changes_out_of_turn ON ddl_command_start
    EXECUTE FUNCTION refuse_changes_out_of_turn();
"""


@pytest.fixture
def database_refusing_changes_out_of_turn(postgres_url: str) -> Iterator[str]:
    """The URL of a database of this test's own (an event trigger acts on a whole
    database), where a schema change out of turn fails."""
    name = f"test_{secrets.token_hex(6)}_turns"
    with psycopg.connect(postgres_url, autocommit=True) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(REFUSE_CHANGES_OUT_OF_TURN)
            # The trigger itself is in force: a change out of turn fails.
            with pytest.raises(psycopg.errors.RaiseException, match="out of turn"):
                connection.execute("CREATE TABLE proof (n int)")
        yield url
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.mark.parametrize("kind", ["postgresql", "sqlalchemy-postgresql"])
def test_every_schema_change_of_a_start_is_made_in_turn(
    database_refusing_changes_out_of_turn: str, tmp_path: Path, kind: str
) -> None:
    url = with_schema(database_refusing_changes_out_of_turn, "spotlight")
    if kind == "sqlalchemy-postgresql":
        url = "sqlalchemy+postgresql+psycopg://" + url.partition("://")[2]
    store = parse_store(url)
    # The schema, every log with its chain and snapshots, the read models' and the
    # webhooks' tables, all made by the core's start.
    core = bootstrap(Settings(store=store, data_dir=tmp_path, secret=TEST_SECRET))
    try:
        core.read_models.catch_up()
    finally:
        core.close()
    # The key store's table is made with the first key.
    keys = key_store_for(store)
    assert isinstance(keys, SqlKeyStore)
    try:
        assert keys.create_key("someone") == keys.key_for("someone")
    finally:
        keys.close()


# Processes at once ------------------------------------------------------------------------

OPENERS = 6
ROUNDS = 6


def open_every_round(url: str, schemas: list[str], barrier: Barrier, answers: Any) -> None:
    """One process opening the store, in a fresh schema each round, at once with the others."""
    for schema in schemas:
        store = parse_store(with_schema(url, schema))
        barrier.wait(timeout=120)
        try:
            store.prepare()
            open_every_log(store)
        except Exception as error:  # reported to the test, which names it
            answers.put(f"{schema}: {type(error).__name__}: {str(error).splitlines()[0]}")
        else:
            answers.put(None)


def test_processes_opening_the_logs_at_once_all_start(
    postgres_url: str, postgres_schema: Callable[[str], str]
) -> None:
    """Without turns, most rounds had a process fail: on pg_namespace_nspname_index making
    the schema, on pg_type_typname_nsp_index making the revenue log's snapshots."""
    schemas = [postgres_schema(f"at_once_{secrets.token_hex(3)}") for _ in range(ROUNDS)]
    # Processes forked from a server that has imported the store's code once: each
    # spawned afresh would take its own seconds to import it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier = context.Barrier(OPENERS)
    answers = context.Queue()
    processes = [
        context.Process(target=open_every_round, args=(postgres_url, schemas, barrier, answers))
        for _ in range(OPENERS)
    ]
    for process in processes:
        process.start()
    try:
        failures = [
            answer
            for answer in (answers.get(timeout=300) for _ in range(OPENERS * ROUNDS))
            if answer is not None
        ]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    assert failures == []
