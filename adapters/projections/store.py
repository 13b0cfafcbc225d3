"""The projection store in SQL: generations, positions, leases and failures, and the batch
transaction that projections write their rows through.

Positions move by compare and set (``UPDATE ... WHERE position = :start``): two runners that
read the same position and apply the same page cannot both commit, so no event is applied
twice whatever the number of processes; leases only spare them the wasted work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

from adapters.projections.database import ProjectionDatabase
from adapters.projections.schema_versions import (
    Component,
    Upgrade,
    bring_up_to_date,
    has_column,
    recorded_versions,
)
from adapters.schema_changes import take_turn
from application.projections import Batch, Failure, Generation, PositionMoved, Progress

BUILDING, ACTIVE, RETIRED = "building", "active", "retired"

log = logging.getLogger("spotlight.projections")

T = TypeVar("T")


@attrs.frozen
class SqlBatch:
    """The open transaction a projection's tables write through."""

    connection: Connection
    generation: int


class SqlProjectionStore:
    def __init__(self, database: ProjectionDatabase) -> None:
        self.database = database
        self.metadata = sa.MetaData(schema=database.schema)
        self.generations_table = sa.Table(
            "projection_generations",
            self.metadata,
            sa.Column("name", sa.String(200), primary_key=True),
            sa.Column("generation", sa.Integer, primary_key=True),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            # The settings the rows depend on (``Projection.configuration``); added after the
            # table was first made, hence its default for the rows made before.
            sa.Column("configuration", sa.Text, nullable=False, server_default=""),
        )
        self.positions_table = sa.Table(
            "projection_positions",
            self.metadata,
            sa.Column("name", sa.String(200), primary_key=True),
            sa.Column("generation", sa.Integer, primary_key=True),
            sa.Column("log", sa.String(64), primary_key=True),
            sa.Column("position", sa.BigInteger, nullable=False),
        )
        self.failures_table = sa.Table(
            "projection_failures",
            self.metadata,
            sa.Column("name", sa.String(200), primary_key=True),
            sa.Column("generation", sa.Integer, primary_key=True),
            sa.Column("log", sa.String(64), nullable=False),
            sa.Column("position", sa.BigInteger, nullable=False),
            sa.Column("error", sa.Text, nullable=False),
            sa.Column("failed_at", sa.Float, nullable=False),
        )
        self.leases_table = sa.Table(
            "projection_leases",
            self.metadata,
            sa.Column("name", sa.String(200), primary_key=True),
            sa.Column("holder", sa.String(200), nullable=False),
            sa.Column("expires_at", sa.Float, nullable=False),
        )
        self._progress_statement = self._select_progress()
        self._create_lock = threading.Lock()
        # The tables each generation being made created in this process (``making``), which
        # ``settle`` analyses: its rebuild creates, fills and swaps it in one process.
        self._making = threading.local()
        self._made: dict[tuple[str, int], dict[str, sa.Table]] = {}
        self._made_lock = threading.Lock()
        self.create_tables(self.metadata, component=self.component())

    def _select_progress(self) -> sa.Select[tuple[int, int, str, bool, str, int]]:
        """``progress``'s statement, built once (its name is a parameter)."""
        generations, positions = self.generations_table, self.positions_table
        failures = self.failures_table
        name = sa.bindparam("name", type_=sa.String(200))
        failed = (
            sa.select(failures.c.generation)
            .where(failures.c.name == name, failures.c.generation == generations.c.generation)
            .exists()
        )
        return (
            sa.select(
                generations.c.generation,
                generations.c.version,
                generations.c.configuration,
                failed,
                positions.c.log,
                positions.c.position,
            )
            .select_from(generations)
            .outerjoin(
                positions,
                sa.and_(
                    positions.c.name == generations.c.name,
                    positions.c.generation == generations.c.generation,
                ),
            )
            .where(generations.c.name == name, generations.c.state == ACTIVE)
        )

    def component(self) -> Component:
        """The projection store's own tables, and how an older store's are upgraded."""
        generations = self.generations_table

        def keep_configurations(connection: Connection) -> None:
            # Releases before versions were recorded made the table with or without the
            # column (it was added unversioned): both are version 1.
            if not has_column(connection, generations, "configuration"):
                quote = connection.dialect.identifier_preparer
                connection.exec_driver_sql(
                    f"ALTER TABLE {quote.format_table(generations)} "
                    "ADD COLUMN configuration TEXT NOT NULL DEFAULT ''"
                )

        return Component(
            name="projection store",
            first_table=generations.name,
            upgrades=(
                Upgrade(
                    to=2,
                    does="projection_generations keeps the configuration of each generation "
                    "(none for the generations made before)",
                    apply=keep_configurations,
                ),
            ),
        )

    # Tables of projections -------------------------------------------------------------

    def create_tables(
        self, metadata: sa.MetaData, *, component: Component | None = None
    ) -> tuple[int, ...]:
        """Create a projection generation's tables (its adapter's metadata), if missing; for
        a ``component`` of the store's own tables, also apply the upgrades its recorded
        version lacks (``adapters.projections.schema_versions``) and return their versions.

        ``CREATE ... IF NOT EXISTS``, compiled once per process for each table: every core
        started (each test's, each worker's) creates the same few dozen tables, and
        reflecting and compiling them again each time cost most of a start."""
        dialect = self.database.writer.dialect
        statements = [
            statement
            for table in metadata.sorted_tables
            for statement in _creation_of(table, dialect)
        ]

        def create(connection: Connection) -> None:
            for statement in statements:
                connection.exec_driver_sql(statement)

        making: tuple[str, int] | None = getattr(self._making, "generation", None)
        if component is None and making is not None:
            with self._made_lock:
                self._made.setdefault(making, {}).update(
                    (table.fullname, table) for table in metadata.sorted_tables
                )
        with self._create_lock, self.database.writer.begin() as connection:
            take_turn(connection)
            if component is None:
                create(connection)
                return ()
            return bring_up_to_date(connection, self.metadata.schema, component, create)

    def schema_versions(self) -> dict[str, int]:
        """The version of each component's tables, as recorded in the store."""
        with self.reading() as connection:
            return recorded_versions(connection, self.metadata.schema)

    def drop_tables(self, metadata: sa.MetaData) -> None:
        with self._create_lock, self.database.writer.begin() as connection:
            take_turn(connection)
            metadata.drop_all(connection, checkfirst=True)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection in one transaction (one snapshot on PostgreSQL and WAL)."""
        with self.database.reader.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def reading_one(self) -> Iterator[Connection]:
        """A connection for one read-only statement, which is its own snapshot: on
        PostgreSQL without BEGIN and COMMIT around it (two round trips fewer)."""
        if self.database.reader.dialect.name != "postgresql":
            with self.reading() as connection:
                yield connection
            return
        with self.database.reader.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            yield connection

    # Generations -------------------------------------------------------------------------

    def generations(self, name: str) -> list[Generation]:
        table = self.generations_table
        with self.reading_one() as connection:
            rows = connection.execute(
                sa.select(table.c.generation, table.c.version, table.c.state, table.c.configuration)
                .where(table.c.name == name)
                .order_by(table.c.generation)
            ).all()
        return [
            Generation(number=row[0], version=row[1], state=row[2], configuration=row[3])
            for row in rows
        ]

    def active_generation(self, name: str) -> Generation | None:
        table = self.generations_table
        with self.reading_one() as connection:
            row = connection.execute(
                sa.select(table.c.generation, table.c.version, table.c.configuration).where(
                    table.c.name == name, table.c.state == ACTIVE
                )
            ).first()
        if row is None:
            return None
        return Generation(number=row[0], version=row[1], state=ACTIVE, configuration=row[2])

    def progress(self, name: str) -> Progress | None:
        """One statement: the active generation, each of its logs' positions (a row per
        log) and whether a failure is recorded against it."""
        with self.reading_one() as connection:
            rows = connection.execute(self._progress_statement, {"name": name}).all()
        if not rows:
            return None
        first = rows[0]
        return Progress(
            generation=Generation(
                number=first[0], version=first[1], state=ACTIVE, configuration=first[2]
            ),
            positions={row[4]: int(row[5]) for row in rows if row[4] is not None},
            failed=bool(first[3]),
        )

    def new_generation(
        self,
        name: str,
        version: int,
        logs: Sequence[str],
        *,
        active: bool,
        configuration: str = "",
    ) -> int:
        # Two processes starting a new projection at once: one insert wins, the other reads
        # what it made.
        for _attempt in range(5):
            try:
                return self._new_generation(name, version, logs, active, configuration)
            except sa.exc.IntegrityError:
                current = self.active_generation(name)
                if (
                    active
                    and current is not None
                    and (current.version, current.configuration) == (version, configuration)
                ):
                    return current.number
        return self._new_generation(name, version, logs, active, configuration)

    def _new_generation(
        self, name: str, version: int, logs: Sequence[str], active: bool, configuration: str
    ) -> int:
        table = self.generations_table
        with self.database.writer.begin() as connection:
            highest = connection.execute(
                sa.select(sa.func.max(table.c.generation)).where(table.c.name == name)
            ).scalar()
            number = (highest or 0) + 1
            has_active = connection.execute(
                sa.select(table.c.generation).where(table.c.name == name, table.c.state == ACTIVE)
            ).first()
            state = ACTIVE if active and has_active is None else BUILDING
            connection.execute(
                table.insert().values(
                    name=name,
                    generation=number,
                    version=version,
                    state=state,
                    configuration=configuration,
                )
            )
            for log in logs:
                connection.execute(
                    self.positions_table.insert().values(
                        name=name, generation=number, log=log, position=0
                    )
                )
        return number

    def activate(self, name: str, generation: int) -> Generation | None:
        table = self.generations_table
        with self.database.writer.begin() as connection:
            old = connection.execute(
                sa.select(table.c.generation, table.c.version, table.c.configuration).where(
                    table.c.name == name, table.c.state == ACTIVE
                )
            ).first()
            if old is not None:
                connection.execute(
                    table.update()
                    .where(table.c.name == name, table.c.generation == old[0])
                    .values(state=RETIRED)
                )
            connection.execute(
                table.update()
                .where(table.c.name == name, table.c.generation == generation)
                .values(state=ACTIVE)
            )
        if old is None:
            return None
        return Generation(number=old[0], version=old[1], state=RETIRED, configuration=old[2])

    @contextmanager
    def making(self, name: str, generation: int) -> Iterator[None]:
        before = getattr(self._making, "generation", None)
        self._making.generation = (name, generation)
        try:
            yield
        finally:
            self._making.generation = before

    def settle(self, name: str, generation: int) -> None:
        """On PostgreSQL, ``VACUUM (ANALYZE)`` each of the generation's tables: the planner's
        statistics (``pg_statistic``, ``pg_class.reltuples``) for the rows just written in
        bulk, and the visibility map that lets a query read an index alone. Autovacuum would
        get there in its own time; a generation swapped in before it did had its sorted
        pages planned for a few rows (ARCHITECTURE.md, "Sorted search past the best
        1,000"). On SQLite, nothing: its planner's choices without ``sqlite_stat1`` are
        those the queries are written for, and statistics taken once would go stale as the
        generation grows (an ``ANALYZE`` there is a full read of every index)."""
        with self._made_lock:
            tables = list(self._made.pop((name, generation), {}).values())
        writer = self.database.writer
        if not tables or writer.dialect.name != "postgresql":
            return
        quote = writer.dialect.identifier_preparer
        started = time.perf_counter()
        # VACUUM runs outside a transaction; a table dropped meanwhile is skipped.
        with writer.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                named = quote.format_table(table)
                exists = connection.exec_driver_sql(
                    "SELECT to_regclass(%(name)s)", {"name": named}
                ).scalar()
                if exists is not None:
                    connection.exec_driver_sql(f"VACUUM (ANALYZE) {named}")
        log.info(
            "%s: generation %d's %d tables analysed in %.1f s",
            name,
            generation,
            len(tables),
            time.perf_counter() - started,
        )

    def forget(self, name: str, generation: int) -> None:
        with self._made_lock:
            self._made.pop((name, generation), None)
        with self.database.writer.begin() as connection:
            for table in (self.positions_table, self.failures_table, self.generations_table):
                connection.execute(
                    table.delete().where(table.c.name == name, table.c.generation == generation)
                )

    # Positions ----------------------------------------------------------------------------

    def positions(self, name: str, generation: int) -> dict[str, int]:
        table = self.positions_table
        with self.reading_one() as connection:
            rows = connection.execute(
                sa.select(table.c.log, table.c.position).where(
                    table.c.name == name, table.c.generation == generation
                )
            ).all()
        return {row[0]: int(row[1]) for row in rows}

    @contextmanager
    def batch(
        self, name: str, generation: int, log: str, start: int, end: int
    ) -> Iterator[SqlBatch]:
        table = self.positions_table
        with self.database.writer.begin() as connection:
            yield SqlBatch(connection, generation)
            moved = connection.execute(
                table.update()
                .where(
                    table.c.name == name,
                    table.c.generation == generation,
                    table.c.log == log,
                    table.c.position == start,
                )
                .values(position=end)
            )
            if moved.rowcount != 1:
                raise PositionMoved(f"{name} generation {generation}: {log} moved past {start}")

    # Failures -------------------------------------------------------------------------------

    def record_failure(self, name: str, generation: int, failure: Failure) -> None:
        table = self.failures_table
        with self.database.writer.begin() as connection:
            connection.execute(
                table.delete().where(table.c.name == name, table.c.generation == generation)
            )
            connection.execute(
                table.insert().values(
                    name=name,
                    generation=generation,
                    log=failure.log,
                    position=failure.position,
                    error=failure.error[:4000],
                    failed_at=failure.failed_at,
                )
            )

    def clear_failure(self, name: str, generation: int) -> None:
        table = self.failures_table
        with self.database.writer.begin() as connection:
            connection.execute(
                table.delete().where(table.c.name == name, table.c.generation == generation)
            )

    def failure(self, name: str, generation: int) -> Failure | None:
        table = self.failures_table
        with self.reading_one() as connection:
            row = connection.execute(
                sa.select(table.c.log, table.c.position, table.c.error, table.c.failed_at).where(
                    table.c.name == name, table.c.generation == generation
                )
            ).first()
        if row is None:
            return None
        return Failure(log=row[0], position=int(row[1]), error=row[2], failed_at=row[3])

    # Leases ---------------------------------------------------------------------------------

    def try_lease(self, name: str, holder: str, now: float, seconds: float) -> bool:
        table = self.leases_table
        with self.database.writer.begin() as connection:
            taken = connection.execute(
                table.update()
                .where(
                    table.c.name == name,
                    sa.or_(table.c.holder == holder, table.c.expires_at < now),
                )
                .values(holder=holder, expires_at=now + seconds)
            ).rowcount
            if taken == 1:
                return True
            exists = connection.execute(
                sa.select(table.c.holder).where(table.c.name == name)
            ).first()
            if exists is not None:
                return False
            try:
                with connection.begin_nested():
                    connection.execute(
                        table.insert().values(name=name, holder=holder, expires_at=now + seconds)
                    )
            except sa.exc.IntegrityError:
                return False  # another holder inserted it first
            return True

    def release(self, name: str, holder: str) -> None:
        table = self.leases_table
        with self.database.writer.begin() as connection:
            connection.execute(
                table.update()
                .where(table.c.name == name, table.c.holder == holder)
                .values(expires_at=0.0)
            )

    def unavailable(self, error: BaseException) -> bool:
        if not isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
            return False
        if error.connection_invalidated or self.database.writer.dialect.name != "sqlite":
            return True
        # SQLite reports a missing table or a bad statement as operational errors too: only
        # a busy or unreachable file is the database's absence.
        reason = str(error.orig).lower()
        return any(word in reason for word in ("locked", "busy", "unable to open", "disk i/o"))

    def close(self) -> None:
        self.database.dispose()


def generation_tables(
    define: Callable[[sa.MetaData, str], None],
    schema: str | None,
    generation: int,
    *,
    key: Hashable | None = None,
) -> sa.MetaData:
    """A projection adapter's tables for one generation: ``define(metadata, suffix)`` adds
    them, naming each ``<table><suffix>`` (suffix ``_g<generation>``).

    Defined once per process for each (definition, schema, generation) and shared by every
    core of the process (each test's, each worker's): building SQLAlchemy's tables was a
    third of a core's start. ``key`` names the definition when ``define`` is not one
    function of its own (a bound method whose tables depend on its object's settings)."""
    found_key = (define if key is None else key, schema, generation)
    with _TABLES_LOCK:
        metadata = _TABLES.get(found_key)
        if metadata is not None:
            _TABLES.move_to_end(found_key)
            return metadata
    metadata = sa.MetaData(schema=schema)
    define(metadata, f"_g{generation}")
    with _TABLES_LOCK:
        metadata = _TABLES.setdefault(found_key, metadata)
        while len(_TABLES) > _TABLES_KEPT:
            _TABLES.popitem(last=False)
    return metadata


#: The tables defined so far, by (definition, schema, generation), the least recently used
#: first: a process sees a few schemas (tests make many, hence the bound).
_TABLES: OrderedDict[tuple[Hashable, str | None, int], sa.MetaData] = OrderedDict()
_TABLES_LOCK = threading.Lock()
_TABLES_KEPT = 512


class ByGeneration(Generic[T]):
    """A tables adapter's tables for each generation (``generation_tables``): ``define``
    adds them to a generation's metadata, each named ``<prefix><name>_g<generation>``, and
    ``view(metadata, **tables by name)`` makes the adapter's typed view of them."""

    def __init__(
        self,
        store: SqlProjectionStore,
        define: Callable[[sa.MetaData, str], None],
        prefix: str,
        view: Callable[..., T],
        *,
        key: Hashable | None = None,
    ) -> None:
        self.store = store
        self._define = define
        self._key = key
        self._prefix = prefix
        self._view = view
        self._generations: dict[int, tuple[sa.MetaData, T]] = {}
        self._lock = threading.Lock()

    def _at(self, generation: int) -> tuple[sa.MetaData, T]:
        with self._lock:
            found = self._generations.get(generation)
            if found is None:
                metadata = generation_tables(
                    self._define, self.store.metadata.schema, generation, key=self._key
                )
                suffix = f"_g{generation}"
                tables = {
                    table.name.removesuffix(suffix).removeprefix(self._prefix): table
                    for table in metadata.tables.values()
                }
                found = self._generations[generation] = (metadata, self._view(**tables))
            return found

    def __getitem__(self, generation: int) -> T:
        return self._at(generation)[1]

    def of(self, batch: Batch) -> tuple[Connection, T]:
        """The open transaction of a batch and its generation's tables."""
        assert isinstance(batch, SqlBatch), "projections' rows are written through a SQL batch"
        return batch.connection, self[batch.generation]

    def create(self, generation: int) -> None:
        self.store.create_tables(self._at(generation)[0])

    def drop(self, generation: int) -> None:
        self.store.drop_tables(self._at(generation)[0])
        with self._lock:
            self._generations.pop(generation, None)


#: The DDL of each table by (dialect, schema, name): a table's definition is the code's, and
#: the same name is always the same definition in one process.
_CREATION: dict[tuple[str, str | None, str], tuple[str, ...]] = {}


def _creation_of(table: sa.Table, dialect: sa.Dialect) -> tuple[str, ...]:
    key = (dialect.name, table.schema, table.name)
    found = _CREATION.get(key)
    if found is None:
        found = (
            str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)),
            *(
                str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect))
                for index in sorted(table.indexes, key=lambda index: str(index.name))
            ),
        )
        _CREATION[key] = found
    return found
