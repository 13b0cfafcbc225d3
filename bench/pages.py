"""Web pages: server time, bytes and first paint of the dashboard pages people look at most.

A studio with ``videos`` anchored videos (28 days of engagement and clicks, as in
``bench.analytics``) and a brand whose campaign gathered ``campaign_videos`` videos (30 days
of engagement, as in ``bench.business``) are saved to a SQLite store; the core's projections
are caught up, and each signs in with a built-in account (a cookie session, as a browser).

- **Server time per page**, p50 and p95: ``GET /studio/titles/{id}?days=90`` (the analytics
  page: charts against the previous period and the per-video table) and ``GET
  /brand/campaigns/{id}`` (the KPI dashboard), handed straight to the ASGI app in this
  process (``bench.service.asgi``), so what is timed is the server's own work.
- **Bytes per page**: the HTML, and the HTML with the assets it links (served by the service
  itself), which a browser fetches once and then keeps (``Cache-Control`` is shown).
- **First contentful paint** in headless Chromium (Debian's, through Playwright) against the
  same app behind uvicorn on loopback, first visit (empty cache) and a second visit, when
  Chromium is found (``SPOTLIGHT_CHROMIUM``, default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from adapters.storage import parse_store
from application.auth import Role
from bench.analytics import AT, STUDIO, AnalyticsPlan
from bench.analytics import _seed as seed_studio
from bench.business.suite import BRAND, BusinessPlan
from bench.business.suite import _campaign as launch_campaign
from bench.business.suite import _dashboard_videos as campaign_videos
from bench.business.suite import _seed as seed_creators
from bench.machine import cpu_model, usable_cpus
from bench.service.asgi import Request, Requests, Timing, drive, send_request
from bench.tables import Table, render_table
from domain.identity.sessions import SessionKind
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.http.security import SESSION_COOKIE
from entrypoints.settings import Settings
from tests.fakes import FixedClock

PASSWORD = "bench-pages-password"  # noqa: S105 (a throwaway store's accounts)
CHROMIUM = Path(os.environ.get("SPOTLIGHT_CHROMIUM", "/usr/bin/chromium"))
# The paint entry may come after the load event, so it is awaited (10 s at most).
FIRST_PAINT = """() => new Promise((resolve) => {
  new PerformanceObserver((entries) => {
    const paint = entries.getEntriesByName("first-contentful-paint")[0];
    if (paint) resolve(paint.startTime);
  }).observe({ type: "paint", buffered: true });
  setTimeout(() => resolve(-1), 10000);
})"""
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass(frozen=True)
class PagesPlan:
    videos: int  # anchored to the studio's titles
    campaign_videos: int
    reads: int  # per page

    def describe(self) -> str:
        return (
            f"{self.videos:,} anchored videos over 28 days, a campaign of "
            f"{self.campaign_videos:,} videos over 30 days; {self.reads} reads a page"
        )


FULL = PagesPlan(videos=10_000, campaign_videos=10_000, reads=100)
QUICK = PagesPlan(videos=1_000, campaign_videos=1_000, reads=30)


@dataclass
class PagesReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _percentile(values: tuple[float, ...], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _cookie(core: Spotlight, name: str, role: Role) -> str:
    core.accounts.sign_up(name, PASSWORD, role)
    tokens = core.accounts.sign_in(name, PASSWORD, role=role, kind=SessionKind.COOKIE)
    assert tokens.cookie is not None
    return tokens.cookie


def _seed(core: Spotlight, plan: PagesPlan) -> dict[str, str]:
    """The pages to measure, by name, each with the session cookie of who looks at it."""
    rng = random.Random(17)
    studio = AnalyticsPlan(titles=20, videos=plan.videos, viewers=100, reads=0)
    seed_studio(core.cataloguing, studio, rng)
    business = BusinessPlan(
        creators=200, videos=0, queries=0, dashboard_videos=plan.campaign_videos, dashboard_reads=0
    )
    seed_creators(core._catalogue, business, rng)
    participants = [f"creator-{n}" for n in range(0, 200, 10)]
    campaign = launch_campaign(core._revenue, hashtag="#benchglow", participants=participants)
    campaign_videos(core._catalogue, business, participants)
    return {
        f"/studio/titles/{UUID(int=1)}?days=90": _cookie(core, STUDIO.subject, Role.STUDIO),
        f"/brand/campaigns/{campaign.id}": _cookie(core, BRAND.subject, Role.BRAND),
    }


def _same(path: str, cookie: str) -> Requests:
    request: Request = ("GET", path, {"cookie": f"{SESSION_COOKIE}={cookie}"}, b"")
    return lambda _index: request


def _server_times(
    core: Spotlight, pages: dict[str, str], reads: int
) -> dict[str, tuple[Timing, float]]:
    """Per page: the timed reads, and the CPU seconds of this process per read (fairer than
    wall time on a shared machine)."""
    app = create_app(core)
    timings = {}
    for path, cookie in pages.items():
        began = time.process_time()
        timing = drive(app, _same(path, cookie), first=0, count=reads, warmup=5)
        timings[path] = (timing, (time.process_time() - began) / (reads + 5))
    return timings


def _bytes(core: Spotlight, pages: dict[str, str]) -> dict[str, tuple[int, int, str]]:
    """Per page: the HTML's bytes, with its assets' bytes, and the assets' Cache-Control."""
    import asyncio

    app = create_app(core)
    sizes = {}
    for path, cookie in pages.items():
        headers = {"cookie": f"{SESSION_COOKIE}={cookie}"}
        html = asyncio.run(send_request(app, ("GET", path, headers, b""))).body
        assets = sorted(set(ASSET.findall(html.decode())))
        total = len(html)
        for asset in assets:
            total += len(asyncio.run(send_request(app, ("GET", asset, {}, b""))).body)
        sizes[path] = (len(html), total, ", ".join(assets))
    return sizes


