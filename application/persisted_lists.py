"""Lists read a page at a time from persisted read models (``application.paging``): the one
way every program's list service turns a cursor and a limit into a keyset read and a page.

A page is read the same way whatever the list: its cursor is decoded (a foreign or altered
one refused) into the key to read after, the limit bounded, ``limit + 1`` rows read after
that key at the generation reads query (``ProjectionRunner.fresh``), and the first ``limit``
answered with the cursor of the last when more follow. A service says which read and which
key; who may read a list, and what it filters on, stay its own program's rules.

``PersistedLists`` is the rest a list service over one persisted projection repeats: it
brings its projection up to the end of its logs, offers it to the registry of read models,
and reads its tables at the generation a read should query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from application.paging import Key, KeysetCursors, Page, int_at, limited
from application.projections import Persisted, Projection, ProjectionRunner
from application.read_models import ReadModel

Row = TypeVar("Row")
Row_co = TypeVar("Row_co", covariant=True)
After = TypeVar("After")
Tables = TypeVar("Tables")
Tables_co = TypeVar("Tables_co", covariant=True)


def keyset_page(
    cursors: KeysetCursors,
    cursor: str | None,
    limit: int,
    *,
    after: Callable[[Key], After],
    read: Callable[[After | None, int], Sequence[Row]],
    key: Callable[[Row], Key],
) -> Page[Row]:
    """The page of at most ``limit`` rows after the one ``cursor`` names: ``after`` turns
    the cursor's key into what ``read`` seeks from (refusing one it cannot be), ``read``
    answers the rows after it in the list's order, ``key`` is a row's key in that order."""
    decoded = cursors.decode(cursor)
    start = None if decoded is None else after(decoded)
    size = limited(limit)
    return cursors.page(read(start, size + 1), size, key)


def position_page(
    cursors: KeysetCursors,
    cursor: str | None,
    limit: int,
    *,
    read: Callable[[int | None, int], Sequence[Row]],
    position: Callable[[Row], int],
) -> Page[Row]:
    """``keyset_page`` of a list in the order of one log position a row keeps (the event
    that made it): the key is that position alone."""
    return keyset_page(
        cursors, cursor, limit, after=first_position, read=read, key=lambda row: (position(row),)
    )


def first_position(key: Key) -> int:
    """The position a list's key holds first."""
    return int_at(key, 0)


class PositionRead(Protocol[Row_co]):
    """A tables read of a list in log-position order: at most ``limit`` rows after the
    position ``after`` (none: from the first), at a generation (a list's filters bound with
    ``functools.partial``)."""

    def __call__(self, generation: int, /, *, after: int | None, limit: int) -> Sequence[Row_co]:
        """The rows."""
        ...


class ListsProjection(Projection, Protocol[Tables_co]):
    """A persisted projection whose rows its lists read through ``tables``."""

    @property
    def tables(self) -> Tables_co:
        """The port to its rows in the projection store."""
        ...


class PersistedLists(Generic[Tables]):
    """A list service over one persisted projection: it catches it up, registers it as a
    read model, and reads its ``tables`` at the generation a read should query."""

    def __init__(self, runner: ProjectionRunner, projection: ListsProjection[Tables]) -> None:
        self.runner = runner
        self.projection = projection

    @property
    def tables(self) -> Tables:
        """The lists' tables, for reads that page through them."""
        return self.projection.tables

    def catch_up(self) -> int:
        """Brings the lists up to the end of their logs; answers how many events were
        applied (``ProjectionFailed`` if one cannot be)."""
        return self.runner.catch_up(self.projection.name)

    def read_models(self) -> tuple[ReadModel, ...]:
        """The lists' read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.runner, self.projection),)

    def _position_page(
        self,
        cursors: KeysetCursors,
        cursor: str | None,
        limit: int,
        read: PositionRead[Row],
        position: Callable[[Row], int],
    ) -> Page[Row]:
        """``position_page`` of a read of the tables at the generation reads query."""
        return position_page(
            cursors,
            cursor,
            limit,
            read=lambda after, ask: read(self._generation(), after=after, limit=ask),
            position=position,
        )

    def _generation(self) -> int:
        """The generation a read queries (brought to the end of its logs first when reads
        catch up)."""
        return self.runner.fresh(self.projection.name)
