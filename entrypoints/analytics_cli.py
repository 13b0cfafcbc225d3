"""`spotlight analytics-videos --title ID`: a title's per-video table (which fan videos drive
views and ticket, streaming, cast and official clicks), read as an auditor, a page as JSON
(``items`` and ``next_cursor``, which ``--cursor`` takes back) or the whole table as CSV."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from uuid import UUID

from application.anchors.periods import RANGES
from application.anchors.video_figures import VideoSort
from application.auth import Principal, Role
from application.errors import ApplicationError
from application.paging import MAX_LIMIT
from domain.errors import DomainError
from entrypoints.cli_support import add_json_flag
from entrypoints.settings import Settings

AUDITOR = Principal(role=Role.AUDITOR, subject="cli-auditor")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.cli_support import CommandFailed
    from entrypoints.cli_support import opened_core as _opened
    from entrypoints.http.anchors.video_analytics import VideoTableOut

    asked = {
        "sort": arguments.sort,
        "days": arguments.days,
        "first": arguments.first,
        "last": arguments.last,
        "as_of": arguments.as_of,
    }
    with _opened(arguments, settings) as core:
        try:
            if arguments.csv:
                for line in core.audience.video_table_csv(AUDITOR, arguments.title, **asked):
                    sys.stdout.write(line)
                return 0
            table = core.audience.video_table(
                AUDITOR, arguments.title, limit=arguments.limit, cursor=arguments.cursor, **asked
            )
        except (ApplicationError, DomainError) as error:
            raise CommandFailed(str(error)) from None
    print(json.dumps(VideoTableOut.of(table).model_dump(mode="json"), indent=2))
    return 0


def add_analytics_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The per-video table of a title."""
    videos = commands.add_parser(
        "analytics-videos",
        help="print a title's per-video table (which fan videos drive clicks) as JSON or CSV",
    )
    videos.add_argument("--title", type=UUID, required=True, help="the title's id")
    videos.add_argument("--sort", type=VideoSort, choices=list(VideoSort), default=VideoSort.CLICKS)
    videos.add_argument(
        "--days", type=int, help=f"the last {', '.join(map(str, RANGES))} days (default 28)"
    )
    videos.add_argument("--from", dest="first", type=_day, help="a custom range's first day")
    videos.add_argument("--to", dest="last", type=_day, help="a custom range's last day")
    videos.add_argument("--as-of", type=_day, help="the last day of --days (default today)")
    videos.add_argument("--csv", action="store_true", help="the whole table as CSV")
    add_json_flag(videos, only=True)
    videos.add_argument(
        "--limit", type=int, default=50, help=f"videos per page (1 to {MAX_LIMIT}; default 50)"
    )
    videos.add_argument("--cursor", help="the next_cursor the previous page printed")
    videos.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    videos.set_defaults(run=_run)
