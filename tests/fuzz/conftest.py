"""A live ``spotlight serve`` on a fresh SQLite data directory, its OpenAPI loaded by
schemathesis, and bearer tokens for the principals the fuzzing acts as."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from adapters.clock import SystemClock
from adapters.tokens import TokenSigner
from application.auth import Principal, Role
from entrypoints.settings import DEFAULT_RATE_LIMITS
from tests.conftest import FUZZ_REPORT
from tests.fuzz.tally import Tally
from tests.live_service import free_port, running_service

SECRET = "fuzz-secret-" + "x" * 20
SERVER_LOG = pytest.StashKey[Path]()
TALLY = pytest.StashKey[Tally]()


@pytest.fixture(scope="session")
def live_service(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("fuzz")
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(root / "data"),
        "SPOTLIGHT_SECRET": SECRET,
        # One client sends thousands of requests, many with bad tokens: every one of them must
        # reach its operation, not a 429 (the limits have tests of their own).
        "SPOTLIGHT_RATE_LIMITS": ",".join(f"{flow}=none" for flow in DEFAULT_RATE_LIMITS),
        # Reads are sent with Spotlight-After positions far past the logs' ends: each would
        # wait its whole bound (2 s) for them.
        "SPOTLIGHT_READ_WAIT_MS": "20",
    }
    environment.pop("SPOTLIGHT_STORE", None)
    log = root / "serve.log"
    request.config.stash[SERVER_LOG] = log
    with running_service(environment, free_port(), log) as base:
        yield base


@pytest.fixture(scope="session")
def live_schema(live_service: str) -> OpenApiSchema:
    return schemathesis.openapi.from_url(f"{live_service}/openapi.json")


@pytest.fixture(scope="session")
def tally(request: pytest.FixtureRequest) -> Tally:
    found = Tally()
    request.config.stash[TALLY] = found
    return found


@pytest.fixture(params=[Role.ADMIN, Role.CREATOR], ids=str)
def principal(request: pytest.FixtureRequest) -> Principal:
    role: Role = request.param
    return Principal(role, f"fuzz-{role.value}")


@pytest.fixture
def bearer(principal: Principal) -> dict[str, str]:
    token = TokenSigner(SECRET.encode(), SystemClock()).issue(
        principal, lifetime=timedelta(hours=2)
    )
    return {"Authorization": f"Bearer {token}"}


def report_of(config: pytest.Config) -> list[str]:
    """The "schema fuzzing" section's lines: the totals, the findings kept and, when a case
    failed, where the server's log is; none when this process fuzzed nothing."""
    found = config.stash.get(TALLY, None)
    if found is None:
        return []
    lines = found.summary()
    lines += [
        f"- [{finding.role}] {finding.operation}: {finding.kind} ({finding.status}) "
        f"{finding.title}\n    {finding.reproduction}"
        for finding in found.findings
    ]
    log = config.stash.get(SERVER_LOG, None)
    if log is not None and log.exists() and found.failures:
        lines.append(f"server log: {log}")
    return lines


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Under pytest-xdist the fuzzing runs in a worker: its section goes back to the
    # controller, which prints it (tests/conftest.py).
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[FUZZ_REPORT] = report_of(session.config)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = report_of(config)
    if lines and not hasattr(config, "workeroutput"):
        terminalreporter.section("schema fuzzing")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32 reads and renames `_nodeid`, which pytest 9.2 no longer has.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
