"""Business: the creator marketplace's search latency over many creators and videos, and a
campaign dashboard's response time over a campaign with many videos.

Creators (a region each, a follower count) and their videos (a category, a caption of six
words drawn from a 2,000-word vocabulary, a topic word of their category, a hashtag) are
saved to a SQLite catalogue log in transactions of 1,000, with engagement batches; the
marketplace's projection (its tables in the projection store, as the service wires it) is
built by following that log from zero, then a new instance (a restarted process) answers its
first search and its first free-text search. Searches of four kinds are timed one by one: free text,
a category filter, category + region + follower range, and fit to a campaign (its
categories, regions, name and hashtag). Then a campaign whose participants published
``dashboard_videos`` videos with its hashtag, with engagement on each day of the flight, is
read through ``CampaignDashboards.dashboard``.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from uuid import UUID

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.campaign_dashboards import SqlDashboardTables
from adapters.projections.marketplace import SqlMarketplaceTables, creator_text
from adapters.projections.protection import persisted_protection
from adapters.storage import Store, close_application, parse_store
from application.auth import Principal, Role
from application.business.campaign_dashboard import (
    CampaignDashboardProjection,
    CampaignDashboards,
)
from application.business.marketplace import CreatorQuery, Marketplace
from application.business.marketplace_projection import MarketplaceProjection
from application.logs import CatalogueLog, RevenueLog
from application.projections import ProjectionRunner
from bench.machine import cpu_model, usable_cpus
from bench.tables import Table, render_table
from domain.anchors.audience import EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.videos import Video
from domain.business.campaigns import Campaign, Kpi, KpiTarget
from domain.business.invitations import Invitation, Terms
from domain.categories import CATEGORIES
from domain.money import Money
from domain.revenue.creators import Creator

AT = datetime(2026, 3, 1, tzinfo=UTC)
BATCH = 1_000
REGIONS = ("US", "JP", "KR", "BR", "DE", "FR", "GB", "IN", "MX", "ID")
BRAND = Principal(Role.BRAND, "bench-brand")


@dataclass(frozen=True)
class BusinessPlan:
    creators: int
    videos: int
    queries: int  # per kind
    dashboard_videos: int
    dashboard_reads: int

    def describe(self) -> str:
        return (
            f"{self.creators:,} creators and {self.videos:,} videos' text, {self.queries} "
            f"searches of each of four kinds; a campaign dashboard over "
            f"{self.dashboard_videos:,} videos"
        )


FULL = BusinessPlan(
    creators=100_000, videos=1_000_000, queries=200, dashboard_videos=10_000, dashboard_reads=20
)
QUICK = BusinessPlan(
    creators=5_000, videos=50_000, queries=50, dashboard_videos=2_000, dashboard_reads=10
)


@dataclass
class BusinessReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < 2_000:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 9))))
    return sorted(words)


TOPICS = {
    "beauty": "skincare", "fashion": "outfit", "cooking": "recipe", "gaming": "speedrun",
    "music": "cover", "dance": "choreo", "comedy": "sketch", "sports": "workout",
    "travel": "roadtrip", "education": "lesson", "pets": "puppy", "film-and-tv": "review",
}  # fmt: skip


def _seed(catalogue: CatalogueLog, plan: BusinessPlan, rng: random.Random) -> list[str]:
    words = _vocabulary(rng)
    accounts = [f"creator-{n}" for n in range(plan.creators)]
    pending: list[object] = []

    def flush(force: bool = False) -> None:
        if pending and (force or len(pending) >= BATCH):
            catalogue.save(*pending)  # type: ignore[arg-type]
            pending.clear()

    for account in accounts:
        creator = Creator.register(account=account, region=rng.choice(REGIONS), at=AT)
        creator.count_followers(int(10 ** rng.uniform(2, 7)), at=AT, by="bench")
        pending.append(creator)
        flush()
    counts: list[EngagementCount] = []
    for number in range(plan.videos):
        account = accounts[number % plan.creators]
        category = CATEGORIES[hash(account) % len(CATEGORIES)]
        caption = " ".join([*rng.sample(words, 6), TOPICS[category]])
        video = Video.publish(
            UUID(int=number + 1),
            creator_id=account,
            caption=caption,
            hashtags=[f"#{rng.choice(words)}"],
            category=category,
            at=AT,
        )
        pending.append(video)
        views = rng.randint(100, 10_000)
        counts.append(
            EngagementCount(video.id, Engagement(views=views, likes=rng.randint(0, views // 5)))
        )
        if len(counts) == BATCH:
            pending.append(
                EngagementBatch.record(
                    UUID(int=10**12 + number), reporter="bench", counts=counts, at=AT
                )
            )
            counts = []
        flush()
        if number and number % 200_000 == 0:
            _progress(f"business: {number:,} of {plan.videos:,} videos saved")
    flush(force=True)
    return words


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _campaign(revenue: RevenueLog, *, hashtag: str, participants: list[str]) -> Campaign:
    campaign = Campaign.launch(
        UUID(int=7),
        brand=BRAND.subject,
        name="Bench glow summer",
        objective="engagement",
        budget=Money(100_000_000, "USD"),
        starts_on=AT.date(),
        ends_on=AT.date() + timedelta(days=29),
        categories=["beauty", "fashion"],
        regions=["US", "JP"],
        kpis=[KpiTarget(Kpi.VIEWS, 1_000_000), KpiTarget(Kpi.ENGAGEMENT_RATE, 800)],
        hashtag=hashtag,
        at=AT,
    )
    invitations = []
    for creator in participants:
        invitation = Invitation.send(
            campaign.id,
            brand=BRAND.subject,
            creator=creator,
            terms=Terms(Money(10_000, "USD"), "videos", AT.date() + timedelta(days=20)),
            currency="USD",
            last_day=campaign.last_day(),
            at=AT,
        )
        invitation.accept(by=creator, at=AT)
        campaign.admit(creator, invitation_id=invitation.id, at=AT)
        invitations.append(invitation)
    revenue.save(campaign, *invitations)
    return campaign


def _dashboard_videos(catalogue: CatalogueLog, plan: BusinessPlan, participants: list[str]) -> None:
    pending: list[object] = []
    ids = []
    for number in range(plan.dashboard_videos):
        video = Video.publish(
            UUID(int=2 * 10**12 + number),
            creator_id=participants[number % len(participants)],
            caption="bench glow",
            hashtags=["#benchglow"],
            category="beauty",
            at=AT + timedelta(days=number % 30),
        )
        ids.append(video.id)
        pending.append(video)
        if len(pending) >= BATCH:
            catalogue.save(*pending)  # type: ignore[arg-type]
            pending.clear()
    for day in range(30):
        for start in range(0, len(ids), BATCH):
            counts = [
                EngagementCount(v, Engagement(views=100 + day, likes=7))
                for v in ids[start : start + BATCH]
            ]
            pending.append(
                EngagementBatch.record(
                    UUID(int=3 * 10**12 + day * 10**6 + start),
                    reporter="bench",
                    counts=counts,
                    at=AT + timedelta(days=day),
                )
            )
    if pending:
        catalogue.save(*pending)  # type: ignore[arg-type]


def _marketplace(
    store: Store, catalogue: CatalogueLog, revenue: RevenueLog
) -> tuple[Marketplace, SqlProjectionStore]:
    """The marketplace as a process of the service starts it."""
    projection_store = SqlProjectionStore(projection_database_for(store))
    runner = ProjectionRunner(projection_store, {log.name: log for log in (catalogue, revenue)})
    projection = MarketplaceProjection(
        SqlMarketplaceTables(projection_store), creator_text(projection_store)
    )
    runner.register(projection)
    return Marketplace(revenue, runner=runner, projection=projection), projection_store


def run(plan: BusinessPlan) -> BusinessReport:
    report = BusinessReport()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="spotlight-business-bench-") as directory:
        store = parse_store(f"sqlite:///{Path(directory) / 'bench.db'}")
        store.prepare()
        catalogue = CatalogueLog(store.env_for(CatalogueLog.name))
        revenue = RevenueLog(store.env_for(RevenueLog.name))
        try:
            _progress(f"business: seeding {plan.creators:,} creators and {plan.videos:,} videos")
            started = perf_counter()
            words = _seed(catalogue, plan, rng)
            participants = [f"creator-{n}" for n in range(0, plan.creators, plan.creators // 20)]
            campaign = _campaign(revenue, hashtag="#benchglow", participants=participants)
            _dashboard_videos(catalogue, plan, participants)
            seeding = perf_counter() - started
            _progress("business: following the log into the marketplace's projection")
            # As the service wires it: rows in a projection store beside the logs' files.
            tracemalloc.start()
            started = perf_counter()
            market, market_store = _marketplace(store, catalogue, revenue)
            market.catch_up()
            building = perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            market_store.close()
            # A restart: a new process finds the rows where the last one left them.
            started = perf_counter()
            market, market_store = _marketplace(store, catalogue, revenue)
            market.find_creators(BRAND, CreatorQuery(categories=("beauty",)), limit=20)
            first_search = perf_counter() - started
            started = perf_counter()
            market.find_creators(BRAND, CreatorQuery(text=words[0]), limit=20)
            first_text = perf_counter() - started
            kinds: dict[str, Callable[[], CreatorQuery]] = {
                "free text (2 words)": lambda: CreatorQuery(text=" ".join(rng.sample(words, 2))),
                "category": lambda: CreatorQuery(categories=(rng.choice(CATEGORIES),)),
                "category, region, followers": lambda: CreatorQuery(
                    categories=(rng.choice(CATEGORIES),),
                    regions=(rng.choice(REGIONS),),
                    followers_min=10_000,
                    followers_max=1_000_000,
                ),
                "fit to a campaign": lambda: CreatorQuery(campaign_id=campaign.id),
            }
            table = Table(
                title=(
                    f"marketplace search over {plan.creators:,} creators and {plan.videos:,} "
                    f"videos (SQLite; {plan.queries} searches a kind; {cpu_model()}, "
                    f"{usable_cpus()} CPUs)"
                ),
                headings=("search", "p50 ms", "p95 ms", "results p50"),
            )
            for kind, make in kinds.items():
                times: list[float] = []
                found: list[int] = []
                for _ in range(plan.queries):
                    query = make()
                    started = perf_counter()
                    page = market.find_creators(BRAND, query, limit=20).items
                    times.append(perf_counter() - started)
                    found.append(len(page))
                table.add(
                    kind,
                    f"{_percentile(times, 0.5) * 1e3:.1f}",
                    f"{_percentile(times, 0.95) * 1e3:.1f}",
                    f"{statistics.median(found):.0f}",
                )
            report.lines += render_table(table)
            report.lines.append(
                f"seeding: {seeding:.0f} s; building the marketplace's projection from the log: "
                f"{building:.0f} s, peak traced memory {peak / 2**20:,.0f} MiB; after a restart, "
                f"the first search: {first_search:.2f} s, the first free-text search: "
                f"{first_text:.2f} s"
            )
            market_store.close()
            # As the service wires it: rows in a projection store beside the logs' files.
            projection_store = SqlProjectionStore(projection_database_for(store))
            runner = ProjectionRunner(
                projection_store, {log.name: log for log in (catalogue, revenue)}
            )
            protection = persisted_protection(projection_store, runner)
            projection = CampaignDashboardProjection(
                SqlDashboardTables(projection_store), protection
            )
            runner.register(projection)
            dashboards = CampaignDashboards(runner, projection, protection=protection)
            started = perf_counter()
            dashboards.catch_up()
            dashboard_build = perf_counter() - started
            reads = []
            board = None
            for _ in range(plan.dashboard_reads):
                started = perf_counter()
                board = dashboards.dashboard(
                    BRAND, campaign.id, as_of=AT.date() + timedelta(days=40)
                )
                reads.append(perf_counter() - started)
            assert board is not None
            report.lines.append(
                f"campaign dashboard over {board.videos:,} videos and 30 days: median "
                f"{statistics.median(reads) * 1e3:.0f} ms, p95 "
                f"{_percentile(reads, 0.95) * 1e3:.0f} ms a read "
                f"(its projection built from the log in {dashboard_build:.0f} s)"
            )
            if board.videos != plan.dashboard_videos:
                report.failures.append(
                    f"the dashboard counted {board.videos} videos, not {plan.dashboard_videos}"
                )
            projection_store.close()
        finally:
            close_application(catalogue)
            close_application(revenue)
    for failure in report.failures:
        report.lines.append(f"CHECK FAILED: {failure}")
    return report
