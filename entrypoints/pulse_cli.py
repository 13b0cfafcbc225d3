"""`spotlight pulse-report`: a Pulse campaign's delivery report (per video and category,
over a range of days; ``--csv`` for CSV), read as an auditor. `spotlight pulse-exclusions`: a
brand's Pulse safety exclusions, shown (as an auditor) or replaced with ``--set`` (as the
admin ``cli-operator``, for the brand). Everything else is printed as JSON; a refusal is one
line on stderr and exit status 2, with nothing recorded."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.auth import Principal, Role
from application.errors import ApplicationError
from domain.errors import DomainError, InvalidValue
from entrypoints.cli_support import add_json_flag
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Spotlight

OPERATOR = Principal(role=Role.ADMIN, subject="cli-operator")
AUDITOR = Principal(role=Role.AUDITOR, subject="cli-auditor")
EXIT_BAD_INPUT = 2

Action = Callable[["Spotlight", argparse.Namespace], Any]


@contextmanager
def _opened(arguments: argparse.Namespace, settings: Settings) -> Iterator[Spotlight]:
    # Imported when a command runs: the CLI's other commands start without the core.
    from entrypoints.bootstrap import bootstrap

    if arguments.store:
        settings = settings.with_store(arguments.store)
    core = bootstrap(settings)
    try:
        yield core
    finally:
        core.close()


def _run(name: str, action: Action) -> Callable[[argparse.Namespace, Settings], int]:
    def run(arguments: argparse.Namespace, settings: Settings) -> int:
        with _opened(arguments, settings) as core:
            try:
                answer = action(core, arguments)
            except (ApplicationError, DomainError) as error:
                print(f"spotlight {name}: {error}", file=sys.stderr)
                return EXIT_BAD_INPUT
        if isinstance(answer, str):
            sys.stdout.write(answer)
        else:
            print(json.dumps(answer, indent=2))
        return 0

    return run


def _exclusions(core: Spotlight, arguments: argparse.Namespace) -> Any:
    from entrypoints.http.revenue.pulse_schemas import ExclusionsOut

    if arguments.set:
        view = core.pulse.set_exclusions(
            OPERATOR,
            categories=arguments.category,
            keywords=arguments.keyword,
            creators=arguments.creator,
            brand=arguments.brand,
        )
    else:
        if arguments.category or arguments.keyword or arguments.creator:
            raise InvalidValue("--category, --keyword and --creator go with --set")
        view = core.pulse.exclusions(AUDITOR, arguments.brand)
    return ExclusionsOut.model_validate(view).model_dump(mode="json")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


def _campaign_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a campaign id (a UUID)") from None


def _report(core: Spotlight, arguments: argparse.Namespace) -> Any:
    from application.revenue.pulse_delivery import csv_text
    from entrypoints.http.revenue.pulse_schemas import DeliveryReportOut

    report = core.pulse.delivery_report(
        AUDITOR, arguments.campaign, since=arguments.since, until=arguments.until
    )
    if arguments.csv:
        return csv_text(report.csv_rows())
    return DeliveryReportOut.model_validate(report).model_dump(mode="json")


def add_pulse_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def command(name: str, help_text: str, action: Action) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(parser, only=True)
        parser.set_defaults(run=_run(name, action))
        return parser

    report = command(
        "pulse-report",
        "a Pulse campaign's delivery per video and category (read as an auditor)",
        _report,
    )
    report.add_argument("campaign", metavar="CAMPAIGN_ID", type=_campaign_id)
    report.add_argument("--since", type=_day, help="the first day counted (UTC, YYYY-MM-DD)")
    report.add_argument("--until", type=_day, help="the last day counted (UTC, YYYY-MM-DD)")
    report.add_argument("--csv", action="store_true", help="print CSV instead of JSON")

    exclusions = command(
        "pulse-exclusions",
        "a brand's Pulse safety exclusions; --set replaces them (as admin cli-operator)",
        _exclusions,
    )
    exclusions.add_argument("brand", metavar="BRAND")
    exclusions.add_argument("--set", action="store_true", help="replace them with those given")
    for flag, what in (
        ("--category", "a category"),
        ("--keyword", "a word or phrase of captions and hashtags"),
        ("--creator", "a creator's account"),
    ):
        exclusions.add_argument(
            flag, action="append", default=[], help=f"{what} to exclude (repeat for more)"
        )
