"""A store written by an earlier version of the core still loads, replays and verifies.

The store under ``tests/fixtures/store-2026-12`` was written once by
``python -m tests.fixtures.make_legacy_store`` and is never rewritten: it holds an event of
every event class the domain defined then, a checkpoint signed then, and a manifest of what it
held. Whatever moves or renames a class later, every stored topic must still resolve to a class
with the same topic, every aggregate must load, and the auditor's tools must agree.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.audit.test_audit_cli import environment_for, spotlight
from tests.fixtures.legacy_events import LOGS, NOT_IN_THE_STORE, topics_of_every_event_class

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-2026-12"
ADMIN = Principal(Role.ADMIN, "ops")


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURE / "manifest.json").read_text())
    return document


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy: the committed store is never opened for writing."""
    copy = tmp_path / "data"
    shutil.copytree(FIXTURE / "data", copy)
    return copy


@pytest.fixture
def core(data_dir: Path) -> Iterator[Spotlight]:
    running = bootstrap(Settings.from_environ(environment_for(data_dir)))
    yield running
    running.close()


def recorded_events(application: Application[UUID]) -> Iterator[tuple[UUID, str]]:
    """Each stored event as (aggregate, topic of the class it now resolves to)."""
    for notification in application.recorder.select_notifications(start=None, limit=1_000_000):
        event = application.mapper.to_domain_event(notification)
        assert get_topic(type(event)) == notification.topic, notification.topic
        yield event.originator_id, notification.topic


def test_the_store_holds_an_event_of_every_event_class_the_domain_defines(
    manifest: dict[str, Any],
) -> None:
    unrecorded = topics_of_every_event_class() - set(manifest["topics"])

    assert not unrecorded, (
        "event classes with no event in the legacy store: write a newer fixture with "
        "tests/fixtures/make_legacy_store.py, or list them with a reason in NOT_IN_THE_STORE: "
        + ", ".join(sorted(unrecorded))
    )
    assert set(NOT_IN_THE_STORE).isdisjoint(manifest["topics"])


def test_every_stored_event_resolves_and_every_aggregate_loads(
    core: Spotlight, manifest: dict[str, Any]
) -> None:
    topics: Counter[str] = Counter()
    heads: dict[str, int] = {}
    for name in LOGS:
        application: Application[UUID] = getattr(core, f"_{name}")
        aggregates: dict[UUID, int] = Counter()
        for originator_id, topic in recorded_events(application):
            topics[topic] += 1
            aggregates[originator_id] += 1
        for originator_id, events in aggregates.items():
            aggregate: Aggregate = application.repository.get(originator_id)
            assert aggregate.version == events, (name, originator_id)
        heads[name] = application.recorder.max_notification_id() or 0

    assert dict(topics) == manifest["topics"]
    assert heads == manifest["heads"]


def test_the_auditor_verifies_the_signed_checkpoint_and_replays_every_read_model(
    data_dir: Path,
) -> None:
    environment = environment_for(data_dir)
    public_key = (FIXTURE / "public-key").read_text().strip()

    verified = spotlight(
        environment,
        "audit",
        "verify",
        "--checkpoint",
        str(FIXTURE / "checkpoint.json"),
        "--public-key",
        public_key,
    )
    replayed = spotlight(environment, "audit", "replay")

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1].startswith("OK: 4 logs verify")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "every invariant holds" in replayed.stdout


def test_a_title_a_ledger_account_and_a_round_read_as_they_were_written(
    core: Spotlight, manifest: dict[str, Any]
) -> None:
    client = TestClient(create_app(core))
    token = core.tokens.issue(ADMIN, lifetime=timedelta(minutes=5))
    headers = {"Authorization": f"Bearer {token}"}
    revenue = manifest["revenue"]
    music = manifest["music"]

    title = client.get(f"/v1/titles/{manifest['anchors']['title']}", headers=headers)
    account = client.get(f"/v1/ledgers/{revenue['account']}", headers=headers)
    results = client.get(f"/v1/rounds/{music['round']}/results", headers=headers)

    assert title.status_code == 200, title.text
    assert title.json()["name"] == manifest["anchors"]["title_name"]
    assert account.status_code == 200, account.text
    assert account.json()["balance"] == {"minor": revenue["balance_minor"], "currency": "USD"}
    assert results.status_code == 200, results.text
    assert [s["track_id"] for s in results.json()["standings"]] == music["standings"]
    assert results.json()["advancing"] == music["advancing"]
