"""What sellers and buyers own in the shop, and the counterfeit-report queue, listed a page
at a time (``application.paging``).

The lists read a projection of the revenue log persisted in the projection store
(``ShopListsProjection``; ``ShopListsTables`` is the port, ``adapters.projections.shop_lists``
the tables): a listing's row (its seller, state, stock, price and open reports), an order's
(its listing, seller and buyer) and a report's (its listing, seller, reporter and state),
each with the log position of the event that made it, which is the lists' stable order. A
page is a keyset read of an index that begins with the list's owner (or the queue's state),
so it costs the same whatever the shop holds; a listing, order or report made while a client
pages comes at the end, after every item it has read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, require_role, whose_list
from application.errors import NotPermitted
from application.paging import KeysetCursors, Page
from application.persisted_lists import PersistedLists
from application.projections import Batch
from application.read_models import LogPositions, PositionMap
from application.topic_projection import TopicProjection, unmoved
from domain.money import Money
from domain.shop.counterfeit import CounterfeitReport, ReportStatus
from domain.shop.listings import Listing, ListingStatus
from domain.shop.orders import Order, OrderState

NAME = "shop lists (listings, orders, reports)"
LOG = "revenue"

LISTINGS = KeysetCursors("seller listings", int)
SALES = KeysetCursors("seller sales", int)
LISTING_REPORTS = KeysetCursors("seller listing reports", int)
PURCHASES = KeysetCursors("buyer orders", int)
REPORT_QUEUE = KeysetCursors("counterfeit report queue", int)


@attrs.frozen
class ListingRow:
    """A seller's listing as the seller's list shows it."""

    listing_id: UUID
    order: int  # the position of its listing in the revenue log: the list's order
    seller: str
    title: str
    price: Money
    stock: int
    state: ListingStatus
    open_reports: int  # counterfeit reports filed against it and not yet decided
    listed_at: datetime


@attrs.frozen
class OrderRow:
    """An order, as its seller's sales and its buyer's orders show it."""

    order_id: UUID
    order: int  # the position of its placing in the revenue log
    listing_id: UUID
    seller: str
    buyer: str
    quantity: int
    total: Money
    proceeds: Money  # what the seller receives
    video_id: UUID | None
    placed_at: datetime
    state: OrderState = OrderState.PAID  # where the order is in its life
    refunded: Money | None = None  # what was given back to the buyer (none: nothing)


@attrs.frozen
class ReportRow:
    """A counterfeit report, as its listing's seller and the reviewers' queue show it."""

    report_id: UUID
    order: int  # the position of its filing in the revenue log
    listing_id: UUID
    seller: str
    reporter: str
    reason: str
    state: ReportStatus
    filed_at: datetime


class ShopListsTables(Protocol):
    """The shop lists' rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # Writes --------------------------------------------------------------------------------

    def list_listings(self, batch: Batch, rows: Sequence[ListingRow]) -> None: ...

    def edit_listing(self, batch: Batch, listing_id: UUID, *, title: str, price: Money) -> None: ...

    def add_stock(self, batch: Batch, added: Mapping[UUID, int]) -> None:
        """Add to each listing's stock (a sale adds a negative quantity)."""
        ...

    def set_state(self, batch: Batch, listing_id: UUID, state: ListingStatus) -> None: ...

    def place_orders(self, batch: Batch, rows: Sequence[OrderRow]) -> None: ...

    def move_order(
        self, batch: Batch, order_id: UUID, state: OrderState, refunded: Money | None = None
    ) -> None:
        """The order took a step (and gave back ``refunded`` in all, if named)."""
        ...

    def file_report(self, batch: Batch, row: ReportRow) -> None:
        """Keep the report, open, and count it against its listing."""
        ...

    def decide_report(self, batch: Batch, report_id: UUID, state: ReportStatus) -> None:
        """The report is decided: its listing counts it open no more (LookupError: a
        decision on a report never filed)."""
        ...

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
        """At most ``limit`` of the seller's listings (none: everyone's), in ``state`` if
        one is named, listed after the position ``after``, in the order they were listed."""
        ...

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
        """At most ``limit`` orders of the seller's listings or by the buyer (of one listing,
        in one state, if named), placed after the position ``after``, in the order they were
        placed."""
        ...

    def reports(
        self,
        generation: int,
        *,
        seller: str | None,
        state: ReportStatus | None,
        after: int | None,
        limit: int,
    ) -> list[ReportRow]:
        """At most ``limit`` reports against the seller's listings (none: anyone's), in
        ``state`` if one is named, filed after the position ``after``, oldest first."""
        ...


