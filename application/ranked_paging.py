"""Pages of a ranked list on the shared cursors (``application.paging``): a list ordered by a
score, highest first, ties by the item's id as text, such as shop search (by relevance) and
a video's similar items (by confidence).

The cursor is a keyset: the last item's exact score (its ``repr``, which reads back as the
same float) and id, and the scope it was made in (the query, the video), so the next page
starts just after that item in the ranking, not after a count of items. A cursor of another
scope is refused with the reason. A score that changes between pages (a relevance score
moves as listings come and go) moves its item in the ranking; the cursor still never repeats
the items ranked before it at the time of the read.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from typing import TypeVar
from uuid import UUID

from application.paging import KeysetCursors, Page, uuid_at
from domain.errors import InvalidValue

T = TypeVar("T")

#: Where a page starts: after the item with this score and id.
After = tuple[float, UUID]


def ranked_before(score: float, item_id: UUID, after: After | None) -> bool:
    """Whether the item (``score``, ``item_id``) comes after ``after`` in the ranking (every
    item does when there is none)."""
    if after is None:
        return True
    return (-score, str(item_id)) > (-after[0], str(after[1]))


def scope_of(text: str) -> str:
    """A short fingerprint of what a list was read for (a query, words spaced and cased as
    they may be)."""
    normal = " ".join(text.split()).casefold()
    return hashlib.blake2b(normal.encode(), digest_size=8).hexdigest()


class RankedCursors:
    """The cursors of one ranked list."""

    def __init__(self, list_name: str) -> None:
        self._cursors = KeysetCursors(list_name, str, str, UUID)
        self.list_name = list_name

    def decode(self, cursor: str | None, scope: str) -> After | None:
        key = self._cursors.decode(cursor)
        if key is None:
            return None
        if key[0] != scope:
            raise InvalidValue(
                f"the cursor is one of another {self.list_name} (another query or item): "
                "pass next_cursor with what it was read for"
            )
        try:
            score = float(str(key[1]))
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise InvalidValue(f"the cursor is not one {self.list_name!r} gave")
        return score, uuid_at(key, 2)

    def page(
        self,
        rows: Sequence[T],
        limit: int,
        scope: str,
        ranked_by: Callable[[T], After],
    ) -> Page[T]:
        """The page of the first ``limit`` of ``rows`` (read with one more, to learn whether
        more follow)."""

        def key(row: T) -> tuple[str, str, UUID]:
            score, item_id = ranked_by(row)
            return scope, repr(float(score)), item_id

        return self._cursors.page(rows, limit, key)
