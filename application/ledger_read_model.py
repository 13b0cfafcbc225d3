"""Balances, postings and statements, derived from the journal in log order.

Every account's balance is a sum of the journal's postings; the limited accounts also keep a
balance in their aggregates, and the two must always agree (the audit checks it).
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from application.log_follower import Handler, LogFollower
from domain.ledger import JournalEntry, creator_payable

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


@attrs.define
class Totals:
    debits: int = 0
    credits: int = 0


class LedgerReadModel:
    def __init__(self) -> None:
        self.totals: dict[str, Totals] = defaultdict(Totals)
        self.postings: dict[str, list[PostingLine]] = defaultdict(list)
        self.debits = 0
        self.credits = 0
        self.entries = 0
        # One string per account code: each decoded posting brings its own copy, and the lines
        # (one per posting, kept for statements) would otherwise hold about 100 bytes more each.
        self._codes: dict[str, str] = {}

    @property
    def handlers(self) -> dict[str, Handler]:
        return {JournalEntry.Recorded.TOPIC: self._entry_recorded}

    def _entry_recorded(self, event: Any, position: int) -> None:
        self.entries += 1
        for posting in event.postings:
            account = self._codes.setdefault(posting.account, posting.account)
            line = PostingLine(
                position=position,
                entry_id=event.originator_id,
                kind=event.kind,
                cause=event.cause,
                account=account,
                debit=posting.debit,
                credit=posting.credit,
                reference=posting.reference,
                recorded_at=event.recorded_at,
            )
            self.postings[account].append(line)
            totals = self.totals[account]
            totals.debits += posting.debit
            totals.credits += posting.credit
            self.debits += posting.debit
            self.credits += posting.credit

    def accounts(self) -> list[str]:
        return sorted(self.totals)

    def earnings_lines(self, creator: str, currency: str) -> list[PostingLine]:
        """Credits to the creator's payable account that they earned (Pulse impressions,
        affiliate shares of sales, campaign fees); not payouts returned."""
        return [
            line
            for line in list(self.postings.get(creator_payable(creator, currency), []))
            if line.kind in EARNINGS and line.credit > 0
        ]

    def export(self, position_of: Callable[[int], int] | None = None) -> dict[str, object]:
        """A comparable view for the audit's replay: every account's totals and a digest of
        its postings, and every monthly statement's totals (an account's postings of one
        month). ``position_of`` maps this log's positions to the audited log's."""
        view: dict[str, object] = {"journal": (self.entries, self.debits, self.credits)}
        for code in self.accounts():
            lines = self.postings.get(code, [])
            digest = hashlib.sha256()
            months: dict[str, list[int]] = {}
            for line in lines:
                position = line.position if position_of is None else position_of(line.position)
                digest.update(
                    repr(
                        (
                            position,
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
                month = months.setdefault(f"{line.recorded_at:%Y-%m}", [0, 0, 0])
                month[0] += line.debit
                month[1] += line.credit
                month[2] += 1
            totals = self.totals[code]
            view[f"account:{code}"] = (
                totals.debits,
                totals.credits,
                len(lines),
                digest.hexdigest(),
            )
            for month_name, (debits, credits, count) in months.items():
                view[f"statement:{code}:{month_name}"] = (debits, credits, count)
        return view


class LedgerFollower:
    def __init__(self, follower: LogFollower, model: LedgerReadModel) -> None:
        self.follower = follower
        self.model = model
        self._lock = threading.RLock()

    def catch_up(self) -> LedgerReadModel:
        with self._lock:
            self.follower.catch_up()
        return self.model
