"""The PostgreSQL recorders with a hash chain: the links of ``<app>_events`` are kept in
``<app>_events_chain``, in the same schema.

The library's recorder inserts a transaction's events after taking ``LOCK TABLE <events> IN
EXCLUSIVE MODE``, and holds that lock until the commit: writers of one log take turns. The
links are written by ``_fetch_ids_after_insert_events``, which runs in that transaction, under
that lock, once the notification ids are known; the head it reads is therefore the one the
previous writer committed, and the chain cannot fork. ``previous_id`` is also UNIQUE, so two
links naming the same predecessor are refused by the database whatever a writer does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import Environment, EnvType, retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier
from sqlalchemy.dialects.postgresql.psycopg import dialect as postgresql_dialect

from adapters.audit.chain import (
    CHAIN_TABLES_VERSION,
    chain_component,
    chain_table_for,
    links_after,
)
from adapters.projections.schema_versions import record_version_by_cursor
from adapters.schema_changes import (
    SCHEMA_CHANGES_WAIT,
    TAKE_TURN_FOR_SCHEMA_CHANGES_UNTIL_CLOSED,
)
from application.audit.audit import ChainLink, as_uuid, chain_links

BACKFILL_PAGE = 1000

_POSTGRESQL = postgresql_dialect()  # type: ignore[no-untyped-call]


@contextmanager
def turn_of(datastore: PostgresDatastore) -> Iterator[None]:
    """The schema-change turn, held on a connection of its own outside the log's pool (whose
    one connection the creation itself needs) while the block changes the schema."""
    pool = datastore.pool
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    kwargs = pool.kwargs() if callable(pool.kwargs) else pool.kwargs or {}
    with psycopg.connect(conninfo, **{**kwargs, "autocommit": True}) as turn:
        turn.execute(SCHEMA_CHANGES_WAIT)
        turn.execute(TAKE_TURN_FOR_SCHEMA_CHANGES_UNTIL_CLOSED)
        yield


class TurnTakingAggregateRecorder(PostgresAggregateRecorder):
    """The library's aggregate recorder (a log's snapshots), creating its type and table in
    turn: two processes opening the revenue log at once both created its snapshots' table,
    and PostgreSQL failed one of them on pg_type_typname_nsp_index (issue 16)."""

    def create_table(self) -> None:
        with turn_of(self.datastore):
            super().create_table()


class TurnTakingTrackingRecorder(PostgresTrackingRecorder):
    """The library's tracking recorder, creating (or migrating) its table in turn."""

    def create_table(self) -> None:
        with turn_of(self.datastore):
            super().create_table()


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """The library's recorder, with each record's link written in its insert transaction.

    A write runs its statements one after another (lock, notify, insert, then the links),
    not as the library's psycopg pipeline. That pipeline stalled here, more than once, while
    a benchmark seeded large transactions: the server waiting for the rest of the insert's
    parameters (ClientRead), the client waiting for an answer, the log's EXCLUSIVE lock held,
    every other writer of the log waiting behind it, and no timeout of the server's able to
    end it, since the server was between reads of one message (the pattern of psycopg issue
    685). Outside a pipeline psycopg sends a statement whole before it reads; a write costs a
    few more round trips to the server."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        if datastore.enable_db_functions:
            raise ProgrammingError(
                "the chained recorder writes links in the insert transaction; "
                "POSTGRES_ENABLE_DB_FUNCTIONS inserts through a function that skips them"
            )
        self.chain_table_name = chain_table_for(self.events_table_name)
        self.check_identifier_length(self.chain_table_name)
        schema, chain = Identifier(datastore.schema), Identifier(self.chain_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "notification_id bigint PRIMARY KEY, "
                "previous_id bigint NOT NULL UNIQUE, "
                "link bytea NOT NULL)"
            ).format(schema=schema, chain=chain)
        )
        self.select_head_statement: Composed = SQL(
            "SELECT notification_id, previous_id, link FROM {schema}.{chain} "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(schema=schema, chain=chain)
        self.insert_links_statement: Composed = SQL(
            "INSERT INTO {schema}.{chain} (notification_id, previous_id, link) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bytea[])"
        ).format(schema=schema, chain=chain)
        # The lock, its timeout and the notification, sent as one simple query (one round
        # trip in place of three; none takes a parameter).
        self.lock_and_notify_statement: Composed = SQL("; ").join(
            [*self.lock_table_statements, SQL("NOTIFY {0}").format(Identifier(self.channel_name))]
        )
        #: The last link this process committed. A write whose first new record directly
        #: follows it chains to it without asking for the head: no other record can lie
        #: between them. It is remembered only once its transaction has committed.
        self._committed_head: ChainLink | None = None
        self._head_lock = threading.Lock()
        self._written = threading.local()
        self.select_links_statement: Composed = SQL(
            "SELECT notification_id, previous_id, link FROM {schema}.{chain} "
            "WHERE notification_id >= %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(schema=schema, chain=chain)

    def _stored_as(self, stored: StoredEvent) -> StoredEvent:
        """The record as the recorder will read it back (a UUID column gives UUIDs)."""
        if self.datastore.originator_id_type != "uuid":
            return stored
        return StoredEvent(
            originator_id=as_uuid(stored.originator_id),
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=stored.state,
        )

    def create_table(self) -> None:
        """The library's creation (types, tables, indexes, its insert function), once any
        other process's schema change has committed: two workers starting at once both
        replaced the insert function, and PostgreSQL failed one of them ("tuple
        concurrently updated")."""
        with turn_of(self.datastore):
            super().create_table()

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute(
            "SELECT to_regclass(%s) AS found",
            (f'"{self.datastore.schema}"."{self.chain_table_name}"',),
        )
        row = curs.fetchone()
        adopting = row is None or row["found"] is None
        super()._create_table(curs)
        if adopting:
            self._link_existing_records(curs)
        record_version_by_cursor(
            curs,
            _POSTGRESQL,
            self.datastore.schema or None,
            chain_component(self.events_table_name),
            CHAIN_TABLES_VERSION,
        )

    def _link_existing_records(self, curs: Cursor[DictRow]) -> None:
        """The chain table was just made: link the records already there, under the
        writers' lock, unless another process did so first."""
        self._lock_table(curs)
        curs.execute(self.select_head_statement)
        if curs.fetchone() is not None:
            return
        select = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table} WHERE notification_id > %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        head: ChainLink | None = None
        after = 0
        while True:
            curs.execute(select, (after, BACKFILL_PAGE))
            rows = curs.fetchall()
            if not rows:
                return
            links = chain_links(
                head,
                (
                    (
                        row["notification_id"],
                        StoredEvent(
                            originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"],
                            state=bytes(row["state"]),
                        ),
                    )
                    for row in rows
                ),
            )
            self._write_links(curs, links)
            head, after = links[-1], rows[-1]["notification_id"]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """What the library's ``insert_events`` does, in one transaction, without its
        pipeline (see the class's note)."""
        self._written.head = None
        with (
            self.datastore.get_connection() as connection,
            connection.transaction(),
            connection.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            notification_ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        written: ChainLink | None = self._written.head
        if written is not None:
            with self._head_lock:
                known = self._committed_head
                if known is None or known.position < written.position:
                    self._committed_head = written
        return notification_ids

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        """What the library's recorder does (lock the table, notify, insert), with the lock
        and the notification sent together."""
        curs.execute(self.lock_and_notify_statement)
        PostgresAggregateRecorder._insert_stored_events(self, curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if stored_events:
            head = self._head_before(notification_ids)
            if head is None:
                curs.execute(self.select_head_statement, prepare=True)
                row = curs.fetchone()
                head = None if row is None else _link(row)
            stored = [self._stored_as(s) for s in stored_events]
            links = links_after(head, notification_ids, stored)
            self._write_links(curs, links)
            self._written.head = links[-1] if links else None
        return notification_ids

    def _head_before(self, notification_ids: Sequence[int] | None) -> ChainLink | None:
        """The committed link the new records directly follow, if this process wrote it."""
        if not notification_ids:
            return None
        with self._head_lock:
            known = self._committed_head
        if known is not None and min(notification_ids) == known.position + 1:
            return known
        return None

    def _write_links(self, curs: Cursor[DictRow], links: Sequence[ChainLink]) -> None:
        curs.execute(
            self.insert_links_statement,
            (
                [link.position for link in links],
                [link.previous for link in links],
                [link.link for link in links],
            ),
        )

    def select_links(self, start: int, limit: int, stop: int | None = None) -> list[ChainLink]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self.select_links_statement,
                (start, stop if stop is not None else 2**63 - 1, limit),
                prepare=True,
            )
            return [_link(row) for row in curs.fetchall()]

    def head_link(self) -> ChainLink | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_head_statement)
            row = curs.fetchone()
            return None if row is None else _link(row)


