"""The ledger's posting lines in a private SQLite file, so the read model's memory holds
totals only, however long the journal grows.

Each core process rebuilds its read models from the log when it starts, so the file is a
cache of its own: a temporary database (SQLite's empty file name) that SQLite deletes when
the connection closes. SQLite keeps a few MiB of its pages in memory and the rest on disk.
An entry's fields are kept once, its lines point at it by log position.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from application.revenue.ledger_read_model import PostingLine, PostingLineNotStorable

#: SQLite's INTEGER is signed 64-bit; a larger Python int cannot be bound to a statement.
_INTEGERS = range(-(2**63), 2**63)

_SCHEMA = (
    """CREATE TABLE entry (
        position INTEGER PRIMARY KEY,
        entry_id BLOB NOT NULL,
        kind TEXT NOT NULL,
        cause TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    # An account's lines are numbered from 0 in posting order: a page is one index seek.
    """CREATE TABLE line (
        account INTEGER NOT NULL,
        number INTEGER NOT NULL,
        position INTEGER NOT NULL,
        debit INTEGER NOT NULL,
        credit INTEGER NOT NULL,
        reference TEXT NOT NULL,
        PRIMARY KEY (account, number)
    ) WITHOUT ROWID""",
)

_SELECTED = """
    SELECT line.position, entry.entry_id, entry.kind, entry.cause, line.debit, line.credit,
           line.reference, entry.recorded_at
    FROM line JOIN entry ON entry.position = line.position
"""


class SqlitePostingLines:
    def __init__(self, path: str = "") -> None:
        # check_same_thread off: the service reads from its request threads; the lock below
        # keeps one statement at a time on the connection.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode = OFF")
        self._connection.execute("PRAGMA synchronous = OFF")
        for statement in _SCHEMA:
            self._connection.execute(statement)
        self._lock = threading.Lock()
        self._accounts: dict[str, int] = {}
        self._counts: list[int] = []
        self._last_entry = 0

    def _account(self, code: str) -> int:
        number = self._accounts.get(code)
        if number is None:
            number = self._accounts[code] = len(self._accounts)
            self._counts.append(0)
        return number

    def append(self, lines: Sequence[PostingLine]) -> None:
        for line in lines:
            # Checked before anything is written or numbered: the batch is kept whole or not
            # at all (the domain bounds new amounts far inside; an event recorded before the
            # bound may not be).
            if line.debit not in _INTEGERS or line.credit not in _INTEGERS:
                raise PostingLineNotStorable(line, "SQLite integers are signed 64-bit")
        with self._lock:
            entries = []
            rows = []
            counts: dict[int, int] = {}
            last_entry = self._last_entry
            for line in lines:
                if line.position != last_entry:
                    last_entry = line.position
                    entries.append(
                        (
                            line.position,
                            line.entry_id.bytes,
                            line.kind,
                            line.cause,
                            line.recorded_at.isoformat(),
                        )
                    )
                account = self._account(line.account)
                number = counts.get(account, self._counts[account])
                rows.append(
                    (account, number, line.position, line.debit, line.credit, line.reference)
                )
                counts[account] = number + 1
            with self._connection:
                self._connection.execute("BEGIN")
                self._connection.executemany("INSERT INTO entry VALUES (?, ?, ?, ?, ?)", entries)
                self._connection.executemany("INSERT INTO line VALUES (?, ?, ?, ?, ?, ?)", rows)
            # Only what was written moves the numbering on.
            self._last_entry = last_entry
            for account, count in counts.items():
                self._counts[account] = count

    def page(self, account: str, start: int, limit: int) -> list[PostingLine]:
        with self._lock:
            number = self._accounts.get(account)
            if number is None or limit <= 0:
                return []
            rows = self._connection.execute(
                _SELECTED + "WHERE line.account = ? AND line.number >= ? "
                "ORDER BY line.number LIMIT ?",
                (number, max(start, 0), limit),
            ).fetchall()
        return [_line(account, row) for row in rows]

    def earnings(self, account: str, kinds: Collection[str], month: str) -> list[PostingLine]:
        with self._lock:
            number = self._accounts.get(account)
            if number is None or not kinds:
                return []
            marks = ", ".join("?" * len(kinds))
            rows = self._connection.execute(
                _SELECTED + "WHERE line.account = ? AND line.credit > 0 "
                f"AND entry.kind IN ({marks}) AND substr(entry.recorded_at, 1, 7) = ? "
                "ORDER BY line.number",
                (number, *kinds, month),
            ).fetchall()
        return [_line(account, row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _line(account: str, row: tuple[int, bytes, str, str, int, int, str, str]) -> PostingLine:
    position, entry_id, kind, cause, debit, credit, reference, recorded_at = row
    return PostingLine(
        position=position,
        entry_id=UUID(bytes=entry_id),
        kind=kind,
        cause=cause,
        account=account,
        debit=debit,
        credit=credit,
        reference=reference,
        recorded_at=datetime.fromisoformat(recorded_at),
    )
