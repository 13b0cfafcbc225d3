"""Backing a store up and restoring it: every log with its hash chain (and the revenue log's
snapshots), the key store of personal data, the token secret and the media store's blobs, as
files described by a manifest with each log's head, a checksum per file and each blob's
address (its own checksum: blobs are content-addressed).

The use cases here decide what a backup holds and when one is refused; the stores and the
files are ports (``adapters.backup``). What a backup never holds:

- the read models (projections, the matching indexes' snapshots): they are rebuilt from
  the log by the first catch-up after a restore, as after ``projections rebuild``;
- the media store's holdings (which object holds which blob): a restore records them again
  from the restored logs (``application.audit.media_holders``);
- the audit key and the checkpoints: a backup that carries the key that signs its own
  checkpoints could be rewritten and signed again by whoever holds the backup. The backup
  hands back signed checkpoints of exactly the heads it copied, for the operator to keep
  apart, and the key is written only to a file named for it (``spotlight backup
  --audit-key-out``), never into the backup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import attrs

from application.audit.audit import GENESIS, LINK_BYTES, Checkpoint, Signer
from application.media import MediaTooLarge
from application.media_store import ContentAddress, MediaNotStored, MediaStore, is_address

BACKUP_FORMAT = "spotlight-backup/1"
MANIFEST_FILE = "manifest.json"
KEYS_FILE = "spotlight.keys.db"
TOKEN_SECRET_FILE = "token-secret"  # noqa: S105 - a file name, not a secret
#: The directory of a backup that holds the media store's blobs, each named by its address.
MEDIA_DIRECTORY = "media"


def blob_file(address: ContentAddress) -> str:
    """A blob's file in a backup: ``media/<address>``."""
    return f"{MEDIA_DIRECTORY}/{address}"


def log_file(log: str) -> str:
    """A log's file in a backup: named as a SQLite store's, so that the backup directory is
    itself a store ``sqlite:///<backup>/spotlight.db`` that ``spotlight audit verify`` reads."""
    return f"spotlight.{log}.db"


class BackupError(Exception):
    """A backup or a restore cannot go on; the message says why, for the operator."""


class NotABackup(BackupError):
    """The directory holds no backup of a format this version reads."""


class BackupDamaged(BackupError):
    """A file of the backup is missing, cut short or changed since its checksum was taken."""


class TargetNotEmpty(BackupError):
    """The store to restore onto already holds records, keys or read models."""


class RestoreMismatch(BackupError):
    """What the target holds after a restore is not what the backup's manifest says."""


@attrs.frozen
class LogCopy:
    """One log as copied: its records, the last position, and the head of its chain."""

    name: str
    records: int
    last_position: int
    head_position: int
    head: bytes
    snapshots: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "log": self.name,
            "file": log_file(self.name),
            "records": self.records,
            "last_position": self.last_position,
            "head_position": self.head_position,
            "head": self.head.hex(),
            "snapshots": self.snapshots,
        }


@attrs.frozen
class FileDigest:
    name: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@attrs.frozen
class BlobCopy:
    """One blob of the media store as copied: its address (the sha256 of its bytes) and size."""

    address: ContentAddress
    size: int

    def as_json(self) -> dict[str, Any]:
        return {"address": self.address, "size": self.size}


