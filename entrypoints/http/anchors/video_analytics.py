"""A title's per-video table over HTTP: which fan videos drive views and clicks, a page at a
time or whole as CSV, under the studio's analytics."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import Annotated, Any
from uuid import UUID

import attrs
from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from application.anchors.periods import RANGES
from application.anchors.video_analytics import DayRange, VideoRow, VideoTable
from application.anchors.video_figures import VideoFigures, VideoSort
from application.auth import Principal
from application.errors import NotFound
from entrypoints.http.paging import PageCursor, PageLimit
from entrypoints.http.schemas import AccountPath, IsoDate
from entrypoints.http.security import Caller, Core

router = APIRouter(tags=["audience"])

Sort = Annotated[
    VideoSort,
    Query(description="Order by this figure in the range, largest first (ties by video id)."),
]


class RangeDays(IntEnum):
    """A range a studio chooses (``application.anchors.periods.RANGES``): an enumeration in
    the OpenAPI, so another number is refused at the edge."""

    WEEK = 7
    FOUR_WEEKS = 28
    QUARTER = 90


if tuple(RangeDays) != RANGES:
    raise ImportError("RangeDays must list application.anchors.periods.RANGES")
Days = Annotated[
    RangeDays | None,
    Query(
        description=f"The last {', '.join(map(str, RANGES))} days (default 28); not with from/to.",
    ),
]
First = Annotated[
    IsoDate | None, Query(alias="from", description="A custom range's first day (with to).")
]
Last = Annotated[
    IsoDate | None, Query(alias="to", description="A custom range's last day (with from).")
]
AsOf = Annotated[IsoDate | None, Query(description="The last day of a range of days.")]


class FiguresOut(BaseModel):
    views: int
    likes: int
    shares: int
    comments: int
    clicks_by_target: dict[str, int]
    clicks: int

    @classmethod
    def of(cls, figures: VideoFigures) -> FiguresOut:
        return cls(
            views=figures.views,
            likes=figures.likes,
            shares=figures.shares,
            comments=figures.comments,
            clicks_by_target=dict(figures.clicks),
            clicks=figures.total_clicks,
        )


class VideoRowOut(BaseModel):
    video_id: UUID
    current: FiguresOut
    previous: FiguresOut = Field(description="The same video in the range just before.")

    @classmethod
    def of(cls, row: VideoRow) -> VideoRowOut:
        return cls(
            video_id=row.video_id,
            current=FiguresOut.of(row.now),
            previous=FiguresOut.of(row.before),
        )


class RangeOut(BaseModel):
    first: date
    last: date
    days: int

    @classmethod
    def of(cls, chosen: DayRange) -> RangeOut:
        return cls(first=chosen.first, last=chosen.last, days=chosen.days)


class VideoTableOut(BaseModel):
    title_id: UUID
    sort: VideoSort
    range: RangeOut
    previous_range: RangeOut
    items: list[VideoRowOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= (with the same sort and range) for the next page."
    )
    clicks_by_region: dict[str, int] = Field(description="The title's clicks in the range.")
    previous_clicks_by_region: dict[str, int]

    @classmethod
    def of(cls, table: VideoTable) -> VideoTableOut:
        return cls(
            title_id=table.title_id,
            sort=table.sort,
            range=RangeOut.of(table.range),
            previous_range=RangeOut.of(table.previous),
            items=[VideoRowOut.of(row) for row in table.page.items],
            next_cursor=table.page.next_cursor,
            clicks_by_region=dict(table.regions),
            previous_clicks_by_region=dict(table.regions_before),
        )


@attrs.frozen
class TableQuery:
    """What a table is read for: its order and its range of days."""

    sort: Sort = VideoSort.CLICKS
    days: Days = None
    first: First = None
    last: Last = None
    as_of: AsOf = None

    def asked(self) -> dict[str, Any]:
        return {
            "sort": self.sort,
            "days": self.days,
            "first": self.first,
            "last": self.last,
            "as_of": self.as_of,
        }


Asked = Annotated[TableQuery, Depends()]


def _studios_title(core: Core, caller: Principal, studio_id: str, title_id: UUID) -> None:
    """A title read under another studio's path is not found there."""
    if core.audience.title_studio(caller, title_id) != studio_id:
        raise NotFound("title", title_id)


@router.get(
    "/v1/studios/{studio_id}/analytics/titles/{title_id}/videos", response_model=VideoTableOut
)
def video_table(
    studio_id: AccountPath,
    title_id: UUID,
    core: Core,
    caller: Caller,
    asked: Asked,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> VideoTableOut:
    """A page of the title's fan videos by what they drove in the range (views, ticket,
    streaming, cast and official clicks), each with the range before it, and the title's
    clicks by region (owning studio, admin, auditor)."""
    _studios_title(core, caller, studio_id, title_id)
    return VideoTableOut.of(
        core.audience.video_table(caller, title_id, limit=limit, cursor=cursor, **asked.asked())
    )


@router.get(
    "/v1/studios/{studio_id}/analytics/titles/{title_id}/videos.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The whole table as CSV."}},
)
def video_table_csv(
    studio_id: AccountPath,
    title_id: UUID,
    core: Core,
    caller: Caller,
    asked: Asked,
) -> StreamingResponse:
    """The title's whole per-video table as CSV, in the table's order, with the previous
    range's figures beside each video (owning studio, admin, auditor)."""
    _studios_title(core, caller, studio_id, title_id)
    lines = core.audience.video_table_csv(caller, title_id, **asked.asked())
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="title-{title_id}-videos.csv"'},
    )