def _link(row: DictRow) -> ChainLink:
    return ChainLink(
        position=row["notification_id"], previous=row["previous_id"], link=bytes(row["link"])
    )


class ChainedPostgresProcessRecorder(ChainedPostgresApplicationRecorder, PostgresProcessRecorder):
    """A process recorder (events with tracking) whose events are chained too."""


#: How long a log's pool keeps trying, on its own schedule, to replace a lost connection
#: before it leaves the next one to be made when a request asks for it.
RECONNECT_SECONDS = 1.0


class ChainedPostgresFactory(PostgresFactory):
    """The library's factory, with chained recorders and a pool that reconnects as soon as
    the server is back.

    The library's pool (psycopg's) replaces a lost connection on a schedule of its own that
    doubles its wait after each failed attempt (1 s, 2 s, 4 s, ... for up to five minutes),
    and lets one attempt to grow it run at a time: while that attempt waits, a request for
    a connection only waits with it. After a restart of the server, a process that met the
    outage got no connection until the schedule's next step, about as far away as the outage
    had lasted; a `spotlight worker` sat there, alive and idle, short of the log's end (issue
    16). Here the pool gives its attempts up after ``RECONNECT_SECONDS``, so the next request
    that finds no connection starts an attempt at once. The connections the pool makes also
    keep the store's connect timeout (the library sets it on the pool's wait only; a connect
    to a server that accepted but never answers would otherwise wait psycopg's 130 s)."""

    aggregate_recorder_class = TurnTakingAggregateRecorder
    application_recorder_class = ChainedPostgresApplicationRecorder
    tracking_recorder_class = TurnTakingTrackingRecorder
    process_recorder_class = ChainedPostgresProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        pool.reconnect_timeout = RECONNECT_SECONDS
        if isinstance(pool.kwargs, dict):
            pool.kwargs.setdefault("connect_timeout", max(1, round(pool.timeout)))
