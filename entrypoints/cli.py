"""The `spotlight` command: run the service and operate the core.

Every command reads the same SPOTLIGHT_* settings as the service (see entrypoints.settings).
Bad arguments or settings print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from importlib import metadata
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from adapters.clock import SystemClock
from adapters.storage import StoreConfigurationError
from adapters.tokens import MAX_LIFETIME, TokenSigner
from application.auth import Principal, Role
from application.errors import ApplicationError, NotFound
from application.paging import MAX_LIMIT
from application.revenue.ledger_read_model import PostingLine, PostingLineNotStorable
from application.revenue.ledgers import MAX_STATEMENT_PAGE, STATEMENT_PAGE, StatementLine
from domain.errors import DomainError
from entrypoints.analytics_cli import add_analytics_commands
from entrypoints.audit_cli import add_audit_commands
from entrypoints.backup_cli import add_backup_commands
from entrypoints.cli_support import (
    EXIT_STATUSES,
    OPERATOR,
    CommandFailed,
    add_json_flag,
    describe_subcommands,
    print_json,
    print_read,
    progress,
)
from entrypoints.cli_support import opened_core as _opened
from entrypoints.config_cli import add_config_command
from entrypoints.demo.command import add_demo_command
from entrypoints.invitation_cli import add_invitation_commands
from entrypoints.logs import configure_logging
from entrypoints.music_cli import add_music_commands
from entrypoints.order_cli import add_order_commands
from entrypoints.pulse_cli import add_pulse_commands
from entrypoints.settings import LOG_LEVELS, Settings, SettingsError
from entrypoints.shop_lists_cli import add_shop_list_commands
from entrypoints.video_reports_cli import add_video_report_commands
from entrypoints.webhooks_cli import add_webhook_commands

if TYPE_CHECKING:
    from entrypoints.bootstrap import Spotlight
    from entrypoints.http.schemas import ProjectionOut

EXIT_USAGE = 2
EXIT_DIFFERS = 1
WORKER_HEALTHCHECK_SECONDS = 60
#: How long `spotlight serve --workers N` gives its workers to stop before it kills them.
WORKER_STOP_SECONDS = 30


def installed_version() -> str:
    """The installed distribution's version, as `spotlight --version` prints it."""
    try:
        return metadata.version("spotlight-core")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (spotlight-core is not installed)"


def _serve(arguments: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from adapters.storage import StoreKind
    from entrypoints.bootstrap import bootstrap
    from entrypoints.http.app import create_app
    from entrypoints.http.service import FACTORY
    from entrypoints.supervisor import serve_in_workers

    if arguments.workers < 1:
        raise CommandFailed("--workers must be positive")
    if arguments.store:
        settings = settings.with_store(arguments.store)
    # Webhooks refuse to call the service itself: it is told where it listens.
    settings = attrs.evolve(settings, listen=(arguments.host, arguments.port))
    if settings.projections == "worker" and settings.store.kind is StoreKind.MEMORY:
        raise CommandFailed(
            "SPOTLIGHT_PROJECTIONS=worker: no `spotlight worker` can reach the memory store's "
            "log, so the read models would never be caught up; use inline, or a SQLite or "
            "PostgreSQL store"
        )
    if arguments.workers > 1 and settings.store.kind is StoreKind.MEMORY:
        raise CommandFailed(
            f"--workers {arguments.workers}: the memory store lives in one process, so each "
            "worker would hold a log of its own; use one worker, or a SQLite or PostgreSQL store"
        )
    # Opened here first even with workers: a bad store stops the command with one line,
    # before any worker starts, and the tables are created once rather than in a race.
    core = bootstrap(settings)
    print(
        f"spotlight: serving on http://{arguments.host}:{arguments.port} "
        f"with the {settings.store.kind.value} store {settings.store.redacted}"
        f"{f' in {arguments.workers} workers' if arguments.workers > 1 else ''}",
        file=sys.stderr,
    )
    options = {
        "host": arguments.host,
        "port": arguments.port,
        "log_level": _log_level(arguments, settings),
        # The root logger's handler (entrypoints.logs) writes uvicorn's lines too; the
        # service's own access log (entrypoints.http.observe) replaces uvicorn's.
        "log_config": None,
        "access_log": False,
        "proxy_headers": arguments.proxy_headers,
        "forwarded_allow_ips": arguments.forwarded_allow_ips,
    }
    if arguments.workers > 1:
        core.close()
        # Each worker process builds its own core, and configures its logging, from the
        # environment: what the command was told must reach them through it.
        if arguments.store:
            os.environ["SPOTLIGHT_STORE"] = arguments.store
        os.environ["SPOTLIGHT_LOG_LEVEL"] = _log_level(arguments, settings)
        os.environ["SPOTLIGHT_LISTEN"] = f"{arguments.host}:{arguments.port}"
        with _metrics_directory():
            serve_in_workers(
                FACTORY,
                factory=True,
                workers=arguments.workers,
                # A new worker answers uvicorn's health check only once it has imported the
                # media libraries, which on a busy machine takes longer than uvicorn's 5 s.
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                stop_seconds=WORKER_STOP_SECONDS,
                **options,
            )
        return 0
    uvicorn.run(
        create_app(core, close_on_shutdown=True, background_sweeps=True),
        **options,
    )
    return 0


@contextmanager
def _metrics_directory() -> Iterator[None]:
    """The directory where the worker processes keep their metrics (prometheus-client's
    multiprocess mode), made for this run and removed after it; or PROMETHEUS_MULTIPROC_DIR
    when it is set, emptied of an earlier run's files first."""
    import shutil
    import tempfile
    from pathlib import Path

    from entrypoints.metrics import MULTIPROCESS_DIRECTORY

    given = os.environ.get(MULTIPROCESS_DIRECTORY)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
        return
    made = tempfile.mkdtemp(prefix="spotlight-metrics-")
    os.environ[MULTIPROCESS_DIRECTORY] = made
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIRECTORY]
        shutil.rmtree(made, ignore_errors=True)


def _log_level(arguments: argparse.Namespace, settings: Settings) -> str:
    """--log-level, else SPOTLIGHT_LOG_LEVEL, else info for the long-running commands
    (serve, worker) and warning for the others, whose output is their answer."""
    chosen: str | None = getattr(arguments, "log_level", None) or settings.log_level
    if chosen is not None:
        return chosen
    return "info" if arguments.command in ("serve", "worker") else "warning"


