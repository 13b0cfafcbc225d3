"""Reading a whole list through the Python API, a page at a time (``application.paging``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from application.paging import Page

T = TypeVar("T")


def every_page(read: Callable[..., Page[T]]) -> list[T]:
    """Every item of the list ``read(cursor=...)`` pages through, following its cursors."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page = read(cursor=cursor)
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor
