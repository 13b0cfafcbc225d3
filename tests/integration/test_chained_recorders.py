"""The chained recorders keep the library's recorder contract, and their chains hold.

The library ships its recorder test cases in ``eventsourcing.tests.persistence``; they run
here against the chained subclasses the way the library's own SQLite and PostgreSQL tests
run them against its recorders (file and in-memory SQLite, text originator ids, concurrent
writers and readers, non-interleaving notification ids, the infrastructure factories).
After every test, the chain each recorder wrote is verified from its records: whatever the
library's tests did (failed inserts, gaps in PostgreSQL's sequence, ten writer threads), the
links must match the records. ``AggregateRecorderTestCase`` is not among them: it checks
recorders that have no notification ids (snapshots), so no log to chain, and those are the
library's recorders unchanged.

Then what the library's cases cannot check: writers on separate connection pools (as
separate processes) never fork the chain, the database refuses a fork outright, and a store
written before tamper evidence gets its existing records linked when the chain table is
made.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal
from unittest import TestCase
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    ProcessRecorder,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteDatastore,
    SQLiteTrackingRecorder,
)
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
    tmpfile_uris,
)
from eventsourcing.utils import Environment, get_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyApplicationRecorder,
    SQLAlchemyTrackingRecorder,
)
from psycopg import sql
from sqlalchemy import Engine

from adapters.audit.popo import (
    ChainedPOPOApplicationRecorder,
    ChainedPOPOFactory,
    ChainedPOPOProcessRecorder,
)
from adapters.audit.postgres import (
    ChainedPostgresApplicationRecorder,
    ChainedPostgresFactory,
    ChainedPostgresProcessRecorder,
)
from adapters.audit.sqlalchemy import (
    ChainedSQLAlchemyApplicationRecorder,
    ChainedSQLAlchemyFactory,
    ChainedSQLAlchemyProcessRecorder,
)
from adapters.audit.sqlite import (
    ChainedSQLiteApplicationRecorder,
    ChainedSQLiteFactory,
    ChainedSQLiteProcessRecorder,
)
from application.audit.audit import ChainedLogReader, verify_log

# Every test's chains verify ------------------------------------------------------------------


class ChainsVerify(TestCase):
    """Remembers the recorders a test makes and verifies their chains afterwards."""

    def setUp(self) -> None:
        super().setUp()
        self.chained: list[ChainedLogReader] = []

    def tearDown(self) -> None:
        for recorder in self.chained:
            verification = verify_log("under-test", recorder, page=500)
            assert verification.intact, [str(f) for f in verification.findings]
            links = recorder.select_links(1, 10**9)
            assert len(links) == verification.records
            # One chain: every link names the one before it, none twice.
            assert [link.previous for link in links] == [0, *(link.position for link in links)][
                : len(links)
            ]
        super().tearDown()

    def chain(self, recorder: Any) -> Any:
        assert isinstance(recorder, ChainedLogReader)
        self.chained.append(recorder)
        return recorder


class WithTextOriginatorIDs:
    originator_id_type: Literal["uuid", "text"] = "text"

    def new_originator_id(self) -> UUID | str:
        return f"text-{uuid4()}"


# In memory -----------------------------------------------------------------------------------


class TestChainedPOPOApplicationRecorder(
    ChainsVerify, ApplicationRecorderTestCase[ChainedPOPOApplicationRecorder]
):
    def create_recorder(self) -> ChainedPOPOApplicationRecorder:
        recorder: ChainedPOPOApplicationRecorder = self.chain(ChainedPOPOApplicationRecorder())
        return recorder

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestChainedPOPOProcessRecorder(ChainsVerify, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        recorder: ProcessRecorder = self.chain(ChainedPOPOProcessRecorder())
        return recorder


class TestChainedPOPOFactory(InfrastructureFactoryTestCase[ChainedPOPOFactory]):
    def expected_factory_class(self) -> type[ChainedPOPOFactory]:
        return ChainedPOPOFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        from eventsourcing.popo import POPOAggregateRecorder

        return POPOAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return ChainedPOPOApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        from eventsourcing.popo import POPOTrackingRecorder

        return POPOTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        from eventsourcing.popo import POPOTrackingRecorder

        class Subclass(POPOTrackingRecorder):
            pass

        return Subclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return ChainedPOPOProcessRecorder

    def setUp(self) -> None:
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = get_topic(ChainedPOPOFactory)
        super().setUp()


# SQLite --------------------------------------------------------------------------------------


class TestChainedSQLiteApplicationRecorder(
    ChainsVerify, ApplicationRecorderTestCase[ChainedSQLiteApplicationRecorder]
):
    db_uri = ":memory:"
    originator_id_type: Literal["uuid", "text"] = "uuid"

    def create_recorder(self) -> ChainedSQLiteApplicationRecorder:
        recorder = ChainedSQLiteApplicationRecorder(
            SQLiteDatastore(
                db_name=self.db_uri, pool_size=100, originator_id_type=self.originator_id_type
            )
        )
        recorder.create_table()
        chained: ChainedSQLiteApplicationRecorder = self.chain(recorder)
        return chained

    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:  # noqa: PT028
        self.uris = tmpfile_uris()
        self.db_uri = next(self.uris)
        super().test_concurrent_no_conflicts()

    def test_concurrent_no_conflicts_in_memory_db(self) -> None:
        self.db_uri = "file::memory:?cache=shared"
        super().test_concurrent_no_conflicts()

    def test_concurrent_throughput(self) -> None:
        self.uris = tmpfile_uris()
        self.db_uri = next(self.uris)
        super().test_concurrent_throughput()


class TestChainedSQLiteApplicationRecorderWithTextOriginatorIDs(
    WithTextOriginatorIDs, TestChainedSQLiteApplicationRecorder
):
    pass


class TestChainedSQLiteProcessRecorder(ChainsVerify, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        recorder = ChainedSQLiteProcessRecorder(SQLiteDatastore(db_name=":memory:"))
        recorder.create_table()
        chained: ProcessRecorder = self.chain(recorder)
        return chained


class TestChainedSQLiteNonInterleaving(ChainsVerify, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        self.uris = tmpfile_uris()
        recorder = ChainedSQLiteApplicationRecorder(
            SQLiteDatastore(db_name=next(self.uris), pool_size=4)
        )
        recorder.create_table()
        chained: ApplicationRecorder = self.chain(recorder)
        return chained


class TestChainedSQLiteFactory(InfrastructureFactoryTestCase[ChainedSQLiteFactory]):
    def expected_factory_class(self) -> type[ChainedSQLiteFactory]:
        return ChainedSQLiteFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return SQLiteAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return ChainedSQLiteApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return SQLiteTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        class Subclass(SQLiteTrackingRecorder):
            pass

        return Subclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return ChainedSQLiteProcessRecorder

    def setUp(self) -> None:
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = get_topic(ChainedSQLiteFactory)
        self.env[ChainedSQLiteFactory.SQLITE_DBNAME] = ":memory:"
        super().setUp()


def _stored(count: int, originator: UUID | None = None) -> list[StoredEvent]:
    originator = originator or uuid4()
    return [StoredEvent(originator, version, "topic", b"state") for version in range(1, count + 1)]


def test_a_sqlite_store_written_before_tamper_evidence_gets_its_records_linked(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "before.db")
    plain = SQLiteApplicationRecorder(SQLiteDatastore(database))
    plain.create_table()
    for _ in range(5):
        plain.insert_events(_stored(3))

    chained = ChainedSQLiteApplicationRecorder(SQLiteDatastore(database))
    chained.create_table()
    chained.insert_events(_stored(2))

    verification = verify_log("before", chained)
    assert verification.intact
    assert (verification.records, len(chained.select_links(1, 100))) == (17, 17)


# PostgreSQL ----------------------------------------------------------------------------------


def _connection_settings(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "dbname": parts.path.lstrip("/"),
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": parts.username or "postgres",
        "password": parts.password or "",
    }


def _create_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


@pytest.mark.postgres
class PostgresCase(ChainsVerify):
    """A datastore on this session's PostgreSQL schema; every test gets its own tables."""

    originator_id_type: Literal["uuid", "text"] = "uuid"
    datastore: PostgresDatastore
    schema: str
    table: str

    @pytest.fixture(autouse=True)
    def _postgres(self, postgres_url: str, postgres_schema: Callable[[str], str]) -> Iterator[None]:
        self.url = postgres_url
        self.schema = postgres_schema("chained")
        _create_schema(postgres_url, self.schema)
        self.table = f"t{secrets.token_hex(5)}_events"
        self.datastore = self.new_datastore()
        yield
        self.datastore.close()

    def new_datastore(self, pool_size: int = 1) -> PostgresDatastore:
        return PostgresDatastore(
            **_connection_settings(self.url),
            pool_size=pool_size,
            max_overflow=0,
            schema=self.schema,
            originator_id_type=self.originator_id_type,
        )


class TestChainedPostgresApplicationRecorder(
    PostgresCase, ApplicationRecorderTestCase[ChainedPostgresApplicationRecorder]
):
    def create_recorder(self) -> ChainedPostgresApplicationRecorder:
        recorder = ChainedPostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        recorder.create_table()
        chained: ChainedPostgresApplicationRecorder = self.chain(recorder)
        return chained

    def test_insert_subscribe(self) -> None:
        self.datastore.pool.open()
        self.datastore.pool.resize(2, 2)
        self.optional_test_insert_subscribe()

    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:  # noqa: PT028
        self.datastore.pool.open()
        self.datastore.pool.resize(12, 12)
        super().test_concurrent_no_conflicts()

    def test_concurrent_throughput(self) -> None:
        self.datastore.pool.open()
        self.datastore.pool.resize(10, 10)
        super().test_concurrent_throughput()


class TestChainedPostgresApplicationRecorderWithTextOriginatorIDs(
    WithTextOriginatorIDs, TestChainedPostgresApplicationRecorder
):
    pass


class TestChainedPostgresProcessRecorder(PostgresCase, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        recorder = ChainedPostgresProcessRecorder(
            self.datastore,
            events_table_name=self.table,
            tracking_table_name=self.table.replace("_events", "_tracking"),
        )
        recorder.create_table()
        chained: ProcessRecorder = self.chain(recorder)
        return chained


class TestChainedPostgresNonInterleaving(PostgresCase, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        self.datastore.pool.open()
        self.datastore.pool.resize(2, 2)
        recorder = ChainedPostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        recorder.create_table()
        chained: ApplicationRecorder = self.chain(recorder)
        return chained


@pytest.mark.postgres
class TestChainedPostgresFactory(InfrastructureFactoryTestCase[ChainedPostgresFactory]):
    def expected_factory_class(self) -> type[ChainedPostgresFactory]:
        return ChainedPostgresFactory

    # The library's recorders, taking their turn for schema changes (adapters.schema_changes).
    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        from adapters.audit.postgres import TurnTakingAggregateRecorder

        return TurnTakingAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return ChainedPostgresApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        from adapters.audit.postgres import TurnTakingTrackingRecorder

        return TurnTakingTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        class Subclass(PostgresTrackingRecorder):
            pass

        return Subclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return ChainedPostgresProcessRecorder

    @pytest.fixture(autouse=True)
    def _postgres(self, postgres_url: str, postgres_schema: Callable[[str], str]) -> None:
        # A schema per test: the library's cases make tables of one name as different kinds.
        schema = postgres_schema(f"factory_{secrets.token_hex(3)}")
        _create_schema(postgres_url, schema)
        settings = _connection_settings(postgres_url)
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = get_topic(ChainedPostgresFactory)
        self.env["POSTGRES_DBNAME"] = settings["dbname"]
        self.env["POSTGRES_HOST"] = settings["host"]
        self.env["POSTGRES_PORT"] = settings["port"]
        self.env["POSTGRES_USER"] = settings["user"]
        self.env["POSTGRES_PASSWORD"] = settings["password"]
        self.env["POSTGRES_SCHEMA"] = schema


class TestPostgresWritersNeverForkTheChain(PostgresCase):
    def recorder_on_its_own_pool(self) -> ChainedPostgresApplicationRecorder:
        """A writer with its own connections, as another process of the service would be."""
        recorder = ChainedPostgresApplicationRecorder(
            self.new_datastore(pool_size=4), events_table_name=self.table
        )
        recorder.create_table()
        return recorder

    def test_writers_on_separate_pools_and_threads_make_one_chain(self) -> None:
        self.datastore.pool.open()
        self.datastore.pool.resize(4, 4)
        first = self.chain(
            ChainedPostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        )
        first.create_table()
        writers = [first, self.recorder_on_its_own_pool(), self.recorder_on_its_own_pool()]

        def write(job: int) -> None:
            writers[job % len(writers)].insert_events(_stored(1 + job % 5))

        with ThreadPoolExecutor(max_workers=9) as pool:
            list(pool.map(write, range(300)))

        assert first.max_notification_id() == sum(1 + job % 5 for job in range(300))
        for writer in writers[1:]:
            writer.datastore.close()

    def test_the_database_refuses_a_link_that_would_fork_the_chain(self) -> None:
        recorder = self.chain(
            ChainedPostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        )
        recorder.create_table()
        for _ in range(3):
            recorder.insert_events(_stored(1))
        # Another process's writer that read a stale head (as if it had not waited its turn):
        recorder = ChainedPostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        recorder.select_head_statement = sql.SQL(
            "SELECT notification_id, previous_id, link FROM {}.{} ORDER BY notification_id LIMIT 1"
        ).format(sql.Identifier(self.schema), sql.Identifier(recorder.chain_table_name))

        with pytest.raises(IntegrityError, match="previous_id"):
            recorder.insert_events(_stored(1))

        # Its events were refused with the link: the log is as it was.
        assert len(recorder.select_notifications(None, 100)) == 3
        assert len(recorder.select_links(1, 100)) == 3

    def test_large_writes_from_several_threads_complete_and_chain(self) -> None:
        """Transactions of megabytes, as a replay's copy or a busy seeding writes them: the
        library's pipelined write stalled on such writes (server and client each waiting for
        the other, the log's lock held); written statement by statement, they all land."""
        self.datastore.pool.open()
        self.datastore.pool.resize(3, 3)
        recorder = self.chain(
            ChainedPostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        )
        recorder.create_table()

        written: list[int] = []

        def write() -> None:
            for _ in range(2):
                recorder.insert_events(
                    [
                        StoredEvent(uuid4(), 1, "spotlight.bench:Large", secrets.token_bytes(4096))
                        for _ in range(1500)
                    ]
                )
                written.append(1500)

        # Daemon threads and a deadline: a stalled write fails the test instead of hanging it.
        writers = [threading.Thread(target=write, daemon=True) for _ in range(3)]
        for thread in writers:
            thread.start()
        deadline = time.monotonic() + 120
        for thread in writers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in writers):
            # Free the log's lock, or dropping the test's schema would wait for ever.
            with psycopg.connect(self.url, autocommit=True) as connection:
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid <> pg_backend_pid() AND query LIKE %s",
                    (f"%{self.table}%",),
                )
            pytest.fail("a write stalled: server and client each waiting for the other")

        assert sum(written) == recorder.max_notification_id() == 6 * 1500
        assert len(recorder.select_links(1, 10_000)) == 6 * 1500

    def test_a_store_written_before_tamper_evidence_gets_its_records_linked(self) -> None:
        plain = PostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        plain.create_table()
        for _ in range(4):
            plain.insert_events(_stored(2))

        chained = self.chain(
            ChainedPostgresApplicationRecorder(self.datastore, events_table_name=self.table)
        )
        chained.create_table()
        chained.insert_events(_stored(1))

        assert len(chained.select_links(1, 100)) == 9


