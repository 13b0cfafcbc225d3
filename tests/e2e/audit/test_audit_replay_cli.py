"""`spotlight audit replay` on real stores: an untouched SQLite data directory replays to the
same read models (exit 0); a snapshot altered in the database and a ballot forged into the
log are found (exit 1, naming the read model and key, or the log and position); a missing
store is bad input (exit 2); and the same replay runs on PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.domain import Snapshot

from domain.music.ballots import Ballot
from domain.revenue.ledger import LedgerAccount, campaign_budget
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.e2e.audit.test_audit_cli import environment_for, spotlight
from tests.replay_scene import Scene, set_scene


def populate(environment: dict[str, str]) -> Scene:
    core = bootstrap(Settings.from_environ(environment))
    try:
        return set_scene(core)
    finally:
        core.close()


@pytest.fixture
def operator(tmp_path: Path) -> tuple[dict[str, str], Scene]:
    environment = environment_for(tmp_path / "data")
    return environment, populate(environment)


def test_an_untouched_store_replays_to_the_same_read_models(
    operator: tuple[dict[str, str], Scene],
) -> None:
    environment, _scene = operator
    data = Path(environment["SPOTLIGHT_DATA_DIR"])
    before = sorted(p.name for p in data.iterdir())

    replayed = spotlight(environment, "audit", "replay")

    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    out = replayed.stdout
    assert out.splitlines()[-1].startswith("OK: ")
    assert "every invariant holds" in out
    for read_model in (
        "anchors review queue",
        "studio analytics (anchors per title)",
        "ledger balances and statements",
        "Pulse inventory",
        "shop search",
        "aggregates: LedgerAccount",
    ):
        assert read_model in out
    assert "catalogue" in out
    assert "events/s" in out
    # Not a terminal: plain progress lines, no carriage returns.
    assert "rebuilding every read model from zero" in replayed.stderr
    assert "\r" not in replayed.stderr
    # The audited store gained nothing: no scratch files, no secret.
    assert sorted(p.name for p in data.iterdir()) == before
    assert {
        "spotlight.catalogue.db",
        "spotlight.inbox.db",
        "spotlight.music.db",
        "spotlight.revenue.db",
    } <= set(before)
    assert "secret" not in before
    # The run's result is kept in the store's database, beside the read models.
    runs = spotlight(environment, "audit", "runs", "--kind", "replay")
    assert runs.stdout.startswith("run 1: replay MATCHES"), runs.stdout + runs.stderr


def test_an_altered_snapshot_and_a_forged_ballot_are_reported(
    operator: tuple[dict[str, str], Scene], tmp_path: Path
) -> None:
    environment, scene = operator
    assert scene.campaign_id is not None
    core = bootstrap(Settings.from_environ(environment))
    try:
        account: object = core._revenue.repository.get(
            LedgerAccount.id_for(campaign_budget(scene.campaign_id, "USD"))
        )
        assert isinstance(account, LedgerAccount)
        account.debits_posted -= 1  # a snapshot that says the budget holds one unit more
        assert core._revenue.snapshots is not None
        core._revenue.snapshots.put([Snapshot.take(account)])
        ballot = core._music.mapper.to_domain_event(
            core._music.recorder.select_notifications(start=1, limit=1, topics=[Ballot.Cast.TOPIC])[
                0
            ]
        )
        second = dataclasses.replace(ballot, originator_id=uuid4())  # type: ignore[type-var]
        core._music.recorder.insert_events([core._music.mapper.to_stored_event(second)])
        forged_at = core._music.recorder.max_notification_id()
    finally:
        core.close()
    scratch = tmp_path / "scratch"

    replayed = spotlight(environment, "audit", "replay", "--scratch", str(scratch))

    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    out = replayed.stdout
    assert f"aggregates: LedgerAccount [{account.id}]: live " in out
    assert f"music log at position {forged_at}: one-ballot-per-voter" in out
    assert out.splitlines()[-1].startswith("DIFFERS: 1 differences, 2 invariant violations")
    assert list(scratch.iterdir()) == []  # the scratch store was removed with the cores


def test_a_missing_or_unusable_store_is_bad_input(tmp_path: Path) -> None:
    environment = environment_for(tmp_path / "nothing-here")

    missing = spotlight(environment, "audit", "replay")
    in_memory = spotlight(environment, "audit", "replay", "--store", "memory://")

    assert missing.returncode == 2
    assert missing.stderr.startswith("spotlight: error: ")
    assert "does not exist" in missing.stderr
    assert not (tmp_path / "nothing-here").exists()
    assert in_memory.returncode == 2
    assert "memory store" in in_memory.stderr


def test_replay_on_postgresql(
    postgres_url: str, postgres_schema: Callable[[str], str], tmp_path: Path
) -> None:
    store = f"{postgres_url}?schema={postgres_schema('audit_replay')}"
    environment = environment_for(tmp_path / "data", SPOTLIGHT_STORE=store)
    populate(environment)

    replayed = spotlight(environment, "audit", "replay")

    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "replaying the postgresql store" in replayed.stderr
    assert replayed.stdout.splitlines()[-1].startswith("OK: ")


def test_replay_on_an_sqlalchemy_store(tmp_path: Path) -> None:
    store = f"sqlalchemy+sqlite:///{tmp_path / 'data' / 'through-sqlalchemy.db'}"
    environment = environment_for(tmp_path / "data", SPOTLIGHT_STORE=store)
    populate(environment)

    replayed = spotlight(environment, "audit", "replay")

    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert replayed.stdout.splitlines()[-1].startswith("OK: ")
