"""Every `spotlight audit verify` and `replay` keeps its result in the store's database:
`spotlight audit runs` prints it, `GET /v1/audit/runs` answers it (auditors and admins), and
bad input keeps nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from application.audit.audit_runs import AuditRun, LogPosition, RunKind, RunOutcome
from application.auth import Principal, Role
from application.paging import KeysetCursors
from domain.errors import InvalidValue
from entrypoints.bootstrap import Spotlight
from tests.e2e.audit.test_audit_cli import operator, spotlight  # noqa: F401 - a fixture

Headers = dict[str, str]
AUDITOR = Principal(Role.AUDITOR, "ann")


def test_a_verify_run_is_kept_and_printed_with_its_positions_and_outcome(
    operator: dict[str, str],  # noqa: F811
) -> None:
    before = spotlight(operator, "audit", "runs")
    verified = spotlight(operator, "audit", "verify", "--by", "ann the auditor")

    runs = spotlight(operator, "audit", "runs")

    assert before.returncode == 0, before.stderr
    assert "no audit run yet" in before.stdout
    assert verified.returncode == 0, verified.stderr
    assert "kept as audit run 1: intact" in verified.stderr
    assert runs.returncode == 0, runs.stderr
    lines = runs.stdout.splitlines()
    assert lines[0].startswith("run 1: verify INTACT")
    assert "by ann the auditor" in lines[0]
    assert lines[1] == "  covered: catalogue 6, music 1, revenue 0, inbox 0"
    assert "first failure" not in runs.stdout


def test_a_tampered_store_keeps_its_first_finding_and_the_newest_run_comes_first(
    operator: dict[str, str],  # noqa: F811
) -> None:
    assert spotlight(operator, "audit", "verify").returncode == 0
    catalogue = Path(operator["SPOTLIGHT_DATA_DIR"]) / "spotlight.catalogue.db"
    with sqlite3.connect(catalogue) as connection:
        connection.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'Dune 1', "
            "'Dune 7') AS BLOB) WHERE rowid = 3"
        )
    assert spotlight(operator, "audit", "verify").returncode == 1

    runs = spotlight(operator, "audit", "runs", "--kind", "verify", "--limit", "1")

    assert runs.returncode == 0, runs.stderr
    assert runs.stdout.startswith("run 2: verify TAMPERED")
    assert "first failure: catalogue position 3: altered" in runs.stdout
    assert "run 1" not in runs.stdout
    # Who ran it by default: the system's user and host, and the command.
    assert "(spotlight audit verify)" in runs.stdout


def test_bad_input_keeps_no_run_and_a_bad_limit_is_refused(
    operator: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    refused = spotlight(operator, "audit", "verify", "--checkpoint", str(tmp_path / "none"))
    bad_limit = spotlight(operator, "audit", "runs", "--limit", "0")
    no_store = spotlight(operator, "audit", "runs", "--store", f"sqlite:///{tmp_path}/x.db")

    assert refused.returncode == 2
    assert "no audit run yet" in spotlight(operator, "audit", "runs").stdout
    assert bad_limit.returncode == 2
    assert "--limit" in bad_limit.stderr
    assert no_store.returncode == 2
    assert "does not exist" in no_store.stderr
    assert not (tmp_path / "x.projections.db").exists()


def a_run(number: int, outcome: RunOutcome, failure: str | None = None) -> AuditRun:
    at = datetime(2026, 12, 7, 12, tzinfo=UTC) + timedelta(minutes=number)
    return AuditRun(
        kind=RunKind.REPLAY
        if outcome in (RunOutcome.MATCHES, RunOutcome.DIFFERS)
        else RunKind.VERIFY,
        started_at=at,
        finished_at=at + timedelta(seconds=30),
        ran_by="nightly job",
        positions=(LogPosition("catalogue", 10 * number), LogPosition("music", number)),
        outcome=outcome,
        summary=f"run {number}",
        first_failure=failure,
    )


def test_the_runs_are_answered_newest_first_a_page_at_a_time_to_auditors_only(
    client: TestClient, core: Spotlight, auth: Callable[[str, str], Headers]
) -> None:
    core.audit_runs.record(a_run(1, RunOutcome.INTACT))
    core.audit_runs.record(a_run(2, RunOutcome.DIFFERS, "shop search [x]: live 1; replayed 2"))
    core.audit_runs.record(a_run(3, RunOutcome.TAMPERED, "catalogue position 3: altered"))

    first = client.get("/v1/audit/runs", params={"limit": 2}, headers=auth("auditor", "ann"))
    rest = client.get(
        "/v1/audit/runs",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=auth("auditor", "ann"),
    )
    replays = client.get("/v1/audit/runs", params={"kind": "replay"}, headers=auth("admin", "al"))
    creator = client.get("/v1/audit/runs", headers=auth("creator", "fan-1"))
    unknown = client.get("/v1/audit/runs", params={"kind": "guess"}, headers=auth("admin", "al"))

    assert first.status_code == 200, first.text
    assert [run["number"] for run in first.json()["items"]] == [3, 2]
    newest = first.json()["items"][0]
    assert newest["kind"] == "verify"
    assert newest["outcome"] == "tampered"
    assert newest["passed"] is False
    assert newest["first_failure"] == "catalogue position 3: altered"
    assert newest["positions"] == [
        {"log": "catalogue", "position": 30},
        {"log": "music", "position": 3},
    ]
    assert newest["ran_by"] == "nightly job"
    assert [run["number"] for run in rest.json()["items"]] == [1]
    assert rest.json()["next_cursor"] is None
    assert rest.json()["items"][0]["passed"] is True
    assert [run["number"] for run in replays.json()["items"]] == [2]
    assert creator.status_code == 403
    assert unknown.status_code == 422


def test_the_last_run_of_each_kind_and_a_foreign_cursor_is_refused(core: Spotlight) -> None:
    core.audit_runs.record(a_run(1, RunOutcome.MATCHES))
    core.audit_runs.record(a_run(2, RunOutcome.INTACT))
    core.audit_runs.record(a_run(3, RunOutcome.FORGED_CHECKPOINT, "a forged checkpoint"))

    latest = core.audit_runs.latest(AUDITOR)

    assert latest[RunKind.VERIFY].number == 3
    assert latest[RunKind.REPLAY].number == 1
    assert latest[RunKind.REPLAY].passed
    with pytest.raises(InvalidValue):
        core.audit_runs.page(AUDITOR, cursor=KeysetCursors("other", int).encode((5,)))
