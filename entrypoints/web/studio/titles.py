"""``/studio``: a studio's titles and their portals; ``/studio/titles/{id}``: a title's
analytics over 7, 28 or 90 days against the days before, as charts, tables and a CSV.

They read the use cases of ``GET /v1/me/titles``, ``GET /v1/titles/{id}`` and ``GET
/v1/studios/{id}/analytics`` with the visitor as the caller, so a studio sees only its own."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from application.anchors.analytics import TitleAnalytics, change
from application.anchors.periods import RANGES, PeriodComparison, checked_range, compare
from application.anchors.video_figures import VideoSort
from application.auth import Role, whose_list
from application.errors import NotFound
from domain.anchors.audience import ClickTarget
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.paging import pager, trails
from entrypoints.web.studio.chart import line_chart
from entrypoints.web.visitors import Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25
DEFAULT_RANGE = 28
TARGETS = tuple(target.value for target in ClickTarget)
Days = Annotated[int, Query(description="7, 28 or 90")]


@router.get("/studio", dependencies=trails())
def my_titles(
    request: Request, core: Core, visitor: Visiting, cursor: PageCursor = None
) -> Response:
    page = core.owner_lists.studio_titles(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    portals = {
        title.title_id: core.cataloguing.title(title.title_id).portal for title in page.items
    }
    return render(
        "studio/titles.html",
        {
            "visitor": visitor,
            "titles": page.items,
            "portals": portals,
            "pager": pager("/studio", request.query_params, page.next_cursor),
        },
    )


def _title_analytics(
    core: Core, visitor: Visiting, title_id: UUID, days: int
) -> tuple[TitleAnalytics, PeriodComparison]:
    studio_id = whose_list(visitor.principal, Role.STUDIO, None, "titles to analyse")
    days = checked_range(days)
    analytics = core.audience.studio_analytics(
        visitor.principal, studio_id, days=2 * days, title_id=title_id
    )
    found = next(iter(analytics.titles), None)
    if found is None:  # no such title, or another studio's
        raise NotFound("title", str(title_id))
    return found, compare(found.daily, days)


@router.get("/studio/titles/{title_id}", dependencies=trails())
def title_analytics(
    request: Request,
    title_id: UUID,
    core: Core,
    visitor: Visiting,
    days: Days = DEFAULT_RANGE,
    sort: VideoSort = VideoSort.CLICKS,
    cursor: PageCursor = None,
) -> Response:
    title, period = _title_analytics(core, visitor, title_id, days)
    videos = core.audience.video_table(
        visitor.principal, title_id, sort=sort, days=days, limit=PAGE_SIZE, cursor=cursor
    )
    dates = [d.day for d in period.current]
    charts = [
        line_chart(
            "Views", dates, [d.views for d in period.current], [d.views for d in period.previous]
        )
    ]
    charts += [
        line_chart(
            f"Clicks to {target}",
            dates,
            [d.targets.get(target, 0) for d in period.current],
            [d.targets.get(target, 0) for d in period.previous],
        )
        for target in TARGETS
    ]
    changes = {
        figure: change(getattr(period.now, figure), getattr(period.before, figure))
        for figure in ("views", "engagement", "clicks", "new_anchors")
    }
    targets = [
        (
            target,
            period.now.targets.get(target, 0),
            period.before.targets.get(target, 0),
            change(period.now.targets.get(target, 0), period.before.targets.get(target, 0)),
            title.clicks.get(target, 0),
        )
        for target in TARGETS
    ]
    return render(
        "studio/analytics.html",
        {
            "visitor": visitor,
            "title": title,
            "portal": core.cataloguing.title(title_id).portal,
            "period": period,
            "changes": changes,
            "charts": charts,
            "targets": targets,
            "ranges": RANGES,
            "videos": videos,
            "videos_pager": pager(
                f"/studio/titles/{title_id}", request.query_params, videos.page.next_cursor
            ),
            "sorts": list(VideoSort),
        },
    )


@router.get("/studio/titles/{title_id}/videos.csv")
def title_videos_csv(
    title_id: UUID,
    core: Core,
    visitor: Visiting,
    days: Days = DEFAULT_RANGE,
    sort: VideoSort = VideoSort.CLICKS,
) -> Response:
    """The whole per-video table of the chosen range, with the range before beside it."""
    lines = core.audience.video_table_csv(visitor.principal, title_id, sort=sort, days=days)
    return Response(
        "".join(lines),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="title-videos-{days}-days-by-{sort}.csv"'
        },
    )


@router.get("/studio/titles/{title_id}/analytics.csv")
def title_analytics_csv(
    title_id: UUID, core: Core, visitor: Visiting, days: Days = DEFAULT_RANGE
) -> Response:
    """Each day of the chosen range and of the range before it, oldest first."""
    title, period = _title_analytics(core, visitor, title_id, days)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "period",
            "day",
            "views",
            "engagement",
            "clicks",
            *(f"clicks_{target}" for target in TARGETS),
            "new_anchors",
        ]
    )
    for name, series in (("previous", period.previous), ("current", period.current)):
        for day in series:
            writer.writerow(
                [
                    name,
                    day.day.isoformat(),
                    day.views,
                    day.engagement,
                    day.clicks,
                    *(day.targets.get(target, 0) for target in TARGETS),
                    day.new_anchors,
                ]
            )
    slug = re.sub(r"[^a-z0-9]+", "-", title.name.lower()).strip("-") or "title"
    last = period.current[-1].day.isoformat()
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-{period.days}-days-to-{last}.csv"'
        },
    )
