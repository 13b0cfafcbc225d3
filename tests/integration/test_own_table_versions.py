"""The store's own tables that cannot be rebuilt from the logs (each log's hash-chain table and
the key store) record their version like the read models' store does: a store made by the
previous release is recorded at version 1 and keeps its rows, and a store a newer release has
upgraded is refused rather than read in a shape this release does not know."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
import sqlalchemy
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from psycopg import sql

from adapters.audit.postgres import ChainedPostgresApplicationRecorder
from adapters.audit.sqlalchemy import ChainedSQLAlchemyApplicationRecorder
from adapters.audit.sqlite import ChainedSQLiteApplicationRecorder
from adapters.keys.stores import SqlKeyStore
from adapters.projections.schema_versions import NewerSchema


class Database:
    """One database (a SQLite file, or a schema of the test server) and how to open a chained
    log in it and run a statement on it."""

    def __init__(
        self,
        chained: Callable[[str], ApplicationRecorder],
        run: Callable[[str], list[tuple[Any, ...]]],
        keys_url: str,
        keys_schema: str | None,
    ) -> None:
        self.chained = chained
        self.run = run
        self.keys_url = keys_url
        self.keys_schema = keys_schema

    def versions(self) -> dict[str, int]:
        return {str(name): int(version) for name, version in self.run(SELECT_VERSIONS)}


SELECT_VERSIONS = "SELECT component, version FROM schema_versions ORDER BY component"


def _sqlite_runner(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    def run(statement: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as connection:
            return list(connection.execute(statement))

    return run


def _postgres_runner(url: str, schema: str) -> Callable[[str], list[tuple[Any, ...]]]:
    def run(statement: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            cursor = connection.execute(statement.encode())
            return list(cursor.fetchall()) if cursor.description else []

    return run


@pytest.fixture(params=["sqlite", "postgresql", "sqlalchemy+sqlite", "sqlalchemy+postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    kind: str = request.param
    closing: list[Callable[[], None]] = []
    if kind.endswith("sqlite"):
        path = tmp_path / "log.db"
        run = _sqlite_runner(path)
        keys_url, keys_schema = f"sqlite:///{path}", None
        if kind == "sqlite":

            def chained(table: str) -> ApplicationRecorder:
                datastore = SQLiteDatastore(str(path))
                closing.append(datastore.close)
                recorder = ChainedSQLiteApplicationRecorder(datastore)
                recorder.create_table()
                return recorder

        else:

            def chained(table: str) -> ApplicationRecorder:
                datastore = SQLAlchemyDatastore(url=f"sqlite:///{path}")
                closing.append(_disposer(datastore))
                recorder = ChainedSQLAlchemyApplicationRecorder(datastore, events_table_name=table)
                recorder.create_table()
                return recorder

    else:
        url: str = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")(f"versions_{secrets.token_hex(3)}")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        run = _postgres_runner(url, schema)
        _scheme, _, rest = url.partition("://")
        keys_url, keys_schema = f"postgresql+psycopg://{rest}", schema
        if kind == "postgresql":
            parts = sqlalchemy.engine.make_url(url)

            def chained(table: str) -> ApplicationRecorder:
                datastore = PostgresDatastore(
                    dbname=parts.database or "test",
                    host=parts.host or "127.0.0.1",
                    port=str(parts.port or 5432),
                    user=parts.username or "postgres",
                    password=parts.password or "",
                    schema=schema,
                    pool_size=1,
                    max_overflow=0,
                )
                closing.append(datastore.close)
                recorder = ChainedPostgresApplicationRecorder(datastore, events_table_name=table)
                recorder.create_table()
                return recorder

        else:

            def chained(table: str) -> ApplicationRecorder:
                datastore = SQLAlchemyDatastore(url=keys_url)
                closing.append(_disposer(datastore))
                recorder = ChainedSQLAlchemyApplicationRecorder(
                    datastore, events_table_name=table, schema_name=schema
                )
                recorder.create_table()
                return recorder

    yield Database(chained, run, keys_url, keys_schema)
    for close in closing:
        close()


def _disposer(datastore: SQLAlchemyDatastore) -> Callable[[], None]:
    def dispose() -> None:
        engine = datastore.engine
        assert isinstance(engine, sqlalchemy.Engine)
        engine.dispose()

    return dispose


def _table(recorder: ApplicationRecorder) -> str:
    name = getattr(recorder, "events_table_name", "stored_events")
    assert isinstance(name, str)
    return name


def _events(count: int) -> list[StoredEvent]:
    originator = uuid4()
    return [StoredEvent(originator, version, "topic", b"state") for version in range(1, count + 1)]


def test_a_new_log_records_its_chain_at_version_one(database: Database) -> None:
    log = database.chained("catalogue_events")

    assert database.versions() == {f"chain of {_table(log)}": 1}


def test_a_log_chained_by_the_previous_release_is_recorded_at_version_one_keeping_its_links(
    database: Database,
) -> None:
    log = database.chained("catalogue_events")
    log.insert_events(_events(3))
    database.run("DELETE FROM schema_versions")  # as the release before versions left it

    reopened = database.chained("catalogue_events")
    reopened.insert_events(_events(2))

    assert database.versions() == {f"chain of {_table(log)}": 1}
    assert len(reopened.select_notifications(1, 10)) == 5
    links = database.run(f"SELECT COUNT(*) FROM {_table(log)}_chain")  # noqa: S608
    assert links == [(5,)]


def test_a_log_whose_chain_a_newer_release_upgraded_is_refused(database: Database) -> None:
    log = database.chained("catalogue_events")
    chain = f"chain of {_table(log)}"
    database.run(f"UPDATE schema_versions SET version = 2 WHERE component = '{chain}'")  # noqa: S608

    with pytest.raises(
        NewerSchema, match=r"chain of \w+ tables are at version 2, made by a newer release"
    ):
        database.chained("catalogue_events")


def test_the_key_store_records_its_version_and_refuses_a_newer_one(database: Database) -> None:
    keys = SqlKeyStore(database.keys_url, schema=database.keys_schema)
    key = keys.create_key("creator:ana")
    keys.close()
    assert database.versions()["key store"] == 1

    database.run("DELETE FROM schema_versions WHERE component = 'key store'")  # previous release
    reopened = SqlKeyStore(database.keys_url, schema=database.keys_schema)
    assert reopened.key_for("creator:ana") == key
    reopened.create_key("creator:bea")
    reopened.close()
    assert database.versions()["key store"] == 1

    database.run("UPDATE schema_versions SET version = 2 WHERE component = 'key store'")
    newer = SqlKeyStore(database.keys_url, schema=database.keys_schema)
    with pytest.raises(NewerSchema, match="key store tables are at version 2"):
        newer.key_for("creator:ana")
    newer.close()
