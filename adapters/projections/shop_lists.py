"""The shop lists' rows (``application.shop.shop_lists.ShopListsTables``) in the projection
store: SQLAlchemy Core tables, one set per generation.

Each list is an index that begins with what the list is filtered by and ends with the log
position that orders it: a seller's listings (seller, ord) and (seller, state, ord), a
seller's sales (seller, ord) and (seller, listing, ord), a buyer's orders (buyer, ord), the
reports against a seller's listings (seller, ord) and (seller, state, ord), and the
reviewers' queue (state, ord). A page is a seek on one of them. Times are kept as the ISO
text the event carried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.keyset import rows_after
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.projections import Batch, ProjectionRunner
from application.shop.shop_lists import (
    ListingRow,
    OrderRow,
    ReportRow,
    ShopLists,
    ShopListsProjection,
)
from domain.money import Money
from domain.shop.counterfeit import ReportStatus
from domain.shop.listings import ListingStatus
from domain.shop.orders import OrderState


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"shop_lists_listings{suffix}",
        metadata,
        sa.Column("listing_id", sa.Uuid, primary_key=True),
        sa.Column("ord", sa.BigInteger, nullable=False),
        sa.Column("seller", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),  # in minor units
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("open_reports", sa.Integer, nullable=False),
        sa.Column("listed_at", sa.String(40), nullable=False),
        sa.Index(f"shop_lists_listings_seller{suffix}", "seller", "ord"),
        sa.Index(f"shop_lists_listings_state{suffix}", "seller", "state", "ord"),
        sa.Index(f"shop_lists_listings_ord{suffix}", "ord"),
    )
    sa.Table(
        f"shop_lists_orders{suffix}",
        metadata,
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("ord", sa.BigInteger, nullable=False),
        sa.Column("listing_id", sa.Uuid, nullable=False),
        sa.Column("seller", sa.Text, nullable=False),
        sa.Column("buyer", sa.Text, nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("proceeds", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("video_id", sa.Uuid, nullable=True),
        sa.Column("placed_at", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("refunded", sa.BigInteger, nullable=True),  # minor units given back
        sa.Index(f"shop_lists_orders_seller{suffix}", "seller", "ord"),
        sa.Index(f"shop_lists_orders_seller_state{suffix}", "seller", "state", "ord"),
        sa.Index(f"shop_lists_orders_buyer_state{suffix}", "buyer", "state", "ord"),
        sa.Index(f"shop_lists_orders_listing{suffix}", "seller", "listing_id", "ord"),
        sa.Index(f"shop_lists_orders_buyer{suffix}", "buyer", "ord"),
        sa.Index(f"shop_lists_orders_ord{suffix}", "ord"),
    )
    sa.Table(
        f"shop_lists_reports{suffix}",
        metadata,
        sa.Column("report_id", sa.Uuid, primary_key=True),
        sa.Column("ord", sa.BigInteger, nullable=False),
        sa.Column("listing_id", sa.Uuid, nullable=False),
        sa.Column("seller", sa.Text, nullable=False),
        sa.Column("reporter", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("filed_at", sa.String(40), nullable=False),
        sa.Index(f"shop_lists_reports_seller{suffix}", "seller", "ord"),
        sa.Index(f"shop_lists_reports_seller_state{suffix}", "seller", "state", "ord"),
        sa.Index(f"shop_lists_reports_state{suffix}", "state", "ord"),
        sa.Index(f"shop_lists_reports_ord{suffix}", "ord"),
    )


@attrs.frozen
class _Tables:
    listings: sa.Table
    orders: sa.Table
    reports: sa.Table


class SqlShopListsTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "shop_lists_", _Tables)
        self._batch = self._tables.of

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Writes --------------------------------------------------------------------------------

    def list_listings(self, batch: Batch, rows: Sequence[ListingRow]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.listings.insert(),
            [
                {
                    "listing_id": row.listing_id,
                    "ord": row.order,
                    "seller": row.seller,
                    "title": row.title,
                    "price": row.price.minor,
                    "currency": row.price.currency,
                    "stock": row.stock,
                    "state": row.state.value,
                    "open_reports": row.open_reports,
                    "listed_at": row.listed_at.isoformat(),
                }
                for row in rows
            ],
        )

    def edit_listing(self, batch: Batch, listing_id: UUID, *, title: str, price: Money) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.listings.update()
            .where(t.listings.c.listing_id == listing_id)
            .values(title=title, price=price.minor, currency=price.currency)
        )

    def add_stock(self, batch: Batch, added: Mapping[UUID, int]) -> None:
        connection, t = self._batch(batch)
        c = t.listings.c
        connection.execute(
            t.listings.update()
            .where(c.listing_id == sa.bindparam("id"))
            .values(stock=c.stock + sa.bindparam("added")),
            [{"id": listing_id, "added": more} for listing_id, more in added.items()],
        )

    def set_state(self, batch: Batch, listing_id: UUID, state: ListingStatus) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.listings.update()
            .where(t.listings.c.listing_id == listing_id)
            .values(state=state.value)
        )

    def place_orders(self, batch: Batch, rows: Sequence[OrderRow]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.orders.insert(),
            [
                {
                    "order_id": row.order_id,
                    "ord": row.order,
                    "listing_id": row.listing_id,
                    "seller": row.seller,
                    "buyer": row.buyer,
                    "quantity": row.quantity,
                    "total": row.total.minor,
                    "proceeds": row.proceeds.minor,
                    "currency": row.total.currency,
                    "video_id": row.video_id,
                    "placed_at": row.placed_at.isoformat(),
                    "state": row.state.value,
                    "refunded": None if row.refunded is None else row.refunded.minor,
                }
                for row in rows
            ],
        )

    def move_order(
        self, batch: Batch, order_id: UUID, state: OrderState, refunded: Money | None = None
    ) -> None:
        connection, t = self._batch(batch)
        values: dict[str, object] = {"state": state.value}
        if refunded is not None:
            values["refunded"] = refunded.minor
        connection.execute(
            t.orders.update().where(t.orders.c.order_id == order_id).values(**values)
        )

    def file_report(self, batch: Batch, row: ReportRow) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.reports.insert().values(
                report_id=row.report_id,
                ord=row.order,
                listing_id=row.listing_id,
                seller=row.seller,
                reporter=row.reporter,
                reason=row.reason,
                state=row.state.value,
                filed_at=row.filed_at.isoformat(),
            )
        )
        self._count_open(connection, t, row.listing_id, +1)

    def decide_report(self, batch: Batch, report_id: UUID, state: ReportStatus) -> None:
        connection, t = self._batch(batch)
        r = t.reports.c
        found = connection.execute(
            sa.select(r.listing_id, r.state).where(r.report_id == report_id)
        ).first()
        if found is None:
            raise LookupError(f"a decision on report {report_id}, never filed")
        connection.execute(
            t.reports.update().where(r.report_id == report_id).values(state=state.value)
        )
        if found.state == ReportStatus.OPEN.value:
            self._count_open(connection, t, found.listing_id, -1)

    @staticmethod
    def _count_open(connection: Any, t: _Tables, listing_id: UUID, change: int) -> None:
        c = t.listings.c
        connection.execute(
            t.listings.update()
            .where(c.listing_id == listing_id)
            .values(open_reports=c.open_reports + change)
        )

    # Reads ---------------------------------------------------------------------------------

    def listings(
        self,
        generation: int,
        seller: str | None,
        *,
        state: ListingStatus | None,
        after: int | None,
        limit: int,
    ) -> list[ListingRow]:
        rows = self._seek(
            self._tables[generation].listings,
            after,
            limit,
            seller=seller,
            state=None if state is None else state.value,
        )
        return [
            ListingRow(
                listing_id=row.listing_id,
                order=int(row.ord),
                seller=row.seller,
                title=row.title,
                price=Money(int(row.price), row.currency),
                stock=int(row.stock),
                state=ListingStatus(row.state),
                open_reports=int(row.open_reports),
                listed_at=datetime.fromisoformat(row.listed_at),
            )
            for row in rows
        ]

    def orders(
        self,
        generation: int,
        *,
        seller: str | None = None,
        buyer: str | None = None,
        listing_id: UUID | None = None,
        state: OrderState | None = None,
        after: int | None,
        limit: int,
    ) -> list[OrderRow]:
        rows = self._seek(
            self._tables[generation].orders,
            after,
            limit,
            seller=seller,
            buyer=buyer,
            listing_id=listing_id,
            state=None if state is None else state.value,
        )
        return [
            OrderRow(
                order_id=row.order_id,
                order=int(row.ord),
                listing_id=row.listing_id,
                seller=row.seller,
                buyer=row.buyer,
                quantity=int(row.quantity),
                total=Money(int(row.total), row.currency),
                proceeds=Money(int(row.proceeds), row.currency),
                video_id=row.video_id,
                placed_at=datetime.fromisoformat(row.placed_at),
                state=OrderState(row.state),
                refunded=None if row.refunded is None else Money(int(row.refunded), row.currency),
            )
            for row in rows
        ]

    def reports(
        self,
        generation: int,
        *,
        seller: str | None,
        state: ReportStatus | None,
        after: int | None,
        limit: int,
    ) -> list[ReportRow]:
        rows = self._seek(
            self._tables[generation].reports,
            after,
            limit,
            seller=seller,
            state=None if state is None else state.value,
        )
        return [
            ReportRow(
                report_id=row.report_id,
                order=int(row.ord),
                listing_id=row.listing_id,
                seller=row.seller,
                reporter=row.reporter,
                reason=row.reason,
                state=ReportStatus(row.state),
                filed_at=datetime.fromisoformat(row.filed_at),
            )
            for row in rows
        ]

    def _seek(
        self, table: sa.Table, after: int | None, limit: int, **equal: object
    ) -> Sequence[Any]:
        """At most ``limit`` rows of ``table`` after the position ``after``, in the order of
        their positions, whose columns equal the values given (None: any)."""
        c = table.c
        query = sa.select(table).where(
            *(c[name] == value for name, value in equal.items() if value is not None)
        )
        return rows_after(self.store, query, c.ord, after=after, limit=limit)


def persisted_shop_lists(store: SqlProjectionStore, runner: ProjectionRunner) -> ShopLists:
    """A core's shop lists: their projection's tables in ``store``, registered with
    ``runner`` (which must follow the revenue log)."""
    projection = ShopListsProjection(SqlShopListsTables(store))
    runner.register(projection)
    return ShopLists(runner, projection)
