"""`spotlight audit ...`: verify the logs' hash chains, sign checkpoints, export a log,
replay every log into a scratch store to compare the read models and check the invariants,
and print the results of those runs.

The commands read the store directly: they need no running service, and work as well on a
copy of the store. They read the logs only (creating nothing in them); ``verify`` and
``replay`` then keep their result in the store's database (``application.audit.audit_runs``),
which ``runs`` prints.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, TextIO

from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import SQLAlchemyError

from adapters.audit.logs import OpenedLog, open_log
from adapters.clock import SystemClock
from adapters.storage import StoreConfigurationError, StoreKind, sqlite_file_for
from application.audit.audit import (
    Checkpoint,
    NotACheckpoint,
    StoreVerification,
    UnknownLog,
    audited_records,
    checkpoints_document,
    end_of,
    parse_checkpoints,
    take_checkpoint,
    verify_store,
)
from application.audit.audit_runs import (
    AuditRun,
    AuditRuns,
    RunKind,
    replay_run,
    verification_run,
)
from application.auth import Principal, Role
from application.logs import LOG_NAMES
from application.paging import MAX_LIMIT
from entrypoints.cli_support import (
    Advance,
    add_json_flag,
    print_json,
    progress,
    shows_progress,
)
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from application.audit.audit_replay import ReplayReport

#: Every application log of the core, in the order they are verified: the inbox too, whose
#: notices (and webhook subscriptions) are facts a person was told.
LOGS = LOG_NAMES

EXIT_INTACT = 0
EXIT_TAMPERED = 1
EXIT_BAD_INPUT = 2
EXIT_FORGED_CHECKPOINT = 3
MAX_FINDINGS_SHOWN = 50
#: Who reads the runs from the command line: the operator, with the store in hand.
CLI_AUDITOR = Principal(role=Role.AUDITOR, subject="cli-auditor")
BY_HELP = "who or what runs it, kept with the run's result (default: the system user and host)"

EXIT_STATUSES = f"""\
exit status:
  {EXIT_INTACT}  every log verifies (and matches every checkpoint given)
  {EXIT_TAMPERED}  tampering found: a record altered, deleted, inserted or reordered, a tail
     truncated, or records rewritten since a checkpoint (each finding names its log and
     position; this status wins over {EXIT_FORGED_CHECKPOINT})
  {EXIT_BAD_INPUT}  bad input: a missing or unreadable store, a file that is not a checkpoints
     file, a checkpoint of a log the store does not have, no public key to check
     checkpoints with, an unknown log, a range beyond the end of the log
  {EXIT_FORGED_CHECKPOINT}  a checkpoint's signature is invalid (the store itself verifies)
