"""The projections' bulk writes (``adapters.projections.rows``) leave the rows that writing
them one at a time leaves, however many rows a call writes: on PostgreSQL a call of many
rows stages them by ``COPY`` and writes them in one statement, a call of few goes row by
row, and both must agree with the plain arithmetic of the rows given.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.rows import (
    STAGE_AT_LEAST,
    add_amounts,
    add_amounts_by_key,
    insert_rows,
    update_rows,
)
from adapters.storage import parse_store
from tests.deployments import StoreUnderTest, store_under_test

TABLES = itertools.count(1)
DAY = date(2026, 12, 1)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def projections(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlProjectionStore]:
    under_test: StoreUnderTest = store_under_test(request, tmp_path, "rows")
    store = parse_store(under_test.url)
    store.prepare()
    projections = SqlProjectionStore(projection_database_for(store))
    yield projections
    projections.close()


def _table(projections: SqlProjectionStore) -> sa.Table:
    """A table of a video's day: amounts to add, a label to set, a column the writes leave
    alone (NOT NULL, with a server default)."""
    table = sa.Table(
        f"bulk_rows_{next(TABLES)}",
        sa.MetaData(schema=projections.metadata.schema),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("likes", sa.BigInteger, nullable=False),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
    )
    table.create(projections.database.writer)
    return table


def _everything(projections: SqlProjectionStore, table: sa.Table) -> dict[tuple[Any, ...], Any]:
    with projections.database.writer.connect() as connection:
        return {
            (row.video_id, row.day): (row.views, row.likes, row.label)
            for row in connection.execute(sa.select(table))
        }


#: (video, day offset, views, likes): few videos and days, so keys repeat within a call.
counts = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 2), st.integers(0, 10**12), st.integers(0, 99)),
    max_size=3 * STAGE_AT_LEAST,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=st.lists(counts, min_size=1, max_size=4), labels=st.lists(st.integers(0, 40)))
def test_added_amounts_and_updates_are_the_rows_arithmetic(
    projections: SqlProjectionStore, calls: list[list[tuple[int, int, int, int]]], labels: list[int]
) -> None:
    table = _table(projections)
    expected: dict[tuple[Any, ...], list[Any]] = {}
    # Every call in one transaction: a second call's staging must not see the first's rows.
    with projections.database.writer.begin() as connection:
        for call in calls:
            rows = []
            for video, offset, views, likes in call:
                key = (UUID(int=video), DAY + timedelta(days=offset))
                rows.append({"video_id": key[0], "day": key[1], "views": views, "likes": likes})
                kept = expected.setdefault(key, [0, 0, ""])
                kept[0] += views
                kept[1] += likes
            add_amounts(connection, table, ("video_id", "day"), ("views", "likes"), rows)
        # Every stored row of the labelled videos gets its label (the last one given wins),
        # and the first labelled video has a day added to its views.
        labelled = [
            {"video_id": key[0], "day": key[1], "label": f"label {n}"}
            for n, video in enumerate(labels)
            for key in expected
            if key[0] == UUID(int=video)
        ]
        for row in labelled:
            expected[(row["video_id"], row["day"])][2] = row["label"]
        update_rows(connection, table, ("video_id", "day"), ("label",), labelled)
        doubled = [
            {"video_id": key[0], "day": key[1], "views": amounts[0]}
            for key, amounts in expected.items()
        ]
        for row in doubled:
            expected[(row["video_id"], row["day"])][0] *= 2
        update_rows(connection, table, ("video_id", "day"), ("views",), doubled, add=True)
    assert _everything(projections, table) == {
        key: tuple(amounts) for key, amounts in expected.items()
    }


def test_a_rolled_back_call_leaves_nothing_staged_for_the_next(
    projections: SqlProjectionStore,
) -> None:
    table = _table(projections)
    rows = [
        {"video_id": UUID(int=n), "day": DAY, "views": 1, "likes": 2}
        for n in range(2 * STAGE_AT_LEAST)
    ]

    def failing_batch() -> None:
        with projections.database.writer.begin() as connection:
            add_amounts(connection, table, ("video_id", "day"), ("views", "likes"), rows)
            raise RuntimeError("the batch fails after its write")

    with pytest.raises(RuntimeError):
        failing_batch()
    with projections.database.writer.begin() as connection:
        add_amounts(
            connection, table, ("video_id", "day"), ("views", "likes"), rows[:STAGE_AT_LEAST]
        )
    assert _everything(projections, table) == {
        (row["video_id"], DAY): (1, 2, "") for row in rows[:STAGE_AT_LEAST]
    }


def test_two_calls_of_many_rows_in_one_batch_add_each_once(
    projections: SqlProjectionStore,
) -> None:
    table = _table(projections)
    first = [
        {"video_id": UUID(int=n), "day": DAY, "views": 1, "likes": 0} for n in range(STAGE_AT_LEAST)
    ]
    second = [
        {"video_id": UUID(int=n), "day": DAY, "views": 10, "likes": 1}
        for n in range(STAGE_AT_LEAST // 2, 2 * STAGE_AT_LEAST)
    ]
    with projections.database.writer.begin() as connection:
        add_amounts(connection, table, ("video_id", "day"), ("views", "likes"), first)
        add_amounts(connection, table, ("video_id", "day"), ("views", "likes"), second)
        update_rows(
            connection,
            table,
            ("video_id", "day"),
            ("label",),
            [{"video_id": row["video_id"], "day": DAY, "label": "a"} for row in first],
        )
        update_rows(
            connection,
            table,
            ("video_id", "day"),
            ("views",),
            [{"video_id": row["video_id"], "day": DAY, "views": 100} for row in second],
            add=True,
        )
    found = _everything(projections, table)
    assert found[(UUID(int=0), DAY)] == (1, 0, "a")
    assert found[(UUID(int=STAGE_AT_LEAST // 2), DAY)] == (111, 1, "a")
    assert found[(UUID(int=2 * STAGE_AT_LEAST - 1), DAY)] == (110, 1, "")
    assert len(found) == 2 * STAGE_AT_LEAST


def _amounts_table(projections: SqlProjectionStore) -> sa.Table:
    """A table of keys and amounts only, which ``add_amounts_by_key`` writes column by
    column."""
    table = sa.Table(
        f"bulk_rows_{next(TABLES)}",
        sa.MetaData(schema=projections.metadata.schema),
        sa.Column("video_id", sa.Uuid, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("views", sa.BigInteger, nullable=False, default=0),
        sa.Column("likes", sa.BigInteger, nullable=False, default=0),
    )
    table.create(projections.database.writer)
    return table


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=st.lists(counts, min_size=1, max_size=3))
def test_amounts_added_by_key_are_the_amounts_added_row_by_row(
    projections: SqlProjectionStore, calls: list[list[tuple[int, int, int, int]]]
) -> None:
    """``add_amounts_by_key`` (values taken column by column; on a table with another
    column, ``add_amounts`` of the same rows) leaves the rows ``add_amounts`` leaves."""
    by_key, by_row, other = (
        _amounts_table(projections),
        _amounts_table(projections),
        _table(projections),
    )
    keys, amounts = ("video_id", "day"), ("views", "likes")
    with projections.database.writer.begin() as connection:
        for call in calls:
            summed: dict[tuple[Any, ...], list[int]] = {}
            rows = []
            for video, offset, views, likes in call:
                key = (UUID(int=video), DAY + timedelta(days=offset))
                rows.append({"video_id": key[0], "day": key[1], "views": views, "likes": likes})
                kept = summed.setdefault(key, [0, 0])
                kept[0] += views
                kept[1] += likes
            add_amounts(connection, by_row, keys, amounts, rows)
            add_amounts_by_key(connection, by_key, keys, amounts, summed)
            add_amounts_by_key(connection, other, keys, amounts, summed)
    with projections.database.writer.connect() as connection:
        found = {
            table.name: sorted(tuple(row)[:4] for row in connection.execute(sa.select(table)))
            for table in (by_key, by_row, other)
        }
    assert found[by_key.name] == found[by_row.name] == found[other.name]
    assert len(found[by_row.name]) == len(
        {(video, offset) for call in calls for video, offset, _v, _l in call}
    )


@pytest.mark.parametrize("many", [1, STAGE_AT_LEAST, 3 * STAGE_AT_LEAST])
def test_inserted_rows_are_the_rows_given(projections: SqlProjectionStore, many: int) -> None:
    """``insert_rows`` of few rows (the driver's executemany) and of many (``COPY`` on
    PostgreSQL), and of rows leaving out a column with a default (SQLAlchemy's insert)."""
    table, defaulted = _table(projections), _amounts_table(projections)
    rows = [
        {"video_id": UUID(int=n), "day": DAY + timedelta(days=n % 3), "views": n, "likes": 7}
        for n in range(many)
    ]
    with projections.database.writer.begin() as connection:
        insert_rows(connection, table, [row | {"label": f"n{row['views']}"} for row in rows])
        insert_rows(
            connection, defaulted, [{k: row[k] for k in row if k != "likes"} for row in rows]
        )
    assert _everything(projections, table) == {
        (row["video_id"], row["day"]): (row["views"], 7, f"n{row['views']}") for row in rows
    }
    with projections.database.writer.connect() as connection:
        assert sorted(tuple(row) for row in connection.execute(sa.select(defaulted))) == sorted(
            (row["video_id"], row["day"], row["views"], 0) for row in rows
        )
