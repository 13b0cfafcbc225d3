"""Live-stream studios: rooms in cities, bookable by the slot.

No room is booked twice for one slot and no creator is in two rooms at once, even when
requests race: a room's slot (``RoomSlot``, id ``uuid5(studio, room, start)``) and a
creator's hour (``CreatorQuarter``, id ``uuid5(creator, start)``) are aggregates of their own,
changed together in one transaction, so the store's version check refuses the loser. A
booking holds every quarter of an hour it covers (``quarters``), so bookings of different
lengths in different studios cannot overlap for one creator either. Both kinds are reused
when a booking is cancelled and the time is booked again.

Slots are ``slot_minutes`` long, start on the studio's grid from its opening hour (studio
local time, a fixed UTC offset), and must end by its closing hour. A booking can be cancelled
until ``CANCEL_NOTICE`` before it starts. A brand may sponsor a booking: a sponsored slot
costs the creator nothing (the brand pays its price).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.text import checked_free_text, checked_line
from domain.time import checked_instant

CANCEL_NOTICE = timedelta(hours=24)
MAX_ROOMS = 50
_SLOTS = uuid5(NAMESPACE_URL, "urn:spotlight:room-slot")
_QUARTERS = uuid5(NAMESPACE_URL, "urn:spotlight:creator-quarter")
QUARTER = timedelta(minutes=15)


class SlotTaken(RuleViolated):
    """The room is booked for that slot."""


class CreatorBusy(RuleViolated):
    """The creator has another booking at that time."""


class OutsideOpeningHours(RuleViolated):
    """The slot is not on the studio's grid within its opening hours, or it is in the past."""


class TooLateToCancel(RuleViolated):
    """Bookings are cancelled at least CANCEL_NOTICE before they start."""


def _name(value: str, what: str, *, line: bool = True) -> str:
    stripped = (checked_line if line else checked_free_text)(value, what).strip()
    if not stripped or len(stripped) > 200:
        raise InvalidValue(f"{what} has 1 to 200 characters")
    return stripped


class Studio(DomainAggregate):
    TOPIC = "spotlight.studios:Studio"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.studios:StudioOpened"
        city: str
        name: str
        rooms: tuple[str, ...]
        opens_hour: int
        closes_hour: int
        utc_offset_minutes: int
        slot_minutes: int
        price: Money
        opened_by: str
        opened_at: datetime

    @classmethod
    def open(
        cls,
        studio_id: UUID,
        *,
        city: str,
        name: str,
        rooms: Iterable[str],
        opens_hour: int,
        closes_hour: int,
        utc_offset_minutes: int = 0,
        slot_minutes: int = 60,
        price: Money,
        by: str,
        at: datetime,
    ) -> Studio:
        named = tuple(dict.fromkeys(_name(r, "a room's name") for r in rooms))
        if not 1 <= len(named) <= MAX_ROOMS:
            raise InvalidValue(f"a studio has 1 to {MAX_ROOMS} rooms")
        if not 0 <= opens_hour < closes_hour <= 24:
            raise InvalidValue("a studio opens before it closes, within one day (hours 0-24)")
        if slot_minutes not in (15, 30, 60, 90, 120, 180, 240):
            raise InvalidValue("a slot lasts 15, 30, 60, 90, 120, 180 or 240 minutes")
        if not -14 * 60 <= utc_offset_minutes <= 14 * 60 or utc_offset_minutes % 15:
            # Quarter-hour offsets keep every studio's grid on the UTC quarters that a
            # creator's bookings are locked by.
            raise InvalidValue("a UTC offset is a whole number of quarter hours within +-14 h")
        if price.minor < 0:
            raise InvalidValue("a slot's price is not negative")
        price.require_within_bound("a slot's price")
        return cls(
            id=studio_id,
            city=_name(city, "a city"),
            name=_name(name, "a studio's name"),
            rooms=named,
            opens_hour=opens_hour,
            closes_hour=closes_hour,
            utc_offset_minutes=utc_offset_minutes,
            slot_minutes=slot_minutes,
            price=price,
            opened_by=by,
            opened_at=checked_instant(at),
        )

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        city: str,
        name: str,
        rooms: tuple[str, ...],
        opens_hour: int,
        closes_hour: int,
        utc_offset_minutes: int,
        slot_minutes: int,
        price: Money,
        opened_by: str,
        opened_at: datetime,
    ) -> None:
        self.city = city
        self.name = name
        self.rooms = tuple(rooms)
        self.opens_hour = opens_hour
        self.closes_hour = closes_hour
        self.utc_offset_minutes = utc_offset_minutes
        self.slot_minutes = slot_minutes
        self.price = price

    def slot_end(self, room: str, starts_at: datetime, *, now: datetime) -> datetime:
        """The end of a bookable slot, or why it is not one."""
        if room not in self.rooms:
            raise InvalidValue(f"studio {self.name!r} has no room {room!r}")
        start = checked_instant(starts_at)
        if start <= checked_instant(now):
            raise OutsideOpeningHours("the slot has started or is in the past")
        local = start.astimezone(timezone(timedelta(minutes=self.utc_offset_minutes)))
        minutes = local.hour * 60 + local.minute
        opens, closes = self.opens_hour * 60, self.closes_hour * 60
        on_grid = local.second == 0 and local.microsecond == 0
        on_grid = on_grid and (minutes - opens) % self.slot_minutes == 0
        if not (on_grid and opens <= minutes and minutes + self.slot_minutes <= closes):
            raise OutsideOpeningHours(
                f"slots of {self.slot_minutes} minutes start on the hour grid from "
                f"{self.opens_hour}:00 and end by {self.closes_hour}:00 (studio time)"
            )
        return start + timedelta(minutes=self.slot_minutes)


