"""Throw-away event stores: every repetition writes into a store nobody has used before.

A fresh store keeps repetitions independent (no table grows from one to the next) and
keeps the project's and the baseline's tables apart.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import psycopg
from psycopg import sql

from adapters.storage import Store, StoreKind, parse_store

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


class SandboxUnavailable(Exception):
    """The store cannot be used on this machine; the message says why in one line."""


class Sandbox(Protocol):
    name: str
    scratch: Path

    def fresh(self) -> Store:
        """A store that has never been written to."""
        ...

    def close(self) -> None:
        """Remove everything the sandbox created."""
        ...


class SqliteSandbox:
    name = "sqlite"

    def __init__(self) -> None:
        self._root = tempfile.TemporaryDirectory(prefix="spotlight-bench-")
        self.scratch = Path(self._root.name)
        self._made = 0

    def fresh(self) -> Store:
        self._made += 1
        directory = self.scratch / f"store{self._made}"
        return parse_store(f"sqlite:///{directory / 'spotlight.db'}", setting="bench")

    def close(self) -> None:
        self._root.cleanup()


class PostgresSandbox:
    name = "postgres"

    def __init__(self, url: str) -> None:
        self._base = parse_store(url, setting="--postgres-url")
        if self._base.kind is not StoreKind.POSTGRESQL or self._base.schema:
            raise SandboxUnavailable(f"{url!r} is not a postgresql:// URL without ?schema=")
        self._root = tempfile.TemporaryDirectory(prefix="spotlight-bench-")
        self.scratch = Path(self._root.name)
        self._schemas: list[str] = []
        self.server_version = self._probe()

    def fresh(self) -> Store:
        schema = f"bench_{secrets.token_hex(6)}"
        # Recorded before anything creates it, so close() drops it even after a failure.
        self._schemas.append(schema)
        return parse_store(f"{self._base.url}?schema={schema}", setting="bench")

    def close(self) -> None:
        try:
            with self._connect() as connection:
                for schema in self._schemas:
                    connection.execute(
                        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                    )
            self._schemas.clear()
        finally:
            self._root.cleanup()

    def _probe(self) -> str:
        try:
            with self._connect() as connection:
                row = connection.execute("SHOW server_version").fetchone()
        except psycopg.Error as error:
            self._root.cleanup()
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            raise SandboxUnavailable(f"PostgreSQL at {self._base.redacted}: {reason}") from None
        return str(row[0]) if row else "unknown"

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        pg = self._base.postgres
        return psycopg.connect(
            host=pg["POSTGRES_HOST"],
            port=int(pg["POSTGRES_PORT"]),
            dbname=pg["POSTGRES_DBNAME"],
            user=pg["POSTGRES_USER"],
            password=pg["POSTGRES_PASSWORD"] or None,
            connect_timeout=5,
            autocommit=True,
        )


def each_sandbox(
    stores: Sequence[str], postgres_url: str, skipped: Callable[[str], None]
) -> Iterator[Sandbox]:
    """A sandbox of each store named (``postgres`` or ``sqlite``), closed after its turn; one
    that cannot be used is skipped, with a line for ``skipped``."""
    for name in stores:
        try:
            sandbox: Sandbox = (
                PostgresSandbox(postgres_url) if name == "postgres" else SqliteSandbox()
            )
        except SandboxUnavailable as error:
            skipped(f"{name}: skipped: {error}")
            continue
        try:
            yield sandbox
        finally:
            sandbox.close()
