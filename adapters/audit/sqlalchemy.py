"""The eventsourcing-sqlalchemy recorders with a hash chain: the links of ``<app>_events``
are kept in ``<app>_events_chain`` (in the schema named by ``SQLALCHEMY_SCHEMA``, if any).

The library's recorder locks the events table (``LOCK TABLE ... IN EXCLUSIVE MODE`` on
PostgreSQL; a process-wide write lock plus SQLite's own single writer on SQLite), inserts
the events and flushes them to learn their ids. ``_insert_stored_events`` then reads the head
and inserts the links in the same session and transaction, so writers take turns and the
chain cannot fork; ``previous_id`` is UNIQUE as a second guard.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyAggregateRecorder,
    SQLAlchemyApplicationRecorder,
    SQLAlchemyProcessRecorder,
    SQLAlchemyTrackingRecorder,
)
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    Table,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from adapters.audit.chain import (
    CHAIN_TABLES_VERSION,
    chain_component,
    chain_table_for,
    links_after,
)
from adapters.projections.schema_versions import Component, bring_up_to_date
from adapters.schema_changes import turn_of
from application.audit.audit import ChainLink, as_uuid, chain_links

BACKFILL_PAGE = 1000


def _position_type() -> Any:
    return BigInteger().with_variant(Integer(), "sqlite")


class ChainedSQLAlchemyApplicationRecorder(SQLAlchemyApplicationRecorder):
    def __init__(self, datastore: SQLAlchemyDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.chain_table_name = chain_table_for(self.events_table_name)
        self.check_identifier_length(self.chain_table_name)
        self.chain_table = Table(
            self.chain_table_name,
            MetaData(schema=kwargs.get("schema_name")),
            Column("notification_id", _position_type(), primary_key=True, autoincrement=False),
            Column("previous_id", _position_type(), nullable=False, unique=True),
            Column("link", LargeBinary(), nullable=False),
        )
        self.tables.append(self.chain_table)

    def create_table(self) -> None:
        engine = self.datastore.engine
        assert isinstance(engine, Engine), "the store's datastore is made from its URL"
        with _turn_of(self.datastore):
            adopting = not inspect(engine).has_table(
                self.chain_table_name, schema=self.chain_table.schema
            )
            super().create_table()
            if adopting:
                self._link_existing_records()
            chain = Component(
                name=chain_component(self.events_table_name), first_table=self.chain_table_name
            )
            assert chain.latest == CHAIN_TABLES_VERSION, "a chain upgrade belongs here too"
            with engine.begin() as connection:
                bring_up_to_date(
                    connection, self.chain_table.schema, chain, create=lambda _connection: None
                )

    def _link_existing_records(self) -> None:
        """The chain table was just made: link the records already there, under the
        writers' lock, unless another process did so first."""
        records = self.events_record_cls
        with self.transaction(commit=True) as session:
            self._lock_table(session)
            if self._head(session) is not None:
                return
            head: ChainLink | None = None
            after = 0
            while True:
                rows = (
                    session.query(records)
                    .filter(records.id > after)
                    .order_by(records.id)
                    .limit(BACKFILL_PAGE)
                    .all()
                )
                if not rows:
                    return
                links = chain_links(
                    head,
                    (
                        (
                            r.id,
                            StoredEvent(
                                originator_id=r.originator_id,
                                originator_version=r.originator_version,
                                topic=r.topic,
                                state=bytes(r.state),
                            ),
                        )
                        for r in rows
                    ),
                )
                self._write_links(session, links)
                head, after = links[-1], rows[-1].id

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        notification_ids: Sequence[int] = super()._insert_stored_events(
            session, stored_events, **kwargs
        )
        if stored_events:
            stored = [
                StoredEvent(
                    originator_id=as_uuid(s.originator_id),
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                )
                for s in stored_events
            ]
            self._write_links(session, links_after(self._head(session), notification_ids, stored))
        return notification_ids

    def _head(self, session: Session) -> ChainLink | None:
        table = self.chain_table
        row = session.execute(
            select(table.c.notification_id, table.c.previous_id, table.c.link)
            .order_by(table.c.notification_id.desc())
            .limit(1)
        ).first()
        return None if row is None else _link(row)

    def _write_links(self, session: Session, links: Sequence[ChainLink]) -> None:
        session.execute(
            insert(self.chain_table),
            [
                {"notification_id": link.position, "previous_id": link.previous, "link": link.link}
                for link in links
            ],
        )

    def select_links(self, start: int, limit: int, stop: int | None = None) -> list[ChainLink]:
        table = self.chain_table
        query = select(table.c.notification_id, table.c.previous_id, table.c.link).where(
            table.c.notification_id >= start
        )
        if stop is not None:
            query = query.where(table.c.notification_id <= stop)
        with self.transaction(commit=False) as session:
            rows = session.execute(query.order_by(table.c.notification_id).limit(limit)).all()
            return [_link(row) for row in rows]

    def head_link(self) -> ChainLink | None:
        with self.transaction(commit=False) as session:
            return self._head(session)


def _link(row: Row[Any]) -> ChainLink:
    return ChainLink(position=row[0], previous=row[1], link=bytes(row[2]))


class ChainedSQLAlchemyProcessRecorder(
    ChainedSQLAlchemyApplicationRecorder, SQLAlchemyProcessRecorder
):
    """A process recorder (events with tracking) whose events are chained too."""


class TurnTakingSQLAlchemyAggregateRecorder(SQLAlchemyAggregateRecorder):
    """The library's aggregate recorder (a log's snapshots), creating its table in turn on
    PostgreSQL (see ``adapters.schema_changes``)."""

    def create_table(self) -> None:
        with _turn_of(self.datastore):
            super().create_table()


class TurnTakingSQLAlchemyTrackingRecorder(SQLAlchemyTrackingRecorder):
    """The library's tracking recorder, creating its tables in turn on PostgreSQL."""

    def create_table(self) -> None:
        with _turn_of(self.datastore):
            super().create_table()


def _turn_of(datastore: SQLAlchemyDatastore) -> AbstractContextManager[None]:
    engine = datastore.engine
    assert isinstance(engine, Engine), "the store's datastore is made from its URL"
    return turn_of(engine)


class ChainedSQLAlchemyFactory(SQLAlchemyFactory):
    aggregate_recorder_class = TurnTakingSQLAlchemyAggregateRecorder
    application_recorder_class = ChainedSQLAlchemyApplicationRecorder
    tracking_recorder_class = TurnTakingSQLAlchemyTrackingRecorder
    process_recorder_class = ChainedSQLAlchemyProcessRecorder
