"""Studio analytics: a studio dashboard's response time over many anchored videos, read from
the persisted projection ("studio analytics (anchors per title)").

A studio's titles and the videos anchored to them (a few hashtags each, from a 300-word
vocabulary), a month of daily engagement batches over every video and viewers' click batches
are saved to a SQLite catalogue log in transactions of 1,000; the core (``bootstrap``, as the
service wires it) then brings the projection to the end of the log (timed: events applied a
second) and its dashboard is read ``reads`` times through ``Audience.studio_analytics``, each
read asking the runner for a fresh generation first as the embedded service does.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from uuid import UUID

from adapters.storage import parse_store
from application.anchors.analytics import NAME
from application.auth import Principal, Role
from application.catalogue import Catalogue
from bench.machine import cpu_model, usable_cpus
from bench.tables import Table, render_table
from domain.anchors.audience import Click, ClickBatch, ClickTarget, EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.portal import Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
BATCH = 1_000
DAYS = 28
STUDIO = Principal(Role.STUDIO, "bench-studio")
TARGETS = tuple(ClickTarget)


@dataclass(frozen=True)
class AnalyticsPlan:
    titles: int
    videos: int  # every one anchored
    viewers: int  # each sends one click batch a day
    reads: int

    def describe(self) -> str:
        return (
            f"{self.titles} titles, {self.videos:,} anchored videos, {DAYS} days of engagement "
            f"on every video, {self.viewers * DAYS:,} click batches; {self.reads} reads"
        )


FULL = AnalyticsPlan(titles=20, videos=10_000, viewers=100, reads=200)
QUICK = AnalyticsPlan(titles=5, videos=1_000, viewers=20, reads=50)


@dataclass
class AnalyticsReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _seed(catalogue: Catalogue, plan: AnalyticsPlan, rng: random.Random) -> int:
    """Save the story straight to the log (the domain's own methods, no matching); answer
    the number of events the projection follows."""
    words = sorted({f"tag{rng.randrange(10**6)}" for _ in range(300)})
    pending: list[object] = []
    followed = 0

    def flush(force: bool = False) -> None:
        if pending and (force or len(pending) >= BATCH):
            catalogue._log.save(*pending)  # type: ignore[arg-type]
            pending.clear()

    titles = []
    for number in range(plan.titles):
        title = Title.register(
            UUID(int=number + 1),
            studio_id=STUDIO.subject,
            name=f"Bench title {number}",
            kind=TitleKind.MOVIE,
            portal=Portal(),
            at=AT,
        )
        titles.append(title.id)
        pending.append(title)
    followed += plan.titles
    videos = []
    for number in range(plan.videos):
        at = AT - timedelta(days=DAYS) + timedelta(minutes=number % (DAYS * 24 * 60))
        video = Video.publish(
            UUID(int=10**9 + number),
            creator_id=f"creator-{number % 500}",
            caption="bench clip",
            hashtags=[f"#{word}" for word in rng.sample(words, 3)],
            category="film-and-tv",
            at=at,
        )
        video.attach_anchor(titles[number % plan.titles], by="bench", at=at)
        videos.append((video.id, video.anchor.title_id if video.anchor else titles[0]))
        pending.append(video)
        followed += 2
        flush()
    for day in range(DAYS):
        reported = AT - timedelta(days=DAYS - 1 - day)
        for start in range(0, len(videos), BATCH):
            counts = [
                EngagementCount(
                    video_id,
                    Engagement(views=rng.randint(10, 500), likes=rng.randint(0, 9), shares=1),
                )
                for video_id, _title in videos[start : start + BATCH]
            ]
            pending.append(
                EngagementBatch.record(
                    UUID(int=2 * 10**9 + day * 10**6 + start),
                    reporter="bench",
                    counts=counts,
                    at=reported,
                )
            )
            followed += 1
            flush()
        for viewer in range(plan.viewers):
            clicked = [rng.choice(videos) for _ in range(5)]
            pending.append(
                ClickBatch.record(
                    UUID(int=3 * 10**9 + day * 10**6 + viewer),
                    viewer=f"viewer-{viewer}",
                    clicks=[
                        Click(
                            video_id=video_id,
                            title_id=title_id,
                            target=rng.choice(TARGETS),
                            at=reported,
                        )
                        for video_id, title_id in clicked
                    ],
                )
            )
            followed += 1
            flush()
    flush(force=True)
    return followed


def run(plan: AnalyticsPlan) -> AnalyticsReport:
    report = AnalyticsReport()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="spotlight-analytics-bench-") as directory:
        settings = Settings(
            store=parse_store(f"sqlite:///{Path(directory) / 'bench.db'}"),
            data_dir=Path(directory),
            secret=b"bench-analytics-secret",
        )
        core = bootstrap(settings)
        try:
            started = perf_counter()
            followed = _seed(core.cataloguing, plan, rng)
            _progress(f"analytics: {followed:,} events saved in {perf_counter() - started:.1f}s")
            started = perf_counter()
            applied = core.projections.catch_up(NAME)
            caught_up = perf_counter() - started
            _progress(f"analytics: projection caught up in {caught_up:.1f}s")
            if applied != followed:
                report.failures.append(f"applied {applied:,} events of {followed:,}")
            as_of = AT.date()
            timings = []
            dashboard = core.audience.studio_analytics(STUDIO, STUDIO.subject, as_of=as_of)
            for _ in range(plan.reads):
                began = perf_counter()
                core.audience.studio_analytics(STUDIO, STUDIO.subject, as_of=as_of)
                timings.append(perf_counter() - began)
        finally:
            core.close()
    anchored = sum(title.anchored_videos for title in dashboard.titles)
    if anchored != plan.videos:
        report.failures.append(f"the dashboard shows {anchored:,} anchored videos")
    table = Table(
        f"Studio analytics over {plan.describe()} (SQLite; {cpu_model()}, {usable_cpus()} CPUs)",
        ("measure", "value"),
    )
    table.add("catch-up from zero, events/s", f"{followed / caught_up:,.0f}")
    table.add("dashboard read p50, ms", f"{statistics.median(timings) * 1000:.1f}")
    table.add("dashboard read p95, ms", f"{_percentile(timings, 0.95) * 1000:.1f}")
    table.add("dashboard reads/s (median)", f"{1 / statistics.median(timings):,.0f}")
    report.lines += render_table(table)
    for failure in report.failures:
        report.lines.append(f"CHECK FAILED: {failure}")
    return report


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    result = run(QUICK if quick else FULL)
    print("\n".join(result.lines))
    raise SystemExit(1 if result.failures else 0)
