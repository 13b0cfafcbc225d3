"""The anchors review queue and the open sweeps (``application.anchors.review_queue
.ReviewTables``) in the projection store: SQLAlchemy Core tables, one set per generation.

The queue's order is the index ``(neg_popularity, since, video_id, title_id, dispute)``, all
ascending, so a page is a seek on it from the previous page's last row (a row value, searched
as a range). Each item carries its video's popularity, moved with the video's engagement, so
nothing is sorted at read time. ``since`` is the instant the item entered the queue in
microseconds since the epoch (its order); ``proposed_at`` keeps the ISO text with the offset
it was recorded with. UUIDs compare as their hexadecimal text on both SQLite (stored as hex)
and PostgreSQL (bytewise), as the queue always ordered them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.keyset import rows_after
from adapters.projections.rows import add_amounts, chunks, update_rows
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.anchors.review_queue import (
    ATTACHED,
    DISPUTE,
    OPEN,
    PROPOSAL,
    PROPOSED,
    QueuePlace,
    ReviewItem,
    TitleAnchor,
    TitleDispute,
    microseconds,
)
from application.projections import Batch
from domain.anchors.matching import SignalEvidence

_ORDER = ("neg_popularity", "since", "video_id", "title_id", "dispute")


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"anchor_review_items{suffix}",
        metadata,
        # The key starts with the video: its items are found from its engagement.
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("dispute", sa.Boolean, primary_key=True),
        sa.Column("neg_popularity", sa.BigInteger, nullable=False),  # ascending: most first
        sa.Column("since", sa.BigInteger, nullable=False),
        sa.Column("proposed_at", sa.String(64), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Index(f"anchor_review_items_order{suffix}", *_ORDER),
    )
    sa.Table(
        f"anchor_review_popularity{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("score", sa.BigInteger, nullable=False),
    )
    sa.Table(
        f"anchor_review_evidence{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),  # an anchored video
        sa.Column("evidence", sa.Text, nullable=False),
    )
    sa.Table(
        f"anchor_title_studios{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("studio_id", sa.Text, nullable=False),
    )
    sa.Table(
        f"anchor_title_list{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("studio_id", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),  # first proposed or attached
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("since", sa.String(64), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Index(f"anchor_title_list_studio{suffix}", "studio_id", "position"),
    )
    sa.Table(
        f"anchor_title_disputes{suffix}",
        metadata,
        sa.Column("position", sa.BigInteger, primary_key=True),  # the dispute's
        sa.Column("video_id", sa.Uuid, nullable=False),
        sa.Column("title_id", sa.Uuid, nullable=False),
        sa.Column("studio_id", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("disputed_at", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_at", sa.String(64), nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=False),
        sa.Index(f"anchor_title_disputes_studio{suffix}", "studio_id", "position"),
        sa.Index(f"anchor_title_disputes_video{suffix}", "video_id", "state"),
    )
    sa.Table(
        f"anchor_open_sweeps{suffix}",
        metadata,
        sa.Column("sweep_id", sa.Uuid, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, unique=True),
    )


@attrs.frozen
class _Tables:
    items: sa.Table
    popularity: sa.Table
    evidence: sa.Table
    studios: sa.Table
    anchors: sa.Table
    disputes: sa.Table
    sweeps: sa.Table


def _named(
    review_items: sa.Table,
    review_popularity: sa.Table,
    review_evidence: sa.Table,
    title_studios: sa.Table,
    title_list: sa.Table,
    title_disputes: sa.Table,
    open_sweeps: sa.Table,
) -> _Tables:
    return _Tables(
        items=review_items,
        popularity=review_popularity,
        evidence=review_evidence,
        studios=title_studios,
        anchors=title_list,
        disputes=title_disputes,
        sweeps=open_sweeps,
    )


class SqlReviewTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "anchor_", _named)

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._tables.of(batch)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Writes --------------------------------------------------------------------------------

    def add_popularity(self, batch: Batch, added: Mapping[UUID, int]) -> None:
        connection, t = self._batch(batch)
        add_amounts(
            connection,
            t.popularity,
            ["video_id"],
            ["score"],
            [{"video_id": video_id, "score": score} for video_id, score in added.items()],
        )
        # Most engagement is of videos with nothing to review: only the others are updated.
        items = t.items.c
        queued: set[UUID] = set()
        for chunk in chunks(added):
            queued.update(
                connection.execute(
                    sa.select(items.video_id).distinct().where(items.video_id.in_(chunk))
                ).scalars()
            )
        if queued:
            connection.execute(
                t.items.update()
                .where(items.video_id == sa.bindparam("v"))
                .values(neg_popularity=items.neg_popularity - sa.bindparam("more")),
                [{"v": video_id, "more": added[video_id]} for video_id in queued],
            )

    def propose(
        self,
        batch: Batch,
        video_id: UUID,
        title_id: UUID,
        proposed_at: datetime,
        evidence: Sequence[SignalEvidence],
    ) -> None:
        connection, t = self._batch(batch)
        items = t.items.c
        connection.execute(
            t.items.delete().where(
                items.video_id == video_id, items.title_id == title_id, items.dispute == sa.false()
            )
        )
        _queue(connection, t, video_id, title_id, False, proposed_at, evidence, "")

    def settle(self, batch: Batch, settled: Mapping[UUID, Sequence[SignalEvidence]]) -> None:
        connection, t = self._batch(batch)
        items = t.items.c
        for chunk in chunks(settled):
            connection.execute(
                t.items.delete().where(items.video_id.in_(chunk), items.dispute == sa.false())
            )
            connection.execute(t.evidence.delete().where(t.evidence.c.video_id.in_(chunk)))
        connection.execute(
            t.evidence.insert(),
            [
                {"video_id": video_id, "evidence": _evidence_text(evidence)}
                for video_id, evidence in settled.items()
            ],
        )

    def reject(self, batch: Batch, video_id: UUID, title_id: UUID) -> None:
        connection, t = self._batch(batch)
        items = t.items.c
        connection.execute(
            t.items.delete().where(
                items.video_id == video_id, items.title_id == title_id, items.dispute == sa.false()
            )
        )

    def dispute(
        self, batch: Batch, video_id: UUID, title_id: UUID, disputed_at: datetime, reason: str
    ) -> None:
        connection, t = self._batch(batch)
        _close_dispute(connection, t, video_id)
        kept = connection.execute(
            sa.select(t.evidence.c.evidence).where(t.evidence.c.video_id == video_id)
        ).scalar()
        evidence = () if kept is None else _evidence_of(kept)
        _queue(connection, t, video_id, title_id, True, disputed_at, evidence, reason)

    def close_dispute(self, batch: Batch, video_id: UUID, *, revoked: bool) -> None:
        connection, t = self._batch(batch)
        _close_dispute(connection, t, video_id)
        if revoked:
            connection.execute(t.evidence.delete().where(t.evidence.c.video_id == video_id))

    def register_title(self, batch: Batch, title_id: UUID, studio_id: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.studios.insert().values(title_id=title_id, studio_id=studio_id))

    def list_anchor(self, batch: Batch, anchor: TitleAnchor) -> None:
        connection, t = self._batch(batch)
        a = t.anchors.c
        if anchor.state == ATTACHED:
            connection.execute(
                t.anchors.delete().where(
                    a.video_id == anchor.video_id,
                    a.title_id != anchor.title_id,
                    a.state == PROPOSED,
                )
            )
        values = {
            "state": anchor.state,
            "since": anchor.since.isoformat(),
            "evidence": _evidence_text(anchor.evidence),
            "reason": anchor.reason,
        }
        moved = connection.execute(
            t.anchors.update()
            .where(a.video_id == anchor.video_id, a.title_id == anchor.title_id)
            .values(**values)
        )
        if moved.rowcount:
            return
        studio_id = connection.execute(
            sa.select(t.studios.c.studio_id).where(t.studios.c.title_id == anchor.title_id)
        ).scalar()
        if studio_id is None:
            return  # a title never registered in this log is no studio's
        connection.execute(
            t.anchors.insert().values(
                video_id=anchor.video_id,
                title_id=anchor.title_id,
                studio_id=studio_id,
                position=anchor.order,
                **values,
            )
        )

    def list_anchors(self, batch: Batch, anchors: Sequence[TitleAnchor]) -> None:
        """As ``list_anchor`` in turn: each anchor's statements touch only its own video's
        rows, so when no video comes twice they are made a few statements for all (the
        deletes of other proposals, the updates of listed anchors, the inserts of new ones)."""
        if len({anchor.video_id for anchor in anchors}) < len(anchors) or any(
            anchor.state != ATTACHED for anchor in anchors
        ):
            for anchor in anchors:
                self.list_anchor(batch, anchor)
            return
        if not anchors:
            return
        connection, t = self._batch(batch)
        a = t.anchors.c
        connection.execute(
            t.anchors.delete().where(
                a.video_id == sa.bindparam("k_video"),
                a.title_id != sa.bindparam("k_title"),
                a.state == PROPOSED,
            ),
            [{"k_video": anchor.video_id, "k_title": anchor.title_id} for anchor in anchors],
        )
        listed: set[tuple[UUID, UUID]] = set()
        for chunk in chunks([anchor.video_id for anchor in anchors]):
            listed.update(
                (row[0], row[1])
                for row in connection.execute(
                    sa.select(a.video_id, a.title_id).where(a.video_id.in_(chunk))
                )
            )
        moved: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        for anchor in anchors:
            values = {
                "video_id": anchor.video_id,
                "title_id": anchor.title_id,
                "state": anchor.state,
                "since": anchor.since.isoformat(),
                "evidence": _evidence_text(anchor.evidence),
                "reason": anchor.reason,
            }
            if (anchor.video_id, anchor.title_id) in listed:
                moved.append(values)
            else:
                new.append(values | {"position": anchor.order})
        update_rows(
            connection,
            t.anchors,
            ("video_id", "title_id"),
            ("state", "since", "evidence", "reason"),
            moved,
        )
        studios: dict[UUID, str] = {}
        for chunk in chunks({row["title_id"] for row in new}):
            studios.update(
                (row[0], row[1])
                for row in connection.execute(
                    sa.select(t.studios.c.title_id, t.studios.c.studio_id).where(
                        t.studios.c.title_id.in_(chunk)
                    )
                )
            )
        # A title never registered in this log is no studio's.
        inserted = [
            row | {"studio_id": studios[row["title_id"]]}
            for row in new
            if row["title_id"] in studios
        ]
        if inserted:
            connection.execute(t.anchors.insert(), inserted)

    def unlist_anchor(self, batch: Batch, video_id: UUID, title_id: UUID) -> None:
        connection, t = self._batch(batch)
        a = t.anchors.c
        connection.execute(t.anchors.delete().where(a.video_id == video_id, a.title_id == title_id))

    def set_anchor_state(
        self, batch: Batch, video_id: UUID, title_id: UUID, state: str, reason: str
    ) -> None:
        connection, t = self._batch(batch)
        a = t.anchors.c
        connection.execute(
            t.anchors.update()
            .where(a.video_id == video_id, a.title_id == title_id)
            .values(state=state, reason=reason)
        )

    def open_dispute(self, batch: Batch, dispute: TitleDispute) -> None:
        connection, t = self._batch(batch)
        studio_id = connection.execute(
            sa.select(t.studios.c.studio_id).where(t.studios.c.title_id == dispute.title_id)
        ).scalar()
        if studio_id is None:
            return  # a title never registered in this log is no studio's
        connection.execute(
            t.disputes.insert().values(
                position=dispute.order,
                video_id=dispute.video_id,
                title_id=dispute.title_id,
                studio_id=studio_id,
                state=dispute.state,
                disputed_at=dispute.disputed_at.isoformat(),
                reason=dispute.reason,
                decided_at=None,
                decision_reason="",
            )
        )

    def decide_dispute(
        self, batch: Batch, video_id: UUID, *, state: str, at: datetime, reason: str
    ) -> None:
        connection, t = self._batch(batch)
        d = t.disputes.c
        connection.execute(
            t.disputes.update()
            .where(d.video_id == video_id, d.state == OPEN)
            .values(state=state, decided_at=at.isoformat(), decision_reason=reason)
        )

    def start_sweep(self, batch: Batch, sweep_id: UUID, position: int) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.sweeps.insert().values(sweep_id=sweep_id, position=position))

    def finish_sweep(self, batch: Batch, sweep_id: UUID) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.sweeps.delete().where(t.sweeps.c.sweep_id == sweep_id))

    # Reads ---------------------------------------------------------------------------------

    def queue(self, generation: int, *, after: QueuePlace | None, limit: int) -> list[ReviewItem]:
        t = self._tables[generation]
        order = [t.items.c[name] for name in _ORDER]
        query = sa.select(t.items).order_by(*order).limit(limit)
        if after is not None:
            values = (
                -after.popularity,
                after.since,
                after.video_id,
                after.title_id,
                after.dispute,
            )
            bound = (sa.literal(v, c.type) for v, c in zip(values, order, strict=True))
            query = query.where(sa.tuple_(*order) > sa.tuple_(*bound))
        with self.store.reading() as connection:
            rows = connection.execute(query).all()
        return [_item(row) for row in rows]

    def proposals_of(self, generation: int, video_ids: Collection[UUID]) -> list[tuple[UUID, UUID]]:
        if not video_ids:
            return []
        t = self._tables[generation]
        i = t.items.c
        # The primary key's prefix (video_id) finds each video's rows.
        query = (
            sa.select(i.video_id, i.title_id)
            .where(i.video_id.in_(list(video_ids)), i.dispute.is_(False))
            .order_by(i.video_id, i.title_id)
        )
        with self.store.reading() as connection:
            return [(row.video_id, row.title_id) for row in connection.execute(query)]

    def title_anchors(
        self, generation: int, studio_id: str, *, after: int | None, limit: int
    ) -> list[TitleAnchor]:
        t = self._tables[generation]
        a = t.anchors.c
        query = sa.select(t.anchors).where(a.studio_id == studio_id)
        rows = rows_after(self.store, query, a.position, after=after, limit=limit)
        return [
            TitleAnchor(
                order=int(row.position),
                video_id=row.video_id,
                title_id=row.title_id,
                state=row.state,
                since=datetime.fromisoformat(row.since),
                evidence=_evidence_of(row.evidence),
                reason=row.reason,
            )
            for row in rows
        ]

    def title_disputes(
        self, generation: int, studio_id: str, *, after: int | None, limit: int
    ) -> list[TitleDispute]:
        t = self._tables[generation]
        d = t.disputes.c
        query = sa.select(t.disputes).where(d.studio_id == studio_id)
        rows = rows_after(self.store, query, d.position, after=after, limit=limit)
        return [
            TitleDispute(
                order=int(row.position),
                video_id=row.video_id,
                title_id=row.title_id,
                state=row.state,
                disputed_at=datetime.fromisoformat(row.disputed_at),
                reason=row.reason,
                decided_at=None
                if row.decided_at is None
                else datetime.fromisoformat(row.decided_at),
                decision_reason=row.decision_reason,
            )
            for row in rows
        ]

    def open_sweeps(self, generation: int) -> list[UUID]:
        t = self._tables[generation]
        with self.store.reading() as connection:
            return list(
                connection.execute(
                    sa.select(t.sweeps.c.sweep_id).order_by(t.sweeps.c.position)
                ).scalars()
            )


def _queue(
    connection: Connection,
    t: _Tables,
    video_id: UUID,
    title_id: UUID,
    dispute: bool,
    at: datetime,
    evidence: Sequence[SignalEvidence],
    reason: str,
) -> None:
    score = connection.execute(
        sa.select(t.popularity.c.score).where(t.popularity.c.video_id == video_id)
    ).scalar()
    connection.execute(
        t.items.insert().values(
            video_id=video_id,
            title_id=title_id,
            dispute=dispute,
            neg_popularity=-int(score or 0),
            since=microseconds(at),
            proposed_at=at.isoformat(),
            evidence=_evidence_text(evidence),
            reason=reason,
        )
    )


def _close_dispute(connection: Connection, t: _Tables, video_id: UUID) -> None:
    items = t.items.c
    connection.execute(
        t.items.delete().where(items.video_id == video_id, items.dispute == sa.true())
    )


def _evidence_text(evidence: Sequence[SignalEvidence]) -> str:
    return json.dumps(
        [
            {
                "signal": str(found.signal),
                "score": found.score,
                "matched_seconds": found.matched_seconds,
                "reference_id": found.reference_id,
                "details": found.details,
            }
            for found in evidence
        ]
    )


def _evidence_of(text: str) -> tuple[SignalEvidence, ...]:
    return tuple(SignalEvidence(**found) for found in json.loads(text))


def _item(row: Any) -> ReviewItem:
    return ReviewItem(
        video_id=row.video_id,
        title_id=row.title_id,
        popularity=-int(row.neg_popularity),
        proposed_at=datetime.fromisoformat(row.proposed_at),
        evidence=_evidence_of(row.evidence),
        kind=DISPUTE if row.dispute else PROPOSAL,
        reason=row.reason,
    )
