"""Order lifecycle steps per second, with their postings, against the raw library.

The project's side drives the core's use cases as the service does: an order placed (paid
through the sandbox provider, stock taken, its journal entry and the seller's limited
account saved with it), shipped, delivered, its return requested and received, and refunded
in part (its journal entry reversing the shares, posted to the seller's account). The raw
side saves the same steps with the eventsourcing library used plainly (its own recorders, no
hash chain): an order aggregate with one event per step, and for the two steps that move
money a journal entry aggregate saved in the same transaction. Each step loads its order
first on both sides. The table gives each step's rate, the whole life's rate (six steps),
and the project's rate as a share of the raw library's, per store.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from PIL import Image

from adapters.storage import Store, close_application
from application.auth import Principal, Role
from bench.machine import cpu_model, usable_cpus
from bench.raw import plain_env
from bench.sandboxes import PostgresSandbox, Sandbox, SandboxUnavailable, SqliteSandbox
from bench.tables import Table, render_table
from domain.money import Money
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings

AT = datetime(2026, 12, 1, tzinfo=UTC)
STEPS = ("place", "ship", "deliver", "request return", "receive return", "refund")
SECRET = b"order-steps-benchmark-secret-000"
ACME = Principal(Role.SELLER, "acme")
VIC = Principal(Role.VIEWER, "vic")


@dataclass(frozen=True)
class OrderStepsPlan:
    orders: int  # orders taken through every step, per store and side

    def describe(self) -> str:
        return f"{self.orders:,} orders, 6 steps each"


QUICK = OrderStepsPlan(orders=60)
FULL = OrderStepsPlan(orders=400)


@dataclass
class OrderStepsReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


# The raw library's side ----------------------------------------------------------------------


class RawOrder(Aggregate):
    @event("Placed")
    def __init__(self, listing_id: UUID, buyer: str, total: int, placed_at: datetime) -> None:
        self.total = total
        self.state = "paid"

    @event("Shipped")
    def ship(self, carrier: str, tracking: str, shipped_at: datetime) -> None:
        self.state = "shipped"

    @event("Delivered")
    def deliver(self, delivered_at: datetime) -> None:
        self.state = "delivered"

    @event("ReturnRequested")
    def request_return(self, reason: str, requested_at: datetime) -> None:
        self.state = "return-requested"

    @event("Returned")
    def receive_return(self, returned_at: datetime) -> None:
        self.state = "returned"

    @event("Refunded")
    def refund(self, amount: int, refunded_at: datetime) -> None:
        self.state = "refunded"


class RawEntry(Aggregate):
    @event("Recorded")
    def __init__(self, postings: list[list[Any]], cause: str, recorded_at: datetime) -> None:
        self.postings = postings


class RawOrders(Application[UUID]):
    name = "raworders"


def _raw_steps(app: RawOrders, orders: list[UUID]) -> dict[str, Callable[[int], object]]:
    def load(n: int) -> RawOrder:
        order: RawOrder = app.repository.get(orders[n])
        return order

    def place(n: int) -> None:
        order = RawOrder(uuid4(), "viewer:vic", 100_00, AT)
        orders.append(order.id)
        entry = RawEntry([["buyer", 100_00, 0], ["seller", 0, 92_00], ["fee", 0, 8_00]], "o", AT)
        app.save(order, entry)

    def step(name: str, *arguments: Any) -> Callable[[int], object]:
        def take(n: int) -> None:
            order = load(n)
            getattr(order, name)(*arguments)
            app.save(order)

        return take

    def refund(n: int) -> None:
        order = load(n)
        order.refund(25_00, AT)
        entry = RawEntry([["buyer", 0, 25_00], ["seller", 23_00, 0], ["fee", 2_00, 0]], "r", AT)
        app.save(order, entry)

    return {
        "place": place,
        "ship": step("ship", "UPS", "1Z9", AT),
        "deliver": step("deliver", AT),
        "request return": step("request_return", "too small", AT),
        "receive return": step("receive_return", AT),
        "refund": refund,
    }


# The project's side ---------------------------------------------------------------------------


def _project_steps(
    core: Any, listing: UUID, orders: list[UUID]
) -> dict[str, Callable[[int], object]]:
    def place(n: int) -> None:
        orders.append(
            core.shop.place_order(VIC, listing_id=listing, quantity=1, order_key=f"o{n}").id
        )

    return {
        "place": place,
        "ship": lambda n: core.orders.ship(ACME, orders[n], carrier="UPS", tracking="1Z9"),
        "deliver": lambda n: core.orders.deliver(VIC, orders[n]),
        "request return": lambda n: core.orders.request_return(VIC, orders[n], reason="small"),
        "receive return": lambda n: core.orders.receive_return(ACME, orders[n]),
        "refund": lambda n: core.orders.refund(ACME, orders[n], amount=Money(25_00, "USD")),
    }


def _photo() -> bytes:
    """A small plain product photo (too plain to recognise: it lists unrecognisable)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def _timed(steps: dict[str, Callable[[int], object]], count: int) -> dict[str, float]:
    """Seconds each step took over ``count`` orders, step by step (each order through a step
    before any takes the next, as a busy shop's steps interleave)."""
    seconds: dict[str, float] = {}
    for name in STEPS:
        started = perf_counter()
        for n in range(count):
            steps[name](n)
        seconds[name] = perf_counter() - started
    return seconds


