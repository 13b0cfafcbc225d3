"""The rows of brands' campaigns and branded effects (``application.business.brand_lists``)
in the projection store: campaigns keyed by id and indexed by (brand, position launched);
effects keyed by id and indexed by (campaign, position registered) and by (last day of their
campaign's flight, position), so each list's page is a seek on an index after its cursor.
Dates and instants are ISO text (a date's text orders as the date), a budget its whole minor
units as decimal text: nothing orders by it, and a budget recorded before money had a bound
(above 2**63 cents) must still be kept, as the logs keep it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.keyset import MAX_POSITION, rows_after, rows_after_key
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.business.brand_lists import BrandCampaign, EffectRow, Program
from application.projections import Batch
from domain.money import Money


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"brand_lists_campaigns{suffix}",
        metadata,
        sa.Column("campaign_id", sa.String(36), primary_key=True),
        sa.Column("program", sa.String(16), nullable=False),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("minor", sa.Text, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts", sa.String(40), nullable=False),
        sa.Column("ends", sa.String(40), nullable=False),
        sa.Column("ended", sa.Boolean, nullable=False),
        sa.Column("launched_at", sa.String(40), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Index(f"brand_lists_campaigns_brand{suffix}", "brand", "position"),
    )
    sa.Table(
        f"brand_lists_effects{suffix}",
        metadata,
        sa.Column("effect_id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("brand", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("asset", sa.Text, nullable=False),
        sa.Column("registered_at", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Index(f"brand_lists_effects_campaign{suffix}", "campaign_id", "position"),
        sa.Index(f"brand_lists_effects_live{suffix}", "last_day", "position"),
    )


@attrs.frozen
class _Tables:
    campaigns: sa.Table
    effects: sa.Table


class SqlBrandListTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "brand_lists_", _Tables)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Writing ------------------------------------------------------------------------------

    def add_campaign(self, batch: Batch, row: BrandCampaign) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.campaigns.insert().values(
                campaign_id=str(row.campaign_id),
                program=row.program.value,
                brand=row.brand,
                name=row.name,
                minor=str(row.budget.minor),
                currency=row.budget.currency,
                starts=row.starts,
                ends=row.ends,
                ended=row.ended,
                launched_at=row.launched_at.isoformat(),
                position=row.position,
            )
        )

    def end_campaign(self, batch: Batch, campaign_id: UUID, ended_on: date) -> None:
        connection, t = self._tables.of(batch)
        ended = ended_on.isoformat()
        connection.execute(
            t.campaigns.update()
            .where(t.campaigns.c.campaign_id == str(campaign_id))
            .values(ended=True)
        )
        connection.execute(
            t.effects.update()
            .where(t.effects.c.campaign_id == str(campaign_id), t.effects.c.last_day > ended)
            .values(last_day=ended)
        )

    def campaign(self, batch: Batch, campaign_id: UUID) -> BrandCampaign | None:
        connection, t = self._tables.of(batch)
        row = connection.execute(
            sa.select(t.campaigns).where(t.campaigns.c.campaign_id == str(campaign_id))
        ).first()
        return None if row is None else _campaign(row)

    def add_effect(self, batch: Batch, row: EffectRow) -> None:
        connection, t = self._tables.of(batch)
        connection.execute(
            t.effects.insert().values(
                effect_id=str(row.effect_id),
                campaign_id=str(row.campaign_id),
                brand=row.brand,
                name=row.name,
                asset=row.asset,
                registered_at=row.registered_at.isoformat(),
                starts_on=row.starts_on.isoformat(),
                last_day=row.last_day.isoformat(),
                position=row.position,
            )
        )

    # Reading ------------------------------------------------------------------------------

    def brand_of(self, generation: int, campaign_id: UUID) -> str | None:
        t = self._tables[generation].campaigns
        with self.store.reading() as connection:
            brand = connection.execute(
                sa.select(t.c.brand).where(
                    t.c.campaign_id == str(campaign_id), t.c.program == "business"
                )
            ).scalar()
        return None if brand is None else str(brand)

    def campaigns(
        self,
        generation: int,
        brand: str,
        *,
        program: Program | None,
        after: int | None,
        limit: int,
    ) -> list[BrandCampaign]:
        t = self._tables[generation].campaigns
        query = sa.select(t).where(t.c.brand == brand)
        if program is not None:
            query = query.where(t.c.program == program.value)
        rows = rows_after(self.store, query, t.c.position, after=after, limit=limit)
        return [_campaign(row) for row in rows]

    def campaign_effects(
        self, generation: int, campaign_id: UUID, *, after: int | None, limit: int
    ) -> list[EffectRow]:
        t = self._tables[generation].effects
        query = sa.select(t).where(t.c.campaign_id == str(campaign_id))
        rows = rows_after(self.store, query, t.c.position, after=after, limit=limit)
        return [_effect(row) for row in rows]

    def live_effects(
        self, generation: int, today: date, *, after: tuple[date, int] | None, limit: int
    ) -> list[EffectRow]:
        t = self._tables[generation].effects
        day = today.isoformat()
        query = sa.select(t).where(t.c.last_day >= day, t.c.starts_on <= day)
        key = None if after is None else (after[0].isoformat(), min(after[1], MAX_POSITION))
        order = (t.c.last_day, t.c.position)
        rows = rows_after_key(self.store, query, order, after=key, limit=limit)
        return [_effect(row) for row in rows]

    def every_campaign(self, generation: int) -> Iterator[BrandCampaign]:
        t = self._tables[generation].campaigns
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(t).order_by(t.c.position)).all()
        return map(_campaign, rows)

    def every_effect(self, generation: int) -> Iterator[EffectRow]:
        t = self._tables[generation].effects
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(t).order_by(t.c.position)).all()
        return map(_effect, rows)


def _campaign(row: Any) -> BrandCampaign:
    return BrandCampaign(
        campaign_id=UUID(row.campaign_id),
        program=Program(row.program),
        brand=row.brand,
        name=row.name,
        budget=Money(int(row.minor), row.currency),
        starts=row.starts,
        ends=row.ends,
        ended=bool(row.ended),
        launched_at=datetime.fromisoformat(row.launched_at),
        position=int(row.position),
    )


def _effect(row: Any) -> EffectRow:
    return EffectRow(
        effect_id=UUID(row.effect_id),
        campaign_id=UUID(row.campaign_id),
        brand=row.brand,
        name=row.name,
        asset=row.asset,
        registered_at=datetime.fromisoformat(row.registered_at),
        starts_on=date.fromisoformat(row.starts_on),
        last_day=date.fromisoformat(row.last_day),
        position=int(row.position),
    )
