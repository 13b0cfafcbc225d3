"""Live-stream studios: slots on the studio's grid within its opening hours (studio time, a
fixed UTC offset), never booked twice, never two rooms at once for one creator (whatever the
slots' lengths), cancelled at least a day ahead, sponsored by brands, and samples shipped to
booked slots only."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.business.studio_bookings import StudioView
from application.errors import NotPermitted
from domain.business.studios import (
    CANCEL_NOTICE,
    QUARTER,
    CreatorBusy,
    CreatorQuarter,
    OutsideOpeningHours,
    RoomSlot,
    SlotTaken,
    Studio,
    TooLateToCancel,
    quarters,
)
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import OPENING_NIGHT, InterleavingClock, SequentialIdentities
from tests.photos import plain_photo

NOW = OPENING_NIGHT  # Saturday 1 March 2025, 20:00 UTC
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))
OPS = Principal(Role.ADMIN, "ops")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
FIZZ = Principal(Role.BRAND, "fizz")
ACME = Principal(Role.SELLER, "acme")
BOLT = Principal(Role.SELLER, "bolt")
SLOT_PRICE = Money(150_00, "EUR")


def at(hour: int, minute: int = 0, day: datetime = MONDAY) -> datetime:
    return day.replace(hour=hour, minute=minute)


def paris_studio(**changes: object) -> Studio:
    fields: dict[str, object] = {
        "city": "Paris",
        "name": "Live Loft",
        "rooms": ["A", "B", "A"],
        "opens_hour": 9,
        "closes_hour": 21,
        "utc_offset_minutes": 60,
        "slot_minutes": 60,
        "price": SLOT_PRICE,
        "by": "admin:ops",
        "at": NOW,
    }
    fields.update(changes)
    return Studio.open(uuid4(), **fields)  # type: ignore[arg-type]


# The studio, its grid and its hours ---------------------------------------------------------


def test_a_studio_has_rooms_hours_a_grid_and_a_price() -> None:
    studio = paris_studio()

    assert studio.rooms == ("A", "B")
    assert (studio.opens_hour, studio.closes_hour, studio.utc_offset_minutes) == (9, 21, 60)
    assert (studio.slot_minutes, studio.price) == (60, SLOT_PRICE)


@pytest.mark.parametrize(
    "changes",
    [
        {"rooms": []},
        {"rooms": [f"R{n}" for n in range(51)]},
        {"rooms": [" "]},
        {"opens_hour": 21, "closes_hour": 9},
        {"opens_hour": 9, "closes_hour": 9},
        {"opens_hour": -1},
        {"closes_hour": 25},
        {"slot_minutes": 45},
        {"slot_minutes": 0},
        {"utc_offset_minutes": 14 * 60 + 1},
        {"utc_offset_minutes": -14 * 60 - 1},
        {"price": Money(-1, "EUR")},
        {"city": ""},
        {"at": NOW.replace(tzinfo=None)},
    ],
)
def test_a_studio_is_opened_with_sensible_hours_and_rooms(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidValue):
        paris_studio(**changes)


@pytest.mark.parametrize("offset", [10, 7, -50, 5 * 60 + 44])
def test_a_studios_utc_offset_is_a_whole_number_of_quarter_hours(offset: int) -> None:
    with pytest.raises(InvalidValue, match="quarter"):
        paris_studio(utc_offset_minutes=offset)


@pytest.mark.parametrize("offset", [0, 5 * 60 + 30, 5 * 60 + 45, -(3 * 60 + 30), 12 * 60 + 45])
def test_real_world_offsets_open_a_studio(offset: int) -> None:
    assert paris_studio(utc_offset_minutes=offset).utc_offset_minutes == offset


@given(
    offset=st.integers(-14 * 4, 14 * 4).map(lambda quarters: quarters * 15),
    slot_minutes=st.sampled_from([15, 30, 60, 90, 120, 180, 240]),
    opens=st.integers(0, 20),
    start_minute=st.integers(0, 7 * 24 * 60 - 1),
)
def test_every_bookable_slot_starts_on_a_utc_quarter_hour(
    offset: int, slot_minutes: int, opens: int, start_minute: int
) -> None:
    """What keeps a creator out of two studios at once: bookings hold UTC quarter hours, so
    every slot of every studio must start on one (then overlapping slots share a quarter)."""
    studio = paris_studio(
        utc_offset_minutes=offset, slot_minutes=slot_minutes, opens_hour=opens, closes_hour=24
    )
    starts_at = MONDAY + timedelta(minutes=start_minute)
    try:
        ends_at = studio.slot_end("A", starts_at, now=NOW)
    except OutsideOpeningHours:
        return
    assert starts_at.minute % 15 == 0
    held = quarters(starts_at, ends_at)
    assert len(held) * QUARTER == ends_at - starts_at == timedelta(minutes=slot_minutes)


@given(
    first=st.tuples(st.integers(0, 200), st.sampled_from([1, 2, 4, 6, 8, 12, 16])),
    second=st.tuples(st.integers(0, 200), st.sampled_from([1, 2, 4, 6, 8, 12, 16])),
)
def test_two_slots_on_the_quarter_grid_overlap_exactly_when_they_share_a_quarter(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    (start_a, length_a), (start_b, length_b) = first, second
    a = (MONDAY + start_a * QUARTER, MONDAY + (start_a + length_a) * QUARTER)
    b = (MONDAY + start_b * QUARTER, MONDAY + (start_b + length_b) * QUARTER)

    overlap = a[0] < b[1] and b[0] < a[1]

    assert overlap is bool(set(quarters(*a)) & set(quarters(*b)))


def test_slots_start_on_the_grid_from_the_opening_hour_in_studio_time() -> None:
    studio = paris_studio()  # 9:00 to 21:00 in Paris (UTC+1), hour slots

    assert studio.slot_end("A", at(8), now=NOW) == at(9)  # 9:00 in Paris
    assert studio.slot_end("A", at(19), now=NOW) == at(20)  # 20:00-21:00 in Paris
    assert studio.slot_end("B", datetime(2025, 3, 3, 12, tzinfo=PARIS), now=NOW) == at(12)
    for refused in (at(7), at(20), at(9, 30), at(8).replace(second=1), at(23)):
        with pytest.raises(OutsideOpeningHours):
            studio.slot_end("A", refused, now=NOW)
    with pytest.raises(InvalidValue, match="no room"):
        studio.slot_end("C", at(9), now=NOW)


def test_a_grid_of_ninety_minutes_from_ten_in_the_morning() -> None:
    studio = paris_studio(opens_hour=10, closes_hour=16, slot_minutes=90, utc_offset_minutes=0)

    starts = [at(10), at(11, 30), at(13), at(14, 30)]
    assert [studio.slot_end("A", s, now=NOW) for s in starts] == [
        at(11, 30),
        at(13),
        at(14, 30),
        at(16),
    ]
    for refused in (at(11), at(12), at(16)):
        with pytest.raises(OutsideOpeningHours):
            studio.slot_end("A", refused, now=NOW)


def test_a_studio_ahead_of_utc_opens_on_the_previous_utc_day() -> None:
    tokyo = paris_studio(city="Tokyo", utc_offset_minutes=9 * 60, opens_hour=6, closes_hour=24)

    sunday = MONDAY - timedelta(days=1)
    assert tokyo.slot_end("A", at(21, day=sunday), now=NOW) == at(22, day=sunday)  # Mon 6:00
    assert tokyo.slot_end("A", at(14), now=NOW) == at(15)  # 23:00-24:00 in Tokyo
    for refused in (at(20, day=sunday), at(15)):  # 5:00 and midnight in Tokyo
        with pytest.raises(OutsideOpeningHours):
            tokyo.slot_end("A", refused, now=NOW)


def test_a_slot_in_the_past_or_starting_now_is_not_bookable() -> None:
    studio = paris_studio()
    for moment in (at(9), at(10)):
        with pytest.raises(OutsideOpeningHours, match="past"):
            studio.slot_end("A", moment, now=moment)
    with pytest.raises(OutsideOpeningHours, match="past"):
        studio.slot_end("A", at(9), now=at(9, 30))


def test_a_booking_holds_every_quarter_of_its_slot() -> None:
    assert quarters(at(10), at(11)) == [at(10), at(10, 15), at(10, 30), at(10, 45)]
    assert quarters(at(10), at(10, 15)) == [at(10)]
    assert quarters(at(10), at(10)) == []
    assert timedelta(minutes=15) == QUARTER


def test_a_slot_is_booked_once_until_cancelled() -> None:
    studio = paris_studio()
    slot = RoomSlot.open(studio, "A", at(9), now=NOW)
    assert slot.id == RoomSlot.id_for(studio.id, "A", datetime(2025, 3, 3, 10, tzinfo=PARIS))

    slot.book("mia", price=SLOT_PRICE, sponsor=None, now=NOW)
    assert (slot.creator, slot.price, slot.paid_by) == ("mia", SLOT_PRICE, "mia")
    with pytest.raises(SlotTaken):
        slot.book("leo", price=SLOT_PRICE, sponsor=None, now=NOW)

    assert slot.cancel(by="creator:mia", reason="ill", now=NOW) == "mia"
    assert (slot.creator, slot.price, slot.paid_by, slot.booked) == (None, None, "", False)
    with pytest.raises(RuleViolated, match="not booked"):
        slot.cancel(by="creator:mia", reason="again", now=NOW)
    slot.book("leo", price=SLOT_PRICE, sponsor=None, now=NOW)
    assert slot.creator == "leo"


def test_a_booking_is_cancelled_at_least_a_day_before_it_starts() -> None:
    slot = RoomSlot.open(paris_studio(), "A", at(9), now=NOW)
    slot.book("mia", price=SLOT_PRICE, sponsor=None, now=NOW)

    with pytest.raises(TooLateToCancel):
        slot.cancel(
            by="creator:mia", reason="ill", now=at(9) - CANCEL_NOTICE + timedelta(seconds=1)
        )
    assert slot.creator == "mia"
    slot.cancel(by="creator:mia", reason="ill", now=at(9) - CANCEL_NOTICE)
    assert slot.creator is None


def test_a_creator_holds_one_booking_per_quarter() -> None:
    quarter = CreatorQuarter.open("mia", at(10))
    assert quarter.id == CreatorQuarter.id_for("mia", datetime(2025, 3, 3, 11, tzinfo=PARIS))
    first, second = uuid4(), uuid4()

    quarter.hold(first)
    with pytest.raises(CreatorBusy):
        quarter.hold(second)
    quarter.release()
    with pytest.raises(RuleViolated):
        quarter.release()
    quarter.hold(second)
    assert quarter.slot_id == second


def test_samples_go_to_a_booked_slot_only() -> None:
    slot = RoomSlot.open(paris_studio(), "A", at(9), now=NOW)
    listing_id = uuid4()
    with pytest.raises(RuleViolated, match="not booked"):
        slot.ship_samples(listing_id, 2, by="seller:acme", at=NOW)

    slot.book("mia", price=SLOT_PRICE, sponsor=None, now=NOW)
    for quantity in (0, -1, True):
        with pytest.raises(InvalidValue):
            slot.ship_samples(listing_id, quantity, by="seller:acme", at=NOW)
    slot.ship_samples(listing_id, 2, by="seller:acme", at=NOW)
    assert slot.samples == [(listing_id, 2)]


# Through the service ------------------------------------------------------------------------


@pytest.fixture
def racing_clock() -> InterleavingClock:
    return InterleavingClock()


@pytest.fixture
def core(racing_clock: InterleavingClock) -> Iterator[Spotlight]:
    spotlight = bootstrap(
        Settings(
            store=parse_store("memory://"),
            data_dir=Path(tempfile.gettempdir()),
            secret=b"a-secret-only-the-studio-tests-know",
        ),
        clock=racing_clock,
        identities=SequentialIdentities(),
        engines=(),
    )
    yield spotlight
    spotlight.close()


def opened(
    core: Spotlight,
    *,
    city: str = "Paris",
    offset: int = 60,
    slot_minutes: int = 60,
    opens: int = 9,
    closes: int = 21,
) -> StudioView:
    return core.studios.open_studio(
        OPS,
        city=city,
        name=f"{city} live",
        rooms=["A", "B"],
        opens_hour=opens,
        closes_hour=closes,
        price=SLOT_PRICE,
        utc_offset_minutes=offset,
        slot_minutes=slot_minutes,
    )


def logged(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


def test_only_an_admin_opens_a_studio(core: Spotlight) -> None:
    for actor in (MIA, FIZZ, ACME):
        with pytest.raises(NotPermitted):
            core.studios.open_studio(
                actor, city="Paris", name="x", rooms=["A"], opens_hour=9, closes_hour=21,
                price=SLOT_PRICE,
            )  # fmt: skip
    studio = opened(core)
    assert core.studios.studio(studio.id) == studio


def test_a_creator_books_a_slot_within_opening_hours(core: Spotlight) -> None:
    studio = opened(core)

    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(8))

    assert (booking.creator, booking.starts_at, booking.ends_at) == ("mia", at(8), at(9))
    assert (booking.price, booking.paid_by, booking.samples) == (SLOT_PRICE, "mia", ())
    assert core.studios.booking(OPS, booking.slot_id) == booking
    for quarter in quarters(at(8), at(9)):
        hold = core._revenue.load(CreatorQuarter, CreatorQuarter.id_for("mia", quarter))
        assert hold.slot_id == booking.slot_id


def test_a_slot_off_the_grid_outside_hours_or_in_the_past_is_refused(
    core: Spotlight, racing_clock: InterleavingClock
) -> None:
    studio = opened(core)
    before = logged(core)
    for starts_at in (at(7), at(20), at(9, 30), NOW - timedelta(days=1), NOW):
        with pytest.raises(OutsideOpeningHours):
            core.studios.book(MIA, studio.id, room="A", starts_at=starts_at)
    with pytest.raises(InvalidValue):
        core.studios.book(MIA, studio.id, room="Z", starts_at=at(9))
    assert logged(core) == before

    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    core.studios.cancel(MIA, booking.slot_id, reason="changed plans")
    racing_clock.set(at(9, 1))  # the slot now lies in the past: nobody books it again
    with pytest.raises(OutsideOpeningHours, match="past"):
        core.studios.book(LEO, studio.id, room="A", starts_at=at(9))


def test_a_room_is_never_booked_twice_for_one_slot(core: Spotlight) -> None:
    studio = opened(core)
    core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    before = logged(core)

    with pytest.raises(SlotTaken):
        core.studios.book(LEO, studio.id, room="A", starts_at=at(9))
    with pytest.raises(SlotTaken):  # the same instant, written in Paris time
        core.studios.book(
            LEO, studio.id, room="A", starts_at=datetime(2025, 3, 3, 10, tzinfo=PARIS)
        )
    assert logged(core) == before
    assert core.studios.book(LEO, studio.id, room="B", starts_at=at(9)).creator == "leo"


def test_two_creators_racing_for_one_slot_get_one_booking(
    core: Spotlight, racing_clock: InterleavingClock
) -> None:
    studio = opened(core)
    racing_clock.before_next_reading(
        lambda: core.studios.book(LEO, studio.id, room="A", starts_at=at(9))
    )

    with pytest.raises(SlotTaken):
        core.studios.book(MIA, studio.id, room="A", starts_at=at(9))

    slot = core._revenue.load(RoomSlot, RoomSlot.id_for(studio.id, "A", at(9)))
    assert slot.creator == "leo"
    assert core._revenue.find(CreatorQuarter, CreatorQuarter.id_for("mia", at(9))) is None


def test_a_creator_is_never_in_two_rooms_at_once(core: Spotlight) -> None:
    studio = opened(core)
    core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    before = logged(core)

    with pytest.raises(CreatorBusy):
        core.studios.book(MIA, studio.id, room="B", starts_at=at(9))
    assert logged(core) == before
    slot = core._revenue.find(RoomSlot, RoomSlot.id_for(studio.id, "B", at(9)))
    assert slot is None
    # Back to back is fine.
    assert core.studios.book(MIA, studio.id, room="B", starts_at=at(10)).creator == "mia"


def test_bookings_of_different_lengths_in_two_studios_overlapping_by_a_quarter(
    core: Spotlight,
) -> None:
    paris = opened(core)  # hour slots, UTC+1
    kathmandu = opened(core, city="Kathmandu", offset=5 * 60 + 45, slot_minutes=30, opens=8)
    core.studios.book(MIA, paris.id, room="A", starts_at=at(9))  # 9:00-10:00 UTC
    overlapping = at(9, 45)  # 15:30 in Kathmandu: 9:45-10:15 UTC
    before = logged(core)

    with pytest.raises(CreatorBusy):
        core.studios.book(MIA, kathmandu.id, room="A", starts_at=overlapping)

    assert logged(core) == before
    assert core.studios.book(LEO, kathmandu.id, room="A", starts_at=overlapping).creator == "leo"
    later = core.studios.book(MIA, kathmandu.id, room="B", starts_at=at(10, 15))
    assert (later.starts_at, later.ends_at) == (at(10, 15), at(10, 45))


def test_a_creator_is_never_in_two_studios_at_once_on_quarter_hour_offsets(
    core: Spotlight,
) -> None:
    london = opened(core, city="London", offset=0)
    chatham = opened(core, city="Chatham", offset=12 * 60 + 45, opens=0, closes=24)
    core.studios.book(MIA, london.id, room="A", starts_at=at(9))  # 9:00-10:00 UTC

    with pytest.raises(CreatorBusy):  # 22:00 in Chatham is 9:15-10:15 UTC
        core.studios.book(MIA, chatham.id, room="A", starts_at=at(9, 15))
    with pytest.raises(CreatorBusy):  # 21:00 there: 8:15-9:15 UTC, a quarter in common
        core.studios.book(MIA, chatham.id, room="B", starts_at=at(8, 15))
    assert core.studios.book(MIA, chatham.id, room="A", starts_at=at(7, 15)).creator == "mia"


def test_a_booking_is_cancelled_a_day_ahead_and_frees_the_room_and_the_creator(
    core: Spotlight, racing_clock: InterleavingClock
) -> None:
    studio = opened(core)
    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    with pytest.raises(NotPermitted):
        core.studios.cancel(LEO, booking.slot_id, reason="not mine")
    with pytest.raises(NotPermitted):
        core.studios.cancel(FIZZ, booking.slot_id, reason="not mine")
    racing_clock.set(at(9) - CANCEL_NOTICE)

    cancelled = core.studios.cancel(MIA, booking.slot_id, reason="changed plans")

    assert (cancelled.creator, cancelled.price, cancelled.paid_by) == (None, None, "")
    for quarter in quarters(at(9), at(10)):
        hold = core._revenue.load(CreatorQuarter, CreatorQuarter.id_for("mia", quarter))
        assert hold.slot_id is None
    rebooked = core.studios.book(LEO, studio.id, room="A", starts_at=at(9))
    assert (rebooked.slot_id, rebooked.creator) == (booking.slot_id, "leo")
    assert core.studios.book(MIA, studio.id, room="B", starts_at=at(9)).creator == "mia"


def test_a_booking_is_not_cancelled_within_a_day_of_its_start(
    core: Spotlight, racing_clock: InterleavingClock
) -> None:
    studio = opened(core)
    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    racing_clock.set(at(9) - CANCEL_NOTICE + timedelta(seconds=1))
    before = logged(core)

    for actor in (MIA, OPS):
        with pytest.raises(TooLateToCancel):
            core.studios.cancel(actor, booking.slot_id, reason="changed plans")

    assert logged(core) == before
    assert core.studios.booking(OPS, booking.slot_id).creator == "mia"


def test_an_admin_cancels_any_booking_in_time(core: Spotlight) -> None:
    studio = opened(core)
    booking = core.studios.book(OPS, studio.id, room="A", starts_at=at(9), creator="mia")
    assert booking.creator == "mia"
    assert core.studios.cancel(OPS, booking.slot_id, reason="maintenance").creator is None
    with pytest.raises(RuleViolated, match="not booked"):
        core.studios.cancel(OPS, booking.slot_id, reason="maintenance")


def test_a_sponsor_pays_for_a_booking_and_the_creator_pays_nothing(core: Spotlight) -> None:
    studio = opened(core)
    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(9))

    sponsored = core.studios.sponsor(FIZZ, booking.slot_id)

    assert (sponsored.creator, sponsored.paid_by, sponsored.price) == ("mia", "fizz", SLOT_PRICE)
    with pytest.raises(RuleViolated, match="already sponsored"):
        core.studios.sponsor(OPS, booking.slot_id, brand="pop")
    with pytest.raises(NotPermitted):
        core.studios.sponsor(MIA, booking.slot_id)
    unsponsored = core.studios.book(MIA, studio.id, room="B", starts_at=at(10))
    assert (unsponsored.paid_by, unsponsored.price) == ("mia", SLOT_PRICE)
    core.studios.cancel(MIA, unsponsored.slot_id, reason="changed plans")
    with pytest.raises(RuleViolated, match="not booked"):
        core.studios.sponsor(FIZZ, unsponsored.slot_id)


def test_a_booking_is_read_by_its_creator_its_sponsor_admins_and_auditors_only(
    core: Spotlight,
) -> None:
    studio = opened(core)
    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    core.studios.sponsor(FIZZ, booking.slot_id)
    readers = [MIA, FIZZ, OPS, Principal(Role.AUDITOR, "kpmg")]
    strangers = [
        LEO,  # another creator
        Principal(Role.BRAND, "pop"),  # a brand that does not pay for it
        Principal(Role.BRAND, "mia"),  # the creator's name under another role
        Principal(Role.CREATOR, "fizz"),  # the sponsor's name under another role
        ACME,
        Principal(Role.VIEWER, "vic"),
        Principal(Role.STUDIO, "mia"),
    ]

    for reader in readers:
        assert core.studios.booking(reader, booking.slot_id).paid_by == "fizz"
    for stranger in strangers:
        with pytest.raises(NotPermitted):
            core.studios.booking(stranger, booking.slot_id)


def test_a_creator_cannot_name_a_sponsor_for_their_own_booking(core: Spotlight) -> None:
    studio = opened(core)
    before = logged(core)

    with pytest.raises(NotPermitted):
        core.studios.book(MIA, studio.id, room="A", starts_at=at(9), sponsor="fizz")

    assert logged(core) == before
    assert core._revenue.find(RoomSlot, RoomSlot.id_for(studio.id, "A", at(9))) is None


def test_a_booking_sponsored_when_made_costs_the_brand_the_studios_price(
    core: Spotlight,
) -> None:
    studio = opened(core)

    at_booking = core.studios.book(
        OPS, studio.id, room="A", starts_at=at(9), creator="mia", sponsor="fizz"
    )
    afterwards = core.studios.book(LEO, studio.id, room="B", starts_at=at(9))
    afterwards = core.studios.sponsor(FIZZ, afterwards.slot_id)

    assert (at_booking.creator, at_booking.paid_by, at_booking.price) == ("mia", "fizz", SLOT_PRICE)
    assert (afterwards.creator, afterwards.paid_by, afterwards.price) == ("leo", "fizz", SLOT_PRICE)
    with pytest.raises(RuleViolated, match="already sponsored"):
        core.studios.sponsor(OPS, at_booking.slot_id, brand="pop")


def test_samples_are_shipped_by_the_listings_seller_to_a_booked_slot(core: Spotlight) -> None:
    studio = opened(core)
    core.shop.register_seller(ACME, name="Acme Leather")
    core.shop.register_seller(BOLT, name="Bolt Tools")
    listing_id = core.shop.list_product(
        ACME,
        title="Leather handbag",
        description="",
        price=Money(49_99, "USD"),
        stock=10,
        category="fashion",
        images=[plain_photo("bag")],
    ).id
    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    unbooked = RoomSlot.id_for(studio.id, "B", at(9))

    with pytest.raises(NotPermitted):
        core.studios.ship_samples(BOLT, booking.slot_id, listing_id, 2)
    with pytest.raises(NotPermitted):
        core.studios.ship_samples(MIA, booking.slot_id, listing_id, 2)
    shipped = core.studios.ship_samples(ACME, booking.slot_id, listing_id, 2)
    assert shipped.samples == ((listing_id, 2),)
    assert core.shop.listing(listing_id).stock == 10  # samples are not sales

    core.studios.cancel(MIA, booking.slot_id, reason="changed plans")
    with pytest.raises(RuleViolated, match="not booked"):
        core.studios.ship_samples(ACME, booking.slot_id, listing_id, 1)
    rebooked = core.studios.book(LEO, studio.id, room="A", starts_at=at(9))
    assert rebooked.samples == ()  # the samples were for Mia's booking
    # A slot nobody ever opened is not there to receive anything.
    assert core._revenue.find(RoomSlot, unbooked) is None


def test_a_brand_named_like_the_creator_sponsors_their_booking_and_reads_it(
    core: Spotlight,
) -> None:
    studio = opened(core)
    booking = core.studios.book(MIA, studio.id, room="A", starts_at=at(9))
    namesake = Principal(Role.BRAND, "mia")

    sponsored = core.studios.sponsor(namesake, booking.slot_id)

    assert sponsored.paid_by == "mia"
    assert core.studios.booking(namesake, booking.slot_id) == sponsored
    with pytest.raises(RuleViolated, match="already sponsored"):
        core.studios.sponsor(FIZZ, booking.slot_id)
