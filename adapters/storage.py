"""Event store selection: one URL names the store; each application gets its own log in it.

memory://                                   in-process, lost on exit (tests, demos)
sqlite:///relative/file.db, sqlite:////abs  the embedded default; one file per application
                                            beside the named one (spotlight.catalogue.db)
postgresql://user[:pw]@host[:port]/db[?schema=name]
                                            eventsourcing's PostgreSQL recorder; tables
                                            are named after the application
sqlalchemy+<SQLAlchemy URL>[?schema=name]   eventsourcing-sqlalchemy on any SQLAlchemy URL,
                                            e.g. sqlalchemy+postgresql+psycopg://u@h/db

Every store records through the chained recorders of ``adapters.audit``: each event record
gets a hash-chain link in the same transaction (see ARCHITECTURE.md, "Tamper evidence").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

import attrs
from eventsourcing.application import Application


class StoreConfigurationError(Exception):
    """The configured store is malformed or cannot be reached; the message is one line."""


class StoreKind(StrEnum):
    MEMORY = "memory"
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    SQLALCHEMY = "sqlalchemy"


#: The infrastructure factory of each kind of store: the library's, with chained recorders.
FACTORIES = {
    StoreKind.MEMORY: "adapters.audit.popo:ChainedPOPOFactory",
    StoreKind.SQLITE: "adapters.audit.sqlite:ChainedSQLiteFactory",
    StoreKind.POSTGRESQL: "adapters.audit.postgres:ChainedPostgresFactory",
    StoreKind.SQLALCHEMY: "adapters.audit.sqlalchemy:ChainedSQLAlchemyFactory",
}


_Fail = Callable[[str], "StoreConfigurationError"]
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_PASSWORD = re.compile(r"(://[^/?#@:]*:)[^/?#]*@")


@attrs.frozen
class Store:
    """A parsed store URL that can produce the eventsourcing settings of each application."""

    setting: str
    url: str
    kind: StoreKind
    sqlite_path: Path | None = None
    postgres: dict[str, str] = attrs.field(factory=dict)
    sqlalchemy_url: str = ""
    schema: str = ""

    @property
    def redacted(self) -> str:
        return redacted_url(self.url)

    def pooled(self, size: int | None) -> Store:
        """This PostgreSQL store with ``size`` connections kept per event log and as many
        again at a peak (None, or another kind of store: unchanged)."""
        if size is None or self.kind is not StoreKind.POSTGRESQL:
            return self
        pool = {"POSTGRES_POOL_SIZE": str(size), "POSTGRES_MAX_OVERFLOW": str(size)}
        return attrs.evolve(self, postgres={**self.postgres, **pool})

    def env_for(self, application_name: str) -> dict[str, str]:
        """The environment handed to one eventsourcing Application."""
        if self.kind is StoreKind.MEMORY:
            return {"PERSISTENCE_MODULE": FACTORIES[StoreKind.MEMORY]}
        if self.kind is StoreKind.SQLITE:
            assert self.sqlite_path is not None
            return {
                "PERSISTENCE_MODULE": FACTORIES[StoreKind.SQLITE],
                "SQLITE_DBNAME": str(sqlite_file_for(self.sqlite_path, application_name)),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        if self.kind is StoreKind.POSTGRESQL:
            env = {"PERSISTENCE_MODULE": FACTORIES[StoreKind.POSTGRESQL], **self.postgres}
            if self.schema:
                env["POSTGRES_SCHEMA"] = self.schema
            return env
        env = {
            "PERSISTENCE_MODULE": FACTORIES[StoreKind.SQLALCHEMY],
            "SQLALCHEMY_URL": self.sqlalchemy_url,
        }
        if self.schema:
            env["SQLALCHEMY_SCHEMA"] = self.schema
        return env

    def prepare(self) -> None:
        """Create what the store needs (directories, schema) and prove it answers."""
        if self.kind is StoreKind.SQLITE:
            assert self.sqlite_path is not None
            _prepare_sqlite_directory(self.setting, self.sqlite_path)
        elif self.kind is StoreKind.POSTGRESQL:
            _prepare_postgres(self)
        elif self.kind is StoreKind.SQLALCHEMY:
            _prepare_sqlalchemy(self)


def redacted_url(url: str) -> str:
    """``url`` with its password, if it has one, shown as ***."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def sqlite_file_for(path: Path, application_name: str) -> Path:
    """The eventsourcing SQLite recorder names its table the same in every application,
    so each application's log lives in its own file next to the configured one."""
    return path.with_name(f"{path.stem}.{application_name}{path.suffix or '.db'}")


