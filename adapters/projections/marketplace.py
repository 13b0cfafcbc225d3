"""The creator marketplace's rows (``application.business.marketplace_projection
.MarketplaceTables``) in the projection store: SQLAlchemy Core tables, one set per generation.

A search is one query: the candidates (a join on the text's hits, or the creators with videos
in the categories asked for, through the index ``(category, account)``), the hard filters on
indexed columns (region, followers, engagement rate, not a minor), the signals computed in
integers from the row (the category signal from the creator's videos in the categories
wanted), ordered by their weighted mean and the account, and a page of it. Upserts update
and insert when nothing was updated, which is safe because one projection's batches are
serialised by the compare and set of its positions.
"""

from __future__ import annotations

import json
import operator
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from functools import reduce
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from adapters.projections.rows import add_amounts, chunks
from adapters.projections.store import ByGeneration, SqlProjectionStore
from adapters.projections.text_index import SqlTextIndex
from application.business.marketplace_projection import (
    ONE,
    WEIGHTS,
    CreatorChange,
    CreatorFacts,
    CreatorSearch,
    NewVideo,
    Totals,
)
from application.projections import Batch


def creator_text(store: SqlProjectionStore) -> SqlTextIndex[str]:
    """The creators' words: a document per account (tables ``market_text_…``)."""
    return SqlTextIndex(store, "market_text", sa.Text())


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"market_creators{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("creator_id", sa.Uuid, nullable=True, index=True),  # None: not registered
        sa.Column("region", sa.String(8), nullable=False),  # '': not registered
        sa.Column("followers", sa.BigInteger, nullable=False, index=True),
        sa.Column("videos", sa.BigInteger, nullable=False),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("engagements", sa.BigInteger, nullable=False),
        sa.Column("rate_bp", sa.BigInteger, nullable=False, index=True),
        sa.Column("engagement_signal", sa.Integer, nullable=False),
        sa.Column("audience_signal", sa.Integer, nullable=False),
        sa.Column("minor", sa.Boolean, nullable=False),
        sa.Index(f"market_creators_region{suffix}", "region", "followers"),
    )
    sa.Table(
        f"market_categories{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("videos", sa.BigInteger, nullable=False),
        sa.Index(f"market_categories_category{suffix}", "category", "account"),
    )
    sa.Table(
        f"market_videos{suffix}",
        metadata,
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, nullable=False),
    )
    sa.Table(
        f"market_invitations{suffix}",
        metadata,
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("creator", sa.Text, primary_key=True),
    )


@attrs.frozen
class _Tables:
    creators: sa.Table
    categories: sa.Table
    videos: sa.Table
    invitations: sa.Table


def _new_creator(account: str) -> dict[str, Any]:
    return {
        "account": account,
        "creator_id": None,
        "region": "",
        "followers": 0,
        "videos": 0,
        "views": 0,
        "engagements": 0,
        "rate_bp": 0,
        "engagement_signal": 0,
        "audience_signal": 0,
        "minor": False,
    }


class SqlMarketplaceTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._tables = ByGeneration(store, _define, "market_", _Tables)

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._tables.of(batch)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    # Writes --------------------------------------------------------------------------------

    def accounts_of(self, batch: Batch, creator_ids: Collection[UUID]) -> dict[UUID, str]:
        connection, t = self._batch(batch)
        c = t.creators.c
        return {
            row.creator_id: row.account
            for chunk in chunks(creator_ids)
            for row in connection.execute(
                sa.select(c.creator_id, c.account).where(c.creator_id.in_(chunk))
            )
        }

    def change_creators(self, batch: Batch, changes: Mapping[str, CreatorChange]) -> None:
        connection, t = self._batch(batch)
        c = t.creators.c
        known = {
            account
            for chunk in chunks(sorted(changes))
            for account in connection.execute(
                sa.select(c.account).where(c.account.in_(chunk))
            ).scalars()
        }
        new = [_new_creator(a) | change.fields() for a, change in changes.items() if a not in known]
        if new:
            connection.execute(t.creators.insert(), new)
        # One statement for the creators whose changes set the same columns.
        alike: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for account in known:
            fields = changes[account].fields()
            alike[tuple(sorted(fields))].append(
                {"key": account} | {f"new_{name}": value for name, value in fields.items()}
            )
        for names, rows in alike.items():
            connection.execute(
                t.creators.update()
                .where(c.account == sa.bindparam("key"))
                .values({name: sa.bindparam(f"new_{name}") for name in names}),
                rows,
            )

    def publish(self, batch: Batch, videos: Sequence[NewVideo]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.videos.insert(), [{"video_id": v.video_id, "creator": v.creator} for v in videos]
        )
        made = Counter(v.creator for v in videos)
        add_amounts(
            connection,
            t.creators,
            ["account"],
            ["videos"],
            [_new_creator(account) | {"videos": count} for account, count in made.items()],
        )
        add_amounts(
            connection,
            t.categories,
            ["account", "category"],
            ["videos"],
            [
                {"account": account, "category": category, "videos": count}
                for (account, category), count in Counter(
                    (v.creator, v.category) for v in videos
                ).items()
            ],
        )

    def creators_of(self, batch: Batch, video_ids: Collection[UUID]) -> dict[UUID, str]:
        connection, t = self._batch(batch)
        v = t.videos.c
        found: dict[UUID, str] = {}
        for chunk in chunks(video_ids):
            for row in connection.execute(
                sa.select(v.video_id, v.creator).where(v.video_id.in_(chunk))
            ):
                found[row.video_id] = row.creator
        return found

    def totals(self, batch: Batch, accounts: Collection[str]) -> dict[str, Totals]:
        connection, t = self._batch(batch)
        c = t.creators.c
        found: dict[str, Totals] = {}
        for chunk in chunks(sorted(accounts)):
            for row in connection.execute(
                sa.select(c.account, c.views, c.engagements).where(c.account.in_(chunk))
            ):
                found[row.account] = Totals(int(row.views), int(row.engagements))
        return found

    def set_totals(self, batch: Batch, totals: Mapping[str, Totals]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.creators.update()
            .where(t.creators.c.account == sa.bindparam("key"))
            .values(
                views=sa.bindparam("v"),
                engagements=sa.bindparam("e"),
                rate_bp=sa.bindparam("r"),
                engagement_signal=sa.bindparam("s"),
            ),
            [
                {"key": account, "v": t.views, "e": t.engagements, "r": t.rate_bp, "s": t.signal}
                for account, t in totals.items()
            ],
        )

    def invite(self, batch: Batch, invitations: Sequence[tuple[UUID, str]]) -> None:
        connection, t = self._batch(batch)
        connection.execute(
            t.invitations.insert(),
            [{"campaign_id": campaign, "creator": creator} for campaign, creator in invitations],
        )

    # Reads ---------------------------------------------------------------------------------

    def invited(self, generation: int, campaign_id: UUID, accounts: Collection[str]) -> set[str]:
        i = self._tables[generation].invitations.c
        with self.store.reading() as connection:
            return {
                creator
                for chunk in chunks(sorted(accounts))
                for creator in connection.execute(
                    sa.select(i.creator).where(i.campaign_id == campaign_id, i.creator.in_(chunk))
                ).scalars()
            }

    def invitations(self, generation: int) -> list[tuple[UUID, str]]:
        i = self._tables[generation].invitations.c
        with self.store.reading() as connection:
            return [
                (row.campaign_id, row.creator)
                for row in connection.execute(sa.select(i.campaign_id, i.creator))
            ]

    def search(
        self,
        generation: int,
        search: CreatorSearch,
        *,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[CreatorFacts]:
        t = self._tables[generation]
        c, k = t.creators.c, t.categories.c
        if search.text_only and not search.text:
            return []  # free text asked for, and nobody said it
        joined: sa.FromClause = t.creators
        said_score: Any = sa.literal(0)
        where: list[Any] = [c.minor == sa.false()]
        if search.categories:
            where.append(c.account.in_(_makers(k, search.categories)))
        pool = search.categories or search.campaign_categories
        if search.text:
            # The candidates as rows (account, text signal): the text's hits, and unless only
            # they count the others that may be candidates, with none. Driving the join from
            # them, each creator is found by its key (a left join of the hits to every
            # candidate scanned the hits once per candidate).
            said = _said(self.store.database.reader.dialect.name, search.text)
            hits = sa.select(said.c.account.label("account"), said.c.score.label("score"))
            if search.text_only:
                candidates = hits.subquery("candidates")
            else:
                others = _makers(k, pool) if pool else sa.select(c.account)
                account = others.selected_columns[0]
                candidates = sa.union_all(
                    hits,
                    others.with_only_columns(
                        account.label("account"), sa.literal(0, sa.BigInteger).label("score")
                    )
                    .where(account.not_in(sa.select(said.c.account)))
                    .distinct(),
                ).subquery("candidates")
            joined = candidates.join(t.creators, c.account == candidates.c.account)
            said_score = candidates.c.score
        elif pool and not search.categories:
            where.append(c.account.in_(_makers(k, pool)))
        if search.regions:
            where.append(c.region.in_(search.regions))
        if search.followers_min is not None:
            where.append(c.followers >= search.followers_min)
        if search.followers_max is not None:
            where.append(c.followers <= search.followers_max)
        if search.rate_min_bp is not None:
            where.append(c.rate_bp >= search.rate_min_bp)
        inside: Any = sa.literal(0, sa.BigInteger)
        signals: dict[str, Any] = {}
        if search.text is not None:
            signals["text"] = said_score
        if search.wanted_categories:
            wanted = (
                sa.select(k.account, sa.cast(sa.func.sum(k.videos), sa.BigInteger).label("inside"))
                .where(k.category.in_(search.wanted_categories))
                .group_by(k.account)
                .subquery()
            )
            joined = joined.outerjoin(wanted, wanted.c.account == c.account)
            inside = sa.func.coalesce(wanted.c.inside, 0)
            signals["category"] = sa.case(
                (c.videos > 0, (2 * ONE * inside + c.videos) // (2 * c.videos)), else_=0
            )
        if search.wanted_regions:
            signals["region"] = sa.case((c.region.in_(search.wanted_regions), ONE), else_=0)
        signals["engagement"] = c.engagement_signal
        signals["audience"] = c.audience_signal
        weight = sum(WEIGHTS[name] for name in signals)
        numerator = reduce(operator.add, (WEIGHTS[name] * s for name, s in signals.items()))
        score = (2 * numerator + weight) // (2 * weight)
        with self.store.reading() as connection:
            account = _in_code_order(connection, c.account)
            if after is not None:
                # The keyset of the order below: a lower score, or the same and an account
                # after the cursor's.
                last_score, last_account = after
                where.append(
                    sa.or_(score < last_score, sa.and_(score == last_score, account > last_account))
                )
            rows = connection.execute(
                sa.select(
                    c.account,
                    c.region,
                    c.followers,
                    c.videos,
                    c.views,
                    c.engagements,
                    c.minor,
                    inside.label("inside"),
                )
                .select_from(joined)
                .where(*where)
                .order_by(score.desc(), account)
                .limit(limit)
            ).all()
        return [_facts(row, inside=int(row.inside)) for row in rows]

    def facts(self, generation: int) -> Iterator[tuple[CreatorFacts, dict[str, int]]]:
        t = self._tables[generation]
        c, k = t.creators.c, t.categories.c
        with self.store.reading() as connection:
            creators = connection.execute(sa.select(t.creators).order_by(c.account)).all()
            categories: dict[str, dict[str, int]] = defaultdict(dict)
            for row in connection.execute(sa.select(k.account, k.category, k.videos)):
                categories[row.account][row.category] = int(row.videos)
        for row in creators:
            yield _facts(row), categories.get(row.account, {})


def _said(dialect: str, text: Mapping[str, int]) -> Any:
    """The text's hits as rows (account, score), bound as one or two parameters so that the
    statement is compiled once, whatever the number of hits (a ``VALUES`` list of 2,000 rows
    took longer to compile than the query took to run)."""
    if dialect == "sqlite":
        pairs = sa.func.json_each(
            sa.bindparam("said", json.dumps(dict(text)), type_=sa.Text)
        ).table_valued("key", "value")
        return sa.select(
            pairs.c.key.label("account"), sa.cast(pairs.c.value, sa.BigInteger).label("score")
        ).subquery("said")
    if dialect == "postgresql":
        return (
            sa.func.unnest(
                sa.bindparam("accounts", list(text), type_=postgresql.ARRAY(sa.Text)),
                sa.bindparam("scores", list(text.values()), type_=postgresql.ARRAY(sa.BigInteger)),
            )
            .table_valued("account", "score")
            .render_derived(name="said")
        )
    return (
        sa.values(sa.column("account", sa.Text), sa.column("score", sa.BigInteger), name="said")
        .data(sorted(text.items()))
        .cte("said")
    )


def _makers(k: Any, categories: Sequence[str]) -> sa.Select[Any]:
    """The creators with videos in any of ``categories`` (the index on category)."""
    return sa.select(k.account).where(k.category.in_(categories))


def _in_code_order(connection: Connection, column: Any) -> Any:
    # Ties of score go to the account first in code-point order, as Python orders them,
    # whatever collation the database was created with.
    return sa.collate(column, "C") if connection.dialect.name == "postgresql" else column


def _facts(row: Any, *, inside: int = 0) -> CreatorFacts:
    return CreatorFacts(
        account=row.account,
        region=row.region,
        followers=int(row.followers),
        videos=int(row.videos),
        views=int(row.views),
        engagements=int(row.engagements),
        minor=bool(row.minor),
        inside=inside,
    )
