"""A `spotlight worker` killed with SIGKILL in the middle of catching the ledger up loses
nothing and counts nothing twice: the next catch-up goes on from the last batch committed,
and the ledger then says exactly what a ledger rebuilt from the log alone says.

On a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.storage import parse_store
from application.log_follower import LogFollower
from application.revenue.ledger_read_model import LedgerReadModel
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    PLATFORM_REVENUE,
    JournalEntry,
    credit,
    debit,
    platform,
)
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import FixedClock, SequentialIdentities

LEDGER = "ledger balances and statements"
#: Enough entries that the worker is still catching up when it is killed (it applies a page
#: of 1,000 per transaction).
ENTRIES = 40_000


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "kill")


@pytest.fixture
def settings(store: StoreUnderTest, tmp_path: Path) -> Settings:
    return Settings(store=parse_store(store.url), data_dir=tmp_path, secret=TEST_SECRET)


@pytest.fixture
def core(settings: Settings) -> Iterator[Spotlight]:
    spotlight = bootstrap(settings, clock=FixedClock(), identities=SequentialIdentities())
    yield spotlight
    spotlight.close()


def record_fees(core: Spotlight, entries: int) -> None:
    """Brand funds moved to the platform's revenue, one balanced entry at a time."""
    funds = platform(PLATFORM_BRAND_FUNDS, "USD")
    revenue = platform(PLATFORM_REVENUE, "USD")
    at = core.clock.now()
    for first in range(0, entries, 2_000):
        core._revenue.save(
            *(
                JournalEntry.record(
                    cause=f"fee:{index}",
                    kind="fee",
                    postings=[
                        debit(funds, Money(100 + index % 7, "USD")),
                        credit(revenue, Money(100 + index % 7, "USD")),
                    ],
                    at=at,
                )
                for index in range(first, min(first + 2_000, entries))
            )
        )


def ledger_position(core: Spotlight) -> int:
    generation = core.projections.active(LEDGER)
    return core.projection_store.positions(LEDGER, generation).get("revenue", 0)


def test_a_worker_killed_mid_catch_up_loses_nothing_and_counts_nothing_twice(
    core: Spotlight, settings: Settings, tmp_path: Path
) -> None:
    record_fees(core, ENTRIES)
    end = core._revenue.recorder.max_notification_id() or 0
    assert ledger_position(core) == 0

    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_STORE": settings.store.url,
        "SPOTLIGHT_SECRET": TEST_SECRET.decode(),
        "SPOTLIGHT_PROJECTIONS": "worker",
    }
    with (tmp_path / "worker.log").open("wb") as errors:
        worker = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker", "--interval", "0.1"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        deadline = time.monotonic() + 120
        while ledger_position(core) == 0:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker never committed a batch"
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    killed_at = ledger_position(core)
    # Killed mid-way: some batches committed, not all (else the test proves nothing).
    assert 0 < killed_at < end

    core.projections.catch_up(LEDGER)

    reference = LedgerReadModel()
    LogFollower(core._revenue, reference.handlers).catch_up()
    persisted = core.read_models[LEDGER].export({})
    assert persisted == reference.export()
    assert persisted["journal"] == (ENTRIES, reference.debits, reference.credits)
    assert reference.debits == reference.credits == sum(100 + i % 7 for i in range(ENTRIES))