def _first_paints(core: Spotlight, pages: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Per page: first contentful paint in ms, on a first visit and on a second one."""
    import uvicorn
    from playwright.sync_api import sync_playwright

    from tests.live_service import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(core), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    paints = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            for path, cookie in pages.items():
                context = browser.new_context()
                context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": base}])
                page = context.new_page()
                visits = []
                for _ in range(2):
                    page.goto(base + path, wait_until="load")
                    painted = page.evaluate(FIRST_PAINT)
                    visits.append(float(painted))
                paints[path] = (visits[0], visits[1])
                context.close()
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return paints


def _ms(paint: float) -> str:
    return "not painted" if paint < 0 else f"{paint:.0f}"


def run(plan: PagesPlan) -> PagesReport:
    report = PagesReport()
    with tempfile.TemporaryDirectory(prefix="spotlight-pages-bench-") as directory:
        settings = Settings(
            store=parse_store(f"sqlite:///{Path(directory) / 'bench.db'}"),
            data_dir=Path(directory),
            secret=b"bench-pages-secret-0123456789",
        )
        # A month after the studio's 28 days, the campaign's 30 days behind it: both pages
        # show every day seeded (the studio's over its 90-day range).
        core = bootstrap(settings, clock=FixedClock(AT + timedelta(days=31)))
        try:
            _progress(f"pages: seeding {plan.describe()}")
            pages = _seed(core, plan)
            _progress("pages: catching the projections up")
            core.projections.catch_up_all()
            _progress("pages: timing the pages on the server")
            timings = _server_times(core, pages, plan.reads)
            sizes = _bytes(core, pages)
            paints: dict[str, tuple[float, float]] = {}
            if CHROMIUM.exists():
                _progress("pages: first paint in Chromium")
                paints = _first_paints(core, pages)
        finally:
            core.close()
    table = Table(
        f"Web pages over {plan.describe()} (SQLite; {cpu_model()}, {usable_cpus()} CPUs)",
        (
            "page",
            "server p50 ms",
            "server p95 ms",
            "CPU ms/read",
            "HTML KB",
            "with assets KB",
            "FCP ms 1st/2nd",
        ),
    )
    for path, (timing, cpu) in timings.items():
        html, total, _assets = sizes[path]
        painted = paints.get(path)
        table.add(
            path.split("?")[0].rsplit("/", 1)[0] + "/…",
            f"{statistics.median(timing.latencies) * 1000:.1f}",
            f"{_percentile(timing.latencies, 0.95) * 1000:.1f}",
            f"{cpu * 1000:.1f}",
            f"{html / 1024:.1f}",
            f"{total / 1024:.1f}",
            "no Chromium" if painted is None else " / ".join(_ms(paint) for paint in painted),
        )
        if total > 300 * 1024:
            report.failures.append(f"{path}: {total / 1024:.0f} KB with assets (aim: 300 KB)")
    report.lines += render_table(table)
    report.lines.append(f"assets linked: {next(iter(sizes.values()))[2]}")
    for failure in report.failures:
        report.lines.append(f"CHECK FAILED: {failure}")
    return report


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    result = run(QUICK if quick else FULL)
    print("\n".join(result.lines))
    raise SystemExit(1 if result.failures else 0)
