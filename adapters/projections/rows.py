"""What the projections' tables adapters share about writing and reading rows in bulk."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

T = TypeVar("T")

#: Ids in one ``IN`` list at most (SQLite's limit of bound parameters is far above it).
CHUNK = 500
#: Rows from which PostgreSQL's upserts and updates are staged by ``COPY`` (fewer go through
#: psycopg's pipeline, a statement a row, which costs less than the staging's statements).
STAGE_AT_LEAST = 64


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
    one_a_key: bool = False,
    **also: Any,
) -> None:
    """Add each row's ``amounts`` to the row of its ``keys`` (inserting it whole if missing)
    and set ``also`` on it: one ``INSERT … ON CONFLICT DO UPDATE`` for all rows on SQLite and
    PostgreSQL; an update then an insert a row elsewhere (or when ``on_conflict`` is off).
    ``one_a_key``: the caller's rows have distinct keys already (the rows of a dict by
    key), so they are not merged again."""
    if not rows:
        return
    if not one_a_key:
        rows = _merged(rows, keys, amounts)
    dialect = connection.dialect.name
    if (
        on_conflict
        and dialect == "sqlite"
        and not also
        and _upsert_on_driver(connection, table, keys, amounts, rows)
    ):
        return
    if on_conflict and not also and _staged_upsert(connection, table, keys, amounts, rows):
        return
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


def insert_rows(connection: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows (each with the same columns), their values bound as SQLAlchemy binds
    them, by ``COPY`` on PostgreSQL for many rows and by the driver's ``executemany``
    otherwise: not SQLAlchemy's processing of every row's parameters, which costs more than
    the database's insert of a row. Rows SQLAlchemy would fill itself (a default of a
    column they leave out) go through its ``insert``."""
    if not rows:
        return
    columns = tuple(rows[0])
    values = _driver_values(connection, table, columns, rows, inserting=True)
    if values is None:
        connection.execute(table.insert(), rows)
        return
    if len(values) >= STAGE_AT_LEAST and copy_rows(connection, table, columns, values):
        return
    insert_many(connection, table, columns, values)


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
    if _staged_update(connection, table, keys, columns, unique, add=add):
        return
    if _update_on_driver(connection, table, keys, columns, unique, add=add):
        return
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


def _driver_values(
    connection: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    inserting: bool,
) -> list[tuple[Any, ...]] | None:
    """Each row's values of ``columns``, in that order, as SQLAlchemy would bind them (each
    column type's own bind processor, found once rather than once a row); None if a row
    has other keys than ``columns``, or SQLAlchemy would fill a column itself (a default
    of a column an insert leaves out, an ``onupdate``), for its statement to handle."""
    named = set(columns)
    if any(
        column.onupdate is not None
        or (inserting and column.default is not None and column.name not in named)
        for column in table.columns
    ):
        return None
    width = len(columns)
    if any(len(row) != width for row in rows):
        return None
    try:
        # Column by column: a comprehension a column costs far less than a tuple a row.
        by_column: list[Sequence[Any]] = [[row[name] for row in rows] for name in columns]
    except KeyError:
        return None
    return _bound(connection, table, columns, by_column)


def _bound(
    connection: Connection,
    table: sa.Table,
    columns: Sequence[str],
    by_column: list[Sequence[Any]],
) -> list[tuple[Any, ...]]:
    """The rows of the columns' values (``by_column``: each column's values, in ``columns``'
    order) as SQLAlchemy would bind them: each column type's own bind processor, found once
    rather than once a row."""
    dialect = connection.dialect
    for number, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            by_column[number] = [
                None if value is None else process(value) for value in by_column[number]
            ]
    return list(zip(*by_column, strict=True))


def add_amounts_by_key(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    amounts: Sequence[str],
    rows: Mapping[tuple[Any, ...], Sequence[int]],
    *,
    on_conflict: bool = True,
) -> None:
    """``add_amounts`` of rows given as a mapping of each key (values in ``keys``' order) to
    its amounts (in ``amounts``' order), the table's only columns: the driver's values are
    taken column by column from them, without a mapping a row (a page writes tens of
    thousands). Where the driver's upsert does not apply, ``add_amounts`` of the same rows."""
    if not rows:
        return
    columns = (*keys, *amounts)
    plain = on_conflict and {column.name for column in table.columns} == set(columns)
    if plain and all(column.onupdate is None for column in table.columns):
        by_column: list[Sequence[Any]] = [
            *zip(*rows.keys(), strict=True),
            *zip(*rows.values(), strict=True),
        ]
        if len(by_column) == len(columns):
            values = _bound(connection, table, columns, by_column)
            if _upsert_values(connection, table, keys, amounts, columns, values):
                return
    add_amounts(
        connection,
        table,
        keys,
        amounts,
        [
            dict(zip(keys, key, strict=True)) | dict(zip(amounts, added, strict=True))
            for key, added in rows.items()
        ],
        on_conflict=on_conflict,
        one_a_key=True,
    )


