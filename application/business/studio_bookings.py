"""Live-stream studios: opening studios, booking, cancelling and sponsoring slots, and the
samples sellers ship to a booking.

A booking saves the room's slot and every quarter of an hour it holds for the creator in one
transaction: two requests for one slot, or for one creator at one time, cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from application.auth import Principal, Role, acting_for, owns, require_role
from application.errors import NotPermitted, StaleVersion
from application.logs import RevenueLog
from application.ports import Clock, IdentityProvider
from domain.business.studios import CreatorQuarter, RoomSlot, SlotTaken, Studio, quarters
from domain.money import Money
from domain.shop.listings import Listing


@attrs.frozen
class StudioView:
    id: UUID
    city: str
    name: str
    rooms: tuple[str, ...]
    opens_hour: int
    closes_hour: int
    utc_offset_minutes: int
    slot_minutes: int
    price: Money

    @classmethod
    def of(cls, studio: Studio) -> StudioView:
        return cls(
            id=studio.id,
            city=studio.city,
            name=studio.name,
            rooms=studio.rooms,
            opens_hour=studio.opens_hour,
            closes_hour=studio.closes_hour,
            utc_offset_minutes=studio.utc_offset_minutes,
            slot_minutes=studio.slot_minutes,
            price=studio.price,
        )


@attrs.frozen
class BookingView:
    slot_id: UUID
    studio_id: UUID
    room: str
    starts_at: datetime
    ends_at: datetime
    creator: str | None
    price: Money | None
    paid_by: str
    samples: tuple[tuple[UUID, int], ...]

    @classmethod
    def of(cls, slot: RoomSlot) -> BookingView:
        return cls(
            slot_id=slot.id,
            studio_id=slot.studio_id,
            room=slot.room,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            creator=slot.creator,
            price=slot.price,
            paid_by=slot.paid_by,
            samples=tuple(slot.samples),
        )


class StudioBookings:
    def __init__(self, revenue: RevenueLog, *, clock: Clock, identities: IdentityProvider) -> None:
        self._revenue = revenue
        self.clock = clock
        self.identities = identities

    def open_studio(
        self,
        actor: Principal,
        *,
        city: str,
        name: str,
        rooms: Sequence[str],
        opens_hour: int,
        closes_hour: int,
        price: Money,
        utc_offset_minutes: int = 0,
        slot_minutes: int = 60,
    ) -> StudioView:
        """An admin opens a studio in a city: its rooms, opening hours, slot length and price."""
        require_role(actor, Role.ADMIN, doing="open a studio")
        studio = Studio.open(
            self.identities.new_id(),
            city=city,
            name=name,
            rooms=rooms,
            opens_hour=opens_hour,
            closes_hour=closes_hour,
            utc_offset_minutes=utc_offset_minutes,
            slot_minutes=slot_minutes,
            price=price,
            by=actor.label,
            at=self.clock.now(),
        )
        self._revenue.commit(studio)
        return StudioView.of(studio)

    def studio(self, studio_id: UUID) -> StudioView:
        """A studio as a view (anyone may read it); an unknown studio is ``NotFound``."""
        return StudioView.of(self._revenue.load(Studio, studio_id))

    def book(
        self,
        actor: Principal,
        studio_id: UUID,
        *,
        room: str,
        starts_at: datetime,
        sponsor: str | None = None,
        creator: str | None = None,
    ) -> BookingView:
        """A creator books a room slot for themself (an admin for a named creator, and only an
        admin records a sponsor at booking time: ``NotPermitted``). A room or creator booked at
        that time by someone else at the same moment is ``SlotTaken``."""
        account = acting_for(actor, creator, Role.CREATOR, doing="book a studio slot")
        if sponsor is not None and actor.role is not Role.ADMIN:
            # A brand agrees to pay by sponsoring the booking itself; only an admin records
            # a sponsorship agreed elsewhere at booking time.
            raise NotPermitted("a brand sponsors a booking itself, after it is made")
        studio = self._revenue.load(Studio, studio_id)
        now = self.clock.now()
        slot = self._revenue.find(
            RoomSlot, RoomSlot.id_for(studio.id, room, starts_at)
        ) or RoomSlot.open(studio, room, starts_at, now=now)
        slot.book(
            account,
            price=studio.price,
            sponsor=sponsor,
            now=now,
        )
        held: list[Aggregate] = []
        for quarter in quarters(slot.starts_at, slot.ends_at):
            hour = self._revenue.find(
                CreatorQuarter, CreatorQuarter.id_for(account, quarter)
            ) or CreatorQuarter.open(account, quarter)
            hour.hold(slot.id)
            held.append(hour)
        try:
            self._revenue.commit(slot, *held)
        except StaleVersion:
            raise SlotTaken(
                f"room {room!r} at {starts_at.isoformat()}, or {account} at that time, was "
                "booked by someone else at the same moment"
            ) from None
        return BookingView.of(slot)

    def cancel(self, actor: Principal, slot_id: UUID, *, reason: str) -> BookingView:
        """A creator cancels one of their own bookings with a reason (an admin any booking), and
        the creator's time is released; another's booking is ``NotPermitted``."""
        slot = self._revenue.load(RoomSlot, slot_id)
        if actor.role is not Role.ADMIN:
            require_role(actor, Role.CREATOR, doing="cancel a booking")
            if not owns(actor, Role.CREATOR, slot.creator):
                raise NotPermitted("a creator cancels only their own bookings")
        account = slot.cancel(by=actor.label, reason=reason, now=self.clock.now())
        released: list[Aggregate] = []
        for quarter in quarters(slot.starts_at, slot.ends_at):
            hour = self._revenue.load(CreatorQuarter, CreatorQuarter.id_for(account, quarter))
            hour.release()
            released.append(hour)
        self._revenue.commit(slot, *released)
        return BookingView.of(slot)

    def sponsor(self, actor: Principal, slot_id: UUID, *, brand: str | None = None) -> BookingView:
        """A brand pays for a booking: the creator pays nothing for it."""
        account = acting_for(actor, brand, Role.BRAND, doing="sponsor a booking")
        slot = self._revenue.load(RoomSlot, slot_id)
        slot.sponsor(account, now=self.clock.now())
        self._revenue.commit(slot)
        return BookingView.of(slot)

    def ship_samples(
        self, actor: Principal, slot_id: UUID, listing_id: UUID, quantity: int
    ) -> BookingView:
        """A seller records samples of a listing shipped to a booked slot."""
        require_role(actor, Role.SELLER, Role.ADMIN, doing="record samples shipped")
        listing = self._revenue.load(Listing, listing_id)
        if actor.role is Role.SELLER and not owns(actor, Role.SELLER, listing.seller):
            raise NotPermitted("a seller ships samples of their own listings")
        slot = self._revenue.load(RoomSlot, slot_id)
        slot.ship_samples(listing.id, quantity, by=actor.label, at=self.clock.now())
        self._revenue.commit(slot)
        return BookingView.of(slot)

    def booking(self, actor: Principal, slot_id: UUID) -> BookingView:
        """A booking names its creator and who pays: it is read by that creator, the brand
        sponsoring it, admins (who run the studios) and auditors; anyone else is refused."""
        slot = self._revenue.load(RoomSlot, slot_id)
        if actor.role not in (Role.ADMIN, Role.AUDITOR) and not (
            owns(actor, Role.CREATOR, slot.creator) or owns(actor, Role.BRAND, slot.sponsored_by)
        ):
            raise NotPermitted(
                "a booking is read by its creator, its sponsoring brand, admins and auditors"
            )
        return BookingView.of(slot)
