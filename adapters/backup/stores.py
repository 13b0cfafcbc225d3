"""Copying a store's logs and key store out to a backup and back in.

Every backup holds each log as a SQLite file in the layout of a SQLite store's log
(``stored_events`` with the position as row id, ``stored_events_chain``, and
``stored_snapshots`` when the log takes snapshots) and the key store as a SQLite file of
``person_keys``, whatever the store was: the backup directory is then a store that
``spotlight audit verify`` reads as it is, and a backup of one kind of store restores onto
the other.

- **SQLite**: each file is copied with SQLite's online backup API in one step, a read
  transaction of its own, so the copy is consistent while the service writes (WAL: the
  writers are not held up). The logs are copied one after the other, then the key store.
- **PostgreSQL**: every table is read in one ``REPEATABLE READ, READ ONLY`` transaction (one
  snapshot of every log and of the keys at once; the writers' ``EXCLUSIVE`` lock does not
  block its reads) with ``COPY ... TO STDOUT (FORMAT BINARY)``, and restored with ``COPY ...
  FROM STDIN`` in one transaction, positions kept and each log's sequence moved past its
  last one. No ``pg_dump`` is needed, so no client binary has to match the server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from psycopg import sql
from psycopg.rows import tuple_row

from adapters.keys.stores import SqlKeyStore, key_store_for
from adapters.storage import FACTORIES, Store, StoreKind, sqlite_file_for
from application.audit.audit import GENESIS
from application.audit.backup import (
    KEYS_FILE,
    BackupError,
    BackupFiles,
    LogCopy,
    Manifest,
    Progress,
    StoreCopier,
    log_file,
)

BATCH = 5000
EVENTS = "stored_events"
CHAIN = "stored_events_chain"
SNAPSHOTS = "stored_snapshots"
KEYS = "person_keys"
POSITIONS = "projection_positions"
_EVENT_TYPES = ["int8", "uuid", "int8", "text", "bytea"]
_LINK_TYPES = ["int8", "int8", "bytea"]
_SNAPSHOT_TYPES = ["uuid", "int8", "text", "bytea"]
_KEY_TYPES = ["text", "bytea"]


def copier_for(store: Store) -> StoreCopier:
    if store.kind is StoreKind.SQLITE:
        return SQLiteCopier(store)
    if store.kind is StoreKind.POSTGRESQL:
        return PostgresCopier(store)
    raise BackupError(
        f"{store.setting}={store.redacted}: backups are made of SQLite and PostgreSQL stores "
        f"(postgresql:// or sqlite:///), not of a {store.kind.value} store"
    )


# The backup's SQLite files --------------------------------------------------------------------


def make_log_file(path: Path, log: str, *, snapshots: bool) -> None:
    """An empty log file made by the chained SQLite recorder itself, so that its tables are
    the ones a SQLite store's log has."""
    env = Environment(
        log, {"PERSISTENCE_MODULE": FACTORIES[StoreKind.SQLITE], "SQLITE_DBNAME": str(path)}
    )
    factory: InfrastructureFactory[Any] = InfrastructureFactory.construct(env)
    try:
        factory.application_recorder()
        if snapshots:
            factory.aggregate_recorder("snapshots")
    finally:
        factory.close()


def make_keys_file(path: Path) -> SqlKeyStore:
    keys = SqlKeyStore(f"sqlite:///{path}")
    keys.create_table()
    return keys


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(path, timeout=30)) as connection:
        yield connection


