"""A title's per-video table (``Audience.video_table``) and its CSV export at scale: one title
with every video anchored to it, engagement on every video every day of the range, and
viewers' click batches (with regions) every day, saved to the catalogue log through the
domain's own methods; the core (``bootstrap``, as the service wires it) brings the studio
analytics projection to the end of the log, then the table is read as the studio reads it.

Reads: the first page (50 videos) under each sort, and pages that start at a cursor, over
the last 90 days against the 90 before; then the whole table as CSV, timed to its last line.
Run ``python -m bench.video_table [--quick] [--store sqlite|postgres|all]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from time import perf_counter
from uuid import UUID

from adapters.projections.analytics import SqlAnalyticsTables
from adapters.storage import Store
from application.anchors.analytics import NAME
from application.anchors.video_figures import VideoSort
from application.auth import Principal, Role
from application.catalogue import Catalogue
from bench.machine import cpu_model, usable_cpus
from bench.sandboxes import DEFAULT_POSTGRES_URL, PostgresSandbox, Sandbox, SqliteSandbox
from domain.anchors.audience import Click, ClickBatch, ClickTarget, EngagementBatch, EngagementCount
from domain.anchors.engagement import Engagement
from domain.anchors.portal import Portal
from domain.anchors.titles import Title, TitleKind
from domain.anchors.videos import Video
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
SAVE = 1_000  # aggregates a transaction
COUNTS = 2_000  # counts an engagement batch
PAGE = 50
STUDIO = Principal(Role.STUDIO, "bench-studio")
TITLE = UUID(int=1)
REGIONS = ("JP", "KR", "US", "FR", None)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _seed(catalogue: Catalogue, videos: int, days: int, viewers: int, rng: random.Random) -> int:
    """The story straight to the log; answers the events the projection follows."""
    pending: list[object] = []

    def flush(force: bool = False) -> None:
        if pending and (force or len(pending) >= SAVE):
            catalogue._log.save(*pending)  # type: ignore[arg-type]
            pending.clear()

    start = AT - timedelta(days=2 * days)
    pending.append(
        Title.register(
            TITLE,
            studio_id=STUDIO.subject,
            name="Bench title",
            kind=TitleKind.MOVIE,
            portal=Portal(),
            at=start,
        )
    )
    ids = []
    for number in range(videos):
        video = Video.publish(
            UUID(int=10**9 + number),
            creator_id=f"creator-{number % 500}",
            caption="bench clip",
            hashtags=["#bench"],
            category="film-and-tv",
            at=start,
        )
        video.attach_anchor(TITLE, by="bench", at=start)
        ids.append(video.id)
        pending.append(video)
        flush()
    followed = 1 + 2 * videos
    # The range read and the one before it, so the comparison has figures too.
    for day in range(2 * days):
        reported = start + timedelta(days=day + 1)
        for first in range(0, videos, COUNTS):
            counts = [
                EngagementCount(
                    video_id,
                    Engagement(views=rng.randint(10, 500), likes=rng.randint(0, 9), shares=1),
                )
                for video_id in ids[first : first + COUNTS]
            ]
            pending.append(
                EngagementBatch.record(
                    UUID(int=2 * 10**9 + day * 10**6 + first),
                    reporter="bench",
                    counts=counts,
                    at=reported,
                )
            )
            followed += 1
            flush()
        for viewer in range(viewers):
            pending.append(
                ClickBatch.record(
                    UUID(int=3 * 10**9 + day * 10**6 + viewer),
                    viewer=f"viewer-{viewer}",
                    clicks=[
                        Click(
                            video_id=rng.choice(ids),
                            title_id=TITLE,
                            target=rng.choice(tuple(ClickTarget)),
                            at=reported,
                        )
                        for _ in range(5)
                    ],
                    region=REGIONS[viewer % len(REGIONS)],
                )
            )
            followed += 1
            flush()
    flush(force=True)
    return followed


def _seed_rows(core: Spotlight, videos: int, days: int, rng: random.Random) -> int:
    """Only the title through the log; the per-video days and region clicks written straight
    into the projection's tables (the rows its events would leave), to measure the reads at
    full size without the catch-up. Answers the rows written."""
    core.cataloguing._log.save(
        Title.register(
            TITLE,
            studio_id=STUDIO.subject,
            name="Bench title",
            kind=TitleKind.MOVIE,
            portal=Portal(),
            at=AT - timedelta(days=2 * days),
        )
    )
    core.projections.catch_up(NAME)
    tables = core.audience.projection.tables
    assert isinstance(tables, SqlAnalyticsTables)
    t = tables._of(core.projections.fresh(NAME))
    first = AT.date() - timedelta(days=2 * days - 1)
    written = 0
    with tables.store.database.writer.begin() as connection:
        for day in range(2 * days):
            on = first + timedelta(days=day)
            connection.execute(
                t.video_days.insert(),
                [
                    {
                        "title_id": TITLE,
                        "day": on,
                        "video_id": UUID(int=10**9 + number),
                        "views": rng.randint(10, 500),
                        "likes": rng.randint(0, 9),
                        "shares": 1,
                        "comments": 0,
                        "tickets_clicks": rng.randint(0, 2),
                        "streaming_clicks": rng.randint(0, 2),
                        "cast_clicks": rng.randint(0, 1),
                        "official_clicks": 0,
                    }
                    for number in range(videos)
                ],
            )
            connection.execute(
                t.region_days.insert(),
                [
                    {"title_id": TITLE, "day": on, "region": region, "clicks": rng.randint(1, 99)}
                    for region in ("JP", "KR", "US", "FR", "unknown")
                ],
            )
            written += videos
    return written


def _timed(read: Callable[[], object], times: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    timings = []
    for _ in range(times):
        began = perf_counter()
        read()
        timings.append((perf_counter() - began) * 1000)
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def run(
    sandbox: Sandbox,
    store: Store,
    videos: int,
    days: int,
    viewers: int,
    reads: int,
    *,
    rows_only: bool = False,
) -> list[str]:
    rng = random.Random(7)
    core = bootstrap(Settings(store=store, data_dir=sandbox.scratch, secret=b"bench-video-table"))
    failures = []
    try:
        began = perf_counter()
        if rows_only:
            written = _seed_rows(core, videos, days, rng)
            loaded = f"{written:,} per-video day rows written straight to the projection"
            _progress(f"{sandbox.name}: {loaded} in {perf_counter() - began:.0f}s")
        else:
            followed = _seed(core.cataloguing, videos, days, viewers, rng)
            _progress(f"{sandbox.name}: {followed:,} events saved in {perf_counter() - began:.0f}s")
            began = perf_counter()
            applied = core.projections.catch_up(NAME)
            caught_up = perf_counter() - began
            _progress(f"{sandbox.name}: projection caught up in {caught_up:.0f}s")
            if applied != followed:
                failures.append(f"applied {applied:,} events of {followed:,}")
            loaded = (
                f"{viewers * 2 * days:,} click batches; projection caught up at "
                f"{followed / caught_up:,.0f} events/s"
            )
        as_of = AT.date()
        audience = core.audience
        first = audience.video_table(STUDIO, TITLE, days=days, as_of=as_of, limit=PAGE)
        cursors = [first.page.next_cursor]
        for _ in range(4):
            page = audience.video_table(
                STUDIO, TITLE, days=days, as_of=as_of, limit=PAGE, cursor=cursors[-1]
            )
            cursors.append(page.page.next_cursor)
        lines = [
            f"{sandbox.name}: 1 title, {videos:,} anchored videos, engagement on each every day "
            f"for {2 * days} days ({videos * 2 * days:,} video-days); {loaded}"
        ]

        def first_page(sort: VideoSort) -> Callable[[], object]:
            return lambda: audience.video_table(
                STUDIO, TITLE, sort=sort, days=days, as_of=as_of, limit=PAGE
            )

        for sort in VideoSort:
            p50, p95 = _timed(first_page(sort), reads)
            lines.append(f"  first page by {sort.value:<10} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        p50, p95 = _timed(
            lambda: audience.video_table(
                STUDIO, TITLE, days=days, as_of=as_of, limit=PAGE, cursor=rng.choice(cursors)
            ),
            reads,
        )
        lines.append(f"  a page at a cursor       p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        exports = []
        for _ in range(3):
            began = perf_counter()
            rows = sum(1 for _ in audience.video_table_csv(STUDIO, TITLE, days=days, as_of=as_of))
            exports.append(perf_counter() - began)
        if rows != videos + 1:
            failures.append(f"the CSV holds {rows - 1:,} videos, not {videos:,}")
        lines.append(
            f"  CSV export of {rows - 1:,} videos: median {statistics.median(exports):.2f} s "
            f"(max {max(exports):.2f} s; target under 2 s)"
        )
    finally:
        core.close()
    lines += [f"CHECK FAILED: {failure}" for failure in failures]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.video_table")
    parser.add_argument("--quick", action="store_true", help="1,000 videos over 28 days")
    parser.add_argument("--store", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--rows",
        action="store_true",
        help="write the projection's rows directly (reads at full size, no catch-up)",
    )
    options = parser.parse_args(argv)
    videos, days, viewers, reads = (1_000, 28, 20, 20) if options.quick else (10_000, 90, 100, 40)
    print(f"a title's per-video table, pages of {PAGE} ({cpu_model()}, {usable_cpus()} CPUs)")
    sandboxes: list[Callable[[], Sandbox]] = []
    if options.store in ("sqlite", "all"):
        sandboxes.append(SqliteSandbox)
    if options.store in ("postgres", "all"):
        sandboxes.append(lambda: PostgresSandbox(options.postgres_url))
    failed = False
    for make in sandboxes:
        sandbox = make()
        try:
            lines = run(
                sandbox, sandbox.fresh(), videos, days, viewers, reads, rows_only=options.rows
            )
        finally:
            sandbox.close()
        print("\n".join(lines), flush=True)
        failed = failed or any(line.startswith("CHECK FAILED") for line in lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