@attrs.frozen
class Manifest:
    """What a backup holds, written last: a backup without one is unfinished."""

    taken_at: datetime
    source: str
    logs: tuple[LogCopy, ...]
    keys: int
    token_secret: bool
    files: tuple[FileDigest, ...]
    #: The media store's blobs (none in a backup of a version that did not copy them).
    media: tuple[BlobCopy, ...] = ()

    @property
    def media_bytes(self) -> int:
        return sum(blob.size for blob in self.media)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": BACKUP_FORMAT,
            "taken_at": self.taken_at.isoformat(),
            "source": self.source,
            "logs": [log.as_json() for log in self.logs],
            "keys": {"file": KEYS_FILE, "count": self.keys},
            "token_secret": TOKEN_SECRET_FILE if self.token_secret else None,
            "audit_key": "never in the backup: kept apart by the operator",
            "files": [digest.as_json() for digest in self.files],
            "media": {
                "directory": MEDIA_DIRECTORY,
                "count": len(self.media),
                "bytes": self.media_bytes,
                "blobs": [blob.as_json() for blob in self.media],
            },
        }

    def text(self) -> str:
        return json.dumps(self.as_json(), indent=2) + "\n"

    @classmethod
    def parse(cls, text: str) -> Manifest:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise NotABackup(
                f"the manifest is not JSON ({error.msg} at line {error.lineno})"
            ) from None
        if not isinstance(document, dict) or document.get("format") != BACKUP_FORMAT:
            raise NotABackup(f"the manifest is not of a {BACKUP_FORMAT} backup")
        try:
            logs = tuple(
                LogCopy(
                    name=_text(entry["log"]),
                    records=_count(entry["records"]),
                    last_position=_count(entry["last_position"]),
                    head_position=_count(entry["head_position"]),
                    head=_link(entry["head"]),
                    snapshots=_count(entry["snapshots"]),
                )
                for entry in document["logs"]
            )
            files = tuple(
                FileDigest(
                    name=_file_name(entry["name"]),
                    size=_count(entry["size"]),
                    sha256=_text(entry["sha256"]),
                )
                for entry in document["files"]
            )
            media = tuple(
                BlobCopy(address=_blob_address(entry["address"]), size=_count(entry["size"]))
                for entry in (document.get("media") or {"blobs": []})["blobs"]
            )
            manifest = cls(
                taken_at=datetime.fromisoformat(_text(document["taken_at"])),
                source=_text(document["source"]),
                logs=logs,
                keys=_count(document["keys"]["count"]),
                token_secret=document["token_secret"] is not None,
                files=files,
                media=media,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise NotABackup(f"the manifest is malformed: {error!s}") from None
        named = {digest.name for digest in manifest.files}
        wanted = {log_file(log.name) for log in manifest.logs} | {KEYS_FILE}
        if manifest.token_secret:
            wanted.add(TOKEN_SECRET_FILE)
        if not wanted <= named:
            raise NotABackup(
                f"the manifest has no checksum for {', '.join(sorted(wanted - named))}"
            )
        return manifest


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value


def _blob_address(value: object) -> ContentAddress:
    address = _text(value)
    if not is_address(address):
        raise ValueError(f"{address!r} is not a blob's address")
    return address


def _link(value: object) -> bytes:
    link = bytes.fromhex(_text(value))
    if len(link) != LINK_BYTES:
        raise ValueError(f"{value!r} is not a {LINK_BYTES}-byte link")
    return link


def _file_name(value: object) -> str:
    name = _text(value)
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"{name!r} is not a file of the backup")
    return name


# Ports ----------------------------------------------------------------------------------------

#: Progress of a long step: (what, done, total); the total is 0 when not known.
Progress = Callable[[str, int, int], None]


def no_progress(_what: str, _done: int, _total: int) -> None:
    return None


class BackupFiles(Protocol):
    """The directory a backup is written to or read from."""

    def start(self) -> None:
        """Make the directory for a new backup; refuse one that holds anything."""

    def file(self, name: str) -> Path:
        """Where a file of the backup is, for a store to copy a database into or out of."""

    def write(self, name: str, content: bytes) -> None:
        """A small file of the backup, readable by its owner only (the token secret)."""

    def read(self, name: str) -> bytes: ...

    def write_chunks(self, name: str, chunks: Iterable[bytes]) -> FileDigest:
        """A file of the backup written chunk by chunk (a blob, ``blob_file``; its directory
        is made), answering its size and SHA-256 as written."""

    def read_chunks(self, name: str) -> Iterator[bytes]:
        """A file of the backup in chunks (``BackupDamaged`` if it is gone)."""

    def digest(self, name: str) -> FileDigest:
        """The size and SHA-256 of a file of the backup (``BackupDamaged`` if it is gone)."""

    def finish(self, manifest: str) -> None:
        """Write the manifest, last."""

    def manifest(self) -> str:
        """The manifest's text (``NotABackup`` when there is none)."""


class StoreCopier(Protocol):
    """A store that copies its logs and key store out to a backup and back in."""

    @property
    def kind(self) -> str: ...

    def copy_out(
        self, files: BackupFiles, logs: Sequence[str], progress: Progress
    ) -> tuple[tuple[LogCopy, ...], int]:
        """A consistent copy of each log (its events, links and snapshots) and then of the
        key store, into ``log_file(log)`` and ``KEYS_FILE``; the logs' facts as copied
        and the number of keys."""

    def obstacles(self, logs: Sequence[str]) -> list[str]:
        """Why the store is not empty enough to restore onto (nothing when it is)."""

    def copy_in(self, files: BackupFiles, manifest: Manifest, progress: Progress) -> None:
        """Load every log and the key store of a checked backup into this empty store."""

    def copied(self, logs: Sequence[str]) -> tuple[tuple[LogCopy, ...], int]:
        """The logs' facts and the number of keys as the store holds them now."""


