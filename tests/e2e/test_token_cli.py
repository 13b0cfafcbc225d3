"""`spotlight token` prints a token for a role and an account, for a bounded lifetime, and
refuses anything else with one line and exit status 2 instead of a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.cli import EXIT_USAGE, main


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)


def test_a_token_is_printed_for_a_day_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--role", "creator", "--subject", "fan-1"]) == 0

    assert capsys.readouterr().out.startswith("v1.")


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--hours", "1000000000"], "lifetime"),
        (["--hours", str(10**30)], "lifetime"),
        (["--hours", "0"], "--hours"),
        (["--hours", "-5"], "--hours"),
        (["--subject", "fan 1"], "subject"),
        (["--subject", "fan-1\r\nX-Admin: yes"], "subject"),
        (["--subject", "fan\u202e1"], "subject"),
    ],
)
def test_an_impossible_token_is_refused_with_a_reason(
    arguments: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["token", "--role", "creator", "--subject", "fan-1", *arguments])

    assert status == EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith("spotlight: error:")
    assert reason in error
