"""Studios by city, a studio's free slots and the bookings of a creator or a brand, read a
page at a time from their persisted read model through the Python API: free slots are the
studio's grid less what is booked (a cancelled booking frees its slot again), every one of
them can be booked, and bookings follow their creator and sponsor; a restarted core and a
rebuild from zero answer the same.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from application.auth import Principal, Role
from application.business.studio_bookings import StudioView
from application.business.studio_lists import NAME
from application.errors import NotPermitted
from domain.errors import InvalidValue
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page

MONDAY = datetime(2025, 3, 3, tzinfo=UTC)  # the clock stands at Saturday 1 March, 20:00 UTC
OPS = Principal(Role.ADMIN, "ops")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
FIZZ = Principal(Role.BRAND, "fizz")
VIC = Principal(Role.VIEWER, "vic")
AUDITOR = Principal(Role.AUDITOR, "audrey")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "studio_lists")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def open_studio(core: Spotlight, city: str, name: str) -> StudioView:
    """Rooms A and B, 9:00 to 21:00 studio time (UTC+1), hour-long slots."""
    return core.studios.open_studio(
        OPS,
        city=city,
        name=name,
        rooms=["A", "B"],
        opens_hour=9,
        closes_hour=21,
        utc_offset_minutes=60,
        price=Money(150_00, "EUR"),
    )


def utc(hour: int, day: datetime = MONDAY) -> datetime:
    return day.replace(hour=hour)


def test_the_free_slots_are_the_grid_less_the_bookings_in_order(deployment: Deployment) -> None:
    core = deployment.start()
    loft = open_studio(core, "Paris", "Live Loft")
    core.studios.book(MIA, loft.id, room="A", starts_at=utc(9))
    leo = core.studios.book(LEO, loft.id, room="B", starts_at=utc(9))
    core.studios.book(MIA, loft.id, room="A", starts_at=utc(15))
    # 9:00 to 21:00 studio time is 8:00 to 20:00 UTC: twelve slots in each of two rooms.
    grid = [(utc(hour), room) for hour in range(8, 20) for room in ("A", "B")]
    window = partial(core.studio_lists.free_slots, loft.id, start=MONDAY, end=utc(0) + timedelta(1))

    for limit in (1, 5, 50):
        free = [(slot.starts_at, slot.room) for slot in every_page(partial(window, limit=limit))]
        assert free == [
            slot for slot in grid if slot not in {(utc(9), "A"), (utc(9), "B"), (utc(15), "A")}
        ]

    core.studios.cancel(LEO, leo.slot_id, reason="ill")
    free_b = every_page(partial(window, room="B", limit=4))
    assert [slot.starts_at for slot in free_b] == [utc(hour) for hour in range(8, 20)]
    # Whatever the list calls free can be booked.
    last = free_b[-1]
    booked = core.studios.book(LEO, loft.id, room=last.room, starts_at=last.starts_at)
    assert booked.ends_at == last.ends_at == utc(20)


def test_free_slots_start_after_now_and_span_a_bounded_window(deployment: Deployment) -> None:
    core = deployment.start()
    loft = open_studio(core, "Paris", "Live Loft")
    now = core.clock.now()

    week = every_page(partial(core.studio_lists.free_slots, loft.id, limit=100))
    assert week
    assert all(now < slot.starts_at < now + timedelta(days=7) for slot in week)
    # Saturday 21:00 studio time: closed. Sunday to the next Saturday, whose last slot ends
    # at 21:00 studio time, the end of the week.
    assert len(week) == 7 * 12 * 2
    with pytest.raises(InvalidValue, match="31 days"):
        core.studio_lists.free_slots(loft.id, start=MONDAY, end=MONDAY + timedelta(days=32))
    with pytest.raises(InvalidValue, match="UTC offset"):
        core.studio_lists.free_slots(loft.id, start=MONDAY.replace(tzinfo=None))
    with pytest.raises(InvalidValue, match="no room"):
        core.studio_lists.free_slots(loft.id, room="Z")
    # The calendar's ends are refused, not overflowed.
    for edge in (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)):
        with pytest.raises(InvalidValue, match="lies from"):
            core.studio_lists.free_slots(loft.id, start=edge)
        with pytest.raises(InvalidValue, match="lies from"):
            core.studio_lists.bookings(MIA, starting_from=edge)


def test_bookings_follow_their_creator_and_sponsor(deployment: Deployment) -> None:
    core = deployment.start()
    loft = open_studio(core, "Paris", "Live Loft")
    dock = open_studio(core, "Berlin", "Dock")
    later = core.studios.book(MIA, loft.id, room="A", starts_at=utc(15))
    sooner = core.studios.book(MIA, dock.id, room="B", starts_at=utc(10))
    leo = core.studios.book(LEO, loft.id, room="A", starts_at=utc(10))
    core.studios.sponsor(FIZZ, later.slot_id)

    for limit in (1, 2):
        mine = every_page(partial(core.studio_lists.bookings, MIA, limit=limit))
        assert [row.slot_id for row in mine] == [sooner.slot_id, later.slot_id]
    sponsored = every_page(partial(core.studio_lists.bookings, FIZZ))
    assert [(row.slot_id, row.creator, row.sponsor) for row in sponsored] == [
        (later.slot_id, "mia", "fizz")
    ]
    from_noon = core.studio_lists.bookings(MIA, starting_from=utc(12))
    assert [row.slot_id for row in from_noon.items] == [later.slot_id]

    core.studios.cancel(MIA, later.slot_id, reason="moved")
    assert core.studio_lists.bookings(FIZZ).items == ()
    assert [row.slot_id for row in core.studio_lists.bookings(AUDITOR, creator="leo").items] == [
        leo.slot_id
    ]
    with pytest.raises(NotPermitted):
        core.studio_lists.bookings(LEO, creator="mia")
    with pytest.raises(NotPermitted):
        core.studio_lists.bookings(VIC)
    with pytest.raises(NotPermitted):
        core.studio_lists.bookings(OPS)  # an admin names whose


def test_studios_are_listed_by_city_whatever_its_case(deployment: Deployment) -> None:
    core = deployment.start()
    opened = [
        open_studio(core, city, f"{city} {n}") for n in range(3) for city in ("Paris", "Berlin")
    ]

    every = every_page(partial(core.studio_lists.studios, limit=4))
    assert [row.studio_id for row in every] == [studio.id for studio in opened]
    paris = every_page(partial(core.studio_lists.studios, city="PARIS", limit=2))
    assert [row.name for row in paris] == ["Paris 0", "Paris 1", "Paris 2"]
    assert paris[0].rooms == ("A", "B")
    assert paris[0].price == Money(150_00, "EUR")


def test_a_restarted_core_and_a_rebuild_answer_the_same(deployment: Deployment) -> None:
    core = deployment.start()
    loft = open_studio(core, "Paris", "Live Loft")
    booked = core.studios.book(MIA, loft.id, room="A", starts_at=utc(15))
    core.studios.sponsor(FIZZ, booked.slot_id)
    core.studio_lists.catch_up()
    view = core.read_models[NAME].export({})
    assert set(view) == {f"studio:{loft.id}", f"booking:{booked.slot_id}"}

    restarted = deployment.fresh_start()
    assert restarted.read_models[NAME].export({}) == view
    restarted.projections.rebuild(NAME)
    assert restarted.read_models[NAME].export({}) == view
