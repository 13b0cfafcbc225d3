"""The SQLite recorders with a hash chain: each application's file holds its events
(``stored_events``) and their links (``stored_events_chain``).

The links are inserted by ``_insert_events``, inside the recorder's write transaction and
after the events, so the notification ids (row ids) are known. SQLite has one writer at a
time per file and the transaction's first statement is the events' INSERT, which takes the
write lock: the head read next is the one the previous writer committed, and the chain
cannot fork.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteProcessRecorder,
)
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from adapters.audit.chain import (
    CHAIN_TABLES_VERSION,
    chain_component,
    chain_table_for,
    links_after,
)
from adapters.projections.schema_versions import record_version_by_cursor
from application.audit.audit import ChainLink, chain_links

BACKFILL_PAGE = 1000
_SQLITE = sqlite_dialect()
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        # Table names are interpolated (SQL has no parameters for them): plain identifiers only.
        for name in (self.events_table_name, self.chain_table_name):
            if not _IDENTIFIER.fullmatch(name):
                raise ProgrammingError(f"not a plain SQL identifier: {name!r}")
        chain = self.chain_table_name
        self.select_head_statement = (
            f"SELECT notification_id, previous_id, link FROM {chain} "  # noqa: S608
            "ORDER BY notification_id DESC LIMIT 1"
        )
        self.insert_links_statement = (
            f"INSERT INTO {chain} (notification_id, previous_id, link) VALUES (?, ?, ?)"  # noqa: S608
        )
        self.select_links_statement = (
            f"SELECT notification_id, previous_id, link FROM {chain} "  # noqa: S608
            "WHERE notification_id >= ? AND notification_id <= ? "
            "ORDER BY notification_id LIMIT ?"
        )
        self.select_records_statement = (
            "SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )

    @property
    def chain_table_name(self) -> str:
        return chain_table_for(self.events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} ("
            "notification_id INTEGER PRIMARY KEY, "
            "previous_id INTEGER NOT NULL UNIQUE, "
            "link BLOB NOT NULL)",
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        c.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (self.chain_table_name,),
        )
        adopting = c.fetchone() is None
        super()._create_table(c)
        if adopting:
            self._link_existing_records(c)
        record_version_by_cursor(
            c, _SQLITE, None, chain_component(self.events_table_name), CHAIN_TABLES_VERSION
        )

    def _link_existing_records(self, c: SQLiteCursor) -> None:
        """The chain table was just made: link the records already there (a store written
        before tamper evidence), in this same transaction."""
        head: ChainLink | None = None
        after = 0
        while True:
            c.execute(self.select_records_statement, (after, BACKFILL_PAGE))
            rows = c.fetchall()
            if not rows:
                return
            links = chain_links(
                head,
                (
                    (
                        row["rowid"],
                        StoredEvent(
                            originator_id=self.convert_originator_id(row["originator_id"]),
                            originator_version=row["originator_version"],
                            topic=row["topic"],
                            state=row["state"],
                        ),
                    )
                    for row in rows
                ),
            )
            self._write_links(c, links)
            head, after = links[-1], rows[-1]["rowid"]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        if stored_events:
            c.execute(self.select_head_statement)
            row = c.fetchone()
            head = None if row is None else _link(row)
            # Linked as the recorder will read it back: the id's text in the file. A UUID
            # comes back as itself where ids are UUIDs (the copy of a replay hands in
            # hundreds of thousands: no new object for them).
            ids_are_uuids = self.datastore.originator_id_type == "uuid"
            stored = [
                s
                if ids_are_uuids and isinstance(s.originator_id, UUID)
                else StoredEvent(
                    originator_id=self.convert_originator_id(
                        s.originator_id.hex
                        if isinstance(s.originator_id, UUID)
                        else s.originator_id
                    ),
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                )
                for s in stored_events
            ]
            self._write_links(c, links_after(head, notification_ids, stored))
        return notification_ids

    def _write_links(self, c: SQLiteCursor, links: Sequence[ChainLink]) -> None:
        c.executemany(
            self.insert_links_statement,
            [(link.position, link.previous, link.link) for link in links],
        )

    def select_links(self, start: int, limit: int, stop: int | None = None) -> list[ChainLink]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self.select_links_statement,
                (start, stop if stop is not None else 2**63 - 1, limit),
            )
            return [_link(row) for row in c.fetchall()]

    def head_link(self) -> ChainLink | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_head_statement)
            row = c.fetchone()
            return None if row is None else _link(row)


def _link(row: Any) -> ChainLink:
    return ChainLink(position=row[0], previous=row[1], link=bytes(row[2]))


class ChainedSQLiteProcessRecorder(ChainedSQLiteApplicationRecorder, SQLiteProcessRecorder):
    """A process recorder (events with tracking) whose events are chained too."""


class ChainedSQLiteFactory(SQLiteFactory):
    application_recorder_class = ChainedSQLiteApplicationRecorder
    process_recorder_class = ChainedSQLiteProcessRecorder
