"""A store made by an earlier release is upgraded in place when this one opens it: the store's
own tables carry a version per component, each upgrade above it runs once, in order, under
the schema-change turn, and the rows the store kept are still there afterwards."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.schema_versions import Component, NewerSchema, Upgrade
from adapters.storage import Store, parse_store, sqlite_file_for
from application.logs import LOG_NAMES
from application.projections import Generation
from entrypoints.cli import main
from tests.deployments import with_schema

UPGRADED = "upgraded the projection store tables to version 2"

#: The projection store's tables as the release before recorded versions made them: the
#: generations knew no configuration yet.
PREVIOUS_RELEASE = (
    "CREATE TABLE projection_generations (name VARCHAR(200) NOT NULL, generation INTEGER "
    "NOT NULL, version INTEGER NOT NULL, state VARCHAR(16) NOT NULL, "
    "PRIMARY KEY (name, generation))",
    "CREATE TABLE projection_positions (name VARCHAR(200) NOT NULL, generation INTEGER NOT "
    "NULL, log VARCHAR(64) NOT NULL, position BIGINT NOT NULL, "
    "PRIMARY KEY (name, generation, log))",
    "INSERT INTO projection_generations VALUES ('music-charts', 1, 3, 'retired')",
    "INSERT INTO projection_generations VALUES ('music-charts', 2, 4, 'active')",
    "INSERT INTO projection_positions VALUES ('music-charts', 2, 'music', 41)",
)


def sqlite_store(directory: Path, statements: tuple[str, ...]) -> Store:
    store = parse_store(f"sqlite:///{directory / 'spotlight.db'}")
    assert store.sqlite_path is not None
    with sqlite3.connect(sqlite_file_for(store.sqlite_path, "projections")) as connection:
        for statement in statements:
            connection.execute(statement)
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def made_by(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[tuple[str, ...]], Store]]:
    """A store whose read models' database holds what ``statements`` made."""
    if request.param == "sqlite":
        yield lambda statements: sqlite_store(tmp_path, statements)
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    schema_for: Callable[[str], str] = request.getfixturevalue("postgres_schema")
    schema = schema_for(f"versions_{tmp_path.name[-12:].replace('-', '_')}")

    def postgres_store(statements: tuple[str, ...]) -> Store:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            for statement in statements:
                connection.execute(statement.encode())
        return parse_store(with_schema(postgres_url, schema))

    yield postgres_store


def opened(store: Store) -> SqlProjectionStore:
    return SqlProjectionStore(projection_database_for(store))


def test_a_store_of_the_previous_release_is_upgraded_once_keeping_its_rows(
    made_by: Callable[[tuple[str, ...]], Store], caplog: pytest.LogCaptureFixture
) -> None:
    store = made_by(PREVIOUS_RELEASE)
    caplog.set_level(logging.INFO, logger="adapters.projections.schema_versions")

    first = opened(store)
    second = opened(store)
    try:
        assert first.schema_versions() == {"projection store": 2}
        assert [record.getMessage() for record in caplog.records].count(
            UPGRADED
            + (
                ": projection_generations keeps the configuration of each generation (none for "
                "the generations made before)"
            )
        ) == 1
        assert second.generations("music-charts") == [
            Generation(number=1, version=3, state="retired", configuration=""),
            Generation(number=2, version=4, state="active", configuration=""),
        ]
        assert second.positions("music-charts", 2) == {"music": 41}
    finally:
        first.close()
        second.close()


def test_a_new_store_is_made_at_the_latest_version_with_nothing_to_upgrade(
    made_by: Callable[[tuple[str, ...]], Store], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.projections.schema_versions")
    store = opened(made_by(()))
    try:
        assert store.schema_versions() == {"projection store": 2}
        assert caplog.records == []
    finally:
        store.close()


def test_a_store_upgraded_by_a_newer_release_is_refused(
    made_by: Callable[[tuple[str, ...]], Store],
) -> None:
    store = made_by(
        (
            "CREATE TABLE schema_versions (component VARCHAR(100) PRIMARY KEY, "
            "version INTEGER NOT NULL)",
            "INSERT INTO schema_versions VALUES ('projection store', 3)",
        )
    )

    with pytest.raises(NewerSchema, match="at version 3, made by a newer release"):
        opened(store)


def test_a_components_upgrades_go_up_one_version_at_a_time() -> None:
    def nothing(_connection: object) -> None:
        return None

    with pytest.raises(ValueError, match="must go 2, 3"):
        Component("gaps", "t", (Upgrade(2, "a", nothing), Upgrade(4, "b", nothing)))
    assert Component("steps", "t", (Upgrade(2, "a", nothing), Upgrade(3, "b", nothing))).latest == 3


def test_an_operator_sees_the_versions_after_the_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = sqlite_store(tmp_path, PREVIOUS_RELEASE)
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "a-secret-of-twenty-bytes")

    assert main(["projections", "schema", "--store", store.url]) == 0

    assert json.loads(capsys.readouterr().out) == {
        "read models": {"projection store": 2, "webhooks": 1},
        # Each log's chain table, recorded in the log's own file when it was opened.
        **{f"{log} log": {"chain of stored_events": 1} for log in LOG_NAMES},
    }
