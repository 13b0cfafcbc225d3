"""Tamper evidence on a real store: the services write the logs, someone with access to the
database changes them, and verification says where.

A realistic flow (titles, videos, an anchor, engagement, creators, artists, a Pulse campaign
with its ledger entry) writes all three logs; an operator signs checkpoints. Then, on a copy
of the store, one kind of tampering at a time: a byte changed, a record deleted (with and
without its link), a record inserted, two records swapped, the tail truncated, records
changed and relinked, a checkpoint forged. Each is found at the right log and position by
``verify_store`` and by `spotlight audit verify`'s exit status; the untouched copy
verifies. The same runs on PostgreSQL (each case on a copy of the tables in a schema of its
own). Finally, a SQLite backup taken while writers are running verifies up to its last
record.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from adapters.audit.checkpoints import Ed25519Signer
from adapters.audit.logs import open_log
from adapters.storage import Store, parse_store, sqlite_file_for
from application.audit.audit import (
    GENESIS,
    ChainLink,
    Checkpoint,
    FindingKind,
    StoreVerification,
    chain_links,
    checkpoints_document,
    take_checkpoint,
    verify_store,
)
from application.audit.audit_replay import replay
from application.auth import Principal, Role
from domain.anchors.engagement import Engagement
from domain.anchors.titles import TitleKind
from domain.money import Money
from entrypoints.audit_cli import LOGS
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.cli import main
from entrypoints.replay_cores import replay_cores
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver

SEED = bytes(range(32))
ATTACKER_SEED = bytes(range(100, 132))
STUDIO = Principal(Role.STUDIO, "legendary")
REVIEWER = Principal(Role.REVIEWER, "rosa")
OPS = Principal(Role.ADMIN, "ops")
BRAND = Principal(Role.BRAND, "fizz")


def realistic_flow(core: Spotlight, *, rounds: int = 6) -> None:
    for n in range(rounds):
        creator = Principal(Role.CREATOR, f"creator-{n}")
        title = CatalogueDriver(core).register_title(
            STUDIO, name=f"Dune part {n}", kind=TitleKind.MOVIE
        )
        video = CatalogueDriver(core).publish_video(
            creator, caption=f"sandworm ride {n}", hashtags=["#dune"], category="comedy"
        )
        core.cataloguing.record_engagement(OPS, video.id, Engagement(views=100 * n + 10, likes=n))
        if n % 2 == 0:
            core.cataloguing.attach_anchor(REVIEWER, video.id, title.id, note="trailer reaction")
        core.creators.register(creator, region="US")
        core.discovery.register_artist(
            Principal(Role.ARTIST, f"artist-{n}"), name=f"Artist {n}", region="JP"
        )
        now = core.clock.now()
        core.pulse.launch_campaign(
            BRAND,
            name=f"Fizz summer {n}",
            category="comedy",
            budget=Money(50_000, "USD"),
            cpm=Money(250, "USD"),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30),
        )


def sign_checkpoints(store: Store) -> list[Checkpoint]:
    signer = Ed25519Signer(SEED)
    checkpoints = []
    for name in LOGS:
        log = open_log(store, name)
        try:
            checkpoints.append(take_checkpoint(name, log.reader, signer, _now()))
        finally:
            log.close()
    return checkpoints


def _now() -> Any:
    from adapters.clock import SystemClock

    return SystemClock().now()


def verify(store: Store, checkpoints: Sequence[Checkpoint] = ()) -> StoreVerification:
    from adapters.audit.checkpoints import Ed25519Check

    opened = [open_log(store, name) for name in LOGS]
    try:
        return verify_store(
            {log.name: log.reader for log in opened},
            checkpoints=checkpoints,
            signatures=Ed25519Check(Ed25519Signer(SEED).public_key),
            page=7,  # small pages: every case crosses page boundaries
        )
    finally:
        for log in opened:
            log.close()


def cli_verify(
    store_url: str, checkpoints_file: Path | None, monkeypatch: pytest.MonkeyPatch, home: Path
) -> int:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(home))
    monkeypatch.delenv("SPOTLIGHT_AUDIT_KEY", raising=False)
    arguments = ["audit", "verify", "--store", store_url, "--page", "5"]
    if checkpoints_file is not None:
        public = base64.b64encode(Ed25519Signer(SEED).public_key).decode()
        arguments += ["--checkpoint", str(checkpoints_file), "--public-key", public]
    return main(arguments)


# Tampering, written once for both databases --------------------------------------------------


class Database:
    """Raw access to a copy of the store, as someone with database access has it."""

    url: str

    def execute(self, log: str, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def events(self, log: str) -> str:
        raise NotImplementedError

    def chain(self, log: str) -> str:
        raise NotImplementedError

    id = "rowid"  # the column of a record's position (its notification id)

    def last(self, log: str) -> int:
        rows = self.execute(log, f"SELECT MAX({self.id}) FROM {self.events(log)}")  # noqa: S608
        return int(rows[0][0])

    def record(self, log: str, position: int) -> tuple[Any, int, str, bytes]:
        [row] = self.execute(
            log,
            f"SELECT originator_id, originator_version, topic, state FROM {self.events(log)} "  # noqa: S608
            f"WHERE {self.id} = ?",
            (position,),
        )
        return row[0], row[1], row[2], bytes(row[3])

    def link(self, log: str, position: int) -> ChainLink:
        [row] = self.execute(
            log,
            f"SELECT notification_id, previous_id, link FROM {self.chain(log)} "  # noqa: S608
            "WHERE notification_id = ?",
            (position,),
        )
        return ChainLink(row[0], row[1], bytes(row[2]))


@dataclass(frozen=True)
class Tampering:
    """Change the copy; return the (log, position, kind) the first finding must name."""

    name: str
    change: Callable[[Database], tuple[str, int, FindingKind]]
    needs_checkpoint: bool = False


def change_one_byte(db: Database) -> tuple[str, int, FindingKind]:
    position = db.last("catalogue") // 2
    state = bytearray(db.record("catalogue", position)[3])
    state[len(state) // 2] ^= 0x01
    db.execute(
        "catalogue",
        f"UPDATE {db.events('catalogue')} SET state = ? WHERE {db.id} = ?",  # noqa: S608
        (bytes(state), position),
    )
    return "catalogue", position, FindingKind.ALTERED


def delete_a_record(db: Database) -> tuple[str, int, FindingKind]:
    position = db.last("music") - 2
    db.execute("music", f"DELETE FROM {db.events('music')} WHERE {db.id} = ?", (position,))  # noqa: S608
    return "music", position, FindingKind.DELETED


def delete_a_record_and_its_link(db: Database) -> tuple[str, int, FindingKind]:
    position = 3
    db.execute("catalogue", f"DELETE FROM {db.events('catalogue')} WHERE {db.id} = ?", (position,))  # noqa: S608
    db.execute(
        "catalogue",
        f"DELETE FROM {db.chain('catalogue')} WHERE notification_id = ?",  # noqa: S608
        (position,),
    )
    return "catalogue", position, FindingKind.DELETED


def insert_a_record(db: Database) -> tuple[str, int, FindingKind]:
    originator, _version, topic, state = db.record("revenue", 1)
    position = db.last("revenue") + 1
    db.execute(
        "revenue",
        f"INSERT INTO {db.events('revenue')} "  # noqa: S608
        f"(originator_id, originator_version, topic, state, {db.id}) VALUES (?, ?, ?, ?, ?)",
        (originator, 99, topic, state.replace(b"50000", b"90000"), position),
    )
    return "revenue", position, FindingKind.INSERTED


def swap_two_records(db: Database) -> tuple[str, int, FindingKind]:
    first, second = 4, 9
    events = db.events("catalogue")
    for old, new in ((first, -1), (second, first), (-1, second)):
        db.execute("catalogue", f"UPDATE {events} SET {db.id} = ? WHERE {db.id} = ?", (new, old))  # noqa: S608
    return "catalogue", first, FindingKind.ALTERED


def truncate_the_tail(db: Database) -> tuple[str, int, FindingKind]:
    last = db.last("catalogue")
    for table, column in (
        (db.events("catalogue"), db.id),
        (db.chain("catalogue"), "notification_id"),
    ):
        db.execute("catalogue", f"DELETE FROM {table} WHERE {column} > ?", (last - 3,))  # noqa: S608
    return "catalogue", last - 2, FindingKind.TRUNCATED


def change_and_relink(db: Database) -> tuple[str, int, FindingKind]:
    """What a careful forger does: change a record, then recompute every later link, so the
    chain holds together again. Only a signed checkpoint can tell."""
    log, position = "music", 2
    last = db.last(log)
    state = db.record(log, position)[3]
    forged = state.replace(b"Artist", b"Artyst")
    assert forged != state
    db.execute(log, f"UPDATE {db.events(log)} SET state = ? WHERE {db.id} = ?", (forged, position))  # noqa: S608
    head = db.link(log, position - 1)
    records = []
    for at in range(position, last + 1):
        ident, ver, top, sta = db.record(log, at)
        records.append((at, StoredEvent(_uuid(ident), ver, top, sta)))
    for link in chain_links(head, records):
        db.execute(
            log,
            f"UPDATE {db.chain(log)} SET link = ? WHERE notification_id = ?",  # noqa: S608
            (link.link, link.position),
        )
    return log, last, FindingKind.REWRITTEN


def _uuid(ident: Any) -> Any:
    from uuid import UUID

    return ident if isinstance(ident, UUID) else UUID(ident)


TAMPERINGS = [
    Tampering("one byte changed", change_one_byte),
    Tampering("a record deleted", delete_a_record),
    Tampering("a record and its link deleted", delete_a_record_and_its_link),
    Tampering("a record inserted", insert_a_record),
    Tampering("two records swapped", swap_two_records),
    Tampering("the tail truncated", truncate_the_tail, needs_checkpoint=True),
    Tampering("records changed and relinked", change_and_relink, needs_checkpoint=True),
]


def check_tampering(
    tampering: Tampering,
    db: Database,
    store: Store,
    checkpoints: list[Checkpoint],
    checkpoints_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    home: Path,
) -> None:
    log, position, kind = tampering.change(db)

    found = verify(store, checkpoints)
    assert found.tampered, tampering.name
    first = found.findings[0]
    assert (first.log, first.position, first.kind) == (log, position, kind), str(first)
    assert all(f.log == log for f in found.findings), [str(f) for f in found.findings]
    assert cli_verify(db.url, checkpoints_file, monkeypatch, home) == 1

    if tampering.needs_checkpoint:
        # Without a checkpoint the chain alone cannot see it: that is what checkpoints are for.
        assert verify(store).intact
        assert cli_verify(db.url, None, monkeypatch, home) == 0


def write_checkpoints(path: Path, checkpoints: Sequence[Checkpoint]) -> Path:
    path.write_text(checkpoints_document(checkpoints, Ed25519Signer(SEED).public_key))
    return path


def forged_variants(checkpoints: list[Checkpoint]) -> Iterator[tuple[str, list[Checkpoint]]]:
    """The catalogue's checkpoint replaced by a forgery, the others kept."""
    catalogue = next(c for c in checkpoints if c.log == "catalogue")
    others = [c for c in checkpoints if c.log != "catalogue"]
    emptied = Checkpoint(catalogue.log, catalogue.position, GENESIS, catalogue.at)
    yield "signed with another key", [*others, _signed(emptied, Ed25519Signer(ATTACKER_SEED))]
    yield (
        "head changed, signature kept",
        [
            *others,
            Checkpoint(
                catalogue.log, catalogue.position, GENESIS, catalogue.at, catalogue.signature
            ),
        ],
    )


