"""The `spotlight` command: run the service and operate the core.

Every command reads the same SPOTLIGHT_* settings as the service (see entrypoints.settings).
Bad arguments or settings print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta

from adapters.clock import SystemClock
from adapters.storage import StoreConfigurationError
from adapters.tokens import TokenSigner
from application.auth import Principal, Role
from entrypoints.settings import Settings, SettingsError

EXIT_USAGE = 2


class CommandFailed(Exception):
    """A command cannot go on; its message is shown to the operator as it is."""


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from entrypoints.bootstrap import bootstrap
    from entrypoints.http.app import create_app

    if arguments.store:
        settings = settings.with_store(arguments.store)
    core = bootstrap(settings)
    print(
        f"spotlight: serving on http://{arguments.host}:{arguments.port} "
        f"with the {settings.store.kind.value} store {settings.store.redacted}",
        file=sys.stderr,
    )
    uvicorn.run(
        create_app(core, close_on_shutdown=True, background_sweeps=True),
        host=arguments.host,
        port=arguments.port,
        log_level=arguments.log_level,
    )
    return 0


def _token(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.hours <= 0:
        raise CommandFailed("--hours must be positive")
    try:
        principal = Principal(role=Role(arguments.role), subject=arguments.subject)
    except ValueError as error:
        raise CommandFailed(str(error)) from None
    signer = TokenSigner(settings.signing_secret(), SystemClock())
    print(signer.issue(principal, lifetime=timedelta(hours=arguments.hours)))
    return 0


OPERATOR = Principal(role=Role.ADMIN, subject="cli-operator")
AUDITOR = Principal(role=Role.AUDITOR, subject="cli-auditor")


def _sweep(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.bootstrap import bootstrap

    if arguments.store:
        settings = settings.with_store(arguments.store)
    core = bootstrap(settings)
    try:
        while True:
            report = core.anchoring.run_sweeps(max_videos=arguments.batch)
            print(
                f"considered {report.videos_considered} videos, changed {report.videos_changed}, "
                f"{report.pending} sweeps open"
            )
            if report.pending == 0 or report.sweeps_run == 0:
                return 0
    finally:
        core.close()


def _analytics(arguments: argparse.Namespace, settings: Settings) -> int:
    import json

    from entrypoints.bootstrap import bootstrap
    from entrypoints.http.audience import StudioAnalyticsOut

    if arguments.store:
        settings = settings.with_store(arguments.store)
    core = bootstrap(settings)
    try:
        analytics = core.audience.studio_analytics(AUDITOR, arguments.studio)
        print(json.dumps(StudioAnalyticsOut.of(analytics).model_dump(mode="json"), indent=2))
    finally:
        core.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spotlight",
        description="Spotlight Core: the event-sourced business core of a short-video platform.",
        epilog="Settings come from SPOTLIGHT_DATA_DIR, SPOTLIGHT_STORE and SPOTLIGHT_SECRET.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="print a signed bearer token for a role and subject")
    token.add_argument("--role", required=True, choices=[role.value for role in Role])
    token.add_argument("--subject", required=True, help="the id of the acting party")
    token.add_argument("--hours", type=int, default=24, help="lifetime in hours (default 24)")
    token.set_defaults(run=_token)

    sweep = commands.add_parser(
        "sweep", help="run retroactive matching of new titles' material until none is pending"
    )
    sweep.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    sweep.add_argument("--batch", type=int, default=1000, help="videos per pass (default 1000)")
    sweep.set_defaults(run=_sweep)

    analytics = commands.add_parser(
        "analytics", help="print a studio's analytics as JSON, recomputed from the log"
    )
    analytics.add_argument("--studio", required=True, help="the studio's id")
    analytics.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    analytics.set_defaults(run=_analytics)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    run: Callable[[argparse.Namespace, Settings], int] = arguments.run
    try:
        return run(arguments, Settings.from_environ())
    except (CommandFailed, SettingsError, StoreConfigurationError) as error:
        print(f"spotlight: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
