"""The shop tags' rows (``application.shop.product_tagging.TagsTables``) in the projection
store: SQLAlchemy Core tables, one set per generation.

Similar items ask the listings their shown tags name (primary-key lookups, an ``IN`` list at
a time, joined to the suspended sellers); a takedown asks the videos of one listing (the
primary key's prefix); the notice pass reads the pending notices a page at a time on the
index of their positions.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.rows import chunks
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.projections import Batch
from application.shop.product_tagging import Offer, Pending
from domain.money import Money
from domain.shop.listings import ListingStatus


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"shop_tags_sets{suffix}",  # a video's tags (the VideoTags aggregate)
        metadata,
        sa.Column("tags_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, nullable=False),
        sa.Column("creator", sa.Text, nullable=False),
    )
    sa.Table(
        f"shop_tags_tagged{suffix}",
        metadata,
        sa.Column("listing_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
    )
    sa.Table(
        f"shop_tags_pending{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("listing_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False, index=True),
    )
    sa.Table(
        f"shop_tags_listings{suffix}",
        metadata,
        sa.Column("listing_id", sa.Uuid, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),  # minor units
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("seller", sa.Text, nullable=False),
        sa.Column("stock", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    sa.Table(
        f"shop_tags_sellers{suffix}",
        metadata,
        sa.Column("seller_id", sa.Uuid, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
    )
    sa.Table(
        f"shop_tags_suspended{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
    )


@attrs.frozen
class _Tables:
    sets: sa.Table
    tagged: sa.Table
    pending: sa.Table
    listings: sa.Table
    sellers: sa.Table
    suspended: sa.Table


class SqlTagsTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "shop_tags_", _Tables)
        self._batch = self._tables.of

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Writes --------------------------------------------------------------------------------

    def open_tags(self, batch: Batch, tags_id: UUID, video_id: UUID, creator: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.sets.insert().values(tags_id=tags_id, video_id=video_id, creator=creator)
        )

    def tags_of(self, batch: Batch, tags_id: UUID) -> tuple[UUID, str]:
        connection, t = self._batch(batch)
        row = connection.execute(
            sa.select(t.sets.c.video_id, t.sets.c.creator).where(t.sets.c.tags_id == tags_id)
        ).one()
        return row.video_id, row.creator

    def add_tag(
        self, batch: Batch, video_id: UUID, listing_id: UUID, creator: str, position: int
    ) -> None:
        connection, t = self._batch(batch)
        tagged = t.tagged.c
        if (
            connection.execute(
                sa.select(tagged.video_id).where(
                    tagged.listing_id == listing_id, tagged.video_id == video_id
                )
            ).first()
            is None
        ):
            connection.execute(t.tagged.insert().values(listing_id=listing_id, video_id=video_id))
        pending = t.pending.c
        # A notice still owed keeps its place in the queue (and the tag's creator).
        moved = connection.execute(
            t.pending.update()
            .where(pending.video_id == video_id, pending.listing_id == listing_id)
            .values(creator=creator)
        )
        if moved.rowcount == 0:
            connection.execute(
                t.pending.insert().values(
                    video_id=video_id, listing_id=listing_id, creator=creator, position=position
                )
            )

    def notified(self, batch: Batch, video_id: UUID, listing_id: UUID) -> None:
        connection, t = self._batch(batch)
        pending = t.pending.c
        connection.execute(
            t.pending.delete().where(pending.video_id == video_id, pending.listing_id == listing_id)
        )

    def remove_tag(self, batch: Batch, video_id: UUID, listing_id: UUID) -> None:
        connection, t = self._batch(batch)
        tagged = t.tagged.c
        connection.execute(
            t.tagged.delete().where(tagged.listing_id == listing_id, tagged.video_id == video_id)
        )
        self.notified(batch, video_id, listing_id)

    def add_listing(self, batch: Batch, listing_id: UUID, offer: Offer, stock: int) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.listings.insert().values(
                listing_id=listing_id,
                title=offer.title,
                price=offer.price.minor,
                currency=offer.price.currency,
                seller=offer.seller,
                stock=stock,
                status=ListingStatus.LISTED.value,
            )
        )

    def edit(self, batch: Batch, listing_id: UUID, title: str, price: Money) -> None:
        self._listing(batch, listing_id, title=title, price=price.minor, currency=price.currency)

    def add_stock(self, batch: Batch, listing_id: UUID, added: int) -> None:
        t = self._tables[batch.generation]
        self._listing(batch, listing_id, stock=t.listings.c.stock + added)

    def set_status(self, batch: Batch, listing_id: UUID, status: ListingStatus) -> None:
        self._listing(batch, listing_id, status=status.value)

    def _listing(self, batch: Batch, listing_id: UUID, **values: Any) -> None:
        connection, t = self._batch(batch)
        moved = connection.execute(
            t.listings.update().where(t.listings.c.listing_id == listing_id).values(**values)
        )
        if moved.rowcount == 0:
            raise LookupError(f"listing {listing_id} was never listed")

    def register_seller(self, batch: Batch, seller_id: UUID, account: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.sellers.insert().values(seller_id=seller_id, account=account))

    def suspend(self, batch: Batch, seller_id: UUID) -> None:
        connection, t = self._batch(batch)
        account = connection.execute(
            sa.select(t.sellers.c.account).where(t.sellers.c.seller_id == seller_id)
        ).scalar_one()
        if (
            connection.execute(
                sa.select(t.suspended.c.account).where(t.suspended.c.account == account)
            ).first()
            is None
        ):
            connection.execute(t.suspended.insert().values(account=account))

    # Reads ---------------------------------------------------------------------------------

    def offers(self, generation: int, listing_ids: Collection[UUID]) -> dict[UUID, Offer]:
        t = self._tables[generation]
        listings = t.listings.c
        found: dict[UUID, Offer] = {}
        with self.store.reading() as connection:
            for chunk in chunks(dict.fromkeys(listing_ids)):
                rows = connection.execute(
                    sa.select(
                        listings.listing_id,
                        listings.title,
                        listings.price,
                        listings.currency,
                        listings.seller,
                    )
                    .select_from(
                        t.listings.outerjoin(t.suspended, t.suspended.c.account == listings.seller)
                    )
                    .where(
                        listings.listing_id.in_(chunk),
                        listings.status == ListingStatus.LISTED.value,
                        listings.stock > 0,
                        t.suspended.c.account.is_(None),
                    )
                ).all()
                for row in rows:
                    found[row.listing_id] = Offer(
                        row.title, Money(int(row.price), row.currency), row.seller
                    )
        return found

    def videos_of_listing(self, generation: int, listing_id: UUID) -> list[UUID]:
        t = self._tables[generation]
        tagged = t.tagged.c
        with self.store.reading() as connection:
            videos = connection.execute(
                sa.select(tagged.video_id).where(tagged.listing_id == listing_id)
            ).scalars()
            return sorted(videos, key=str)

    def pending(self, generation: int, *, after: int, limit: int) -> list[Pending]:
        t = self._tables[generation]
        pending = t.pending.c
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(pending.position, pending.video_id, pending.listing_id, pending.creator)
                .where(pending.position > after)
                .order_by(pending.position)
                .limit(limit)
            ).all()
        return [Pending(int(row[0]), row[1], row[2], row[3]) for row in rows]

    def pending_count(self, generation: int) -> int:
        t = self._tables[generation]
        with self.store.reading() as connection:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(t.pending)).scalar_one()
            )

    def export(self, generation: int) -> dict[str, object]:
        t = self._tables[generation]
        with self.store.reading() as connection:
            suspended = connection.execute(sa.select(t.suspended.c.account)).scalars().all()
            listings = connection.execute(sa.select(t.listings)).all()
            tagged = connection.execute(sa.select(t.tagged)).all()
            pending = connection.execute(sa.select(t.pending)).all()
            sets = connection.execute(sa.select(t.sets)).all()
        videos: dict[UUID, set[UUID]] = {}
        for row in tagged:
            videos.setdefault(row.listing_id, set()).add(row.video_id)
        lines = {
            row.listing_id: {
                "title": row.title,
                "price": Money(int(row.price), row.currency),
                "seller": row.seller,
                "stock": int(row.stock),
                "status": ListingStatus(row.status),
            }
            for row in listings
        }
        view: dict[str, object] = {"suspended": set(suspended)}
        for listing_id in set(lines) | set(videos):
            view[f"listing:{listing_id}"] = (lines.get(listing_id), videos.get(listing_id, set()))
        for row in pending:
            view[f"awaiting:{row.video_id}/{row.listing_id}"] = row.creator
        for row in sets:
            view[f"tags:{row.tags_id}"] = (row.video_id, row.creator)
        return view