"""


class BadInput(Exception):
    """The command cannot run on what it was given (exit status 2)."""


def _fail(error: Exception) -> int:
    print(f"spotlight: error: {error}", file=sys.stderr)
    return EXIT_BAD_INPUT


@contextmanager
def _opened(settings: Settings, names: Sequence[str]) -> Iterator[dict[str, OpenedLog]]:
    opened: dict[str, OpenedLog] = {}
    try:
        for name in names:
            opened[name] = open_log(settings.store, name)
        yield opened
    finally:
        for log in opened.values():
            log.close()


def _settings(arguments: argparse.Namespace, settings: Settings) -> Settings:
    return settings.with_store(arguments.store) if arguments.store else settings


# verify ----------------------------------------------------------------------------------------


class ProgressReport:
    """Progress on stderr: a line redrawn in place on a terminal (with rate and ETA), plain
    lines now and then otherwise."""

    def __init__(self, total_positions: int, stream: TextIO, *, interactive: bool) -> None:
        self.total = max(total_positions, 1)
        self.stream = stream
        self.interactive = interactive
        self.started = time.monotonic()
        self.shown = self.started
        self.done_before = 0  # positions of the logs already finished
        self.records_before = 0
        self.every = 0.2 if interactive else 5.0

    def __call__(self, log: str, position: int, records: int) -> None:
        now = time.monotonic()
        if now - self.shown < self.every:
            return
        self.shown = now
        self._show(log, position, records, now)

    def log_done(self, log: str, last_position: int, records: int) -> None:
        self.done_before += last_position
        self.records_before += records
        if self.interactive:
            self.stream.write("\r\033[K")
        rate = self.records_before / max(time.monotonic() - self.started, 1e-9)
        self.stream.write(f"verified {log}: {records:,} records ({rate:,.0f} records/s)\n")
        self.stream.flush()

    def _show(self, log: str, position: int, records: int, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        done = self.done_before + position
        read = self.records_before + records
        rate = read / elapsed
        eta = (self.total - done) * elapsed / done if done else 0.0
        line = (
            f"verifying {log}: position {position:,} ({100 * done / self.total:.0f}% of all "
            f"logs), {rate:,.0f} records/s, ETA {_duration(max(eta, 0.0))}"
        )
        if self.interactive:
            self.stream.write(f"\r\033[K{line}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _read_checkpoints(paths: Sequence[str]) -> list[Checkpoint]:
    checkpoints: list[Checkpoint] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInput(f"--checkpoint {path}: no such file") from None
        except UnicodeDecodeError:
            raise BadInput(f"--checkpoint {path}: not a checkpoints file (not text)") from None
        except OSError as error:
            raise BadInput(f"--checkpoint {path}: cannot be read: {error.strerror}") from None
        try:
            checkpoints.extend(parse_checkpoints(text))
        except NotACheckpoint as error:
            raise BadInput(f"--checkpoint {path}: not a checkpoints file: {error}") from None
    return checkpoints


def _public_key(arguments: argparse.Namespace, settings: Settings) -> bytes:
    from adapters.audit.checkpoints import BadKey, Ed25519Signer, key_bytes

    given: str | None = arguments.public_key
    if given is not None:
        text = given
        if Path(given).is_file():
            text = Path(given).read_text(encoding="utf-8")
        try:
            return key_bytes(text, "--public-key")
        except BadKey as error:
            raise BadInput(str(error)) from None
    seed = settings.existing_audit_seed()
    if seed is None:
        raise BadInput(
            "checkpoints are checked with the audit public key: pass --public-key, or set "
            "SPOTLIGHT_AUDIT_KEY (or keep <data dir>/audit-key) to use the operator's own"
        )
    return Ed25519Signer(seed).public_key


def _verify(arguments: argparse.Namespace, settings: Settings) -> int:
    from adapters.audit.checkpoints import Ed25519Check

    if arguments.page < 1:
        return _fail(BadInput("--page must be positive"))
    settings = _settings(arguments, settings)
    try:
        checkpoints = _read_checkpoints(arguments.checkpoint or ())
        check = Ed25519Check(_public_key(arguments, settings)) if checkpoints else None
    except BadInput as error:
        return _fail(error)
    started = SystemClock().now()
    with _opened(settings, LOGS) as opened:
        readers = {name: log.reader for name, log in opened.items()}
        unknown = sorted({c.log for c in checkpoints} - set(readers))
        if unknown:
            return _fail(
                UnknownLog(f"checkpoints name logs this store does not have: {', '.join(unknown)}")
            )
        try:
            total = sum(end_of(reader) for reader in readers.values())
            progress = ProgressReport(total, sys.stderr, interactive=sys.stderr.isatty())
            results = []
            for name, reader in readers.items():
                one = verify_store(
                    {name: reader},
                    checkpoints=[c for c in checkpoints if c.log == name],
                    signatures=check,
                    page=arguments.page,
                    progress=progress,
                )
                progress.log_done(name, one.logs[0].last_position, one.logs[0].records)
                results.append(one)
        except (PersistenceError, sqlite3.Error) as error:
            return _fail(BadInput(f"the store cannot be read: {_first_line(error)}"))
    verification = StoreVerification(
        logs=tuple(log for one in results for log in one.logs),
        forged=tuple(f for one in results for f in one.forged),
    )
    if arguments.json:
        status = _verification_status(verification)
        print_json(_verification_json(verification, len(checkpoints), status))
    else:
        status = _report(verification, len(checkpoints), sys.stdout)
    run = verification_run(
        verification,
        started_at=started,
        finished_at=SystemClock().now(),
        ran_by=_ran_by(arguments),
        checkpoints=len(checkpoints),
    )
    return _kept(settings, run, status)


# runs: what every verify and replay found -------------------------------------------------------


def _ran_by(arguments: argparse.Namespace) -> str:
    """Who runs the command: as told (``--by``), or the operating system's user and host."""
    given: str | None = arguments.by
    if given and given.strip():
        return given.strip()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} (spotlight audit {arguments.audit_command})"


