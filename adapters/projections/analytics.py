"""The studio analytics' tables (``application.anchors.analytics.AnalyticsTables``) in SQL.

Running totals are kept on the rows a dashboard reads (a title's row holds its anchored
videos' totals; a title's day, its clicks by target, in all and each day, and its hashtags
have rows of their own), so a dashboard is six indexed queries whatever the number of
videos. Amounts are added by ``INSERT ... ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL, by
update-then-insert on other databases (the batches of one projection are serialised by the
store's compare and set, so no other writer inserts the same key meanwhile).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.keyset import rows_after
from adapters.projections.rows import (
    add_amounts,
    add_amounts_by_key,
    chunks,
    insert_rows,
    update_rows,
)
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.anchors.analytics import (
    AnalyticsRows,
    Day,
    RegisteredTitle,
    StudioRows,
    TitleFigures,
    Totals,
    VideoStanding,
)
from application.anchors.video_figures import (
    TARGETS,
    VIDEO_TARGETS,
    VideoDay,
    VideoFigures,
    VideoSort,
)
from application.projections import Batch
from domain.anchors.engagement import Engagement

_AMOUNTS = ("views", "likes", "shares", "comments")
_DAY = ("views", "engagement", "clicks", "new_anchors")
_TITLE = ("listed", "studio_id", "registered", "name", "words", "anchored", *_AMOUNTS)
_VIDEO = ("published", "counted", "anchor", "hashtags", *_AMOUNTS)
#: A video's day under a title: its engagement while anchored and its clicks by target.
_VIDEO_DAY = (*_AMOUNTS, *VIDEO_TARGETS)


def _amounts() -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger, nullable=False, default=0) for name in _AMOUNTS]


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"analytics_titles{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        # Whether the auditor's replay compares the title (registered, anchored or clicked).
        sa.Column("listed", sa.Boolean, nullable=False),
        sa.Column("studio_id", sa.String(200)),
        sa.Column("registered", sa.BigInteger),
        sa.Column("name", sa.Text),
        sa.Column("words", sa.Text),
        sa.Column("anchored", sa.BigInteger, nullable=False, default=0),
        *_amounts(),
        sa.Index(f"ix_analytics_titles{suffix}_studio", "studio_id", "registered"),
    )
    sa.Table(
        f"analytics_videos{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("published", sa.Boolean, nullable=False, default=False),
        # Whether any engagement was counted for it (the replay compares such videos too).
        sa.Column("counted", sa.Boolean, nullable=False, default=False),
        sa.Column("anchor", sa.Uuid),
        sa.Column("hashtags", sa.Text),
        *_amounts(),
    )
    sa.Table(
        f"analytics_anchored{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Index(f"ix_analytics_anchored{suffix}_video", "video_id"),
    )
    sa.Table(
        f"analytics_days{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("views", sa.BigInteger, nullable=False, default=0),
        sa.Column("engagement", sa.BigInteger, nullable=False, default=0),
        sa.Column("clicks", sa.BigInteger, nullable=False, default=0),
        sa.Column("new_anchors", sa.BigInteger, nullable=False, default=0),
    )
    sa.Table(
        f"analytics_day_clicks{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("target", sa.String(32), primary_key=True),
        sa.Column("clicks", sa.BigInteger, nullable=False, default=0),
    )
    sa.Table(
        f"analytics_clicks{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("target", sa.String(32), primary_key=True),
        sa.Column("clicks", sa.BigInteger, nullable=False, default=0),
    )
    sa.Table(
        f"analytics_hashtags{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("tag", sa.String(200), primary_key=True),
        sa.Column("videos", sa.BigInteger, nullable=False, default=0),
        # A title's hashtags by how many videos carry them: its leading ones are a seek.
        sa.Index(f"ix_analytics_hashtags{suffix}_videos", "title_id", "videos"),
    )
    # A title's videos' days: what each video brought the title each day (the per-video
    # table). Keyed by title and day first, so a range of days is one seek on the key.
    sa.Table(
        f"analytics_video_days{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        *[sa.Column(name, sa.BigInteger, nullable=False, default=0) for name in _VIDEO_DAY],
    )
    sa.Table(
        f"analytics_region_days{suffix}",
        metadata,
        sa.Column("title_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("region", sa.String(16), primary_key=True),
        sa.Column("clicks", sa.BigInteger, nullable=False, default=0),
    )
    sa.Table(
        f"analytics_clicks_seen{suffix}",
        metadata,
        sa.Column("viewer", sa.String(200), primary_key=True),
        sa.Column("click_window", sa.BigInteger, primary_key=True),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("target", sa.String(32), primary_key=True),
        sa.Index(f"ix_analytics_clicks_seen{suffix}_window", "click_window"),
    )
    sa.Table(
        f"analytics_click_windows{suffix}",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("newest", sa.BigInteger, nullable=False),
    )


@attrs.frozen
class _Tables:
    titles: sa.Table
    videos: sa.Table
    anchored: sa.Table
    days: sa.Table
    day_clicks: sa.Table
    clicks: sa.Table
    hashtags: sa.Table
    video_days: sa.Table
    region_days: sa.Table
    seen: sa.Table = attrs.field(alias="clicks_seen")
    windows: sa.Table = attrs.field(alias="click_windows")


def _words(text: str | None) -> frozenset[str]:
    return frozenset() if text is None else frozenset(json.loads(text))


def _hashtags(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


def _engagement(row: Any) -> Engagement:
    return Engagement(views=row.views, likes=row.likes, shares=row.shares, comments=row.comments)


def _standing(video_id: UUID, row: Mapping[Any, Any]) -> VideoStanding:
    return VideoStanding(
        video_id=video_id,
        published=bool(row["published"]),
        anchor=row["anchor"],
        engagement=Engagement(
            views=row["views"], likes=row["likes"], shares=row["shares"], comments=row["comments"]
        ),
        hashtags=_hashtags(row["hashtags"]),
    )


def _new_video() -> dict[str, Any]:
    """A video's row before anything is known of it."""
    return (
        dict.fromkeys(_VIDEO) | {"published": False, "counted": False} | dict.fromkeys(_AMOUNTS, 0)
    )