# SQLAlchemy ----------------------------------------------------------------------------------


def _dispose(datastore: SQLAlchemyDatastore) -> None:
    engine = datastore.engine
    assert isinstance(engine, Engine)
    engine.dispose()


class SQLAlchemyCase(ChainsVerify):
    datastore: SQLAlchemyDatastore
    schema: str | None = None
    table: str
    url: str

    def recorder(self, cls: type[Any] = ChainedSQLAlchemyApplicationRecorder) -> Any:
        recorder = cls(self.datastore, events_table_name=self.table, schema_name=self.schema)
        recorder.create_table()
        return recorder


@pytest.mark.postgres
class SQLAlchemyOnPostgres(SQLAlchemyCase):
    @pytest.fixture(autouse=True)
    def _postgres(self, postgres_url: str, postgres_schema: Callable[[str], str]) -> Iterator[None]:
        self.schema = postgres_schema("chained_sqlalchemy")
        _create_schema(postgres_url, self.schema)
        self.table = f"t{secrets.token_hex(5)}_events"
        _scheme, _, rest = postgres_url.partition("://")
        self.url = f"postgresql+psycopg://{rest}"
        self.datastore = SQLAlchemyDatastore(url=self.url)
        yield
        _dispose(self.datastore)


class SQLAlchemyOnSQLite(SQLAlchemyCase):
    @pytest.fixture(autouse=True)
    def _sqlite(self, tmp_path: Path) -> Iterator[None]:
        self.table = f"t{secrets.token_hex(5)}_events"
        self.url = f"sqlite:///{tmp_path / 'sqlalchemy.db'}"
        self.datastore = SQLAlchemyDatastore(url=self.url)
        yield
        _dispose(self.datastore)