def _project(store: Store, plan: OrderStepsPlan) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="spotlight-bench-") as directory:
        core = bootstrap(Settings(store=store, data_dir=Path(directory), secret=SECRET))
        try:
            core.shop.register_seller(ACME, name="Acme")
            listing = core.shop.list_product(
                ACME,
                title="Apron",
                description="",
                price=Money(100_00, "USD"),
                stock=plan.orders * 2 + 10,
                category="cooking",
                images=[_photo()],
            ).id
            warm: list[UUID] = []
            _timed(_project_steps(core, listing, warm), 5)
            orders: list[UUID] = []
            steps = _project_steps(core, listing, orders)
            # Keys apart from the warm-up's.
            place = steps["place"]
            steps["place"] = lambda n: place(n + 1_000_000)
            return _timed(steps, plan.orders)
        finally:
            core.close()


def _raw(store: Store, plan: OrderStepsPlan) -> dict[str, float]:
    store.prepare()
    app = RawOrders(env=plain_env(store, RawOrders.name))
    try:
        _timed(_raw_steps(app, []), 5)
        return _timed(_raw_steps(app, []), plan.orders)
    finally:
        close_application(app)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(plan: OrderStepsPlan, stores: Sequence[str], postgres_url: str) -> OrderStepsReport:
    report = OrderStepsReport()
    table = Table(
        title=f"order lifecycle steps per second with their postings ({plan.describe()}; "
        f"{cpu_model()}, {usable_cpus()} CPUs)",
        headings=("store", "step", "project /s", "raw /s", "ratio"),
        align="llrrr",
    )
    for name in stores:
        try:
            sandbox: Sandbox = (
                PostgresSandbox(postgres_url) if name == "postgres" else SqliteSandbox()
            )
        except SandboxUnavailable as error:
            report.lines.append(f"{name}: skipped: {error}")
            continue
        try:
            _progress(f"order steps: {name}, project")
            project = _project(sandbox.fresh(), plan)
            _progress(f"order steps: {name}, raw library")
            raw = _raw(sandbox.fresh(), plan)
        finally:
            sandbox.close()
        for step in (*STEPS, "whole life"):
            took_project = sum(project.values()) if step == "whole life" else project[step]
            took_raw = sum(raw.values()) if step == "whole life" else raw[step]
            count = plan.orders * (len(STEPS) if step == "whole life" else 1)
            table.add(
                name,
                step,
                f"{count / took_project:,.0f}",
                f"{count / took_raw:,.0f}",
                f"{took_raw / took_project:.2f}",
            )
        report.lines.append(
            f"{name}: median step rate "
            f"{statistics.median(plan.orders / s for s in project.values()):,.0f}/s"
        )
    report.lines[:0] = render_table(table)
    return report


if __name__ == "__main__":
    import os

    chosen = FULL if "--full" in sys.argv else QUICK
    url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print("\n".join(run(chosen, ("sqlite", "postgres"), url).lines))
