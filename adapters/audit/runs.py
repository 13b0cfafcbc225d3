"""The ``audit_runs`` table (``application.audit.audit_runs.AuditRunLog``) in the store's
database beside the read models' tables (``x.projections.db`` beside a SQLite store's logs,
the logs' own database and schema on PostgreSQL).

It is not a read model: nothing derives it from the logs, so no rebuild or generation of the
projections touches it, and a replay does not compare it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from adapters.projections.store import SqlProjectionStore
from application.audit.audit_runs import AuditRun, LogPosition, RunKind, RunOutcome


class SqlAuditRuns:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        metadata = sa.MetaData(schema=store.metadata.schema)
        self.table = sa.Table(
            "audit_runs",
            metadata,
            sa.Column("number", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("started_at", sa.String(40), nullable=False),
            sa.Column("finished_at", sa.String(40), nullable=False),
            sa.Column("ran_by", sa.Text, nullable=False),
            sa.Column("positions", sa.Text, nullable=False),  # JSON: [[log, position], ...]
            sa.Column("outcome", sa.String(32), nullable=False),
            sa.Column("summary", sa.Text, nullable=False),
            sa.Column("first_failure", sa.Text, nullable=True),
            sa.Index("audit_runs_kind", "kind", "number"),
        )
        store.create_tables(metadata)

    def add(self, run: AuditRun) -> AuditRun:
        with self.store.database.writer.begin() as connection:
            result = connection.execute(
                self.table.insert().values(
                    kind=run.kind.value,
                    started_at=run.started_at.isoformat(),
                    finished_at=run.finished_at.isoformat(),
                    ran_by=run.ran_by,
                    positions=json.dumps([[p.log, p.position] for p in run.positions]),
                    outcome=run.outcome.value,
                    summary=run.summary,
                    first_failure=run.first_failure,
                )
            )
            inserted = result.inserted_primary_key
            assert inserted is not None
            number = inserted[0]
        return AuditRun(
            kind=run.kind,
            started_at=run.started_at,
            finished_at=run.finished_at,
            ran_by=run.ran_by,
            positions=run.positions,
            outcome=run.outcome,
            summary=run.summary,
            first_failure=run.first_failure,
            number=int(number),
        )

    def newest(self, *, before: int | None, limit: int, kind: RunKind | None) -> Sequence[AuditRun]:
        t = self.table
        query = sa.select(t).order_by(t.c.number.desc()).limit(limit)
        if before is not None:
            query = query.where(t.c.number < before)
        if kind is not None:
            query = query.where(t.c.kind == kind.value)
        with self.store.reading_one() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            AuditRun(
                kind=RunKind(row["kind"]),
                started_at=datetime.fromisoformat(row["started_at"]),
                finished_at=datetime.fromisoformat(row["finished_at"]),
                ran_by=row["ran_by"],
                positions=tuple(
                    LogPosition(str(log), int(position))
                    for log, position in json.loads(row["positions"])
                ),
                outcome=RunOutcome(row["outcome"]),
                summary=row["summary"],
                first_failure=row["first_failure"],
                number=int(row["number"]),
            )
            for row in rows
        ]
