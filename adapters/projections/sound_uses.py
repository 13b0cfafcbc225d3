"""The rows of declared and detected sound uses (``application.music.sounds``) in the
projection store: one per (track, video), indexed by (track, position first seen), so a
track's page is a seek on the index after its cursor and its counts are counts of its rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.keyset import rows_after
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.music.sounds import SoundCounts, SoundUseRow
from application.projections import Batch
from domain.music.sounds import SoundCheck


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"sound_uses_pairs{suffix}",
        metadata,
        sa.Column("track_id", sa.String(36), primary_key=True),
        sa.Column("video_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("declared", sa.Boolean, nullable=False),
        sa.Column("detected", sa.Boolean, nullable=False),
        sa.Column("check", sa.String(16), nullable=False),  # '' when not declared
        sa.Index(f"sound_uses_pairs_track{suffix}", "track_id", "position"),
    )


@attrs.frozen
class _Tables:
    pairs: sa.Table


class SqlSoundUseTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "sound_uses_", _Tables)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    def mark(
        self,
        batch: Batch,
        track_id: UUID,
        video_id: UUID,
        position: int,
        *,
        declared: bool | None = None,
        detected: bool | None = None,
        check: SoundCheck | None = None,
    ) -> None:
        connection, t = self._tables.of(batch)
        pairs = t.pairs
        changes: dict[str, Any] = {}
        if declared is not None:
            changes["declared"] = declared
            if not declared:
                changes["check"] = ""
        if detected is not None:
            changes["detected"] = detected
        if check is not None:
            changes["check"] = check.value
        pair = (pairs.c.track_id == str(track_id)) & (pairs.c.video_id == str(video_id))
        if connection.execute(pairs.update().where(pair).values(**changes)).rowcount:
            return
        connection.execute(
            pairs.insert().values(
                track_id=str(track_id),
                video_id=str(video_id),
                position=position,
                **{"declared": False, "detected": False, "check": "", **changes},
            )
        )

    def videos(
        self, generation: int, track_id: UUID, *, after: int | None, limit: int
    ) -> list[SoundUseRow]:
        t = self._tables[generation].pairs
        query = sa.select(t).where((t.c.track_id == str(track_id)) & (t.c.declared | t.c.detected))
        return [
            _row(row)
            for row in rows_after(self.store, query, t.c.position, after=after, limit=limit)
        ]

    def counts(self, generation: int, track_id: UUID) -> SoundCounts:
        t = self._tables[generation].pairs

        def counted(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        query = sa.select(
            counted(t.c.declared),
            counted(t.c.detected),
            counted(t.c.declared & (t.c.check == SoundCheck.VERIFIED.value)),
            counted(t.c.declared & (t.c.check == SoundCheck.FLAGGED.value)),
        ).where(t.c.track_id == str(track_id))
        with self.store.reading() as connection:
            declared, detected, verified, flagged = connection.execute(query).one()
        return SoundCounts(int(declared), int(detected), int(verified), int(flagged))

    def every_row(self, generation: int) -> Iterator[SoundUseRow]:
        t = self._tables[generation].pairs
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(t).order_by(t.c.position, t.c.track_id, t.c.video_id)
            ).all()
        return map(_row, rows)


def _row(row: Any) -> SoundUseRow:
    return SoundUseRow(
        track_id=UUID(row.track_id),
        video_id=UUID(row.video_id),
        position=int(row.position),
        declared=bool(row.declared),
        detected=bool(row.detected),
        check=SoundCheck(row.check) if row.check else None,
    )
