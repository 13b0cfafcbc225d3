"""The stores a program's integration tests run on, and the instances of the core started on
one of them during a test, as separate processes of the service would be."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from adapters.storage import parse_store
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock, SequentialIdentities


@attrs.frozen
class StoreUnderTest:
    name: str
    url: str
    shared: bool  # separate instances share one log (every store but memory)
    schema: str = ""  # on PostgreSQL, the schema of this test's own


#: The parameters of a ``store`` fixture: every kind of store the service runs on.
STORES = [
    pytest.param("memory"),
    pytest.param("sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("sqlalchemy-postgresql", marks=pytest.mark.postgres),
    pytest.param("sqlalchemy-sqlite"),
]


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def store_under_test(
    request: pytest.FixtureRequest, tmp_path: Path, purpose: str
) -> StoreUnderTest:
    """The store named by the fixture's parameter; on PostgreSQL, a schema of this test's
    own, so that the logs hold this test's story and nothing else."""
    name: str = request.param
    if name == "memory":
        return StoreUnderTest(name, "memory://", shared=False)
    if name == "sqlite":
        return StoreUnderTest(name, f"sqlite:///{tmp_path}/spotlight.db", shared=True)
    if name == "sqlalchemy-sqlite":
        return StoreUnderTest(name, f"sqlalchemy+sqlite:///{tmp_path}/spotlight.db", shared=True)
    # Fails on CI (and skips elsewhere) when the server is unreachable.
    postgres_url: str = request.getfixturevalue("postgres_url")
    schema_for: Callable[[str], str] = request.getfixturevalue("postgres_schema")
    schema = schema_for(f"{purpose}_{secrets.token_hex(4)}")
    if name == "postgresql":
        return StoreUnderTest(name, with_schema(postgres_url, schema), shared=True, schema=schema)
    _scheme, _, rest = postgres_url.partition("://")
    url = with_schema(f"sqlalchemy+postgresql+psycopg://{rest}", schema)
    return StoreUnderTest(name, url, shared=True, schema=schema)


class Deployment:
    """The instances of the core started on one store during a test, each with its own
    connections and its own series of ids, as separate processes would have."""

    def __init__(
        self, store: StoreUnderTest, data_dir: Path, *, secret: bytes, **wiring: Any
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.secret = secret
        self.wiring = wiring
        self.clock = FixedClock()
        self.running: list[Spotlight] = []
        self.series = secrets.randbits(48) << 8

    def start(self) -> Spotlight:
        if self.running and not self.store.shared:
            return self.running[0]
        self.series += 1
        core = bootstrap(
            Settings(store=parse_store(self.store.url), data_dir=self.data_dir, secret=self.secret),
            clock=self.clock,
            identities=SequentialIdentities(series=self.series),
            **self.wiring,
        )
        self.running.append(core)
        return core

    def fresh_start(self) -> Spotlight:
        """Stop every instance and start one that knows only what the store holds.

        The memory store dies with its applications, so there the program's services are
        built anew over the same logs (``rebuilt``): their read models start from zero all
        the same."""
        if self.store.shared:
            self.stop_all()
            return self.start()
        [core] = self.running
        return self.rebuilt(core, SequentialIdentities(series=self.series + 1))

    def rebuilt(self, core: Spotlight, identities: SequentialIdentities) -> Spotlight:
        raise NotImplementedError(f"{type(self).__name__} cannot restart on the memory store")

    def stop_all(self) -> None:
        while self.running:
            self.running.pop().close()
