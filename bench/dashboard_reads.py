"""The studio analytics and campaign dashboard reads, before and after a change, in one run.

The scene of ``bench.pages`` (a studio with ``videos`` anchored videos over 28 days, a
brand's campaign of ``campaign_videos`` videos over 30 days) is seeded into a fresh store of
each database, the core's projections are caught up, and each read is sent ``reads`` times
straight to the ASGI app in this process (``bench.service.asgi``: the server's own time),
signed in with a cookie session as a browser is:

- ``GET /v1/studios/{studio}/analytics`` and ``GET /v1/campaigns/{id}/dashboard`` (the
  HTTP API's reads; aim: p95 under 50 ms at 10,000 videos);
- ``GET /studio/titles/{id}?days=90`` and ``GET /brand/campaigns/{id}`` (the web pages;
  aim: p95 under 100 ms).

"Before" is the same measurement run on the code of another revision (``--before``,
default ``main``), written out of git into a scratch folder and imported first; "after" is
this tree. Each side runs in a process of its own, one after the other, with the machine's
load read as it starts and as it ends. The API's answers of the two sides are compared byte
for byte: a faster read must answer the same.

    python -m bench.dashboard_reads [--quick] [--store sqlite|postgres|all] [--before REV]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AIMS = {"API": 50.0, "page": 100.0}


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def measure(store_name: str, quick: bool, postgres_url: str) -> dict[str, Any]:
    """One side: seed, catch up, time every read (imports the tree found first on the
    path, so it runs on whichever revision the caller put there)."""
    from datetime import timedelta

    from bench.analytics import AT, STUDIO
    from bench.pages import FULL, QUICK, _same, _seed
    from bench.sandboxes import PostgresSandbox, Sandbox, SqliteSandbox
    from bench.service.asgi import drive, send_request
    from entrypoints.bootstrap import bootstrap
    from entrypoints.http.app import create_app
    from entrypoints.settings import Settings
    from tests.fakes import FixedClock

    plan = QUICK if quick else FULL
    sandbox: Sandbox = SqliteSandbox() if store_name == "sqlite" else PostgresSandbox(postgres_url)
    result: dict[str, Any] = {"load at start": _load(), "reads": {}}
    try:
        settings = Settings(
            store=sandbox.fresh(), data_dir=sandbox.scratch, secret=b"bench-dashboard-reads-0123"
        )
        core = bootstrap(settings, clock=FixedClock(AT + timedelta(days=31)))
        try:
            pages = _seed(core, plan)
            core.projections.catch_up_all()
            (studio_page, studio_cookie), (campaign_page, brand_cookie) = pages.items()
            campaign = campaign_page.rsplit("/", 1)[1]
            reads = {
                "studio analytics, API": (
                    f"/v1/studios/{STUDIO.subject}/analytics",
                    studio_cookie,
                ),
                "campaign dashboard, API": (f"/v1/campaigns/{campaign}/dashboard", brand_cookie),
                "studio analytics, page": (studio_page, studio_cookie),
                "campaign dashboard, page": (campaign_page, brand_cookie),
            }
            app = create_app(core)
            for name, (path, cookie) in reads.items():
                requests = _same(path, cookie)
                body = asyncio.run(send_request(app, requests(0))).body
                timing = drive(app, requests, first=0, count=plan.reads, warmup=5)
                ordered = sorted(timing.latencies)
                result["reads"][name] = {
                    "p50": statistics.median(ordered) * 1000,
                    "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
                    "answer": hashlib.sha256(body).hexdigest() if "API" in name else "",
                }
        finally:
            core.close()
    finally:
        sandbox.close()
    result["load at end"] = _load()
    result["plan"] = plan.describe()
    return result


def _side(tree: Path, store_name: str, quick: bool, postgres_url: str) -> dict[str, Any]:
    """Run ``measure`` in a process whose imports find ``tree`` first."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", store_name]
    command += ["--postgres-url", postgres_url] + (["--quick"] if quick else [])
    environment = os.environ | {"PYTHONPATH": str(tree)}
    done = subprocess.run(  # noqa: S603 (this file, run again)
        command, cwd=tree, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: {done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _checkout(revision: str, into: Path) -> Path:
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", revision],  # noqa: S607
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)  # noqa: S603, S607
    return into


@dataclass
class DashboardReadsReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def run(
    stores: Sequence[str], quick: bool, postgres_url: str, before: str = "main"
) -> DashboardReadsReport:
    from bench.machine import cpu_model, usable_cpus
    from bench.tables import Table, render_table

    failures: list[str] = []
    table = Table(
        f"Dashboard reads, server time, before ({before}) and after (this tree) "
        f"({cpu_model()}, {usable_cpus()} CPUs; load = 1-min/5-min average at start → end)",
        (
            "read",
            "store",
            "before p50 ms",
            "before p95 ms",
            "after p50 ms",
            "after p95 ms",
            "same answer",
            "load before",
            "load after",
        ),
    )
    plan = ""
    with tempfile.TemporaryDirectory(prefix="spotlight-before-") as scratch:
        # A folder holding the other revision's files already is used as it is.
        old = Path(before) if Path(before).is_dir() else _checkout(before, Path(scratch))
        for store_name in stores:
            print(f"dashboard reads: {store_name}, before", file=sys.stderr, flush=True)
            then = _side(old, store_name, quick, postgres_url)
            print(f"dashboard reads: {store_name}, after", file=sys.stderr, flush=True)
            now = _side(ROOT, store_name, quick, postgres_url)
            plan = now["plan"]
            for name, after in now["reads"].items():
                was = then["reads"][name]
                same = "" if not after["answer"] else str(after["answer"] == was["answer"])
                if same == "False":
                    failures.append(f"{name} on {store_name}: the answer changed")
                aim = AIMS["API" if "API" in name else "page"]
                if not quick and after["p95"] > aim:
                    failures.append(
                        f"{name} on {store_name}: p95 {after['p95']:.0f} ms (aim {aim:.0f})"
                    )
                table.add(
                    name,
                    store_name,
                    f"{was['p50']:.1f}",
                    f"{was['p95']:.1f}",
                    f"{after['p50']:.1f}",
                    f"{after['p95']:.1f}",
                    same or "(HTML)",
                    f"{then['load at start']} → {then['load at end']}",
                    f"{now['load at start']} → {now['load at end']}",
                )
    lines = [*render_table(table), f"scene: {plan}"]
    return DashboardReadsReport(
        lines + [f"CHECK FAILED: {failure}" for failure in failures], failures
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--store", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument(
        "--before", default="main", help="the revision measured as before (or its files' folder)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "SPOTLIGHT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--measure", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure, options.quick, options.postgres_url)))
        return
    stores = ["sqlite", "postgres"] if options.store == "all" else [options.store]
    report = run(stores, options.quick, options.postgres_url, options.before)
    print("\n".join(report.lines))
    raise SystemExit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
