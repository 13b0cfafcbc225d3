"""An auditor's check of the ledger, from the revenue log alone.

The audit trusts neither the read models nor the ``LedgerAccount`` aggregates' current state.
It walks the revenue log in order, recomputes every account's balance from the journal's
postings, and checks that:

- every journal entry is balanced (its debits equal its credits), in one currency, and names
  only accounts the ledger knows;
- the journal as a whole is balanced (total debits equal total credits, in each currency);
- every limited account has a ``LedgerAccount`` aggregate whose recorded postings are exactly
  the journal's postings to it (one ``AccountPosted`` per entry that touches it, with the same
  amounts), so the aggregate's balance equals the sum of its postings;
- no limited account ever went below zero along the way, neither by the journal (in log
  order) nor by the aggregate's own postings.

``audit_events`` is the pure function (decoded events in log order in, findings out);
``audit_log`` feeds it from an application's recorder and mapper.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from domain.errors import DomainError
from domain.ledger import JournalEntry, LedgerAccount, Limit, currency_of, limit_of

PAGE = 1000

_ENTRY = JournalEntry.Recorded.TOPIC
_OPENED = LedgerAccount.Opened.TOPIC
_POSTED = LedgerAccount.Posted.TOPIC
TOPICS = (_ENTRY, _OPENED, _POSTED)


@attrs.frozen
class AccountBalance:
    """An account recomputed from the journal, with what its aggregate says (if it has one)."""

    code: str
    limit: Limit | None  # None: a code the ledger does not know
    debits: int
    credits: int
    lowest: int  # the lowest balance (credits less debits) it ever had, by the journal
    aggregate_debits: int | None = None  # None: no LedgerAccount aggregate
    aggregate_credits: int | None = None

    @property
    def balance(self) -> int:
        return self.credits - self.debits

    @property
    def aggregate_balance(self) -> int | None:
        if self.aggregate_debits is None or self.aggregate_credits is None:
            return None
        return self.aggregate_credits - self.aggregate_debits


@attrs.frozen
class LedgerAudit:
    entries: int
    totals: Mapping[str, tuple[int, int]]  # currency -> (debits, credits) of all its entries
    accounts: Mapping[str, AccountBalance]
    problems: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return not self.problems

    @property
    def limited_accounts(self) -> int:
        return sum(
            1
            for account in self.accounts.values()
            if account.limit is not None and account.limit is not Limit.NONE
        )


@attrs.define
class _Running:
    debits: int = 0
    credits: int = 0
    lowest: int = 0

    def add(self, debits: int, credits: int) -> int:
        self.debits += debits
        self.credits += credits
        balance = self.credits - self.debits
        self.lowest = min(self.lowest, balance)
        return balance


@attrs.define
class _Aggregate:
    code: str
    running: _Running = attrs.Factory(_Running)
    posted: dict[UUID, tuple[int, int]] = attrs.Factory(dict)  # entry id -> (debits, credits)


class _Audit:
    def __init__(self) -> None:
        self.entries = 0
        self.totals: dict[str, tuple[int, int]] = {}
        self.journal: dict[str, _Running] = {}
        self.limits: dict[str, Limit | None] = {}
        # entry id -> (position, cause, {limited account: (debits, credits)})
        self.touching: dict[UUID, tuple[int, str, dict[str, tuple[int, int]]]] = {}
        self.aggregates: dict[UUID, _Aggregate] = {}
        self.problems: list[str] = []

    def apply(self, position: int, event: Any) -> None:
        if isinstance(event, JournalEntry.Recorded):
            self._entry(position, event)
        elif isinstance(event, LedgerAccount.Opened):
            self._opened(position, event)
        elif isinstance(event, LedgerAccount.Posted):
            self._posted(position, event)

    def _limit(self, code: str) -> Limit | None:
        if code not in self.limits:
            try:
                self.limits[code] = limit_of(code)
            except DomainError:
                self.limits[code] = None
        return self.limits[code]

    def _entry(self, position: int, event: Any) -> None:
        self.entries += 1
        entry_id: UUID = event.originator_id
        where = f"entry {entry_id} ({event.cause}) at position {position}"
        debits = sum(p.debit for p in event.postings)
        credits = sum(p.credit for p in event.postings)
        total_debits, total_credits = self.totals.get(event.currency, (0, 0))
        self.totals[event.currency] = (total_debits + debits, total_credits + credits)
        if debits != credits:
            self.problems.append(f"{where} is unbalanced: debits {debits}, credits {credits}")
        if len(event.postings) < 2:
            self.problems.append(f"{where} has {len(event.postings)} postings, not 2 or more")
        net: dict[str, tuple[int, int]] = {}
        for posting in event.postings:
            d, c = net.get(posting.account, (0, 0))
            net[posting.account] = (d + posting.debit, c + posting.credit)
        limited: dict[str, tuple[int, int]] = {}
        for code, (d, c) in net.items():
            limit = self._limit(code)
            if limit is None:
                self.problems.append(f"{where} posts to an unknown account {code!r}")
            elif _currency(code) != event.currency:
                self.problems.append(f"{where} is in {event.currency} but posts to {code}")
            balance = self.journal.setdefault(code, _Running()).add(d, c)
            if limit is Limit.DEBITS_WITHIN_CREDITS and balance < 0:
                self.problems.append(
                    f"account {code} went below zero by the journal: {balance} after {where}"
                )
            if limit is not None and limit is not Limit.NONE:
                limited[code] = (d, c)
        self.touching[entry_id] = (position, event.cause, limited)

    def _opened(self, position: int, event: Any) -> None:
        code: str = event.code
        if LedgerAccount.id_for(code) != event.originator_id:
            self.problems.append(
                f"account {event.originator_id} opened at position {position} as {code}, "
                "which is not the id of that code"
            )
        if self._limit(code) is None or _limit_value(event.limit) is not self._limit(code):
            self.problems.append(
                f"account {code} opened at position {position} with limit {event.limit}, "
                f"not the limit of its code"
            )
        self.aggregates[event.originator_id] = _Aggregate(code)

    def _posted(self, position: int, event: Any) -> None:
        account = self.aggregates.get(event.originator_id)
        if account is None:
            self.problems.append(
                f"account {event.originator_id} has a posting at position {position} "
                "but was never opened"
            )
            return
        where = f"account {account.code}'s posting of entry {event.entry_id} at position {position}"
        if event.entry_id in account.posted:
            self.problems.append(f"{where} repeats an entry it posted already")
        account.posted[event.entry_id] = (event.debits, event.credits)
        balance = account.running.add(event.debits, event.credits)
        if self._limit(account.code) is Limit.DEBITS_WITHIN_CREDITS and balance < 0:
            self.problems.append(
                f"account {account.code} went below zero by its own postings: {balance} "
                f"after {where}"
            )

    def finish(self) -> LedgerAudit:
        by_code = {account.code: account for account in self.aggregates.values()}
        # Every entry that touches a limited account is posted to that account's aggregate,
        # with the same amounts; every aggregate posting names an entry that touches it.
        for entry_id, (position, cause, limited) in self.touching.items():
            for code, amounts in limited.items():
                account = by_code.get(code)
                if account is None:
                    continue  # reported once per account below
                posted = account.posted.get(entry_id)
                if posted is None:
                    self.problems.append(
                        f"entry {entry_id} ({cause}) at position {position} posts "
                        f"debits {amounts[0]}, credits {amounts[1]} to {code}, "
                        "but the account never recorded it"
                    )
                elif posted != amounts:
                    self.problems.append(
                        f"account {code} recorded entry {entry_id} ({cause}) as debits "
                        f"{posted[0]}, credits {posted[1]}; the entry says debits {amounts[0]}, "
                        f"credits {amounts[1]}"
                    )
        for account in self.aggregates.values():
            for entry_id in account.posted:
                touched = self.touching.get(entry_id)
                if touched is None:
                    self.problems.append(
                        f"account {account.code} recorded entry {entry_id}, "
                        "which the journal does not hold"
                    )
                elif account.code not in touched[2]:
                    self.problems.append(
                        f"account {account.code} recorded entry {entry_id} ({touched[1]}), "
                        "which does not post to it"
                    )
        accounts: dict[str, AccountBalance] = {}
        for code in sorted(set(self.journal) | set(by_code)):
            running = self.journal.get(code, _Running())
            aggregate = by_code.get(code)
            limit = self._limit(code)
            if limit is Limit.DEBITS_WITHIN_CREDITS and aggregate is None:
                self.problems.append(
                    f"account {code} is limited but has no LedgerAccount: its limit was never "
                    "enforced"
                )
            if aggregate is not None:
                kept = aggregate.running.credits - aggregate.running.debits
                if kept != running.credits - running.debits:
                    self.problems.append(
                        f"account {code} holds {kept} by its LedgerAccount, but its postings "
                        f"in the journal sum to {running.credits - running.debits}"
                    )
            accounts[code] = AccountBalance(
                code=code,
                limit=limit,
                debits=running.debits,
                credits=running.credits,
                lowest=running.lowest,
                aggregate_debits=None if aggregate is None else aggregate.running.debits,
                aggregate_credits=None if aggregate is None else aggregate.running.credits,
            )
        unbalanced = [
            f"the journal is unbalanced in {currency}: debits {debits}, credits {credits}"
            for currency, (debits, credits) in sorted(self.totals.items())
            if debits != credits
        ]
        return LedgerAudit(
            entries=self.entries,
            totals=dict(sorted(self.totals.items())),
            accounts=accounts,
            problems=(*unbalanced, *self.problems),
        )


def _currency(code: str) -> str | None:
    try:
        return currency_of(code)
    except DomainError:
        return None


def _limit_value(value: object) -> Limit | None:
    # Stored as the enumeration's plain string value.
    try:
        return Limit(str(value))
    except ValueError:
        return None


def audit_events(events: Iterable[tuple[int, Any]]) -> LedgerAudit:
    """Audit the ledger from ``(log position, domain event)`` pairs in log order.

    Events other than journal entries and ledger accounts' are ignored."""
    audit = _Audit()
    for position, event in events:
        audit.apply(position, event)
    return audit.finish()


def audit_log(recorder: ApplicationRecorder, mapper: Mapper[UUID]) -> LedgerAudit:
    """Audit the ledger of the log read through ``recorder`` and ``mapper``.

    A stored event that cannot be decoded is reported as a problem, not raised."""
    undecodable: list[str] = []

    def decoded() -> Iterator[tuple[int, Any]]:
        for notification in _notifications(recorder):
            try:
                event = mapper.to_domain_event(notification)
            except (DomainError, ValueError, TypeError, KeyError) as error:
                undecodable.append(
                    f"the event at position {notification.id} ({notification.topic}) cannot be "
                    f"read: {error}"
                )
                continue
            yield notification.id, event

    audit = audit_events(decoded())
    if not undecodable:
        return audit
    return attrs.evolve(audit, problems=(*undecodable, *audit.problems))


def _notifications(recorder: ApplicationRecorder) -> Iterator[Notification]:
    position = 0
    while True:
        page = recorder.select_notifications(
            start=position, limit=PAGE, topics=TOPICS, inclusive_of_start=False
        )
        yield from page
        if len(page) < PAGE:
            return
        position = page[-1].id
