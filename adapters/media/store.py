"""The media store of the embedded default: blobs in files under the data directory, and
the same in memory for the memory store.

Layout under the root (``<data dir>/media``):

- ``blobs/<ab>/<address>``: the bytes of each blob, named by their sha256 (``ab`` its first two
  hex digits, so no directory grows past a few thousand entries for a long time);
- ``tmp/``: uploads being written; a blob is written there, flushed to disk (fsync), then
  renamed into ``blobs/`` (atomic on one filesystem), and the directory is synced, so a crash
  leaves either the whole blob or none (a stray temporary file at most);
- ``holders/<address>/<holder>``: one empty file per object that holds the blob;
- ``people/<sha256 of the person>/<address>~<holder>``: the same, found by person (erasure).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Final

from adapters.matching.snapshots import sync_directory
from adapters.storage import Store, StoreKind
from application.media_store import (
    ContentAddress,
    MediaHoldings,
    MediaNotStored,
    MediaStore,
    check_limit,
    content_type_of,
    is_address,
)
from domain.media import StoredBlob

READ_CHUNK: Final = 256 * 1024


def _address(address: str) -> str:
    if not is_address(address):
        raise MediaNotStored(address)
    return address


def _holder_name(holder: str) -> str:
    # Holders are ``kind:<uuid>``; anything else would be a bug, and must not become a path.
    if not holder or "/" in holder or holder.startswith(".") or "~" in holder:
        raise ValueError(f"not a holder name: {holder!r}")
    return holder


def _person_dir(person: str) -> str:
    return hashlib.sha256(person.encode()).hexdigest()


class FileMediaStore:
    """``MediaStore`` in files (see the module's docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.tmp = root / "tmp"

    def _path(self, address: str) -> Path:
        address = _address(address)
        return self.blobs / address[:2] / address

    def put(self, chunks: Iterable[bytes], *, content_type: str | None, limit: int) -> StoredBlob:
        self.tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        descriptor, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        temporary = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as file:
                for chunk in chunks:
                    size += len(chunk)
                    check_limit(size, limit)
                    digest.update(chunk)
                    file.write(chunk)
                file.flush()
                os.fsync(file.fileno())
            address = digest.hexdigest()
            target = self._path(address)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                temporary.unlink()  # the same bytes are stored already: keep one copy
                os.utime(target)  # and young again: an upload in flight is not collected
            else:
                os.replace(temporary, target)
                sync_directory(target.parent)
            return StoredBlob(
                address=address, size=size, content_type=content_type_of(content_type)
            )
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise

    def open(
        self, address: ContentAddress, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        path = self._path(address)
        try:
            file = path.open("rb")
        except FileNotFoundError:
            raise MediaNotStored(address) from None
        return self._read(file, start, end)

    @staticmethod
    def _read(file: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
        with file:
            file.seek(start)
            left = None if end is None else max(0, end - start)
            while left is None or left > 0:
                chunk = file.read(READ_CHUNK if left is None else min(READ_CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def size(self, address: ContentAddress) -> int:
        try:
            return self._path(address).stat().st_size
        except FileNotFoundError:
            raise MediaNotStored(address) from None

    def addresses(self) -> Iterator[ContentAddress]:
        if self.blobs.is_dir():
            for path in self.blobs.glob("*/*"):
                if is_address(path.name):
                    yield path.name

    def delete(self, address: ContentAddress) -> bool:
        path = self._path(address)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        sync_directory(path.parent)
        return True

    def stored_at(self, address: ContentAddress) -> datetime:
        try:
            modified = self._path(address).stat().st_mtime
        except FileNotFoundError:
            raise MediaNotStored(address) from None
        return datetime.fromtimestamp(modified, UTC)


class FileMediaHoldings:
    """``MediaHoldings`` as empty files (see the module's docstring); changes take a file
    lock so that a release and a hold of the same blob by two processes take turns."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.holders = root / "holders"
        self.people = root / "people"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "holdings.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def hold(self, address: ContentAddress, holder: str, person: str) -> None:
        address, holder = _address(address), _holder_name(holder)
        with self._locked():
            for directory, name in (
                (self.holders / address, holder),
                (self.people / _person_dir(person), f"{address}~{holder}"),
            ):
                directory.mkdir(parents=True, exist_ok=True)
                (directory / name).touch()

    def held_by(self, person: str) -> list[tuple[ContentAddress, str]]:
        directory = self.people / _person_dir(person)
        if not directory.is_dir():
            return []
        held = []
        for entry in sorted(directory.iterdir()):
            address, _, holder = entry.name.partition("~")
            held.append((address, holder))
        return held

    def release(self, address: ContentAddress, holder: str, person: str) -> bool:
        address, holder = _address(address), _holder_name(holder)
        with self._locked():
            with contextlib.suppress(FileNotFoundError):
                (self.people / _person_dir(person) / f"{address}~{holder}").unlink()
            holders = self.holders / address
            with contextlib.suppress(FileNotFoundError):
                (holders / holder).unlink()
            remaining = any(holders.iterdir()) if holders.is_dir() else False
            if not remaining:
                with contextlib.suppress(FileNotFoundError, OSError):
                    holders.rmdir()
            return remaining


class MemoryMediaStore:
    """``MediaStore`` in memory, for the memory store (gone with the process, as its log)."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._stored_at: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def put(self, chunks: Iterable[bytes], *, content_type: str | None, limit: int) -> StoredBlob:
        parts: list[bytes] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            check_limit(size, limit)
            parts.append(chunk)
        data = b"".join(parts)
        address = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._blobs.setdefault(address, data)
            self._stored_at[address] = datetime.now(UTC)
        return StoredBlob(address=address, size=size, content_type=content_type_of(content_type))

    def open(
        self, address: ContentAddress, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        found = self._blobs.get(_address(address))
        if found is None:
            raise MediaNotStored(address)
        return iter([found[start:end]])

    def size(self, address: ContentAddress) -> int:
        found = self._blobs.get(_address(address))
        if found is None:
            raise MediaNotStored(address)
        return len(found)

    def addresses(self) -> Iterator[ContentAddress]:
        return iter(list(self._blobs))

    def delete(self, address: ContentAddress) -> bool:
        with self._lock:
            self._stored_at.pop(address, None)
            return self._blobs.pop(address, None) is not None

    def stored_at(self, address: ContentAddress) -> datetime:
        found = self._stored_at.get(_address(address))
        if found is None:
            raise MediaNotStored(address)
        return found


class MemoryMediaHoldings:
    """``MediaHoldings`` in memory."""

    def __init__(self) -> None:
        self._holders: dict[str, dict[str, str]] = {}  # address -> holder -> person
        self._lock = threading.Lock()

    def hold(self, address: ContentAddress, holder: str, person: str) -> None:
        with self._lock:
            self._holders.setdefault(_address(address), {})[_holder_name(holder)] = person

    def held_by(self, person: str) -> list[tuple[ContentAddress, str]]:
        with self._lock:
            return sorted(
                (address, holder)
                for address, holders in self._holders.items()
                for holder, owner in holders.items()
                if owner == person
            )

    def release(self, address: ContentAddress, holder: str, person: str) -> bool:
        with self._lock:
            holders = self._holders.get(address, {})
            holders.pop(holder, None)
            if not holders:
                self._holders.pop(address, None)
            return bool(holders)


def media_store_for(
    store: Store, data_dir: Path, url: str = ""
) -> tuple[MediaStore, MediaHoldings]:
    """The media store that goes with an event store: on S3 when ``url`` names a bucket
    (``s3://…``), else in memory for the memory store (it dies with the process, as its log
    does), else files under ``<data_dir>/media``."""
    if url:
        from adapters.media.s3 import S3Location, S3MediaHoldings, S3MediaStore

        location = S3Location(url)
        return S3MediaStore(location), S3MediaHoldings(location)
    if store.kind is StoreKind.MEMORY:
        return MemoryMediaStore(), MemoryMediaHoldings()
    root = data_dir / "media"
    return FileMediaStore(root), FileMediaHoldings(root)