class SecretKeeper(Protocol):
    """Where the service keeps its token secret (the settings' data directory)."""

    def current(self) -> bytes | None:
        """The secret in effect, without making one."""

    def obstacle(self, secret: bytes) -> str | None:
        """Why ``secret`` cannot be installed (another one is kept), or None."""

    def install(self, secret: bytes) -> None: ...


# Use cases ------------------------------------------------------------------------------------


@attrs.frozen
class BackupReport:
    manifest: Manifest
    checkpoints: tuple[Checkpoint, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest.as_json(),
            "checkpoints": [checkpoint.as_json() for checkpoint in self.checkpoints],
        }


def back_up(
    store: StoreCopier,
    files: BackupFiles,
    logs: Sequence[str],
    *,
    at: datetime,
    secrets: SecretKeeper,
    signer: Signer | None = None,
    media: MediaStore | None = None,
    progress: Progress = no_progress,
) -> BackupReport:
    """Copy every log, then the key store (a key is made before any event sealed with it,
    so every sealed record copied has its key), the token secret, then every blob of the
    media store (a blob is stored before the events that name it are committed, so every
    blob a copied event names is there to copy, unless an erasure deleted it); write the
    manifest last. With a signer, sign a checkpoint of each log's head as copied, for the
    operator to keep apart from the backup."""
    files.start()
    copies, keys = store.copy_out(files, logs, progress)
    blobs = () if media is None else _copy_media_out(media, files, progress)
    secret = secrets.current()
    if secret is not None:
        files.write(TOKEN_SECRET_FILE, secret)
    names = [log_file(copy.name) for copy in copies] + [KEYS_FILE]
    if secret is not None:
        names.append(TOKEN_SECRET_FILE)
    manifest = Manifest(
        taken_at=at,
        source=store.kind,
        logs=copies,
        keys=keys,
        token_secret=secret is not None,
        files=tuple(files.digest(name) for name in names),
        media=blobs,
    )
    files.finish(manifest.text())
    checkpoints: tuple[Checkpoint, ...] = ()
    if signer is not None:
        checkpoints = tuple(_signed(copy, at, signer) for copy in copies)
    return BackupReport(manifest=manifest, checkpoints=checkpoints)


def _copy_media_out(
    media: MediaStore, files: BackupFiles, progress: Progress
) -> tuple[BlobCopy, ...]:
    """Each blob once, by its address; a blob deleted while the backup runs (an erasure, the
    collector) is left out, and one whose bytes no longer hash to its address is refused:
    the store is damaged, and a backup of it would restore the damage."""
    addresses = sorted(media.addresses())
    copied = []
    for done, address in enumerate(addresses, start=1):
        try:
            digest = files.write_chunks(blob_file(address), media.open(address))
        except MediaNotStored:
            continue
        if digest.sha256 != address:
            raise BackupError(
                f"the media store's blob {address} no longer hashes to its address (see "
                "`spotlight media check`): repair or remove it before a backup"
            )
        copied.append(BlobCopy(address=address, size=digest.size))
        progress("media", done, len(addresses))
    return tuple(copied)


def _signed(copy: LogCopy, at: datetime, signer: Signer) -> Checkpoint:
    unsigned = Checkpoint(
        log=copy.name,
        position=copy.head_position,
        head=copy.head if copy.head_position else GENESIS,
        at=at,
    )
    return attrs.evolve(unsigned, signature=signer.sign(unsigned.message()))


def check_backup(files: BackupFiles) -> Manifest:
    """The backup's manifest, once every file it lists has its size and checksum."""
    manifest = Manifest.parse(files.manifest())
    for expected in manifest.files:
        found = files.digest(expected.name)
        if found.size != expected.size:
            raise BackupDamaged(
                f"{expected.name} has {found.size:,} bytes, not the {expected.size:,} the "
                "manifest lists: the backup was cut short or changed"
            )
        if found.sha256 != expected.sha256:
            raise BackupDamaged(
                f"{expected.name} does not match its checksum in the manifest: the backup "
                "was damaged or changed"
            )
    for blob in manifest.media:
        _check_blob(files, blob)
    return manifest


