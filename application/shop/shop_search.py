"""Finding listings by text: a port for the search engine, and the use case that keeps it fed
from the revenue log and answers only with listings a viewer can buy (on sale, in stock)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.log_follower import LogFollower
from application.read_models import Followed, ReadModel, unpositioned
from domain.money import Money
from domain.shop.listings import Listing, ListingStatus, Seller

MAX_RESULTS = 1_000


@attrs.frozen
class SearchHit:
    listing_id: UUID
    score: float  # higher is better; comparable within one query
    matched: tuple[str, ...]  # the indexed words the query matched (typos resolved)


class ListingSearch(Protocol):
    def index(
        self, listing_id: UUID, *, title: str, description: str, attributes: Mapping[str, str]
    ) -> None:
        """Add or replace a listing's text."""
        ...

    def forget(self, listing_id: UUID) -> None: ...

    def search(self, query: str, *, limit: int) -> list[SearchHit]:
        """Best first, found through an inverted index (never by scanning every listing)."""
        ...


@attrs.frozen
class ShopResult:
    listing_id: UUID
    title: str
    price: Money
    seller: str
    score: float
    matched: tuple[str, ...]


@attrs.define
class _Offer:
    title: str
    price: Money
    seller: str
    stock: int
    status: ListingStatus


class ShopSearch:
    def __init__(self, revenue: Any, *, engine: ListingSearch) -> None:
        self.engine = engine
        self._offers: dict[UUID, _Offer] = {}
        self._suspended: set[str] = set()
        self._sellers: dict[UUID, str] = {}
        self._lock = threading.RLock()
        self._follower = LogFollower(
            revenue,
            {
                Listing.Listed.TOPIC: self._listed,
                Listing.Edited.TOPIC: self._edited,
                Listing.Restocked.TOPIC: self._restocked,
                Listing.Sold.TOPIC: self._sold,
                Listing.Delisted.TOPIC: self._withdrawn,
                Listing.TakenDown.TOPIC: self._withdrawn,
                Seller.Registered.TOPIC: self._seller_registered,
                Seller.Suspended.TOPIC: self._seller_suspended,
            },
        )
        self.catch_up()

    def catch_up(self) -> None:
        with self._lock:
            self._follower.catch_up()

    def read_models(self) -> tuple[ReadModel, ...]:
        return (Followed("shop search", self.catch_up, unpositioned(self.export)),)

    def search(
        self, query: str, *, cursor: int = 0, limit: int = 20
    ) -> tuple[list[ShopResult], int | None]:
        """Listings on sale and in stock, best match first; ``cursor`` = results seen."""
        if not query.strip():
            return [], None
        with self._lock:
            self._follower.catch_up()
            hits = self.engine.search(query, limit=MAX_RESULTS)
            results = [
                ShopResult(
                    listing_id=hit.listing_id,
                    title=offer.title,
                    price=offer.price,
                    seller=offer.seller,
                    score=round(hit.score, 4),
                    matched=hit.matched,
                )
                for hit in hits
                if (offer := self._offers.get(hit.listing_id)) is not None
                and offer.status is ListingStatus.LISTED
                and offer.stock > 0
                and offer.seller not in self._suspended
            ]
        page = results[cursor : cursor + limit]
        following = cursor + len(page)
        return page, following if following < len(results) else None

    def _listed(self, event: Any, _position: int) -> None:
        self._offers[event.originator_id] = _Offer(
            event.title, event.price, event.seller, event.stock, ListingStatus.LISTED
        )
        self.engine.index(
            event.originator_id,
            title=event.title,
            description=event.description,
            attributes=event.attributes,
        )

    def _edited(self, event: Any, _position: int) -> None:
        offer = self._offers[event.originator_id]
        offer.title, offer.price = event.title, event.price
        self.engine.index(
            event.originator_id,
            title=event.title,
            description=event.description,
            attributes=event.attributes,
        )

    def _restocked(self, event: Any, _position: int) -> None:
        self._offers[event.originator_id].stock += event.added

    def _sold(self, event: Any, _position: int) -> None:
        self._offers[event.originator_id].stock -= event.quantity

    def _seller_registered(self, event: Any, _position: int) -> None:
        self._sellers[event.originator_id] = event.account

    def _seller_suspended(self, event: Any, _position: int) -> None:
        self._suspended.add(self._sellers[event.originator_id])

    def _withdrawn(self, event: Any, _position: int) -> None:
        self._offers[event.originator_id].status = ListingStatus.TAKEN_DOWN
        self.engine.forget(event.originator_id)

    def export(self, *, probes: int = 5) -> dict[str, object]:
        """A comparable view for the audit's replay: every offer, and what the engine answers
        to each listed offer's title (the ids of its first ``probes`` hits)."""
        with self._lock:
            view: dict[str, object] = {"suspended": self._suspended}
            for listing_id, offer in self._offers.items():
                view[f"offer:{listing_id}"] = offer
                if offer.status is ListingStatus.LISTED:
                    hits = self.engine.search(offer.title, limit=probes)
                    view[f"search:{listing_id}"] = tuple(hit.listing_id for hit in hits)
            return view