@contextmanager
def _run_log(settings: Settings) -> Iterator[AuditRuns]:
    from adapters.audit.runs import SqlAuditRuns
    from adapters.projections import SqlProjectionStore, projection_database_for

    store = SqlProjectionStore(projection_database_for(settings.store, pool_size=1, overflow=0))
    try:
        yield AuditRuns(SqlAuditRuns(store))
    finally:
        store.close()


def _no_run_log(settings: Settings) -> str | None:
    """Why the store has no database to keep runs in, or None when it has one. A SQLite
    store's is the read models' file beside its logs: a backup, or a copy of the logs alone,
    has none, and verifying it in place must leave it as it was."""
    store = settings.store
    if store.kind is StoreKind.MEMORY:
        return f"{store.setting}={store.redacted}: a memory store keeps no runs"
    if store.kind is StoreKind.SQLITE:
        assert store.sqlite_path is not None
        kept_in = sqlite_file_for(store.sqlite_path, "projections")
        if not kept_in.is_file():
            return f"{store.setting}={store.redacted}: {kept_in} does not exist"
    return None


def _kept(settings: Settings, run: AuditRun, status: int) -> int:
    """Keep the run's result in the store's database, so the auditor page, ``GET
    /v1/audit/runs`` and ``spotlight audit runs`` show it; a result that cannot be kept is
    said on stderr and leaves the run's own exit status (what it found stays true)."""
    missing = _no_run_log(settings)
    if missing is not None:
        print(f"spotlight: the run's result was not kept: {missing}", file=sys.stderr)
        return status
    try:
        with _run_log(settings) as runs:
            kept = runs.record(run)
    except (PersistenceError, sqlite3.Error, SQLAlchemyError, OSError) as error:
        print(f"spotlight: the run's result was not kept: {_first_line(error)}", file=sys.stderr)
        return status
    print(f"kept as audit run {kept.number}: {kept.outcome.value}", file=sys.stderr)
    return status