def _check_blob(files: BackupFiles, blob: BlobCopy) -> None:
    hashed = hashlib.sha256()
    size = 0
    for chunk in files.read_chunks(blob_file(blob.address)):
        hashed.update(chunk)
        size += len(chunk)
    if size != blob.size or hashed.hexdigest() != blob.address:
        raise BackupDamaged(
            f"{blob_file(blob.address)} ({size:,} bytes) is not the blob the manifest lists "
            f"({blob.size:,} bytes hashing to its name): the backup was damaged or changed"
        )


@attrs.frozen
class RestoreReport:
    manifest: Manifest
    logs: tuple[LogCopy, ...]
    keys: int
    token_secret: bool
    #: Blobs written into the media store, and those it held already (skipped).
    media_restored: int = 0
    media_present: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "taken_at": self.manifest.taken_at.isoformat(),
            "source": self.manifest.source,
            "logs": [log.as_json() for log in self.logs],
            "keys": self.keys,
            "token_secret": self.token_secret,
            "media": {
                "blobs": len(self.manifest.media),
                "restored": self.media_restored,
                "present": self.media_present,
            },
        }


def restore(
    files: BackupFiles,
    store: StoreCopier,
    *,
    secrets: SecretKeeper,
    media: MediaStore | None = None,
    progress: Progress = no_progress,
) -> RestoreReport:
    """Load a backup onto an empty store: the backup is checked whole first (every file's
    checksum, every blob's hash), then the target (nothing in any log, no key, no read model
    ahead of zero, no other token secret); only then is anything written. Blobs the media
    store holds already are skipped (same address, same bytes); each one written is hashed
    again as the store takes it. Afterwards each log's head and the number of keys must be
    the manifest's. Without a media store (``None``) no blob is restored."""
    manifest = check_backup(files)
    names = [log.name for log in manifest.logs]
    secret = files.read(TOKEN_SECRET_FILE) if manifest.token_secret else None
    obstacles = store.obstacles(names)
    if secret is not None:
        obstacle = secrets.obstacle(secret)
        if obstacle is not None:
            obstacles.append(obstacle)
    if obstacles:
        raise TargetNotEmpty(
            "the target store is not empty, so nothing was restored: " + "; ".join(obstacles)
        )
    store.copy_in(files, manifest, progress)
    if secret is not None:
        secrets.install(secret)
    written = present = 0
    if media is not None:
        written, present = _copy_media_in(files, manifest, media, progress)
    restored, keys = store.copied(names)
    _compare(manifest, restored, keys)
    return RestoreReport(
        manifest=manifest,
        logs=restored,
        keys=keys,
        token_secret=secret is not None,
        media_restored=written,
        media_present=present,
    )


def _copy_media_in(
    files: BackupFiles, manifest: Manifest, media: MediaStore, progress: Progress
) -> tuple[int, int]:
    written = present = 0
    for done, blob in enumerate(manifest.media, start=1):
        try:
            media.size(blob.address)
        except MediaNotStored:
            try:
                stored = media.put(
                    files.read_chunks(blob_file(blob.address)), content_type=None, limit=blob.size
                )
            except MediaTooLarge:
                raise RestoreMismatch(
                    f"{blob_file(blob.address)} grew past its {blob.size:,} bytes while it "
                    "was restored"
                ) from None
            if stored.address != blob.address:
                raise RestoreMismatch(
                    f"{blob_file(blob.address)} changed while it was restored: the media "
                    f"store took bytes hashing to {stored.address}"
                ) from None
            written += 1
        else:
            present += 1
        progress("media", done, len(manifest.media))
    return written, present


def _compare(manifest: Manifest, restored: Sequence[LogCopy], keys: int) -> None:
    expected: Mapping[str, LogCopy] = {log.name: log for log in manifest.logs}
    for log in restored:
        wanted = expected[log.name]
        if log != wanted:
            raise RestoreMismatch(
                f"the restored {log.name} log has {log.records:,} records up to position "
                f"{log.last_position:,} with head {log.head.hex()} at {log.head_position:,}; "
                f"the backup lists {wanted.records:,} up to {wanted.last_position:,} with head "
                f"{wanted.head.hex()} at {wanted.head_position:,}"
            )
    if keys != manifest.keys:
        raise RestoreMismatch(f"the restored key store has {keys} keys, the backup {manifest.keys}")
