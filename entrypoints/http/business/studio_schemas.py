"""Bodies of the live-stream studios: opening a studio, booking, cancelling and sponsoring a
slot, and the samples a seller ships to a booking. Money travels as ``MoneyBody`` /
``MoneyOut``; requests derive from ``Strict`` (unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from application.business.studio_bookings import BookingView
from domain.business.studios import MAX_ROOMS
from entrypoints.http.revenue.revenue_schemas import MoneyBody, MoneyOut
from entrypoints.http.schemas import Account, Answer, IsoDateTime, Strict
from entrypoints.http.shop.shop_schemas import ShortReason, Title


class StudioOpening(Strict):
    city: Title = Field(examples=["Jakarta"])
    name: Title = Field(examples=["Kemang live rooms"])
    rooms: list[Title] = Field(min_length=1, max_length=MAX_ROOMS, examples=[["A", "B"]])
    opens_hour: StrictInt = Field(ge=0, le=24, examples=[9], description="Studio local time.")
    closes_hour: StrictInt = Field(ge=0, le=24, examples=[21], description="Studio local time.")
    utc_offset_minutes: StrictInt = Field(default=0, examples=[420])
    slot_minutes: StrictInt = Field(
        default=60, description="15, 30, 60, 90, 120, 180 or 240 minutes."
    )
    price: MoneyBody = Field(description="The price of one slot.")


class StudioOut(Answer):
    id: UUID
    city: str
    name: str
    rooms: list[str]
    opens_hour: int
    closes_hour: int
    utc_offset_minutes: int
    slot_minutes: int
    price: MoneyOut


class BookingRequest(Strict):
    room: Title = Field(examples=["A"])
    starts_at: IsoDateTime = Field(description="On the studio's slot grid, in the future.")
    sponsor: Account | None = Field(
        default=None,
        description="The brand paying for the slot (admins only: a brand sponsors by itself).",
    )
    creator: Account | None = Field(default=None, description="Only an admin names the creator.")


class Cancellation(Strict):
    reason: ShortReason = Field(examples=["Filming moved to next week"])


class Sponsorship(Strict):
    brand: Account | None = Field(default=None, description="Only an admin names the brand.")


class SamplesBody(Strict):
    listing_id: UUID
    quantity: StrictInt = Field(ge=1, le=10_000, examples=[3])


class SamplesOut(BaseModel):
    listing_id: UUID
    quantity: int


class BookingOut(BaseModel):
    slot_id: UUID
    studio_id: UUID
    room: str
    starts_at: datetime
    ends_at: datetime
    booked: bool
    creator: str | None
    price: MoneyOut | None = Field(description="What the payer pays for the slot.")
    paid_by: str = Field(description="The creator, or the sponsoring brand; empty when free.")
    samples: list[SamplesOut]

    @classmethod
    def of(cls, view: BookingView) -> BookingOut:
        return cls(
            slot_id=view.slot_id,
            studio_id=view.studio_id,
            room=view.room,
            starts_at=view.starts_at,
            ends_at=view.ends_at,
            booked=view.creator is not None,
            creator=view.creator,
            price=None if view.price is None else MoneyOut.model_validate(view.price),
            paid_by=view.paid_by,
            samples=[SamplesOut(listing_id=lid, quantity=q) for lid, q in view.samples],
        )
