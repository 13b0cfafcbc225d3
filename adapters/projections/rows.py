"""What the projections' tables adapters share about writing and reading rows in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

T = TypeVar("T")

#: Ids in one ``IN`` list at most (SQLite's limit of bound parameters is far above it).
CHUNK = 500


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """``values`` in lists of at most ``CHUNK``, in order."""
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def copy_rows(
    connection: Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> bool:
    """Insert plain rows (values in ``columns``' order) by ``COPY … FROM STDIN`` when the
    connection is psycopg's on PostgreSQL: one stream in the batch's transaction, each value
    formatted by the driver's C code, where an ``INSERT`` of arrays has it quote every text in
    Python. False (nothing written) on any other database or driver."""
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return False
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    raw = connection.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        return False
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {quote.format_table(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    return True


def add_amounts(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    amounts: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    on_conflict: bool = True,
    **also: Any,
) -> None:
    """Add each row's ``amounts`` to the row of its ``keys`` (inserting it whole if missing)
    and set ``also`` on it: one ``INSERT … ON CONFLICT DO UPDATE`` for all rows on SQLite and
    PostgreSQL; an update then an insert a row elsewhere (or when ``on_conflict`` is off)."""
    if not rows:
        return
    rows = _merged(rows, keys, amounts)
    dialect = connection.dialect.name
    if on_conflict and dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c[key] for key in keys],
                set_={name: table.c[name] + insert.excluded[name] for name in amounts} | also,
            ),
            rows,
        )
        return
    for row in rows:
        moved = connection.execute(
            table.update()
            .where(*(table.c[key] == row[key] for key in keys))
            .values({name: table.c[name] + row[name] for name in amounts} | also)
        )
        if moved.rowcount == 0:
            connection.execute(table.insert(), row)


def insert_many(
    connection: Connection, table: sa.Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert plain rows (values the driver takes as they are: text, numbers) through the
    driver's ``executemany``: SQLAlchemy's processing of each row's parameters costs more
    than SQLite's insert of it, and a text index writes tens of rows per document."""
    if not rows:
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    # Only the code's own table and column names, quoted by the dialect, are in the text.
    statement = (
        f"INSERT INTO {quote.format_table(table)} "  # noqa: S608
        f"({', '.join(quote.quote(column) for column in columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)})"
    )
    connection.exec_driver_sql(statement, rows)


def update_rows(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    add: bool = False,
) -> None:
    """Set ``columns`` (or add to them, with ``add``) on the existing row of each row's
    ``keys``, by one executemany (a row a key: the rows merged first).

    Not one ``UPDATE … FROM (VALUES …)`` on PostgreSQL: SQLAlchemy compiles such a statement
    anew for its every row's parameters, which costs far more than the driver's pipeline."""
    if not rows:
        return
    unique = _merged(rows, keys, columns, add=add)
    connection.execute(
        table.update()
        .where(*(table.c[key] == sa.bindparam(f"k_{key}") for key in keys))
        .values(
            {
                name: table.c[name] + sa.bindparam(f"v_{name}")
                if add
                else sa.bindparam(f"v_{name}")
                for name in columns
            }
        ),
        [
            {f"k_{key}": row[key] for key in keys} | {f"v_{name}": row[name] for name in columns}
            for row in unique
        ],
    )


def _merged(
    rows: list[dict[str, Any]], keys: Sequence[str], columns: Sequence[str], *, add: bool = True
) -> list[dict[str, Any]]:
    """One row a key, as applying them one after the other would leave it: ``columns`` summed
    (``add``) or the last row's (the first row's other values kept when summing). A statement
    of many VALUES may not update a row twice."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        kept = merged.get(key)
        if kept is None or not add:
            merged[key] = row
        else:
            merged[key] = kept | {name: kept[name] + row[name] for name in columns}
    return rows if len(merged) == len(rows) else list(merged.values())
