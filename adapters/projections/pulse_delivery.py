"""Pulse delivery's rows (``application.revenue.pulse_delivery.DeliveryTables``) in the
projection store: each campaign's brand, category and currency, and one row per campaign, day
and video whose counts and spend (minor units) batches add to. A report is one grouped sum over
the index (campaign, day)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.rows import add_amounts
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.projections import Batch
from application.revenue.pulse_delivery import CampaignFacts, DeliveryLine, VideoTotals

AMOUNTS = ("impressions", "billed_impressions", "clicks", "spend")


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"pulse_delivery_campaigns{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )
    sa.Table(
        f"pulse_delivery_lines{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, nullable=False),
        sa.Column("impressions", sa.BigInteger, nullable=False),
        sa.Column("billed_impressions", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.Column("spend", sa.BigInteger, nullable=False),  # minor units
    )


@attrs.frozen
class _Tables:
    campaigns: sa.Table
    lines: sa.Table


class SqlDeliveryTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._generations = ByGeneration(store, _define, "pulse_delivery_", _Tables)

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._generations.of(batch)

    def create(self, generation: int) -> None:
        self._generations.create(generation)

    def drop(self, generation: int) -> None:
        self._generations.drop(generation)

    def launch(self, batch: Batch, facts: CampaignFacts) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.campaigns.insert().values(attrs.asdict(facts)))

    def add(self, batch: Batch, lines: Sequence[DeliveryLine]) -> None:
        connection, t = self._batch(batch)
        add_amounts(
            connection,
            t.lines,
            ("campaign_id", "day", "video_id"),
            AMOUNTS,
            [attrs.asdict(line) for line in lines],
        )

    def campaign(self, generation: int, campaign_id: UUID) -> CampaignFacts | None:
        t = self._generations[generation]
        c = t.campaigns.c
        with self.store.reading() as connection:
            row = connection.execute(
                sa.select(c.campaign_id, c.brand, c.category, c.currency).where(
                    c.campaign_id == campaign_id
                )
            ).first()
        if row is None:
            return None
        return CampaignFacts(
            campaign_id=row.campaign_id,
            brand=row.brand,
            category=row.category,
            currency=row.currency,
        )

    def by_video(
        self, generation: int, campaign_id: UUID, since: date | None, until: date | None
    ) -> list[VideoTotals]:
        t = self._generations[generation]
        c = t.lines.c
        sums = [sa.func.sum(c[name]).label(name) for name in AMOUNTS]
        query = sa.select(c.video_id, sa.func.min(c.creator).label("creator"), *sums).where(
            c.campaign_id == campaign_id
        )
        if since is not None:
            query = query.where(c.day >= since)
        if until is not None:
            query = query.where(c.day <= until)
        query = query.group_by(c.video_id).order_by(sa.func.sum(c.impressions).desc(), c.video_id)
        with self.store.reading() as connection:
            rows = connection.execute(query).all()
        return [
            VideoTotals(
                video_id=row.video_id,
                creator=row.creator,
                impressions=int(row.impressions),
                billed_impressions=int(row.billed_impressions),
                clicks=int(row.clicks),
                spend=int(row.spend),
            )
            for row in rows
        ]

    def rows(self, generation: int) -> Iterator[DeliveryLine]:
        t = self._generations[generation]
        c = t.lines.c
        with self.store.reading() as connection:
            found = connection.execute(
                sa.select(t.lines).order_by(c.campaign_id, c.day, c.video_id)
            ).all()
        for row in found:
            yield DeliveryLine(
                campaign_id=row.campaign_id,
                day=row.day,
                video_id=row.video_id,
                creator=row.creator,
                impressions=int(row.impressions),
                billed_impressions=int(row.billed_impressions),
                clicks=int(row.clicks),
                spend=int(row.spend),
            )