class ApplicationRecorderCases(ApplicationRecorderTestCase[ApplicationRecorder]):
    __test__ = False  # run by the concrete classes below

    def create_recorder(self) -> ApplicationRecorder:
        assert isinstance(self, SQLAlchemyCase)
        recorder: ApplicationRecorder = self.chain(self.recorder())
        return recorder


class ProcessRecorderCases(ProcessRecorderTestCase):
    __test__ = False  # run by the concrete classes below

    def create_recorder(self) -> ProcessRecorder:
        assert isinstance(self, SQLAlchemyCase)
        recorder = ChainedSQLAlchemyProcessRecorder(
            self.datastore,
            events_table_name=self.table,
            tracking_table_name=self.table.replace("_events", "_tracking"),
            schema_name=self.schema,
        )
        recorder.create_table()
        chained: ProcessRecorder = self.chain(recorder)
        return chained


class TestChainedSQLAlchemyApplicationRecorderOnPostgres(
    SQLAlchemyOnPostgres, ApplicationRecorderCases
):
    __test__ = True


class TestChainedSQLAlchemyProcessRecorderOnPostgres(SQLAlchemyOnPostgres, ProcessRecorderCases):
    __test__ = True


class TestChainedSQLAlchemyNonInterleavingOnPostgres(
    SQLAlchemyOnPostgres, NonInterleavingNotificationIDsBaseCase
):
    def create_recorder(self) -> ApplicationRecorder:
        recorder: ApplicationRecorder = self.chain(self.recorder())
        return recorder


