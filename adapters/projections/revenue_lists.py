"""The rows of payouts and Pulse applications (``application.revenue.revenue_lists``) in the
projection store: payouts keyed by id and indexed by (payee, account paid, position
requested), Pulse enrolments keyed by id and indexed by (status, position of the latest
application), so each list's page is a seek on an index after its cursor. Instants are ISO
text with their offset, amounts whole minor units."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.keyset import rows_after
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.projections import Batch
from application.revenue.revenue_lists import PayoutRow, PulseApplication
from domain.money import Money
from domain.revenue.payouts import Payee, PayoutStatus
from domain.revenue.pulse import EnrolmentStatus


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"revenue_lists_payouts{suffix}",
        metadata,
        sa.Column("payout_id", sa.String(36), primary_key=True),
        sa.Column("creator", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("return_reason", sa.Text, nullable=False),
        sa.Column("requested_at", sa.String(40), nullable=False),
        sa.Column("payee", sa.String(8), nullable=False),  # creator or seller
        sa.Index(f"revenue_lists_payouts_payee{suffix}", "payee", "creator", "position"),
    )
    sa.Table(
        f"revenue_lists_applications{suffix}",
        metadata,
        sa.Column("enrolment_id", sa.String(36), primary_key=True),
        sa.Column("creator", sa.Text, nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("followers", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applied_at", sa.String(40), nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Index(f"revenue_lists_applications_queue{suffix}", "status", "position"),
    )


@attrs.frozen
class _Tables:
    payouts: sa.Table
    applications: sa.Table


class SqlRevenueListTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "revenue_lists_", _Tables)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Payouts ------------------------------------------------------------------------------

    def add_payout(self, batch: Batch, row: PayoutRow) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.payouts.insert().values(
                payout_id=str(row.payout_id),
                creator=row.creator,
                position=row.position,
                period=row.period,
                minor=row.amount.minor,
                currency=row.amount.currency,
                status=row.status.value,
                reference=row.reference,
                return_reason=row.return_reason,
                requested_at=row.requested_at.isoformat(),
                payee=row.payee.value,
            )
        )

    def settle_payout(
        self, batch: Batch, payout_id: UUID, status: PayoutStatus, reference: str, reason: str
    ) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.payouts.update()
            .where(t.payouts.c.payout_id == str(payout_id))
            .values(status=status.value, reference=reference, return_reason=reason)
        )

    def payouts(
        self,
        generation: int,
        creator: str,
        *,
        after: int | None,
        limit: int,
        status: PayoutStatus | None = None,
        payee: Payee = Payee.CREATOR,
    ) -> list[PayoutRow]:
        t = self._tables[generation].payouts
        query = sa.select(t).where(t.c.payee == payee.value, t.c.creator == creator)
        if status is not None:
            query = query.where(t.c.status == status.value)
        rows = rows_after(self.store, query, t.c.position, after=after, limit=limit)
        return [_payout(row) for row in rows]

    def every_payout(self, generation: int) -> Iterator[PayoutRow]:
        t = self._tables[generation].payouts
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(t).order_by(t.c.position)).all()
        return map(_payout, rows)

    # Pulse applications -------------------------------------------------------------------

    def apply(self, batch: Batch, row: PulseApplication) -> None:
        connection, t = self._tables.of(batch)
        renewed = connection.execute(
            t.applications.update()
            .where(t.applications.c.enrolment_id == str(row.enrolment_id))
            .values(
                followers=row.followers,
                status=row.status.value,
                applied_at=row.applied_at.isoformat(),
                decided_by="",
                reason="",
                position=row.position,
            )
        )
        if renewed.rowcount:
            return
        connection.execute(
            t.applications.insert().values(
                enrolment_id=str(row.enrolment_id),
                creator=row.creator,
                region=row.region,
                followers=row.followers,
                status=row.status.value,
                applied_at=row.applied_at.isoformat(),
                decided_by=row.decided_by,
                reason=row.reason,
                position=row.position,
            )
        )

    def decide(
        self, batch: Batch, enrolment_id: UUID, status: EnrolmentStatus, by: str, reason: str
    ) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.applications.update()
            .where(t.applications.c.enrolment_id == str(enrolment_id))
            .values(status=status.value, decided_by=by, reason=reason)
        )

    def applications(
        self, generation: int, status: EnrolmentStatus, *, after: int | None, limit: int
    ) -> list[PulseApplication]:
        t = self._tables[generation].applications
        query = sa.select(t).where(t.c.status == status.value)
        rows = rows_after(self.store, query, t.c.position, after=after, limit=limit)
        return [_application(row) for row in rows]

    def every_application(self, generation: int) -> Iterator[PulseApplication]:
        t = self._tables[generation].applications
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(t).order_by(t.c.position)).all()
        return map(_application, rows)


def _payout(row: Any) -> PayoutRow:
    return PayoutRow(
        payout_id=UUID(row.payout_id),
        creator=row.creator,
        position=int(row.position),
        period=row.period,
        amount=Money(int(row.minor), row.currency),
        status=PayoutStatus(row.status),
        reference=row.reference,
        return_reason=row.return_reason,
        requested_at=datetime.fromisoformat(row.requested_at),
        payee=Payee(row.payee),
    )


def _application(row: Any) -> PulseApplication:
    return PulseApplication(
        enrolment_id=UUID(row.enrolment_id),
        creator=row.creator,
        region=row.region,
        followers=int(row.followers),
        status=EnrolmentStatus(row.status),
        applied_at=datetime.fromisoformat(row.applied_at),
        decided_by=row.decided_by,
        reason=row.reason,
        position=int(row.position),
    )