def _signed(checkpoint: Checkpoint, signer: Ed25519Signer) -> Checkpoint:
    return Checkpoint(
        checkpoint.log,
        checkpoint.position,
        checkpoint.head,
        checkpoint.at,
        signer.sign(checkpoint.message()),
    )


# SQLite --------------------------------------------------------------------------------------


class SQLiteCopy(Database):
    def __init__(self, store: Store) -> None:
        assert store.sqlite_path is not None
        self.store = store
        self.url = store.url

    def execute(self, log: str, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        assert self.store.sqlite_path is not None
        with sqlite3.connect(sqlite_file_for(self.store.sqlite_path, log)) as connection:
            return list(connection.execute(statement, tuple(params)).fetchall())

    def events(self, log: str) -> str:
        return "stored_events"

    def chain(self, log: str) -> str:
        return "stored_events_chain"


def backup(source: Path, target: Path) -> None:
    """A consistent copy with SQLite's online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def copy_sqlite_store(original: Store, directory: Path) -> Store:
    assert original.sqlite_path is not None
    copy = parse_store(f"sqlite:///{directory / original.sqlite_path.name}")
    assert copy.sqlite_path is not None
    for name in LOGS:
        backup(sqlite_file_for(original.sqlite_path, name), sqlite_file_for(copy.sqlite_path, name))
    return copy


@dataclass(frozen=True)
class Recorded:
    store: Store
    checkpoints: list[Checkpoint]


@pytest.fixture(scope="module")
def sqlite_recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    home = tmp_path_factory.mktemp("recorded")
    settings = Settings.from_environ(
        {"SPOTLIGHT_DATA_DIR": str(home), "SPOTLIGHT_SECRET": "s" * 32}
    )
    core = bootstrap(settings)
    try:
        realistic_flow(core)
    finally:
        core.close()
    return Recorded(settings.store, sign_checkpoints(settings.store))


def test_the_untouched_store_verifies_with_its_checkpoints(
    sqlite_recorded: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = copy_sqlite_store(sqlite_recorded.store, tmp_path / "copy")

    found = verify(store, sqlite_recorded.checkpoints)

    assert found.intact
    assert [log.checkpoints_matched for log in found.logs] == [1, 1, 1, 1]
    # The scenario writes the three business logs; the inbox holds what people were told.
    assert all(log.records > 5 for log in found.logs if log.log != "inbox")
    checkpoints = write_checkpoints(tmp_path / "checkpoints.json", sqlite_recorded.checkpoints)
    assert cli_verify(store.url, checkpoints, monkeypatch, tmp_path) == 0


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=lambda t: t.name)
def test_tampering_with_a_sqlite_store_is_found_where_it_happened(
    tampering: Tampering,
    sqlite_recorded: Recorded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = copy_sqlite_store(sqlite_recorded.store, tmp_path / "copy")
    check_tampering(
        tampering,
        SQLiteCopy(store),
        store,
        sqlite_recorded.checkpoints,
        write_checkpoints(tmp_path / "checkpoints.json", sqlite_recorded.checkpoints),
        monkeypatch,
        tmp_path,
    )


@pytest.mark.parametrize("variant", [0, 1], ids=["another key", "head changed"])
def test_a_forged_checkpoint_is_rejected(
    variant: int, sqlite_recorded: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = copy_sqlite_store(sqlite_recorded.store, tmp_path / "copy")
    _name, forged = list(forged_variants(sqlite_recorded.checkpoints))[variant]

    found = verify(store, forged)

    assert not found.tampered
    [rejected] = found.forged
    assert (rejected.log, rejected.kind) == ("catalogue", FindingKind.FORGED_CHECKPOINT)
    assert [log.checkpoints_matched for log in found.logs] == [0, 1, 1, 1]
    file = write_checkpoints(tmp_path / "forged.json", forged)
    assert cli_verify(store.url, file, monkeypatch, tmp_path) == 3


@contextmanager
def videos_being_published(core: Spotlight, workers: int = 3) -> Iterator[threading.Semaphore]:
    """Creators publishing videos from several threads until the block ends; the semaphore is
    released once per video saved."""
    stop = threading.Event()
    written = threading.Semaphore(0)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        n = 0
        try:
            while not stop.is_set():
                CatalogueDriver(core).publish_video(
                    Principal(Role.CREATOR, f"w{worker}"),
                    caption=f"clip {n}",
                    hashtags=["#live"],
                    category="comedy",
                )
                n += 1
                written.release()
        except BaseException as error:  # reported below
            errors.append(error)

    writers = [threading.Thread(target=write, args=(w,)) for w in range(workers)]
    for thread in writers:
        thread.start()
    try:
        yield written
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    assert not errors


def test_a_backup_taken_while_writers_run_verifies_up_to_its_last_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.from_environ(
        {"SPOTLIGHT_DATA_DIR": str(tmp_path / "live"), "SPOTLIGHT_SECRET": "s" * 32}
    )
    core = bootstrap(settings)
    try:
        with videos_being_published(core) as written:
            for _ in range(60):  # some records are in before the copy starts
                assert written.acquire(timeout=30)
            copy = copy_sqlite_store(settings.store, tmp_path / "copy")
            for _ in range(30):  # and writers keep going after it
                assert written.acquire(timeout=30)
        live_end = core._catalogue.recorder.max_notification_id() or 0
    finally:
        core.close()

    found = verify(copy)
    assert found.intact, [str(f) for f in found.findings]
    [catalogue] = [log for log in found.logs if log.log == "catalogue"]
    assert copy.sqlite_path is not None
    with sqlite3.connect(sqlite_file_for(copy.sqlite_path, "catalogue")) as connection:
        [(copied_end,)] = connection.execute("SELECT MAX(rowid) FROM stored_events").fetchall()
    assert catalogue.last_position == copied_end
    assert 60 <= copied_end < live_end
    assert cli_verify(copy.url, None, monkeypatch, tmp_path) == 0


# PostgreSQL ----------------------------------------------------------------------------------


class PostgresCopy(Database):
    """The logs' tables copied into a schema of their own."""

    id = "notification_id"

    def __init__(self, postgres_url: str, source: str, schema: str) -> None:
        self.postgres_url = postgres_url
        self.schema = schema
        self.url = f"{postgres_url}?schema={schema}"
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            for log in LOGS:
                for table in (f"{log}_events", f"{log}_events_chain"):
                    connection.execute(
                        sql.SQL("CREATE TABLE {}.{} (LIKE {}.{} INCLUDING ALL)").format(
                            sql.Identifier(schema),
                            sql.Identifier(table),
                            sql.Identifier(source),
                            sql.Identifier(table),
                        )
                    )
                    connection.execute(
                        sql.SQL("INSERT INTO {}.{} SELECT * FROM {}.{}").format(
                            sql.Identifier(schema),
                            sql.Identifier(table),
                            sql.Identifier(source),
                            sql.Identifier(table),
                        )
                    )

    def execute(self, log: str, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with psycopg.connect(self.postgres_url, autocommit=True) as connection:
            cursor = connection.execute(statement.replace("?", "%s"), tuple(params))
            return list(cursor.fetchall()) if cursor.description else []

    def events(self, log: str) -> str:
        return f'"{self.schema}"."{log}_events"'

    def chain(self, log: str) -> str:
        return f'"{self.schema}"."{log}_events_chain"'


@dataclass(frozen=True)
class PostgresRecorded:
    url: str
    schema: str
    checkpoints: list[Checkpoint]


@pytest.fixture(scope="module")
def postgres_recorded(
    postgres_url: str,
    postgres_schema: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> PostgresRecorded:
    schema = postgres_schema("tamper_source")
    url = f"{postgres_url}?schema={schema}"
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path_factory.mktemp("pg")),
            "SPOTLIGHT_SECRET": "s" * 32,
            "SPOTLIGHT_STORE": url,
        }
    )
    core = bootstrap(settings)
    try:
        realistic_flow(core)
    finally:
        core.close()
    return PostgresRecorded(postgres_url, schema, sign_checkpoints(settings.store))


