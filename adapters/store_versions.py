"""Where each part of a store records the versions of its own tables, read without changing
anything (``application.store_schema``).

- PostgreSQL (and a SQLAlchemy server): the logs' chain tables, the key store and the read
  models share the schema's one ``schema_versions`` table; each row is told apart by its
  component's name (``chain of catalogue_events`` is the catalogue log's, ``key store`` the
  key store's, the rest the read models').
- SQLite: the read models' file, each log's file (``<store>.<log>.db``, its chain recorded as
  ``chain of stored_events``) and the key store's (``<store>.keys.db``) each hold their own.
- SQLAlchemy over a SQLite file: the logs and the key store in the store's file, the read
  models in their own.
- Memory: the read models' scratch file only (the logs' chains and the keys are in memory).

A file not made yet (a key store before its first key) records nothing, and is not made here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlalchemy as sa

from adapters.audit.chain import chain_component
from adapters.keys.stores import KEY_STORE as KEY_STORE_COMPONENT
from adapters.projections.schema_versions import recorded_versions
from adapters.storage import Store, StoreKind, sqlite_file_for
from application.store_schema import KEY_STORE, READ_MODELS, ComponentVersion, log_part

#: The events table of each log in a SQLite store's own file for that log.
SQLITE_EVENTS_TABLE = "stored_events"


class StoreVersions:
    """The recorded versions of every part of ``store``; ``read_models`` reads the read
    models' database (``SqlProjectionStore.schema_versions``)."""

    def __init__(
        self, store: Store, read_models: Callable[[], dict[str, int]], logs: Sequence[str]
    ) -> None:
        self._store = store
        self._read_models = read_models
        self._logs = tuple(logs)

    def recorded(self) -> list[ComponentVersion]:
        """Every component recorded in any of the store's databases, with its part."""
        found = [
            ComponentVersion(self._part_of(component), component, version)
            for component, version in self._read_models().items()
        ]
        for part, path in self._own_files():
            found += [
                ComponentVersion(part or self._part_of(component), component, version)
                for component, version in sqlite_versions(path).items()
            ]
        return found

    def _part_of(self, component: str) -> str:
        if component == KEY_STORE_COMPONENT.name:
            return KEY_STORE
        for log in self._logs:
            if component == chain_component(f"{log}_events"):
                return log_part(log)
        return READ_MODELS

    def _own_files(self) -> list[tuple[str | None, Path]]:
        """The SQLite files beside the read models' that record versions: each with its part
        of the store, or None when its rows name their parts (a file of several)."""
        store = self._store
        if store.kind is StoreKind.SQLITE:
            assert store.sqlite_path is not None
            path = store.sqlite_path
            return [
                *((log_part(log), sqlite_file_for(path, log)) for log in self._logs),
                (KEY_STORE, sqlite_file_for(path, "keys")),
            ]
        if store.kind is StoreKind.SQLALCHEMY:
            url = sa.engine.make_url(store.sqlalchemy_url)
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                return [(None, Path(str(url.database)))]
        return []


def sqlite_versions(path: Path) -> dict[str, int]:
    """The versions recorded in a SQLite file, opened read-only (none: no such file)."""
    if not path.exists():
        return {}
    engine = sa.create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    )
    try:
        with engine.connect() as connection:
            return recorded_versions(connection, None)
    finally:
        engine.dispose()
