"""Live-stream studios listed a page at a time (``application.paging``): the studios (by
city), each studio's free slots, and the bookings of a creator or of the brand sponsoring
them.

The lists read a projection of the revenue log persisted in the projection store
(``StudioListsProjection``; ``StudioListsTables`` is the port,
``adapters.projections.studio_lists`` the tables): a studio's row (its city, rooms, hours,
slot length and price, in the order studios were opened) and a room slot's (its studio, room
and time, and while it is booked its creator, its sponsor and the log position of its
booking). A creator's or a brand's bookings are a keyset read of the index (creator or
sponsor, start, booking); a studio's free slots are its grid, walked a day at a time in
order from the cursor, less the slots the index (studio, start) holds booked that day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.auth import Principal, Role, owns
from application.errors import NotFound, NotPermitted
from application.paging import Key, KeysetCursors, Page, int_at
from application.persisted_lists import PersistedLists, keyset_page
from application.ports import Clock
from application.projections import Batch, ProjectionRunner
from application.read_models import LogPositions, PositionMap
from application.topic_projection import TopicProjection, unmoved
from domain.business.studios import RoomSlot, Studio
from domain.errors import InvalidValue
from domain.money import Money

NAME = "studio lists (studios, bookings)"
LOG = "revenue"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The longest stretch of time one free-slots read may span.
MAX_WINDOW = timedelta(days=31)
#: The stretch a free-slots read spans when the reader names no end.
DEFAULT_WINDOW = timedelta(days=7)

STUDIOS = KeysetCursors("studios", int)
FREE_SLOTS = KeysetCursors("studio free slots", int, int)
BOOKINGS = KeysetCursors("bookings", int, int)


def micros(at: datetime) -> int:
    """Microseconds since the epoch: exact, and ordered as the times are."""
    return (at - EPOCH) // timedelta(microseconds=1)


def instant(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


@attrs.frozen
class StudioRow:
    studio_id: UUID
    order: int  # the position of its opening in the revenue log: the list's order
    city: str
    name: str
    rooms: tuple[str, ...]
    opens_hour: int
    closes_hour: int
    utc_offset_minutes: int
    slot_minutes: int
    price: Money


@attrs.frozen
class SlotRow:
    """A room's slot; ``creator`` is None while it is not booked."""

    slot_id: UUID
    studio_id: UUID
    room: str
    starts_at: datetime
    ends_at: datetime
    creator: str | None = None
    sponsor: str | None = None  # the brand paying for it, if one does
    price: Money | None = None
    booked: int | None = None  # the position of its booking in the revenue log


@attrs.frozen
class FreeSlot:
    studio_id: UUID
    room: str
    starts_at: datetime
    ends_at: datetime


