"""Where each person's key lives: beside the event store, never in it, so that destroying
a key is a real deletion (the log is append-only by design; this table is not).

- in memory, for the memory store;
- a SQL table ``person_keys`` through SQLAlchemy for the others: its own SQLite file next
  to the logs' files (``<store>.keys.db``) with ``secure_delete`` on, so a deleted key's
  bytes are overwritten in the file rather than left in a free page (the SQLite inside
  Python's wheels is built with it on; the pragma keeps it so with any build); or a table in the
  PostgreSQL database (and schema) of the logs, rewritten with ``VACUUM FULL`` after a
  deletion so that the key's old row does not linger in the table's pages. ``VACUUM FULL``
  copies a dead row that an open snapshot may still see, so the rewrite first waits (a
  bounded time) until every snapshot of the database is younger than the deletion.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, event, select
from sqlalchemy.engine import Engine

from adapters.keys.sealer import new_key
from adapters.projections.schema_versions import Component, bring_up_to_date, refuse_newer
from adapters.schema_changes import take_turn
from adapters.storage import Store, StoreKind, sqlite_file_for
from application.trust.personal_data import KeyStore

logger = logging.getLogger(__name__)

# How long an erasure waits for older snapshots to end before it rewrites the table anyway.
SNAPSHOT_WAIT_SECONDS = 10.0

# Sessions of this database whose snapshot (or own transaction) began no later than the
# deletion: while one is open, VACUUM FULL must keep the deleted row.
_OLDER_SNAPSHOTS = sqlalchemy.text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE pid <> pg_backend_pid() AND datname = current_database()"
    " AND ((backend_xmin IS NOT NULL AND age(backend_xmin) >= age(CAST(:xid AS xid)))"
    " OR (backend_xid IS NOT NULL AND age(backend_xid) >= age(CAST(:xid AS xid))))"
)


class MemoryKeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def key_for(self, subject: str) -> bytes | None:
        return self._keys.get(subject)

    def create_key(self, subject: str) -> bytes:
        with self._lock:
            return self._keys.setdefault(subject, new_key())

    def destroy_key(self, subject: str) -> bool:
        with self._lock:
            return self._keys.pop(subject, None) is not None


#: The key store's table, versioned like the store's other own tables: the keys cannot be
#: rebuilt from the logs, so a change of shape is an upgrade in place.
KEY_STORE = Component(name="key store", first_table="person_keys")


class SqlKeyStore:
    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.engine: Engine = sqlalchemy.create_engine(url)
        self._sqlite = self.engine.dialect.name == "sqlite"
        if self._sqlite:
            event.listen(self.engine, "connect", _secure_delete)
        self.table = Table(
            "person_keys",
            MetaData(schema=schema or None),
            Column("subject", String(200), primary_key=True),
            Column("key", LargeBinary, nullable=False),
        )
        # Made when the first key is: opening a store to read it (an auditor's replay)
        # leaves no file and no table behind.
        self._made = False
        # Brought up to date (created, or upgraded in place) by this process: done before its
        # first write, once.
        self._current = False

    def key_for(self, subject: str) -> bytes | None:
        if not self._exists():
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                select(self.table.c.key).where(self.table.c.subject == subject)
            ).first()
        return None if row is None else bytes(row[0])

    def _exists(self) -> bool:
        if self._made:
            return True
        database = self.engine.url.database
        if self._sqlite and database and not Path(database).exists():
            return False
        with self.engine.connect() as connection:
            self._made = sqlalchemy.inspect(connection).has_table(
                self.table.name, schema=self.table.schema
            )
            if self._made:
                # Read as it is, not upgraded (a reader leaves the store as it found it), but
                # never read a shape this release does not know.
                refuse_newer(connection, self.table.schema, KEY_STORE)
        return self._made

    def create_table(self) -> None:
        """The key table, if missing, made in turn with other processes' schema changes: two
        processes making a store's first keys at once would race on PostgreSQL's catalogue."""
        with self.engine.begin() as connection:
            take_turn(connection)
            bring_up_to_date(
                connection,
                self.table.schema,
                KEY_STORE,
                create=lambda made: self.table.create(made, checkfirst=True),
            )
        self._made = self._current = True

    def create_key(self, subject: str) -> bytes:
        if not self._current:
            self.create_table()
        found = self.key_for(subject)
        if found is not None:
            return found
        try:
            with self.engine.begin() as connection:
                connection.execute(self.table.insert().values(subject=subject, key=new_key()))
        except sqlalchemy.exc.IntegrityError:
            pass  # made by a concurrent request: that key is the person's
        made = self.key_for(subject)
        assert made is not None
        return made

    def destroy_key(self, subject: str) -> bool:
        if not self._exists():
            return False
        postgresql = self.engine.dialect.name == "postgresql"
        with self.engine.begin() as connection:
            deleted = connection.execute(
                self.table.delete().where(self.table.c.subject == subject)
            ).rowcount
            deleting_xid = (
                connection.execute(sqlalchemy.text("SELECT txid_current() % 4294967296")).scalar()
                if deleted and postgresql
                else None
            )
        if deleting_xid is not None:
            self._rewrite_without_dead_rows(str(deleting_xid))
        return bool(deleted)

    def _rewrite_without_dead_rows(self, deleting_xid: str) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            deadline = time.monotonic() + SNAPSHOT_WAIT_SECONDS
            while connection.execute(_OLDER_SNAPSHOTS, {"xid": deleting_xid}).scalar():
                if time.monotonic() >= deadline:
                    logger.warning(
                        "an erased key's old row may stay in %s's pages until its next "
                        "vacuum: a snapshot older than the erasure was still open after %.0f s",
                        self.table.fullname,
                        SNAPSHOT_WAIT_SECONDS,
                    )
                    break
                time.sleep(0.05)
            connection.execute(sqlalchemy.text(f"VACUUM FULL {self.table.fullname}"))

    def close(self) -> None:
        self.engine.dispose()


def _secure_delete(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()


def key_store_for(store: Store) -> KeyStore:
    """The key store that goes with an event store."""
    if store.kind is StoreKind.MEMORY:
        return MemoryKeyStore()
    if store.kind is StoreKind.SQLITE:
        assert store.sqlite_path is not None
        return SqlKeyStore(f"sqlite:///{sqlite_file_for(store.sqlite_path, 'keys')}")
    if store.kind is StoreKind.POSTGRESQL:
        pg = store.postgres
        url = sqlalchemy.engine.URL.create(
            "postgresql+psycopg",
            username=pg["POSTGRES_USER"],
            password=pg["POSTGRES_PASSWORD"] or None,
            host=pg["POSTGRES_HOST"],
            port=int(pg["POSTGRES_PORT"]),
            database=pg["POSTGRES_DBNAME"],
        )
        return SqlKeyStore(url.render_as_string(hide_password=False), schema=store.schema)
    return SqlKeyStore(store.sqlalchemy_url, schema=store.schema)
