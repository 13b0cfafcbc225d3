"""Finding listings by text: a projection of the revenue log into the projection store (the
offers, the sellers and their suspensions, and a BM25 text index of the listings' words),
and the use case that answers only with listings a viewer can buy (on sale, in stock, from a
seller who is not suspended).

The rows are kept by ``ShopTables`` (a port: ``adapters.projections.shop_search``), the text
index in tables of its own beside them (``application.text_index``); the service holds
nothing that grows with the log.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.paging import Page, limited
from application.projections import Batch, Persisted, ProjectionRunner
from application.ranked_paging import After, RankedCursors, scope_of
from application.read_models import LogPositions, ReadModel
from application.shop.search_filters import (
    SORTED,
    SearchFilters,
    SearchSort,
    SortAfter,
    decode_sorted,
)
from domain.money import Money
from domain.shop.listings import Listing, ListingStatus, Seller

NAME = "shop search"

#: A search by relevance pages through every text match (a keyset on the score and the
#: listing id, ``ShopTables.search``), as one in another order (price, newest) does.
RESULTS = RankedCursors("shop search")


@attrs.frozen
class ShopResult:
    listing_id: UUID
    title: str
    price: Money
    seller: str
    score: float
    matched: tuple[str, ...]  # the indexed words the query matched (typos resolved)
    category: str
    listed_at: datetime


@attrs.frozen
class Offer:
    listing_id: UUID
    title: str
    price: Money
    seller: str  # the seller's account
    stock: int
    status: ListingStatus
    category: str
    listed_at: datetime


@attrs.frozen
class ListingText:
    """What a listing is found by: its title counts more than its description and its
    attributes' values (the adapter weighs them)."""

    title: str
    description: str
    attributes: Mapping[str, str]


class ShopTables(Protocol):
    """Shop search's rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def list_offers(self, batch: Batch, offers: Sequence[Offer]) -> None: ...

    def edit_offer(
        self, batch: Batch, listing_id: UUID, *, title: str, price: Money, category: str
    ) -> None: ...

    def add_stock(self, batch: Batch, added: Mapping[UUID, int]) -> None:
        """Add to each listing's stock (a sale adds a negative quantity)."""
        ...

    def set_status(self, batch: Batch, listing_id: UUID, status: ListingStatus) -> None: ...

    def register_seller(self, batch: Batch, seller_id: UUID, account: str) -> None: ...

    def suspend(self, batch: Batch, seller_id: UUID) -> None:
        """The seller's account sells nothing any more (LookupError: never registered)."""
        ...

    def index(self, batch: Batch, texts: Mapping[UUID, ListingText]) -> None:
        """Each listing is found by this text (instead of any it had)."""
        ...

    def forget(self, batch: Batch, listing_ids: Collection[UUID]) -> None:
        """The listings are found no more."""
        ...

    def search(
        self,
        generation: int,
        query: str,
        *,
        filters: SearchFilters,
        after: After | None,
        limit: int,
    ) -> list[ShopResult]:
        """Of every text match (not only the best), those on sale whose seller is not
        suspended and that pass ``filters``, best first (ties by listing id as text): at most
        ``limit`` of those ranked after ``after``, the (score, listing id) of the last one a
        page showed, however deep (one snapshot of the index and the offers)."""
        ...

    def search_sorted(
        self,
        generation: int,
        query: str,
        *,
        filters: SearchFilters,
        after: SortAfter | None,
        limit: int,
    ) -> list[ShopResult]:
        """Of every listing the query's words find (not only the best text matches), those
        on sale whose seller is not suspended and that pass ``filters``, in the order of
        ``filters.sort`` (not relevance): at most ``limit`` of those that follow ``after``
        in it, read as a keyset seek on that order's index (one snapshot)."""
        ...

    def offers(self, generation: int) -> Iterable[Offer]: ...

    def suspended(self, generation: int) -> set[str]: ...

    def text(self, generation: int) -> Mapping[str, object]:
        """The text index's comparable view."""
        ...


def _text_of(event: Any) -> ListingText:
    return ListingText(event.title, event.description, dict(event.attributes))


_STOCK = frozenset({Listing.Restocked.TOPIC, Listing.Sold.TOPIC})


def _stock_change(event: Any) -> int:
    topic = type(event).TOPIC
    return int(event.added) if topic == Listing.Restocked.TOPIC else -int(event.quantity)


def _run_of(event: Any) -> str | None:
    topic = type(event).TOPIC
    if topic == Listing.Listed.TOPIC:
        return "listed"
    if topic in _STOCK:
        return "stock"
    return None


