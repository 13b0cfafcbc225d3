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
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.rows import chunks
from adapters.projections.store import ByGeneration, SqlProjectionStore
from adapters.projections.text_index import SqlTextIndex
from adapters.search.listings import listing_terms
from application.projections import Batch
from application.ranked_paging import After
from application.shop.search_filters import (
    SearchFilters,
    SearchSort,
    SortAfter,
    microseconds,
    moment,
)
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
        # The orders other than relevance, each ascending on its own columns so that a page
        # is one seek past the cursor's row in an index (mixed directions are no range):
        sa.Column("price_down", sa.BigInteger, nullable=False),  # -price
        sa.Column("listed_down", sa.BigInteger, nullable=False),  # -listed_us
        *(
            sa.Index(f"shop_offers_{name}{suffix}", *columns, "listing_id")
            for name, columns in (
                ("price", ("currency", "price")),
                ("price_down", ("currency", "price_down")),
                ("newest", ("listed_down",)),
                ("category_price", ("category", "currency", "price")),
                ("category_price_down", ("category", "currency", "price_down")),
                ("category_newest", ("category", "listed_down")),
            )
        ),
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


#: A sorted search reads the rows of the documents holding its words and sorts them when
#: their postings squared are at most this times the page times the documents indexed: a
#: walk of the order's index checks about (documents ÷ holders) rows per result, reading from
#: the postings costs their number, and the two meet near the square root of their product.
SELECTIVE = 16
#: The same on SQLite, whose reads from the postings cost more against its walk: a row read
#: from a posting is four seeks (the posting, its document, the offer's key, the offer) and
#: sorted after; a row walked is its index entry, the offer and the ``EXISTS`` (two seeks),
#: and the walk stops at the page. Measured at 100,000 listings (``EXPLAIN QUERY PLAN`` and
#: timings, ARCHITECTURE.md): a word held by 3,221 read from its postings in 42 ms, walked
#: in 12 ms; one held by 7,087, 92 ms against 2 ms; they meet near 1.4.
SELECTIVE_ON = {"sqlite": 2}


def _price(o: Any) -> list[sa.ColumnElement[Any]]:
    return [o.currency, o.price]


def _price_down(o: Any) -> list[sa.ColumnElement[Any]]:
    return [o.currency, o.price_down]


def _newest(o: Any) -> list[sa.ColumnElement[Any]]:
    return [o.listed_down]


#: The columns each order other than relevance sorts by, before the listing id (an index each).
_ORDERS = {
    SearchSort.PRICE_ASC: _price,
    SearchSort.PRICE_DESC: _price_down,
    SearchSort.NEWEST: _newest,
}


def _result_columns(o: Any) -> tuple[sa.ColumnElement[Any], ...]:
    return (o.listing_id, o.title, o.price, o.currency, o.seller, o.category, o.listed_us)


def _result(row: Any, score: float, matched: tuple[str, ...]) -> ShopResult:
    return ShopResult(
        listing_id=row.listing_id,
        title=row.title,
        price=Money(int(row.price), row.currency),
        seller=row.seller,
        score=score,
        matched=matched,
        category=row.category,
        listed_at=moment(int(row.listed_us)),
    )


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
                    "price_down": -offer.price.minor,
                    "listed_down": -microseconds(offer.listed_at),
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
            .values(
                title=title,
                price=price.minor,
                price_down=-price.minor,
                currency=price.currency,
                category=category,
            )
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
    ) -> list[ShopResult]:
        t = self._tables[generation]
        buyable: list[ShopResult] = []
        with self.store.reading() as connection:
            scored = self.words.scored_in(connection, generation, query)
            # The ranking is read on from the cursor a step at a time (each after the last
            # match read) until enough of those can be bought: most can, so a page reads a
            # few dozen keys and offers. A narrow filter reads further down, each step as
            # many as the share admitted so far says the rest of the page needs (and a
            # quarter more): not four times the last, which read three times what it needed.
            mark: tuple[float, UUID] | None = after
            step = max(2 * limit, 50)
            looked = 0
            while True:
                hits = scored.following(mark, step)
                looked += len(hits)
                buyable += self._buyable(connection, t, hits, filters)
                if len(buyable) >= limit or len(hits) < step:
                    break
                mark = (hits[-1][1], hits[-1][0])
                wanted = (limit - len(buyable)) * looked / max(len(buyable), 1)
                step = min(max(50, int(wanted * 1.25)), 4 * looked, 10_000)
        return buyable[:limit]

    def search_sorted(
        self,
        generation: int,
        query: str,
        *,
        filters: SearchFilters,
        after: SortAfter | None,
        limit: int,
    ) -> list[ShopResult]:
        t = self._tables[generation]
        o = t.offers.c
        order = [*_ORDERS[filters.sort](o), o.listing_id]
        with self.store.reading() as connection:
            matching = self.words.matching_in(connection, generation, query)
            if not matching.words:
                return []
            conditions = self._conditions(t, filters)
            selective = SELECTIVE_ON.get(connection.dialect.name, SELECTIVE)
            if matching.postings**2 <= selective * limit * matching.documents:
                # Few hold the words: their rows are read from the postings and sorted.
                conditions.append(o.listing_id.in_(matching.keys_holding()))
            else:
                # Many do: the order's index is walked past the cursor, each row checked.
                conditions.append(matching.holds(o.listing_id))
            if after is not None:
                group, value, listing_id = after
                mark: list[Any] = [] if filters.sort is SearchSort.NEWEST else [group]
                mark.append(value if filters.sort is SearchSort.PRICE_ASC else -value)
                mark.append(sa.literal(listing_id, sa.Uuid()))
                conditions.append(sa.tuple_(*order) > sa.tuple_(*mark))
            rows = connection.execute(
                sa.select(*_result_columns(o)).where(*conditions).order_by(*order).limit(limit)
            ).all()
            scores = matching.scores(connection, [row.listing_id for row in rows])
        return [_result(row, *scores.get(row.listing_id, (0.0, ()))) for row in rows]

    @staticmethod
    def _conditions(t: _Tables, filters: SearchFilters) -> list[sa.ColumnElement[bool]]:
        """What makes an offer one a viewer can buy that passes ``filters``."""
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
        return conditions

    def _buyable(
        self,
        connection: Connection,
        t: _Tables,
        hits: list[tuple[UUID, float, tuple[str, ...]]],
        filters: SearchFilters,
    ) -> list[ShopResult]:
        """Those of ``hits`` on sale whose seller is not suspended and that pass
        ``filters``, in order: their rows read by primary key and the filters on category
        and price applied here (``SearchFilters.admits``). In SQL, SQLite (no statistics)
        walked the category and price index over the whole range instead of seeking the
        few hundred keys, 11-15 ms a read at 100,000 listings."""
        o = t.offers.c
        conditions = self._conditions(t, SearchFilters(in_stock=filters.in_stock))
        offers = {
            row.listing_id: row
            for chunk in chunks(listing_id for listing_id, _, _ in hits)
            for row in connection.execute(
                sa.select(*_result_columns(o), o.stock).where(o.listing_id.in_(chunk), *conditions)
            ).all()
            if filters.admits(Money(int(row.price), row.currency), row.category, int(row.stock))
        }
        return [
            _result(row, score, matched)
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
