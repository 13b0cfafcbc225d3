"""Live-stream studios listed a page at a time: the studios, a studio's free slots, and the
bookings of a creator or of the brand sponsoring them (``entrypoints.http.paging``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from application.paging import Page
from entrypoints.http.business.studio_schemas import StudioOut
from entrypoints.http.paging import PageCursor, PageLimit, page_route
from entrypoints.http.revenue.revenue_schemas import MoneyOut
from entrypoints.http.schemas import Answer
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["studios"])


class ListedStudioOut(StudioOut):
    id: UUID = Field(validation_alias="studio_id")


class FreeSlotOut(Answer):
    studio_id: UUID
    room: str
    starts_at: datetime
    ends_at: datetime


class OwnBookingOut(Answer):
    slot_id: UUID
    studio_id: UUID
    room: str
    starts_at: datetime
    ends_at: datetime
    creator: str | None
    sponsor: str | None = Field(description="The brand paying for the slot, if one does.")
    price: MoneyOut | None = Field(description="What the payer pays for the slot.")


@page_route(router, "/v1/studios", ListedStudioOut)
def studios(
    core: Core,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    city: Annotated[
        str | None,
        Query(
            min_length=1, max_length=200, description="Only the studios in this city (any case)."
        ),
    ] = None,
) -> Page[Any]:
    """The live-stream studios, in the order they were opened (public)."""
    return core.studio_lists.studios(city=city, limit=limit, cursor=cursor)


@page_route(router, "/v1/studios/{studio_id}/free-slots", FreeSlotOut)
def free_slots(
    studio_id: UUID,
    core: Core,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    start: Annotated[
        AwareDatetime | None,
        Query(description="From this time, with its UTC offset (none: now)."),
    ] = None,
    end: Annotated[
        AwareDatetime | None,
        Query(description="Up to this time (none: a week after `start`; at most 31 days)."),
    ] = None,
    room: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Only this room's slots.")
    ] = None,
) -> Page[Any]:
    """A studio's slots nobody has booked, in order of their start and then of the rooms as
    the studio lists them (public). Book one with `POST /v1/studios/{studio_id}/bookings`.
    A stretch longer than 31 days, or an unknown room, is a 422."""
    return core.studio_lists.free_slots(
        studio_id, start=start, end=end, room=room, limit=limit, cursor=cursor
    )


@page_route(router, "/v1/me/bookings", OwnBookingOut)
def my_bookings(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    starting_from: Annotated[
        AwareDatetime | None,
        Query(description="Only the bookings starting at this time or later."),
    ] = None,
) -> Page[Any]:
    """A creator's own studio bookings, or the bookings a brand sponsors, in order of their
    start. A cancelled booking is no longer listed."""
    return core.studio_lists.bookings(
        caller, starting_from=starting_from, limit=limit, cursor=cursor
    )
