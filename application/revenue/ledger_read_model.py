"""Balances, postings and statements, derived from the journal in log order: what a posting
line is, how a recorded entry turns into lines, and how two ledgers are compared.

The service keeps them in its persisted projection (``ledger_projection``); the in-memory
``LedgerReadModel`` here is the reference a test or an audit rebuilds from the log alone.

Every account's balance is a sum of the journal's postings; the limited accounts also keep a
balance in their aggregates, and the two must always agree (the audit checks it).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.log_follower import Handler
from domain.revenue.ledger import JournalEntry, creator_payable

IMPRESSIONS_BILLED = "impressions-billed"
#: What a creator earns, by the kind of journal entry that credits it, and where it came from.
EARNINGS = {
    IMPRESSIONS_BILLED: "pulse",  # their share of ads beside their videos
    "order-placed": "affiliate",  # their share of a sale their video's tag led to
    "campaign-fee-paid": "campaign",  # a brand's fee for an approved delivery
}


@attrs.frozen
class PostingLine:
    position: int  # of the entry in the revenue log: a stable cursor
    entry_id: UUID
    kind: str
    cause: str
    account: str
    debit: int
    credit: int
    reference: str
    recorded_at: datetime


class PostingLineNotStorable(RuntimeError):
    """The ledger's tables cannot keep a line exactly (an amount, or a total, beyond their
    integers).

    They keep nothing of the entry that held it; the projection stops before it, and every
    reading of the ledger refuses from then on (``LedgerUnreadable``), naming the line,
    rather than list an account without it."""

    def __init__(self, line: PostingLine, why: str) -> None:
        super().__init__(
            f"the posting of entry {line.entry_id} ({line.cause}) at position {line.position} "
            f"to {line.account} (debit {line.debit}, credit {line.credit}) cannot be kept: {why}"
        )
        self.position = line.position


class LedgerUnreadable(PostingLineNotStorable):
    """The ledger's persisted projection stopped before an event it could not apply: a line
    its tables cannot keep exactly, or a fault of their database. Every reading refuses with
    it, as with a refused line, rather than list accounts without that entry's postings."""

    def __init__(self, log: str, position: int, error: str) -> None:
        refused = f"{PostingLineNotStorable.__name__}: "
        RuntimeError.__init__(
            self,
            error.removeprefix(refused)
            if error.startswith(refused)
            else f"the ledger's read model stopped at {log} position {position}: {error}",
        )
        self.position = position


@attrs.define
class Totals:
    debits: int = 0
    credits: int = 0
    lines: int = 0  # postings to the account, which its lines number from 0


class PostingLines(Protocol):
    """Where the in-memory read model keeps its posting lines, an account's in the order
    they were posted (a seam for an audit's test: a store that loses lines)."""

    def append(self, lines: Sequence[PostingLine]) -> None:
        """Add lines, each after every line already kept for its account."""
        ...

    def page(self, account: str, start: int, limit: int) -> list[PostingLine]:
        """The account's lines numbered ``start`` to ``start + limit - 1`` (from 0)."""
        ...

    def earnings(self, account: str, kinds: Collection[str], month: str) -> list[PostingLine]:
        """The account's credits (amount above zero) by entries of ``kinds`` recorded in
        ``month`` (YYYY-MM, the recording's own offset), in order."""
        ...

    def close(self) -> None: ...


class MemoryPostingLines:
    def __init__(self) -> None:
        self._lines: dict[str, list[PostingLine]] = defaultdict(list)

    def append(self, lines: Sequence[PostingLine]) -> None:
        for line in lines:
            self._lines[line.account].append(line)

    def page(self, account: str, start: int, limit: int) -> list[PostingLine]:
        return list(self._lines.get(account, [])[start : start + limit])

    def earnings(self, account: str, kinds: Collection[str], month: str) -> list[PostingLine]:
        return [
            line
            for line in list(self._lines.get(account, []))
            if line.kind in kinds and line.credit > 0 and f"{line.recorded_at:%Y-%m}" == month
        ]

    def close(self) -> None:
        self._lines.clear()


#: Lines read from the store at a time when all of an account's are walked.
WALK_PAGE = 10_000


@attrs.frozen
class PeriodTotals:
    """An account's month (by each recording's own offset) in sums: what it held before the
    month (``opening``: credits less debits of every earlier month), the month's debits,
    credits and lines, and of those the credits by earning kinds (``earned``, over
    ``earning_lines`` lines: what a creator's statement lists)."""

    opening: int = 0
    debits: int = 0
    credits: int = 0
    lines: int = 0
    earned: int = 0
    earning_lines: int = 0

    @property
    def closing(self) -> int:
        return self.opening + self.credits - self.debits


@attrs.frozen
class KindSums:
    """An account's lines of one month and kind of entry, in sums (a row of the ledger's
    ``ledger_months``)."""

    month: str
    kind: str
    debits: int
    credits: int
    lines: int
    credited: int  # lines crediting above zero


@attrs.frozen
class MonthsPage:
    """A page of an account's months: what it held before the page's first month, and the
    sums by kind of each month of the page, in the order of the months."""

    opening: int
    sums: list[KindSums]


