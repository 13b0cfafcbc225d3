"""The studio lists' rows (``application.business.studio_lists.StudioListsTables``) in the
projection store: SQLAlchemy Core tables, one set per generation.

Studios are read by the index (city, ord) or (ord); a studio's booked slots in a stretch of
time by (studio, starts); a creator's bookings by (creator, starts, booked) and a brand's by
(sponsor, starts, booked). Times are microseconds since the epoch; a studio's rooms are kept
as JSON in the order the studio lists them.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.business.studio_lists import (
    SlotRow,
    StudioLists,
    StudioListsProjection,
    StudioRow,
    instant,
    micros,
)
from application.ports import Clock
from application.projections import Batch, ProjectionRunner
from domain.money import Money


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"studio_lists_studios{suffix}",
        metadata,
        sa.Column("studio_id", sa.Uuid, primary_key=True),
        sa.Column("ord", sa.BigInteger, nullable=False),
        sa.Column("city", sa.Text, nullable=False),
        sa.Column("city_key", sa.Text, nullable=False),  # the city, case folded
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("rooms", sa.Text, nullable=False),
        sa.Column("opens_hour", sa.Integer, nullable=False),
        sa.Column("closes_hour", sa.Integer, nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Index(f"studio_lists_studios_city{suffix}", "city_key", "ord"),
        sa.Index(f"studio_lists_studios_ord{suffix}", "ord"),
    )
    sa.Table(
        f"studio_lists_slots{suffix}",
        metadata,
        sa.Column("slot_id", sa.Uuid, primary_key=True),
        sa.Column("studio_id", sa.Uuid, nullable=False),
        sa.Column("room", sa.Text, nullable=False),
        sa.Column("starts", sa.BigInteger, nullable=False),
        sa.Column("ends", sa.BigInteger, nullable=False),
        sa.Column("creator", sa.Text, nullable=True),
        sa.Column("sponsor", sa.Text, nullable=True),
        sa.Column("price", sa.BigInteger, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("booked", sa.BigInteger, nullable=True),
        sa.Index(f"studio_lists_slots_studio{suffix}", "studio_id", "starts"),
        sa.Index(f"studio_lists_slots_creator{suffix}", "creator", "starts", "booked"),
        sa.Index(f"studio_lists_slots_sponsor{suffix}", "sponsor", "starts", "booked"),
        sa.Index(f"studio_lists_slots_booked{suffix}", "starts", "booked"),
    )


@attrs.frozen
class _Tables:
    studios: sa.Table
    slots: sa.Table


class SqlStudioListsTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "studio_lists_", _Tables)
        self._batch = self._tables.of

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Writes --------------------------------------------------------------------------------

    def open_studio(self, batch: Batch, row: StudioRow) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.studios.insert().values(
                studio_id=row.studio_id,
                ord=row.order,
                city=row.city,
                city_key=row.city.casefold(),
                name=row.name,
                rooms=json.dumps(list(row.rooms)),
                opens_hour=row.opens_hour,
                closes_hour=row.closes_hour,
                utc_offset_minutes=row.utc_offset_minutes,
                slot_minutes=row.slot_minutes,
                price=row.price.minor,
                currency=row.price.currency,
            )
        )

    def open_slot(self, batch: Batch, row: SlotRow) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.slots.insert().values(
                slot_id=row.slot_id,
                studio_id=row.studio_id,
                room=row.room,
                starts=micros(row.starts_at),
                ends=micros(row.ends_at),
            )
        )

    def book(
        self,
        batch: Batch,
        slot_id: UUID,
        *,
        creator: str,
        sponsor: str | None,
        price: Money,
        position: int,
    ) -> None:
        connection, t = self._batch(batch)
        moved = connection.execute(
            t.slots.update()
            .where(t.slots.c.slot_id == slot_id)
            .values(
                creator=creator,
                sponsor=sponsor,
                price=price.minor,
                currency=price.currency,
                booked=position,
            )
        )
        if moved.rowcount == 0:
            raise LookupError(f"a booking of slot {slot_id}, never opened")

    def sponsor(self, batch: Batch, slot_id: UUID, brand: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.slots.update().where(t.slots.c.slot_id == slot_id).values(sponsor=brand)
        )

    def cancel(self, batch: Batch, slot_id: UUID) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.slots.update()
            .where(t.slots.c.slot_id == slot_id)
            .values(creator=None, sponsor=None, price=None, currency=None, booked=None)
        )

    # Reads ---------------------------------------------------------------------------------

    def studio(self, generation: int, studio_id: UUID) -> StudioRow | None:
        table = self._tables[generation].studios
        with self.store.reading() as connection:
            row = connection.execute(sa.select(table).where(table.c.studio_id == studio_id)).first()
        return None if row is None else _studio(row)

    def studios(
        self, generation: int, *, city: str | None, after: int | None, limit: int
    ) -> list[StudioRow]:
        table = self._tables[generation].studios
        c = table.c
        query = sa.select(table)
        if city is not None:
            query = query.where(c.city_key == city.casefold())
        if after is not None:
            query = query.where(c.ord > after)
        with self.store.reading() as connection:
            rows = connection.execute(query.order_by(c.ord).limit(limit)).all()
        return [_studio(row) for row in rows]

    def booked_between(
        self, generation: int, studio_id: UUID, start: int, end: int
    ) -> set[tuple[int, str]]:
        c = self._tables[generation].slots.c
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(c.starts, c.room).where(
                    c.studio_id == studio_id,
                    c.starts >= start,
                    c.starts < end,
                    c.creator.is_not(None),
                )
            ).all()
        return {(int(row.starts), row.room) for row in rows}

    def bookings(
        self,
        generation: int,
        *,
        creator: str | None = None,
        sponsor: str | None = None,
        starting_from: int | None,
        after: tuple[int, int] | None,
        limit: int,
    ) -> list[SlotRow]:
        table = self._tables[generation].slots
        c = table.c
        query = sa.select(table).where(c.creator.is_not(None))
        if creator is not None:
            query = query.where(c.creator == creator)
        if sponsor is not None:
            query = query.where(c.sponsor == sponsor)
        if starting_from is not None:
            query = query.where(c.starts >= starting_from)
        if after is not None:
            starts, booked = after
            query = query.where(
                sa.or_(c.starts > starts, sa.and_(c.starts == starts, c.booked > booked))
            )
        with self.store.reading() as connection:
            rows = connection.execute(query.order_by(c.starts, c.booked).limit(limit)).all()
        return [
            SlotRow(
                slot_id=row.slot_id,
                studio_id=row.studio_id,
                room=row.room,
                starts_at=instant(int(row.starts)),
                ends_at=instant(int(row.ends)),
                creator=row.creator,
                sponsor=row.sponsor,
                price=None if row.price is None else Money(int(row.price), row.currency),
                booked=None if row.booked is None else int(row.booked),
            )
            for row in rows
        ]


def _studio(row: Any) -> StudioRow:
    return StudioRow(
        studio_id=row.studio_id,
        order=int(row.ord),
        city=row.city,
        name=row.name,
        rooms=tuple(json.loads(row.rooms)),
        opens_hour=int(row.opens_hour),
        closes_hour=int(row.closes_hour),
        utc_offset_minutes=int(row.utc_offset_minutes),
        slot_minutes=int(row.slot_minutes),
        price=Money(int(row.price), row.currency),
    )


def persisted_studio_lists(
    store: SqlProjectionStore, runner: ProjectionRunner, *, clock: Clock
) -> StudioLists:
    """A core's studio lists: their projection's tables in ``store``, registered with
    ``runner`` (which must follow the revenue log)."""
    projection = StudioListsProjection(SqlStudioListsTables(store))
    runner.register(projection)
    return StudioLists(runner, projection, clock=clock)