def _worker(arguments: argparse.Namespace, settings: Settings) -> int:
    import faulthandler
    import signal
    import threading

    from adapters.storage import StoreKind
    from entrypoints.worker import ProjectionWorker

    if arguments.interval <= 0:
        raise CommandFailed("--interval must be positive")
    if arguments.store:
        settings = settings.with_store(arguments.store)
    if settings.store.kind is StoreKind.MEMORY:
        raise CommandFailed(
            "a worker on the memory store would follow a log of its own, not the service's: "
            "run the service alone (SPOTLIGHT_PROJECTIONS=inline), or use a SQLite or "
            "PostgreSQL store"
        )
    with _opened(arguments, settings) as core:
        core.projections.pause_collector = True  # a process of its own: see ProjectionRunner
        worker = ProjectionWorker(
            core.projections, core.projection_store, core.background, interval=arguments.interval
        )
        if arguments.once:
            try:
                tick = worker.tick()
            finally:
                worker.release()
            if arguments.json:
                print_json(
                    {
                        "applied": dict(tick.applied),
                        "elsewhere": list(tick.elsewhere),
                        "failed": {name: str(why) for name, why in tick.failed.items()},
                    }
                )
                return EXIT_DIFFERS if tick.failed else 0
            for name, applied in tick.applied.items():
                print(f"{name}: applied {applied} events")
            for name in tick.elsewhere:
                print(f"{name}: run by another worker")
            for name, why in tick.failed.items():
                print(f"{name}: failed: {why}", file=sys.stderr)
            return EXIT_DIFFERS if tick.failed else 0
        stop = threading.Event()

        def stopping(signum: int, _frame: object) -> None:
            print(f"spotlight: worker stopping ({signal.Signals(signum).name})", file=sys.stderr)
            stop.set()

        previous = {
            signum: signal.signal(signum, stopping) for signum in (signal.SIGTERM, signal.SIGINT)
        }
        # `kill -USR1` writes every thread's stack to the worker's stderr (a worker found idle).
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        print(
            f"spotlight: worker {worker.holder} running {len(core.projections.names())} "
            f"projections and {len(core.background.names())} background passes every "
            f"{arguments.interval} s",
            file=sys.stderr,
        )
        try:
            worker.run(stop)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    return 0


def _projections_status(arguments: argparse.Namespace, settings: Settings) -> int:
    import json

    from entrypoints.http.schemas import ProjectionOut

    with _opened(arguments, settings) as core:
        statuses = [ProjectionOut.of(status) for status in core.projections.status()]
    if arguments.json:
        print(json.dumps([status.model_dump(mode="json") for status in statuses], indent=2))
    else:
        print(_status_table(statuses))
    return EXIT_DIFFERS if any(status.failure is not None for status in statuses) else 0


def _projections_schema(arguments: argparse.Namespace, settings: Settings) -> int:
    with _opened(arguments, settings) as core:
        versions = core.store_schema.versions(OPERATOR)
    parts: dict[str, dict[str, int]] = {}
    for found in versions:
        parts.setdefault(found.part, {})[found.component] = found.version
    print_json(parts)
    return 0


