"""Keyset pages of a read model's rows: the rows after a cursor's key, in the order of the
key's columns, so a page is a seek on an index whatever its length. Every keyset-paged
read model reads its pages here: by one column (``rows_after``: the log position of the
event that made each row, or another increasing number) or by several (``rows_after_key``:
a key and the row's id to break its ties)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from adapters.projections.store import SqlProjectionStore

#: The largest position SQL binds (a signed 64-bit integer): past it, nothing.
MAX_POSITION = 2**63 - 1
#: Rows of one page at most, whatever is asked.
MAX_PAGE = 1000


def after_key(
    order: Sequence[sa.ColumnElement[Any]], after: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """The rows past the key ``after`` in the ascending order of the columns ``order`` (as
    many parts as columns): a greater first part, or the same and a greater rest."""
    if len(order) != len(after) or not order:
        raise ValueError("a key has one part per column of its order")
    first, *rest = order
    past: sa.ColumnElement[bool] = first > after[0]
    if not rest:
        return past
    return sa.or_(past, sa.and_(first == after[0], after_key(rest, after[1:])))


def rows_after_key(
    store: SqlProjectionStore,
    query: sa.Select[Any],
    order: Sequence[sa.ColumnElement[Any]],
    *,
    after: Sequence[Any] | None,
    limit: int | None,
) -> Sequence[sa.Row[Any]]:
    """At most ``limit`` rows of ``query`` (none: all of them; never more than ``MAX_PAGE``
    when a limit is given) past the key ``after`` (none: from the first), in the ascending
    order of the columns ``order``."""
    if limit is not None and limit <= 0:
        return []
    if after is not None:
        query = query.where(after_key(order, after))
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(min(limit, MAX_PAGE))
    with store.reading() as connection:
        return connection.execute(query).all()


def rows_after(
    store: SqlProjectionStore,
    query: sa.Select[Any],
    position: sa.ColumnElement[int],
    *,
    after: int | None,
    limit: int,
) -> Sequence[sa.Row[Any]]:
    """At most ``limit`` rows of ``query`` whose ``position`` is past ``after`` (none: from
    the first), in the order of their positions."""
    if after is not None and after >= MAX_POSITION:
        return []
    return rows_after_key(
        store, query, (position,), after=None if after is None else (after,), limit=limit
    )
