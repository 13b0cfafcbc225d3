"""`spotlight accounts`: an operator grants and revokes roles and records verified identities
on built-in accounts; what cannot be done is refused with one line and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.auth import Role
from entrypoints.bootstrap import bootstrap
from entrypoints.cli import EXIT_USAGE, main
from entrypoints.settings import Settings


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    core = bootstrap(Settings.from_environ())
    core.accounts.sign_up("rita", "correct horse battery", Role.VIEWER)
    core.close()


def test_an_operator_grants_verifies_and_revokes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accounts", "grant", "rita", "reviewer", "--reason", "trust team"]) == 0
    assert capsys.readouterr().out == "rita: roles viewer, reviewer\n"
    verified = ["accounts", "verify", "rita", "artist-badge", "Rita Lee", "--reason", "id seen"]
    assert main(verified) == 0
    assert "verified artist-badge: Rita Lee" in capsys.readouterr().out
    assert main(["accounts", "revoke", "rita", "reviewer", "--reason", "left"]) == 0
    assert main(["accounts", "show", "rita"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "rita: roles viewer",
        "  verified artist-badge: Rita Lee",
    ]


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["grant", "nobody", "admin", "--reason", "x"], "no account with id nobody"),
        (["grant", "rita", "viewer", "--reason", "x"], "holds the viewer role already"),
        (["revoke", "rita", "admin", "--reason", "x"], "does not hold the admin role"),
        (["grant", "rita", "admin", "--reason", "two\nlines"], "reason"),
    ],
)
def test_what_cannot_be_done_is_refused_with_a_reason(
    arguments: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accounts", *arguments]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith("spotlight: error:")
    assert reason in error