def _upsert_on_driver(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    amounts: Sequence[str],
    rows: list[dict[str, Any]],
) -> bool:
    """``add_amounts``'s ``INSERT … ON CONFLICT DO UPDATE`` by the driver's ``executemany``
    on SQLite: the statement SQLAlchemy would send, with the values it would bind, without
    its processing of every row's parameters, which costs more than SQLite's upsert of the
    row. False (nothing written) if the rows are not plain enough for it."""
    columns = tuple(rows[0])
    values = _driver_values(connection, table, columns, rows, inserting=True)
    if values is None:
        return False
    return _upsert_values(connection, table, keys, amounts, columns, values)


def _upsert_values(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    amounts: Sequence[str],
    columns: Sequence[str],
    values: list[tuple[Any, ...]],
) -> bool:
    """The upsert adding ``amounts`` of the bound ``values`` (in ``columns``' order, one a
    key): SQLite's executemany, or PostgreSQL's ``COPY`` into a staging table for many rows
    (False, nothing written, where neither applies)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        stage = _staged_values(connection, table, columns, values)
        if stage is None:
            return False
        _upsert_from_stage(connection, table, keys, amounts, columns, stage)
        return True
    if dialect != "sqlite":
        return False
    quote = connection.dialect.identifier_preparer
    name = quote.format_table(table)
    # Only the code's own table and column names, quoted by the dialect, are in the text.
    statement = (
        f"INSERT INTO {name} ({', '.join(quote.quote(column) for column in columns)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(quote.quote(key) for key in keys)}) DO UPDATE SET "
        + ", ".join(
            f"{quote.quote(amount)} = {name}.{quote.quote(amount)} + excluded.{quote.quote(amount)}"
            for amount in amounts
        )
    )
    connection.exec_driver_sql(statement, values)
    return True


def _update_on_driver(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    add: bool,
) -> bool:
    """``update_rows``'s ``UPDATE`` by the driver's ``executemany`` (SQLite's, or psycopg's
    pipeline, which SQLAlchemy's executemany of an update is too): the same statement and
    values without SQLAlchemy's processing of each row's parameters. False (nothing
    written) if the rows are not plain enough for it."""
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql") or dialect.paramstyle not in (
        "qmark",
        "format",
        "pyformat",
    ):
        return False
    order = (*columns, *keys)
    values = _driver_values(connection, table, order, rows, inserting=False)
    if values is None:
        return False
    quote = dialect.identifier_preparer
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    name = quote.format_table(table)
    assignments = ", ".join(
        f"{quote.quote(column)} = {name}.{quote.quote(column)} + {mark}"
        if add
        else f"{quote.quote(column)} = {mark}"
        for column in columns
    )
    condition = " AND ".join(f"{quote.quote(key)} = {mark}" for key in keys)
    # Only the code's own table and column names, quoted by the dialect, are in the text.
    connection.exec_driver_sql(
        f"UPDATE {name} SET {assignments} WHERE {condition}",  # noqa: S608
        values,
    )
    return True


def _staged(
    connection: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    inserting: bool,
) -> str | None:
    """Copy the rows (one a key) into the session's staging table of ``table`` by ``COPY …
    FROM STDIN`` (each value formatted by psycopg's C code, where its pipeline of a
    statement a row costs far more in Python than PostgreSQL's write of the row); answer
    the staging table's quoted name, or None (nothing written) if it does not apply: not
    psycopg on PostgreSQL, few rows, or rows not plain enough.

    The staging table is a temporary one (the table's columns, no constraints),
    made once a session and emptied at every commit, and by its user before that, so two
    writes of a batch, or a rolled-back batch, never see another's rows."""
    if not _stages(connection, len(rows)):
        return None
    values = _driver_values(connection, table, columns, rows, inserting=inserting)
    if values is None:
        return None
    return _staged_values(connection, table, columns, values)


def _stages(connection: Connection, rows: int) -> bool:
    """Whether ``rows`` rows are staged by ``COPY``: psycopg on PostgreSQL, and many rows."""
    dialect = connection.dialect
    return (
        dialect.name == "postgresql"
        and dialect.driver == "psycopg"
        and rows >= STAGE_AT_LEAST
        and isinstance(connection.connection.driver_connection, psycopg.Connection)
    )


def _staged_values(
    connection: Connection, table: sa.Table, columns: Sequence[str], values: list[tuple[Any, ...]]
) -> str | None:
    """``_staged`` of rows already bound (in ``columns``' order); None (nothing written)
    where the staging does not apply: not psycopg on PostgreSQL, or few rows."""
    if not _stages(connection, len(values)):
        return None
    quote = connection.dialect.identifier_preparer
    # A temporary table lives in the session's own schema. Its name is the table's (unique
    # in its schema) and its columns' (a table of that name made again with other columns
    # gets another), under PostgreSQL's 63 bytes.
    shape = zlib.crc32(repr([(c.name, str(c.type)) for c in table.columns]).encode())
    stage = quote.quote(f"stage_{table.name[:44]}_{shape:08x}")
    # ``AS … WITH NO DATA``: the columns without their constraints (``LIKE`` would copy the
    # NOT NULLs, which an update's rows of a few columns do not fill).
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT * FROM {quote.format_table(table)} WITH NO DATA"
    )
    raw = connection.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    names = ", ".join(quote.quote(name) for name in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
    return stage


def _staged_upsert(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    amounts: Sequence[str],
    rows: list[dict[str, Any]],
) -> bool:
    """``add_amounts``' ``INSERT … ON CONFLICT DO UPDATE`` of many rows on PostgreSQL, as one
    statement from the rows staged by ``COPY``. False (nothing written) where ``_staged``
    does not apply."""
    columns = tuple(rows[0])
    stage = _staged(connection, table, columns, rows, inserting=True)
    if stage is None:
        return False
    _upsert_from_stage(connection, table, keys, amounts, columns, stage)
    return True


def _upsert_from_stage(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    amounts: Sequence[str],
    columns: Sequence[str],
    stage: str,
) -> None:
    """Upsert the staged rows into ``table`` (adding ``amounts``), then empty the stage."""
    quote = connection.dialect.identifier_preparer
    name = quote.format_table(table)
    names = ", ".join(quote.quote(column) for column in columns)
    # Only the code's own table and column names, quoted by the dialect, are in the text.
    connection.exec_driver_sql(
        f"INSERT INTO {name} ({names}) SELECT {names} FROM {stage} "  # noqa: S608
        f"ON CONFLICT ({', '.join(quote.quote(key) for key in keys)}) DO UPDATE SET "
        + ", ".join(
            f"{quote.quote(amount)} = {name}.{quote.quote(amount)} + excluded.{quote.quote(amount)}"
            for amount in amounts
        )
    )
    connection.exec_driver_sql(f"TRUNCATE {stage}")


def _staged_update(
    connection: Connection,
    table: sa.Table,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    add: bool,
) -> bool:
    """``update_rows``' update of many rows (one a key) on PostgreSQL, as one ``UPDATE …
    FROM`` the rows staged by ``COPY``. False (nothing written) where ``_staged`` does not
    apply."""
    order = (*keys, *columns)
    if any(len(row) != len(order) for row in rows):
        return False
    stage = _staged(connection, table, order, rows, inserting=False)
    if stage is None:
        return False
    quote = connection.dialect.identifier_preparer
    name = quote.format_table(table)
    assignments = ", ".join(
        f"{quote.quote(column)} = {name}.{quote.quote(column)} + staged.{quote.quote(column)}"
        if add
        else f"{quote.quote(column)} = staged.{quote.quote(column)}"
        for column in columns
    )
    condition = " AND ".join(
        f"{name}.{quote.quote(key)} = staged.{quote.quote(key)}" for key in keys
    )
    # Only the code's own table and column names, quoted by the dialect, are in the text.
    connection.exec_driver_sql(
        f"UPDATE {name} SET {assignments} FROM {stage} AS staged WHERE {condition}"  # noqa: S608
    )
    connection.exec_driver_sql(f"TRUNCATE {stage}")
    return True