def _seen_order(key: tuple[str, int, UUID, str]) -> tuple[str, int, str, str]:
    viewer, window, video_id, target = key
    return viewer, window, str(video_id), target


@attrs.define
class _Page:
    """What one batch has read of the rows and changed in them, kept back until ``flush``:
    the reads of the batch's later events see its earlier events' changes, and every table
    is written a statement (or two) per flush instead of a few per event."""

    batch: Batch
    #: Whole rows of the titles and videos read (None: no row), the ids of those with a row in
    #: the tables, and of those changed since the last flush.
    titles: dict[UUID, dict[str, Any] | None] = attrs.Factory(dict)
    titles_stored: set[UUID] = attrs.Factory(set)
    titles_changed: set[UUID] = attrs.Factory(set)
    videos: dict[UUID, dict[str, Any] | None] = attrs.Factory(dict)
    videos_stored: set[UUID] = attrs.Factory(set)
    videos_changed: set[UUID] = attrs.Factory(set)
    #: Video -> the titles it is anchored to now, and as the tables hold it.
    anchors: dict[UUID, set[UUID]] = attrs.Factory(dict)
    anchors_stored: dict[UUID, frozenset[UUID]] = attrs.Factory(dict)
    #: Amounts to add to rows, by key (a key with nothing to add still makes its row).
    days: dict[tuple[UUID, date], list[int]] = attrs.Factory(dict)
    day_clicks: dict[tuple[UUID, date, str], int] = attrs.Factory(dict)
    clicks: dict[tuple[UUID, str], int] = attrs.Factory(dict)
    hashtags: dict[tuple[UUID, str], int] = attrs.Factory(dict)
    video_days: dict[tuple[UUID, date, UUID], list[int]] = attrs.Factory(dict)
    region_days: dict[tuple[UUID, date, str], int] = attrs.Factory(dict)
    newest: int | None = None
    newest_stored: bool = False
    newest_changed: bool = False
    #: The stored clicks seen in windows before it are to be forgotten.
    forget_before: int | None = None
    seen: dict[tuple[str, int], set[tuple[UUID, str]]] = attrs.Factory(dict)
    seen_new: set[tuple[str, int, UUID, str]] = attrs.Factory(set)


