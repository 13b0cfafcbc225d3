"""A store written before money had a bound holds a Pulse campaign funded with 2**63 cents
(as the outside tester's was): the auditor's commands report it as a finding with its
position and exit 1; nothing crashes. The service still starts, and its ledger answers a
problem document instead of a listing without the posting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from domain.money import Money
from domain.revenue.ledger import campaign_budget
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.audit.test_audit_cli import environment_for, spotlight
from tests.unbounded import bounds_lifted

ACME = Principal(Role.BRAND, "acme")
AUDITOR = Principal(Role.AUDITOR, "kpmg")
HUGE = 2**63


def launch(core: Spotlight, budget: int) -> UUID:
    now = core.clock.now()
    view = core.pulse.launch_campaign(
        ACME,
        name=f"Budget {budget}",
        category="cooking",
        budget=Money(budget, "USD"),
        cpm=Money(1_000, "USD"),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
    )
    campaign_id: UUID = view.id
    return campaign_id


@pytest.fixture
def old_store(tmp_path: Path) -> tuple[dict[str, str], UUID, int]:
    """(environment, the huge campaign, the position of its funding entry)."""
    environment = environment_for(tmp_path / "data")
    core = bootstrap(Settings.from_environ(environment))
    try:
        launch(core, 50_000)
        with bounds_lifted():
            huge = launch(core, HUGE)
        position = core._revenue.recorder.max_notification_id() or 0
        launch(core, 70_000)
    finally:
        core.close()
    # Campaign, entry, account opened, account posted: the entry is two before the last.
    return environment, huge, position - 2


def test_the_ledger_check_reports_an_amount_beyond_the_bound_with_its_position(
    old_store: tuple[dict[str, str], UUID, int],
) -> None:
    environment, huge, position = old_store

    checked = spotlight(environment, "ledger-check")

    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "Traceback" not in checked.stderr
    out = checked.stdout
    assert (
        f"at position {position} moves {HUGE:,} minor units to "
        f"{campaign_budget(huge, 'USD')}, beyond the bound of one amount" in out
    ), out
    assert "the ledger's read model lists no postings: the posting of entry" in out


def test_the_auditors_replay_reports_it_as_a_finding_not_a_crash(
    old_store: tuple[dict[str, str], UUID, int],
) -> None:
    environment, _huge, position = old_store

    replayed = spotlight(environment, "audit", "replay")

    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "Traceback" not in replayed.stderr
    out = replayed.stdout
    assert f"revenue log at position {position}: ledger: entry" in out, out
    assert "beyond the bound of one amount" in out
    assert "cannot be built" in out


def test_the_service_starts_and_its_ledger_answers_a_problem(
    old_store: tuple[dict[str, str], UUID, int],
) -> None:
    environment, huge, _position = old_store
    core = bootstrap(Settings.from_environ(environment))
    try:
        client = TestClient(create_app(core))
        token = core.tokens.issue(AUDITOR, lifetime=timedelta(hours=1))

        answer = client.get(
            f"/v1/ledgers/{campaign_budget(huge, 'USD')}",
            headers={"Authorization": f"Bearer {token}"},
        )

        assert answer.status_code == 500
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:spotlight:problem:ledger-unavailable"
    finally:
        core.close()
    printed = spotlight(environment, "ledger", "--account", "platform:brand-funds:USD")
    assert printed.returncode != 0
    assert "Traceback" not in printed.stderr
    assert "cannot be kept" in printed.stderr
