"""Live-stream studios: opening studios, booking their rooms by the slot, cancelling and
sponsoring bookings, and the product samples sellers ship to a booking."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from entrypoints.http.business.studio_schemas import (
    BookingOut,
    BookingRequest,
    Cancellation,
    SamplesBody,
    Sponsorship,
    StudioOpening,
    StudioOut,
)
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import set_location

router = APIRouter(tags=["studios"])


@router.post("/v1/studios", status_code=status.HTTP_201_CREATED, response_model=StudioOut)
def open_studio(body: StudioOpening, core: Core, caller: Caller, response: Response) -> StudioOut:
    """An admin opens a studio in a city: its rooms, its opening hours (studio local time,
    a fixed `utc_offset_minutes`), the length of a slot and the price of one. Hours that do
    not make a day, an unusual slot length or a negative price are a 422."""
    view = core.studios.open_studio(
        caller,
        city=body.city,
        name=body.name,
        rooms=body.rooms,
        opens_hour=body.opens_hour,
        closes_hour=body.closes_hour,
        price=body.price.to_domain(),
        utc_offset_minutes=body.utc_offset_minutes,
        slot_minutes=body.slot_minutes,
    )
    set_location(response, "studios", view.id)
    return StudioOut.model_validate(view)


@router.get("/v1/studios/{studio_id}", response_model=StudioOut)
def get_studio(studio_id: UUID, core: Core) -> StudioOut:
    """A studio: its rooms, hours, slot length and price (public)."""
    return StudioOut.model_validate(core.studios.studio(studio_id))


@router.post(
    "/v1/studios/{studio_id}/bookings",
    status_code=status.HTTP_201_CREATED,
    response_model=BookingOut,
)
def book(
    studio_id: UUID, body: BookingRequest, core: Core, caller: Caller, response: Response
) -> BookingOut:
    """A creator books a room for one slot (an admin books for a named `creator`), maybe
    sponsored by a brand. The slot starts on the studio's grid from its opening hour, ends
    by its closing hour and lies in the future (409 `OutsideOpeningHours` otherwise); an
    unknown room is a 422. A room booked for the slot is a 409 `SlotTaken`; a creator
    with another booking at that time is a 409 `CreatorBusy`, whichever studio it is in."""
    view = core.studios.book(
        caller,
        studio_id,
        room=body.room,
        starts_at=body.starts_at,
        sponsor=body.sponsor,
        creator=body.creator,
    )
    set_location(response, "bookings", view.slot_id)
    return BookingOut.of(view)


@router.get("/v1/bookings/{slot_id}", response_model=BookingOut)
def get_booking(slot_id: UUID, core: Core, caller: Caller) -> BookingOut:
    """A room's slot: who booked it, who pays and what samples were shipped to it. Read by
    the booking's creator, the brand sponsoring it, admins and auditors (403 otherwise)."""
    return BookingOut.of(core.studios.booking(caller, slot_id))


@router.delete("/v1/bookings/{slot_id}", response_model=BookingOut)
def cancel(slot_id: UUID, body: Cancellation, core: Core, caller: Caller) -> BookingOut:
    """The creator who booked (or an admin) cancels, with a reason, at least 24 hours before
    the slot starts (409 `TooLateToCancel` after that). The room and the creator's time are
    free again."""
    return BookingOut.of(core.studios.cancel(caller, slot_id, reason=body.reason))


@router.post("/v1/bookings/{slot_id}/sponsorship", response_model=BookingOut)
def sponsor(
    slot_id: UUID, core: Core, caller: Caller, body: Sponsorship | None = None
) -> BookingOut:
    """A brand pays for a booking (an admin names the `brand`): the creator pays nothing
    for it. A booking is sponsored once (409 otherwise); a slot not booked is a 409."""
    brand = body.brand if body is not None else None
    return BookingOut.of(core.studios.sponsor(caller, slot_id, brand=brand))


@router.post("/v1/bookings/{slot_id}/samples", response_model=BookingOut)
def ship_samples(slot_id: UUID, body: SamplesBody, core: Core, caller: Caller) -> BookingOut:
    """A seller records samples of one of its listings shipped to a booked slot (an admin
    for any listing). A slot not booked is a 409."""
    return BookingOut.of(core.studios.ship_samples(caller, slot_id, body.listing_id, body.quantity))
