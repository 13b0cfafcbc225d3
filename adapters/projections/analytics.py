"""The studio analytics' tables (``application.anchors.analytics.AnalyticsTables``) in SQL.

Running totals are kept on the rows a dashboard reads (a title's row holds its anchored
videos' totals; a title's day, its clicks by target and its hashtags have rows of their own),
so a dashboard is five indexed queries whatever the number of videos. Amounts are added by
``INSERT ... ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL, by update-then-insert on other
databases (the batches of one projection are serialised by the store's compare and set, so
no other writer inserts the same key meanwhile).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from adapters.projections.store import SqlBatch, SqlProjectionStore, generation_tables
from application.anchors.analytics import (
    AnalyticsRows,
    Day,
    StudioRows,
    TitleFigures,
    Totals,
    VideoStanding,
)
from application.projections import Batch
from domain.anchors.engagement import Engagement

#: Keys in one ``IN (...)``: well under every database's limit of bound parameters.
CHUNK = 500

_AMOUNTS = ("views", "likes", "shares", "comments")
_DAY = ("views", "engagement", "clicks", "new_anchors")


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


class _Tables:
    def __init__(self, metadata: sa.MetaData, suffix: str) -> None:
        schema = metadata.schema

        def table(name: str) -> sa.Table:
            return metadata.tables[f"{schema}.{name}{suffix}" if schema else f"{name}{suffix}"]

        self.metadata = metadata
        self.titles = table("analytics_titles")
        self.videos = table("analytics_videos")
        self.anchored = table("analytics_anchored")
        self.days = table("analytics_days")
        self.clicks = table("analytics_clicks")
        self.hashtags = table("analytics_hashtags")
        self.seen = table("analytics_clicks_seen")
        self.windows = table("analytics_click_windows")


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _add(
    on_conflict: bool,
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    amounts: Sequence[str],
    rows: list[dict[str, Any]],
    **also: Any,
) -> None:
    """Add each row's ``amounts`` to the row of its ``keys`` (inserting it whole if missing)
    and set ``also`` on it: one statement for all rows on SQLite and PostgreSQL, an update
    then an insert a row elsewhere."""
    if not rows:
        return
    dialect = connection.dialect.name
    if on_conflict and dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c[key] for key in keys],
                set_={name: table.c[name] + insert.excluded[name] for name in amounts} | also,
            ),
            rows,
        )
        return
    for row in rows:
        moved = connection.execute(
            table.update()
            .where(*(table.c[key] == row[key] for key in keys))
            .values({name: table.c[name] + row[name] for name in amounts} | also)
        )
        if moved.rowcount == 0:
            connection.execute(table.insert(), row)


def _words(text: str | None) -> frozenset[str]:
    return frozenset() if text is None else frozenset(json.loads(text))


def _hashtags(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


def _engagement(row: Any) -> Engagement:
    return Engagement(views=row.views, likes=row.likes, shares=row.shares, comments=row.comments)


class SqlAnalyticsTables:
    def __init__(self, store: SqlProjectionStore, *, on_conflict: bool = True) -> None:
        self.store = store
        #: Whether amounts are added by ``INSERT ... ON CONFLICT`` where the database has it.
        self.on_conflict = on_conflict
        self._generations: dict[int, _Tables] = {}

    def _of(self, generation: int) -> _Tables:
        tables = self._generations.get(generation)
        if tables is None:
            metadata = generation_tables(_define, self.store.metadata.schema, generation)
            tables = self._generations[generation] = _Tables(metadata, f"_g{generation}")
        return tables

    def _open(self, batch: Batch) -> tuple[Connection, _Tables]:
        assert isinstance(batch, SqlBatch)
        return batch.connection, self._of(batch.generation)

    def create(self, generation: int) -> None:
        self.store.create_tables(self._of(generation).metadata)

    def drop(self, generation: int) -> None:
        self.store.drop_tables(self._of(generation).metadata)
        self._generations.pop(generation, None)

    # Titles ------------------------------------------------------------------------------

    def _title_row(self, connection: Connection, t: _Tables, title_id: UUID, **values: Any) -> None:
        """Set ``values`` on the title's row, made (unlisted, holding nothing) if missing."""
        moved = connection.execute(t.titles.update().where(t.titles.c.title_id == title_id), values)
        if moved.rowcount == 0:
            connection.execute(
                t.titles.insert(),
                {"listed": False, "anchored": 0, **dict.fromkeys(_AMOUNTS, 0), **values}
                | {"title_id": title_id},
            )

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
        connection, t = self._open(batch)
        self._title_row(
            connection,
            t,
            title_id,
            listed=True,
            studio_id=studio_id,
            registered=order,
            name=name,
            words=json.dumps(sorted(words)),
        )

    def title_name(self, batch: Batch, title_id: UUID) -> str | None:
        connection, t = self._open(batch)
        name: str | None = connection.execute(
            sa.select(t.titles.c.name).where(t.titles.c.title_id == title_id)
        ).scalar()
        return name

    def set_words(self, batch: Batch, title_id: UUID, words: frozenset[str]) -> None:
        connection, t = self._open(batch)
        self._title_row(connection, t, title_id, words=json.dumps(sorted(words)))

    def list_title(self, batch: Batch, title_id: UUID) -> None:
        connection, t = self._open(batch)
        self._title_row(connection, t, title_id, listed=True)

    def add_to_titles(self, batch: Batch, totals: Mapping[UUID, Totals]) -> None:
        connection, t = self._open(batch)
        _add(
            self.on_conflict,
            connection,
            t.titles,
            ("title_id",),
            _AMOUNTS,
            [
                {"title_id": title_id, "listed": True, "anchored": 0}
                | {name: getattr(added, name) for name in _AMOUNTS}
                for title_id, added in totals.items()
            ],
            listed=True,
        )

    def add_to_days(self, batch: Batch, days: Mapping[tuple[UUID, date], Day]) -> None:
        # A title's days follow its anchors and clicks, which list it already.
        connection, t = self._open(batch)
        _add(
            self.on_conflict,
            connection,
            t.days,
            ("title_id", "day"),
            _DAY,
            [
                {"title_id": title_id, "day": day} | {name: getattr(added, name) for name in _DAY}
                for (title_id, day), added in days.items()
            ],
        )

    def add_clicks(self, batch: Batch, clicks: Mapping[tuple[UUID, str], int]) -> None:
        connection, t = self._open(batch)
        for title_id in {title_id for title_id, _target in clicks}:
            self._title_row(connection, t, title_id, listed=True)
        _add(
            self.on_conflict,
            connection,
            t.clicks,
            ("title_id", "target"),
            ("clicks",),
            [
                {"title_id": title_id, "target": target, "clicks": count}
                for (title_id, target), count in clicks.items()
            ],
        )

    def add_hashtags(
        self, batch: Batch, title_id: UUID, hashtags: Sequence[str], sign: int
    ) -> None:
        connection, t = self._open(batch)
        counts: dict[str, int] = {}
        for tag in hashtags:
            counts[tag] = counts.get(tag, 0) + sign
        _add(
            self.on_conflict,
            connection,
            t.hashtags,
            ("title_id", "tag"),
            ("videos",),
            [{"title_id": title_id, "tag": tag, "videos": count} for tag, count in counts.items()],
        )

    def _video_row(self, connection: Connection, t: _Tables, video_id: UUID, **values: Any) -> None:
        moved = connection.execute(t.videos.update().where(t.videos.c.video_id == video_id), values)
        if moved.rowcount == 0:
            connection.execute(
                t.videos.insert(),
                {"published": False, "counted": False, **dict.fromkeys(_AMOUNTS, 0), **values}
                | {"video_id": video_id},
            )

    def publish_video(self, batch: Batch, video_id: UUID, hashtags: tuple[str, ...]) -> None:
        connection, t = self._open(batch)
        self._video_row(connection, t, video_id, published=True, hashtags=json.dumps(hashtags))

    def videos_in(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, VideoStanding]:
        connection, t = self._open(batch)
        return self._videos(connection, t, video_ids)

    @staticmethod
    def _videos(
        connection: Connection, t: _Tables, video_ids: Iterable[UUID]
    ) -> dict[UUID, VideoStanding]:
        found: dict[UUID, VideoStanding] = {}
        for chunk in _chunks(video_ids):
            for row in connection.execute(
                sa.select(t.videos).where(t.videos.c.video_id.in_(chunk))
            ).all():
                found[row.video_id] = VideoStanding(
                    video_id=row.video_id,
                    published=bool(row.published),
                    anchor=row.anchor,
                    engagement=_engagement(row),
                    hashtags=_hashtags(row.hashtags),
                )
        return found

    def add_to_videos(self, batch: Batch, engagement: Mapping[UUID, Engagement]) -> None:
        connection, t = self._open(batch)
        _add(
            self.on_conflict,
            connection,
            t.videos,
            ("video_id",),
            _AMOUNTS,
            [
                {"video_id": video_id, "published": False, "counted": True}
                | {name: getattr(added, name) for name in _AMOUNTS}
                for video_id, added in engagement.items()
            ],
            counted=True,
        )

    def set_anchor(self, batch: Batch, video_id: UUID, title_id: UUID | None) -> None:
        connection, t = self._open(batch)
        self._video_row(connection, t, video_id, anchor=title_id)

    def titles_anchoring(self, batch: Batch, video_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
        connection, t = self._open(batch)
        titles: dict[UUID, list[UUID]] = {}
        for chunk in _chunks(video_ids):
            for video_id, title_id in connection.execute(
                sa.select(t.anchored.c.video_id, t.anchored.c.title_id).where(
                    t.anchored.c.video_id.in_(chunk)
                )
            ).all():
                titles.setdefault(video_id, []).append(title_id)
        return titles

    def join(self, batch: Batch, title_id: UUID, video_id: UUID) -> bool:
        connection, t = self._open(batch)
        self._title_row(connection, t, title_id, listed=True)
        there = connection.execute(
            sa.select(t.anchored.c.video_id).where(
                t.anchored.c.title_id == title_id, t.anchored.c.video_id == video_id
            )
        ).first()
        if there is not None:
            return False
        connection.execute(t.anchored.insert(), {"title_id": title_id, "video_id": video_id})
        connection.execute(
            t.titles.update()
            .where(t.titles.c.title_id == title_id)
            .values(anchored=t.titles.c.anchored + 1)
        )
        return True

    def leave(self, batch: Batch, title_id: UUID, video_id: UUID) -> bool:
        connection, t = self._open(batch)
        gone = connection.execute(
            t.anchored.delete().where(
                t.anchored.c.title_id == title_id, t.anchored.c.video_id == video_id
            )
        )
        if gone.rowcount == 0:
            return False
        connection.execute(
            t.titles.update()
            .where(t.titles.c.title_id == title_id)
            .values(anchored=t.titles.c.anchored - 1)
        )
        return True

    # Distinct clicks ---------------------------------------------------------------------

    def newest_window(self, batch: Batch) -> int:
        connection, t = self._open(batch)
        newest = connection.execute(
            sa.select(t.windows.c.newest).where(t.windows.c.id == 1)
        ).scalar()
        return 0 if newest is None else int(newest)

    def move_newest_window(self, batch: Batch, window: int) -> None:
        connection, t = self._open(batch)
        moved = connection.execute(
            t.windows.update().where(t.windows.c.id == 1).values(newest=window)
        )
        if moved.rowcount == 0:
            connection.execute(t.windows.insert(), {"id": 1, "newest": window})
        connection.execute(t.seen.delete().where(t.seen.c.click_window < window - 1))

    def clicks_seen(
        self, batch: Batch, viewer: str, windows: Iterable[int]
    ) -> set[tuple[int, UUID, str]]:
        connection, t = self._open(batch)
        rows = connection.execute(
            sa.select(t.seen.c.click_window, t.seen.c.video_id, t.seen.c.target).where(
                t.seen.c.viewer == viewer, t.seen.c.click_window.in_(list(windows))
            )
        ).all()
        return {(int(window), video_id, target) for window, video_id, target in rows}

    def see_clicks(self, batch: Batch, viewer: str, seen: Iterable[tuple[int, UUID, str]]) -> None:
        connection, t = self._open(batch)
        rows = [
            {"viewer": viewer, "click_window": window, "video_id": video_id, "target": target}
            for window, video_id, target in seen
        ]
        if rows:
            connection.execute(t.seen.insert(), rows)

    # Reads -------------------------------------------------------------------------------

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
        text, whatever the database's collation)."""
        rank = (
            sa.func.rank()
            .over(partition_by=t.hashtags.c.title_id, order_by=t.hashtags.c.videos.desc())
            .label("rank")
        )
        ranked = (
            sa.select(t.hashtags.c.title_id, t.hashtags.c.tag, t.hashtags.c.videos, rank)
            .where(t.hashtags.c.title_id.in_(title_ids), t.hashtags.c.videos > 0)
            .subquery()
        )
        return sa.select(ranked.c.title_id, ranked.c.tag, ranked.c.videos).where(
            ranked.c.rank <= ranks
        )

    def studio(
        self, generation: int, studio_id: str, first: date, last: date, *, top: int
    ) -> StudioRows:
        t = self._of(generation)
        with self.store.reading() as connection:
            titles = tuple(
                self._figures(row)
                for row in connection.execute(
                    sa.select(t.titles)
                    .where(t.titles.c.studio_id == studio_id)
                    .order_by(t.titles.c.registered)
                ).all()
            )
            clicks: dict[UUID, dict[str, int]] = {}
            days: dict[UUID, dict[date, Day]] = {}
            hashtags: dict[UUID, dict[str, int]] = {}
            max_words = max((len(title.words) for title in titles), default=0)
            for chunk in _chunks(title.title_id for title in titles):
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
                for title_id, tag, count in connection.execute(
                    self._leading_hashtags(t, chunk, top + max_words)
                ).all():
                    hashtags.setdefault(title_id, {})[tag] = int(count)
        return StudioRows(titles=titles, clicks=clicks, days=days, hashtags=hashtags)

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
        return AnalyticsRows(
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
