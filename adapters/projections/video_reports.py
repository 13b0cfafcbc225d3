"""The video report queues' rows (``application.trust.video_reports.VideoReportTables``) in the
projection store: one table a generation, a row per report, with the position that put it in
the report queue (while undecided) and the one that put it in the appeal queue (while its
appeal is pending); each queue is read by its partial order (state, position)."""

from __future__ import annotations

from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.keyset import rows_after
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.logs import CatalogueLog
from application.ports import Clock, IdentityProvider
from application.projections import Batch, ProjectionRunner
from application.trust.moderation import TagWithdrawal
from application.trust.video_reports import (
    QueuedReport,
    VideoReports,
    VideoReportsProjection,
)


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"video_reports{suffix}",
        metadata,
        sa.Column("report_id", sa.Uuid, primary_key=True),
        sa.Column("reported", sa.BigInteger, nullable=False),
        sa.Column("undecided", sa.Boolean, nullable=False),
        sa.Column("appealed", sa.BigInteger, nullable=True),
        sa.Column("appeal_pending", sa.Boolean, nullable=False),
        sa.Index(f"video_reports_open{suffix}", "undecided", "reported"),
        sa.Index(f"video_reports_appeals{suffix}", "appeal_pending", "appealed"),
    )


@attrs.frozen
class _Tables:
    reports: sa.Table


class SqlVideoReportTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "video_", _Tables)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    def reported(self, batch: Batch, report_id: UUID, position: int) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.reports.insert().values(
                report_id=report_id,
                reported=position,
                undecided=True,
                appealed=None,
                appeal_pending=False,
            )
        )

    def _set(self, batch: Batch, report_id: UUID, **values: object) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.reports.update().where(t.reports.c.report_id == report_id).values(**values)
        )

    def decided(self, batch: Batch, report_id: UUID) -> None:
        self._set(batch, report_id, undecided=False)

    def appealed(self, batch: Batch, report_id: UUID, position: int) -> None:
        self._set(batch, report_id, appealed=position, appeal_pending=True)

    def appeal_decided(self, batch: Batch, report_id: UUID) -> None:
        self._set(batch, report_id, appeal_pending=False)

    def open_reports(self, generation: int, *, after: int | None, limit: int) -> list[QueuedReport]:
        t = self._tables[generation].reports
        query = sa.select(t.c.report_id, t.c.reported).where(t.c.undecided.is_(True))
        rows = rows_after(self.store, query, t.c.reported, after=after, limit=limit)
        return [QueuedReport(row[0], row[1]) for row in rows]

    def pending_appeals(
        self, generation: int, *, after: int | None, limit: int
    ) -> list[QueuedReport]:
        t = self._tables[generation].reports
        query = sa.select(t.c.report_id, t.c.appealed).where(t.c.appeal_pending.is_(True))
        rows = rows_after(self.store, query, t.c.appealed, after=after, limit=limit)
        return [QueuedReport(row[0], row[1]) for row in rows]


def persisted_video_reports(
    store: SqlProjectionStore,
    runner: ProjectionRunner,
    catalogue: CatalogueLog,
    *,
    tagging: TagWithdrawal,
    clock: Clock,
    identities: IdentityProvider,
    per_day: int,
) -> VideoReports:
    """A core's video reports: their queues' tables in ``store``, registered with ``runner``
    (which must follow the catalogue log)."""
    projection = VideoReportsProjection(SqlVideoReportTables(store))
    runner.register(projection)
    return VideoReports(
        catalogue,
        runner=runner,
        projection=projection,
        tagging=tagging,
        clock=clock,
        identities=identities,
        per_day=per_day,
    )
