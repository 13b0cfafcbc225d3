"""Fixtures shared by the unit and integration tests: fakes for the ports, a core on the
in-memory store, and one throw-away PostgreSQL schema per test session."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from adapters.storage import parse_store, redacted_url
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import FixedClock, SequentialIdentities

TEST_SECRET = b"a-secret-only-the-tests-know"

# The library's PostgreSQL recorder opens POSTGRES_POOL_SIZE connections per log as soon as
# the log opens (5 by default: about 25 a core with its projections'). A test may hold a few
# cores at once (a restart, a CLI command beside its own), in each of ./dev test's workers:
# one a log at start (the overflow still opens more at a peak) keeps them all well under a
# fresh server's max_connections (100). CLI and server subprocesses inherit it.
os.environ.setdefault("POSTGRES_POOL_SIZE", "1")
DEFAULT_TEST_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


#: The key of the lines of the "schema fuzzing" section a pytest-xdist worker sends back
#: (tests/fuzz/conftest.py makes them where the fuzzing ran).
FUZZ_REPORT = "schema_fuzzing"
_FUZZ_LINES = pytest.StashKey[list[str]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: keep the section a worker fuzzed (``node`` is xdist's WorkerController)
    for the end of the run."""
    lines = getattr(node, "workeroutput", {}).get(FUZZ_REPORT)
    if lines:
        node.config.stash.setdefault(_FUZZ_LINES, []).extend(lines)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(_FUZZ_LINES, [])
    if lines:
        terminalreporter.section("schema fuzzing")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def identities() -> SequentialIdentities:
    return SequentialIdentities()


@pytest.fixture
def core(
    tmp_path: Path, clock: FixedClock, identities: SequentialIdentities
) -> Iterator[Spotlight]:
    """The whole core wired by the composition root, on the in-memory event store."""
    settings = Settings(store=parse_store("memory://"), data_dir=tmp_path, secret=TEST_SECRET)
    spotlight = bootstrap(settings, clock=clock, identities=identities)
    yield spotlight
    spotlight.close()


@contextmanager
def fresh_core(clock: FixedClock | None = None) -> Iterator[Spotlight]:
    """A core like the ``core`` fixture, for tests that need one per hypothesis example."""
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            store=parse_store("memory://"), data_dir=Path(directory), secret=TEST_SECRET
        )
        spotlight = bootstrap(
            settings, clock=clock or FixedClock(), identities=SequentialIdentities()
        )
        try:
            yield spotlight
        finally:
            spotlight.close()


@pytest.fixture
def catalogue(core: Spotlight) -> CatalogueDriver:
    return CatalogueDriver(core)


# PostgreSQL ---------------------------------------------------------------------------------


def postgres_is_required(environ: Mapping[str, str] = os.environ) -> bool:
    """On CI (or when asked to) a missing database is a failure, not a reason to skip."""
    return environ.get("CI", "").lower() == "true" or environ.get(
        "SPOTLIGHT_REQUIRE_POSTGRES", ""
    ) in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server named by SPOTLIGHT_TEST_POSTGRES, proven reachable.

    Unreachable: the test fails on CI (CI=true or SPOTLIGHT_REQUIRE_POSTGRES=1) and is
    skipped elsewhere, both with a message that says what to do.
    """
    url = os.environ.get("SPOTLIGHT_TEST_POSTGRES") or DEFAULT_TEST_POSTGRES
    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        message = (
            f"PostgreSQL at {redacted_url(url)} is not reachable ({reason}). Start it, or point "
            "SPOTLIGHT_TEST_POSTGRES at a server you may create schemas on."
        )
        if postgres_is_required():
            pytest.fail(
                message + " It is required here (CI / SPOTLIGHT_REQUIRE_POSTGRES).", pytrace=False
            )
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def postgres_schema(postgres_url: str) -> Iterator[Callable[[str], str]]:
    """Names schemas of this session: test_<random hex>_<purpose>, all dropped at the end.

    The schema itself is created by the code under test, from the ?schema= parameter of
    the store URL, so that part of the adapter is exercised too.
    """
    session = secrets.token_hex(6)
    named: list[str] = []

    def schema_for(purpose: str) -> str:
        name = f"test_{session}_{purpose}"
        if name not in named:
            named.append(name)
        return name

    yield schema_for

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        for name in named:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
            )
