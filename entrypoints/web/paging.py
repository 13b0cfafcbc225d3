"""Paging a list page both ways: "Next", "Previous" and "First page" links (the macro
``pager`` of ``templates/paging.html``).

A list's cursor is the key of a page's last item (``application.paging``): it leads forward
only. So a page's "Next" link carries, beside the next cursor, the trail of cursors that led
to the page (``back``: comma-separated, an empty one for the first page; a cursor holds no
comma). "Previous" is the trail's last cursor with the trail less it; "First page" the list
without a cursor. Every other parameter of the page's address (a filter, the cursor of
another list on the page) is kept as it was. The trail is only a convenience: a cursor in it
is checked by the list as any cursor is, one that is not a cursor is dropped, and it keeps at
most ``MAX_TRAIL`` cursors (past that, "First page" still leads back)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

import attrs
from fastapi import Depends, Query
from starlette.datastructures import QueryParams

from application.paging import CURSOR_PATTERN, MAX_CURSOR

#: The most cursors a trail keeps (the oldest go first).
MAX_TRAIL = 20
#: Parameters of an address never carried to another page (what a form just did).
NOT_KEPT = frozenset({"done"})
_CURSOR = re.compile(CURSOR_PATTERN)
#: The longest trail: ``MAX_TRAIL`` cursors and their commas.
TRAIL_CHARS = MAX_TRAIL * (MAX_CURSOR + 1)
Trail = Annotated[
    str | None,
    Query(max_length=TRAIL_CHARS, description="The cursors that led to this page."),
]


def _back(back: Trail = None) -> None:
    """The trail of a list paged by ``cursor`` (read by ``pager`` from the address)."""


def _appeals_back(appeals_cursor_back: Trail = None) -> None:
    """The trail of a list paged by ``appeals_cursor``."""


def _seasons_back(seasons_cursor_back: Trail = None) -> None:
    """The trail of a list paged by ``seasons_cursor``."""


def _disputes_back(disputes_cursor_back: Trail = None) -> None:
    """The trail of a list paged by ``disputes_cursor``."""


_TRAILS = {
    "cursor": _back,
    "appeals_cursor": _appeals_back,
    "seasons_cursor": _seasons_back,
    "disputes_cursor": _disputes_back,
}


def trails(*cursor_names: str) -> Sequence[Any]:
    """The dependencies that declare the trails of a page's lists (``cursor`` and the
    others named), so the route takes them as it takes its other parameters."""
    return [Depends(_TRAILS[name]) for name in ("cursor", *cursor_names)]


def trail_name(cursor_name: str) -> str:
    """The parameter holding the trail of the list paged by ``cursor_name``."""
    return "back" if cursor_name == "cursor" else f"{cursor_name}_back"


def _trail(text: str) -> tuple[str, ...]:
    steps = [] if not text else text.split(",")
    kept = tuple(s for s in steps if s == "" or (len(s) <= MAX_CURSOR and _CURSOR.match(s)))
    return kept[-MAX_TRAIL:]


@attrs.frozen
class Pager:
    """The links of one list's pages: ``next_url``, ``previous_url`` and ``first_url`` (None
    where there is no such page)."""

    path: str
    kept: tuple[tuple[str, str], ...]
    cursor_name: str
    cursor: str | None
    trail: tuple[str, ...]
    next_cursor: str | None

    def _url(self, cursor: str | None, trail: tuple[str, ...]) -> str:
        params = list(self.kept)
        if cursor:
            params.append((self.cursor_name, cursor))
        if cursor and trail:
            params.append((trail_name(self.cursor_name), ",".join(trail)))
        return f"{self.path}?{urlencode(params)}" if params else self.path

    @property
    def next_url(self) -> str | None:
        if self.next_cursor is None:
            return None
        trail = (*self.trail, self.cursor or "")[-MAX_TRAIL:]
        return self._url(self.next_cursor, trail)

    @property
    def previous_url(self) -> str | None:
        if not self.cursor:
            return None
        if not self.trail:  # the trail was lost or cut: the first page is the way back
            return self._url(None, ())
        return self._url(self.trail[-1] or None, self.trail[:-1])

    @property
    def first_url(self) -> str | None:
        return self._url(None, ()) if self.cursor else None


def pager(
    path: str,
    query: Mapping[str, str] | QueryParams,
    next_cursor: str | None,
    *,
    cursor_name: str = "cursor",
) -> Pager:
    """The pager of the list at ``path`` paged by ``cursor_name``, on the page whose address
    had ``query``, whose next page starts at ``next_cursor``."""
    items = query.multi_items() if isinstance(query, QueryParams) else list(query.items())
    own = {cursor_name, trail_name(cursor_name)}
    kept = tuple((k, v) for k, v in items if k not in own and k not in NOT_KEPT and v != "")
    cursor = query.get(cursor_name) or None
    return Pager(
        path=path,
        kept=kept,
        cursor_name=cursor_name,
        cursor=cursor,
        trail=_trail(query.get(trail_name(cursor_name), "")) if cursor else (),
        next_cursor=next_cursor,
    )
