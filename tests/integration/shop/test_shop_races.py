"""The shop's races on shared stores: buyers racing for the last items of a listing, creators
racing for one studio slot (and one creator racing for many rooms at one time), and one
reporter racing past the daily quota.

Two instances of the core run on one store, as two processes would: each has its own
connections and its own series of ids, and the store alone decides who wins. PostgreSQL
tests work in a schema of their own (see tests/conftest.py) and fail rather than skip on CI
when the server is unreachable.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import pytest

from adapters.storage import parse_store
from application.audit.ledger_audit import audit_log
from application.auth import Principal, Role
from application.business.studio_bookings import BookingView, StudioView
from application.errors import StaleVersion
from application.log_follower import LogFollower
from application.logs import RevenueLog
from application.revenue.ledger_read_model import LedgerReadModel
from application.shop.counterfeit_reports import ReportView
from application.shop.shop import OrderView
from domain.business.studios import CreatorBusy, CreatorQuarter, RoomSlot, SlotTaken
from domain.money import Money
from domain.revenue.ledger import PLATFORM_BUYER_PAYMENTS, platform, seller_payable
from domain.shop.counterfeit import REPORTS_PER_DAY, CounterfeitReport, ReportLimitReached
from domain.shop.listings import Listing, OutOfStock
from domain.shop.orders import Order
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock, SequentialIdentities
from tests.photos import plain_photo

RACERS = 20
STOCK = 5
PRICE = Money(2_450, "USD")
MARCH_10 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
SLOT = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)  # two days after the clock
OPS = Principal(Role.ADMIN, "ops")
ACME = Principal(Role.SELLER, "acme")

T = TypeVar("T")


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/spotlight.db"
    # Fails on CI (and skips elsewhere) when the server is unreachable.
    postgres_url: str = request.getfixturevalue("postgres_url")
    schema_for: Callable[[str], str] = request.getfixturevalue("postgres_schema")
    return with_schema(postgres_url, schema_for(f"shop_{secrets.token_hex(4)}"))


@pytest.fixture
def instances(store_url: str, tmp_path: Path) -> Iterator[tuple[Spotlight, Spotlight]]:
    """Two cores on one store, each with its own connections and series of ids."""
    clock = FixedClock(MARCH_10)
    series = secrets.randbits(48) << 8
    running = [
        bootstrap(
            Settings(store=parse_store(store_url), data_dir=tmp_path, secret=b"s" * 32),
            clock=clock,
            identities=SequentialIdentities(series=series + n),
            engines=(),
        )
        for n in (1, 2)
    ]
    yield running[0], running[1]
    for core in running:
        core.close()


def race(
    instances: tuple[Spotlight, Spotlight], act: Callable[[Spotlight, int], T]
) -> list[T | Exception]:
    """Every racer acts at once, on alternate instances; answers or refusals, in order."""
    together = Barrier(RACERS)

    def run(racer: int) -> T | Exception:
        core = instances[racer % 2]
        together.wait(timeout=60)
        try:
            return act(core, racer)
        except Exception as refused:  # judged by the test, after the facts
            return refused

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(run, range(RACERS)))


def events_of(revenue: RevenueLog, *topics: str) -> list[Any]:
    notifications = revenue.recorder.select_notifications(
        start=None, limit=1_000_000, topics=topics
    )
    return [revenue.mapper.to_domain_event(n) for n in notifications]


def test_buyers_racing_for_the_last_items_get_exactly_the_stock(
    instances: tuple[Spotlight, Spotlight],
) -> None:
    first, second = instances
    first.shop.register_seller(ACME, name="Acme kitchen")
    listing = first.shop.list_product(
        ACME,
        title="Cast iron skillet",
        description="Pre-seasoned",
        price=PRICE,
        stock=STOCK,
        category="cooking",
        images=[plain_photo("skillet")],
    )

    def buy(core: Spotlight, racer: int) -> OrderView:
        buyer = Principal(Role.VIEWER, f"buyer-{racer}")
        return core.shop.place_order(buyer, listing_id=listing.id, quantity=1, order_key="cart-1")

    outcomes = race(instances, buy)

    orders = [o for o in outcomes if isinstance(o, OrderView)]
    refusals = [o for o in outcomes if not isinstance(o, OrderView)]
    assert len(orders) == STOCK
    assert not any(o.replayed for o in orders)
    # Each loser retries against the stock it lost to (at most STOCK commits can beat it),
    # so every refusal is about the stock, never a bare conflict.
    unexpected = [r for r in refusals if not isinstance(r, OutOfStock)]
    assert unexpected == [], f"refused for another reason than the stock: {unexpected!r}"
    assert all("0 in stock" in str(r) for r in refusals)

    # The log holds exactly the orders whose buyers were told so, each taking one item.
    placed = events_of(first._revenue, Order.Placed.TOPIC)
    assert sorted(e.buyer for e in placed) == sorted(o.buyer for o in orders)
    assert Counter(e.originator_id for e in placed) == Counter(o.id for o in orders)
    sold = events_of(first._revenue, Listing.Sold.TOPIC)
    assert sorted(e.order_id for e in sold) == sorted(o.id for o in orders)
    for core in instances:
        assert core.shop.listing(listing.id).stock == 0
        assert core.shop_search.search("skillet").items == ()

    # The money: every entry balanced, every limited account matching its postings.
    model = LedgerReadModel()
    LogFollower(first._revenue, model.handlers).catch_up()
    assert model.debits == model.credits == STOCK * PRICE.minor
    audit = audit_log(first._revenue.recorder, first._revenue.mapper)
    assert audit.holds, audit.problems
    proceeds = sum(o.proceeds.minor for o in orders)
    assert proceeds == STOCK * (PRICE.minor - PRICE.minor * 800 // 10_000)
    for core in instances:
        assert core.ledger.balance_of(seller_payable("acme", "USD")) == Money(proceeds, "USD")
    assert model.totals[platform(PLATFORM_BUYER_PAYMENTS, "USD")].debits == STOCK * PRICE.minor

    # A retry of a winner's request is its first answer, from either instance.
    winner = orders[0]
    retried = second.shop.place_order(
        _buyer_of(winner),
        listing_id=listing.id,
        quantity=1,
        order_key="cart-1",
    )
    assert (retried.id, retried.replayed) == (winner.id, True)


def _buyer_of(order: OrderView) -> Principal:
    role, _, subject = order.buyer.partition(":")
    return Principal(Role(role), subject)


def open_studio(core: Spotlight, rooms: list[str]) -> StudioView:
    return core.studios.open_studio(
        OPS,
        city="Jakarta",
        name="Kemang live rooms",
        rooms=rooms,
        opens_hour=0,
        closes_hour=24,
        price=Money(50_00, "USD"),
    )


def test_creators_racing_for_one_slot_make_exactly_one_booking(
    instances: tuple[Spotlight, Spotlight],
) -> None:
    first, _second = instances
    studio = open_studio(first, ["A"])

    def book(core: Spotlight, racer: int) -> BookingView:
        creator = Principal(Role.CREATOR, f"creator-{racer}")
        return core.studios.book(creator, studio.id, room="A", starts_at=SLOT)

    outcomes = race(instances, book)

    bookings = [o for o in outcomes if isinstance(o, BookingView)]
    assert len(bookings) == 1
    [winner] = bookings
    unexpected = [o for o in outcomes if not isinstance(o, BookingView | SlotTaken)]
    assert unexpected == [], f"refused for another reason than the taken slot: {unexpected!r}"
    booked = events_of(first._revenue, RoomSlot.Booked.TOPIC)
    assert [e.creator for e in booked] == [winner.creator]
    held = events_of(first._revenue, CreatorQuarter.Held.TOPIC)
    assert [e.slot_id for e in held] == [winner.slot_id] * 4  # the hour's four quarters
    for core in instances:
        assert core.studios.booking(OPS, winner.slot_id).creator == winner.creator


def test_one_creator_racing_for_many_rooms_at_one_time_gets_one(
    instances: tuple[Spotlight, Spotlight],
) -> None:
    first, _second = instances
    studio = open_studio(first, [f"room-{n}" for n in range(RACERS)])
    maya = Principal(Role.CREATOR, "maya")

    def book(core: Spotlight, racer: int) -> BookingView:
        return core.studios.book(maya, studio.id, room=f"room-{racer}", starts_at=SLOT)

    outcomes = race(instances, book)

    bookings = [o for o in outcomes if isinstance(o, BookingView)]
    assert len(bookings) == 1
    unexpected = [o for o in outcomes if not isinstance(o, BookingView | SlotTaken | CreatorBusy)]
    assert unexpected == [], f"refused for another reason than maya's time: {unexpected!r}"
    booked = events_of(first._revenue, RoomSlot.Booked.TOPIC)
    assert [(e.originator_id, e.creator) for e in booked] == [(bookings[0].slot_id, "maya")]


def test_a_reporter_racing_past_the_daily_quota_files_at_most_the_quota(
    instances: tuple[Spotlight, Spotlight],
) -> None:
    first, _second = instances
    first.shop.register_seller(ACME, name="Acme kitchen")
    listing = first.shop.list_product(
        ACME,
        title="Designer bag",
        description="",
        price=PRICE,
        stock=3,
        category="fashion",
        images=[plain_photo("bag")],
    )
    bob = Principal(Role.VIEWER, "bob")

    def file(core: Spotlight, racer: int) -> ReportView:
        return core.reports.file(bob, listing.id, reason=f"fake, says racer {racer}")

    outcomes = race(instances, file)

    filed = [o for o in outcomes if isinstance(o, ReportView)]
    unexpected = [
        o for o in outcomes if not isinstance(o, ReportView | ReportLimitReached | StaleVersion)
    ]
    assert unexpected == [], f"refused for another reason than the quota: {unexpected!r}"
    recorded = events_of(first._revenue, CounterfeitReport.Filed.TOPIC)
    assert 1 <= len(recorded) <= REPORTS_PER_DAY
    assert sorted(e.originator_id for e in recorded) == sorted(r.id for r in filed)
    # Filing one at a time, from either instance, fills the quota exactly and then stops.
    for attempt in range(REPORTS_PER_DAY - len(recorded)):
        instances[attempt % 2].reports.file(bob, listing.id, reason="one more")
    with pytest.raises(ReportLimitReached):
        instances[1].reports.file(bob, listing.id, reason="one too many")
    assert len(events_of(first._revenue, CounterfeitReport.Filed.TOPIC)) == REPORTS_PER_DAY