class RoomSlot(DomainAggregate):
    TOPIC = "spotlight.studios:RoomSlot"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.studios:RoomSlotOpened"
        studio_id: UUID
        room: str
        starts_at: datetime
        ends_at: datetime

    class Booked(Aggregate.Event):
        TOPIC = "spotlight.studios:SlotBooked"
        creator: str
        price: Money
        paid_by: str  # the creator, or the sponsoring brand
        booked_at: datetime

    class Cancelled(Aggregate.Event):
        TOPIC = "spotlight.studios:BookingCancelled"
        cancelled_by: str
        reason: str
        cancelled_at: datetime

    class Sponsored(Aggregate.Event):
        TOPIC = "spotlight.studios:BookingSponsored"
        brand: str
        sponsored_at: datetime

    class SamplesShipped(Aggregate.Event):
        TOPIC = "spotlight.studios:SamplesShippedToStudio"
        listing_id: UUID
        quantity: int
        shipped_by: str
        shipped_at: datetime

    @staticmethod
    def id_for(studio_id: UUID, room: str, starts_at: datetime) -> UUID:
        return uuid5(_SLOTS, f"{studio_id}/{room}/{starts_at.astimezone(UTC).isoformat()}")

    @classmethod
    def open(cls, studio: Studio, room: str, starts_at: datetime, *, now: datetime) -> RoomSlot:
        ends_at = studio.slot_end(room, starts_at, now=now)
        return cls(
            id=cls.id_for(studio.id, room, starts_at),
            studio_id=studio.id,
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
        )

    @event(Opened)
    def __init__(
        self, id: UUID, studio_id: UUID, room: str, starts_at: datetime, ends_at: datetime
    ) -> None:
        self.studio_id = studio_id
        self.room = room
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.creator: str | None = None
        self.paid_by = ""
        # The sponsoring brand's account, kept apart from ``paid_by``: a brand may share its
        # account name with the creator, and is still not the creator.
        self.sponsored_by: str | None = None
        self.price: Money | None = None
        self.samples: list[tuple[UUID, int]] = []

    @property
    def booked(self) -> bool:
        return self.creator is not None

    def book(self, creator: str, *, price: Money, sponsor: str | None, now: datetime) -> None:
        if self.booked:
            raise SlotTaken(f"room {self.room!r} is booked at {self.starts_at.isoformat()}")
        if self.starts_at <= checked_instant(now):
            raise OutsideOpeningHours("the slot has started or is in the past")
        self._booked(creator=creator, price=price, paid_by=sponsor or creator, booked_at=now)

    @event(Booked)
    def _booked(self, creator: str, price: Money, paid_by: str, booked_at: datetime) -> None:
        self.creator = creator
        self.price = price
        self.paid_by = paid_by
        # A sponsor named at booking time is only known by differing from the creator.
        self.sponsored_by = paid_by if paid_by != creator else None
        self.samples = []

    def cancel(self, *, by: str, reason: str, now: datetime) -> str:
        """Cancel the booking; answers the creator whose hour is released."""
        creator = self._require_booked()
        if self.starts_at - checked_instant(now) < CANCEL_NOTICE:
            raise TooLateToCancel(
                f"bookings are cancelled at least {CANCEL_NOTICE} before they start"
            )
        self._cancelled(
            cancelled_by=by, reason=_name(reason, "a reason", line=False), cancelled_at=now
        )
        return creator

    @event(Cancelled)
    def _cancelled(self, cancelled_by: str, reason: str, cancelled_at: datetime) -> None:
        self.creator = None
        self.price = None
        self.paid_by = ""
        self.sponsored_by = None

    def sponsor(self, brand: str, *, now: datetime) -> None:
        self._require_booked()
        if self.sponsored_by is not None:
            raise RuleViolated(f"the booking is already sponsored by {self.sponsored_by}")
        self._sponsored(brand=brand, sponsored_at=checked_instant(now))

    @event(Sponsored)
    def _sponsored(self, brand: str, sponsored_at: datetime) -> None:
        self.paid_by = brand
        self.sponsored_by = brand

    def ship_samples(self, listing_id: UUID, quantity: int, *, by: str, at: datetime) -> None:
        self._require_booked()
        if isinstance(quantity, bool) or quantity < 1:
            raise InvalidValue("a shipment holds at least one sample")
        self._samples_shipped(
            listing_id=listing_id, quantity=quantity, shipped_by=by, shipped_at=checked_instant(at)
        )

    @event(SamplesShipped)
    def _samples_shipped(
        self, listing_id: UUID, quantity: int, shipped_by: str, shipped_at: datetime
    ) -> None:
        self.samples.append((listing_id, quantity))

    def _require_booked(self) -> str:
        if self.creator is None:
            raise RuleViolated("the slot is not booked")
        return self.creator


