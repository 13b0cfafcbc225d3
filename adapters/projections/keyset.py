"""A page of rows in the order of their log position, after a cursor's position: the read
behind the lists whose key is the position of the event that made each row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from adapters.projections.store import SqlProjectionStore

#: The largest position SQL binds (a signed 64-bit integer): past it, nothing.
MAX_POSITION = 2**63 - 1
#: Rows of one page at most, whatever is asked.
MAX_PAGE = 1000


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
    if (after is not None and after >= MAX_POSITION) or limit <= 0:
        return []
    if after is not None:
        query = query.where(position > after)
    with store.reading() as connection:
        return connection.execute(query.order_by(position).limit(min(limit, MAX_PAGE))).all()
