"""The inbox's rows (``application.inbox.InboxTables``) in the projection store: one table
per generation, keyed by (recipient, position), so a page of an inbox is a range of its
primary key after the reader's cursor. A notice's ids are a JSON object; its read state a
boolean that a ``NoticesRead`` sets."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

import attrs
import sqlalchemy as sa

from adapters.projections.keyset import MAX_POSITION, rows_after
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.notifications import InboxFilter, Notice
from application.projections import Batch


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"inbox_messages{suffix}",
        metadata,
        sa.Column("recipient", sa.Text, primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True),  # in the inbox log
        sa.Column("notice_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        # ISO 8601 with its offset: read back as the same aware instant on every database.
        sa.Column("sent_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("about", sa.Text, nullable=False),  # {"video": id, ...} in JSON
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("is_read", sa.Boolean, nullable=False),
        sa.Index(f"inbox_messages_notice{suffix}", "recipient", "notice_id"),
    )


@attrs.frozen
class _Tables:
    messages: sa.Table


class SqlInboxTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "inbox_", _Tables)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    def add(self, batch: Batch, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        connection, t = self._tables.of(batch)
        connection.execute(
            t.messages.insert(),
            [
                {
                    "recipient": notice.recipient,
                    "position": notice.position,
                    "notice_id": notice.notice_id,
                    "subject": notice.subject,
                    "body": notice.body,
                    "sent_at": notice.sent_at.isoformat(),
                    "kind": notice.kind,
                    "about": json.dumps(dict(notice.about), sort_keys=True),
                    "reason": notice.reason,
                    "is_read": notice.read,
                }
                for notice in notices
            ],
        )

    def mark_read(
        self, batch: Batch, recipient: str, *, notice_ids: Sequence[str], up_to: int
    ) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.messages.update()
            .where(
                t.messages.c.recipient == recipient,
                ~t.messages.c.is_read,
                sa.or_(
                    t.messages.c.notice_id.in_(list(notice_ids)) if notice_ids else sa.false(),
                    t.messages.c.position <= min(up_to, MAX_POSITION),
                ),
            )
            .values(is_read=True)
        )

    def page(
        self,
        generation: int,
        recipient: str,
        *,
        after: int,
        limit: int,
        only: InboxFilter | None = None,
    ) -> list[Notice]:
        t = self._tables[generation].messages
        only = only or InboxFilter()
        query = sa.select(t).where(t.c.recipient == recipient)
        if only.unread:
            query = query.where(~t.c.is_read)
        if only.kind is not None:
            query = query.where(t.c.kind == only.kind.value)
        rows = rows_after(self.store, query, t.c.position, after=after, limit=limit)
        return [_notice(row) for row in rows]

    def unread(self, generation: int, recipient: str) -> int:
        t = self._tables[generation].messages
        with self.store.reading() as connection:
            count = connection.execute(
                sa.select(sa.func.count()).where(t.c.recipient == recipient, ~t.c.is_read)
            ).scalar_one()
        return int(count)

    def notice(self, generation: int, recipient: str, notice_id: str) -> Notice | None:
        t = self._tables[generation].messages
        with self.store.reading() as connection:
            row = connection.execute(
                sa.select(t).where(t.c.recipient == recipient, t.c.notice_id == notice_id)
            ).first()
        return None if row is None else _notice(row)

    def notices(self, generation: int) -> Iterator[Notice]:
        t = self._tables[generation].messages
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(t).order_by(t.c.recipient, t.c.position)).all()
        return map(_notice, rows)


def _notice(row: sa.Row[tuple[object, ...]]) -> Notice:
    return Notice(
        notice_id=str(row.notice_id),
        recipient=str(row.recipient),
        subject=str(row.subject),
        body=str(row.body),
        sent_at=datetime.fromisoformat(str(row.sent_at)),
        position=int(str(row.position)),
        kind=str(row.kind),
        about=json.loads(str(row.about)),
        reason=str(row.reason),
        read=bool(row.is_read),
    )
