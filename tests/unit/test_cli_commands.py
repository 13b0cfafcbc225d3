"""Every `spotlight` subcommand, walked from the parser itself: a command added without a
description for its ``--help``, or one that prints data without ``--json``, fails here."""

from __future__ import annotations

import argparse

import pytest

from entrypoints import cli_support
from entrypoints.cli import build_parser
from entrypoints.cli_support import EXIT_STATUSES, subcommands

#: The only commands that print no data, and why (a new one must say why here).
PRINT_NO_DATA = {
    ("serve",): "runs the HTTP service until stopped; its output is its log",
}


def _leaves() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    return [
        (words, sub)
        for words, _listed, sub in subcommands(build_parser())
        if not any(isinstance(a, argparse._SubParsersAction) for a in sub._actions)
    ]


def test_every_subcommand_is_listed_with_help_and_has_a_description() -> None:
    walked = list(subcommands(build_parser()))
    undescribed = [
        " ".join(words)
        for words, listed, sub in walked
        if not (listed or "").strip() or not (sub.description or "").strip()
    ]

    assert len(walked) > 80  # the walk reaches the nested actions (audit verify, ...)
    assert undescribed == []


def test_every_command_that_prints_data_takes_json() -> None:
    without = [
        " ".join(words)
        for words, sub in _leaves()
        if words not in PRINT_NO_DATA
        and not any("--json" in action.option_strings for action in sub._actions)
    ]

    assert without == []
    assert set(PRINT_NO_DATA) <= {words for words, _sub in _leaves()}


@pytest.mark.parametrize("words", [("sweep",), ("audit", "verify"), ("webhooks", "stats")])
def test_a_subcommands_help_shows_its_description(
    words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    [described] = [sub.description for w, _l, sub in subcommands(build_parser()) if w == words]
    assert described is not None

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*words, "--help"])

    assert exit_.value.code == 0
    assert " ".join(described.split()[:6]) in " ".join(capsys.readouterr().out.split())


def test_the_version_and_the_exit_statuses_are_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--version"])
    version = capsys.readouterr().out
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    helped = capsys.readouterr().out

    assert version.startswith("spotlight ")
    assert EXIT_STATUSES.splitlines()[1] in helped


def test_progress_is_quiet_off_a_terminal_and_counts_towards_a_total_on_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli_support.progress("rebuilding", 10) as advance:
        advance(5)
    quiet = capsys.readouterr()
    monkeypatch.setattr(cli_support, "shows_progress", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "0")
    with cli_support.progress("rebuilding") as advance:
        advance(3, 10)
        advance(7)
    shown = capsys.readouterr()

    assert (quiet.out, quiet.err) == ("", "")
    assert shown.out == ""
    assert "rebuilding" in shown.err
    assert "7/10" in shown.err
