"""Personal data sealed with a key per person and erased by destroying the key: the rules on
the in-memory store, then erasure on a SQLite data directory and on PostgreSQL, after which
a dump of everything stored holds no plaintext of the person and no key, the log still
verifies, and every read shows the person as erased."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from adapters.audit.logs import open_log
from adapters.keys.sealer import AesGcmSealer, new_key
from adapters.storage import parse_store
from application.audit.audit import verify_store
from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted
from domain.errors import InvalidValue
from domain.revenue.creators import Creator
from domain.trust.moderation import AgeBand
from domain.trust.people import PersonErased, age_band_on
from entrypoints.audit_cli import LOGS
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock

ANA = Principal(Role.CREATOR, "ana")
ADMIN = Principal(Role.ADMIN, "dpo")
NAME = "Zebediah Quaxworth"
CONTACT = "zeb.quaxworth@example.org"
BORN = date(1990, 4, 17)
SECRET = b"personal-data-tests-" + b"x" * 20


def record(core: Spotlight, subject: str = "ana", born: date = BORN) -> None:
    core.personal_data.record(
        person := Principal(Role.CREATOR, subject),
        person,
        name=NAME,
        contact=CONTACT,
        date_of_birth=born,
    )


# Rules ----------------------------------------------------------------------------------------


def test_an_age_band_follows_from_a_date_of_birth() -> None:
    day = date(2026, 6, 1)
    assert age_band_on(date(2008, 6, 2), day) is AgeBand.FROM_16_TO_17  # 18 tomorrow
    assert age_band_on(date(2008, 6, 1), day) is AgeBand.ADULT
    assert age_band_on(date(2013, 1, 1), day) is AgeBand.FROM_13_TO_15
    assert age_band_on(date(2020, 1, 1), day) is AgeBand.UNDER_13
    with pytest.raises(InvalidValue):
        age_band_on(date(2027, 1, 1), day)


def test_a_person_records_reads_and_erases_their_data(core: Spotlight) -> None:
    record(core)

    shown = core.personal_data.read(ANA, ANA)
    assert (shown.name, shown.contact, shown.date_of_birth) == (NAME, CONTACT, BORN)
    with pytest.raises(NotPermitted):
        core.personal_data.read(Principal(Role.CREATOR, "bob"), ANA)

    erased = core.personal_data.erase(ANA, ANA)

    assert erased.erased
    after = core.personal_data.read(Principal(Role.AUDITOR, "kpmg"), ANA)
    assert (after.erased, after.name, after.contact, after.date_of_birth) == (
        True,
        None,
        None,
        None,
    )
    assert core.keys.key_for("ana") is None
    with pytest.raises(PersonErased):
        record(core)
    assert core.personal_data.erase(ADMIN, ANA).erased  # asking again is harmless


def test_a_persons_data_is_theirs_by_role_and_subject_not_by_subject_alone(
    core: Spotlight,
) -> None:
    core.creators.register(ANA, region="US")
    record(core)
    others = (Role.CREATOR, Role.ADMIN, Role.AUDITOR)
    namesakes = [Principal(role, "ana") for role in Role if role not in others]

    for namesake in namesakes:
        with pytest.raises(NotPermitted):
            core.personal_data.read(namesake, ANA)
        with pytest.raises(NotPermitted):
            core.personal_data.record(
                namesake, ANA, name="X", contact="x@example.org", date_of_birth=date(2020, 1, 1)
            )
        with pytest.raises(NotPermitted):
            core.personal_data.erase(namesake, ANA)
    assert core.personal_data.read(ANA, ANA).name == NAME
    assert not core._catalogue.load(Creator, Creator.id_for("ana")).is_minor
    brand_ana = Principal(Role.BRAND, "ana")
    core.personal_data.record(
        brand_ana, brand_ana, name="Ana's shop", contact="shop@example.org", date_of_birth=BORN
    )
    assert core.personal_data.read(brand_ana, brand_ana).name == "Ana's shop"
    assert core.personal_data.read(ANA, ANA).name == NAME  # two people, two records


def test_erasing_someone_unknown_is_refused(core: Spotlight) -> None:
    with pytest.raises(NotFound):
        core.personal_data.erase(ADMIN, Principal(Role.CREATOR, "nobody"))


def test_a_date_of_birth_under_18_protects_the_creator_even_after_erasure(
    core: Spotlight, clock: FixedClock
) -> None:
    core.creators.register(Principal(Role.CREATOR, "kim"), region="US")

    record(core, "kim", born=date(clock.now().year - 15, 1, 1))
    core.personal_data.erase(ADMIN, Principal(Role.CREATOR, "kim"))

    assert core._catalogue.load(Creator, Creator.id_for("kim")).is_minor


def test_sealed_data_opens_only_with_its_key_for_its_person() -> None:
    sealer, key = AesGcmSealer(), new_key()
    sealed = sealer.seal(key, b"secret", subject="ana")

    assert sealer.open(key, sealed, subject="ana") == b"secret"
    with pytest.raises(ValueError, match="another"):
        sealer.open(key, sealed, subject="bob")
    with pytest.raises(ValueError, match="another"):
        sealer.open(new_key(), sealed, subject="ana")
    with pytest.raises(ValueError, match="known version"):
        sealer.open(key, b"\x02" + sealed[1:], subject="ana")


# Erasure on real stores ----------------------------------------------------------------------


def plaintexts() -> list[bytes]:
    texts = [NAME, CONTACT, BORN.isoformat(), "Quaxworth", "zeb.quaxworth"]
    return [t.encode() for t in texts] + [t.encode("utf-16-le") for t in texts]


def assert_verifies(store_url: str) -> None:
    store = parse_store(store_url)
    opened = [open_log(store, name) for name in LOGS]
    try:
        assert verify_store({log.name: log.reader for log in opened}).intact
    finally:
        for log in opened:
            log.close()


def test_after_erasure_a_sqlite_data_directory_holds_no_trace_of_the_person() -> None:
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        url = f"sqlite:///{data / 'spotlight.db'}"
        settings = Settings(store=parse_store(url), data_dir=data, secret=SECRET)
        core = bootstrap(settings, clock=FixedClock())
        record(core)
        key = core.keys.key_for("ana")
        assert key is not None
        dump = b"".join(f.read_bytes() for f in data.iterdir() if f.is_file())
        assert key in dump  # the key is stored, beside the log
        assert not [p for p in plaintexts() if p in dump]  # only ever sealed

        core.personal_data.erase(ADMIN, ANA)
        core.close()

        dump = b"".join(f.read_bytes() for f in data.iterdir() if f.is_file())
        assert key not in dump
        assert not [p for p in plaintexts() if p in dump]
        assert_verifies(url)
        reopened = bootstrap(settings, clock=FixedClock())
        try:
            assert reopened.personal_data.read(ADMIN, ANA).erased
        finally:
            reopened.close()


@pytest.fixture
def postgres_store(postgres_url: str, postgres_schema: Callable[[str], str]) -> str:
    return f"{postgres_url}?schema={postgres_schema('people')}"


def test_after_erasure_postgresql_holds_no_trace_of_the_person(
    postgres_store: str, postgres_url: str, tmp_path: Path
) -> None:
    schema = postgres_store.rsplit("=", 1)[1]
    settings = Settings(store=parse_store(postgres_store), data_dir=tmp_path, secret=SECRET)
    core = bootstrap(settings, clock=FixedClock())
    record(core)
    key = core.keys.key_for("ana")
    assert key is not None
    core.personal_data.erase(ADMIN, ANA)
    core.close()

    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        assert ("person_keys",) in tables
        dump = b""
        for (table,) in tables:
            rows = connection.execute(
                sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            ).fetchall()
            for row in rows:
                for value in row:
                    dump += (
                        bytes(value)
                        if isinstance(value, bytes | memoryview)
                        else str(value).encode()
                    )
        # The table's file itself, dead rows and all (the server's superuser reads it).
        connection.execute("CHECKPOINT")
        (raw,) = connection.execute(
            "SELECT pg_read_binary_file(pg_relation_filepath(%s))",
            (f'"{schema}".person_keys',),
        ).fetchone() or (b"",)
    assert dump  # the events are all there
    assert key not in dump
    assert key not in bytes(raw)
    assert not [p for p in plaintexts() if p in dump]
    assert_verifies(postgres_store)


def test_an_erased_key_leaves_no_old_row_behind_while_an_older_snapshot_is_open(
    postgres_store: str, postgres_url: str
) -> None:
    """A snapshot taken before the erasure (another request's, another test's) would make
    ``VACUUM FULL`` copy the deleted row into the rewritten table: the erasure waits for it."""
    from adapters.keys.stores import key_store_for

    schema = postgres_store.rsplit("=", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    keys = key_store_for(parse_store(postgres_store))
    key = keys.create_key("ana")
    with psycopg.connect(postgres_url, autocommit=True) as older:
        older.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        older.execute("SELECT 1").fetchone()  # the snapshot is taken here, before the erasure
        closer = threading.Timer(1.0, lambda: older.execute("COMMIT"))
        closer.start()
        try:
            assert keys.destroy_key("ana")
        finally:
            closer.join()
    keys.close()  # type: ignore[attr-defined]
    with psycopg.connect(postgres_url) as connection:
        (raw,) = connection.execute(
            "SELECT pg_read_binary_file(pg_relation_filepath(%s))",
            (f'"{schema}".person_keys',),
        ).fetchone() or (b"",)
    assert key not in bytes(raw)
