"""The database that holds the projections' rows, beside the event store it derives from.

memory://      a private SQLite file in a temporary directory, removed when disposed (an
               in-memory database cannot be shared by threads safely)
sqlite:///x.db the file ``x.projections.db`` beside the logs' files, in WAL mode
postgresql://  the same database (and schema) as the logs, through SQLAlchemy and psycopg
sqlalchemy+URL the same SQLAlchemy URL (and schema) as the logs; on a SQLite file, the file
               ``x.projections.db`` beside it

SQLite writers begin ``IMMEDIATE`` so that two writers never deadlock upgrading a read lock;
readers use a second engine whose transactions begin deferred and never block the writer.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from adapters.storage import Store, StoreKind, sqlite_file_for

#: Connections each process keeps to PostgreSQL for its projections (and overflow).
DEFAULT_POOL_SIZE = 4
DEFAULT_POOL_OVERFLOW = 4


@attrs.frozen
class ProjectionDatabase:
    writer: Engine
    reader: Engine
    schema: str | None
    #: A scratch database's directory, removed with it.
    scratch: Path | None = None

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def projection_database_for(
    store: Store, *, pool_size: int = DEFAULT_POOL_SIZE, overflow: int = DEFAULT_POOL_OVERFLOW
) -> ProjectionDatabase:
    schema = store.schema or None
    if store.kind is StoreKind.MEMORY:
        return _scratch_file()
    if store.kind is StoreKind.SQLITE:
        assert store.sqlite_path is not None
        path = sqlite_file_for(store.sqlite_path, "projections")
        return _sqlite_file(f"sqlite:///{path}")
    if store.kind is StoreKind.POSTGRESQL:
        pg = store.postgres
        user = quote(pg["POSTGRES_USER"], safe="")
        password = quote(pg["POSTGRES_PASSWORD"], safe="")
        credentials = f"{user}:{password}" if password else user
        postgres_url = (
            f"postgresql+psycopg://{credentials}@{pg['POSTGRES_HOST']}:{pg['POSTGRES_PORT']}"
            f"/{quote(pg['POSTGRES_DBNAME'], safe='')}"
        )
        engine = sqlalchemy.create_engine(
            postgres_url,
            pool_size=pool_size,
            max_overflow=overflow,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 5},
        )
        # A projection's page inserts thousands of rows with one executemany: as one INSERT
        # of many VALUES a thousand rows at a time (what SQLAlchemy does for psycopg2), not
        # one statement a row as psycopg's own executemany sends them.
        engine.dialect.use_insertmanyvalues_wo_returning = True
        return ProjectionDatabase(engine, engine, schema)
    other_url = sqlalchemy.engine.make_url(store.sqlalchemy_url)
    if other_url.get_backend_name() == "sqlite":
        if other_url.database in (None, "", ":memory:"):
            return _scratch_file()
        # Beside the logs' file, as for the embedded store: its writers stay its own.
        path = sqlite_file_for(Path(other_url.database), "projections")
        return _sqlite_file(f"sqlite:///{path}")
    engine = sqlalchemy.create_engine(
        other_url, pool_size=pool_size, max_overflow=overflow, pool_pre_ping=True
    )
    return ProjectionDatabase(engine, engine, schema)


def _sqlite_file(url: Any, *, scratch: Path | None = None) -> ProjectionDatabase:
    writer = sqlalchemy.create_engine(url, connect_args={"timeout": 30})
    reader = sqlalchemy.create_engine(url, connect_args={"timeout": 30})
    durable = scratch is None
    _sqlite_transactions(writer, immediate=True, durable=durable)
    _sqlite_transactions(reader, immediate=False, durable=durable)
    database = ProjectionDatabase(writer, reader, None, scratch)
    if scratch is not None:
        # A core that is never closed (a test's) still leaves no directory behind.
        weakref.finalize(database, shutil.rmtree, scratch, True)
    return database


def _scratch_file() -> ProjectionDatabase:
    directory = Path(tempfile.mkdtemp(prefix="spotlight-projections-"))
    return _sqlite_file(f"sqlite:///{directory / 'projections.db'}", scratch=directory)


def _sqlite_transactions(engine: Engine, *, immediate: bool, durable: bool = True) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions (the module's own
    beginning is deferred and late), and set the file's journal to WAL."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL" if durable else "PRAGMA synchronous=OFF")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
