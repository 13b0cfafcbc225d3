"""A title's leading hashtags, read as a seek on the index of (title, videos), are those a
rank over all its hashtags gives (the read as it was before the index): ties at the edge
come whole, a title with fewer hashtags than the ranks gives them all, none carried by no
video."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.analytics import SqlAnalyticsTables
from adapters.storage import parse_store
from application.anchors.analytics import NAME, StudioAnalyticsProjection

TITLES = [UUID(int=n + 1) for n in range(4)]


def ranked_over_all(t: Any, title_ids: list[UUID], ranks: int) -> sa.Select[Any]:
    """The read before the index: a rank over every hashtag of the titles."""
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
    return sa.select(ranked.c.title_id, ranked.c.tag, ranked.c.videos).where(ranked.c.rank <= ranks)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 15), st.integers(0, 6)), max_size=40
    ),
    ranks=st.integers(1, 8),
)
def test_the_leading_hashtags_are_those_a_rank_over_all_of_them_gives(
    counts: list[tuple[int, int, int]], ranks: int
) -> None:
    store = SqlProjectionStore(projection_database_for(parse_store("memory://")))
    tables = SqlAnalyticsTables(store)
    projection = StudioAnalyticsProjection(tables)
    generation = store.new_generation(NAME, projection.version, ("catalogue",), active=True)
    projection.create(generation)
    t = tables._of(generation)
    try:
        rows = {(TITLES[title], f"tag{tag}"): videos for title, tag, videos in counts}
        with store.database.writer.begin() as connection:
            connection.execute(
                t.titles.insert(),
                [{"title_id": title_id, "listed": True} for title_id in TITLES],
            )
            if rows:
                connection.execute(
                    t.hashtags.insert(),
                    [
                        {"title_id": title_id, "tag": tag, "videos": videos}
                        for (title_id, tag), videos in rows.items()
                    ],
                )
        with store.reading() as connection:
            seek = set(connection.execute(tables._leading_hashtags(t, TITLES, ranks)).all())
            ranked = set(connection.execute(ranked_over_all(t, TITLES, ranks)).all())
        assert seek == ranked
    finally:
        store.close()
