"""`spotlight reports ...`: what an operator does with viewers' reports of videos — list the
report queue (or the appeal queue) a page at a time, show one report, decide a report
(dismiss, remove, age-restrict) or an appeal (uphold, overturn), with a reason. It acts as a
reviewer named by ``--reviewer`` (an admin, ``cli-operator``, when none is named), so the
decision is recorded under that name. Everything is printed as JSON; a refusal is one line
on stderr and exit status 2, with nothing recorded."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.auth import Principal, Role
from application.errors import ApplicationError
from application.paging import MAX_LIMIT
from domain.errors import DomainError
from domain.trust.video_reports import AppealOutcome, ReportOutcome
from entrypoints.cli_support import add_json_flag
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from entrypoints.bootstrap import Spotlight

OPERATOR = Principal(role=Role.ADMIN, subject="cli-operator")
EXIT_BAD_INPUT = 2

Action = Callable[["Spotlight", argparse.Namespace, Principal], Any]


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


def _out(view: object) -> dict[str, Any]:
    from entrypoints.http.trust.video_reports import VideoReportOut

    return VideoReportOut.model_validate(view).model_dump(mode="json")


def _list(core: Spotlight, arguments: argparse.Namespace, actor: Principal) -> Any:
    read = core.video_reports.appeals if arguments.appeals else core.video_reports.queue
    page = read(actor, limit=arguments.limit, cursor=arguments.cursor)
    return {"items": [_out(view) for view in page.items], "next_cursor": page.next_cursor}


def _show(core: Spotlight, arguments: argparse.Namespace, actor: Principal) -> Any:
    return _out(core.video_reports.report_of(actor, arguments.report))


def _decide(core: Spotlight, arguments: argparse.Namespace, actor: Principal) -> Any:
    return _out(
        core.video_reports.decide(
            actor, arguments.report, arguments.decision, reason=arguments.reason
        )
    )


def _decide_appeal(core: Spotlight, arguments: argparse.Namespace, actor: Principal) -> Any:
    return _out(
        core.video_reports.decide_appeal(
            actor, arguments.report, arguments.outcome, reason=arguments.reason
        )
    )


def _run(action: Action) -> Callable[[argparse.Namespace, Settings], int]:
    def run(arguments: argparse.Namespace, settings: Settings) -> int:
        actor = (
            OPERATOR if arguments.reviewer is None else Principal(Role.REVIEWER, arguments.reviewer)
        )
        with _opened(arguments, settings) as core:
            try:
                answer = action(core, arguments, actor)
            except (ApplicationError, DomainError) as error:
                print(f"spotlight reports: {error}", file=sys.stderr)
                return EXIT_BAD_INPUT
        print(json.dumps(answer, indent=2))
        return 0

    return run


def _report_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a report id (a UUID)") from None


def add_video_report_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    reports = commands.add_parser(
        "reports",
        help="viewers' reports of videos: the queues, one report, decisions",
        description=__doc__,
    )
    actions = reports.add_subparsers(dest="reports_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, run: Action) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        parser.add_argument(
            "--reviewer", help="act as this reviewer's account (default: admin cli-operator)"
        )
        add_json_flag(parser, only=True)
        parser.set_defaults(run=_run(run))
        return parser

    listing = action("list", "the reports awaiting a decision, oldest first", _list)
    listing.add_argument(
        "--appeals", action="store_true", help="the appeals awaiting a decision instead"
    )
    listing.add_argument(
        "--limit", type=int, default=50, help=f"per page (1 to {MAX_LIMIT}; default 50)"
    )
    listing.add_argument("--cursor", help="the next_cursor of the previous page")

    show = action("show", "one report, its decision and its appeal", _show)
    show.add_argument("report", metavar="REPORT_ID", type=_report_id)

    decide = action("decide", "dismiss a report, or remove or age-restrict its video", _decide)
    decide.add_argument("report", metavar="REPORT_ID", type=_report_id)
    decide.add_argument(
        "--decision", required=True, choices=[outcome.value for outcome in ReportOutcome]
    )
    decide.add_argument("--reason", required=True, help="why, as the reporter will read it")

    appeal = action("decide-appeal", "uphold or overturn a creator's appeal", _decide_appeal)
    appeal.add_argument("report", metavar="REPORT_ID", type=_report_id)
    appeal.add_argument(
        "--outcome", required=True, choices=[outcome.value for outcome in AppealOutcome]
    )
    appeal.add_argument("--reason", required=True, help="why, as the creator will read it")