class SqlAnalyticsTables:
    def __init__(self, store: SqlProjectionStore, *, on_conflict: bool = True) -> None:
        self.store = store
        #: Whether amounts are added by ``INSERT ... ON CONFLICT`` where the database has it.
        self.on_conflict = on_conflict
        self._generations = ByGeneration(store, _define, "analytics_", _Tables)
        self._kept: _Page | None = None

    def _of(self, generation: int) -> _Tables:
        return self._generations[generation]

    def _open(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._generations.of(batch)

    def create(self, generation: int) -> None:
        self._generations.create(generation)

    def drop(self, generation: int) -> None:
        self._generations.drop(generation)

    # Writing: a batch's changes are kept back in ``_Page`` and written by ``flush`` ----------

    def _page(self, batch: Batch) -> tuple[_Page, Connection, _Tables]:
        connection, t = self._open(batch)
        page = self._kept
        if page is None or page.batch is not batch:
            # A new transaction: what an earlier one read may have changed or been rolled back.
            page = self._kept = _Page(batch)
        return page, connection, t

    def load(
        self,
        batch: Batch,
        titles: Iterable[UUID],
        videos: Iterable[UUID],
        viewers: Iterable[tuple[str, int]],
    ) -> None:
        page, connection, t = self._page(batch)
        self._titles(page, connection, t, titles)
        self._videos_kept(page, connection, t, videos)
        self._anchors(page, connection, t, videos)
        by_viewer: dict[str, set[int]] = {}
        for viewer, window in viewers:
            by_viewer.setdefault(viewer, set()).add(window)
        self._seen(page, connection, t, by_viewer)

    def _titles(
        self, page: _Page, connection: Connection, t: _Tables, title_ids: Iterable[UUID]
    ) -> None:
        missing = {title_id for title_id in title_ids if title_id not in page.titles}
        for chunk in chunks(missing):
            for row in connection.execute(
                sa.select(t.titles).where(t.titles.c.title_id.in_(chunk))
            ).all():
                page.titles[row.title_id] = {name: row._mapping[name] for name in _TITLE}
                page.titles_stored.add(row.title_id)
        for title_id in missing:
            page.titles.setdefault(title_id, None)

    def _title(self, batch: Batch, title_id: UUID) -> dict[str, Any]:
        """The title's row as the batch leaves it, made (unlisted, holding nothing) if
        missing; the caller changes it."""
        page, connection, t = self._page(batch)
        self._titles(page, connection, t, (title_id,))
        row = page.titles[title_id]
        if row is None:
            row = page.titles[title_id] = dict.fromkeys(_TITLE) | {
                "listed": False,
                "anchored": 0,
                **dict.fromkeys(_AMOUNTS, 0),
            }
        page.titles_changed.add(title_id)
        return row

    def register_title(
        self,
        batch: Batch,
        title_id: UUID,
        studio_id: str,
        name: str,
        words: frozenset[str],
        *,
        order: int,
    ) -> None:
        self._title(batch, title_id).update(
            listed=True,
            studio_id=studio_id,
            registered=order,
            name=name,
            words=json.dumps(sorted(words)),
        )

    def title_name(self, batch: Batch, title_id: UUID) -> str | None:
        page, connection, t = self._page(batch)
        self._titles(page, connection, t, (title_id,))
        row = page.titles[title_id]
        return None if row is None else row["name"]

    def set_words(self, batch: Batch, title_id: UUID, words: frozenset[str]) -> None:
        self._title(batch, title_id)["words"] = json.dumps(sorted(words))

    def list_title(self, batch: Batch, title_id: UUID) -> None:
        self._title(batch, title_id)["listed"] = True

    def add_to_titles(self, batch: Batch, totals: Mapping[UUID, Totals]) -> None:
        for title_id, added in totals.items():
            row = self._title(batch, title_id)
            row["listed"] = True
            for name in _AMOUNTS:
                row[name] += getattr(added, name)

    def add_to_days(self, batch: Batch, days: Mapping[tuple[UUID, date], Day]) -> None:
        # A title's days follow its anchors and clicks, which list it already.
        page = self._page(batch)[0]
        for key, added in days.items():
            kept = page.days.setdefault(key, [0, 0, 0, 0])
            kept[0] += added.views
            kept[1] += added.engagement
            kept[2] += added.clicks
            kept[3] += added.new_anchors
            for target, count in added.targets.items():
                key_of_target = (*key, target)
                page.day_clicks[key_of_target] = page.day_clicks.get(key_of_target, 0) + count

    def add_clicks(self, batch: Batch, clicks: Mapping[tuple[UUID, str], int]) -> None:
        for title_id in {title_id for title_id, _target in clicks}:
            self._title(batch, title_id)["listed"] = True
        page = self._page(batch)[0]
        for key, count in clicks.items():
            page.clicks[key] = page.clicks.get(key, 0) + count

    def add_hashtags(
        self, batch: Batch, title_id: UUID, hashtags: Sequence[str], sign: int
    ) -> None:
        page = self._page(batch)[0]
        for tag in hashtags:
            page.hashtags[(title_id, tag)] = page.hashtags.get((title_id, tag), 0) + sign

    def add_to_video_days(
        self, batch: Batch, video_days: Mapping[tuple[UUID, date, UUID], VideoDay]
    ) -> None:
        page = self._page(batch)[0]
        for key, added in video_days.items():
            kept = page.video_days.setdefault(key, [0] * len(_VIDEO_DAY))
            for index, amount in enumerate(added.amounts()):
                kept[index] += amount

    def add_engagement_to_video_days(
        self, batch: Batch, day: date, engagement: Iterable[tuple[UUID, UUID, Engagement]]
    ) -> None:
        rows = self._page(batch)[0].video_days
        clicks = [0] * len(VIDEO_TARGETS)
        for title_id, video_id, added in engagement:
            key = (title_id, day, video_id)
            kept = rows.get(key)
            if kept is None:
                rows[key] = [added.views, added.likes, added.shares, added.comments, *clicks]
            else:
                kept[0] += added.views
                kept[1] += added.likes
                kept[2] += added.shares
                kept[3] += added.comments

    def add_to_region_days(
        self, batch: Batch, clicks: Mapping[tuple[UUID, date, str], int]
    ) -> None:
        page = self._page(batch)[0]
        for key, count in clicks.items():
            page.region_days[key] = page.region_days.get(key, 0) + count

    def _videos_kept(
        self, page: _Page, connection: Connection, t: _Tables, video_ids: Iterable[UUID]
    ) -> None:
        # Set operations reuse the hashes a set or dict of ids holds: a UUID's hash is
        # computed in Python, and a page may name a million videos.
        missing = set(video_ids).difference(page.videos)
        if not missing:
            return
        for chunk in chunks(missing):
            # Keyed by the caller's own id objects, not the equal ones read back: a lookup
            # finds its key by identity then, without a UUID comparison (in Python).
            asked = {video_id: video_id for video_id in chunk}
            for row in connection.execute(
                sa.select(t.videos).where(t.videos.c.video_id.in_(chunk))
            ).all():
                video_id = asked.get(row.video_id, row.video_id)
                page.videos[video_id] = {name: row._mapping[name] for name in _VIDEO}
                page.videos_stored.add(video_id)
        for video_id in missing:
            page.videos.setdefault(video_id, None)

    def _video(self, batch: Batch, video_id: UUID) -> dict[str, Any]:
        page, connection, t = self._page(batch)
        self._videos_kept(page, connection, t, (video_id,))
        row = page.videos[video_id]
        if row is None:
            row = page.videos[video_id] = _new_video()
        page.videos_changed.add(video_id)
        return row

    def publish_video(self, batch: Batch, video_id: UUID, hashtags: tuple[str, ...]) -> None:
        self._video(batch, video_id).update(published=True, hashtags=json.dumps(hashtags))

    def videos_in(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, VideoStanding]:
        page, connection, t = self._page(batch)
        video_ids = video_ids if isinstance(video_ids, Collection) else list(video_ids)
        self._videos_kept(page, connection, t, video_ids)
        found: dict[UUID, VideoStanding] = {}
        for video_id in video_ids:
            row = page.videos[video_id]
            if row is not None:
                found[video_id] = _standing(video_id, row)
        return found

    def add_to_videos(self, batch: Batch, engagement: Mapping[UUID, Engagement]) -> None:
        page, connection, t = self._page(batch)
        self._videos_kept(page, connection, t, engagement)
        rows = page.videos
        for video_id, added in engagement.items():
            row = rows[video_id]
            if row is None:
                row = rows[video_id] = _new_video()
            row["counted"] = True
            row["views"] += added.views
            row["likes"] += added.likes
            row["shares"] += added.shares
            row["comments"] += added.comments
        page.videos_changed.update(engagement)

    def anchors_of(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, UUID | None]:
        page, connection, t = self._page(batch)
        video_ids = video_ids if isinstance(video_ids, Collection) else list(video_ids)
        self._videos_kept(page, connection, t, video_ids)
        rows = page.videos
        return {
            video_id: row["anchor"] for video_id in video_ids if (row := rows[video_id]) is not None
        }

    def set_anchor(self, batch: Batch, video_id: UUID, title_id: UUID | None) -> None:
        self._video(batch, video_id)["anchor"] = title_id

    def _anchors(
        self, page: _Page, connection: Connection, t: _Tables, video_ids: Iterable[UUID]
    ) -> None:
        missing = set(video_ids).difference(page.anchors)
        if not missing:
            return
        for video_id in missing:
            page.anchors[video_id] = set()
        for chunk in chunks(missing):
            for video_id, title_id in connection.execute(
                sa.select(t.anchored.c.video_id, t.anchored.c.title_id).where(
                    t.anchored.c.video_id.in_(chunk)
                )
            ).all():
                page.anchors[video_id].add(title_id)
        for video_id in missing:
            page.anchors_stored[video_id] = frozenset(page.anchors[video_id])

    def titles_anchoring(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
        page, connection, t = self._page(batch)
        video_ids = video_ids if isinstance(video_ids, Collection) else list(video_ids)
        self._anchors(page, connection, t, video_ids)
        anchors = page.anchors
        return {video_id: list(titles) for video_id in video_ids if (titles := anchors[video_id])}

    def join(self, batch: Batch, title_id: UUID, video_id: UUID) -> bool:
        title = self._title(batch, title_id)
        title["listed"] = True
        page, connection, t = self._page(batch)
        self._anchors(page, connection, t, (video_id,))
        if title_id in page.anchors[video_id]:
            return False
        page.anchors[video_id].add(title_id)
        title["anchored"] += 1
        return True

    def leave(self, batch: Batch, title_id: UUID, video_id: UUID) -> bool:
        page, connection, t = self._page(batch)
        self._anchors(page, connection, t, (video_id,))
        if title_id not in page.anchors[video_id]:
            return False
        page.anchors[video_id].discard(title_id)
        self._titles(page, connection, t, (title_id,))
        if page.titles[title_id] is not None:
            self._title(batch, title_id)["anchored"] -= 1
        return True

    # Distinct clicks ---------------------------------------------------------------------

    def newest_window(self, batch: Batch) -> int:
        page, connection, t = self._page(batch)
        if page.newest is None:
            newest = connection.execute(
                sa.select(t.windows.c.newest).where(t.windows.c.id == 1)
            ).scalar()
            page.newest_stored = newest is not None
            page.newest = 0 if newest is None else int(newest)
        return page.newest

    def move_newest_window(self, batch: Batch, window: int) -> None:
        self.newest_window(batch)
        page = self._page(batch)[0]
        page.newest = window
        page.newest_changed = True
        oldest = window - 1
        page.forget_before = (
            oldest if page.forget_before is None else max(page.forget_before, oldest)
        )
        for key, seen in page.seen.items():
            if key[1] < oldest:
                seen.clear()
        page.seen_new = {key for key in page.seen_new if key[1] >= oldest}

    def _seen(
        self, page: _Page, connection: Connection, t: _Tables, windows: Mapping[str, Iterable[int]]
    ) -> None:
        for viewer, asked in windows.items():
            missing = sorted(window for window in set(asked) if (viewer, window) not in page.seen)
            if not missing:
                continue
            for window in missing:
                page.seen[(viewer, window)] = set()
            # The rows of windows the batch has forgotten are gone from the tables already.
            stored = [
                window
                for window in missing
                if page.forget_before is None or window >= page.forget_before
            ]
            if not stored:
                continue
            for window, video_id, target in connection.execute(
                sa.select(t.seen.c.click_window, t.seen.c.video_id, t.seen.c.target).where(
                    t.seen.c.viewer == viewer, t.seen.c.click_window.in_(stored)
                )
            ).all():
                page.seen[(viewer, int(window))].add((video_id, target))

    def clicks_seen(
        self, batch: Batch, viewer: str, windows: Iterable[int]
    ) -> set[tuple[int, UUID, str]]:
        page, connection, t = self._page(batch)
        windows = set(windows)
        self._seen(page, connection, t, {viewer: windows})
        return {
            (window, video_id, target)
            for window in windows
            for video_id, target in page.seen[(viewer, window)]
        }

    def see_clicks(self, batch: Batch, viewer: str, seen: Iterable[tuple[int, UUID, str]]) -> None:
        page, connection, t = self._page(batch)
        seen = list(seen)
        self._seen(page, connection, t, {viewer: {window for window, _v, _t in seen}})
        for window, video_id, target in seen:
            page.seen[(viewer, window)].add((video_id, target))
            page.seen_new.add((viewer, window, video_id, target))

    def flush(self, batch: Batch) -> None:
        page, connection, t = self._page(batch)
        self._write_rows(
            connection, t.titles, "title_id", page.titles, page.titles_stored, page.titles_changed
        )
        self._write_rows(
            connection, t.videos, "video_id", page.videos, page.videos_stored, page.videos_changed
        )
        joined, left = [], []
        for video_id, titles in page.anchors.items():
            stored = page.anchors_stored[video_id]
            if titles != stored:
                joined += [{"title_id": title, "video_id": video_id} for title in titles - stored]
                left += [{"k_title": title, "k_video": video_id} for title in stored - titles]
                page.anchors_stored[video_id] = frozenset(titles)
        if left:
            connection.execute(
                t.anchored.delete().where(
                    t.anchored.c.title_id == sa.bindparam("k_title"),
                    t.anchored.c.video_id == sa.bindparam("k_video"),
                ),
                left,
            )
        insert_rows(connection, t.anchored, joined)
        add_amounts(
            connection,
            t.days,
            ("title_id", "day"),
            _DAY,
            [
                {"title_id": title_id, "day": day} | dict(zip(_DAY, added, strict=True))
                for (title_id, day), added in page.days.items()
            ],
            on_conflict=self.on_conflict,
            one_a_key=True,
        )
        add_amounts(
            connection,
            t.day_clicks,
            ("title_id", "day", "target"),
            ("clicks",),
            [
                {"title_id": title_id, "day": day, "target": target, "clicks": count}
                for (title_id, day, target), count in page.day_clicks.items()
            ],
            on_conflict=self.on_conflict,
            one_a_key=True,
        )
        add_amounts(
            connection,
            t.clicks,
            ("title_id", "target"),
            ("clicks",),
            [
                {"title_id": title_id, "target": target, "clicks": count}
                for (title_id, target), count in page.clicks.items()
            ],
            on_conflict=self.on_conflict,
            one_a_key=True,
        )
        add_amounts(
            connection,
            t.hashtags,
            ("title_id", "tag"),
            ("videos",),
            [
                {"title_id": title_id, "tag": tag, "videos": count}
                for (title_id, tag), count in page.hashtags.items()
            ],
            on_conflict=self.on_conflict,
            one_a_key=True,
        )
        add_amounts_by_key(
            connection,
            t.video_days,
            ("title_id", "day", "video_id"),
            _VIDEO_DAY,
            page.video_days,
            on_conflict=self.on_conflict,
        )
        add_amounts(
            connection,
            t.region_days,
            ("title_id", "day", "region"),
            ("clicks",),
            [
                {"title_id": title_id, "day": day, "region": region, "clicks": count}
                for (title_id, day, region), count in page.region_days.items()
            ],
            on_conflict=self.on_conflict,
            one_a_key=True,
        )
        page.days, page.day_clicks, page.clicks, page.hashtags = {}, {}, {}, {}
        page.video_days, page.region_days = {}, {}
        if page.newest_changed:
            if page.newest_stored:
                connection.execute(
                    t.windows.update().where(t.windows.c.id == 1).values(newest=page.newest)
                )
            else:
                connection.execute(t.windows.insert(), {"id": 1, "newest": page.newest})
            page.newest_stored, page.newest_changed = True, False
        if page.forget_before is not None:
            connection.execute(t.seen.delete().where(t.seen.c.click_window < page.forget_before))
            page.forget_before = None
        if page.seen_new:
            insert_rows(
                connection,
                t.seen,
                [
                    {
                        "viewer": viewer,
                        "click_window": window,
                        "video_id": video_id,
                        "target": target,
                    }
                    for viewer, window, video_id, target in sorted(page.seen_new, key=_seen_order)
                ],
            )
            page.seen_new = set()

    @staticmethod
    def _write_rows(
        connection: Connection,
        table: sa.Table,
        key: str,
        rows: Mapping[UUID, dict[str, Any] | None],
        stored: set[UUID],
        changed: set[UUID],
    ) -> None:
        updated = [
            {key: row_id, **row}
            for row_id in changed
            if row_id in stored and (row := rows[row_id]) is not None
        ]
        inserted = [
            {key: row_id, **row}
            for row_id in changed
            if row_id not in stored and (row := rows[row_id]) is not None
        ]
        if updated:
            update_rows(
                connection, table, (key,), [name for name in updated[0] if name != key], updated
            )
        insert_rows(connection, table, inserted)
        stored.update(row[key] for row in inserted)
        changed.clear()

    # Reads -------------------------------------------------------------------------------

    @staticmethod
    def _videos(
        connection: Connection, t: _Tables, video_ids: Iterable[UUID]
    ) -> dict[UUID, VideoStanding]:
        found: dict[UUID, VideoStanding] = {}
        for chunk in chunks(video_ids):
            for row in connection.execute(
                sa.select(t.videos).where(t.videos.c.video_id.in_(chunk))
            ).all():
                found[row.video_id] = _standing(row.video_id, row._mapping)
        return found

    @staticmethod
    def _figures(row: Any) -> TitleFigures:
        return TitleFigures(
            title_id=row.title_id,
            name=row.name,
            words=_words(row.words),
            anchored_videos=int(row.anchored),
            engagement=_engagement(row),
        )

    @staticmethod
    def _leading_hashtags(t: _Tables, title_ids: list[UUID], ranks: int) -> sa.Select[Any]:
        """Each title's hashtags ranked within ``ranks`` by videos (ties share a rank, so a
        tie at the edge comes whole): a title's top ``n`` once its own ``w`` words are left
        out ranks within ``n + w``, and is ordered by the caller (by tag as Python orders
        text, whatever the database's collation).

        A hashtag ranks within ``ranks`` when fewer than ``ranks`` carry more videos, that is
        when it has at least the videos of the title's ``ranks``-th (none: any): that one is
        an offset into the index on (title, videos), and the hashtags at or above it a range
        of it, so a read touches a few rows a title however many hashtags it has."""
        h = t.hashtags.c
        inner = t.hashtags.alias("ranked")
        least = (
            sa.select(inner.c.videos)
            .where(inner.c.title_id == t.titles.c.title_id, inner.c.videos > 0)
            .order_by(inner.c.videos.desc())
            .limit(1)
            .offset(ranks - 1)
            .scalar_subquery()
        )
        thresholds = (
            sa.select(t.titles.c.title_id, sa.func.coalesce(least, 1).label("least"))
            .where(t.titles.c.title_id.in_(title_ids))
            .subquery()
        )
        return sa.select(h.title_id, h.tag, h.videos).join(
            thresholds,
            sa.and_(
                h.title_id == thresholds.c.title_id,
                h.videos >= thresholds.c.least,
                h.videos > 0,
            ),
        )

    def titles_page(
        self, generation: int, studio_id: str, *, after: int | None, limit: int
    ) -> list[RegisteredTitle]:
        t = self._of(generation)
        c = t.titles.c
        query = sa.select(t.titles).where(c.studio_id == studio_id, c.registered.is_not(None))
        rows = rows_after(self.store, query, c.registered, after=after, limit=limit)
        return [RegisteredTitle(int(row.registered), self._figures(row)) for row in rows]

    def studio(
        self,
        generation: int,
        studio_id: str,
        first: date,
        last: date,
        *,
        top: int,
        title_id: UUID | None = None,
    ) -> StudioRows:
        t = self._of(generation)
        query = sa.select(t.titles).where(t.titles.c.studio_id == studio_id)
        if title_id is not None:
            query = query.where(t.titles.c.title_id == title_id)
        with self.store.reading() as connection:
            titles = tuple(
                self._figures(row)
                for row in connection.execute(query.order_by(t.titles.c.registered)).all()
            )
            clicks: dict[UUID, dict[str, int]] = {}
            days: dict[UUID, dict[date, Day]] = {}
            hashtags: dict[UUID, dict[str, int]] = {}
            max_words = max((len(title.words) for title in titles), default=0)
            for chunk in chunks(title.title_id for title in titles):
                for title_id, target, count in connection.execute(
                    sa.select(t.clicks.c.title_id, t.clicks.c.target, t.clicks.c.clicks).where(
                        t.clicks.c.title_id.in_(chunk)
                    )
                ).all():
                    clicks.setdefault(title_id, {})[target] = int(count)
                for row in connection.execute(
                    sa.select(t.days).where(
                        t.days.c.title_id.in_(chunk), t.days.c.day.between(first, last)
                    )
                ).all():
                    days.setdefault(row.title_id, {})[row.day] = _day(row)
                _add_targets(
                    days,
                    connection.execute(
                        sa.select(t.day_clicks).where(
                            t.day_clicks.c.title_id.in_(chunk),
                            t.day_clicks.c.day.between(first, last),
                        )
                    ).all(),
                )
                for title_id, tag, count in connection.execute(
                    self._leading_hashtags(t, chunk, top + max_words)
                ).all():
                    hashtags.setdefault(title_id, {})[tag] = int(count)
        return StudioRows(titles=titles, clicks=clicks, days=days, hashtags=hashtags)

    def title_studio(self, generation: int, title_id: UUID) -> str | None:
        t = self._of(generation)
        with self.store.reading() as connection:
            studio = connection.execute(
                sa.select(t.titles.c.studio_id).where(t.titles.c.title_id == title_id)
            ).scalar()
        return None if studio is None else str(studio)

    def video_figures(
        self,
        generation: int,
        title_id: UUID,
        first: date,
        last: date,
        *,
        sort: VideoSort,
        after: tuple[int, UUID] | None = None,
        limit: int | None = None,
        video_ids: Collection[UUID] | None = None,
    ) -> list[VideoFigures]:
        t = self._of(generation)
        c = t.video_days.c
        sums = [sa.func.sum(c[name]).label(name) for name in _VIDEO_DAY]
        by = _sort_expression(c, sort)
        query = (
            sa.select(c.video_id, *sums)
            .where(c.title_id == title_id, c.day.between(first, last))
            .group_by(c.video_id)
        )
        if video_ids is not None:
            query = query.where(c.video_id.in_(list(video_ids)))
        if after is not None:
            figure, video_id = after
            query = query.having(sa.or_(by < figure, sa.and_(by == figure, c.video_id > video_id)))
        query = query.order_by(by.desc(), c.video_id)
        if limit is not None:
            query = query.limit(limit)
        with self.store.reading() as connection:
            rows = connection.execute(query).all()
        return [_video_figures(row) for row in rows]

    def region_clicks(
        self, generation: int, title_id: UUID, first: date, last: date
    ) -> dict[str, int]:
        t = self._of(generation)
        c = t.region_days.c
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(c.region, sa.func.sum(c.clicks))
                .where(c.title_id == title_id, c.day.between(first, last))
                .group_by(c.region)
            ).all()
        return {str(region): int(count) for region, count in rows}

    def videos(self, generation: int, video_ids: Iterable[UUID]) -> dict[UUID, VideoStanding]:
        t = self._of(generation)
        with self.store.reading() as connection:
            return self._videos(connection, t, video_ids)

    def everything(self, generation: int) -> AnalyticsRows:
        t = self._of(generation)
        with self.store.reading() as connection:
            videos = tuple(
                VideoStanding(
                    video_id=row.video_id,
                    published=bool(row.published),
                    anchor=row.anchor,
                    engagement=_engagement(row),
                    hashtags=_hashtags(row.hashtags),
                )
                for row in connection.execute(
                    sa.select(t.videos).where(sa.or_(t.videos.c.published, t.videos.c.counted))
                ).all()
            )
            studios: dict[str, list[UUID]] = {}
            for studio_id, title_id in connection.execute(
                sa.select(t.titles.c.studio_id, t.titles.c.title_id)
                .where(t.titles.c.studio_id.is_not(None))
                .order_by(t.titles.c.registered)
            ).all():
                studios.setdefault(studio_id, []).append(title_id)
            titles = tuple(
                self._figures(row)
                for row in connection.execute(sa.select(t.titles).where(t.titles.c.listed)).all()
            )
            anchored: dict[UUID, set[UUID]] = {}
            for title_id, video_id in connection.execute(
                sa.select(t.anchored.c.title_id, t.anchored.c.video_id)
            ).all():
                anchored.setdefault(title_id, set()).add(video_id)
            clicks: dict[UUID, dict[str, int]] = {}
            for title_id, target, count in connection.execute(
                sa.select(t.clicks.c.title_id, t.clicks.c.target, t.clicks.c.clicks)
            ).all():
                clicks.setdefault(title_id, {})[target] = int(count)
            days: dict[UUID, dict[date, Day]] = {}
            for row in connection.execute(sa.select(t.days)).all():
                days.setdefault(row.title_id, {})[row.day] = _day(row)
            _add_targets(days, connection.execute(sa.select(t.day_clicks)).all())
            video_days: dict[UUID, dict[tuple[date, UUID], tuple[int, ...]]] = {}
            for row in connection.execute(sa.select(t.video_days)).all():
                video_days.setdefault(row.title_id, {})[(row.day, row.video_id)] = tuple(
                    int(row._mapping[name]) for name in _VIDEO_DAY
                )
            region_days: dict[UUID, dict[tuple[date, str], int]] = {}
            for row in connection.execute(sa.select(t.region_days)).all():
                region_days.setdefault(row.title_id, {})[(row.day, row.region)] = int(row.clicks)
        return AnalyticsRows(
            video_days=video_days,
            region_days=region_days,
            videos=videos,
            studios={studio_id: tuple(ids) for studio_id, ids in studios.items()},
            titles=titles,
            anchored={title_id: frozenset(ids) for title_id, ids in anchored.items()},
            clicks=clicks,
            days=days,
        )


def _day(row: Any) -> Day:
    return Day(
        views=int(row.views),
        engagement=int(row.engagement),
        clicks=int(row.clicks),
        new_anchors=int(row.new_anchors),
    )


def _sort_expression(c: Any, sort: VideoSort) -> sa.ColumnElement[Any]:
    """The sum a page is ordered by, as the query's ``GROUP BY`` computes it."""
    if sort is VideoSort.VIEWS:
        return sa.func.sum(c.views)
    if sort is VideoSort.CLICKS:
        return sum(
            (sa.func.sum(c[name]) for name in VIDEO_TARGETS[1:]), sa.func.sum(c[VIDEO_TARGETS[0]])
        )
    return sa.func.sum(c[f"{sort.value}_clicks"])


def _video_figures(row: Any) -> VideoFigures:
    return VideoFigures(
        video_id=row.video_id,
        views=int(row.views),
        likes=int(row.likes),
        shares=int(row.shares),
        comments=int(row.comments),
        clicks={
            target: int(row._mapping[name])
            for target, name in zip(TARGETS, VIDEO_TARGETS, strict=True)
        },
    )


def _add_targets(days: dict[UUID, dict[date, Day]], rows: Iterable[Any]) -> None:
    """Each day's clicks by target, onto the days read (a day with clicks has a row)."""
    for row in rows:
        day = days.setdefault(row.title_id, {}).setdefault(row.day, Day())
        day.targets[row.target] = int(row.clicks)
