"""The Pulse inventory's rows (``application.revenue.pulse_inventory.InventoryTables``) in the
projection store: SQLAlchemy Core tables, one set per generation.

A category's ranking is the index ``(category, ranked, neg_score, ord)``: a video's rank is
one more than the count of ranked videos of its category whose ``(neg_score, ord)`` comes
before its own (an index range), the leaders are the first rows of that index, and each
category's count of ranked videos is kept beside it so a standing never counts a whole
category. Upserts update and insert when nothing was updated, which is safe because one
projection's batches are serialised by the compare and set of its positions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.projections.rows import update_rows
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.projections import Batch
from application.revenue.pulse_inventory import (
    CreatorFacts,
    NewVideo,
    VideoFacts,
    VideoRow,
    inventory_size,
)
from domain.anchors.engagement import Engagement
from domain.trust.moderation import ModerationState

#: Ids in one ``IN`` list at most.
CHUNK = 500


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"pulse_videos{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, nullable=False, index=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("ord", sa.BigInteger, nullable=False),  # its position in the catalogue log
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("likes", sa.BigInteger, nullable=False),
        sa.Column("shares", sa.BigInteger, nullable=False),
        sa.Column("comments", sa.BigInteger, nullable=False),
        sa.Column("neg_score", sa.BigInteger, nullable=False),  # ascending: best first
        sa.Column("moderation", sa.String(32), nullable=False),
        sa.Column("ranked", sa.Boolean, nullable=False),
        sa.Column("caption", sa.Text, nullable=False),
        sa.Column("hashtags", sa.Text, nullable=False),  # space-separated, as normalised
        sa.Index(f"pulse_videos_rank{suffix}", "category", "ranked", "neg_score", "ord"),
    )
    sa.Table(
        f"pulse_categories{suffix}",
        metadata,
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),  # its ranked videos
    )
    sa.Table(
        f"pulse_accounts{suffix}",
        metadata,
        sa.Column("creator_id", sa.Uuid, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
    )
    sa.Table(
        f"pulse_creators{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("followers", sa.BigInteger, nullable=True),
        sa.Column("approved", sa.Boolean, nullable=False),
        sa.Column("minor", sa.Boolean, nullable=False),
    )
    sa.Table(
        f"pulse_enrolments{suffix}",
        metadata,
        sa.Column("enrolment_id", sa.Uuid, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
    )


@attrs.frozen
class _Tables:
    videos: sa.Table
    categories: sa.Table
    accounts: sa.Table
    creators: sa.Table
    enrolments: sa.Table


class SqlInventoryTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._generations = ByGeneration(store, _define, "pulse_", _Tables)

    def _tables(self, generation: int) -> _Tables:
        return self._generations[generation]

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._generations.of(batch)

    def create(self, generation: int) -> None:
        self._generations.create(generation)

    def drop(self, generation: int) -> None:
        self._generations.drop(generation)

    # Videos --------------------------------------------------------------------------------

    def publish(self, batch: Batch, videos: Sequence[NewVideo]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.videos.insert(),
            [
                {
                    "video_id": v.video_id,
                    "creator": v.creator,
                    "category": v.category,
                    "ord": v.order,
                    "views": 0,
                    "likes": 0,
                    "shares": 0,
                    "comments": 0,
                    "neg_score": 0,
                    "moderation": ModerationState.UNREVIEWED.value,
                    "ranked": v.ranked,
                    "caption": v.caption,
                    "hashtags": " ".join(v.hashtags),
                }
                for v in videos
            ],
        )
        for category, added in Counter(v.category for v in videos if v.ranked).items():
            _resize(connection, t, category, added)

    def video(self, batch: Batch, video_id: UUID) -> VideoFacts | None:
        connection, t = self._batch(batch)
        v = t.videos.c
        row = connection.execute(
            sa.select(
                v.creator, v.views, v.likes, v.shares, v.comments, v.moderation, v.ranked
            ).where(v.video_id == video_id)
        ).first()
        if row is None:
            return None
        return VideoFacts(
            creator=row.creator,
            engagement=Engagement(
                views=int(row.views),
                likes=int(row.likes),
                shares=int(row.shares),
                comments=int(row.comments),
            ),
            moderation=ModerationState(row.moderation),
            ranked=bool(row.ranked),
        )

    def engagements(self, batch: Batch, video_ids: Collection[UUID]) -> dict[UUID, Engagement]:
        connection, t = self._batch(batch)
        v = t.videos.c
        found: dict[UUID, Engagement] = {}
        ids = list(video_ids)
        for start in range(0, len(ids), CHUNK):
            for row in connection.execute(
                sa.select(v.video_id, v.views, v.likes, v.shares, v.comments).where(
                    v.video_id.in_(ids[start : start + CHUNK])
                )
            ):
                found[row.video_id] = Engagement(
                    views=int(row.views),
                    likes=int(row.likes),
                    shares=int(row.shares),
                    comments=int(row.comments),
                )
        return found

    def set_engagements(self, batch: Batch, engagements: Mapping[UUID, Engagement]) -> None:
        connection, t = self._batch(batch)
        update_rows(
            connection,
            t.videos,
            ("video_id",),
            ("views", "likes", "shares", "comments", "neg_score"),
            [
                {
                    "video_id": video_id,
                    "views": e.views,
                    "likes": e.likes,
                    "shares": e.shares,
                    "comments": e.comments,
                    "neg_score": -e.score,
                }
                for video_id, e in engagements.items()
            ],
        )

    def set_moderation(self, batch: Batch, video_id: UUID, state: ModerationState) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.videos.update().where(t.videos.c.video_id == video_id).values(moderation=state.value)
        )

    def set_ranked(self, batch: Batch, video_id: UUID, ranked: bool) -> None:
        connection, t = self._batch(batch)
        category = connection.execute(
            sa.select(t.videos.c.category).where(
                t.videos.c.video_id == video_id, t.videos.c.ranked == (not ranked)
            )
        ).scalar()
        if category is None:
            return  # ranked as asked already
        connection.execute(
            t.videos.update().where(t.videos.c.video_id == video_id).values(ranked=ranked)
        )
        _resize(connection, t, category, +1 if ranked else -1)

    def videos_of(self, batch: Batch, account: str) -> list[UUID]:
        connection, t = self._batch(batch)
        return list(
            connection.execute(
                sa.select(t.videos.c.video_id)
                .where(t.videos.c.creator == account)
                .order_by(t.videos.c.ord)
            ).scalars()
        )

    # Creators ------------------------------------------------------------------------------

    def register_creator(self, batch: Batch, creator_id: UUID, account: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.accounts.insert().values(creator_id=creator_id, account=account))

    def account_of(self, batch: Batch, creator_id: UUID) -> str | None:
        connection, t = self._batch(batch)
        account: str | None = connection.execute(
            sa.select(t.accounts.c.account).where(t.accounts.c.creator_id == creator_id)
        ).scalar()
        return account

    def count_followers(self, batch: Batch, account: str, followers: int) -> None:
        self._creator(batch, account, followers=followers)

    def set_minor(self, batch: Batch, account: str, minor: bool) -> None:
        self._creator(batch, account, minor=minor)

    def is_minor(self, batch: Batch, account: str) -> bool:
        connection, t = self._batch(batch)
        minor = connection.execute(
            sa.select(t.creators.c.minor).where(t.creators.c.account == account)
        ).scalar()
        return bool(minor)

    def minors(self, batch: Batch, accounts: Collection[str]) -> set[str]:
        connection, t = self._batch(batch)
        found: set[str] = set()
        ids = sorted(accounts)
        for start in range(0, len(ids), CHUNK):
            found.update(
                connection.execute(
                    sa.select(t.creators.c.account).where(
                        t.creators.c.account.in_(ids[start : start + CHUNK]),
                        t.creators.c.minor == sa.true(),
                    )
                ).scalars()
            )
        return found

    def enrol(self, batch: Batch, enrolment_id: UUID, account: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.enrolments.insert().values(enrolment_id=enrolment_id, account=account))

    def approve(self, batch: Batch, enrolment_id: UUID) -> None:
        connection, t = self._batch(batch)
        account = connection.execute(
            sa.select(t.enrolments.c.account).where(t.enrolments.c.enrolment_id == enrolment_id)
        ).scalar_one()
        self._creator(batch, account, approved=True)

    def _creator(self, batch: Batch, account: str, **values: Any) -> None:
        connection, t = self._batch(batch)
        moved = connection.execute(
            t.creators.update().where(t.creators.c.account == account).values(**values)
        )
        if moved.rowcount == 0:
            row: dict[str, Any] = {"followers": None, "approved": False, "minor": False}
            row.update(values)
            connection.execute(t.creators.insert().values(account=account, **row))

    # Reads ---------------------------------------------------------------------------------

    def category_sizes(self, generation: int) -> dict[str, int]:
        c = self._tables(generation).categories.c
        with self.store.reading() as connection:
            rows = connection.execute(sa.select(c.category, c.size)).all()
        return {str(category): int(size) for category, size in rows}

    def row(self, generation: int, video_id: UUID) -> VideoRow | None:
        t = self._tables(generation)
        v = t.videos.c
        with self.store.reading() as connection:
            found = connection.execute(_facts(t).where(v.video_id == video_id)).first()
            if found is None:
                return None
            size = _size(connection, t, found.category)
            rank = 0
            if found.ranked:
                ahead = connection.execute(
                    sa.select(sa.func.count())
                    .select_from(t.videos)
                    .where(
                        v.category == found.category,
                        v.ranked == sa.true(),
                        # A row value, so the index is searched as a range (an OR of the two
                        # conditions scans the category's whole ranking).
                        sa.tuple_(v.neg_score, v.ord)
                        < sa.tuple_(sa.literal(found.neg_score), sa.literal(found.ord)),
                    )
                ).scalar_one()
                rank = int(ahead) + 1
            return _video_row(found, rank, size)

    def leaders(
        self, generation: int, category: str, *, min_followers: int, limit: int
    ) -> list[VideoRow]:
        t = self._tables(generation)
        v = t.videos.c
        with self.store.reading() as connection:
            size = _size(connection, t, category)
            top = (
                sa.select(t.videos)
                .where(v.category == category, v.ranked == sa.true())
                .order_by(v.neg_score, v.ord)
                .limit(inventory_size(size))
                .subquery()
            )
            ranked = sa.select(
                top,
                sa.func.row_number().over(order_by=(top.c.neg_score, top.c.ord)).label("rank"),
            ).subquery()
            c = t.creators.c
            rows = connection.execute(
                sa.select(ranked, c.followers, c.approved, c.minor)
                .join(t.creators, c.account == ranked.c.creator)
                .where(c.approved == sa.true(), c.followers >= min_followers)
                .order_by(ranked.c.rank)
                .limit(limit)
            ).all()
            return [_video_row(row, int(row.rank), size) for row in rows]

    def rows(self, generation: int) -> Iterator[VideoRow]:
        t = self._tables(generation)
        v = t.videos.c
        with self.store.reading() as connection:
            sizes = {
                row[0]: int(row[1])
                for row in connection.execute(
                    sa.select(t.categories.c.category, t.categories.c.size)
                ).all()
            }
            found = connection.execute(
                _facts(t).order_by(v.category, v.ranked.desc(), v.neg_score, v.ord)
            ).all()
        rank, category = 0, None
        for row in found:
            if row.category != category:
                rank, category = 0, row.category
            rank += 1
            yield _video_row(row, rank if row.ranked else 0, sizes.get(row.category, 0))

    def creators(self, generation: int) -> list[CreatorFacts]:
        t = self._tables(generation)
        c = t.creators.c
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(c.account, c.followers, c.approved)
                .where(sa.or_(c.followers.is_not(None), c.approved == sa.true()))
                .order_by(c.account)
            ).all()
        return [
            CreatorFacts(
                account=row.account,
                followers=None if row.followers is None else int(row.followers),
                approved=bool(row.approved),
            )
            for row in rows
        ]


def _facts(t: _Tables) -> Any:
    """A video's row with its creator's facts (none for a creator never counted)."""
    c = t.creators.c
    return sa.select(t.videos, c.followers, c.approved, c.minor).select_from(
        t.videos.outerjoin(t.creators, c.account == t.videos.c.creator)
    )


def _video_row(row: Any, rank: int, size: int) -> VideoRow:
    return VideoRow(
        video_id=row.video_id,
        creator=row.creator,
        category=row.category,
        score=-int(row.neg_score),
        ranked=bool(row.ranked),
        rank=rank,
        category_size=size,
        moderation=ModerationState(row.moderation),
        minor=bool(row.minor),
        approved=bool(row.approved),
        followers=None if row.followers is None else int(row.followers),
        caption=row.caption,
        hashtags=tuple(row.hashtags.split()),
    )


def _size(connection: Connection, t: _Tables, category: str) -> int:
    size = connection.execute(
        sa.select(t.categories.c.size).where(t.categories.c.category == category)
    ).scalar()
    return 0 if size is None else int(size)


def _resize(connection: Connection, t: _Tables, category: str, by: int) -> None:
    moved = connection.execute(
        t.categories.update()
        .where(t.categories.c.category == category)
        .values(size=t.categories.c.size + by)
    )
    if moved.rowcount == 0:
        connection.execute(t.categories.insert().values(category=category, size=by))
