"""`spotlight backup DIR` and `spotlight restore DIR`: every log with its hash chain, the key
store, the token secret and the media store's blobs, copied consistently from a running
service and restored onto an empty store (use cases in ``application.audit.backup``, stores
in ``adapters.backup``).

The audit key and the checkpoints are never written into the backup: ``--checkpoint-out``
and ``--audit-key-out`` name files that must lie outside it, to be kept apart.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import psycopg
from eventsourcing.persistence import PersistenceError

from adapters.audit.checkpoints import BadKey, Ed25519Signer, key_bytes
from adapters.backup.files import BackupDirectory
from adapters.backup.stores import copier_for
from adapters.clock import SystemClock
from adapters.media.store import media_store_for
from adapters.storage import StoreConfigurationError, close_application
from application.audit.audit import Signer, checkpoints_document
from application.audit.backup import (
    BackupDamaged,
    BackupError,
    BackupReport,
    NotABackup,
    Progress,
    RestoreMismatch,
    RestoreReport,
    TargetNotEmpty,
    back_up,
    no_progress,
    restore,
)
from application.audit.media_holders import HeldMedia
from application.logs import CatalogueLog, InboxLog, MusicLog, RevenueLog
from entrypoints.audit_cli import LOGS as AUDITED_LOGS
from entrypoints.settings import AUDIT_KEY_FILE, PREFIX, Settings

#: Every log of the core, in the order they are copied.
LOGS = (CatalogueLog.name, MusicLog.name, RevenueLog.name, InboxLog.name)

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_EMPTY = 3
EXIT_DAMAGED = 4

BACKUP_EXIT_STATUSES = f"""\
exit status:
  {EXIT_OK}  the backup is written, its manifest last
  {EXIT_BAD_INPUT}  bad input: a missing or unreadable store, a memory or sqlalchemy+ store, a
     directory that is not new and empty, a file to keep apart placed inside the backup
"""

RESTORE_EXIT_STATUSES = f"""\
exit status:
  {EXIT_OK}  restored: every log's head and the number of keys are the manifest's
  {EXIT_MISMATCH}  restored, but what the store holds is not what the manifest lists
  {EXIT_BAD_INPUT}  bad input: not a backup (no manifest, another format), an unusable store,
     an unreadable audit key file
  {EXIT_NOT_EMPTY}  the target store is not empty (records, keys, read models ahead of zero,
     another token secret or audit key): nothing was written
  {EXIT_DAMAGED}  the backup is damaged: a file missing, cut short or not matching its
     checksum: nothing was written
"""


class DataDirectorySecret:
    """The token secret as the service finds it: ``SPOTLIGHT_SECRET`` or
    ``<data dir>/secret``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.data_dir / "secret"

    def current(self) -> bytes | None:
        if self.settings.secret is not None:
            return self.settings.secret
        return self._kept()

    def _kept(self) -> bytes | None:
        try:
            return self.path.read_bytes().strip() if self.path.is_file() else None
        except OSError as error:
            raise BackupError(f"{self.path} cannot be read: {error.strerror}") from None

    def obstacle(self, secret: bytes) -> str | None:
        kept = self._kept()
        if kept is not None and kept != secret:
            return f"{self.path} holds another token secret (remove it to restore the backup's)"
        return None

    def install(self, secret: bytes) -> None:
        if self._kept() == secret:
            return
        _write_private(self.path, secret)


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)