def postgres_copy(
    recorded: PostgresRecorded, postgres_schema: Callable[[str], str]
) -> tuple[PostgresCopy, Store]:
    copy = PostgresCopy(
        recorded.url, recorded.schema, postgres_schema(f"tamper_{secrets.token_hex(3)}")
    )
    return copy, parse_store(copy.url)


@pytest.mark.postgres
def test_the_untouched_postgresql_store_verifies(
    postgres_recorded: PostgresRecorded,
    postgres_schema: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy, store = postgres_copy(postgres_recorded, postgres_schema)

    found = verify(store, postgres_recorded.checkpoints)

    assert found.intact, [str(f) for f in found.findings]
    assert [log.checkpoints_matched for log in found.logs] == [1, 1, 1, 1]
    checkpoints = write_checkpoints(tmp_path / "checkpoints.json", postgres_recorded.checkpoints)
    assert cli_verify(copy.url, checkpoints, monkeypatch, tmp_path) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("tampering", TAMPERINGS, ids=lambda t: t.name)
def test_tampering_with_a_postgresql_store_is_found_where_it_happened(
    tampering: Tampering,
    postgres_recorded: PostgresRecorded,
    postgres_schema: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy, store = postgres_copy(postgres_recorded, postgres_schema)
    check_tampering(
        tampering,
        copy,
        store,
        postgres_recorded.checkpoints,
        write_checkpoints(tmp_path / "checkpoints.json", postgres_recorded.checkpoints),
        monkeypatch,
        tmp_path,
    )


@pytest.mark.postgres
def test_a_forged_checkpoint_of_a_postgresql_store_is_rejected(
    postgres_recorded: PostgresRecorded,
    postgres_schema: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy, store = postgres_copy(postgres_recorded, postgres_schema)
    _name, forged = next(forged_variants(postgres_recorded.checkpoints))

    found = verify(store, forged)

    assert not found.tampered
    assert [f.log for f in found.forged] == ["catalogue"]
    assert (
        cli_verify(copy.url, write_checkpoints(tmp_path / "f.json", forged), monkeypatch, tmp_path)
        == 3
    )


def snapshot_copy(postgres_url: str, source: str, target: str) -> None:
    """Every table of ``source`` copied into ``target`` in one REPEATABLE READ transaction,
    as pg_dump takes a copy: one snapshot of every log and its links, whatever commits
    meanwhile."""
    with psycopg.connect(postgres_url) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (source,),
            ).fetchall()
        ]
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target)))
        for table in tables:
            names = (sql.Identifier(target, table), sql.Identifier(source, table))
            connection.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(*names))
            connection.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(*names))


