"""A studio's free slots are its grid less its bookings, whatever its hours, offset and slot
length, read at any page size: every slot listed is one the studio takes a booking for (the
domain's own rule, ``Studio.slot_end``), none is booked, none is missed, and they come in
order of start and then of room."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import cast
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from application.business.studio_lists import (
    StudioLists,
    StudioListsProjection,
    StudioListsTables,
    StudioRow,
    micros,
)
from application.projections import ProjectionRunner
from domain.business.studios import QUARTER, OutsideOpeningHours, Studio
from domain.money import Money
from tests.fakes import FixedClock
from tests.pages import every_page

NOW = datetime(2025, 3, 1, 20, 7, tzinfo=UTC)
PRICE = Money(100_00, "EUR")


class OneStudio:
    """The rows a free-slots read asks for: one studio and its booked slots."""

    def __init__(self, studio: Studio, booked: set[tuple[int, str]]) -> None:
        self.row = StudioRow(
            studio_id=studio.id,
            order=1,
            city=studio.city,
            name=studio.name,
            rooms=studio.rooms,
            opens_hour=studio.opens_hour,
            closes_hour=studio.closes_hour,
            utc_offset_minutes=studio.utc_offset_minutes,
            slot_minutes=studio.slot_minutes,
            price=studio.price,
        )
        self.booked = booked

    def studio(self, generation: int, studio_id: UUID) -> StudioRow | None:
        return self.row if studio_id == self.row.studio_id else None

    def booked_between(
        self, generation: int, studio_id: UUID, start: int, end: int
    ) -> set[tuple[int, str]]:
        return {(at, room) for at, room in self.booked if start <= at < end}


class FreshRunner:
    def fresh(self, name: str) -> int:
        return 1


def bookable(studio: Studio, start: datetime, end: datetime) -> Iterator[tuple[datetime, str]]:
    """Every (start, room) the studio takes a booking for in the window, found by asking the
    domain of every quarter hour."""
    at = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    while at < end:
        for room in studio.rooms:
            try:
                studio.slot_end(room, at, now=NOW)
            except OutsideOpeningHours:
                continue
            if at >= start:
                yield at, room
        at += QUARTER


@settings(max_examples=60, deadline=None)
@given(
    offset=st.integers(-14 * 4, 14 * 4).map(lambda quarters: quarters * 15),
    slot_minutes=st.sampled_from([15, 30, 60, 90, 120, 180, 240]),
    hours=st.tuples(st.integers(0, 23), st.integers(1, 24)).filter(lambda h: h[0] < h[1]),
    rooms=st.integers(1, 3),
    start_hours=st.integers(-12, 60),
    window_hours=st.integers(1, 72),
    limit=st.integers(1, 40),
    data=st.data(),
)
def test_free_slots_are_the_grid_less_the_bookings_in_order(
    offset: int,
    slot_minutes: int,
    hours: tuple[int, int],
    rooms: int,
    start_hours: int,
    window_hours: int,
    limit: int,
    data: st.DataObject,
) -> None:
    studio = Studio.open(
        uuid4(),
        city="Paris",
        name="Live Loft",
        rooms=[f"R{n}" for n in range(rooms)],
        opens_hour=hours[0],
        closes_hour=hours[1],
        utc_offset_minutes=offset,
        slot_minutes=slot_minutes,
        price=PRICE,
        by="admin:ops",
        at=NOW,
    )
    start = NOW + timedelta(hours=start_hours)
    end = start + timedelta(hours=window_hours)
    grid = list(bookable(studio, start, end))
    booked = set(data.draw(st.lists(st.sampled_from(grid), max_size=10))) if grid else set()
    tables = OneStudio(studio, {(micros(at), room) for at, room in booked})
    lists = StudioLists(
        cast(ProjectionRunner, FreshRunner()),
        StudioListsProjection(cast(StudioListsTables, tables)),
        clock=FixedClock(NOW),
    )

    free = every_page(partial(lists.free_slots, studio.id, start=start, end=end, limit=limit))

    expected = sorted(
        (slot for slot in grid if slot not in booked),
        key=lambda slot: (slot[0], studio.rooms.index(slot[1])),
    )
    assert [(slot.starts_at, slot.room) for slot in free] == expected
    for slot in free:
        assert slot.ends_at == studio.slot_end(slot.room, slot.starts_at, now=NOW)
