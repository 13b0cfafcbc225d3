"""Service processes started one after another on one store and one data directory, as a
restart does: each with its own connections and its own series of ids, the matching
indexes' snapshots kept between them in the data directory."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from adapters.storage import parse_store
from entrypoints.bootstrap import Spotlight, bootstrap, index_directory
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest
from tests.fakes import FixedClock, SequentialIdentities


class Restarts:
    def __init__(self, store: StoreUnderTest, data_dir: Path) -> None:
        self.settings = Settings(
            store=parse_store(store.url), data_dir=data_dir, secret=TEST_SECRET
        )
        self.series = secrets.randbits(48) << 8
        self.running: list[Spotlight] = []

    def boot(self, **parts: Any) -> Spotlight:
        """A new process, with ``parts`` given to ``bootstrap`` (decoder, engines, ...)."""
        self.series += 1
        core = bootstrap(
            self.settings,
            clock=FixedClock(),
            identities=SequentialIdentities(series=self.series),
            **parts,
        )
        self.running.append(core)
        return core

    def directory(self, index: str) -> Path:
        """Where the snapshots of one matching index of this store are kept."""
        return index_directory(self.settings, index)

    def snapshots(self, index: str) -> list[Path]:
        return sorted(self.directory(index).glob("snapshot-*"))

    def close(self, core: Spotlight) -> None:
        """Stop a process that the test needs no more (a PostgreSQL server's connections
        are shared with every other test running)."""
        self.running.remove(core)
        core.close()

    def stop_all(self) -> None:
        while self.running:
            self.running.pop().close()
