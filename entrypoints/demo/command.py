"""`spotlight demo`: load the demo's data set into an empty store, then serve it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from entrypoints.settings import Settings

EXIT_NOT_EMPTY = 3
DEFAULT_PASSWORD = "spotlight-demo"  # noqa: S105 - the demo's accounts are for showing, said so


def add_demo_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="load a demo data set (four weeks of every program) into an empty store",
        description="Loads titles with reference sound and fans' clips matched to them, "
        "engagement and clicks, artists, a season with ballots, a shop with orders, a business "
        "and a Pulse campaign, all through the use cases and dated over the last four weeks, "
        "and built-in accounts for every role. Only an empty store is accepted (exit "
        f"{EXIT_NOT_EMPTY} otherwise). Then run `spotlight serve` on the same store.",
    )
    demo.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    demo.add_argument(
        "--password",
        default=DEFAULT_PASSWORD,
        help=f"the password of every demo account (default: {DEFAULT_PASSWORD})",
    )
    demo.add_argument("--json", action="store_true", help="print the summary as JSON")
    demo.set_defaults(run=run_demo)


def run_demo(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.bootstrap import bootstrap
    from entrypoints.demo.dataset import DAYS, DemoClock, load_demo

    if arguments.store:
        settings = settings.with_store(arguments.store)
    began = time.monotonic()
    # From midnight, so that each day's story (told between 08:00 and 20:00) stays in its day.
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    clock = DemoClock(midnight - timedelta(days=DAYS))
    with bootstrap(settings, clock=clock) as core:
        held = core.audited_logs.last_positions()
        if any(held.values()):
            print(
                "spotlight: error: the demo loads only into an empty store, and this one holds "
                + ", ".join(f"{count} {name} events" for name, count in held.items() if count)
                + f" ({settings.store.redacted}); name another with --store or SPOTLIGHT_DATA_DIR",
                file=sys.stderr,
            )
            return EXIT_NOT_EMPTY
        loud = sys.stderr.isatty() and not arguments.json
        report = load_demo(
            core,
            clock,
            password=arguments.password,
            progress=(lambda step: print(f"demo: {step}...", file=sys.stderr)) if loud else _quiet,
        )
    seconds = time.monotonic() - began
    if arguments.json:
        summary: dict[str, Any] = {
            **report.counts(),
            "password": report.password,
            "accounts": [
                {"name": p.name, "role": p.role.value, "part": p.part} for p in report.people
            ],
            "seconds": round(seconds, 1),
        }
        print(json.dumps(summary, indent=2))
    else:
        print("\n".join(report.lines()))
        print(f"Loaded in {seconds:.0f} s. Now run `spotlight serve` on the same store.")
    return 0


def _quiet(_step: str) -> None:
    return None
