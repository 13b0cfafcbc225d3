"""The ledger's balances, postings and statements as a persisted projection of the journal.

Each recorded journal entry adds one posting line per posting, numbered within its account
from 0 in log order, and adds to its account's totals and to the journal's, in the batch
that moves the projection's position past it: a restarted core applies nothing again, and a
batch that fails keeps nothing. The service holds nothing that grows with the log; every
reading queries the tables (``LedgerTables``) of the generation the runner answers.

A line the tables cannot keep exactly (an amount, or a total, beyond their integers) stops
the projection at its entry (``ProjectionFailed``); the ledger's readings then refuse with
``LedgerUnreadable`` rather than list an account without it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from application.logs import RevenueLog
from application.projections import Batch, ProjectionStore
from application.read_models import LogPositions, PositionMap
from application.revenue.ledger_read_model import (
    EARNINGS,
    WALK_PAGE,
    LedgerUnreadable,
    MonthsPage,
    PostingLine,
    StatementPage,
    Totals,
    export_ledger,
    posting_lines,
)
from domain.revenue.ledger import JournalEntry, creator_payable

#: The read model's name in the registry: the auditor's replay reports under it.
LEDGER = "ledger balances and statements"


class LedgerTables(Protocol):
    """The projection's tables, one set per generation (a port: ``adapters.projections``)."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def record(self, batch: Batch, lines: Sequence[PostingLine]) -> None:
        """Add one entry's lines, each after every line kept for its account, and add them
        to the totals; raise ``PostingLineNotStorable`` (writing nothing) for a line or a
        total the tables cannot keep exactly."""
        ...

    def record_page(self, batch: Batch, entries: Sequence[Sequence[PostingLine]]) -> None:
        """``record`` each entry's lines in turn, in fewer statements; refused whole (writing
        nothing) if any line or total cannot be kept."""
        ...

    def journal(self, generation: int) -> tuple[int, int, int]:
        """Entries, debits and credits of the whole journal."""
        ...

    def totals(self, generation: int) -> dict[str, Totals]:
        """Every account's totals (for audits and tests: it grows with the accounts)."""
        ...

    def accounts(self, generation: int, prefix: str = "") -> list[str]:
        """The codes of the accounts posted to, starting with ``prefix``, sorted."""
        ...

    def account(
        self, generation: int, code: str, start: int, limit: int
    ) -> tuple[Totals | None, list[PostingLine]]:
        """An account's totals and its lines numbered ``start`` to ``start + limit - 1``,
        read together (the page never holds a line the totals do not count)."""
        ...

    def statement(
        self,
        generation: int,
        account: str,
        kinds: Collection[str],
        month: str,
        after: int,
        limit: int,
    ) -> StatementPage:
        """The account's ``month`` (YYYY-MM, the recording's own offset) in sums, and up to
        ``limit`` of its credits (above zero) by entries of ``kinds`` numbered past
        ``after`` (-1: from the first), in order, read together. The sums come from totals
        kept per account, month and kind, never from the lines."""
        ...

    def months(self, generation: int, account: str, after: str | None, limit: int) -> MonthsPage:
        """The sums by kind of the account's first ``limit`` months (YYYY-MM, the recordings'
        own offsets) past ``after`` (none: from the first), oldest first, and the credits less
        debits of every month up to ``after``, read together from ``ledger_months``."""
        ...


class LedgerProjection:
    name = LEDGER
    version = 2  # 2: totals per account, month and kind

    def __init__(self, tables: LedgerTables, store: ProjectionStore) -> None:
        self.tables = tables
        #: Where the runner records a failure: a stopped generation is never exported as if
        #: whole.
        self.store = store
        self.follows: Mapping[str, Sequence[str]] = {
            RevenueLog.name: (JournalEntry.Recorded.TOPIC,)
        }

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self.tables.record(batch, posting_lines(event, position, {}))

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        codes: dict[str, str] = {}
        self.tables.record_page(
            batch, [posting_lines(event, position, codes) for event, position in events]
        )

    def reading(self, generation: int) -> LedgerReading:
        """The generation's rows as the ledger reads them; refused if it stopped."""
        failure = self.store.failure(self.name, generation)
        if failure is not None:
            raise LedgerUnreadable(failure.log, failure.position, failure.error)
        return LedgerReading(self.tables, generation)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        return self.reading(generation).export(positions.get(RevenueLog.name))


@attrs.frozen
class LedgerReading:
    """One generation of the ledger's projection, read query by query."""

    tables: LedgerTables
    generation: int

    @property
    def entries(self) -> int:
        return self.tables.journal(self.generation)[0]

    @property
    def debits(self) -> int:
        return self.tables.journal(self.generation)[1]

    @property
    def credits(self) -> int:
        return self.tables.journal(self.generation)[2]

    @property
    def totals(self) -> dict[str, Totals]:
        return self.tables.totals(self.generation)

    @property
    def postings(self) -> int:
        return sum(totals.lines for totals in self.totals.values())

    def accounts(self, prefix: str = "") -> list[str]:
        return self.tables.accounts(self.generation, prefix)

    def account(self, code: str, start: int, limit: int) -> tuple[Totals | None, list[PostingLine]]:
        return self.tables.account(self.generation, code, start, limit)

    def page(self, account: str, start: int, limit: int) -> list[PostingLine]:
        return self.tables.account(self.generation, account, start, limit)[1]

    def every_line(self, account: str) -> Iterator[PostingLine]:
        start = 0
        while True:
            page = self.page(account, start, WALK_PAGE)
            yield from page
            if len(page) < WALK_PAGE:
                return
            start += len(page)

    def statement(
        self, creator: str, currency: str, month: str, after: int, limit: int
    ) -> StatementPage:
        """The creator's payable account in ``month``, and a page of the credits they earned
        in it (Pulse impressions, affiliate shares of sales, campaign fees; not payouts
        returned) past line ``after``."""
        return self.tables.statement(
            self.generation, creator_payable(creator, currency), EARNINGS, month, after, limit
        )

    def months(self, account: str, after: str | None, limit: int) -> MonthsPage:
        """A payable account (a creator's or a seller's) month by month (a page of months
        past ``after``)."""
        return self.tables.months(self.generation, account, after, limit)

    def export(self, position_of: PositionMap | None = None) -> dict[str, object]:
        return export_ledger(
            self.tables.journal(self.generation),
            self.totals,
            self.every_line,
            position_of,
        )
