"""A backup as a directory of files: the manifest, each log's SQLite file, the key store's
file, the token secret and ``media/<address>`` per blob, readable by their owner only."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from application.audit.backup import (
    MANIFEST_FILE,
    BackupDamaged,
    BackupError,
    FileDigest,
    NotABackup,
)

CHUNK = 1 << 20


class BackupDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path

    def file(self, name: str) -> Path:
        return self.path / name

    def start(self) -> None:
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise BackupError(
                f"{self.path} already exists and is not an empty directory: a backup is "
                "written to a new directory"
            )
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.chmod(0o700)
        except OSError as error:
            raise BackupError(f"{self.path} cannot be made: {error.strerror}") from None

    def write(self, name: str, content: bytes) -> None:
        path = self.file(name)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())

    def write_chunks(self, name: str, chunks: Iterable[bytes]) -> FileDigest:
        path = self.file(name)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        hashed = hashlib.sha256()
        size = 0
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            for chunk in chunks:
                hashed.update(chunk)
                size += len(chunk)
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        return FileDigest(name=name, size=size, sha256=hashed.hexdigest())

    def read_chunks(self, name: str) -> Iterator[bytes]:
        try:
            stream = self.file(name).open("rb")
        except FileNotFoundError:
            raise BackupDamaged(f"{name} is missing from the backup") from None
        except OSError as error:
            raise BackupDamaged(f"{name} cannot be read: {error.strerror}") from None
        return self._chunks(stream, name)

    @staticmethod
    def _chunks(stream: BinaryIO, name: str) -> Iterator[bytes]:
        with stream:
            try:
                while chunk := stream.read(CHUNK):
                    yield chunk
            except OSError as error:
                raise BackupDamaged(f"{name} cannot be read: {error.strerror}") from None

    def read(self, name: str) -> bytes:
        try:
            return self.file(name).read_bytes()
        except OSError as error:
            raise BackupDamaged(f"{name} cannot be read: {error.strerror}") from None

    def digest(self, name: str) -> FileDigest:
        path = self.file(name)
        hashed = hashlib.sha256()
        size = 0
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    hashed.update(chunk)
                    size += len(chunk)
        except FileNotFoundError:
            raise BackupDamaged(f"{name} is missing from the backup") from None
        except OSError as error:
            raise BackupDamaged(f"{name} cannot be read: {error.strerror}") from None
        return FileDigest(name=name, size=size, sha256=hashed.hexdigest())

    def finish(self, manifest: str) -> None:
        for path in self.path.iterdir():
            path.chmod(0o700 if path.is_dir() else 0o600)
        # Written beside, then renamed: a backup is finished exactly when it has a manifest.
        partial = self.file(f".{MANIFEST_FILE}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(manifest)
            stream.flush()
            os.fsync(stream.fileno())
        partial.replace(self.file(MANIFEST_FILE))

    def manifest(self) -> str:
        if not self.path.is_dir():
            raise NotABackup(f"{self.path} is not a directory")
        path = self.file(MANIFEST_FILE)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotABackup(
                f"{self.path} has no {MANIFEST_FILE}: not a backup, or one that did not finish"
            ) from None
        except UnicodeDecodeError:
            raise NotABackup(f"{path} is not text") from None
        except OSError as error:
            raise NotABackup(f"{path} cannot be read: {error.strerror}") from None
