"""The backup use cases over fakes of a store and of a directory: what a manifest lists and
how it reads back, signed checkpoints of the heads copied, and a restore that checks the
whole backup and the target before it writes anything."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.audit.checkpoints import Ed25519Check, Ed25519Signer, new_seed
from adapters.media.store import MemoryMediaStore
from application.audit.backup import (
    KEYS_FILE,
    MANIFEST_FILE,
    TOKEN_SECRET_FILE,
    BackupDamaged,
    BackupFiles,
    BackupReport,
    FileDigest,
    LogCopy,
    Manifest,
    NotABackup,
    Progress,
    RestoreMismatch,
    TargetNotEmpty,
    back_up,
    blob_file,
    log_file,
    restore,
)

AT = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)
CATALOGUE = LogCopy("catalogue", records=12, last_position=14, head_position=14, head=b"\x07" * 32)
REVENUE = LogCopy(
    "revenue", records=30, last_position=30, head_position=30, head=b"\x09" * 32, snapshots=2
)


class FakeFiles:
    """A backup directory in memory."""

    def __init__(self) -> None:
        self.content: dict[str, bytes] = {}
        self.started = False

    def start(self) -> None:
        self.started = True

    def file(self, name: str) -> Path:
        return Path("/nowhere") / name

    def write(self, name: str, content: bytes) -> None:
        self.content[name] = content

    def read(self, name: str) -> bytes:
        return self.content[name]

    def write_chunks(self, name: str, chunks: Iterable[bytes]) -> FileDigest:
        self.content[name] = b"".join(chunks)
        return self.digest(name)

    def read_chunks(self, name: str) -> Iterator[bytes]:
        if name not in self.content:
            raise BackupDamaged(f"{name} is missing from the backup")
        return iter([self.content[name]])

    def digest(self, name: str) -> FileDigest:
        if name not in self.content:
            raise BackupDamaged(f"{name} is missing from the backup")
        data = self.content[name]
        return FileDigest(name, len(data), hashlib.sha256(data).hexdigest())

    def finish(self, manifest: str) -> None:
        assert MANIFEST_FILE not in self.content, "the manifest is written once, last"
        self.content[MANIFEST_FILE] = manifest.encode()

    def manifest(self) -> str:
        if MANIFEST_FILE not in self.content:
            raise NotABackup("no manifest.json")
        return self.content[MANIFEST_FILE].decode()


class FakeStore:
    """A store whose logs are LogCopy facts and whose files are their repr."""

    kind = "fake"

    def __init__(self, logs: Sequence[LogCopy] = (), keys: int = 0) -> None:
        self.logs = {log.name: log for log in logs}
        self.keys = keys
        self.loaded = False

    def copy_out(
        self, files: BackupFiles, logs: Sequence[str], progress: Progress
    ) -> tuple[tuple[LogCopy, ...], int]:
        for name in logs:
            files.write(log_file(name), repr(self.logs[name]).encode())
        files.write(KEYS_FILE, b"keys" * self.keys)
        return tuple(self.logs[name] for name in logs), self.keys

    def obstacles(self, logs: Sequence[str]) -> list[str]:
        return [f"the {name} log holds records" for name in logs if self.logs.get(name)]

    def copy_in(self, files: BackupFiles, manifest: Manifest, progress: Progress) -> None:
        self.loaded = True
        self.logs = {log.name: log for log in manifest.logs}
        self.keys = manifest.keys

    def copied(self, logs: Sequence[str]) -> tuple[tuple[LogCopy, ...], int]:
        return tuple(self.logs[name] for name in logs), self.keys


class FakeSecret:
    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret

    def current(self) -> bytes | None:
        return self.secret

    def obstacle(self, secret: bytes) -> str | None:
        if self.secret is not None and self.secret != secret:
            return "another token secret is kept"
        return None

    def install(self, secret: bytes) -> None:
        self.secret = secret


def a_backup(signer: Ed25519Signer | None = None) -> tuple[FakeFiles, BackupReport]:
    files = FakeFiles()
    report = back_up(
        FakeStore([CATALOGUE, REVENUE], keys=3),
        files,
        ["catalogue", "revenue"],
        at=AT,
        secrets=FakeSecret(b"t" * 32),
        signer=signer,
    )
    return files, report


def test_a_backup_lists_every_log_its_keys_and_a_checksum_per_file() -> None:
    files, _report = a_backup()

    manifest = Manifest.parse(files.manifest())

    assert manifest.logs == (CATALOGUE, REVENUE)
    assert manifest.keys == 3
    assert manifest.token_secret
    assert {digest.name for digest in manifest.files} == {
        "spotlight.catalogue.db",
        "spotlight.revenue.db",
        KEYS_FILE,
        TOKEN_SECRET_FILE,
    }
    assert files.read(TOKEN_SECRET_FILE) == b"t" * 32


def test_the_checkpoints_of_a_backup_sign_the_heads_it_copied() -> None:
    signer = Ed25519Signer(new_seed())

    _files, report = a_backup(signer)

    checkpoints = report.checkpoints
    assert [(c.log, c.position, c.head) for c in checkpoints] == [
        ("catalogue", 14, CATALOGUE.head),
        ("revenue", 30, REVENUE.head),
    ]
    check = Ed25519Check(signer.public_key)
    assert all(check.is_valid(c.message(), c.signature) for c in checkpoints)


def test_a_restore_onto_an_empty_store_loads_the_logs_keys_and_secret() -> None:
    files, _report = a_backup()
    target, secret = FakeStore(), FakeSecret()

    report = restore(files, target, secrets=secret)

    assert report.logs == (CATALOGUE, REVENUE)
    assert report.keys == 3
    assert secret.secret == b"t" * 32


def test_a_damaged_backup_is_refused_before_the_target_is_even_looked_at() -> None:
    files, _report = a_backup()
    files.content["spotlight.revenue.db"] += b"!"
    target, secret = FakeStore([CATALOGUE]), FakeSecret()

    with pytest.raises(BackupDamaged, match=r"spotlight\.revenue\.db has"):
        restore(files, target, secrets=secret)

    assert not target.loaded
    assert secret.secret is None


def test_a_target_with_records_or_another_secret_is_refused_with_nothing_written() -> None:
    files, _report = a_backup()
    target, secret = FakeStore([CATALOGUE]), FakeSecret(b"o" * 32)

    with pytest.raises(TargetNotEmpty) as refused:
        restore(files, target, secrets=secret)

    assert "the catalogue log holds records" in str(refused.value)
    assert "another token secret is kept" in str(refused.value)
    assert not target.loaded
    assert secret.secret == b"o" * 32


def test_a_restore_that_does_not_end_at_the_manifest_heads_is_reported() -> None:
    files, _report = a_backup()

    class Lossy(FakeStore):
        def copied(self, logs: Sequence[str]) -> tuple[tuple[LogCopy, ...], int]:
            copies, keys = super().copied(logs)
            first = copies[0]
            cut = LogCopy(first.name, first.records - 1, 13, 13, b"\x01" * 32)
            return (cut, *copies[1:]), keys

    with pytest.raises(RestoreMismatch, match="the restored catalogue log has 11 records"):
        restore(files, Lossy(), secrets=FakeSecret())


counts = st.integers(min_value=0, max_value=2**63 - 1)
log_copies = st.builds(
    LogCopy,
    name=st.sampled_from(["catalogue", "music", "revenue", "inbox"]),
    records=counts,
    last_position=counts,
    head_position=counts,
    head=st.binary(min_size=32, max_size=32),
    snapshots=counts,
)


@given(logs=st.lists(log_copies, max_size=4, unique_by=lambda log: log.name), keys=counts)
def test_a_manifest_reads_back_as_written(logs: list[LogCopy], keys: int) -> None:
    names = [log_file(log.name) for log in logs] + [KEYS_FILE]
    manifest = Manifest(
        taken_at=AT,
        source="sqlite",
        logs=tuple(logs),
        keys=keys,
        token_secret=False,
        files=tuple(FileDigest(name, 7, "ab" * 32) for name in names),
    )

    assert Manifest.parse(manifest.text()) == manifest


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"format": "spotlight-backup/0"}',
        '{"format": "spotlight-backup/1", "logs": []}',
    ],
    ids=["not-json", "another-format", "fields-missing"],
)
def test_what_is_not_a_manifest_is_not_a_backup(text: str) -> None:
    with pytest.raises(NotABackup):
        Manifest.parse(text)


def test_a_manifest_naming_a_file_outside_the_backup_is_not_a_backup() -> None:
    files, _report = a_backup()
    text = files.manifest().replace('"name": "spotlight.keys.db"', '"name": "../../etc/passwd"')

    with pytest.raises(NotABackup, match="not a file of the backup"):
        Manifest.parse(text)


def test_the_media_blobs_go_by_address_and_come_back_once_each() -> None:
    source = MemoryMediaStore()
    kept = [source.put([data], content_type=None, limit=100) for data in (b"clip", b"song")]
    files = FakeFiles()
    back_up(
        FakeStore([CATALOGUE]),
        files,
        ["catalogue"],
        at=AT,
        secrets=FakeSecret(),
        media=source,
    )
    target = MemoryMediaStore()
    target.put([b"song"], content_type=None, limit=100)

    manifest = Manifest.parse(files.manifest())
    report = restore(files, FakeStore(), secrets=FakeSecret(), media=target)

    assert sorted(blob.address for blob in manifest.media) == sorted(b.address for b in kept)
    assert manifest.media_bytes == 8
    assert (report.media_restored, report.media_present) == (1, 1)
    assert sorted(target.addresses()) == sorted(b.address for b in kept)


def test_a_blob_that_no_longer_hashes_to_its_address_is_refused() -> None:
    source = MemoryMediaStore()
    blob = source.put([b"clip"], content_type=None, limit=100)
    files = FakeFiles()
    back_up(FakeStore([CATALOGUE]), files, ["catalogue"], at=AT, secrets=FakeSecret(), media=source)
    files.content[blob_file(blob.address)] = b"clop"
    target = MemoryMediaStore()

    with pytest.raises(BackupDamaged, match=blob.address):
        restore(files, FakeStore(), secrets=FakeSecret(), media=target)

    assert list(target.addresses()) == []