def _status_table(statuses: Sequence[ProjectionOut]) -> str:
    header = ("name", "version", "generation", "positions", "lag", "failure")
    rows = [header]
    for status in statuses:
        failure = status.failure
        rows.append(
            (
                status.name,
                str(status.version),
                "-" if status.generation is None else str(status.generation),
                " ".join(f"{log}={position}" for log, position in status.positions.items()),
                str(status.lag),
                "-"
                if failure is None
                else f"{failure.log} position {failure.position}: {failure.error}",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]
    if len(rows) == 1:
        lines.append("(no projections registered)")
    return "\n".join(line.rstrip() for line in lines)


def _projections_rebuild(arguments: argparse.Namespace, settings: Settings) -> int:
    with _opened(arguments, settings) as core:
        names = core.projections.names()
        if arguments.name not in names:
            raise CommandFailed(
                f"no projection named {arguments.name!r}; the projections are: "
                f"{', '.join(names) or 'none'}"
            )
        core.projections.pause_collector = True  # a process of its own: see ProjectionRunner
        with progress(f"rebuilding {arguments.name}") as advance:
            generation = core.projections.rebuild(arguments.name, progress=advance)
        [status] = [s for s in core.projections.status() if s.name == arguments.name]
    if arguments.json:
        print_json(
            {
                "name": arguments.name,
                "generation": generation,
                "active": True,
                "positions": dict(status.positions),
            }
        )
        return 0
    print(
        f"{arguments.name}: rebuilt into generation {generation}, now active "
        f"({' '.join(f'{log}={position}' for log, position in status.positions.items())})"
    )
    return 0


def _token(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.hours <= 0:
        raise CommandFailed("--hours must be positive")
    longest = int(MAX_LIFETIME / timedelta(hours=1))
    if arguments.hours > longest:
        raise CommandFailed(f"--hours: a token's lifetime is at most {longest} hours")
    try:
        principal = Principal(role=Role(arguments.role), subject=arguments.subject)
    except ValueError as error:
        raise CommandFailed(str(error)) from None
    signer = TokenSigner(settings.signing_secret(), SystemClock())
    token = signer.issue(principal, lifetime=timedelta(hours=arguments.hours))
    if arguments.json:
        print_json(
            {
                "token": token,
                "role": principal.role.value,
                "subject": principal.subject,
                "hours": arguments.hours,
            }
        )
    else:
        print(token)
    return 0


AUDITOR = Principal(role=Role.AUDITOR, subject="cli-auditor")
#: Postings per page when ``ledger`` prints an account (the HTTP API's largest page).
_CLI_PAGE = 500


def _sweep(arguments: argparse.Namespace, settings: Settings) -> int:
    passes: list[dict[str, int]] = []
    with _opened(arguments, settings) as core, progress("sweeping") as advance:
        total = core.anchoring.sweep_backlog()
        advance(0, total)
        while True:
            report = core.anchoring.run_sweeps(max_videos=arguments.batch)
            left = core.anchoring.sweep_backlog()
            total = max(total, left)
            advance(total - left, total)
            passes.append(
                {
                    "videos_considered": report.videos_considered,
                    "videos_changed": report.videos_changed,
                    "sweeps_open": report.pending,
                }
            )
            if not arguments.json:
                print(
                    f"considered {report.videos_considered} videos, changed "
                    f"{report.videos_changed}, {report.pending} sweeps open"
                )
            if report.pending == 0 or report.sweeps_run == 0:
                break
    if arguments.json:
        print_json(
            {
                "passes": passes,
                "videos_considered": sum(p["videos_considered"] for p in passes),
                "videos_changed": sum(p["videos_changed"] for p in passes),
                "sweeps_open": passes[-1]["sweeps_open"],
            }
        )
    return 0


def _rejudge(arguments: argparse.Namespace, settings: Settings) -> int:
    with _opened(arguments, settings) as core:
        report = core.anchoring.rejudging.run_to_end()
        if arguments.json:
            print_json(attrs.asdict(report))
            return 0
        print(
            f"read {report.events} engagement events over {report.videos} videos, "
            f"attached {report.rejudged} waiting matches (watch at {report.position})"
        )
        return 0


INDEXES = ("anchors", "music", "products")


def _index_snapshot(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.bootstrap import index_directory

    chosen = INDEXES if arguments.index == "all" else (arguments.index,)
    with _opened(arguments, settings) as core:
        if core.anchoring.snapshots is None:
            raise CommandFailed(
                f"the {core.settings.store.kind.value} store keeps nothing between processes: "
                "its indexes have nothing to be saved for"
            )
        saved = {}
        for index in chosen:
            said = _snapshot_of(core, index)
            saved[index] = {
                "saved": said is not None,
                "where": str(index_directory(core.settings, index)),
                "said": said or "saved as it stands already",
            }
            if said is None:
                said = (
                    f"the {index} index is saved as it stands already, "
                    f"in {index_directory(core.settings, index)}"
                )
            if not arguments.json:
                print(said)
        if arguments.json:
            print_json(saved)
        return 0


def _snapshot_of(core: Spotlight, index: str) -> str | None:
    """Save one index; what to tell the operator, or None when it is saved already."""
    if index == "anchors":
        anchors = core.anchoring.snapshot_index()
        return (
            None
            if anchors is None
            else f"anchors index saved at catalogue position {anchors.position}: "
            f"{anchors.references} references, {anchors.videos} videos, in {anchors.where}"
        )
    if index == "music":
        music = core.discovery.index.snapshot()
        return (
            None
            if music is None
            else f"music index saved at music position {music.music_position} and catalogue "
            f"position {music.catalogue_position}: {music.indexed} tracks and references, "
            f"in {music.where}"
        )
    products = core.recognition.snapshot()
    return (
        None
        if products is None
        else f"products index saved at revenue position {products.position}: "
        f"{products.listings} listings, in {products.where}"
    )


def _analytics(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.http.anchors.audience import StudioAnalyticsOut

    return print_read(
        arguments,
        settings,
        lambda core: StudioAnalyticsOut.of(
            core.audience.studio_analytics(AUDITOR, arguments.studio)
        ),
    )


def _owner_list(arguments: argparse.Namespace, settings: Settings) -> int:
    """A page of what a studio, a creator or an artist owns, read as an auditor; prints
    JSON."""
    from pydantic import BaseModel

    from entrypoints.http.anchors.owner_lists import (
        OwnedTitleOut,
        OwnedVideoOut,
        TitleAnchorOut,
        TitleDisputeOut,
    )
    from entrypoints.http.business.campaign_schemas import InvitationOut
    from entrypoints.http.music.music_schemas import EnteredSeasonOut, OwnTrackOut
    from entrypoints.http.paging import PageOut

    page_of = {"limit": arguments.limit, "cursor": arguments.cursor}

    def read(core: Spotlight) -> BaseModel:
        lists, command = core.owner_lists, arguments.command
        if command == "studio-titles":
            titles = lists.studio_titles(AUDITOR, arguments.studio, **page_of)
            return PageOut[OwnedTitleOut].model_validate(titles)
        if command == "studio-anchors":
            anchors = lists.title_anchors(AUDITOR, arguments.studio, **page_of)
            return PageOut[TitleAnchorOut].model_validate(anchors)
        if command == "studio-disputes":
            disputes = lists.studio_disputes(AUDITOR, arguments.studio, **page_of)
            return PageOut[TitleDisputeOut].model_validate(disputes)
        if command == "creator-invitations":
            invitations = core.campaigns.invitations_of_creator(
                AUDITOR, arguments.creator, **page_of
            )
            return PageOut[InvitationOut].model_validate(invitations)
        if command == "artist-seasons":
            seasons = core.competition.artist_seasons(AUDITOR, arguments.artist, **page_of)
            return PageOut[EnteredSeasonOut](
                items=[EnteredSeasonOut.of(entered) for entered in seasons.items],
                next_cursor=seasons.next_cursor,
            )
        if command == "artist-tracks":
            tracks = core.discovery.artist_tracks(AUDITOR, arguments.artist, **page_of)
            return PageOut[OwnTrackOut].model_validate(tracks)
        videos = lists.creator_videos(AUDITOR, arguments.creator, **page_of)
        return PageOut[OwnedVideoOut].model_validate(videos)

    return print_read(arguments, settings, read, refused=(DomainError,))


def _money_list(arguments: argparse.Namespace, settings: Settings) -> int:
    """A page of a creator's months of earnings or payouts, or of the Pulse applications
    queue, read as an auditor; prints JSON."""
    from pydantic import BaseModel

    from domain.revenue.payouts import PayoutStatus
    from domain.revenue.pulse import EnrolmentStatus
    from entrypoints.http.paging import PageOut
    from entrypoints.http.revenue.money_lists import (
        MonthEarningsOut,
        PulseApplicationOut,
        PulseCategoryOut,
    )
    from entrypoints.http.revenue.revenue_schemas import PayoutOut

    page_of = {"limit": arguments.limit, "cursor": arguments.cursor}
    named = {"seller": arguments.seller} if arguments.command.startswith("seller-") else {}
    command = arguments.command
    status = getattr(arguments, "status", None)

    def read(core: Spotlight) -> BaseModel | str:
        creator = getattr(arguments, "creator", None)
        if getattr(arguments, "csv", False):
            if command.endswith("-earnings"):
                lines = core.ledger.earnings_csv(AUDITOR, creator, arguments.currency, **named)
            else:
                lines = core.revenue_lists.payouts_csv(AUDITOR, creator, **named)
            return "".join(lines)
        if command.endswith("-earnings"):
            months = core.ledger.earnings(AUDITOR, creator, arguments.currency, **named, **page_of)
            return PageOut[MonthEarningsOut].model_validate(months)
        if command.endswith("-payouts"):
            payouts = core.revenue_lists.payouts(
                AUDITOR,
                creator,
                status=None if status is None else PayoutStatus(status),
                **named,
                **page_of,
            )
            return PageOut[PayoutOut].model_validate(payouts)
        if command == "pulse-categories":
            categories = core.pulse.categories(**page_of)
            return PageOut[PulseCategoryOut].model_validate(categories)
        queue = core.revenue_lists.pulse_applications(
            AUDITOR, status=EnrolmentStatus(arguments.status), **page_of
        )
        return PageOut[PulseApplicationOut].model_validate(queue)

    return print_read(arguments, settings, read, refused=(DomainError,))


def _brand_list(arguments: argparse.Namespace, settings: Settings) -> int:
    """A page of a brand's campaigns, or of a campaign's invitations or branded effects,
    read as an auditor; prints JSON."""
    from pydantic import BaseModel

    from application.business.brand_lists import Program
    from entrypoints.http.business.brand_lists import BrandCampaignOut, BrandedEffectOut
    from entrypoints.http.business.campaign_schemas import InvitationOut
    from entrypoints.http.paging import PageOut

    page_of = {"limit": arguments.limit, "cursor": arguments.cursor}

    def read(core: Spotlight) -> BaseModel:
        if arguments.command == "brand-campaigns":
            program = None if arguments.program is None else Program(arguments.program)
            campaigns = core.brand_lists.campaigns(
                AUDITOR, arguments.brand, program=program, **page_of
            )
            return PageOut[BrandCampaignOut].model_validate(campaigns)
        campaign = _campaign_id(arguments.campaign, "")
        if arguments.command == "campaign-invitations":
            invitations = core.campaigns.invitations_of_campaign(AUDITOR, campaign, **page_of)
            return PageOut[InvitationOut].model_validate(invitations)
        effects = core.brand_lists.campaign_effects(AUDITOR, campaign, **page_of)
        return PageOut[BrandedEffectOut].model_validate(effects)

    return print_read(arguments, settings, read, refused=(ApplicationError, DomainError))


def _campaign_id(text: str, flag: str = "--campaign: ") -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise CommandFailed(f"{flag}{text!r} is not a campaign id") from None


def _day(text: str | None) -> date | None:
    """The day ``text`` names, if any (ValueError: not YYYY-MM-DD)."""
    return date.fromisoformat(text) if text else None


def _campaign_dashboard(arguments: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.http.business.campaign_schemas import DashboardOut

    campaign_id = _campaign_id(arguments.campaign)
    try:
        as_of = _day(arguments.as_of)
    except ValueError:
        raise CommandFailed(f"--as-of: {arguments.as_of!r} is not a day (YYYY-MM-DD)") from None
    return print_read(
        arguments,
        settings,
        lambda core: DashboardOut.model_validate(
            core.campaign_dashboards.dashboard(
                AUDITOR, campaign_id, as_of=as_of or core.clock.now().date()
            )
        ),
        refused=(NotFound,),
    )


def _campaign_report(arguments: argparse.Namespace, settings: Settings) -> int:
    from pydantic import BaseModel

    from entrypoints.http.business.campaign_schemas import ReportOut

    campaign_id = _campaign_id(arguments.campaign)
    try:
        first, last = _day(arguments.first), _day(arguments.last)
    except ValueError:
        raise CommandFailed("--from and --to are days (YYYY-MM-DD)") from None

    def read(core: Spotlight) -> BaseModel | str:
        report = core.campaign_dashboards.report(
            AUDITOR,
            campaign_id,
            as_of=core.clock.now().date(),
            days=arguments.days,
            first=first,
            last=last,
        )
        if arguments.csv:
            return "".join(core.campaign_dashboards.report_csv(report))
        return ReportOut.of(report)

    return print_read(arguments, settings, read, refused=(ApplicationError, DomainError))


def _erase_person(arguments: argparse.Namespace, settings: Settings) -> int:
    if not arguments.subject.strip():
        raise CommandFailed("--subject names the person (their account)")
    with _opened(arguments, settings) as core:
        try:
            core.personal_data.erase(OPERATOR, Principal(Role(arguments.role), arguments.subject))
        except NotFound as error:
            raise CommandFailed(str(error)) from None
    if arguments.json:
        print_json({"erased": {"role": arguments.role, "subject": arguments.subject}})
        return 0
    print(f"erased the personal data of {arguments.role}:{arguments.subject}: its key is destroyed")
    return 0


def _account_command(arguments: argparse.Namespace, settings: Settings) -> int:
    from application.identity.accounts import AccountView
    from domain.identity.accounts import Verification

    with _opened(arguments, settings) as core:
        try:
            view: AccountView
            if arguments.action == "show":
                view = core.accounts.account(OPERATOR, arguments.name)
            elif arguments.action == "grant":
                view = core.accounts.grant(
                    OPERATOR, arguments.name, Role(arguments.role), reason=arguments.reason
                )
            elif arguments.action == "revoke":
                view = core.accounts.revoke(
                    OPERATOR, arguments.name, Role(arguments.role), reason=arguments.reason
                )
            else:
                view = core.accounts.verify(
                    OPERATOR,
                    arguments.name,
                    Verification(arguments.verification),
                    arguments.reference,
                    reason=arguments.reason,
                )
        except (ApplicationError, DomainError) as error:
            raise CommandFailed(str(error)) from None
    if arguments.json:
        print_json(
            {
                "name": view.name,
                "roles": [role.value for role in view.roles],
                "verified": [
                    {"verification": str(verification), "reference": reference}
                    for verification, reference in view.verified
                ],
            }
        )
        return 0
    roles = ", ".join(role.value for role in view.roles) or "none"
    print(f"{view.name}: roles {roles}")
    for verification, reference in view.verified:
        print(f"  verified {verification}: {reference}")
    return 0


def _add_account_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from domain.identity.accounts import Verification

    accounts = commands.add_parser(
        "accounts", help="built-in accounts: show one, grant or revoke a role, verify an identity"
    )
    actions = accounts.add_subparsers(dest="action", required=True)
    roles = [role.value for role in Role]
    show = actions.add_parser("show", help="an account's roles and verified identities")
    grant = actions.add_parser("grant", help="grant a role (reviewer, judge, admin, auditor...)")
    revoke = actions.add_parser("revoke", help="take a role away")
    verify = actions.add_parser("verify", help="record a verified identity")
    for action in (show, grant, revoke, verify):
        action.add_argument("name", help="the account's name")
        action.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(action)
        action.set_defaults(run=_account_command)
    for action in (grant, revoke):
        action.add_argument("role", choices=roles)
    verify.add_argument("verification", choices=[v.value for v in Verification])
    verify.add_argument("reference", help="what is verified (a title, a badge, a company)")
    for action in (grant, revoke, verify):
        action.add_argument("--reason", required=True, help="why, recorded with the decision")


def _round_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise CommandFailed(f"--round: {text!r} is not a round id (a UUID)") from None


def _music_usage(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.batch < 1:
        raise CommandFailed("--batch must be positive")
    considered = found = 0
    with _opened(arguments, settings) as core:
        idle = 0
        while True:
            report = core.usage.run(max_videos=arguments.batch)
            considered += report.videos_considered
            found += report.uses_found
            if not arguments.json:
                print(
                    f"considered {report.videos_considered} videos, found "
                    f"{report.uses_found} uses, {report.scans_pending} backfills open"
                )
            if report.videos_considered == 0 and report.scans_pending == 0:
                if arguments.json:
                    print_json(
                        {"videos_considered": considered, "uses_found": found, "scans_pending": 0}
                    )
                return 0
            # A pass that considers nothing still finishes the backfills it reaches; if
            # passes keep considering nothing, the backfills cannot finish (another worker
            # holds them): stop rather than spin.
            idle = idle + 1 if report.videos_considered == 0 else 0
            if idle >= 3:
                if arguments.json:
                    print_json(
                        {
                            "videos_considered": considered,
                            "uses_found": found,
                            "scans_pending": report.scans_pending,
                        }
                    )
                print(
                    f"spotlight: {report.scans_pending} backfill scans do not finish; "
                    "run again later",
                    file=sys.stderr,
                )
                return 1


def _round_results(arguments: argparse.Namespace, settings: Settings) -> int:
    import json

    from entrypoints.http.music.music_schemas import RoundResultOut

    round_id = _round_id(arguments.round)
    with _opened(arguments, settings) as core:
        try:
            result = core.competition.results(round_id)
        except NotFound as error:
            raise CommandFailed(str(error)) from None
    print(json.dumps(RoundResultOut.of(result).model_dump(mode="json"), indent=2))
    return 0


def _recount(arguments: argparse.Namespace, settings: Settings) -> int:
    round_id = _round_id(arguments.round)
    with _opened(arguments, settings) as core:
        try:
            recount = core.audited_logs.recount_round(round_id)
        except NotFound as error:
            raise CommandFailed(str(error)) from None
    weighting = recount.weighting
    if arguments.json:
        print_json(
            {
                "round_id": str(recount.round_id),
                "number": recount.number,
                "closed_at_position": recount.closed_at_position,
                "ballots_counted": recount.ballots_counted,
                "scores_counted": recount.scores_counted,
                "late_ballots": recount.late_ballots,
                "late_scores": recount.late_scores,
                "popularity_percent": weighting.popularity_percent,
                "points_per_use": weighting.points_per_use,
                "cut_size": recount.cut_size,
                "recounted": [attrs.asdict(entry) for entry in recount.recounted],
                "agrees": recount.agrees,
                "differences": [str(difference) for difference in recount.differences],
            }
        )
        return 0 if recount.agrees else EXIT_DIFFERS
    print(
        f"round {recount.round_id} (number {recount.number}): closed at log position "
        f"{recount.closed_at_position}; counted {recount.ballots_counted} ballots and "
        f"{recount.scores_counted} scores recorded before the close "
        f"({recount.late_ballots} ballots and {recount.late_scores} scores late); "
        f"popularity {weighting.popularity_percent}%, {weighting.points_per_use} points per "
        f"use, cut {recount.cut_size}"
    )
    for s in recount.recounted:
        print(
            f"  {s.rank:>3}  {s.track_id}  {s.artist_account}  votes {s.votes}  uses {s.uses}  "
            f"points {s.popularity_points}  judges' scores {s.judges_scores} "
            f"(sum {s.judges_sum})  "
            f"popularity {s.popularity}  judges {s.judges}  total {s.total}"
            f"{'  advances' if s.advances else ''}"
        )
    if recount.agrees:
        print(f"the recount agrees with the recorded result ({len(recount.recounted)} entries)")
        return 0
    print(f"the recount differs from the recorded result in {len(recount.differences)} ways:")
    for difference in recount.differences:
        print(f"  {difference}")
    return EXIT_DIFFERS


def _payouts_run(arguments: argparse.Namespace, settings: Settings) -> int:
    from domain.money import Money
    from domain.revenue.payouts import checked_period

    try:
        # Refused up front: a run over nothing payable would not notice a bad period.
        checked_period(arguments.period)
        Money.zero(arguments.currency)
    except DomainError as error:
        raise CommandFailed(str(error)) from None
    with _opened(arguments, settings) as core, progress("paying out") as advance:
        try:
            made = core.payouts.run(
                OPERATOR, period=arguments.period, currency=arguments.currency, progress=advance
            )
        except (ApplicationError, DomainError) as error:
            raise CommandFailed(str(error)) from None
    if arguments.json:
        from entrypoints.http.revenue.revenue_schemas import PayoutOut

        print_json([PayoutOut.model_validate(payout).model_dump(mode="json") for payout in made])
        return 0
    for payout in made:
        print(
            f"{payout.id}  {payout.creator}  {payout.period}  {payout.amount}  "
            f"{payout.status.value}"
        )
    print(
        f"spotlight: {len(made)} payouts for {arguments.period} in {arguments.currency}",
        file=sys.stderr,
    )
    return 0


def _ledger(arguments: argparse.Namespace, settings: Settings) -> int:
    import json

    from entrypoints.http.revenue.revenue_schemas import AccountOut

    # One page when asked for one; else every page, read a page at a time, printed as one.
    every = arguments.limit is None and arguments.cursor is None
    with _opened(arguments, settings) as core:
        try:
            postings: list[PostingLine] = []
            cursor: int | None = arguments.cursor or 0
            while cursor is not None:
                view = core.ledger.account(
                    AUDITOR, arguments.account, cursor=cursor, limit=arguments.limit or _CLI_PAGE
                )
                postings.extend(view.postings)
                cursor = view.next_cursor if every else None
            view = attrs.evolve(view, postings=tuple(postings))
        except (ApplicationError, DomainError, PostingLineNotStorable) as error:
            raise CommandFailed(str(error)) from None
    print(json.dumps(AccountOut.of(view).model_dump(mode="json"), indent=2))
    return 0


def _statement(arguments: argparse.Namespace, settings: Settings) -> int:
    import json

    from entrypoints.http.revenue.revenue_schemas import StatementOut

    with _opened(arguments, settings) as core:
        try:
            # One page, or with --all every page from the cursor on, printed as one.
            items: list[StatementLine] = []
            cursor: str | None = arguments.cursor
            while True:
                statement = core.ledger.statement(
                    AUDITOR,
                    arguments.creator,
                    arguments.month,
                    arguments.currency,
                    cursor=cursor,
                    limit=arguments.limit,
                )
                items.extend(statement.items)
                cursor = statement.next_cursor
                if cursor is None or not arguments.all:
                    break
            statement = attrs.evolve(statement, items=tuple(items))
        except (ApplicationError, DomainError, PostingLineNotStorable) as error:
            raise CommandFailed(str(error)) from None
    print(json.dumps(StatementOut.of(statement).model_dump(mode="json"), indent=2))
    return 0


def _media_check(arguments: argparse.Namespace, settings: Settings) -> int:
    from application.media_store import check_media

    with _opened(arguments, settings) as core:
        found = check_media(core.media_store)
    if arguments.json:
        print_json(
            {
                "blobs": found.blobs,
                "size": found.size,
                "damaged": [str(address) for address in found.damaged],
            }
        )
        return 1 if found.damaged else 0
    for address in found.damaged:
        print(f"damaged: {address} no longer holds the bytes its address names")
    print(f"{found.blobs} blobs, {found.size} bytes; {len(found.damaged)} damaged")
    return 1 if found.damaged else 0


def _media_gc(arguments: argparse.Namespace, settings: Settings) -> int:
    with _opened(arguments, settings) as core:
        found = core.media_collector.collect(OPERATOR, dry_run=arguments.dry_run)
    if arguments.json:
        print_json(found.as_json())
        return 0
    verb = "would collect" if found.dry_run else "collected"
    for blob in found.collected:
        print(f"{verb}: {blob.address} ({blob.size} bytes, stored {blob.stored_at.isoformat()})")
    for blob in found.young:
        print(f"kept, younger than the grace period: {blob.address}")
    print(
        f"{found.blobs} blobs: {found.held} held, {len(found.young)} unheld but young, "
        f"{len(found.collected)} {verb} ({found.freed} bytes)"
    )
    return 0


def _ledger_check(arguments: argparse.Namespace, settings: Settings) -> int:
    from application.audit.ledger_audit import ListedPostings, Refused

    with _opened(arguments, settings) as core:
        with progress("recomputing the ledger") as advance:
            audit = core.audited_logs.ledger_audit(progress=advance)
        model: ListedPostings
        try:
            model = core.ledger.reading()
        except PostingLineNotStorable as refusal:
            model = Refused(refusal)  # it refuses every reading: compared, it says why
        with progress("comparing the read model") as advance:
            listed = core.audited_logs.ledger_read_model_problems(
                model, stop=core.ledger.position(), progress=advance
            )
    limited = [a for a in audit.accounts.values() if a.aggregate_balance is not None]
    totals = "; ".join(
        f"{currency} debits {debits}, credits {credits}"
        for currency, (debits, credits) in audit.totals.items()
    )
    problems = (*audit.problems, *listed.problems)
    if arguments.json:
        print_json(
            {
                "holds": not problems,
                "journal_entries": audit.entries,
                "totals": {
                    currency: {"debits": str(debits), "credits": str(credits)}
                    for currency, (debits, credits) in audit.totals.items()
                },
                "accounts_recomputed": len(audit.accounts),
                "limited_accounts": len(limited),
                "postings_compared": listed.postings,
                "accounts_compared": listed.accounts,
                "problems": [str(problem) for problem in problems],
            }
        )
        return EXIT_DIFFERS if problems else 0
    print(
        f"{audit.entries} journal entries ({totals or 'none'}); {len(audit.accounts)} "
        f"accounts recomputed, {len(limited)} with a LedgerAccount; {listed.postings} "
        f"postings of {listed.accounts} accounts compared with the read model"
    )
    if not problems:
        print(
            "the ledger holds: every entry balanced and within the bound, every limited "
            "account agrees with its postings and never went below zero, and the read model "
            "lists every posting"
        )
        return 0
    print(f"the ledger does not hold ({len(problems)} problems):")
    for problem in problems:
        print(f"  {problem}")
    return EXIT_DIFFERS


def _deliver_notices(arguments: argparse.Namespace, settings: Settings) -> int:
    with _opened(arguments, settings) as core:
        delivered = core.tagging.deliver_pending_notices()
        waiting = core.tagging.notices_waiting()
    if arguments.json:
        print_json({"delivered": delivered, "waiting": waiting})
        return 0
    print(f"delivered {delivered} notices of product tags; {waiting} still waiting")
    return 0


def _recognise_products(arguments: argparse.Namespace, settings: Settings) -> int:
    with _opened(arguments, settings) as core:
        with progress("recognising products") as advance:
            report = core.recognition.run_to_completion(batch=arguments.batch, progress=advance)
        status = core.recognition.status()
    if arguments.json:
        print_json(
            {
                "videos_scanned": report.videos_scanned,
                "listings_joined": report.listings_joined,
                "tags_proposed": report.tags_proposed,
                "tags_proposed_in_all": status.tags_proposed,
                "listings_indexed": status.listings_indexed,
            }
        )
        return 0
    print(
        f"recognised products in {report.videos_scanned} videos, joined "
        f"{report.listings_joined} new listings, proposed {report.tags_proposed} tags "
        f"({status.tags_proposed} in all; {status.listings_indexed} listings indexed)"
    )
    return 0


def _shop_search(arguments: argparse.Namespace, settings: Settings) -> int:
    import json

    from entrypoints.http.shop.shop_schemas import SearchPageOut, SearchResultOut

    if not arguments.query.strip():
        raise CommandFailed("QUERY must have a word to look for")
    if arguments.limit < 1:
        raise CommandFailed("--limit must be positive")
    from application.shop.search_filters import SearchFilters, SearchSort

    try:
        filters = SearchFilters(
            category=arguments.category,
            min_price=arguments.min_price,
            max_price=arguments.max_price,
            currency=arguments.currency,
            in_stock=not arguments.sold_out,
            sort=SearchSort(arguments.sort),
        )
    except DomainError as error:
        raise CommandFailed(str(error)) from error
    with _opened(arguments, settings) as core:
        found = core.shop_search.search(arguments.query, filters=filters, limit=arguments.limit)
    results = [SearchResultOut.model_validate(result) for result in found.items]
    page = SearchPageOut(
        query=arguments.query, items=results, next_cursor=found.next_cursor, results=results
    )
    print(json.dumps(page.model_dump(mode="json"), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spotlight",
        description="Spotlight Core: the event-sourced business core of a short-video platform.",
        epilog="Settings come from SPOTLIGHT_DATA_DIR, SPOTLIGHT_STORE and SPOTLIGHT_SECRET\n"
        "(`spotlight config` lists them all).\n\n" + EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"spotlight {installed_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    serve.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        help="the least severe log lines shown (default: SPOTLIGHT_LOG_LEVEL, else info)",
    )
    # The rate limits count per client address: behind a reverse proxy that address is the
    # proxy's unless the proxy's X-Forwarded-For is believed, and it is believed only from
    # the proxies named here (anyone else could claim any address).
    serve.add_argument(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="take the client address from X-Forwarded-For (and the scheme from "
        "X-Forwarded-Proto) when a trusted proxy sends them (default: on)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        metavar="ADDRESSES",
        help="comma-separated addresses or networks of the trusted proxies, '*' for any "
        "(default: $FORWARDED_ALLOW_IPS, else 127.0.0.1)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="HTTP worker processes (default 1; more need a SQLite or PostgreSQL store)",
    )
    serve.set_defaults(run=_serve)

    worker = commands.add_parser(
        "worker",
        help="bring the persisted read models up to date and run the background passes, "
        "until stopped (SIGTERM, SIGINT); for SPOTLIGHT_PROJECTIONS=worker",
    )
    worker.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    worker.add_argument(
        "--once",
        action="store_true",
        help="run one tick and exit (exit 1 when a projection failed)",
    )
    worker.add_argument(
        "--interval", type=float, default=2.0, help="seconds between ticks (default 2)"
    )
    worker.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        help="the least severe log lines shown (default: SPOTLIGHT_LOG_LEVEL, else info)",
    )
    add_json_flag(worker)
    worker.set_defaults(run=_worker)

    projections = commands.add_parser(
        "projections", help="the persisted read models: their status, and rebuilds"
    )
    projection_commands = projections.add_subparsers(
        dest="projections_command", metavar="ACTION", required=True
    )
    status = projection_commands.add_parser(
        "status",
        help="each projection's version, generation, positions, lag and failure "
        "(exit 1 when one has failed)",
    )
    add_json_flag(status)
    status.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    status.set_defaults(run=_projections_status)
    rebuild = projection_commands.add_parser(
        "rebuild",
        help="rebuild a projection from zero into a new generation and swap it in when "
        "caught up (the service may run meanwhile)",
    )
    rebuild.add_argument("name", metavar="NAME", help="the projection's name")
    rebuild.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(rebuild)
    rebuild.set_defaults(run=_projections_rebuild)
    schema = projection_commands.add_parser(
        "schema",
        help="the version of each component of the store's own tables, as JSON by part of the "
        "store: the read models, each log's hash chain, the key store (opening the store "
        "upgrades an older one's first)",
    )
    schema.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(schema, only=True)
    schema.set_defaults(run=_projections_schema)

    token = commands.add_parser("token", help="print a signed bearer token for a role and subject")
    token.add_argument("--role", required=True, choices=[role.value for role in Role])
    token.add_argument("--subject", required=True, help="the id of the acting party")
    token.add_argument(
        "--hours", type=int, default=24, help="lifetime in hours (default 24, at most 8784)"
    )
    add_json_flag(token)
    token.set_defaults(run=_token)

    sweep = commands.add_parser(
        "sweep", help="run retroactive matching of new titles' material until none is pending"
    )
    sweep.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    sweep.add_argument("--batch", type=int, default=1000, help="videos per pass (default 1000)")
    add_json_flag(sweep)
    sweep.set_defaults(run=_sweep)

    rejudge = commands.add_parser(
        "rejudge",
        help="judge again the waiting matches on videos whose engagement grew (titles whose "
        "policy requires or favours engagement), up to the log's end",
    )
    rejudge.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(rejudge)
    rejudge.set_defaults(run=_rejudge)

    index = commands.add_parser("index", help="operate the matching indexes")
    index_commands = index.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    index_snapshot = index_commands.add_parser(
        "snapshot",
        help="save the matching indexes (the anchors index, the music track index, the "
        "product recogniser's) with their log positions, so that the next process starts "
        "from them",
    )
    index_snapshot.add_argument(
        "index",
        nargs="?",
        choices=(*INDEXES, "all"),
        default="all",
        help="which index to save (default all)",
    )
    index_snapshot.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(index_snapshot)
    index_snapshot.set_defaults(run=_index_snapshot)

    analytics = commands.add_parser(
        "analytics", help="print a studio's analytics as JSON, recomputed from the log"
    )
    analytics.add_argument("--studio", required=True, help="the studio's id")
    analytics.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(analytics, only=True)
    analytics.set_defaults(run=_analytics)

    for name, owner, listed in (
        ("studio-titles", "studio", "a studio's titles, in the order it registered them"),
        ("studio-anchors", "studio", "the anchors on a studio's titles, with their evidence"),
        ("studio-disputes", "studio", "the disputes on a studio's titles, open or decided"),
        ("creator-videos", "creator", "a creator's videos with their anchors and moderation"),
        ("creator-invitations", "creator", "a creator's invitations from brands"),
        ("artist-tracks", "artist", "an artist's tracks and their review state"),
        ("artist-seasons", "artist", "the seasons an artist entered, with its standings"),
    ):
        owner_list = commands.add_parser(name, help=f"print a page of {listed} as JSON")
        owner_list.add_argument(f"--{owner}", required=True, help=f"the {owner}'s id")
        owner_list.add_argument(
            "--limit", type=int, default=50, help=f"items per page (1 to {MAX_LIMIT}; default 50)"
        )
        owner_list.add_argument("--cursor", help="the next_cursor the previous page printed")
        owner_list.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(owner_list, only=True)
        owner_list.set_defaults(run=_owner_list)

    for name, listed in (
        ("creator-earnings", "a creator's earnings month by month, oldest first"),
        ("creator-payouts", "a creator's payouts in the order requested, with their state"),
        ("seller-earnings", "a seller's proceeds of sales month by month, oldest first"),
        ("seller-payouts", "a seller's payouts in the order requested, with their state"),
        ("pulse-applications", "the Pulse applications queue, in the order applied"),
        ("pulse-categories", "the 12 categories, with their ranked videos and inventory"),
    ):
        money_list = commands.add_parser(name, help=f"print a page of {listed} as JSON")
        if name == "pulse-applications":
            money_list.add_argument(
                "--status",
                choices=("applied", "approved", "rejected"),
                default="applied",
                help="which applications (default: those awaiting a decision)",
            )
        elif name.startswith("seller-"):
            money_list.add_argument("--seller", required=True, help="the seller's account")
        elif name != "pulse-categories":
            money_list.add_argument("--creator", required=True, help="the creator's account")
        if name.endswith("-earnings"):
            money_list.add_argument("--currency", default="USD", help="the currency (default USD)")
        if name.endswith(("-earnings", "-payouts")):
            money_list.add_argument(
                "--csv", action="store_true", help="print every item as CSV instead of a page"
            )
        if name.endswith("-payouts"):
            money_list.add_argument(
                "--status",
                choices=("in-transit", "sent", "returned"),
                help="only the payouts in this state",
            )
        money_list.add_argument(
            "--limit", type=int, default=50, help=f"items per page (1 to {MAX_LIMIT}; default 50)"
        )
        money_list.add_argument("--cursor", help="the next_cursor the previous page printed")
        money_list.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(money_list, only=True)
        money_list.set_defaults(run=_money_list)

    for name, listed in (
        ("brand-campaigns", "a brand's campaigns, business and Pulse, in the order launched"),
        ("campaign-invitations", "a campaign's invitations, in the order sent"),
        ("campaign-effects", "a campaign's branded effects, in the order registered"),
    ):
        brand_list = commands.add_parser(name, help=f"print a page of {listed} as JSON")
        if name == "brand-campaigns":
            brand_list.add_argument("--brand", required=True, help="the brand's account")
            brand_list.add_argument(
                "--program", choices=("business", "pulse"), help="only this program's"
            )
        else:
            brand_list.add_argument("--campaign", required=True, help="the campaign's id")
        brand_list.add_argument(
            "--limit", type=int, default=50, help=f"items per page (1 to {MAX_LIMIT}; default 50)"
        )
        brand_list.add_argument("--cursor", help="the next_cursor the previous page printed")
        brand_list.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
        add_json_flag(brand_list, only=True)
        brand_list.set_defaults(run=_brand_list)

    music_usage = commands.add_parser(
        "music-usage", help="find videos using cleared tracks until no scan has work left"
    )
    music_usage.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    music_usage.add_argument("--batch", type=int, default=500, help="videos per pass (default 500)")
    add_json_flag(music_usage)
    music_usage.set_defaults(run=_music_usage)

    round_results = commands.add_parser(
        "round-results", help="print a closed round's recorded result as JSON (as an auditor)"
    )
    round_results.add_argument("--round", required=True, help="the round's id")
    round_results.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(round_results, only=True)
    round_results.set_defaults(run=_round_results)

    recount = commands.add_parser(
        "recount",
        help="recount a closed round from the music log and compare it with its recorded "
        "result (exit 0: they agree, 1: they differ, 2: bad input)",
    )
    recount.add_argument("--round", required=True, help="the round's id")
    recount.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(recount)
    recount.set_defaults(run=_recount)

    payouts_run = commands.add_parser(
        "payouts-run",
        help="pay out every creator with something payable for a period (as an operator); "
        "prints one line per payout",
    )
    payouts_run.add_argument("--period", required=True, help="the month paid, YYYY-MM")
    payouts_run.add_argument("--currency", default="USD", help="the currency (default USD)")
    payouts_run.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(payouts_run)
    payouts_run.set_defaults(run=_payouts_run)

    ledger = commands.add_parser(
        "ledger", help="print an account's balance and postings as JSON (as an auditor)"
    )
    ledger.add_argument(
        "--account", required=True, help="the account's code, e.g. creator:maya:payable:USD"
    )
    ledger.add_argument(
        "--cursor",
        type=int,
        help="print one page, from the next_cursor of the previous one (default: every page)",
    )
    ledger.add_argument(
        "--limit", type=int, help=f"print one page of this many postings (at most {_CLI_PAGE})"
    )
    ledger.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(ledger, only=True)
    ledger.set_defaults(run=_ledger)

    statement = commands.add_parser(
        "statement",
        help="print a page of a creator's monthly statement, with the month's totals, as JSON "
        "(as an auditor); --all prints every page",
    )
    statement.add_argument("--creator", required=True, help="the creator's account")
    statement.add_argument("--month", required=True, help="the month, YYYY-MM")
    statement.add_argument("--currency", default="USD", help="the currency (default USD)")
    statement.add_argument(
        "--cursor", help="start after the page whose next_cursor this is (default: the first)"
    )
    statement.add_argument(
        "--limit",
        type=int,
        default=STATEMENT_PAGE,
        help=f"lines per page (default {STATEMENT_PAGE}, at most {MAX_STATEMENT_PAGE})",
    )
    statement.add_argument(
        "--all", action="store_true", help="print every page from the cursor on, as one"
    )
    statement.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(statement, only=True)
    statement.set_defaults(run=_statement)

    ledger_check = commands.add_parser(
        "ledger-check",
        help="recompute every balance from the revenue log and check the ledger holds "
        "(exit 0: it holds, 1: problems, each printed, 2: bad input)",
    )
    ledger_check.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(ledger_check)
    ledger_check.set_defaults(run=_ledger_check)

    deliver_notices = commands.add_parser(
        "deliver-notices",
        help="tell creators of product tags still awaiting notice (a failed notifier is "
        "retried here); prints how many were delivered",
    )
    deliver_notices.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(deliver_notices)
    deliver_notices.set_defaults(run=_deliver_notices)

    campaign_dashboard = commands.add_parser(
        "campaign-dashboard",
        help="print a brand campaign's dashboard as JSON, recomputed from the logs",
    )
    campaign_dashboard.add_argument("--campaign", required=True, help="the campaign's id")
    campaign_dashboard.add_argument("--as-of", help="the day to report up to (today)")
    campaign_dashboard.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(campaign_dashboard, only=True)
    campaign_dashboard.set_defaults(run=_campaign_dashboard)

    campaign_report = commands.add_parser(
        "campaign-report",
        help="print a brand campaign's reach, frequency, clicks and conversions over a range",
    )
    campaign_report.add_argument("--campaign", required=True, help="the campaign's id")
    campaign_report.add_argument("--days", type=int, help="the last 7, 28 or 90 days (28)")
    campaign_report.add_argument("--from", dest="first", help="a custom range's first day")
    campaign_report.add_argument("--to", dest="last", help="a custom range's last day")
    campaign_report.add_argument("--csv", action="store_true", help="as CSV instead of JSON")
    add_json_flag(campaign_report, only=True)
    campaign_report.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    campaign_report.set_defaults(run=_campaign_report)

    erase = commands.add_parser(
        "erase-person",
        help="erase a person's personal data on request (their key is destroyed; the log "
        "keeps only sealed bytes and still verifies)",
    )
    erase.add_argument("--subject", required=True, help="the person's account")
    erase.add_argument(
        "--role",
        default=Role.CREATOR.value,
        choices=[role.value for role in Role],
        help="the person's role (default creator): a person is a role and a subject",
    )
    erase.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(erase)
    erase.set_defaults(run=_erase_person)

    media_check = commands.add_parser(
        "media-check",
        help="read every stored upload and check its bytes still hash to its address "
        "(exit 0: all whole, 1: damaged blobs, each printed)",
    )
    media_check.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(media_check)
    media_check.set_defaults(run=_media_check)

    media = commands.add_parser("media", help="operate the media store")
    media_commands = media.add_subparsers(dest="media_command", metavar="ACTION", required=True)
    media_gc = media_commands.add_parser(
        "gc",
        help="delete the blobs no live object holds (derived from the logs: erased people's, "
        "replaced, failed uploads), once older than SPOTLIGHT_MEDIA_GRACE_HOURS",
    )
    media_gc.add_argument(
        "--dry-run", action="store_true", help="list what would be collected, delete nothing"
    )
    media_gc.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(media_gc)
    media_gc.set_defaults(run=_media_gc)

    recognise = commands.add_parser(
        "recognise-products",
        help="recognise listed products in videos until none is pending: new videos against "
        "every listing, new listings against older videos; proposes tags",
    )
    recognise.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    recognise.add_argument("--batch", type=int, default=20, help="videos per step (default 20)")
    add_json_flag(recognise)
    recognise.set_defaults(run=_recognise_products)

    shop_search = commands.add_parser(
        "shop-search",
        help="search the listings a buyer can order (on sale, in stock); prints JSON",
    )
    shop_search.add_argument("query", metavar="QUERY", help="the words to look for")
    shop_search.add_argument("--limit", type=int, default=20, help="results to print (default 20)")
    shop_search.add_argument("--category", help="only listings of this category")
    shop_search.add_argument("--min-price", type=int, help="at least, in minor units of --currency")
    shop_search.add_argument("--max-price", type=int, help="at most, in minor units of --currency")
    shop_search.add_argument("--currency", help="only listings priced in this currency")
    shop_search.add_argument(
        "--sold-out", action="store_true", help="also listings sold out (still on sale)"
    )
    shop_search.add_argument(
        "--sort",
        choices=("relevance", "price_asc", "price_desc", "newest"),
        default="relevance",
        help="the results' order (default relevance)",
    )
    shop_search.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(shop_search, only=True)
    shop_search.set_defaults(run=_shop_search)

    _add_account_commands(commands)
    add_audit_commands(commands)
    add_backup_commands(commands)
    add_demo_command(commands)
    add_webhook_commands(commands)
    add_music_commands(commands)
    add_shop_list_commands(commands)
    add_order_commands(commands)
    add_invitation_commands(commands)
    add_analytics_commands(commands)
    add_config_command(commands)
    add_video_report_commands(commands)
    add_pulse_commands(commands)
    describe_subcommands(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    run: Callable[[argparse.Namespace, Settings], int] = arguments.run
    try:
        settings = Settings.from_environ()
        configure_logging(settings.log_format, _log_level(arguments, settings))
        return run(arguments, settings)
    except (CommandFailed, SettingsError, StoreConfigurationError) as error:
        print(f"spotlight: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
