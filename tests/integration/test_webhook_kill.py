"""A `spotlight worker` killed with SIGKILL while a webhook is being sent loses nothing: the
attempt it was making is recorded nowhere, its hold on the delivery runs out, and the next
worker sends it again with the same ``webhook-id`` (at least once; the receiver drops the
duplicate by that id). On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.webhook_model import DeliveryState
from domain.inbox import InboxMessage
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.webhook_receiver import Receiver, receiving, webhook_settings

ANA = Principal(Role.CREATOR, "ana")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "webhook_kill")


@pytest.fixture
def settings(store: StoreUnderTest, tmp_path: Path) -> Settings:
    return webhook_settings(store.url, tmp_path)


@pytest.fixture
def core(settings: Settings) -> Iterator[Spotlight]:
    # The system's clock: the workers compare their holds on deliveries with it too.
    spotlight = bootstrap(settings)
    yield spotlight
    spotlight.close()


def start_worker(settings: Settings, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_STORE": settings.store.url,
        "SPOTLIGHT_SECRET": TEST_SECRET.decode(),
        "SPOTLIGHT_PROJECTIONS": "worker",
        "SPOTLIGHT_WEBHOOK_ALLOW_PRIVATE": "1",
        "SPOTLIGHT_WEBHOOK_TIMEOUT": "2",
        "SPOTLIGHT_WEBHOOK_LEASE": "3",
    }
    with (tmp_path / f"{name}.log").open("wb") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker", "--interval", "0.1"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait()


def test_a_worker_killed_mid_send_leaves_the_delivery_to_the_next_with_the_same_id(
    core: Spotlight, settings: Settings, tmp_path: Path
) -> None:
    receiver: Receiver
    with receiving() as receiver:
        made = core.webhooks.subscribe(ANA, receiver.url)
        receiver.secrets.append(made.secret)
        core._inbox.save(
            InboxMessage.deliver(
                recipient="ana", subject="hello", body="", key="k1", at=core.clock.now()
            )
        )
        receiver.released.clear()  # the receiver hangs: the worker is mid-send

        first = start_worker(settings, tmp_path, "first")
        try:
            assert receiver.arrived.wait(120), (tmp_path / "first.log").read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            stop(first)
        receiver.released.set()
        receiver.arrived.clear()

        subscription_id = UUID(made.subscription.subscription_id)
        (held,) = core.webhooks.deliveries(ANA, subscription_id).items
        # The attempt under way when it was killed is recorded nowhere.
        assert held.state is DeliveryState.PENDING
        assert held.attempts == 0

        second = start_worker(settings, tmp_path, "second")
        try:
            deadline = time.monotonic() + 120
            while True:
                (delivery,) = core.webhooks.deliveries(ANA, subscription_id).items
                if delivery.state is DeliveryState.DELIVERED:
                    break
                assert second.poll() is None, (tmp_path / "second.log").read_text()
                assert time.monotonic() < deadline, "the second worker never delivered it"
                time.sleep(0.05)
        finally:
            stop(second)

    assert receiver.ids() == [held.delivery_id, held.delivery_id]
    for received in receiver.received:
        assert received.verified
        headers = {
            "webhook-id": received.webhook_id,
            "webhook-timestamp": str(received.timestamp),
            "webhook-signature": received.signature,
        }
        assert receiver.verify_now(headers, received.body)
    assert delivery.attempts == 1