@pytest.mark.postgres
def test_a_postgresql_copy_taken_while_writers_run_verifies_and_replays(
    postgres_url: str,
    postgres_schema: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = postgres_schema("running_source")
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path / "live"),
            "SPOTLIGHT_SECRET": "s" * 32,
            "SPOTLIGHT_STORE": f"{postgres_url}?schema={source}",
        }
    )
    core = bootstrap(settings)
    copied = postgres_schema("running_copy")
    try:
        realistic_flow(core)
        with videos_being_published(core) as written:
            for _ in range(30):  # some records are in before the copy starts
                assert written.acquire(timeout=30)
            snapshot_copy(postgres_url, source, copied)
            for _ in range(15):  # and writers keep going after it
                assert written.acquire(timeout=30)
        live_end = core._catalogue.recorder.max_notification_id() or 0
    finally:
        core.close()

    copy = parse_store(f"{postgres_url}?schema={copied}")
    found = verify(copy)
    assert found.intact, [str(f) for f in found.findings]
    [catalogue] = [log for log in found.logs if log.log == "catalogue"]
    with psycopg.connect(postgres_url) as connection:
        [(copied_end,)] = connection.execute(
            sql.SQL("SELECT MAX(notification_id) FROM {}").format(
                sql.Identifier(copied, "catalogue_events")
            )
        ).fetchall()
    assert catalogue.last_position == copied_end < live_end
    assert cli_verify(copy.url, None, monkeypatch, tmp_path) == 0

    # The copy is a store of its own: the auditor's replay rebuilds every read model from it
    # and finds them as the core over the copy has them.
    copy_settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path / "audit"),
            "SPOTLIGHT_SECRET": "s" * 32,
            "SPOTLIGHT_STORE": copy.url,
        }
    )
    with replay_cores(copy_settings) as (live, scratch):
        report = replay(live, scratch)
    assert report.holds, ([str(d) for c in report.comparisons for d in c.kept], report.violations)
    assert report.events >= copied_end