class TerminalProgress:
    """Progress on stderr, redrawn in place, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = stream.isatty()

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.shown:
            return
        of = f"{done:,} of {total:,}" if total else f"{done:,} records"
        self.stream.write(f"\r\033[K{what}: {of}")
        self.stream.flush()

    def end(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _inside(path: Path, directory: Path) -> bool:
    return directory.resolve() in (path.resolve(), *path.resolve().parents)


def _fail(message: str, status: int = EXIT_BAD_INPUT) -> int:
    print(f"spotlight: error: {message}", file=sys.stderr)
    return status


def _settings(arguments: argparse.Namespace, settings: Settings) -> Settings:
    return settings.with_store(arguments.store) if arguments.store else settings


# The composition an embedder calls too -------------------------------------------------------


def take_backup(
    settings: Settings,
    directory: Path,
    *,
    signer: Signer | None = None,
    progress: Progress = no_progress,
) -> BackupReport:
    """Back up the configured store into ``directory`` (new or empty): the use case
    ``application.audit.backup.back_up`` over this store's copier, its media store and a
    backup directory."""
    media, _holdings = media_store_for(settings.store, settings.data_dir, settings.media_store)
    return back_up(
        copier_for(settings.store),
        BackupDirectory(directory),
        LOGS,
        at=SystemClock().now(),
        secrets=DataDirectorySecret(settings),
        signer=signer,
        media=media,
        progress=progress,
    )


def restore_backup(
    settings: Settings, directory: Path, *, progress: Progress = no_progress
) -> RestoreReport:
    """Restore the backup in ``directory`` onto the configured store, which must be empty,
    and its blobs into the configured media store; then record again, from the restored
    logs, which object holds which blob (what erasure deletes by)."""
    copier = copier_for(settings.store)
    media, holdings = media_store_for(settings.store, settings.data_dir, settings.media_store)
    report = restore(
        BackupDirectory(directory),
        copier,
        secrets=DataDirectorySecret(settings),
        media=media,
        progress=progress,
    )
    catalogue = CatalogueLog(settings.store.env_for(CatalogueLog.name))
    music = MusicLog(settings.store.env_for(MusicLog.name))
    revenue = RevenueLog(settings.store.env_for(RevenueLog.name))
    try:
        for holding in HeldMedia(catalogue, music, revenue).holdings():
            holdings.hold(holding.address, holding.holder, holding.person)
    finally:
        for log in (catalogue, music, revenue):
            close_application(log)
    return report


# backup ---------------------------------------------------------------------------------------


def _backup(arguments: argparse.Namespace, settings: Settings) -> int:
    settings = _settings(arguments, settings)
    directory = Path(arguments.directory)
    for option, given in (
        ("--checkpoint-out", arguments.checkpoint_out),
        ("--audit-key-out", arguments.audit_key_out),
    ):
        if given is not None and _inside(Path(given), directory):
            return _fail(
                f"{option} {given} lies inside the backup: keep it apart, or a backup could "
                "be rewritten and its checkpoints signed again by whoever holds it"
            )
    signer = Ed25519Signer(settings.audit_seed()) if arguments.checkpoint_out else None
    progress = TerminalProgress(sys.stderr)
    try:
        report = take_backup(settings, directory, signer=signer, progress=progress)
    except (BackupError, StoreConfigurationError) as error:
        return _fail(str(error))
    except (PersistenceError, sqlite3.Error, psycopg.Error) as error:
        return _fail(f"the store cannot be read: {_first_line(error)}")
    finally:
        progress.end()
    try:
        if signer is not None:
            # The logs `spotlight audit verify` reads: a checkpoint of another would be
            # refused there as a log the store does not have.
            audited = [c for c in report.checkpoints if c.log in AUDITED_LOGS]
            Path(arguments.checkpoint_out).write_text(
                checkpoints_document(audited, signer.public_key) + "\n",
                encoding="utf-8",
            )
        if arguments.audit_key_out is not None:
            seed = settings.existing_audit_seed()
            if seed is None:
                return _fail(
                    f"--audit-key-out: there is no audit key ({PREFIX}AUDIT_KEY unset "
                    f"and no {settings.data_dir / AUDIT_KEY_FILE})"
                )
            _write_private(Path(arguments.audit_key_out), base64.b64encode(seed) + b"\n")
    except OSError as error:
        return _fail(f"{error.filename}: cannot be written: {error.strerror}")
    _show_backup(report, arguments, settings, directory)
    return EXIT_OK


def _show_backup(
    report: BackupReport, arguments: argparse.Namespace, settings: Settings, directory: Path
) -> None:
    if arguments.json:
        print(
            json.dumps(
                {
                    "directory": str(directory),
                    **report.as_json(),
                    "checkpoint_out": arguments.checkpoint_out,
                    "audit_key_out": arguments.audit_key_out,
                },
                indent=2,
            )
        )
        return
    manifest = report.manifest
    print(
        f"backed up the {settings.store.kind.value} store {settings.store.redacted} "
        f"into {directory}"
    )
    for log in manifest.logs:
        print(
            f"  {log.name}: {log.records:,} records up to position {log.last_position:,}, "
            f"head {log.head.hex()}" + (f", {log.snapshots:,} snapshots" if log.snapshots else "")
        )
    print(f"  key store: {manifest.keys:,} keys")
    print(f"  token secret: {'kept' if manifest.token_secret else 'none'}")
    print(f"  media: {len(manifest.media):,} blobs, {manifest.media_bytes:,} bytes")
    if arguments.checkpoint_out:
        print(f"signed checkpoints of these heads: {arguments.checkpoint_out} (keep it apart)")
    if arguments.audit_key_out:
        print(f"the audit key: {arguments.audit_key_out} (keep it apart)")
    else:
        print("the audit key is not in the backup")


# restore --------------------------------------------------------------------------------------


def _restore(arguments: argparse.Namespace, settings: Settings) -> int:
    settings = _settings(arguments, settings)
    audit_seed: bytes | None = None
    if arguments.audit_key is not None:
        try:
            text = Path(arguments.audit_key).read_text(encoding="utf-8")
            audit_seed = key_bytes(text, f"--audit-key {arguments.audit_key}")
        except OSError as error:
            return _fail(f"--audit-key {arguments.audit_key}: cannot be read: {error.strerror}")
        except (BadKey, UnicodeDecodeError) as error:
            return _fail(str(error))
        existing = settings.existing_audit_seed()
        if existing is not None and existing != audit_seed:
            return _fail(
                "the target already has another audit key (SPOTLIGHT_AUDIT_KEY or "
                f"{settings.data_dir / AUDIT_KEY_FILE}): nothing was written",
                EXIT_NOT_EMPTY,
            )
    progress = TerminalProgress(sys.stderr)
    try:
        report = restore_backup(settings, Path(arguments.directory), progress=progress)
    except TargetNotEmpty as error:
        return _fail(str(error), EXIT_NOT_EMPTY)
    except BackupDamaged as error:
        return _fail(f"{error}; nothing was written", EXIT_DAMAGED)
    except RestoreMismatch as error:
        return _fail(str(error), EXIT_MISMATCH)
    except (NotABackup, BackupError, StoreConfigurationError) as error:
        return _fail(str(error))
    except (PersistenceError, sqlite3.Error, psycopg.Error) as error:
        return _fail(f"the store cannot be written: {_first_line(error)}")
    finally:
        progress.end()
    if audit_seed is not None and settings.existing_audit_seed() is None:
        _write_private(settings.data_dir / AUDIT_KEY_FILE, base64.b64encode(audit_seed) + b"\n")
    _show_restore(report, arguments, settings)
    return EXIT_OK


def _show_restore(report: RestoreReport, arguments: argparse.Namespace, settings: Settings) -> None:
    if arguments.json:
        print(json.dumps({"store": settings.store.redacted, **report.as_json()}, indent=2))
        return
    print(
        f"restored the backup of {report.manifest.taken_at.isoformat()} (a "
        f"{report.manifest.source} store) onto the {settings.store.kind.value} store "
        f"{settings.store.redacted}"
    )
    for log in report.logs:
        print(
            f"  {log.name}: {log.records:,} records up to position {log.last_position:,}, "
            f"head {log.head.hex()} as in the manifest"
        )
    print(f"  key store: {report.keys:,} keys")
    print(
        f"  media: {report.media_restored:,} blobs restored, {report.media_present:,} "
        "already in the media store"
    )
    kept = DataDirectorySecret(settings)._kept()
    if report.token_secret and settings.secret is not None and kept != settings.secret:
        print(f"  {PREFIX}SECRET is set: tokens are signed with it, not the restored secret")
    print(
        "next: spotlight audit verify --checkpoint <the backup's checkpoints> --public-key "
        "<the audit public key>, then spotlight audit replay"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# the parser -----------------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace, Settings], int]


def add_backup_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`spotlight backup DIR` and `spotlight restore DIR`."""
    backup = commands.add_parser(
        "backup",
        help="copy every log (with its hash chain), the key store, the token secret and the media "
        "blobs into a "
        "new directory, consistently, while the service runs",
        description="Writes DIR (new or empty): each log as a SQLite file (the SQLite store's "
        "layout, so `spotlight audit verify --store sqlite:///DIR/spotlight.db` reads it), the "
        "key store, the token secret, every blob of the media store as media/<address>, and "
        "manifest.json last, with each log's head and a "
        "SHA-256 per file. SQLite: SQLite's online backup API; PostgreSQL: one REPEATABLE READ "
        "snapshot read with COPY (no pg_dump). Read models are not copied: they are rebuilt "
        "from the log. The audit key is never put in the backup: --audit-key-out and "
        "--checkpoint-out name files to keep apart from it.",
        epilog=BACKUP_EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    backup.add_argument("directory", metavar="DIR", help="where the backup is written")
    backup.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    backup.add_argument(
        "--checkpoint-out",
        metavar="FILE",
        help="also sign a checkpoint of each log's head as copied (the audit key) and write "
        "them here, outside DIR; `spotlight audit verify --checkpoint FILE` on the restored "
        "store then proves it is the store backed up",
    )
    backup.add_argument(
        "--audit-key-out",
        metavar="FILE",
        help="also write the audit key here (mode 0600), outside DIR, to be kept apart",
    )
    backup.add_argument("--json", action="store_true", help="print the manifest as JSON")
    backup.set_defaults(run=_backup)

    restore_command = commands.add_parser(
        "restore",
        help="load a backup onto an empty store, after checking every file's checksum",
        description="Checks the whole backup (every file's size and SHA-256 against the "
        "manifest), then that the target is empty (no record in any log, no key, no read "
        "model ahead of zero, no other token secret), and only then writes: every log with "
        "its positions and chain, the key store, the token secret, the media store's blobs (each "
        "hashed again; those it holds already are skipped). Each restored log's head "
        "is compared with the manifest's. A backup of a SQLite store restores onto PostgreSQL "
        "and back. Stop the service on the target first; then run `spotlight audit verify` "
        "(with the backup's checkpoints) and `spotlight audit replay`.",
        epilog=RESTORE_EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    restore_command.add_argument("directory", metavar="DIR", help="the backup")
    restore_command.add_argument("--store", help="event store URL (overrides SPOTLIGHT_STORE)")
    restore_command.add_argument(
        "--audit-key",
        metavar="FILE",
        help="an audit key file (from --audit-key-out) to install as <data dir>/audit-key",
    )
    restore_command.add_argument("--json", action="store_true", help="print the result as JSON")
    restore_command.set_defaults(run=_restore)
