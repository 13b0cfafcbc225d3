"""CSV as a download streams it: one line of text per row, the first the header; each
list pages through its read model as it writes, so a file costs a page of memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from application.paging import Page
from domain.money import Money

T = TypeVar("T")

#: Rows read at a time from a read model while writing a file.
CSV_PAGE = 200


def decimal(amount: Money) -> str:
    """An amount in its currency's units, without the code: ``12.50``."""
    return str(amount).rsplit(" ", 1)[0]


def csv_line(values: Iterable[object]) -> str:
    """One CSV line (RFC 4180: quoted where needed, CRLF)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def csv_of(
    header: Iterable[str],
    read: Callable[[str | None], Page[T]],
    row: Callable[[T], Iterable[object]],
) -> Iterator[str]:
    """The header line, then a line per item of every page ``read(cursor)`` gives, in order.
    The first page is read now, so a reader the list refuses is refused before a line is
    written."""
    first = read(None)

    def lines() -> Iterator[str]:
        yield csv_line(header)
        page = first
        while True:
            for item in page.items:
                yield csv_line(row(item))
            if page.next_cursor is None:
                return
            page = read(page.next_cursor)

    return lines()