def _runs(arguments: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= arguments.limit <= MAX_LIMIT:
        return _fail(BadInput(f"--limit must be from 1 to {MAX_LIMIT}"))
    settings = _settings(arguments, settings)
    kind = None if arguments.kind is None else RunKind(arguments.kind)
    missing = _no_run_log(settings)
    if missing is not None:
        return _fail(BadInput(missing))
    try:
        with _run_log(settings) as runs:
            page = runs.page(CLI_AUDITOR, kind=kind, limit=arguments.limit)
    except StoreConfigurationError as error:
        return _fail(BadInput(str(error)))
    except (PersistenceError, sqlite3.Error, SQLAlchemyError) as error:
        return _fail(BadInput(f"the store cannot be read: {_first_line(error)}"))
    if arguments.json:
        print_json(
            {
                "items": [
                    {
                        "number": run.number,
                        "kind": run.kind.value,
                        "outcome": run.outcome.value,
                        "started_at": run.started_at.isoformat(),
                        "finished_at": run.finished_at.isoformat(),
                        "ran_by": run.ran_by,
                        "positions": {p.log: p.position for p in run.positions},
                        "summary": run.summary,
                        "first_failure": run.first_failure,
                    }
                    for run in page.items
                ],
                "next_cursor": page.next_cursor,
            }
        )
        return 0
    if not page.items:
        print("no audit run yet: run `spotlight audit verify` or `spotlight audit replay`")
        return 0
    for run in page.items:
        covered = ", ".join(f"{p.log} {p.position:,}" for p in run.positions) or "no log"
        print(
            f"run {run.number}: {run.kind.value} {run.outcome.value.upper()} "
            f"(finished {run.finished_at.isoformat(timespec='seconds')}, "
            f"started {run.started_at.isoformat(timespec='seconds')}, by {run.ran_by})"
        )
        print(f"  covered: {covered}")
        print(f"  {run.summary}")
        if run.first_failure:
            print(f"  first failure: {run.first_failure}")
    return 0


def _verification_status(verification: StoreVerification) -> int:
    if verification.tampered:
        return EXIT_TAMPERED
    return EXIT_FORGED_CHECKPOINT if verification.forged else EXIT_INTACT


def _verification_json(
    verification: StoreVerification, checkpoints: int, status: int
) -> dict[str, object]:
    outcome = {EXIT_INTACT: "ok", EXIT_TAMPERED: "tampered"}.get(status, "forged-checkpoint")
    return {
        "outcome": outcome,
        "checkpoints": checkpoints,
        "logs": [
            {
                "log": log.log,
                "records": log.records,
                "last_position": log.last_position,
                "head": log.head.hex(),
                "checkpoints_matched": log.checkpoints_matched,
                "intact": log.intact,
                "findings": [str(finding) for finding in log.findings],
            }
            for log in verification.logs
        ],
        "forged": [str(forged) for forged in verification.forged],
    }


def _report(verification: StoreVerification, checkpoints: int, out: IO[str]) -> int:
    for log in verification.logs:
        state = "intact" if log.intact else f"{len(log.findings)} findings"
        out.write(
            f"{log.log}: {log.records:,} records up to position {log.last_position:,}, "
            f"head {log.head.hex()}, {log.checkpoints_matched} checkpoints matched: {state}\n"
        )
        for finding in log.findings[:MAX_FINDINGS_SHOWN]:
            out.write(f"  {finding}\n")
        if len(log.findings) > MAX_FINDINGS_SHOWN:
            out.write(f"  ... and {len(log.findings) - MAX_FINDINGS_SHOWN} more\n")
    for forged in verification.forged:
        out.write(f"checkpoint rejected: {forged}\n")
    if verification.tampered:
        first = verification.findings[0]
        out.write(f"TAMPERED: first finding in the {first.log} log at position {first.position}\n")
        return EXIT_TAMPERED
    if verification.forged:
        out.write(f"FORGED CHECKPOINT: {len(verification.forged)} checkpoints are not signed\n")
        return EXIT_FORGED_CHECKPOINT
    out.write(
        f"OK: {len(verification.logs)} logs verify"
        + (f", matching {checkpoints} signed checkpoints" if checkpoints else "")
        + "\n"
    )
    return EXIT_INTACT


# checkpoint, public-key -----------------------------------------------------------------------


def _checkpoint(arguments: argparse.Namespace, settings: Settings) -> int:
    from adapters.audit.checkpoints import Ed25519Signer

    settings = _settings(arguments, settings)
    signer = Ed25519Signer(settings.audit_seed())
    clock = SystemClock()
    with _opened(settings, LOGS) as opened:
        try:
            checkpoints = [
                take_checkpoint(name, log.reader, signer, clock.now())
                for name, log in opened.items()
            ]
        except (PersistenceError, sqlite3.Error) as error:
            return _fail(BadInput(f"the store cannot be read: {_first_line(error)}"))
    document = checkpoints_document(checkpoints, signer.public_key)
    try:
        _write(arguments.out, document + "\n")
    except OSError as error:
        return _fail(BadInput(f"--out {arguments.out}: cannot be written: {error.strerror}"))
    for checkpoint in checkpoints:
        print(
            f"signed {checkpoint.log} at position {checkpoint.position:,}: "
            f"head {checkpoint.head.hex()}",
            file=sys.stderr,
        )
    return 0


def _public_key_command(arguments: argparse.Namespace, settings: Settings) -> int:
    from adapters.audit.checkpoints import Ed25519Signer

    key = base64.b64encode(Ed25519Signer(settings.audit_seed()).public_key).decode()
    if arguments.json:
        print_json({"public_key": key, "algorithm": "Ed25519"})
    else:
        print(key)
    return 0


def _write(path: str | None, text: str) -> None:
    if path is None or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(path).write_text(text, encoding="utf-8")


# export ---------------------------------------------------------------------------------------


def _export(arguments: argparse.Namespace, settings: Settings) -> int:
    if arguments.log not in LOGS:
        return _fail(
            BadInput(f"--log {arguments.log!r}: no such log (the logs: {', '.join(LOGS)})")
        )
    start, stop = arguments.start, arguments.stop
    if start is not None and start < 1:
        return _fail(BadInput("--from must be a position from 1"))
    if stop is not None and stop < 1:
        return _fail(BadInput("--to must be a position from 1"))
    if start is not None and stop is not None and start > stop:
        return _fail(BadInput(f"--from {start} is after --to {stop}"))
    settings = _settings(arguments, settings)
    with _opened(settings, [arguments.log]) as opened:
        log = opened[arguments.log]
        try:
            end = log.reader.max_notification_id() or 0
            for bound, name in ((start, "--from"), (stop, "--to")):
                if bound is not None and bound > end:
                    return _fail(
                        BadInput(
                            f"{name} {bound} is beyond the end of the {arguments.log} log "
                            f"(its last position is {end})"
                        )
                    )
            written = _export_lines(
                log,
                after=(start or 1) - 1,
                stop=end if stop is None else stop,
                out=arguments.out,
            )
        except (PersistenceError, sqlite3.Error) as error:
            return _fail(BadInput(f"the store cannot be read: {_first_line(error)}"))
        except OSError as error:
            return _fail(BadInput(f"--out {arguments.out}: cannot be written: {error.strerror}"))
    print(f"exported {written:,} records of the {arguments.log} log", file=sys.stderr)
    return 0


def _export_lines(log: OpenedLog, *, after: int, stop: int, out: str | None) -> int:
    written = 0

    def lines(stream: IO[str]) -> None:
        nonlocal written
        for record in audited_records(log.reader, log.plain, after=after, stop=stop):
            stream.write(json.dumps(record.as_json(), ensure_ascii=False) + "\n")
            written += 1

    if out is None or out == "-":
        lines(sys.stdout)
        sys.stdout.flush()
    else:
        with Path(out).open("w", encoding="utf-8") as stream:
            lines(stream)
    return written


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# replay ---------------------------------------------------------------------------------------

EXIT_MATCHES = 0
EXIT_DIFFERS = 1

REPLAY_EXIT_STATUSES = f"""\
exit status:
  {EXIT_MATCHES}  every read model matches its replay and every invariant holds
  {EXIT_DIFFERS}  a difference between a live read model (or aggregate) and its replay, or a
     violated invariant (each names the read model and key, or the log and position)
  {EXIT_BAD_INPUT}  bad input: a missing or unreadable store, a log the store does not have, a
     scratch directory that cannot be used
"""


class ReplayProgress:
    """Progress on stderr: phases as lines; the copy redrawn in place on a terminal, a plain
    line every 5 s otherwise."""

    def __init__(self, stream: TextIO, *, interactive: bool, bar: Advance | None = None) -> None:
        self.stream = stream
        self.interactive = interactive
        #: A progress bar (rich) the copy advances instead of redrawing a line.
        self.bar = bar
        self.every = 0.2 if interactive else 5.0
        self.started = time.monotonic()
        self.shown = self.started
        self.log_started = self.started
        self.drawn = False

    def phase(self, message: str) -> None:
        self._clear()
        self.log_started = time.monotonic()
        self.stream.write(f"{message}\n")
        self.stream.flush()

    def copy(self, log: str, copied: int, total: int) -> None:
        if self.bar is not None:
            self.bar(copied, total)
            return
        now = time.monotonic()
        if now - self.shown < self.every:
            return
        self.shown = now
        rate = copied / max(now - self.log_started, 1e-9)
        line = f"copying {log}: {copied:,} events of up to {total:,} ({rate:,.0f} events/s)"
        if self.interactive:
            self.stream.write(f"\r\033[K{line}")
            self.drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.drawn = False


def _replay(arguments: argparse.Namespace, settings: Settings) -> int:
    from application.audit.audit_replay import COPY_PAGE, replay
    from entrypoints.replay_cores import replay_cores

    page: int = COPY_PAGE if arguments.page is None else arguments.page
    if page < 1:
        return _fail(BadInput("--page must be positive"))
    settings = _settings(arguments, settings)
    started = SystemClock().now()
    try:
        with (
            replay_cores(settings, arguments.scratch) as (live, scratch),
            progress("copying the logs") as bar,
        ):
            # Made inside the bar, whose display takes stderr's lines above it.
            shown = ReplayProgress(
                sys.stderr,
                interactive=sys.stderr.isatty(),
                bar=bar if shows_progress() else None,
            )
            shown.phase(
                f"replaying the {settings.store.kind.value} store {settings.store.redacted}"
            )
            report = replay(live, scratch, page=page, phase=shown.phase, progress=shown.copy)
    except StoreConfigurationError as error:
        return _fail(BadInput(str(error)))
    except (PersistenceError, sqlite3.Error) as error:
        return _fail(BadInput(f"the store cannot be read: {_first_line(error)}"))
    except OSError as error:
        return _fail(BadInput(f"--scratch: cannot be used: {error}"))
    if arguments.json:
        status = EXIT_MATCHES if report.holds else EXIT_DIFFERS
        print_json(_replay_json(report, shown=max(arguments.show, 0)))
    else:
        status = _replay_report(report, sys.stdout, shown=max(arguments.show, 0))
    run = replay_run(
        report, started_at=started, finished_at=SystemClock().now(), ran_by=_ran_by(arguments)
    )
    return _kept(settings, run, status)


def _replay_json(report: ReplayReport, *, shown: int) -> dict[str, object]:
    differences = [d for comparison in report.comparisons for d in comparison.kept]
    return {
        "holds": report.holds,
        "events": report.events,
        "logs": [
            {
                "log": log.log,
                "events": log.events,
                "last_position": log.last_position,
                "seconds": log.seconds,
            }
            for log in report.logs
        ],
        "read_models": [
            {
                "read_model": comparison.read_model,
                "keys": comparison.keys,
                "differences": comparison.differences,
            }
            for comparison in report.comparisons
        ],
        "differences": report.differences,
        "differences_shown": [str(difference) for difference in differences[:shown]],
        "violations": len(report.violations),
        "violations_shown": [str(violation) for violation in report.violations[:shown]],
        "seconds": {
            "copy": report.copy_seconds,
            "rebuild": report.rebuild_seconds,
            "live": report.live_seconds,
            "compare": report.compare_seconds,
            "invariants": report.invariant_seconds,
        },
    }


def _replay_report(report: ReplayReport, out: IO[str], *, shown: int) -> int:
    logs = Table(("log", "events", "last position", "copied in", "events/s"))
    for log in report.logs:
        logs.add(
            log.log,
            f"{log.events:,}",
            f"{log.last_position:,}",
            f"{log.seconds:.2f} s",
            f"{log.rate:,.0f}",
        )
    out.write(logs.render())
    models = Table(("read model", "keys", "differences"))
    for comparison in report.comparisons:
        models.add(comparison.read_model, f"{comparison.keys:,}", f"{comparison.differences:,}")
    out.write("\n" + models.render())
    differences = [d for comparison in report.comparisons for d in comparison.kept]
    if differences:
        out.write(f"\n{report.differences:,} differences:\n")
        for difference in differences[:shown]:
            out.write(f"  {difference}\n")
        if report.differences > shown:
            out.write(f"  ... and {report.differences - shown:,} more\n")
    out.write(
        f"\ninvariants (ledger, one ballot per voter, published formula, stock, readable): "
        f"{len(report.violations):,} violations\n"
    )
    for violation in report.violations[:shown]:
        out.write(f"  {violation}\n")
    if len(report.violations) > shown:
        out.write(f"  ... and {len(report.violations) - shown:,} more\n")
    out.write(
        f"\nreplay: {report.events:,} events copied in {report.copy_seconds:.2f} s and every "
        f"read model rebuilt from zero in {report.rebuild_seconds:.2f} s "
        f"({report.replay_rate:,.0f} events/s); live read models {report.live_seconds:.2f} s, "
        f"comparison {report.compare_seconds:.2f} s, invariants "
        f"{report.invariant_seconds:.2f} s\n"
    )
    if report.holds:
        out.write(
            f"OK: {len(report.comparisons)} read models and aggregate kinds match their "
            "replay; every invariant holds\n"
        )
        return EXIT_MATCHES
    out.write(
        f"DIFFERS: {report.differences:,} differences, {len(report.violations):,} invariant "
        "violations\n"
    )
    return EXIT_DIFFERS


class Table:
    """Plain-text columns: the first left-aligned, the others right-aligned."""

    def __init__(self, headings: Sequence[str]) -> None:
        self.rows: list[tuple[str, ...]] = [tuple(headings)]

    def add(self, *cells: str) -> None:
        self.rows.append(cells)

    def render(self) -> str:
        widths = [max(len(row[i]) for row in self.rows) for i in range(len(self.rows[0]))]
        lines = []
        for row in self.rows:
            cells = [
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines) + "\n"


# the parser -----------------------------------------------------------------------------------


Handler = Callable[[argparse.Namespace, Settings], int]


def add_audit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`spotlight audit verify|checkpoint|export|public-key|replay|runs`."""
    audit = commands.add_parser(
        "audit",
        help="tamper evidence: verify the logs' hash chains, sign checkpoints, export a log; "
        "replay every log and compare the read models",
        description="Tamper evidence for every application log (see ARCHITECTURE.md, "
        "'Tamper evidence').",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = actions.add_parser(
        "verify",
        help="recompute every log's hash chain and compare it with the stored links and "
        "with signed checkpoints",
        description="Streams every log (constant memory), recomputes its hash chain, and "
        "reports the log and position of every record altered, deleted, inserted or "
        "reordered, of a tail truncated since a checkpoint, and every forged checkpoint. "
        "Progress goes to stderr, the report to stdout.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument(
        "--checkpoint",
        action="append",
        metavar="FILE",
        help="a checkpoints file from `spotlight audit checkpoint` (repeatable)",
    )
    verify.add_argument(
        "--public-key",
        metavar="KEY",
        help="the audit public key (base64, or a file holding it) to check checkpoints with; "
        "default: the configured audit key's",
    )
    verify.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    verify.add_argument(
        "--page", type=int, default=1000, help="records read per query (default 1000)"
    )
    verify.add_argument("--by", metavar="WHO", help=BY_HELP)
    add_json_flag(verify)
    verify.set_defaults(run=_guarded(_verify))

    checkpoint = actions.add_parser(
        "checkpoint",
        help="sign the head of every log now (Ed25519) and write the checkpoints as JSON",
        description="Signs (log, position, head link, time) for every log with the audit "
        "key (SPOTLIGHT_AUDIT_KEY, or <data dir>/audit-key, made on first use). Keep the "
        "file outside the database; verify the store first if the checkpoint is to vouch "
        "for what came before.",
    )
    checkpoint.add_argument("--out", metavar="FILE", help="write here (default: stdout)")
    checkpoint.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(checkpoint, only=True)
    checkpoint.set_defaults(run=_guarded(_checkpoint))

    export = actions.add_parser(
        "export",
        help="write a log's records as JSON Lines with their hash links",
        description="One record per line: position, topic, originator_id, version, "
        "timestamp, state (the stored JSON document, decrypted and decompressed) and link "
        "(hex). Exit status 2 for an unknown log or a range beyond the end of the log.",
    )
    export.add_argument("--log", required=True, help=f"the log: one of {', '.join(LOGS)}")
    export.add_argument(
        "--from", dest="start", type=int, metavar="N", help="the first position (default 1)"
    )
    export.add_argument(
        "--to", dest="stop", type=int, metavar="N", help="the last position (default: the end)"
    )
    export.add_argument("--out", metavar="FILE", help="write here (default: stdout)")
    export.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(export, only=True)
    export.set_defaults(run=_guarded(_export))

    public_key = actions.add_parser(
        "public-key", help="print the audit public key (base64) to hand to auditors"
    )
    add_json_flag(public_key)
    public_key.set_defaults(run=_guarded(_public_key_command))

    replay = actions.add_parser(
        "replay",
        help="rebuild every read model from zero in a scratch store, compare it with the live "
        "one, and recompute the domain's invariants",
        description="Copies every event record of every log into a scratch store (as "
        "stored; never a snapshot), builds a fresh core over it and rebuilds every read model "
        "from zero (decoding the events), builds the core over the audited store as the "
        "service would (snapshots, caches), and compares every read model and the "
        "snapshotted or cached aggregates, reporting each difference (read model, key, live "
        "value, replayed value). Then recomputes the invariants from the logs: every event "
        "record decodes, every journal entry balanced and every balance the sum of its "
        "postings, one ballot per voter per round, every round's result equal to the "
        "published formula, no listing's stock ever below zero. Run it on a copy of the "
        "store or a quiet service: events written meanwhile show as differences. Progress "
        "goes to stderr, the report to stdout.",
        epilog=REPLAY_EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    replay.add_argument(
        "--scratch",
        metavar="DIR",
        help="where the scratch store lives: a directory for its SQLite files (default: a "
        "temporary one, removed afterwards), or 'memory' to keep it in memory",
    )
    replay.add_argument(
        "--page",
        type=int,
        default=None,
        help="events copied per transaction (default 10000: application.audit.audit_replay's "
        "COPY_PAGE)",
    )
    replay.add_argument(
        "--show",
        type=int,
        default=MAX_FINDINGS_SHOWN,
        metavar="N",
        help=f"differences and violations printed at most (default {MAX_FINDINGS_SHOWN})",
    )
    replay.add_argument("--by", metavar="WHO", help=BY_HELP)
    add_json_flag(replay)
    replay.set_defaults(run=_guarded(_replay))

    runs = actions.add_parser(
        "runs",
        help="print the results of the last verify and replay runs, newest first",
        description="Every run of `spotlight audit verify` and `spotlight audit replay` "
        "keeps its result in the store's database: when it ran and who ran it, how far it "
        "read each log, its outcome and its first failure. This prints them, newest first "
        "(the auditor page and GET /v1/audit/runs show the same).",
    )
    runs.add_argument("--kind", choices=[kind.value for kind in RunKind], help="only these")
    runs.add_argument(
        "--limit", type=int, default=10, help=f"runs printed (1 to {MAX_LIMIT}, default 10)"
    )
    runs.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    add_json_flag(runs)
    runs.set_defaults(run=_guarded(_runs))


def _guarded(handler: Handler) -> Handler:
    def run(arguments: argparse.Namespace, settings: Settings) -> int:
        try:
            return handler(arguments, settings)
        except BadInput as error:
            return _fail(error)

    return run
