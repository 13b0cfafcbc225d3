"""What every subcommand module of the `spotlight` CLI shares: the operator it acts as, the
exit status of bad input, the core opened on the store a command names, JSON output (and the
``--json`` flag every command that prints data takes), progress bars for long jobs, and the
table of exit statuses."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import Principal, Role
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from pydantic import BaseModel

    from entrypoints.bootstrap import Spotlight

OPERATOR = Principal(role=Role.ADMIN, subject="cli-operator")
EXIT_OK = 0
#: A check found what it looks for: a difference, a problem, damage, tampering.
EXIT_FOUND = 1
EXIT_BAD_INPUT = 2

#: Every exit status of every `spotlight` command (README.md has the same table).
EXIT_STATUSES = f"""\
exit statuses (every command):
  {EXIT_OK}  done; a check found everything as it should be
  {EXIT_FOUND}  a check found a problem (ledger-check, recount, media-check, audit verify and
     replay, projections status, worker --once), or a job could not finish (music-usage);
     restore: restored, but the store does not hold what the manifest lists
  {EXIT_BAD_INPUT}  bad input or settings, or a refusal (the store, an id, a cursor, a period,
     a domain rule): one line on stderr, nothing recorded
  3  audit verify: a checkpoint's signature is invalid (the store itself verifies);
     restore: the target store is not empty (nothing written)
  4  restore: the backup is damaged (nothing written)
"""


class CommandFailed(Exception):
    """A command cannot go on; its message is shown to the operator as it is."""


@contextmanager
def opened_core(arguments: argparse.Namespace, settings: Settings) -> Iterator[Spotlight]:
    """The core on the store the command names (``--store``) or the configured one, closed
    when the command is done."""
    # Imported when a command runs: the CLI's other commands start without the core.
    from entrypoints.bootstrap import bootstrap

    if arguments.store:
        settings = settings.with_store(arguments.store)
    core = bootstrap(settings)
    try:
        yield core
    finally:
        core.close()


def print_json(document: Any) -> None:
    print(json.dumps(document, indent=2, default=str))


def print_answer(answer: BaseModel | str) -> None:
    """An answer as its HTTP operation gives it, as JSON; text (CSV) as it is."""
    if isinstance(answer, str):
        sys.stdout.write(answer)
    else:
        print(json.dumps(answer.model_dump(mode="json"), indent=2))


def print_read(
    arguments: argparse.Namespace,
    settings: Settings,
    read: Callable[[Spotlight], BaseModel | str],
    *,
    refused: tuple[type[Exception], ...] = (),
) -> int:
    """Open the core, ``read`` the answer from it and print it (``print_answer``) once the
    core is closed; an error of ``refused`` is the command's failure, its message shown."""
    with opened_core(arguments, settings) as core:
        try:
            answer = read(core)
        except refused as error:
            raise CommandFailed(str(error)) from None
    print_answer(answer)
    return 0


def add_json_flag(parser: argparse.ArgumentParser, *, only: bool = False) -> None:
    """``--json`` on a command that prints data. ``only``: the command prints JSON anyway (a
    script may still say so, as it does for every other command)."""
    parser.add_argument(
        "--json",
        action="store_true",
        help="print JSON (what this command prints in any case)"
        if only
        else "print the result as JSON rather than as text",
    )


def subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str | None, argparse.ArgumentParser]]:
    """Every subcommand under ``parser``, at any depth: its words, the help its parent lists
    it with, and its own parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), listed.get(name), sub
                yield from subcommands(sub, (*path, name))


def describe_subcommands(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand's ``--help`` a description: the line its parent lists it with,
    where it has none of its own."""
    for _words, listed, sub in subcommands(parser):
        if not sub.description and listed:
            sub.description = listed[0].upper() + listed[1:] + "."


class Advance(Protocol):
    def __call__(self, completed: int, total: int | None = None) -> None: ...


def shows_progress() -> bool:
    """Progress bars are drawn only for a person at a terminal: never when stdout or stderr
    goes to a file, a pipe or a log collector."""
    return sys.stdout.isatty() and sys.stderr.isatty()


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Advance]:
    """A progress bar on stderr with the total, rate and ETA (rich), while the job runs; the
    job calls what this yields with how much it has done (and the total, once known or when
    it changes). Quiet when not on a terminal (``shows_progress``)."""
    if not shows_progress():

        def quiet(completed: int, total: int | None = None) -> None:
            return None

        yield quiet
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(completed: int, total: int | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            bar.update(task, completed=completed)

        yield advance
