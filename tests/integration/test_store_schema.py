"""An operator reads the version of every versioned component of the store: the read models',
each log's hash-chain table and the key store, on every kind of store (on SQLite each log and
the key store keep their version in their own file), through the use case and the command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from application.auth import Principal, Role
from application.errors import NotPermitted
from application.logs import LOG_NAMES
from application.store_schema import ComponentVersion
from entrypoints.cli import main
from tests.deployments import STORES, Deployment, StoreUnderTest, store_under_test

ADMIN = Principal(Role.ADMIN, "ops")
AUDITOR = Principal(Role.AUDITOR, "ada")
READ_MODELS = {"projection store": 2, "webhooks": 1}


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "store_schema")


def chain_of(store: StoreUnderTest, log: str) -> str:
    """How a log's chain table records its version: in its own file on SQLite."""
    return "chain of stored_events" if store.name == "sqlite" else f"chain of {log}_events"


def every_part(store: StoreUnderTest, *, keys: bool) -> dict[str, dict[str, int]]:
    if store.name == "memory":  # the logs' chains and the keys live in memory
        return {"read models": READ_MODELS}
    return {
        "read models": READ_MODELS,
        **{f"{log} log": {chain_of(store, log): 1} for log in LOG_NAMES},
        **({"key store": {"key store": 1}} if keys else {}),
    }


def by_part(versions: tuple[ComponentVersion, ...]) -> dict[str, dict[str, int]]:
    parts: dict[str, dict[str, int]] = {}
    for found in versions:
        parts.setdefault(found.part, {})[found.component] = found.version
    return parts


def set_catalogue_chain_version(
    store: StoreUnderTest, tmp_path: Path, request: pytest.FixtureRequest, version: int
) -> None:
    """Change the recorded version where the catalogue log's chain keeps it, as a release
    that upgraded it would have."""
    component = chain_of(store, "catalogue")
    statement = "UPDATE schema_versions SET version = {} WHERE component = '{}'"
    if store.name.endswith("sqlite"):
        name = "spotlight.catalogue.db" if store.name == "sqlite" else "spotlight.db"
        with sqlite3.connect(tmp_path / name) as connection:
            changed = connection.execute(statement.format(version, component)).rowcount
    else:
        url: str = request.getfixturevalue("postgres_url")
        with psycopg.connect(url) as connection:
            connection.execute(
                sql.SQL("SET search_path TO {}").format(sql.Identifier(store.schema))
            )
            changed = connection.execute(sql.SQL(statement.format(version, component))).rowcount
    assert changed == 1


def test_every_part_of_the_store_shows_its_versions(store: StoreUnderTest, tmp_path: Path) -> None:
    deployment = Deployment(store, tmp_path, secret=b"a-secret-of-twenty-bytes")
    core = deployment.start()
    try:
        assert by_part(core.store_schema.versions(ADMIN)) == every_part(store, keys=False)

        core.keys.create_key("creator:ana")  # the key store is made with its first key

        versions = core.store_schema.versions(AUDITOR)
        assert by_part(versions) == every_part(store, keys=True)
        parts = list(dict.fromkeys(found.part for found in versions))
        assert parts == list(every_part(store, keys=True))  # read models, logs, key store
    finally:
        deployment.stop_all()


def test_each_log_shows_the_version_its_own_chain_records(
    store: StoreUnderTest, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if store.name == "memory":
        pytest.skip("the memory store's chains record no version")
    deployment = Deployment(store, tmp_path, secret=b"a-secret-of-twenty-bytes")
    core = deployment.start()
    try:
        set_catalogue_chain_version(store, tmp_path, request, 7)

        parts = by_part(core.store_schema.versions(ADMIN))

        assert parts["catalogue log"] == {chain_of(store, "catalogue"): 7}
        assert parts["music log"] == {chain_of(store, "music"): 1}
    finally:
        deployment.stop_all()


def test_only_admins_and_auditors_read_the_versions(store: StoreUnderTest, tmp_path: Path) -> None:
    deployment = Deployment(store, tmp_path, secret=b"a-secret-of-twenty-bytes")
    core = deployment.start()
    try:
        for role in (Role.CREATOR, Role.VIEWER, Role.REVIEWER):
            with pytest.raises(NotPermitted):
                core.store_schema.versions(Principal(role, "someone"))
    finally:
        deployment.stop_all()


def test_the_command_prints_every_part_as_json(
    store: StoreUnderTest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "a-secret-of-twenty-bytes")

    assert main(["projections", "schema", "--store", store.url, "--json"]) == 0

    printed = json.loads(capsys.readouterr().out)
    assert printed == every_part(store, keys=False)
    assert list(printed) == list(every_part(store, keys=False))
