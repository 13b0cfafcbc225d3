"""The studio's per-video table: for one title, which fan videos drive views and ticket,
streaming, cast and official clicks over a range of days, each against the range of equal
length just before it, the title's clicks by the viewers' region, and the whole table as CSV.

A page is a keyset over the sums the database computes for the range (the sort's figure, then
the video id), so pages neither skip nor repeat a video while the range's figures stand; its
cursor names the title, the sort and the range it was read for, and is refused for another.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from uuid import UUID

import attrs

from application.anchors.analytics import MAX_SERIES_DAYS, AnalyticsTables
from application.anchors.periods import checked_range
from application.anchors.video_figures import TARGETS, VideoFigures, VideoSort
from application.paging import KeysetCursors, Page, int_at, limited, uuid_at
from domain.errors import InvalidValue

#: The range a table shows when none is asked.
DEFAULT_DAYS = 28


@attrs.frozen
class DayRange:
    """The days ``first`` to ``last``, both counted."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> DayRange:
        """The range of equal length that ends the day before this one starts."""
        return DayRange(self.first - timedelta(days=self.days), self.first - timedelta(days=1))


def day_range(
    as_of: date,
    *,
    days: int | None = None,
    first: date | None = None,
    last: date | None = None,
) -> DayRange:
    """The range asked: the last 7, 28 or 90 ``days`` to ``as_of``, or the custom ``first``
    to ``last`` (both given, at most a year), never both."""
    if first is None and last is None:
        length = checked_range(DEFAULT_DAYS if days is None else days)
        return DayRange(as_of - timedelta(days=length - 1), as_of)
    if days is not None:
        raise InvalidValue("ask for a number of days or for a range from/to, not both")
    if first is None or last is None:
        raise InvalidValue("a custom range names both its first (from) and last (to) day")
    if last < first:
        raise InvalidValue(f"a range's last day ({last}) is not before its first ({first})")
    chosen = DayRange(first, last)
    if chosen.days > MAX_SERIES_DAYS:
        raise InvalidValue(f"a range is at most {MAX_SERIES_DAYS} days, not {chosen.days}")
    return chosen


@attrs.frozen
class VideoRow:
    """A video's figures in the range and in the range before it."""

    now: VideoFigures
    before: VideoFigures

    @property
    def video_id(self) -> UUID:
        return self.now.video_id


@attrs.frozen
class VideoTable:
    """A page of a title's per-video table, with the title's audience by region."""

    title_id: UUID
    sort: VideoSort
    range: DayRange
    previous: DayRange
    page: Page[VideoRow]
    regions: Mapping[str, int] = attrs.field(hash=False)  # clicks in the range by region
    regions_before: Mapping[str, int] = attrs.field(hash=False)


def _cursors(title_id: UUID, sort: VideoSort, chosen: DayRange) -> KeysetCursors:
    # The cursor's list is the table as it was asked: a cursor of another sort, title or
    # range would start the page at a place that means nothing in this one.
    scope = hashlib.blake2b(
        f"{title_id}/{sort.value}/{chosen.first}/{chosen.last}".encode(), digest_size=8
    ).hexdigest()
    return KeysetCursors(f"title videos {scope}", int, UUID)


def video_table(
    tables: AnalyticsTables,
    generation: int,
    title_id: UUID,
    chosen: DayRange,
    *,
    sort: VideoSort,
    limit: int,
    cursor: str | None,
) -> VideoTable:
    """A page of the title's videos in ``chosen``, each with its figures in the range
    before, and the title's clicks by region in both ranges."""
    limit = limited(limit)
    cursors = _cursors(title_id, sort, chosen)
    key = cursors.decode(cursor)
    after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
    rows = tables.video_figures(
        generation, title_id, chosen.first, chosen.last, sort=sort, after=after, limit=limit + 1
    )
    earlier = chosen.previous()
    before = {
        figures.video_id: figures
        for figures in tables.video_figures(
            generation,
            title_id,
            earlier.first,
            earlier.last,
            sort=sort,
            video_ids=[row.video_id for row in rows[:limit]],
        )
    }
    items = [
        VideoRow(now=row, before=before.get(row.video_id, _none(row.video_id))) for row in rows
    ]
    return VideoTable(
        title_id=title_id,
        sort=sort,
        range=chosen,
        previous=earlier,
        page=cursors.page(items, limit, lambda item: (item.now.figure(sort), item.video_id)),
        regions=tables.region_clicks(generation, title_id, chosen.first, chosen.last),
        regions_before=tables.region_clicks(generation, title_id, earlier.first, earlier.last),
    )


def _none(video_id: UUID) -> VideoFigures:
    return VideoFigures(video_id=video_id, clicks=dict.fromkeys(TARGETS, 0))


#: The CSV's columns: the range's figures, then the previous range's.
CSV_COLUMNS = (
    "video_id",
    "views",
    "likes",
    "shares",
    "comments",
    *(f"{target}_clicks" for target in TARGETS),
    "clicks",
    "previous_views",
    *(f"previous_{target}_clicks" for target in TARGETS),
    "previous_clicks",
)


def video_table_csv(
    tables: AnalyticsTables,
    generation: int,
    title_id: UUID,
    chosen: DayRange,
    *,
    sort: VideoSort,
) -> Iterator[str]:
    """The whole table as CSV lines (a header first), in the table's order: two grouped
    queries, however many videos."""
    earlier = chosen.previous()
    rows = tables.video_figures(generation, title_id, chosen.first, chosen.last, sort=sort)
    before = {
        figures.video_id: figures
        for figures in tables.video_figures(
            generation, title_id, earlier.first, earlier.last, sort=sort
        )
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield _taken(out)
    for now in rows:
        was = before.get(now.video_id) or _none(now.video_id)
        writer.writerow(
            (
                now.video_id,
                now.views,
                now.likes,
                now.shares,
                now.comments,
                *(now.clicks.get(target, 0) for target in TARGETS),
                now.total_clicks,
                was.views,
                *(was.clicks.get(target, 0) for target in TARGETS),
                was.total_clicks,
            )
        )
        yield _taken(out)


def _taken(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
