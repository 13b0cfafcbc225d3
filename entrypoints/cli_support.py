"""What every subcommand module of the `spotlight` CLI shares: the operator it acts as, the
exit status of bad input, the core opened on the store a command names, and JSON output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from application.auth import Principal, Role
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Spotlight

OPERATOR = Principal(role=Role.ADMIN, subject="cli-operator")
EXIT_BAD_INPUT = 2


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
