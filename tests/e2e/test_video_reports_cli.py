"""`spotlight reports`: an operator lists the report queue a page at a time, decides a report
as a named reviewer, then the appeal queue; a decided report or a bad id is refused with one
line and exit status 2, nothing recorded."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest

from application.auth import Principal, Role
from entrypoints.bootstrap import bootstrap
from entrypoints.cli import main
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver

ANA = Principal(Role.CREATOR, "ana")


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    with bootstrap(Settings.from_environ()) as core:
        video = CatalogueDriver(core).publish_video(
            ANA, caption="street fight", hashtags=[], category="sports"
        )
        return [
            str(
                core.video_reports.report(
                    Principal(Role.VIEWER, who), video.id, reason="violence"
                ).id
            )
            for who in ("vic", "wes")
        ]


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> object:
    assert main(["reports", *arguments]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_operator_works_the_queue_and_the_appeals(
    reports: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    first = run(capsys, "list", "--limit", "1")
    assert isinstance(first, dict)
    assert [item["id"] for item in first["items"]] == reports[:1]
    rest = run(capsys, "list", "--limit", "1", "--cursor", first["next_cursor"])
    assert isinstance(rest, dict)
    assert [item["id"] for item in rest["items"]] == reports[1:]

    decided = run(
        capsys,
        "decide",
        reports[0],
        "--decision",
        "age-restrict",
        "--reason",
        "graphic",
        "--reviewer",
        "rita",
    )
    assert isinstance(decided, dict)
    assert (decided["status"], decided["outcome"]) == ("upheld", "age-restrict")

    with bootstrap(Settings.from_environ()) as core:
        core.video_reports.appeal(ANA, UUID(reports[0]), text="staged")
    appeals = run(capsys, "list", "--appeals")
    assert isinstance(appeals, dict)
    assert [item["id"] for item in appeals["items"]] == reports[:1]
    overturned = run(
        capsys, "decide-appeal", reports[0], "--outcome", "overturn", "--reason", "staged"
    )
    assert isinstance(overturned, dict)
    assert overturned["appeal"] == "overturned"
    shown = run(capsys, "show", reports[0])
    assert isinstance(shown, dict)
    assert shown["decision_reason"] == "graphic"


def test_a_decided_report_or_a_bad_id_is_refused_in_one_line(
    reports: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "decide", reports[0], "--decision", "dismiss", "--reason", "fine")

    assert main(["reports", "decide", reports[0], "--decision", "remove", "--reason", "x"]) == 2
    refused = capsys.readouterr()
    assert refused.out == ""
    assert refused.err.strip().startswith("spotlight reports: the report is already dismissed")
    with pytest.raises(SystemExit) as bad_id:
        main(["reports", "show", "not-a-uuid"])
    assert bad_id.value.code == 2
    assert "not a report id" in capsys.readouterr().err
    listed = run(capsys, "list")
    assert isinstance(listed, dict)
    assert [item["id"] for item in listed["items"]] == reports[1:]
