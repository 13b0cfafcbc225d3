"""`spotlight config`: an operator sees every setting, its value and where it came from,
and never a secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entrypoints.cli import main
from entrypoints.settings import Settings
from entrypoints.settings_declared import DeclaredSettings

A_SECRET = "a-secret-of-twenty-bytes"
A_TOKEN = "scrape-token-of-twenty"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for variable in ("CONFIG", "STORE", "SECRET", "DATA_DIR", "PROJECTIONS", "AUDIT_KEY"):
        monkeypatch.delenv(f"SPOTLIGHT_{variable}", raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def config(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["config", "--json"]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in document["settings"]}


def test_every_declared_setting_is_listed_with_its_default(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = by_name(config(capsys))

    assert set(listed) == {f"SPOTLIGHT_{name.upper()}" for name in DeclaredSettings.model_fields}
    assert listed["SPOTLIGHT_DATA_DIR"] == {
        "name": "SPOTLIGHT_DATA_DIR",
        "value": str(tmp_path / "data"),
        "source": "default",
        "description": DeclaredSettings.model_fields["data_dir"].description,
    }
    assert listed["SPOTLIGHT_STORE"]["value"] == f"sqlite:///{tmp_path / 'data' / 'spotlight.db'}"
    assert listed["SPOTLIGHT_MAX_UPLOAD_MB"]["value"] == "200"
    assert listed["SPOTLIGHT_WEBHOOK_LEASE"]["value"] == "60"
    assert listed["SPOTLIGHT_SECRET"]["value"] is None


def test_the_environment_wins_over_the_file_which_wins_over_the_default(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "spotlight.toml"
    file.write_text(
        'pulse_regions = ["fr", "de"]\nmax_json_kb = 64\nwebhook_allow_private = true\n'
        'projections = "worker"\n'
    )
    clean_environment.setenv("SPOTLIGHT_CONFIG", str(file))
    clean_environment.setenv("SPOTLIGHT_PROJECTIONS", "inline")

    document = config(capsys)
    listed = by_name(document)

    assert document["file"] == str(file)
    assert (
        listed["SPOTLIGHT_PULSE_REGIONS"]["value"],
        listed["SPOTLIGHT_PULSE_REGIONS"]["source"],
    ) == ("FR,DE", "file")
    assert listed["SPOTLIGHT_MAX_JSON_KB"]["source"] == "file"
    assert listed["SPOTLIGHT_WEBHOOK_ALLOW_PRIVATE"]["value"] == "1"
    assert (
        listed["SPOTLIGHT_PROJECTIONS"]["value"],
        listed["SPOTLIGHT_PROJECTIONS"]["source"],
    ) == ("inline", "environment")
    assert listed["SPOTLIGHT_CLICK_WINDOW"]["source"] == "default"
    settings = Settings.from_environ()
    assert (settings.pulse_regions, settings.max_json_bytes) == (("FR", "DE"), 64 * 1024)
    assert (settings.webhook_allow_private, settings.projections) == (True, "inline")


def test_secrets_and_passwords_are_never_shown(
    clean_environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_environment.setenv("SPOTLIGHT_SECRET", A_SECRET)
    clean_environment.setenv("SPOTLIGHT_METRICS_TOKEN", A_TOKEN)
    clean_environment.setenv("SPOTLIGHT_STORE", "postgresql://spotlight:hunter2@db.internal/core")
    clean_environment.setenv("SPOTLIGHT_RATE_LIMIT_STORAGE", "redis://:hunter3@cache:6379/0")

    assert main(["config"]) == 0
    table = capsys.readouterr().out
    listed = by_name(config(capsys))

    for shown in (table, json.dumps(listed)):
        assert A_SECRET not in shown
        assert A_TOKEN not in shown
        assert "hunter2" not in shown
        assert "hunter3" not in shown
    assert listed["SPOTLIGHT_SECRET"] == {
        **listed["SPOTLIGHT_SECRET"],
        "value": "***",
        "source": "environment",
    }
    assert listed["SPOTLIGHT_STORE"]["value"] == "postgresql://spotlight:***@db.internal/core"
    assert any(
        line.split() == ["SPOTLIGHT_SECRET", "environment", "***"] for line in table.splitlines()
    )


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("SPOTLIGHT_MAX_JSON_KB", "lots", "SPOTLIGHT_MAX_JSON_KB='lots' is not a number"),
        ("SPOTLIGHT_CONFIG", "nowhere.toml", "SPOTLIGHT_CONFIG='nowhere.toml': no such file"),
    ],
)
def test_a_bad_setting_is_one_line_and_a_non_zero_exit(
    clean_environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    complaint: str,
) -> None:
    clean_environment.setenv(variable, value)

    assert main(["config"]) == 2
    assert capsys.readouterr().err == f"spotlight: error: {complaint}\n"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("colour = 'blue'\n", "unknown settings colour"),
        ("max_json_kb = \n", "not TOML"),
        ("pulse_regions = ['USA']\n", "SPOTLIGHT_PULSE_REGIONS='USA' must list two-letter"),
    ],
)
def test_a_bad_settings_file_is_refused_naming_it(
    clean_environment: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    complaint: str,
) -> None:
    (tmp_path / "spotlight.toml").write_text(text)
    clean_environment.setenv("SPOTLIGHT_CONFIG", "spotlight.toml")

    assert main(["config", "--json"]) == 2
    error = capsys.readouterr().err
    assert complaint in error
    assert error.count("\n") == 1


def test_the_data_directory_is_the_same_wherever_a_command_runs_from(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment.setenv("SPOTLIGHT_DATA_DIR", "spotlight-data")
    settings = Settings.from_environ()
    (tmp_path / "elsewhere").mkdir()
    clean_environment.chdir(tmp_path / "elsewhere")

    assert settings.data_dir == tmp_path / "spotlight-data"
    assert settings.store.sqlite_path == tmp_path / "spotlight-data" / "spotlight.db"
    assert settings.index_root == tmp_path / "spotlight-data" / "indexes"


def test_the_postgresql_pool_of_each_event_log_can_be_set(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("SPOTLIGHT_STORE", "postgresql://spotlight@db.internal/core")
    assert "POSTGRES_POOL_SIZE" not in Settings.from_environ().store.env_for("catalogue")

    clean_environment.setenv("SPOTLIGHT_STORE_POOL", "2")
    settings = Settings.from_environ()

    for store in (settings.store, settings.with_store("postgresql://other@db.internal/core").store):
        env = store.env_for("catalogue")
        assert (env["POSTGRES_POOL_SIZE"], env["POSTGRES_MAX_OVERFLOW"]) == ("2", "2")