class TestChainedSQLAlchemyApplicationRecorderOnSQLite(
    SQLAlchemyOnSQLite, ApplicationRecorderCases
):
    __test__ = True


class TestChainedSQLAlchemyProcessRecorderOnSQLite(SQLAlchemyOnSQLite, ProcessRecorderCases):
    __test__ = True


class TestSQLAlchemyWritersNeverForkTheChain(SQLAlchemyOnPostgres):
    def test_writers_on_separate_engines_and_threads_make_one_chain(self) -> None:
        first = self.chain(self.recorder())
        others = [
            ChainedSQLAlchemyApplicationRecorder(
                SQLAlchemyDatastore(url=self.url),
                events_table_name=self.table,
                schema_name=self.schema,
            )
            for _ in range(2)
        ]
        writers = [first, *others]

        def write(job: int) -> None:
            writers[job % len(writers)].insert_events(_stored(1 + job % 4))

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(write, range(150)))

        assert first.max_notification_id() == sum(1 + job % 4 for job in range(150))
        for other in others:
            _dispose(other.datastore)

    def test_a_store_written_before_tamper_evidence_gets_its_records_linked(self) -> None:
        plain = self.recorder(SQLAlchemyApplicationRecorder)
        for _ in range(3):
            plain.insert_events(_stored(2))

        chained = self.chain(self.recorder())
        chained.insert_events(_stored(1))

        assert len(chained.select_links(1, 100)) == 7


class TestChainedSQLAlchemyFactory(InfrastructureFactoryTestCase[ChainedSQLAlchemyFactory]):
    def expected_factory_class(self) -> type[ChainedSQLAlchemyFactory]:
        return ChainedSQLAlchemyFactory

    # The library's recorders, taking their turn for schema changes (adapters.schema_changes).
    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        from adapters.audit.sqlalchemy import TurnTakingSQLAlchemyAggregateRecorder

        recorder: type[AggregateRecorder] = TurnTakingSQLAlchemyAggregateRecorder
        return recorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return ChainedSQLAlchemyApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        from adapters.audit.sqlalchemy import TurnTakingSQLAlchemyTrackingRecorder

        recorder: type[TrackingRecorder] = TurnTakingSQLAlchemyTrackingRecorder
        return recorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        class Subclass(SQLAlchemyTrackingRecorder):
            pass

        return Subclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return ChainedSQLAlchemyProcessRecorder

    @pytest.fixture(autouse=True)
    def _sqlite(self, tmp_path: Path) -> None:
        self.env = Environment("TestCase")
        self.env[InfrastructureFactory.PERSISTENCE_MODULE] = get_topic(ChainedSQLAlchemyFactory)
        self.env["SQLALCHEMY_URL"] = f"sqlite:///{tmp_path / 'factory.db'}"


# A link for what a UUID column reads back ----------------------------------------------------


def _ids(values: Sequence[StoredEvent]) -> list[str]:
    return [str(value.originator_id) for value in values]


def test_a_uuid_given_as_text_is_linked_as_the_uuid_the_store_gives_back(tmp_path: Path) -> None:
    recorder = ChainedSQLiteApplicationRecorder(SQLiteDatastore(str(tmp_path / "ids.db")))
    recorder.create_table()
    ident = uuid4()
    recorder.insert_events([StoredEvent(ident.hex, 1, "topic", b"state")])

    assert verify_log("ids", recorder).intact
    assert _ids(recorder.select_events(ident)) == [str(ident)]
