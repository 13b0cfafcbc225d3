"""An order's life recorded in a real store: its steps, its refund's postings and the seller's
payout survive a restart; buyers' and sellers' lists by state, read from their persisted read
model, answer the same after a restart and after a rebuild from zero; a second refund raced
from two cores is recorded once; the ledger audit of the stored log holds.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from uuid import UUID

import pytest

from application.audit.ledger_audit import audit_log
from application.auth import Principal, Role
from application.shop.shop_lists import NAME
from domain.errors import DomainError
from domain.money import Money
from domain.revenue.ledger import JournalEntry, seller_payable
from domain.shop.orders import OrderState
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page
from tests.photos import plain_photo

ACME = Principal(Role.SELLER, "acme")
VIC = Principal(Role.VIEWER, "vic")
OPS = Principal(Role.ADMIN, "ops")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "order_lifecycle")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def returned_order(core: Spotlight, key: str) -> UUID:
    listing = core.shop.list_product(
        ACME,
        title=f"Apron {key}",
        description="",
        price=Money(100_00, "USD"),
        stock=5,
        category="cooking",
        images=[plain_photo(key)],
    )
    order = core.shop.place_order(VIC, listing_id=listing.id, quantity=1, order_key=key)
    core.orders.ship(ACME, order.id, carrier="UPS", tracking="1Z9")
    core.orders.deliver(VIC, order.id)
    core.orders.request_return(VIC, order.id, reason="torn")
    core.orders.receive_return(ACME, order.id)
    return order.id


def test_an_orders_life_and_its_money_survive_a_restart(deployment: Deployment) -> None:
    core = deployment.start()
    core.shop.register_seller(ACME, name="Acme")
    refunded = returned_order(core, "k-1")
    kept = returned_order(core, "k-2")
    core.orders.refund(ACME, refunded, amount=Money(25_00, "USD"))
    payout = core.payouts.request(ACME, period="2026-12", idempotency_key="p-1")

    restarted = deployment.fresh_start()

    view = restarted.shop.order(VIC, refunded)
    assert (view.state, view.refunded, view.carrier) == (
        OrderState.REFUNDED,
        Money(25_00, "USD"),
        "UPS",
    )
    assert restarted.shop.order(VIC, kept).state is OrderState.RETURNED
    entry = restarted._revenue.load(JournalEntry, JournalEntry.id_for(f"order:{refunded}:refund"))
    assert entry.net_by_account()[seller_payable("acme", "USD")] == (23_00, 0)
    # 2 x 92.00 of proceeds, less 23.00 taken back, all paid out.
    assert payout.amount == Money(161_00, "USD")
    assert restarted.payouts.payout(ACME, payout.id).amount == Money(161_00, "USD")
    # The proceeds are gone: refunding the other return would take the balance below zero.
    with pytest.raises(DomainError, match="seller:acme:payable"):
        restarted.orders.refund(ACME, kept)
    assert audit_log(restarted._revenue.recorder, restarted._revenue.mapper).holds


def test_orders_by_state_answer_the_same_after_a_restart_and_a_rebuild(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    core.shop.register_seller(ACME, name="Acme")
    refunded = returned_order(core, "k-1")
    core.orders.refund(ACME, refunded)
    returned = returned_order(core, "k-2")
    listing = core.shop.listing(core.shop.order(VIC, refunded).listing_id)
    paid = core.shop.place_order(VIC, listing_id=listing.id, quantity=1, order_key="k-3").id
    cancelled = core.shop.place_order(VIC, listing_id=listing.id, quantity=1, order_key="k-4").id
    core.orders.cancel(ACME, cancelled, reason="out of stock in the warehouse")
    core.shop_lists.catch_up()

    def states(reader: Spotlight) -> list[tuple[UUID, OrderState]]:
        rows = every_page(partial(reader.shop_lists.buyer_orders, VIC, limit=1))
        return [(row.order_id, row.state) for row in rows]

    expected = [
        (refunded, OrderState.REFUNDED),
        (returned, OrderState.RETURNED),
        (paid, OrderState.PAID),
        (cancelled, OrderState.CANCELLED),
    ]
    assert states(core) == expected
    to_ship = core.shop_lists.seller_sales(ACME, state=OrderState.PAID)
    assert [row.order_id for row in to_ship.items] == [paid]
    gone = core.shop_lists.buyer_orders(VIC, state=OrderState.CANCELLED)
    assert [(row.order_id, row.refunded) for row in gone.items] == [
        (cancelled, Money(100_00, "USD"))
    ]
    view = core.read_models[NAME].export({})

    restarted = deployment.fresh_start()
    assert states(restarted) == expected
    restarted.projections.rebuild(NAME)
    assert restarted.read_models[NAME].export({}) == view
    assert states(restarted) == expected


def test_a_refund_raced_from_two_cores_is_recorded_once(deployment: Deployment) -> None:
    if not deployment.store.shared:
        pytest.skip("two cores share a store on PostgreSQL only")
    first = deployment.start()
    first.shop.register_seller(ACME, name="Acme")
    order = returned_order(first, "k-1")
    second = deployment.start()

    def refund(core: Spotlight) -> str:
        try:
            core.orders.refund(ACME, order, amount=Money(60_00, "USD"))
        except DomainError as refusal:
            return type(refusal).__name__
        return "refunded"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(refund, (first, second)))

    # The loser is refused by the order (already refunded) or, when it read the order before
    # the winner's refund landed, by the ledger (the proceeds are no longer there): once.
    assert outcomes in (["ReturnRefunded", "refunded"], ["LimitExceeded", "refunded"])
    assert first.ledger.balance_of(seller_payable("acme", "USD")) == Money(92_00 - 55_20, "USD")
    assert audit_log(first._revenue.recorder, first._revenue.mapper).holds
