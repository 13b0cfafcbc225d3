"""With ``--json``, every `spotlight` command that prints data prints one JSON document a
script can parse, on a store with a platform in it (tests/replay_scene.py): the checks, the
long jobs, the operator's actions and the commands that need no store. The progress bars of
the long jobs stay off stdout (and quiet, not being on a terminal)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from application.auth import Principal, Role
from entrypoints.bootstrap import bootstrap
from entrypoints.cli import main
from entrypoints.settings import Settings
from tests.replay_scene import Scene, set_scene


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    for name in ("SPOTLIGHT_STORE", "SPOTLIGHT_AUDIT_KEY", "SPOTLIGHT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    core = bootstrap(Settings.from_environ())
    try:
        core.accounts.sign_up("rita", "correct horse battery", Role.VIEWER)
        mia = Principal(Role.CREATOR, "mia")
        core.personal_data.record(
            mia, mia, name="Mia Park", contact="mia@example.org", date_of_birth=date(1999, 4, 5)
        )
        return set_scene(core)
    finally:
        core.close()


def printed(capsys: pytest.CaptureFixture[str], *words: str, status: int = 0) -> Any:
    assert main([*words, "--json"]) == status, capsys.readouterr()
    return json.loads(capsys.readouterr().out)


def test_the_checks_print_json(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = printed(capsys, "ledger-check")
    media = printed(capsys, "media-check")
    verified = printed(capsys, "audit", "verify")
    runs = printed(capsys, "audit", "runs")
    statuses = printed(capsys, "projections", "status")
    schema = printed(capsys, "projections", "schema")

    assert ledger["holds"] is True
    assert ledger["problems"] == []
    assert ledger["journal_entries"] > 0
    assert media["damaged"] == []
    assert verified["outcome"] == "ok"
    assert {log["log"] for log in verified["logs"]} >= {"catalogue", "revenue", "music"}
    assert [run["kind"] for run in runs["items"]] == ["verify"]
    assert all(status["failure"] is None for status in statuses)
    assert schema


def test_the_long_jobs_print_json(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    swept = printed(capsys, "sweep")
    recognised = printed(capsys, "recognise-products")
    usage = printed(capsys, "music-usage")
    notices = printed(capsys, "deliver-notices")
    paid = printed(capsys, "payouts-run", "--period", "2026-01")
    projection = printed(capsys, "projections", "status")[0]["name"]
    rebuilt = printed(capsys, "projections", "rebuild", projection)
    ticked = printed(capsys, "worker", "--once")
    replayed = printed(capsys, "audit", "replay", "--scratch", "memory")

    assert swept["sweeps_open"] == 0
    assert recognised["videos_scanned"] >= 0
    assert usage["scans_pending"] == 0
    assert set(notices) == {"delivered", "waiting"}
    assert all(payout["period"] == "2026-01" for payout in paid)
    assert rebuilt["name"] == projection
    assert rebuilt["generation"] >= 1
    assert set(ticked) == {"applied", "elsewhere", "failed"}
    assert replayed["holds"] is True, replayed


def test_the_operators_actions_print_json(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    assert scene.round_id is not None
    round_id = str(scene.round_id)
    closed = printed(capsys, "rounds", "close", round_id, "--reason", "for the recount")
    recount = printed(capsys, "recount", "--round", round_id)
    granted = printed(capsys, "accounts", "grant", "rita", "reviewer", "--reason", "trust team")
    snapshots = printed(capsys, "index", "snapshot")
    erased = printed(capsys, "erase-person", "--subject", "mia")

    assert closed["round_id"] == round_id
    assert recount["agrees"] is True
    assert recount["round_id"] == round_id
    assert granted["roles"] == ["viewer", "reviewer"]
    assert set(snapshots) == {"anchors", "music", "products"}
    assert erased == {"erased": {"role": "creator", "subject": "mia"}}


def test_the_commands_without_a_store_print_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    monkeypatch.delenv("SPOTLIGHT_AUDIT_KEY", raising=False)

    token = printed(capsys, "token", "--role", "creator", "--subject", "mia")
    key = printed(capsys, "audit", "public-key")
    config = printed(capsys, "config")

    assert (token["role"], token["subject"]) == ("creator", "mia")
    assert token["token"].count(".") == 2
    assert key["algorithm"] == "Ed25519"
    assert any(entry["name"] == "SPOTLIGHT_DATA_DIR" for entry in config["settings"])