class ShopSearchProjection:
    """Which rows each event of the revenue log changes."""

    name = NAME
    # 2: offers keep their category and listing time, for search's filters and orders.
    # 3: and each order's own ascending columns and indexes, for sorted keyset pages.
    version = 3

    def __init__(self, tables: ShopTables) -> None:
        self.tables = tables
        self._handlers: dict[str, Callable[[Batch, Any], None]] = {
            Listing.Listed.TOPIC: self._listed,
            Listing.Edited.TOPIC: self._edited,
            Listing.Restocked.TOPIC: self._stock,
            Listing.Sold.TOPIC: self._stock,
            Listing.Delisted.TOPIC: self._delisted,
            Listing.TakenDown.TOPIC: self._taken_down,
            Seller.Registered.TOPIC: self._seller_registered,
            Seller.Suspended.TOPIC: self._seller_suspended,
        }
        self.follows: Mapping[str, Sequence[str]] = {"revenue": tuple(self._handlers)}

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event)

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """A run of listings is written at once (offers and text), and so is a run of
        restocks and sales; every other event in turn."""
        for kind, group in groupby(events, key=lambda item: _run_of(item[0])):
            run = [event for event, _ in group]
            if kind == "listed":
                self._list(batch, run)
            elif kind == "stock":
                added: dict[UUID, int] = {}
                for event in run:
                    added[event.originator_id] = added.get(event.originator_id, 0) + _stock_change(
                        event
                    )
                self.tables.add_stock(batch, added)
            else:
                for event in run:
                    self._handlers[type(event).TOPIC](batch, event)

    def _listed(self, batch: Batch, event: Any) -> None:
        self._list(batch, [event])

    def _list(self, batch: Batch, events: Sequence[Any]) -> None:
        self.tables.list_offers(
            batch,
            [
                Offer(
                    event.originator_id,
                    event.title,
                    event.price,
                    event.seller,
                    event.stock,
                    ListingStatus.LISTED,
                    event.category,
                    event.listed_at,
                )
                for event in events
            ],
        )
        self.tables.index(batch, {event.originator_id: _text_of(event) for event in events})

    def _edited(self, batch: Batch, event: Any) -> None:
        self.tables.edit_offer(
            batch,
            event.originator_id,
            title=event.title,
            price=event.price,
            category=event.category,
        )
        self.tables.index(batch, {event.originator_id: _text_of(event)})

    def _stock(self, batch: Batch, event: Any) -> None:
        self.tables.add_stock(batch, {event.originator_id: _stock_change(event)})

    def _delisted(self, batch: Batch, event: Any) -> None:
        self.tables.set_status(batch, event.originator_id, ListingStatus.DELISTED)
        self.tables.forget(batch, [event.originator_id])

    def _taken_down(self, batch: Batch, event: Any) -> None:
        self.tables.set_status(batch, event.originator_id, ListingStatus.TAKEN_DOWN)
        self.tables.forget(batch, [event.originator_id])

    def _seller_registered(self, batch: Batch, event: Any) -> None:
        self.tables.register_seller(batch, event.originator_id, event.account)

    def _seller_suspended(self, batch: Batch, event: Any) -> None:
        self.tables.suspend(batch, event.originator_id)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every offer, the suspended sellers and
        every row of the text index."""
        view: dict[str, object] = {
            f"offer:{offer.listing_id}": offer for offer in self.tables.offers(generation)
        }
        view["suspended"] = self.tables.suspended(generation)
        view.update(self.tables.text(generation))
        return view


class ShopSearch:
    """The use case: bring the projection up to date (inline), answer a page."""

    def __init__(self, runner: ProjectionRunner, projection: ShopSearchProjection) -> None:
        self.runner = runner
        self.projection = projection

    def catch_up(self) -> int:
        """Brings the shop's search index up to the end of its logs; answers how many events were
        applied (``ProjectionFailed`` if one cannot be)."""
        return self.runner.catch_up(NAME)

    def read_models(self) -> tuple[ReadModel, ...]:
        """The shop search's read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.runner, self.projection),)

    def search(
        self,
        query: str,
        *,
        filters: SearchFilters | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> Page[ShopResult]:
        """Listings on sale (and in stock unless ``filters`` say otherwise) that pass the
        filters, best match first (ties by listing id as text) or in the filters' order, a
        page at a time; a cursor continues the same query, filters and order after the last
        result it saw."""
        chosen = filters or SearchFilters()
        scope = scope_of(query) + chosen.fingerprint()
        if chosen.sort is not SearchSort.RELEVANCE:
            return self._sorted(query, chosen, scope, limited(limit), cursor)
        after = RESULTS.decode(cursor, scope)
        size = limited(limit)
        if not query.strip():
            return Page((), None)
        found = self.projection.tables.search(
            self.runner.fresh(NAME),
            query,
            filters=chosen,
            after=after,
            limit=size + 1,
        )
        page = RESULTS.page(found, size, scope, lambda result: (result.score, result.listing_id))
        return self._rounded(page)

    def _sorted(
        self, query: str, filters: SearchFilters, scope: str, size: int, cursor: str | None
    ) -> Page[ShopResult]:
        after = decode_sorted(cursor, scope)
        if not query.strip():
            return Page((), None)
        found = self.projection.tables.search_sorted(
            self.runner.fresh(NAME),
            query,
            filters=filters,
            after=after,
            limit=size + 1,
        )
        return self._rounded(SORTED.page(found, size, lambda r: (scope, *filters.key_of(r))))

    @staticmethod
    def _rounded(page: Page[ShopResult]) -> Page[ShopResult]:
        return Page(
            tuple(attrs.evolve(result, score=round(result.score, 4)) for result in page.items),
            page.next_cursor,
        )
