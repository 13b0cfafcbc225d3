"""A campaign's reach report at scale: ``videos`` campaign videos and ``views`` view events.

A brand's campaign gathers ``videos`` videos over its 30 days (the scene of
``bench.business.suite``), and signed-in viewers' views of them are saved as the service
saves them (``ViewBatch``, one batch of ``VIEWS_A_BATCH`` views a viewer), spread over the
flight's days. The core's projections are caught up (timed: the view events a second), then
the brand reads ``GET /v1/campaigns/{id}/report`` (28 and 90 days) and the CSV straight from
the ASGI app in this process, each read timed alone: p50 and p95, with the machine's load.
The answer is checked against the views saved: the report's views are the views in its range,
and its reach is the number of different viewers among them.

    python -m bench.business.reach [--quick] [--store sqlite|postgres|all] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from time import perf_counter
from uuid import UUID

from application.auth import Role
from bench.business.suite import AT, BRAND, BusinessPlan
from bench.business.suite import _campaign as launch_campaign
from bench.business.suite import _dashboard_videos as campaign_videos
from bench.business.suite import _seed as seed_creators
from bench.machine import cpu_model, usable_cpus
from bench.sandboxes import DEFAULT_POSTGRES_URL, Sandbox, each_sandbox
from bench.service.asgi import Request, Requests, drive, send_request
from bench.tables import Table, print_checked
from domain.anchors.views import VideoViewed, ViewBatch
from domain.identity.sessions import SessionKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.http.security import SESSION_COOKIE
from entrypoints.settings import Settings
from tests.fakes import FixedClock

PASSWORD = "bench-reach-password"  # noqa: S105 (a throwaway store's account)
VIEWS_A_BATCH = 10
SAVE = 1_000  # batches a transaction
FLIGHT_DAYS = 30
TODAY = AT + timedelta(days=FLIGHT_DAYS + 1)


@dataclass(frozen=True)
class ReachPlan:
    videos: int
    views: int
    reads: int

    def describe(self) -> str:
        return (
            f"{self.videos:,} campaign videos, {self.views:,} views in batches of "
            f"{VIEWS_A_BATCH}, {self.reads} reads each"
        )


FULL = ReachPlan(videos=10_000, views=1_000_000, reads=40)
QUICK = ReachPlan(videos=1_000, views=50_000, reads=15)


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _save_views(core: Spotlight, plan: ReachPlan, rng: random.Random) -> dict[date, list[str]]:
    """Save the view batches; answer who viewed on each day (a viewer once per view)."""
    viewers = max(1, plan.views // (VIEWS_A_BATCH * 2))  # each viewer comes back about twice
    by_day: dict[date, list[str]] = {}
    pending: list[ViewBatch] = []
    for number in range(plan.views // VIEWS_A_BATCH):
        viewer = f"viewer:bench-{rng.randrange(viewers)}"
        day = rng.randrange(FLIGHT_DAYS)
        at = AT + timedelta(days=day, seconds=rng.randrange(86_400))
        views = [
            VideoViewed(video_id=UUID(int=2 * 10**12 + rng.randrange(plan.videos)), at=at)
            for _ in range(VIEWS_A_BATCH)
        ]
        pending.append(ViewBatch.record(UUID(int=5 * 10**12 + number), viewer=viewer, views=views))
        by_day.setdefault(at.date(), []).extend([viewer] * VIEWS_A_BATCH)
        if len(pending) >= SAVE:
            core._catalogue.save(*pending)
            pending.clear()
            if number % (SAVE * 20) == SAVE * 20 - 1:
                _progress(f"reach: {(number + 1) * VIEWS_A_BATCH:,} of {plan.views:,} views")
    if pending:
        core._catalogue.save(*pending)
    return by_day


def _cookie(core: Spotlight) -> str:
    core.accounts.sign_up(BRAND.subject, PASSWORD, Role.BRAND)
    tokens = core.accounts.sign_in(
        BRAND.subject, PASSWORD, role=Role.BRAND, kind=SessionKind.COOKIE
    )
    assert tokens.cookie is not None
    return tokens.cookie


def _always(request: Request) -> Requests:
    return lambda _index: request


def _expected(by_day: dict[date, list[str]], first: date, last: date) -> tuple[int, int]:
    """Views and reach over ``first`` to ``last``, from the views saved."""
    seen = [v for day, viewers in by_day.items() if first <= day <= last for v in viewers]
    return len(seen), len(set(seen))


def run(sandbox: Sandbox, plan: ReachPlan) -> tuple[list[tuple[str, ...]], list[str]]:
    rows: list[tuple[str, ...]] = []
    failures: list[str] = []
    settings = Settings(
        store=sandbox.fresh(), data_dir=sandbox.scratch, secret=b"bench-reach-0123456789"
    )
    core = bootstrap(settings, clock=FixedClock(TODAY))
    try:
        rng = random.Random(23)
        business = BusinessPlan(
            creators=200, videos=0, queries=0, dashboard_videos=plan.videos, dashboard_reads=0
        )
        seed_creators(core._catalogue, business, rng)
        participants = [f"creator-{n}" for n in range(0, 200, 10)]
        campaign = launch_campaign(core._revenue, hashtag="#benchglow", participants=participants)
        campaign_videos(core._catalogue, business, participants)
        core.projections.catch_up_all()
        started = perf_counter()
        by_day = _save_views(core, plan, rng)
        saving = perf_counter() - started
        started = perf_counter()
        core.projections.catch_up_all()
        catching_up = perf_counter() - started
        batches = plan.views // VIEWS_A_BATCH
        rows.append(
            (
                sandbox.name,
                "save the view batches",
                f"{saving:.1f} s",
                f"{batches / saving:,.0f} ev/s",
                _load(),
            )
        )
        rows.append(
            (
                sandbox.name,
                "catch up on them",
                f"{catching_up:.1f} s",
                f"{batches / catching_up:,.0f} ev/s",
                _load(),
            )
        )
        cookie = _cookie(core)
        app = create_app(core)
        headers = {"cookie": f"{SESSION_COOKIE}={cookie}"}
        base = f"/v1/campaigns/{campaign.id}/report"
        for name, path in (
            ("report, 28 days", f"{base}?days=28"),
            ("report, 90 days", f"{base}?days=90"),
            ("report CSV, 90 days", f"{base}.csv?days=90"),
        ):
            request: Request = ("GET", path, headers, b"")
            answer = asyncio.run(send_request(app, request))
            if "CSV" not in name:
                body = json.loads(answer.body)
                first, last = date.fromisoformat(body["first"]), date.fromisoformat(body["last"])
                views, reach = _expected(by_day, first, last)
                total = body["total"]
                if (total["views"], total["reach"]) != (views, reach):
                    failures.append(
                        f"{sandbox.name} {name}: views/reach {total['views']}/{total['reach']}, "
                        f"saved {views}/{reach}"
                    )
            load = _load()
            timing = drive(app, _always(request), first=0, count=plan.reads, warmup=3)
            ordered = sorted(timing.latencies)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            rows.append(
                (
                    sandbox.name,
                    name,
                    f"{statistics.median(ordered) * 1000:.1f}",
                    f"{p95 * 1000:.1f}",
                    load,
                )
            )
    finally:
        core.close()
    return rows, failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.business.reach")
    parser.add_argument("--quick", action="store_true", help=QUICK.describe())
    parser.add_argument("--store", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    options = parser.parse_args(argv)
    plan = QUICK if options.quick else FULL
    print(f"campaign reach: {plan.describe()} ({cpu_model()}, {usable_cpus()} CPUs)")
    stores = ("sqlite", "postgres") if options.store == "all" else (options.store,)
    rows: list[tuple[str, ...]] = []
    failures: list[str] = []
    for sandbox in each_sandbox(stores, options.postgres_url, skipped=print):
        found, failed = run(sandbox, plan)
        rows += found
        failures += failed
    headings = ("store", "what", "p50 ms (or time)", "p95 ms (or rate)", "load 1/5 min")
    return print_checked(Table("", headings, "llrrr", rows), failures)


if __name__ == "__main__":
    sys.exit(main())