class StudioListsTables(Protocol):
    """The studio lists' rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # Writes --------------------------------------------------------------------------------

    def open_studio(self, batch: Batch, row: StudioRow) -> None: ...

    def open_slot(self, batch: Batch, row: SlotRow) -> None: ...

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
        """The slot is booked (LookupError: a slot never opened)."""
        ...

    def sponsor(self, batch: Batch, slot_id: UUID, brand: str) -> None: ...

    def cancel(self, batch: Batch, slot_id: UUID) -> None: ...

    # Reads ---------------------------------------------------------------------------------

    def studio(self, generation: int, studio_id: UUID) -> StudioRow | None: ...

    def studios(
        self, generation: int, *, city: str | None, after: int | None, limit: int
    ) -> list[StudioRow]:
        """At most ``limit`` studios (in ``city`` if named, whatever its case) opened after
        the position ``after``, in the order they were opened."""
        ...

    def booked_between(
        self, generation: int, studio_id: UUID, start: int, end: int
    ) -> set[tuple[int, str]]:
        """The (start, room) of the studio's booked slots starting from ``start`` up to
        ``end`` (microseconds since the epoch)."""
        ...

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
        """At most ``limit`` booked slots of the creator or sponsored by the brand (none:
        everyone's), starting at ``starting_from`` or later, after the (start, booking)
        ``after``, in the order of (start, booking)."""
        ...


class StudioListsProjection(TopicProjection):
    """Which rows each event of the revenue log changes."""

    name = NAME
    version = 1

    def __init__(self, tables: StudioListsTables) -> None:
        self.tables = tables
        super().__init__(
            LOG,
            tables,
            {
                Studio.Opened.TOPIC: self._studio_opened,
                RoomSlot.Opened.TOPIC: self._slot_opened,
                RoomSlot.Booked.TOPIC: self._booked,
                RoomSlot.Sponsored.TOPIC: self._sponsored,
                RoomSlot.Cancelled.TOPIC: self._cancelled,
            },
        )

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every studio and every booked slot, with
        its place given in the audited log's numbering."""
        place: PositionMap = positions.get(LOG, unmoved)
        view: dict[str, object] = {}
        after: int | None = None
        while True:
            studios = self.tables.studios(generation, city=None, after=after, limit=EXPORT_PAGE)
            for row in studios:
                view[f"studio:{row.studio_id}"] = attrs.evolve(row, order=place(row.order))
            if len(studios) < EXPORT_PAGE:
                break
            after = studios[-1].order
        following: tuple[int, int] | None = None
        while True:
            slots = self.tables.bookings(
                generation, starting_from=None, after=following, limit=EXPORT_PAGE
            )
            for slot in slots:
                booked = place(slot.booked) if slot.booked is not None else None
                view[f"booking:{slot.slot_id}"] = attrs.evolve(slot, booked=booked)
            if len(slots) < EXPORT_PAGE:
                break
            following = _booking_key(slots[-1])
        return view

    # Handlers ------------------------------------------------------------------------------

    def _studio_opened(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.open_studio(
            batch,
            StudioRow(
                studio_id=event.originator_id,
                order=position,
                city=event.city,
                name=event.name,
                rooms=tuple(event.rooms),
                opens_hour=int(event.opens_hour),
                closes_hour=int(event.closes_hour),
                utc_offset_minutes=int(event.utc_offset_minutes),
                slot_minutes=int(event.slot_minutes),
                price=event.price,
            ),
        )

    def _slot_opened(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.open_slot(
            batch,
            SlotRow(
                slot_id=event.originator_id,
                studio_id=event.studio_id,
                room=event.room,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
            ),
        )

    def _booked(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.book(
            batch,
            event.originator_id,
            creator=event.creator,
            # A sponsor named at booking time is known by paying in the creator's stead.
            sponsor=event.paid_by if event.paid_by != event.creator else None,
            price=event.price,
            position=position,
        )

    def _sponsored(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.sponsor(batch, event.originator_id, event.brand)

    def _cancelled(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.cancel(batch, event.originator_id)


#: Rows read at a time by the audit's export.
EXPORT_PAGE = 1_000


def _booking_key(row: SlotRow) -> tuple[int, int]:
    if row.booked is None:
        raise ValueError("a slot not booked is in nobody's bookings")
    return micros(row.starts_at), row.booked


def _grid(studio: StudioRow, start: datetime, end: datetime) -> Iterator[tuple[datetime, int]]:
    """The studio's slots (start, room number) starting from ``start`` up to ``end``, in order
    of start then room."""
    zone = timezone(timedelta(minutes=studio.utc_offset_minutes))
    day = start.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(minutes=studio.slot_minutes)
    while day < end:
        at = day + timedelta(hours=studio.opens_hour)
        closes = day + timedelta(hours=studio.closes_hour)
        while at + step <= closes:
            if start <= at < end:
                for room in range(len(studio.rooms)):
                    yield at.astimezone(UTC), room
            at += step
        day += timedelta(days=1)  # a fixed UTC offset: every day is 24 hours


class StudioLists(PersistedLists[StudioListsTables]):
    """The lists: studios, a studio's free slots, and one's bookings."""

    def __init__(
        self, runner: ProjectionRunner, projection: StudioListsProjection, *, clock: Clock
    ) -> None:
        super().__init__(runner, projection)
        self.clock = clock

    def studios(
        self, *, city: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[StudioRow]:
        """The studios (those in ``city`` if named, whatever its case), in the order they
        were opened (public)."""
        return self._position_page(
            STUDIOS, cursor, limit, partial(self.tables.studios, city=city), lambda row: row.order
        )

    def free_slots(
        self,
        studio_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        room: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[FreeSlot]:
        """The studio's slots nobody has booked, from ``start`` (none: now) up to ``end``
        (none: a week later; at most 31 days after ``start``), of one ``room`` if named, in
        order of start then of the rooms as the studio lists them (public). Slots that have
        started are not free."""
        rooms: dict[str, int] = {}

        def read(after: tuple[int, int] | None, ask: int) -> list[FreeSlot]:
            generation = self._generation()
            studio = self.tables.studio(generation, studio_id)
            if studio is None:
                raise NotFound("studio", str(studio_id))
            rooms.update((name, number) for number, name in enumerate(studio.rooms))
            return self._free(generation, studio, start, end, room, after, ask)

        return keyset_page(
            FREE_SLOTS,
            cursor,
            limit,
            after=_start_and_order,
            read=read,
            key=lambda slot: (micros(slot.starts_at), rooms[slot.room]),
        )

    def _free(
        self,
        generation: int,
        studio: StudioRow,
        start: datetime | None,
        end: datetime | None,
        room: str | None,
        after: tuple[int, int] | None,
        ask: int,
    ) -> list[FreeSlot]:
        """At most ``ask`` of the studio's free slots after the (start, room number)
        ``after``, in order."""
        now = self.clock.now()
        start = now if start is None else _aware(start, "start")
        end = start + DEFAULT_WINDOW if end is None else _aware(end, "end")
        if not start < end <= start + MAX_WINDOW:
            raise InvalidValue(
                f"a free-slots read spans more than nothing and at most {MAX_WINDOW.days} days "
                "(end after start)"
            )
        if room is not None and room not in studio.rooms:
            raise InvalidValue(f"studio {studio.name!r} has no room {room!r}")
        found: list[FreeSlot] = []
        booked: set[tuple[int, str]] = set()
        checked_to = -1
        day = timedelta(days=1)
        for at, number in _grid(studio, max(start, now), end):
            begins = micros(at)
            if at <= now or (after is not None and (begins, number) <= after):
                continue
            if room is not None and studio.rooms[number] != room:
                continue
            if begins >= checked_to:
                checked_to = micros(min(at + day, end))
                booked = self.tables.booked_between(
                    generation, studio.studio_id, begins, checked_to
                )
            if (begins, studio.rooms[number]) in booked:
                continue
            found.append(
                FreeSlot(
                    studio_id=studio.studio_id,
                    room=studio.rooms[number],
                    starts_at=at,
                    ends_at=at + timedelta(minutes=studio.slot_minutes),
                )
            )
            if len(found) >= ask:
                break
        return found

    def bookings(
        self,
        actor: Principal,
        *,
        creator: str | None = None,
        brand: str | None = None,
        starting_from: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[SlotRow]:
        """Booked slots in order of their start: a creator's own, or those a brand sponsors
        (none named: the actor's own, as a creator or as a brand; an admin or auditor names
        one); only those starting at ``starting_from`` or later if it is given."""
        creator, brand = _whose_bookings(actor, creator, brand)
        return keyset_page(
            BOOKINGS,
            cursor,
            limit,
            after=_start_and_order,
            read=lambda after, ask: self.tables.bookings(
                self._generation(),
                creator=creator,
                sponsor=brand,
                starting_from=None
                if starting_from is None
                else micros(_aware(starting_from, "starting_from")),
                after=after,
                limit=ask,
            ),
            key=_booking_key,
        )


def _start_and_order(key: Key) -> tuple[int, int]:
    return int_at(key, 0), int_at(key, 1)


#: The times a read may name: far enough from the calendar's ends that a window of
#: ``MAX_WINDOW`` and a studio's day around it are dates.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None:
        raise InvalidValue(f"{what} names its UTC offset (e.g. 2026-03-01T10:00:00Z)")
    try:
        utc = at.astimezone(UTC)
    except OverflowError:
        utc = LATEST
    if not EARLIEST <= utc < LATEST:
        raise InvalidValue(f"{what} lies from {EARLIEST:%Y} to before {LATEST:%Y}")
    return utc


def _whose_bookings(
    actor: Principal, creator: str | None, brand: str | None
) -> tuple[str | None, str | None]:
    if creator is not None and brand is not None:
        raise InvalidValue("name a creator or a brand, not both")
    if creator is None and brand is None:
        if actor.role is Role.CREATOR:
            return actor.subject, None
        if actor.role is Role.BRAND:
            return None, actor.subject
        raise NotPermitted(
            f"only a creator or a brand has bookings to list; you act as {actor.role.value}"
        )
    if actor.role in (Role.ADMIN, Role.AUDITOR):
        return creator, brand
    if creator is not None and owns(actor, Role.CREATOR, creator):
        return creator, None
    if brand is not None and owns(actor, Role.BRAND, brand):
        return None, brand
    raise NotPermitted("bookings are listed by their creator, their sponsor, admins and auditors")