def _has_table(connection: sqlite3.Connection, table: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return found is not None


def _file_facts(path: Path, log: str) -> LogCopy:
    with _sqlite(path) as connection:
        records, last = connection.execute(
            f"SELECT count(*), coalesce(max(rowid), 0) FROM {EVENTS}"  # noqa: S608
        ).fetchone()
        head = connection.execute(
            f"SELECT notification_id, link FROM {CHAIN} ORDER BY notification_id DESC LIMIT 1"  # noqa: S608
        ).fetchone()
        snapshots = (
            connection.execute(f"SELECT count(*) FROM {SNAPSHOTS}").fetchone()[0]  # noqa: S608
            if _has_table(connection, SNAPSHOTS)
            else 0
        )
    return LogCopy(
        name=log,
        records=records,
        last_position=last,
        head_position=0 if head is None else head[0],
        head=GENESIS if head is None else bytes(head[1]),
        snapshots=snapshots,
    )


def _count_rows(path: Path, table: str) -> int:
    if not path.is_file():
        return 0
    with _sqlite(path) as connection:
        if not _has_table(connection, table):
            return 0
        count: int = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        return count


def _furthest_position(path: Path) -> int:
    if not path.is_file():
        return 0
    with _sqlite(path) as connection:
        if not _has_table(connection, POSITIONS):
            return 0
        furthest: int = connection.execute(
            f"SELECT coalesce(max(position), 0) FROM {POSITIONS}"  # noqa: S608
        ).fetchone()[0]
        return furthest


def _sqlite_copy(source: Path, target: Path) -> None:
    """The whole of ``source`` into ``target`` in one step of SQLite's backup API: one read
    transaction of the source, so a consistent copy even while others write to it."""
    with _sqlite(source) as reading, _sqlite(target) as writing:
        reading.backup(writing)
        # The copy keeps the source's WAL mode, as the recorders would set it: opening the
        # copy (an audit of the backup in place) then changes nothing in the file.
        writing.execute("PRAGMA journal_mode=WAL")


# SQLite ---------------------------------------------------------------------------------------


class SQLiteCopier:
    kind = "sqlite"

    def __init__(self, store: Store) -> None:
        assert store.sqlite_path is not None
        self.store = store
        self.path = store.sqlite_path

    def _file(self, name: str) -> Path:
        return sqlite_file_for(self.path, name)

    def copy_out(
        self, files: BackupFiles, logs: Sequence[str], progress: Progress
    ) -> tuple[tuple[LogCopy, ...], int]:
        missing = [log for log in logs if not self._file(log).is_file()]
        if missing:
            raise BackupError(
                f"{self.store.setting}={self.store.redacted}: no {', '.join(missing)} log "
                f"beside {self.path} (is it the service's store?)"
            )
        copies = []
        for number, log in enumerate(logs, start=1):
            target = files.file(log_file(log))
            _sqlite_copy(self._file(log), target)
            copies.append(_file_facts(target, log))
            progress(f"copied the {log} log", number, len(logs))
        keys = files.file(KEYS_FILE)
        if self._file("keys").is_file():
            _sqlite_copy(self._file("keys"), keys)
        else:
            make_keys_file(keys).close()
        progress("copied the key store", len(logs), len(logs))
        return tuple(copies), _count_rows(keys, KEYS)

    def obstacles(self, logs: Sequence[str]) -> list[str]:
        found = []
        for log in logs:
            records = _count_rows(self._file(log), EVENTS)
            if records:
                found.append(f"the {log} log {self._file(log)} holds {records:,} records")
        keys = _count_rows(self._file("keys"), KEYS)
        if keys:
            found.append(f"the key store {self._file('keys')} holds {keys:,} keys")
        projections = self._file("projections")
        if _furthest_position(projections):
            found.append(
                f"the read models in {projections} were built from another log (remove the "
                "file: they are rebuilt from the restored log)"
            )
        return found

    def copy_in(self, files: BackupFiles, manifest: Manifest, progress: Progress) -> None:
        self.store.prepare()
        total = len(manifest.logs)
        for number, log in enumerate(manifest.logs, start=1):
            _sqlite_copy(files.file(log_file(log.name)), self._file(log.name))
            progress(f"restored the {log.name} log", number, total)
        _sqlite_copy(files.file(KEYS_FILE), self._file("keys"))
        progress("restored the key store", total, total)

    def copied(self, logs: Sequence[str]) -> tuple[tuple[LogCopy, ...], int]:
        return (
            tuple(_file_facts(self._file(log), log) for log in logs),
            _count_rows(self._file("keys"), KEYS),
        )


# PostgreSQL -----------------------------------------------------------------------------------


class PostgresCopier:
    kind = "postgresql"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.schema = store.schema or "public"

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        pg = self.store.postgres
        return psycopg.connect(
            host=pg["POSTGRES_HOST"],
            port=int(pg["POSTGRES_PORT"]),
            dbname=pg["POSTGRES_DBNAME"],
            user=pg["POSTGRES_USER"],
            password=pg["POSTGRES_PASSWORD"] or None,
            connect_timeout=10,
            row_factory=tuple_row,
        )

    def _table(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.schema, name)

    def _exists(self, connection: psycopg.Connection[tuple[Any, ...]], name: str) -> bool:
        qualified = sql.Identifier(self.schema, name).as_string(connection)
        row = connection.execute("SELECT to_regclass(%s)", (qualified,)).fetchone()
        return row is not None and row[0] is not None

    def copy_out(
        self, files: BackupFiles, logs: Sequence[str], progress: Progress
    ) -> tuple[tuple[LogCopy, ...], int]:
        copies = []
        with self._connect() as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.transaction():
                missing = [log for log in logs if not self._exists(connection, f"{log}_events")]
                if missing:
                    raise BackupError(
                        f"{self.store.setting}={self.store.redacted}: no {', '.join(missing)} "
                        f"log in the schema {self.schema}"
                    )
                for log in logs:
                    copies.append(
                        self._log_out(connection, files.file(log_file(log)), log, progress)
                    )
                keys = files.file(KEYS_FILE)
                make_keys_file(keys).close()
                if self._exists(connection, KEYS):
                    statement = sql.SQL(
                        "COPY (SELECT subject, key FROM {}) TO STDOUT (FORMAT BINARY)"
                    ).format(self._table(KEYS))
                    with _sqlite(keys) as writing:
                        _insert_batches(
                            writing,
                            f"INSERT INTO {KEYS} (subject, key) VALUES (?, ?)",  # noqa: S608
                            self._rows_out(connection, statement, _KEY_TYPES),
                            lambda _done: None,
                        )
                        writing.commit()
                count = _count_rows(keys, KEYS)
                progress("copied the key store", len(logs), len(logs))
        return tuple(copies), count

    def _rows_out(
        self,
        connection: psycopg.Connection[tuple[Any, ...]],
        statement: sql.Composed,
        types: list[str],
    ) -> Iterator[tuple[Any, ...]]:
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            yield from copy.rows()

    def _log_out(
        self,
        connection: psycopg.Connection[tuple[Any, ...]],
        target: Path,
        log: str,
        progress: Progress,
    ) -> LogCopy:
        snapshots = self._exists(connection, f"{log}_snapshots")
        make_log_file(target, log, snapshots=snapshots)
        events = sql.SQL(
            "COPY (SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {} ORDER BY notification_id) TO STDOUT (FORMAT BINARY)"
        ).format(self._table(f"{log}_events"))
        links = sql.SQL(
            "COPY (SELECT notification_id, previous_id, link FROM {} ORDER BY notification_id) "
            "TO STDOUT (FORMAT BINARY)"
        ).format(self._table(f"{log}_events_chain"))
        with _sqlite(target) as writing:
            _insert_batches(
                writing,
                f"INSERT INTO {EVENTS} (rowid, originator_id, originator_version, topic, state) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?)",
                (
                    (position, _sqlite_id(originator), version, topic, state)
                    for position, originator, version, topic, state in self._rows_out(
                        connection, events, _EVENT_TYPES
                    )
                ),
                lambda done: progress(f"copying the {log} log", done, 0),
            )
            _insert_batches(
                writing,
                f"INSERT INTO {CHAIN} (notification_id, previous_id, link) VALUES (?, ?, ?)",  # noqa: S608
                self._rows_out(connection, links, _LINK_TYPES),
                lambda _done: None,
            )
            if snapshots:
                rows = sql.SQL(
                    "COPY (SELECT originator_id, originator_version, topic, state FROM {}) "
                    "TO STDOUT (FORMAT BINARY)"
                ).format(self._table(f"{log}_snapshots"))
                _insert_batches(
                    writing,
                    f"INSERT INTO {SNAPSHOTS} VALUES (?, ?, ?, ?)",  # noqa: S608
                    (
                        (_sqlite_id(originator), version, topic, state)
                        for originator, version, topic, state in self._rows_out(
                            connection, rows, _SNAPSHOT_TYPES
                        )
                    ),
                    lambda _done: None,
                )
            writing.commit()
        copy = _file_facts(target, log)
        progress(f"copied the {log} log", copy.records, copy.records)
        return copy

    def obstacles(self, logs: Sequence[str]) -> list[str]:
        found = []
        with self._connect() as connection:
            for log in logs:
                table = f"{log}_events"
                if self._exists(connection, table) and self._any(connection, table):
                    found.append(f"the {log} log ({self.schema}.{table}) holds records")
            if self._exists(connection, KEYS) and self._any(connection, KEYS):
                found.append(f"the key store ({self.schema}.{KEYS}) holds keys")
            if self._exists(connection, POSITIONS):
                row = connection.execute(
                    sql.SQL("SELECT coalesce(max(position), 0) FROM {}").format(
                        self._table(POSITIONS)
                    )
                ).fetchone()
                if row is not None and row[0]:
                    found.append(
                        f"the read models in the schema {self.schema} were built from another "
                        "log (drop their tables: they are rebuilt from the restored log)"
                    )
        return found

    def _any(self, connection: psycopg.Connection[tuple[Any, ...]], table: str) -> bool:
        row = connection.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(self._table(table))
        ).fetchone()
        return bool(row and row[0])

    def _make_tables(self, manifest: Manifest, files: BackupFiles) -> None:
        """The logs' tables made by the chained recorders, and the key store's."""
        for log in manifest.logs:
            with _sqlite(files.file(log_file(log.name))) as reading:
                snapshots = _has_table(reading, SNAPSHOTS)
            env = Environment(log.name, self.store.env_for(log.name))
            factory: InfrastructureFactory[Any] = InfrastructureFactory.construct(env)
            try:
                factory.application_recorder()
                if snapshots:
                    factory.aggregate_recorder("snapshots")
            finally:
                factory.close()
        keys = key_store_for(self.store)
        assert isinstance(keys, SqlKeyStore)
        keys.create_table()
        keys.close()

    def copy_in(self, files: BackupFiles, manifest: Manifest, progress: Progress) -> None:
        self.store.prepare()
        self._make_tables(manifest, files)
        total = len(manifest.logs)
        with self._connect() as connection, connection.transaction():
            for number, log in enumerate(manifest.logs, start=1):
                self._log_in(connection, files.file(log_file(log.name)), log.name)
                progress(f"restored the {log.name} log", number, total)
            with _sqlite(files.file(KEYS_FILE)) as reading:
                self._rows_in(
                    connection,
                    sql.SQL("COPY {} (subject, key) FROM STDIN (FORMAT BINARY)").format(
                        self._table(KEYS)
                    ),
                    _KEY_TYPES,
                    reading.execute(f"SELECT subject, key FROM {KEYS}"),  # noqa: S608
                )
            progress("restored the key store", total, total)

    def _rows_in(
        self,
        connection: psycopg.Connection[tuple[Any, ...]],
        statement: sql.Composed,
        types: list[str],
        rows: Any,
    ) -> None:
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def _log_in(
        self, connection: psycopg.Connection[tuple[Any, ...]], source: Path, log: str
    ) -> None:
        events = self._table(f"{log}_events")
        with _sqlite(source) as reading:
            self._rows_in(
                connection,
                sql.SQL(
                    "COPY {} (notification_id, originator_id, originator_version, topic, state) "
                    "FROM STDIN (FORMAT BINARY)"
                ).format(events),
                _EVENT_TYPES,
                (
                    (position, UUID(originator), version, topic, state)
                    for position, originator, version, topic, state in reading.execute(
                        f"SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
                        f"FROM {EVENTS} ORDER BY rowid"
                    )
                ),
            )
            self._rows_in(
                connection,
                sql.SQL(
                    "COPY {} (notification_id, previous_id, link) FROM STDIN (FORMAT BINARY)"
                ).format(self._table(f"{log}_events_chain")),
                _LINK_TYPES,
                reading.execute(
                    f"SELECT notification_id, previous_id, link FROM {CHAIN} "  # noqa: S608
                    "ORDER BY notification_id"
                ),
            )
            if _has_table(reading, SNAPSHOTS):
                self._rows_in(
                    connection,
                    sql.SQL(
                        "COPY {} (originator_id, originator_version, topic, state) "
                        "FROM STDIN (FORMAT BINARY)"
                    ).format(self._table(f"{log}_snapshots")),
                    _SNAPSHOT_TYPES,
                    (
                        (UUID(originator), version, topic, state)
                        for originator, version, topic, state in reading.execute(
                            "SELECT originator_id, originator_version, topic, state "  # noqa: S608
                            f"FROM {SNAPSHOTS}"
                        )
                    ),
                )
        # The next record written takes the position after the last one restored.
        qualified = events.as_string(connection)
        connection.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), m) "
                "FROM (SELECT max(notification_id) AS m FROM {}) AS last WHERE m IS NOT NULL"
            ).format(events),
            (qualified,),
        )

    def copied(self, logs: Sequence[str]) -> tuple[tuple[LogCopy, ...], int]:
        copies = []
        with self._connect() as connection:
            for log in logs:
                records, last = _one(
                    connection,
                    sql.SQL("SELECT count(*), coalesce(max(notification_id), 0) FROM {}").format(
                        self._table(f"{log}_events")
                    ),
                )
                head = connection.execute(
                    sql.SQL(
                        "SELECT notification_id, link FROM {} ORDER BY notification_id DESC LIMIT 1"
                    ).format(self._table(f"{log}_events_chain"))
                ).fetchone()
                snapshots = (
                    _one(
                        connection,
                        sql.SQL("SELECT count(*) FROM {}").format(self._table(f"{log}_snapshots")),
                    )[0]
                    if self._exists(connection, f"{log}_snapshots")
                    else 0
                )
                copies.append(
                    LogCopy(
                        name=log,
                        records=records,
                        last_position=last,
                        head_position=0 if head is None else head[0],
                        head=GENESIS if head is None else bytes(head[1]),
                        snapshots=snapshots,
                    )
                )
            keys = (
                _one(connection, sql.SQL("SELECT count(*) FROM {}").format(self._table(KEYS)))[0]
                if self._exists(connection, KEYS)
                else 0
            )
        return tuple(copies), keys


def _one(
    connection: psycopg.Connection[tuple[Any, ...]], statement: sql.Composed
) -> tuple[Any, ...]:
    row = connection.execute(statement).fetchone()
    assert row is not None
    return row


def _sqlite_id(originator: UUID | str) -> str:
    """An originator id as the SQLite recorder keeps it: a UUID's 32 hex digits."""
    return originator.hex if isinstance(originator, UUID) else originator


def _insert_batches(
    connection: sqlite3.Connection,
    statement: str,
    rows: Any,
    done: Any,
) -> None:
    batch: list[tuple[Any, ...]] = []
    written = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            connection.executemany(statement, batch)
            written += len(batch)
            batch.clear()
            done(written)
    if batch:
        connection.executemany(statement, batch)
        written += len(batch)
        done(written)
