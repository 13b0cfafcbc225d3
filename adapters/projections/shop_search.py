"""Shop search's rows (``application.shop.shop_search.ShopTables``) in the projection store:
the offers, the sellers' accounts and the suspended ones, one set of tables per generation,
and the listings' words in a text index beside them (``adapters.projections.text_index``,
tables ``shop_text_…``).

A search scores the documents its words find, then reads the best ones' keys and offers by
primary key, a few dozen at a time, keeping those on sale and in stock whose seller is not
suspended until the page and one more are found, in one snapshot.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.rows import chunks
from adapters.projections.store import ByGeneration, SqlProjectionStore
from adapters.projections.text_index import SqlTextIndex
from adapters.search.listings import listing_terms
from application.projections import Batch
from application.ranked_paging import After, ranked_before
from application.shop.search_filters import SearchFilters, SortAfter, microseconds, moment
from application.shop.shop_search import ListingText, Offer, ShopResult
from domain.money import Money
from domain.shop.listings import ListingStatus


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"shop_offers{suffix}",
        metadata,
        sa.Column("listing_id", sa.Uuid, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),  # in minor units
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("seller", sa.Text, nullable=False),
        sa.Column("stock", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("listed_us", sa.BigInteger, nullable=False),  # microseconds since the epoch
    )
    sa.Table(
        f"shop_sellers{suffix}",
        metadata,
        sa.Column("seller_id", sa.Uuid, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
    )
    sa.Table(
        f"shop_suspended{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
    )


@attrs.frozen
class _Tables:
    offers: sa.Table
    sellers: sa.Table
    suspended: sa.Table


class SqlShopTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self.words: SqlTextIndex[UUID] = SqlTextIndex(store, "shop_text", sa.Uuid())
        self._tables = ByGeneration(store, _define, "shop_", _Tables)

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._tables.of(batch)

    def create(self, generation: int) -> None:
        self._tables.create(generation)
        self.words.create(generation)

    def drop(self, generation: int) -> None:
        self.words.drop(generation)
        self._tables.drop(generation)

    # Writes ---------------------------------------------------------------------------------

    def list_offers(self, batch: Batch, offers: Sequence[Offer]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.offers.insert(),
            [
                {
                    "listing_id": offer.listing_id,
                    "title": offer.title,
                    "price": offer.price.minor,
                    "currency": offer.price.currency,
                    "seller": offer.seller,
                    "stock": offer.stock,
                    "status": offer.status.value,
                    "category": offer.category,
                    "listed_us": microseconds(offer.listed_at),
                }
                for offer in offers
            ],
        )

    def edit_offer(
        self, batch: Batch, listing_id: UUID, *, title: str, price: Money, category: str
    ) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.offers.update()
            .where(t.offers.c.listing_id == listing_id)
            .values(title=title, price=price.minor, currency=price.currency, category=category)
        )

    def add_stock(self, batch: Batch, added: Mapping[UUID, int]) -> None:
        connection, t = self._batch(batch)
        o = t.offers.c
        connection.execute(
            t.offers.update()
            .where(o.listing_id == sa.bindparam("id"))
            .values(stock=o.stock + sa.bindparam("added")),
            [{"id": listing_id, "added": more} for listing_id, more in added.items()],
        )

    def set_status(self, batch: Batch, listing_id: UUID, status: ListingStatus) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.offers.update().where(t.offers.c.listing_id == listing_id).values(status=status.value)
        )

    def register_seller(self, batch: Batch, seller_id: UUID, account: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.sellers.insert().values(seller_id=seller_id, account=account))

    def suspend(self, batch: Batch, seller_id: UUID) -> None:
        connection, t = self._batch(batch)
        account = connection.execute(
            sa.select(t.sellers.c.account).where(t.sellers.c.seller_id == seller_id)
        ).scalar()
        if account is None:
            raise LookupError(f"an unregistered seller {seller_id} was suspended")
        held = connection.execute(
            sa.select(t.suspended.c.account).where(t.suspended.c.account == account)
        ).first()
        if held is None:  # suspended once, whatever its seller registrations
            connection.execute(t.suspended.insert().values(account=account))

    def index(self, batch: Batch, texts: Mapping[UUID, ListingText]) -> None:
        self.words.replace(
            batch,
            {
                listing_id: listing_terms(text.title, text.description, text.attributes)
                for listing_id, text in texts.items()
            },
        )

    def forget(self, batch: Batch, listing_ids: Collection[UUID]) -> None:
        self.words.forget(batch, listing_ids)

    # Reads ----------------------------------------------------------------------------------

    def search(
        self,
        generation: int,
        query: str,
        *,
        filters: SearchFilters,
        after: After | None,
        limit: int,
        candidates: int,
    ) -> list[ShopResult]:
        t = self._tables[generation]
        buyable: list[ShopResult] = []
        with self.store.reading() as connection:
            scored = self.words.scored_in(connection, generation, query)
            found = min(len(scored), candidates)
            # The best matches' keys are read a few more at a time until enough of them
            # after the cursor can be bought: most can, so a page reads a few dozen keys and
            # offers past those it skips.
            looked = skipped = 0
            while True:
                reach = min(found, max(2 * (limit + skipped), looked * 4, 50))
                hits = scored.top(reach)[looked:]
                looked += len(hits)
                following = [hit for hit in hits if ranked_before(hit[1], hit[0], after)]
                skipped += len(hits) - len(following)
                buyable += self._buyable(connection, t, following, filters)
                if len(buyable) >= limit or looked >= found:
                    break
        return buyable[:limit]

    def search_sorted(
        self,
        generation: int,
        query: str,
        *,
        filters: SearchFilters,
        after: SortAfter | None,
        limit: int,
        candidates: int,
    ) -> list[ShopResult]:
        t = self._tables[generation]
        with self.store.reading() as connection:
            scored = self.words.scored_in(connection, generation, query)
            # Every candidate may sort first, so all of them are read (by primary key, the
            # filters applied in the query) and ordered here: a few hundred rows at most.
            hits = scored.top(min(len(scored), candidates))
            found = self._buyable(connection, t, hits, filters)
        found.sort(key=filters.ordering())
        return [result for result in found if filters.follows(result, after)][:limit]

    def _buyable(
        self,
        connection: Connection,
        t: _Tables,
        hits: list[tuple[UUID, float, tuple[str, ...]]],
        filters: SearchFilters,
    ) -> list[ShopResult]:
        """Those of ``hits`` on sale whose seller is not suspended and that pass
        ``filters``, in order."""
        o = t.offers.c
        conditions = [
            o.status == ListingStatus.LISTED.value,
            o.seller.not_in(sa.select(t.suspended.c.account)),
        ]
        if filters.in_stock:
            conditions.append(o.stock > 0)
        if filters.category is not None:
            conditions.append(o.category == filters.category)
        if filters.currency is not None:
            conditions.append(o.currency == filters.currency)
        if filters.min_price is not None:
            conditions.append(o.price >= filters.min_price)
        if filters.max_price is not None:
            conditions.append(o.price <= filters.max_price)
        offers = {
            row.listing_id: row
            for chunk in chunks(listing_id for listing_id, _, _ in hits)
            for row in connection.execute(
                sa.select(
                    o.listing_id, o.title, o.price, o.currency, o.seller, o.category, o.listed_us
                ).where(o.listing_id.in_(chunk), *conditions)
            ).all()
        }
        return [
            ShopResult(
                listing_id=listing_id,
                title=row.title,
                price=Money(int(row.price), row.currency),
                seller=row.seller,
                score=score,
                matched=matched,
                category=row.category,
                listed_at=moment(int(row.listed_us)),
            )
            for listing_id, score, matched in hits
            if (row := offers.get(listing_id)) is not None
        ]

    def offers(self, generation: int) -> Iterable[Offer]:
        t = self._tables[generation]
        o = t.offers.c
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(
                    o.listing_id,
                    o.title,
                    o.price,
                    o.currency,
                    o.seller,
                    o.stock,
                    o.status,
                    o.category,
                    o.listed_us,
                )
            ).all()
        return [
            Offer(
                listing_id=row.listing_id,
                title=row.title,
                price=Money(int(row.price), row.currency),
                seller=row.seller,
                stock=int(row.stock),
                status=ListingStatus(row.status),
                category=row.category,
                listed_at=moment(int(row.listed_us)),
            )
            for row in rows
        ]

    def suspended(self, generation: int) -> set[str]:
        t = self._tables[generation]
        with self.store.reading() as connection:
            return set(connection.execute(sa.select(t.suspended.c.account)).scalars())

    def text(self, generation: int) -> Mapping[str, object]:
        return self.words.export(generation)