@attrs.frozen
class StatementPage:
    """A month's totals and a page of its earning lines, each with its number in the
    account (the place a next page starts after), read together."""

    totals: PeriodTotals
    lines: list[tuple[int, PostingLine]]


class LedgerReadModel:
    """The ledger rebuilt in memory from nothing but the log (tests and audits)."""

    def __init__(self, lines: PostingLines | None = None) -> None:
        self.totals: dict[str, Totals] = defaultdict(Totals)
        self.lines: PostingLines = MemoryPostingLines() if lines is None else lines
        self.debits = 0
        self.credits = 0
        self.entries = 0
        # One string per account code: each decoded posting brings its own copy.
        self._codes: dict[str, str] = {}

    @property
    def handlers(self) -> dict[str, Handler]:
        return {JournalEntry.Recorded.TOPIC: self._entry_recorded}

    def _entry_recorded(self, event: Any, position: int) -> None:
        lines = posting_lines(event, position, self._codes)
        self.lines.append(lines)
        self.entries += 1
        for line in lines:
            totals = self.totals[line.account]
            totals.debits += line.debit
            totals.credits += line.credit
            totals.lines += 1
            self.debits += line.debit
            self.credits += line.credit

    def accounts(self) -> list[str]:
        return sorted(self.totals)

    @property
    def postings(self) -> int:
        return sum(totals.lines for totals in list(self.totals.values()))

    def page(self, account: str, start: int, limit: int) -> list[PostingLine]:
        return self.lines.page(account, start, limit)

    def every_line(self, account: str) -> Iterator[PostingLine]:
        start = 0
        while True:
            page = self.lines.page(account, start, WALK_PAGE)
            yield from page
            if len(page) < WALK_PAGE:
                return
            start += len(page)

    def earnings_lines(self, creator: str, currency: str, month: str) -> list[PostingLine]:
        """Credits to the creator's payable account that they earned in ``month`` (Pulse
        impressions, affiliate shares of sales, campaign fees); not payouts returned."""
        return self.lines.earnings(creator_payable(creator, currency), EARNINGS, month)

    def export(self, position_of: Callable[[int], int] | None = None) -> dict[str, object]:
        """A comparable view for the audit's replay (``export_ledger``)."""
        return export_ledger(
            (self.entries, self.debits, self.credits),
            {code: self.totals[code] for code in self.accounts()},
            self.every_line,
            position_of,
        )

    def close(self) -> None:
        self.lines.close()


def export_ledger(
    journal: tuple[int, int, int],
    totals: Mapping[str, Totals],
    lines_of: Callable[[str], Iterable[PostingLine]],
    position_of: Callable[[int], int] | None = None,
) -> dict[str, object]:
    """A comparable view of a ledger for the audit's replay: the journal's totals, every
    account's totals and a digest of its postings, and every monthly statement's totals (an
    account's postings of one month). ``position_of`` maps this log's positions to the
    audited log's. The in-memory model and the persisted projection both answer it, so a
    replay compares them alike."""
    view: dict[str, object] = {"journal": journal}
    for code in sorted(totals):
        digest = LinesDigest()
        months: dict[str, list[int]] = {}
        for line in lines_of(code):
            digest.add(line, line.position if position_of is None else position_of(line.position))
            month = months.setdefault(f"{line.recorded_at:%Y-%m}", [0, 0, 0])
            month[0] += line.debit
            month[1] += line.credit
            month[2] += 1
        kept = totals[code]
        view[f"account:{code}"] = (kept.debits, kept.credits, digest.count, digest.hexdigest())
        for month_name, (debits, credits, lines) in months.items():
            view[f"statement:{code}:{month_name}"] = (debits, credits, lines)
    return view


def posting_lines(event: Any, position: int, codes: dict[str, str]) -> list[PostingLine]:
    """The lines of a recorded journal entry at ``position``, one per posting; ``codes``
    keeps one string per account code (each decoded posting brings its own copy)."""
    return [
        PostingLine(
            position=position,
            entry_id=event.originator_id,
            kind=event.kind,
            cause=event.cause,
            account=codes.setdefault(posting.account, posting.account),
            debit=posting.debit,
            credit=posting.credit,
            reference=posting.reference,
            recorded_at=event.recorded_at,
        )
        for posting in event.postings
    ]


class LinesDigest:
    """One account's lines in order, summed up to compare two listings of them: how many,
    their debits and credits, and a digest of every line's fields."""

    def __init__(self) -> None:
        self.count = 0
        self.debits = 0
        self.credits = 0
        self._digest = hashlib.sha256()

    def add(self, line: PostingLine, position: int | None = None) -> None:
        self.count += 1
        self.debits += line.debit
        self.credits += line.credit
        self._digest.update(
            repr(
                (
                    line.position if position is None else position,
                    str(line.entry_id),
                    line.kind,
                    line.cause,
                    line.debit,
                    line.credit,
                    line.reference,
                    line.recorded_at.isoformat(),
                )
            ).encode()
        )

    def hexdigest(self) -> str:
        return self._digest.hexdigest()

    def summary(self) -> tuple[int, int, int, str]:
        return self.count, self.debits, self.credits, self.hexdigest()
