"""``GET /v1/titles/{id}`` against a minimal FastAPI endpoint, in one run, on each store.

A core on a fresh store gets the plan's titles registered (with full portals); then, for
each repetition, the minimal app and the project's app answer the same number of requests
in turn (which goes first alternates). The requests are handed straight to the ASGI apps
(``bench.service.asgi``): what is compared is the server's work per request. Also shown,
to say where the time goes: the project's ``/healthz`` (its middleware and routing with no
store work) and ``Catalogue.title`` called directly (the read without HTTP).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import perf_counter

from starlette.types import ASGIApp

from application.auth import Principal, Role
from bench.sandboxes import Sandbox
from bench.service.asgi import Request, drive
from bench.service.common import minimal_app, open_core, progress
from bench.service.suite import Prepared
from bench.tables import Table
from bench.workloads import RICH_PORTAL
from domain.anchors.titles import TitleKind
from entrypoints.http.app import create_app

STUDIO = Principal(Role.STUDIO, "bench-studio")
TARGET = 0.5


@dataclass(frozen=True)
class ReadsPlan:
    titles: int
    requests: int
    warmup: int
    repetitions: int

    def describe(self) -> str:
        return (
            f"{self.titles:,} titles; {self.requests:,} timed requests per repetition after "
            f"{self.warmup:,} untimed; median of {self.repetitions}"
        )


FULL = ReadsPlan(titles=300, requests=1_500, warmup=200, repetitions=3)
QUICK = ReadsPlan(titles=100, requests=300, warmup=50, repetitions=3)


@dataclass
class Sides:
    rates: dict[str, list[float]] = field(default_factory=dict)

    def add(self, side: str, rate: float) -> None:
        self.rates.setdefault(side, []).append(rate)

    def median(self, side: str) -> float:
        return statistics.median(self.rates[side])


def measure(sandbox: Sandbox, plan: ReadsPlan, table: Table) -> None:
    with open_core(sandbox.fresh(), sandbox.scratch) as core:
        progress(f"{sandbox.name}: registering {plan.titles:,} titles")
        ids = [
            core.anchoring.register_title(
                STUDIO, name=f"Title {n}", kind=TitleKind.MOVIE, portal=RICH_PORTAL
            ).id
            for n in range(plan.titles)
        ]
        shuffled = random.Random(16).choices(ids, k=plan.requests + plan.warmup)
        project = create_app(core)
        minimal = minimal_app()

        def title(index: int) -> Request:
            return ("GET", f"/v1/titles/{shuffled[index]}", {}, b"")

        def item(index: int) -> Request:
            return ("GET", f"/v1/minimal/{shuffled[index]}", {}, b"")

        def healthz(index: int) -> Request:
            return ("GET", "/healthz", {}, b"")

        def direct() -> float:
            began = perf_counter()
            for index in range(plan.requests):
                core.cataloguing.title(shuffled[index])
            return plan.requests / (perf_counter() - began)

        sides: dict[str, Callable[[], float]] = {
            "minimal endpoint": lambda: timed(minimal, item, plan),
            "project /healthz": lambda: timed(project, healthz, plan),
            "GET /v1/titles/{id}": lambda: timed(project, title, plan),
            "Catalogue.title (no HTTP)": direct,
        }
        progress(f"{sandbox.name}: {plan.repetitions} x {len(sides)} sides")
        found = Sides()
        order: Sequence[str] = list(sides)
        for repetition in range(plan.repetitions):
            for side in order if repetition % 2 == 0 else order[::-1]:
                found.add(side, sides[side]())
        baseline = found.median("minimal endpoint")
        for side in sides:
            median = found.median(side)
            table.add(
                sandbox.name,
                side,
                f"{median:,.0f}",
                f"{1000 / median:.3f}",
                f"{median / baseline:.2f}x",
            )


def timed(app: ASGIApp, requests: Callable[[int], Request], plan: ReadsPlan) -> float:
    return drive(app, requests, first=0, count=plan.requests, warmup=plan.warmup).per_second


def make_table() -> Table:
    return Table(
        "Reads: GET /v1/titles/{id} against a minimal FastAPI endpoint (requests handed to "
        "the ASGI app in process, one at a time; median over repetitions; ratio: against "
        f"the minimal endpoint, the aim for the title read is at least {TARGET:.1f}x)",
        ("store", "side", "requests/s", "ms/request", "ratio"),
        align="llrrr",
    )


def prepared(quick: bool) -> Prepared:
    plan = QUICK if quick else FULL
    table = make_table()
    return Prepared(
        [table], lambda sandbox: measure(sandbox, plan, table), [f"plan: {plan.describe()}"]
    )
