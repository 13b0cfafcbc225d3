"""Protection's rows (``application.trust.protection.ProtectionTables``) in the projection
store: SQLAlchemy Core tables, one set per generation.

A video's row holds its creator's account and its moderation state; a creator's row whether
the account is a minor's. "Why is this video excluded" and "which of these are" are lookups
of the videos' primary key joined to the creators' (an ``IN`` list at a time); "is this
account a minor" is the creators' primary key; a minor's videos are the index on creator,
the flagged queue the index on (moderation, first moderated).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa

from adapters.projections.keyset import rows_after
from adapters.projections.rows import chunks
from adapters.projections.store import ByGeneration, SqlProjectionStore
from application.projections import Batch, ProjectionRunner
from application.trust.protection import (
    RESTRICTING,
    NewVideo,
    Protection,
    ProtectionProjection,
    PublishedVideo,
    VideoFacts,
)
from domain.trust.moderation import ModerationState


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"protection_accounts{suffix}",
        metadata,
        sa.Column("creator_id", sa.Uuid, primary_key=True),
        sa.Column("account", sa.Text, nullable=False),
    )
    sa.Table(
        f"protection_creators{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("minor", sa.Boolean, nullable=False),
    )
    sa.Table(
        f"protection_videos{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        # None: moderated without a publication in the log (never, but not to be lost).
        sa.Column("creator", sa.Text, nullable=True),
        sa.Column("ord", sa.BigInteger, nullable=False),  # its first event's log position
        sa.Column("moderation", sa.String(32), nullable=False),
        sa.Column("moderated", sa.BigInteger, nullable=True),  # its first moderation's
        sa.Index(f"protection_videos_creator{suffix}", "creator", "ord"),
        sa.Index(f"protection_videos_moderation{suffix}", "moderation", "moderated"),
    )


@attrs.frozen
class _Tables:
    accounts: sa.Table
    creators: sa.Table
    videos: sa.Table


class SqlProtectionTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "protection_", _Tables)
        self._batch = self._tables.of

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Writes --------------------------------------------------------------------------------

    def register_creator(self, batch: Batch, creator_id: UUID, account: str) -> None:
        connection, t = self._batch(batch)
        connection.execute(t.accounts.insert().values(creator_id=creator_id, account=account))

    def account_of(self, batch: Batch, creator_id: UUID) -> str | None:
        connection, t = self._batch(batch)
        account: str | None = connection.execute(
            sa.select(t.accounts.c.account).where(t.accounts.c.creator_id == creator_id)
        ).scalar()
        return account

    def set_minor(self, batch: Batch, account: str, minor: bool) -> None:
        connection, t = self._batch(batch)
        c = t.creators.c
        moved = connection.execute(
            t.creators.update().where(c.account == account).values(minor=minor)
        )
        if moved.rowcount == 0:
            connection.execute(t.creators.insert().values(account=account, minor=minor))

    def publish(self, batch: Batch, videos: Sequence[NewVideo]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.videos.insert(),
            [
                {
                    "video_id": video.video_id,
                    "creator": video.creator,
                    "ord": video.position,
                    "moderation": ModerationState.UNREVIEWED.value,
                    "moderated": None,
                }
                for video in videos
            ],
        )

    def moderation(self, batch: Batch, video_id: UUID) -> ModerationState:
        connection, t = self._batch(batch)
        state = connection.execute(
            sa.select(t.videos.c.moderation).where(t.videos.c.video_id == video_id)
        ).scalar()
        return ModerationState.UNREVIEWED if state is None else ModerationState(state)

    def set_moderation(
        self, batch: Batch, video_id: UUID, state: ModerationState, position: int
    ) -> None:
        connection, t = self._batch(batch)
        v = t.videos.c
        moved = connection.execute(
            t.videos.update()
            .where(v.video_id == video_id)
            .values(moderation=state.value, moderated=sa.func.coalesce(v.moderated, position))
        )
        if moved.rowcount == 0:
            connection.execute(
                t.videos.insert().values(
                    video_id=video_id,
                    creator=None,
                    ord=position,
                    moderation=state.value,
                    moderated=position,
                )
            )

    # Reads ---------------------------------------------------------------------------------

    def facts(
        self, generation: int, video_ids: Collection[UUID], *, excluded_only: bool
    ) -> list[VideoFacts]:
        t = self._tables[generation]
        v, c = t.videos.c, t.creators.c
        found: list[VideoFacts] = []
        with self.store.reading() as connection:
            for chunk in chunks(dict.fromkeys(video_ids)):
                query = _facts(t).where(v.video_id.in_(chunk))
                if excluded_only:
                    query = query.where(_excluded(v, c))
                found.extend(_video_facts(row) for row in connection.execute(query).all())
        return found

    def minors_among(self, generation: int, accounts: Collection[str]) -> set[str]:
        t = self._tables[generation]
        c = t.creators.c
        found: set[str] = set()
        with self.store.reading() as connection:
            for chunk in chunks(dict.fromkeys(accounts)):
                found.update(
                    connection.execute(
                        sa.select(c.account).where(c.account.in_(chunk), c.minor == sa.true())
                    ).scalars()
                )
        return found

    def videos_of(self, generation: int, account: str) -> list[UUID]:
        t = self._tables[generation]
        v = t.videos.c
        with self.store.reading() as connection:
            return list(
                connection.execute(
                    sa.select(v.video_id).where(v.creator == account).order_by(v.ord)
                ).scalars()
            )

    def videos_page(
        self, generation: int, account: str, *, after: int | None, limit: int
    ) -> list[PublishedVideo]:
        t = self._tables[generation]
        v = t.videos.c
        query = sa.select(v.video_id, v.ord, v.moderation).where(v.creator == account)
        rows = rows_after(self.store, query, v.ord, after=after, limit=limit)
        return [
            PublishedVideo(row.video_id, int(row.ord), ModerationState(row.moderation))
            for row in rows
        ]

    def flagged(self, generation: int, *, after: int | None, limit: int) -> list[tuple[int, UUID]]:
        t = self._tables[generation]
        v = t.videos.c
        query = sa.select(v.moderated, v.video_id).where(
            v.moderation == ModerationState.FLAGGED.value
        )
        rows = rows_after(self.store, query, v.moderated, after=after, limit=limit)
        return [(int(row.moderated), row.video_id) for row in rows]

    def minors(self, generation: int) -> list[str]:
        t = self._tables[generation]
        c = t.creators.c
        with self.store.reading() as connection:
            return list(
                connection.execute(
                    sa.select(c.account).where(c.minor == sa.true()).order_by(c.account)
                ).scalars()
            )

    def excluded(self, generation: int) -> list[VideoFacts]:
        t = self._tables[generation]
        v, c = t.videos.c, t.creators.c
        with self.store.reading() as connection:
            rows = connection.execute(
                _facts(t).where(v.creator.is_not(None), _excluded(v, c)).order_by(v.ord)
            ).all()
        return [_video_facts(row) for row in rows]


def _facts(t: _Tables) -> Any:
    v, c = t.videos.c, t.creators.c
    return sa.select(v.video_id, v.moderation, c.minor).select_from(
        t.videos.outerjoin(t.creators, c.account == v.creator)
    )


def _excluded(v: Any, c: Any) -> Any:
    return sa.or_(v.moderation.in_([state.value for state in RESTRICTING]), c.minor == sa.true())


def _video_facts(row: Any) -> VideoFacts:
    return VideoFacts(row.video_id, ModerationState(row.moderation), bool(row.minor))


def persisted_protection(store: SqlProjectionStore, runner: ProjectionRunner) -> Protection:
    """A core's protection: its projection's tables in ``store``, registered with ``runner``
    (which must follow the catalogue's log)."""
    projection = ProtectionProjection(SqlProtectionTables(store))
    runner.register(projection)
    return Protection(runner, projection)
