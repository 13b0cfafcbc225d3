"""The ledger projection's tables in SQL: the journal's totals, every account's totals, and
the posting lines, numbered within their account.

Amounts and totals are signed 64-bit integers (BIGINT; SQLite's INTEGER). A larger Python
int cannot be bound, and SQLite would turn a sum past them into a float, so every amount and
every new total is checked here before anything is written: beyond them, the entry is
refused whole (``PostingLineNotStorable``) and the projection stops at it.

``recorded_at`` is kept as the recording's ISO text, offset included: statements group by the
month of the recording's own offset, and the auditor's replay digests the text as recorded
(a PostgreSQL timestamp would keep the instant and lose the offset).

Every account's lines are also summed per month and kind of entry (``ledger_months``), in
the batch that adds them: a statement's totals (what the account held before the month, the
month's debits and credits, what it earned) are a few of those rows, however many lines the
month holds. No sum there can pass 64 bits: amounts are never negative, so each is at most
its account's total, which is checked.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.projections.rows import add_amounts, copy_rows
from adapters.projections.store import ByGeneration, SqlBatch, SqlProjectionStore
from application.projections import Batch
from application.revenue.ledger_read_model import (
    KindSums,
    MonthsPage,
    PeriodTotals,
    PostingLine,
    PostingLineNotStorable,
    StatementPage,
    Totals,
)

#: Signed 64-bit: what BIGINT and SQLite's INTEGER hold exactly.
_INTEGERS = range(-(2**63), 2**63)
_JOURNAL_ROW = 1
#: A posting line's columns, in the order ``record_page`` lists its values.
_LINE_COLUMNS = (
    "account",
    "number",
    "position",
    "entry_id",
    "kind",
    "cause",
    "debit",
    "credit",
    "reference",
    "recorded_at",
    "month",
)
#: Their types in PostgreSQL, for the arrays of their values.
_LINE_TYPES = (
    "text",
    "bigint",
    "bigint",
    "text",
    "text",
    "text",
    "bigint",
    "bigint",
    "text",
    "text",
    "text",
)
#: Account codes in one ``IN (...)``: well under every database's limit of bound parameters.
_CODES_PER_READ = 500


def _define(metadata: sa.MetaData, suffix: str) -> None:
    sa.Table(
        f"ledger_journal{suffix}",
        metadata,
        sa.Column("row", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entries", sa.BigInteger, nullable=False),
        sa.Column("debits", sa.BigInteger, nullable=False),
        sa.Column("credits", sa.BigInteger, nullable=False),
    )
    sa.Table(
        f"ledger_accounts{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("debits", sa.BigInteger, nullable=False),
        sa.Column("credits", sa.BigInteger, nullable=False),
        sa.Column("lines", sa.BigInteger, nullable=False),
    )
    lines = sa.Table(
        f"ledger_lines{suffix}",
        metadata,
        # An account's page is a seek on the primary key from the line number it asks for.
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("number", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("debit", sa.BigInteger, nullable=False),
        sa.Column("credit", sa.BigInteger, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
    )
    # A page of a statement: a seek on (account, month) from the number after its cursor,
    # in the order of the page.
    sa.Index(f"ledger_lines_month{suffix}", lines.c.account, lines.c.month, lines.c.number)
    # The lines' sums per account, month and kind: a statement's totals read a month's few
    # rows, and an opening balance the rows of the months before.
    sa.Table(
        f"ledger_months{suffix}",
        metadata,
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("debits", sa.BigInteger, nullable=False),
        sa.Column("credits", sa.BigInteger, nullable=False),
        sa.Column("lines", sa.BigInteger, nullable=False),
        sa.Column("credited", sa.BigInteger, nullable=False),  # lines crediting above zero
    )


@attrs.frozen
class _Tables:
    journal: sa.Table
    accounts: sa.Table
    lines: sa.Table
    months: sa.Table
    # Built once per generation: a statement object keeps its compiled form and cache key,
    # which an event's few rows would otherwise pay for again at every event.
    read_journal: sa.Select[Any]
    write_journal: sa.Update
    read_accounts: sa.Select[Any]
    write_account: sa.Update
    open_account: sa.Insert
    add_line: sa.Insert

    @classmethod
    def of(
        cls, journal: sa.Table, accounts: sa.Table, lines: sa.Table, months: sa.Table
    ) -> _Tables:
        return cls(
            journal=journal,
            accounts=accounts,
            lines=lines,
            months=months,
            read_journal=sa.select(journal.c.entries, journal.c.debits, journal.c.credits).where(
                journal.c.row == _JOURNAL_ROW
            ),
            write_journal=journal.update()
            .where(journal.c.row == _JOURNAL_ROW)
            .values(entries=sa.bindparam("e"), debits=sa.bindparam("d"), credits=sa.bindparam("c")),
            read_accounts=sa.select(
                accounts.c.account, accounts.c.debits, accounts.c.credits, accounts.c.lines
            ).where(accounts.c.account.in_(sa.bindparam("codes", expanding=True))),
            write_account=accounts.update()
            .where(accounts.c.account == sa.bindparam("code"))
            .values(debits=sa.bindparam("d"), credits=sa.bindparam("c"), lines=sa.bindparam("n")),
            open_account=accounts.insert(),
            add_line=lines.insert(),
        )


@attrs.define
class _Written:
    """What one batch has written so far: the totals it last wrote, so an account posted to
    by many entries of the batch is read once."""

    batch: SqlBatch
    journal: list[int] | None = None
    accounts: dict[str, list[int]] = attrs.field(factory=dict)


class SqlLedgerTables:
    def __init__(self, store: SqlProjectionStore) -> None:
        self.store = store
        self._of = ByGeneration(store, _define, "ledger_", _Tables.of)
        self._written: _Written | None = None
        self._inserts: dict[tuple[int, str, str], SQLCompiler] = {}

    def create(self, generation: int) -> None:
        self._of.create(generation)

    def drop(self, generation: int) -> None:
        self._of.drop(generation)
        for key in [key for key in self._inserts if key[0] == generation]:
            self._inserts.pop(key, None)

    # Writing ----------------------------------------------------------------------------------

    def record(self, batch: Batch, lines: Sequence[PostingLine]) -> None:
        self.record_page(batch, [lines])

    def record_page(self, batch: Batch, entries: Sequence[Sequence[PostingLine]]) -> None:
        if not isinstance(batch, SqlBatch):
            raise TypeError(f"the ledger's tables write through a SqlBatch, not {batch!r}")
        for lines in entries:
            for line in lines:
                if line.debit not in _INTEGERS or line.credit not in _INTEGERS:
                    raise PostingLineNotStorable(line, "SQL integers are signed 64-bit")
        tables = self._of[batch.generation]
        connection = batch.connection
        written = self._written
        if written is None or written.batch is not batch:
            # A new transaction: what an earlier one wrote may have been rolled back.
            written = _Written(batch)
        codes = {line.account for lines in entries for line in lines}
        unseen = sorted(codes - set(written.accounts))
        known: dict[str, list[int]] = {}
        for first in range(0, len(unseen), _CODES_PER_READ):
            for found in connection.execute(
                tables.read_accounts, {"codes": unseen[first : first + _CODES_PER_READ]}
            ):
                known[found[0]] = [int(found[1]), int(found[2]), int(found[3])]
        if written.journal is None:
            row = connection.execute(tables.read_journal).first()
            journal_existed = row is not None
            journal = [0, 0, 0] if row is None else [int(row[0]), int(row[1]), int(row[2])]
        else:
            journal_existed = True
            journal = list(written.journal)

        # Every new total is decided before anything is written: refused, the page leaves the
        # batch as it was (and the runner applies its entries one by one to find the refused).
        totals = {
            code: list(written.accounts.get(code) or known.get(code) or (0, 0, 0)) for code in codes
        }
        new = {code for code in totals if code not in written.accounts and code not in known}
        rows = []
        #: (account, month, kind) -> the lines' debits, credits, count, and count crediting.
        periods: dict[tuple[str, str, str], list[int]] = {}
        for lines in entries:
            journal[0] += 1
            # An entry's lines share its id and recording: formatted once.
            entry_id = recorded_at = month = ""
            last: PostingLine | None = None
            for line in lines:
                if last is None or line.entry_id != last.entry_id:
                    entry_id = str(line.entry_id)
                if last is None or line.recorded_at is not last.recorded_at:
                    recorded_at = line.recorded_at.isoformat()
                    month = f"{line.recorded_at:%Y-%m}"
                last = line
                kept = totals[line.account]
                number = kept[2]
                kept[0] += line.debit
                kept[1] += line.credit
                kept[2] += 1
                journal[1] += line.debit
                journal[2] += line.credit
                if not (
                    kept[0] in _INTEGERS
                    and kept[1] in _INTEGERS
                    and kept[2] in _INTEGERS
                    and journal[1] in _INTEGERS
                    and journal[2] in _INTEGERS
                ):
                    raise PostingLineNotStorable(
                        line, "its account's or the journal's totals would pass 64-bit integers"
                    )
                period = periods.get((line.account, month, line.kind))
                if period is None:
                    period = periods[(line.account, month, line.kind)] = [0, 0, 0, 0]
                period[0] += line.debit
                period[1] += line.credit
                period[2] += 1
                period[3] += line.credit > 0
                rows.append(
                    (
                        line.account,
                        number,
                        line.position,
                        entry_id,
                        line.kind,
                        line.cause,
                        line.debit,
                        line.credit,
                        line.reference,
                        recorded_at,
                        month,
                    )
                )
            if lines and journal[0] not in _INTEGERS:
                raise PostingLineNotStorable(lines[0], "the journal's entries would pass 64-bit")

        changed = [
            {"code": code, "d": kept[0], "c": kept[1], "n": kept[2]}
            for code, kept in totals.items()
            if code not in new
        ]
        if changed:
            connection.execute(tables.write_account, changed)
        if new:
            connection.execute(
                tables.open_account,
                [
                    {"account": code, "debits": kept[0], "credits": kept[1], "lines": kept[2]}
                    for code, kept in totals.items()
                    if code in new
                ],
            )
        if rows:
            self._add_lines(connection, batch.generation, rows)
            self._add_months(connection, tables.months, periods)
        if journal_existed:
            connection.execute(
                tables.write_journal, {"e": journal[0], "d": journal[1], "c": journal[2]}
            )
        else:
            connection.execute(
                tables.journal.insert().values(
                    row=_JOURNAL_ROW, entries=journal[0], debits=journal[1], credits=journal[2]
                )
            )

        written.journal = journal
        written.accounts.update(totals)
        self._written = written

    @staticmethod
    def _add_months(
        connection: sa.Connection, months: sa.Table, sums: dict[tuple[str, str, str], list[int]]
    ) -> None:
        """Add the lines' sums to their account's month and kind."""
        add_amounts(
            connection,
            months,
            ("account", "month", "kind"),
            ("debits", "credits", "lines", "credited"),
            [
                {
                    "account": account,
                    "month": month,
                    "kind": kind,
                    "debits": kept[0],
                    "credits": kept[1],
                    "lines": kept[2],
                    "credited": kept[3],
                }
                for (account, month, kind), kept in sums.items()
            ],
        )

    def _add_lines(
        self, connection: sa.Connection, generation: int, rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert the lines through the driver's own ``executemany``: their values are plain
        text and integers, which SQLAlchemy would otherwise copy into a mapping each."""
        if copy_rows(connection, self._of[generation].lines, _LINE_COLUMNS, rows):
            return
        dialect = connection.dialect
        if dialect.name == "postgresql" and dialect.paramstyle in ("format", "pyformat"):
            # Its drivers send an ``executemany`` a statement per row: the rows go instead as
            # one array per column, unnested by one statement.
            table = self._of[generation].lines
            quote = dialect.identifier_preparer
            columns = ", ".join(quote.quote(name) for name in _LINE_COLUMNS)
            arrays = ", ".join(f"%s::{kind}[]" for kind in _LINE_TYPES)
            connection.exec_driver_sql(
                f"INSERT INTO {quote.format_table(table)} ({columns}) "  # noqa: S608 (names)
                f"SELECT * FROM unnest({arrays})",
                tuple(list(values) for values in zip(*rows, strict=True)),
            )
            return
        key = (generation, dialect.name, dialect.driver)
        compiled = self._inserts.get(key)
        if compiled is None:
            built = self._of[generation].add_line.compile(dialect=dialect)
            assert isinstance(built, SQLCompiler)
            compiled = self._inserts[key] = built
        if compiled.positional:
            order = [_LINE_COLUMNS.index(name) for name in compiled.positiontup or ()]
            parameters: list[Any] = rows
            if order != list(range(len(_LINE_COLUMNS))):
                parameters = [tuple(row[index] for index in order) for row in rows]
        else:
            parameters = [dict(zip(_LINE_COLUMNS, row, strict=True)) for row in rows]
        connection.exec_driver_sql(str(compiled), parameters)

    # Reading ----------------------------------------------------------------------------------

    def journal(self, generation: int) -> tuple[int, int, int]:
        table = self._of[generation].journal
        with self.store.reading() as connection:
            row = connection.execute(
                sa.select(table.c.entries, table.c.debits, table.c.credits).where(
                    table.c.row == _JOURNAL_ROW
                )
            ).first()
        return (0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]))

    def totals(self, generation: int) -> dict[str, Totals]:
        table = self._of[generation].accounts
        with self.store.reading() as connection:
            rows = connection.execute(
                sa.select(table.c.account, table.c.debits, table.c.credits, table.c.lines)
            ).all()
        return {row[0]: Totals(int(row[1]), int(row[2]), int(row[3])) for row in rows}

    def accounts(self, generation: int, prefix: str = "") -> list[str]:
        table = self._of[generation].accounts
        query = sa.select(table.c.account)
        if prefix:
            # Not LIKE (a code may hold '%' or '_') nor a range (a collation may order text
            # otherwise than by its characters).
            query = query.where(sa.func.substr(table.c.account, 1, len(prefix)) == prefix)
        with self.store.reading() as connection:
            codes = [row[0] for row in connection.execute(query)]
        # Sorted here: the database's collation is not Python's.
        return sorted(code for code in codes if code.startswith(prefix))

    def account(
        self, generation: int, code: str, start: int, limit: int
    ) -> tuple[Totals | None, list[PostingLine]]:
        tables = self._of[generation]
        accounts, lines = tables.accounts, tables.lines
        with self.store.reading() as connection:
            row = connection.execute(
                sa.select(accounts.c.debits, accounts.c.credits, accounts.c.lines).where(
                    accounts.c.account == code
                )
            ).first()
            if row is None:
                return None, []
            totals = Totals(int(row[0]), int(row[1]), int(row[2]))
            if limit <= 0 or start >= totals.lines:
                return totals, []
            page = connection.execute(
                _selected(lines)
                .where(
                    lines.c.account == code,
                    lines.c.number >= max(start, 0),
                    lines.c.number < totals.lines,
                )
                .order_by(lines.c.number)
                .limit(min(limit, totals.lines))
            ).all()
        return totals, [_line(code, found) for found in page]

    def statement(
        self,
        generation: int,
        account: str,
        kinds: Collection[str],
        month: str,
        after: int,
        limit: int,
    ) -> StatementPage:
        tables = self._of[generation]
        months, lines = tables.months, tables.lines
        earning = months.c.kind.in_(sorted(kinds)) if kinds else sa.false()
        in_month = months.c.month == month

        def month_sum(column: sa.ColumnElement[Any], *, where: Any = in_month) -> Any:
            return sa.func.coalesce(sa.func.sum(sa.case((where, column), else_=0)), 0)

        with self.store.reading() as connection:
            found = connection.execute(
                sa.select(
                    month_sum(months.c.credits - months.c.debits, where=months.c.month < month),
                    month_sum(months.c.debits),
                    month_sum(months.c.credits),
                    month_sum(months.c.lines),
                    month_sum(months.c.credits, where=sa.and_(in_month, earning)),
                    month_sum(months.c.credited, where=sa.and_(in_month, earning)),
                ).where(months.c.account == account, months.c.month <= month)
            ).one()
            totals = PeriodTotals(*(int(value) for value in found))
            if limit <= 0 or not kinds or totals.earning_lines == 0:
                return StatementPage(totals, [])
            page = connection.execute(
                sa.select(lines.c.number, *_selected(lines).selected_columns)
                .where(
                    lines.c.account == account,
                    lines.c.month == month,
                    lines.c.number > max(after, -1),
                    lines.c.kind.in_(sorted(kinds)),
                    lines.c.credit > 0,
                )
                .order_by(lines.c.number)
                .limit(min(limit, totals.earning_lines))
            ).all()
        return StatementPage(totals, [(int(row[0]), _line(account, row[1:])) for row in page])

    def months(self, generation: int, account: str, after: str | None, limit: int) -> MonthsPage:
        months = self._of[generation].months
        mine = months.c.account == account
        later = mine if after is None else sa.and_(mine, months.c.month > after)
        with self.store.reading() as connection:
            # A seek on the primary key (account, month, kind) for the page's months.
            page = [
                row[0]
                for row in connection.execute(
                    sa.select(months.c.month)
                    .where(later)
                    .group_by(months.c.month)
                    .order_by(months.c.month)
                    .limit(max(limit, 0))
                )
            ]
            if not page:
                return MonthsPage(0, [])
            opening = 0
            if after is not None:
                opening = int(
                    connection.execute(
                        sa.select(
                            sa.func.coalesce(sa.func.sum(months.c.credits - months.c.debits), 0)
                        ).where(mine, months.c.month <= after)
                    ).scalar_one()
                )
            rows = connection.execute(
                sa.select(
                    months.c.month,
                    months.c.kind,
                    months.c.debits,
                    months.c.credits,
                    months.c.lines,
                    months.c.credited,
                )
                .where(mine, months.c.month.in_(page))
                .order_by(months.c.month, months.c.kind)
            ).all()
        return MonthsPage(
            opening,
            [
                KindSums(row[0], row[1], int(row[2]), int(row[3]), int(row[4]), int(row[5]))
                for row in rows
            ],
        )


def _selected(lines: sa.Table) -> sa.Select[Any]:
    return sa.select(
        lines.c.position,
        lines.c.entry_id,
        lines.c.kind,
        lines.c.cause,
        lines.c.debit,
        lines.c.credit,
        lines.c.reference,
        lines.c.recorded_at,
    )


def _line(account: str, row: Any) -> PostingLine:
    position, entry_id, kind, cause, debit, credit, reference, recorded_at = row
    return PostingLine(
        position=int(position),
        entry_id=UUID(entry_id),
        kind=kind,
        cause=cause,
        account=account,
        debit=int(debit),
        credit=int(credit),
        reference=reference,
        recorded_at=datetime.fromisoformat(recorded_at),
    )