class CreatorQuarter(DomainAggregate):
    """Which booking holds a creator during one quarter of an hour: one at a time."""

    TOPIC = "spotlight.studios:CreatorQuarter"

    class Opened(Aggregate.Created):
        TOPIC = "spotlight.studios:CreatorQuarterOpened"
        creator: str
        starts_at: datetime

    class Held(Aggregate.Event):
        TOPIC = "spotlight.studios:CreatorQuarterHeld"
        slot_id: UUID

    class Released(Aggregate.Event):
        TOPIC = "spotlight.studios:CreatorQuarterReleased"
        slot_id: UUID

    @staticmethod
    def id_for(creator: str, starts_at: datetime) -> UUID:
        return uuid5(_QUARTERS, f"{creator}/{starts_at.astimezone(UTC).isoformat()}")

    @classmethod
    def open(cls, creator: str, starts_at: datetime) -> CreatorQuarter:
        return cls(id=cls.id_for(creator, starts_at), creator=creator, starts_at=starts_at)

    @event(Opened)
    def __init__(self, id: UUID, creator: str, starts_at: datetime) -> None:
        self.creator = creator
        self.starts_at = starts_at
        self.slot_id: UUID | None = None

    def hold(self, slot_id: UUID) -> None:
        if self.slot_id is not None:
            raise CreatorBusy(f"{self.creator} has another booking at {self.starts_at.isoformat()}")
        self._held(slot_id=slot_id)

    @event(Held)
    def _held(self, slot_id: UUID) -> None:
        self.slot_id = slot_id

    def release(self) -> None:
        if self.slot_id is None:
            raise RuleViolated("the creator holds no booking at that time")
        self._released(slot_id=self.slot_id)

    @event(Released)
    def _released(self, slot_id: UUID) -> None:
        self.slot_id = None


def quarters(starts_at: datetime, ends_at: datetime) -> list[datetime]:
    """The starts of the quarters of an hour from ``starts_at`` up to ``ends_at``."""
    found = []
    at = starts_at
    while at < ends_at:
        found.append(at)
        at += QUARTER
    return found