def parse_store(url: str, *, setting: str = "SPOTLIGHT_STORE") -> Store:
    url = url.strip()
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()

    shown = _PASSWORD.sub(r"\1***@", url)

    def fail(why: str) -> StoreConfigurationError:
        return StoreConfigurationError(f"{setting}={shown!r}: {why}")

    if not rest and scheme != "memory":
        raise fail(
            "expected memory://, sqlite:///file.db, postgresql://user@host:port/db "
            "or sqlalchemy+<SQLAlchemy URL>"
        )
    if scheme == "memory":
        return Store(setting=setting, url=url, kind=StoreKind.MEMORY)
    if scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise fail("a SQLite store names a file: sqlite:///relative.db or sqlite:////abs.db")
        return Store(setting=setting, url=url, kind=StoreKind.SQLITE, sqlite_path=Path(rest[1:]))
    if scheme in ("postgresql", "postgres"):
        return _parse_postgres(url, setting, fail)
    if scheme.startswith("sqlalchemy+"):
        inner = url[len("sqlalchemy+") :]
        inner_url, schema = _split_schema(inner, fail)
        return Store(
            setting=setting,
            url=url,
            kind=StoreKind.SQLALCHEMY,
            sqlalchemy_url=inner_url,
            schema=schema,
        )
    raise fail(f"unknown store scheme {scheme!r}")


def _split_schema(url: str, fail: _Fail) -> tuple[str, str]:
    """Take our own ?schema= parameter off a URL, leaving the rest exactly as written."""
    base, question, query_text = url.partition("?")
    if not question:
        return url, ""
    query = parse_qs(query_text, keep_blank_values=True)
    schema = query.pop("schema", [""])[-1]
    if schema and not _SCHEMA_NAME.match(schema):
        raise fail(f"schema {schema!r} is not a plain SQL identifier")
    rest = urlencode(query, doseq=True)
    return (f"{base}?{rest}" if rest else base), schema


def _parse_postgres(url: str, setting: str, fail: _Fail) -> Store:
    bare, schema = _split_schema(url, fail)
    parts = urlsplit(bare)
    dbname = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not dbname:
        raise fail("a PostgreSQL store needs a host and a database: postgresql://user@host/db")
    try:
        port = parts.port or 5432
    except ValueError:
        raise fail("the port is not a number") from None
    postgres = {
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }
    return Store(
        setting=setting, url=url, kind=StoreKind.POSTGRESQL, postgres=postgres, schema=schema
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _prepare_sqlite_directory(setting: str, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreConfigurationError(
            f"{setting}: cannot create the directory {path.parent}: {error.strerror}"
        ) from None
    probe = path.parent / f".{path.stem}.write-probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise StoreConfigurationError(
            f"{setting}: cannot write in {path.parent}: {error.strerror}"
        ) from None


def _prepare_postgres(store: Store) -> None:
    import psycopg
    from psycopg import sql

    from adapters.schema_changes import SCHEMA_CHANGES_WAIT, TAKE_TURN_FOR_SCHEMA_CHANGES

    pg = store.postgres
    try:
        with psycopg.connect(
            host=pg["POSTGRES_HOST"],
            port=int(pg["POSTGRES_PORT"]),
            dbname=pg["POSTGRES_DBNAME"],
            user=pg["POSTGRES_USER"],
            password=pg["POSTGRES_PASSWORD"] or None,
            connect_timeout=5,
            autocommit=True,
        ) as connection:
            if store.schema:
                # In turns: two processes creating the same missing schema at once fail one
                # of them on pg_namespace_nspname_index.
                connection.execute(SCHEMA_CHANGES_WAIT)
                with connection.transaction():
                    connection.execute(TAKE_TURN_FOR_SCHEMA_CHANGES)
                    connection.execute(
                        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                            sql.Identifier(store.schema)
                        )
                    )
    except psycopg.Error as error:
        raise StoreConfigurationError(
            f"{store.setting}={store.redacted}: PostgreSQL is not reachable: {_first_line(error)}"
        ) from None


def _prepare_sqlalchemy(store: Store) -> None:
    import sqlalchemy
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    from adapters.schema_changes import take_turn

    try:
        engine = sqlalchemy.create_engine(store.sqlalchemy_url)
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        raise StoreConfigurationError(
            f"{store.setting}={store.redacted}: not a usable SQLAlchemy URL: {_first_line(error)}"
        ) from None
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        _prepare_sqlite_directory(store.setting, Path(engine.url.database))
    try:
        with engine.begin() as connection:
            if store.schema:
                take_turn(connection)
                connection.execute(sqlalchemy.schema.CreateSchema(store.schema, if_not_exists=True))
    except SQLAlchemyError as error:
        raise StoreConfigurationError(
            f"{store.setting}={store.redacted}: the database is not reachable: {_first_line(error)}"
        ) from None
    finally:
        engine.dispose()


def close_application(application: Application[Any]) -> None:
    """Close an application and release its connections.

    eventsourcing-sqlalchemy's factory does not dispose of its engine on close, which would
    leave PostgreSQL connections open until garbage collection.
    """
    application.close()
    datastore = getattr(application.factory, "datastore", None)
    engine = getattr(datastore, "engine", None)
    dispose = getattr(engine, "dispose", None)
    if callable(dispose):
        dispose()