def _listing(event: Any, position: int) -> ListingRow:
    return ListingRow(
        listing_id=event.originator_id,
        order=position,
        seller=event.seller,
        title=event.title,
        price=event.price,
        stock=int(event.stock),
        state=ListingStatus.LISTED,
        open_reports=0,
        listed_at=event.listed_at,
    )


def _order(event: Any, position: int) -> OrderRow:
    return OrderRow(
        order_id=event.originator_id,
        order=position,
        listing_id=event.listing_id,
        seller=event.seller,
        buyer=event.buyer,
        quantity=int(event.quantity),
        total=event.total,
        proceeds=event.proceeds,
        video_id=event.video_id,
        placed_at=event.placed_at,
    )


class ShopListsProjection(TopicProjection):
    """Which rows each event of the revenue log changes."""

    name = NAME
    # 2: orders carry their state (shipped, delivered, returned, refunded, cancelled...).
    version = 2

    def __init__(self, tables: ShopListsTables) -> None:
        self.tables = tables
        super().__init__(
            LOG,
            tables,
            {
                Listing.Listed.TOPIC: self._listed,
                Listing.Edited.TOPIC: self._edited,
                Listing.Restocked.TOPIC: self._restocked,
                Listing.Sold.TOPIC: self._sold,
                Listing.Delisted.TOPIC: self._delisted,
                Listing.TakenDown.TOPIC: self._taken_down,
                Order.Placed.TOPIC: self._placed,
                Order.Shipped.TOPIC: self._moved(OrderState.SHIPPED),
                Order.Delivered.TOPIC: self._moved(OrderState.DELIVERED),
                Order.ReturnRequested.TOPIC: self._moved(OrderState.RETURN_REQUESTED),
                Order.Returned.TOPIC: self._moved(OrderState.RETURNED),
                Order.Refunded.TOPIC: self._refunded,
                Order.Cancelled.TOPIC: self._moved(OrderState.CANCELLED),
                CounterfeitReport.Filed.TOPIC: self._filed,
                CounterfeitReport.Upheld.TOPIC: self._upheld,
                CounterfeitReport.Dismissed.TOPIC: self._dismissed,
            },
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every listing, order and report, with
        its place given in the audited log's numbering."""
        place: PositionMap = positions.get(LOG, unmoved)
        view: dict[str, object] = {}
        readers: dict[str, Callable[[int | None], Sequence[ListingRow | OrderRow | ReportRow]]] = {
            "listing": lambda after: self.tables.listings(
                generation, None, state=None, after=after, limit=EXPORT_PAGE
            ),
            "order": lambda after: self.tables.orders(generation, after=after, limit=EXPORT_PAGE),
            "report": lambda after: self.tables.reports(
                generation, seller=None, state=None, after=after, limit=EXPORT_PAGE
            ),
        }
        for name, read in readers.items():
            after: int | None = None
            while True:
                rows = read(after)
                for row in rows:
                    view[f"{name}:{_id_of(row)}"] = attrs.evolve(row, order=place(row.order))
                if len(rows) < EXPORT_PAGE:
                    break
                after = rows[-1].order
        return view

    # Handlers ------------------------------------------------------------------------------

    def _listed(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.list_listings(batch, [_listing(event, position)])

    def _edited(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.edit_listing(batch, event.originator_id, title=event.title, price=event.price)

    def _restocked(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.add_stock(batch, {event.originator_id: int(event.added)})

    def _sold(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.add_stock(batch, {event.originator_id: -int(event.quantity)})

    def _delisted(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.set_state(batch, event.originator_id, ListingStatus.DELISTED)

    def _taken_down(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.set_state(batch, event.originator_id, ListingStatus.TAKEN_DOWN)

    def _placed(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.place_orders(batch, [_order(event, position)])

    def _moved(self, state: OrderState) -> Callable[[Batch, Any, int], None]:
        def move(batch: Batch, event: Any, _position: int) -> None:
            self.tables.move_order(batch, event.originator_id, state)

        return move

    def _refunded(self, batch: Batch, event: Any, _position: int) -> None:
        # A cancellation records its refund first, then itself: the state ends cancelled.
        self.tables.move_order(batch, event.originator_id, OrderState.REFUNDED, event.amount)

    def _filed(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.file_report(
            batch,
            ReportRow(
                report_id=event.originator_id,
                order=position,
                listing_id=event.listing_id,
                seller=event.seller,
                reporter=event.reporter,
                reason=event.reason,
                state=ReportStatus.OPEN,
                filed_at=event.filed_at,
            ),
        )

    def _upheld(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.decide_report(batch, event.originator_id, ReportStatus.UPHELD)

    def _dismissed(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.decide_report(batch, event.originator_id, ReportStatus.DISMISSED)


#: Rows read at a time by the audit's export.
EXPORT_PAGE = 1_000


def _id_of(row: ListingRow | OrderRow | ReportRow) -> UUID:
    if isinstance(row, ListingRow):
        return row.listing_id
    if isinstance(row, OrderRow):
        return row.order_id
    return row.report_id


def _by_order(row: ListingRow | OrderRow | ReportRow) -> int:
    return row.order


class ShopLists(PersistedLists[ShopListsTables]):
    """The lists: a seller's listings, sales and the reports against their listings, a
    buyer's orders, and the reviewers' counterfeit-report queue."""

    def seller_listings(
        self,
        actor: Principal,
        seller: str | None = None,
        *,
        state: ListingStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ListingRow]:
        """The seller's listings (none: the actor's own, a seller's), in the order they were
        listed, each with its state, stock, price and open reports; only those in ``state``
        if one is named."""
        seller = whose_list(actor, Role.SELLER, seller, "their listings")
        return self._position_page(
            LISTINGS,
            cursor,
            limit,
            partial(self.tables.listings, seller=seller, state=state),
            _by_order,
        )

    def seller_sales(
        self,
        actor: Principal,
        seller: str | None = None,
        *,
        listing_id: UUID | None = None,
        state: OrderState | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[OrderRow]:
        """The orders placed on the seller's listings (none: the actor's own, a seller's),
        oldest first; only those of one listing if ``listing_id`` is named, only those in
        ``state`` if one is."""
        seller = whose_list(actor, Role.SELLER, seller, "the sales of their listings")
        return self._position_page(
            SALES,
            cursor,
            limit,
            partial(self.tables.orders, seller=seller, listing_id=listing_id, state=state),
            _by_order,
        )

    def seller_reports(
        self,
        actor: Principal,
        seller: str | None = None,
        *,
        state: ReportStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ReportRow]:
        """The counterfeit reports filed against the seller's listings (none: the actor's
        own, a seller's), oldest first; only those in ``state`` if one is named."""
        seller = whose_list(actor, Role.SELLER, seller, "the reports against their listings")
        return self._position_page(
            LISTING_REPORTS,
            cursor,
            limit,
            partial(self.tables.reports, seller=seller, state=state),
            _by_order,
        )

    def buyer_orders(
        self,
        actor: Principal,
        buyer: str | None = None,
        *,
        state: OrderState | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[OrderRow]:
        """The orders a buyer placed, oldest first (only those in ``state`` if one is
        named). A buyer is a role and an account (an order records ``viewer:vic``): none
        named, the actor's own, in the role they buy in; an admin or auditor names one as
        ``role:account``."""
        if buyer is None:
            require_role(
                actor, Role.VIEWER, Role.CREATOR, Role.ARTIST, Role.BRAND, doing="list your orders"
            )
            buyer = actor.label
        elif actor.role not in (Role.ADMIN, Role.AUDITOR) and buyer != actor.label:
            raise NotPermitted(
                f"only the buyer {buyer} (or an admin or auditor) lists their orders"
            )
        return self._position_page(
            PURCHASES,
            cursor,
            limit,
            partial(self.tables.orders, buyer=buyer, state=state),
            _by_order,
        )

    def report_queue(
        self,
        actor: Principal,
        *,
        state: ReportStatus = ReportStatus.OPEN,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ReportRow]:
        """The counterfeit reports in ``state`` (open: those awaiting a decision), oldest
        first: the queue reviewers work through."""
        require_role(
            actor, Role.REVIEWER, Role.ADMIN, Role.AUDITOR, doing="read the counterfeit reports"
        )
        return self._position_page(
            REPORT_QUEUE,
            cursor,
            limit,
            partial(self.tables.reports, seller=None, state=state),
            _by_order,
        )
