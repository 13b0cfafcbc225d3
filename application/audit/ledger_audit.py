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
  order) nor by the aggregate's own postings;
- no posting moves more than one amount may (``domain.bounds.MAX_AMOUNT``): an entry
  recorded before the bound existed still loads, and is reported here with its position.

``compare_postings`` (and ``read_model_problems`` over a log) checks the read side too:
every account's postings, recomputed from the journal, against what the ledger's read model
lists, line by line where they depart.

The cross-reference of entries and account postings keeps no per-entry state, so the check's
memory does not grow with the log: each side (the journal's postings to limited accounts,
the aggregates' recorded postings) is summed into 1,024 multiset digests, one per bucket of
entry ids, each the sum modulo 2**128 of a BLAKE2b-128 hash of every (entry, account,
debits, credits) in it. Equal sides give equal digests; a bucket whose digests differ is read
again in a second pass, which keeps only that bucket's entries and postings and names each
departure exactly. A departure that leaves a bucket's digests equal needs two hashes summing
to the same value modulo 2**128, which no edit of a record can arrange by chance.

``audit_events`` is the pure function (decoded events in log order in, findings out; it reads
them twice when the digests disagree); ``audit_log`` feeds it from an application's recorder
and mapper.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol
from uuid import UUID

import attrs
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from application.progress import JobProgress
from application.revenue.ledger_read_model import (
    LinesDigest,
    PostingLine,
    PostingLineNotStorable,
    Totals,
    posting_lines,
)
from domain.bounds import MAX_AMOUNT
from domain.errors import DomainError
from domain.revenue.ledger import (
    JournalEntry,
    LedgerAccount,
    Limit,
    currency_of,
    limit_of,
    net_by_account,
)

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


#: Buckets of entry ids, each with a multiset digest per side (see the module's note).
BUCKETS = 1024
_MODULUS = 1 << 128


def _bucket(entry_id: UUID) -> int:
    return entry_id.int % BUCKETS


class _Digests:
    """Each bucket's sum of the hashes of the (entry, account, debits, credits) in it."""

    def __init__(self) -> None:
        self.sums = [0] * BUCKETS
        self._codes: dict[str, bytes] = {}

    def add(self, entry_id: UUID, code: str, debits: int, credits: int) -> None:
        encoded = self._codes.get(code)
        if encoded is None:
            encoded = self._codes[code] = code.encode() + b"\x00"
        item = b"%b%b%d,%d" % (entry_id.bytes, encoded, debits, credits)
        hashed = int.from_bytes(hashlib.blake2b(item, digest_size=16).digest(), "big")
        bucket = _bucket(entry_id)
        self.sums[bucket] = (self.sums[bucket] + hashed) % _MODULUS


class _Audit:
    def __init__(self) -> None:
        self.entries = 0
        self.totals: dict[str, tuple[int, int]] = {}
        self.journal: dict[str, _Running] = {}
        self.limits: dict[str, Limit | None] = {}
        self.aggregates: dict[UUID, _Aggregate] = {}
        self.journal_digests = _Digests()
        self.posted_digests = _Digests()
        self.problems: list[str] = []
        self.cross_problems: list[str] = []

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

    def _limited(self, code: str) -> bool:
        """A known account with a limit: the journal's postings to it are cross-referenced
        with its aggregate's."""
        limit = self._limit(code)
        return limit is not None and limit is not Limit.NONE

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
        for posting in event.postings:
            amount = max(posting.debit, posting.credit)
            if amount > MAX_AMOUNT:
                self.problems.append(
                    f"{where} moves {amount:,} minor units to {posting.account}, beyond the "
                    f"bound of one amount ({MAX_AMOUNT:,})"
                )
        for code, (d, c) in net_by_account(event.postings).items():
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
            if self._limited(code):
                self.journal_digests.add(entry_id, code, d, c)

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
        self.posted_digests.add(event.entry_id, account.code, event.debits, event.credits)
        balance = account.running.add(event.debits, event.credits)
        if self._limit(account.code) is Limit.DEBITS_WITHIN_CREDITS and balance < 0:
            self.problems.append(
                f"account {account.code} went below zero by its own postings: {balance} "
                f"after {where}"
            )

    def departed_buckets(self) -> frozenset[int]:
        """The buckets whose entries and account postings disagree somewhere."""
        return frozenset(
            bucket
            for bucket, (journal, posted) in enumerate(
                zip(self.journal_digests.sums, self.posted_digests.sums, strict=True)
            )
            if journal != posted
        )

    def cross_reference(self, events: Iterable[tuple[int, Any]], buckets: frozenset[int]) -> None:
        """Name every departure between the journal and the aggregates among the entries of
        ``buckets``: every entry that touches a limited account is posted to that account's
        aggregate once, with the same amounts; every aggregate posting names an entry that
        touches it."""
        # entry id -> (position, cause, {limited account: (debits, credits)})
        touching: dict[UUID, tuple[int, str, dict[str, tuple[int, int]]]] = {}
        posted: dict[str, dict[UUID, tuple[int, int]]] = {}
        for position, event in events:
            if isinstance(event, JournalEntry.Recorded):
                if _bucket(event.originator_id) in buckets:
                    limited = {
                        code: amounts
                        for code, amounts in net_by_account(event.postings).items()
                        if self._limited(code)
                    }
                    touching[event.originator_id] = (position, event.cause, limited)
            elif isinstance(event, LedgerAccount.Posted):
                aggregate = self.aggregates.get(event.originator_id)
                if aggregate is None or _bucket(event.entry_id) not in buckets:
                    continue
                recorded = posted.setdefault(aggregate.code, {})
                if event.entry_id in recorded:
                    self.cross_problems.append(
                        f"account {aggregate.code}'s posting of entry {event.entry_id} at "
                        f"position {position} repeats an entry it posted already"
                    )
                recorded[event.entry_id] = (event.debits, event.credits)
        codes = {account.code for account in self.aggregates.values()}
        for entry_id, (position, cause, limited) in touching.items():
            for code, amounts in limited.items():
                if code not in codes:
                    continue  # reported once per account by finish()
                recorded_amounts = posted.get(code, {}).get(entry_id)
                if recorded_amounts is None:
                    self.cross_problems.append(
                        f"entry {entry_id} ({cause}) at position {position} posts "
                        f"debits {amounts[0]}, credits {amounts[1]} to {code}, "
                        "but the account never recorded it"
                    )
                elif recorded_amounts != amounts:
                    self.cross_problems.append(
                        f"account {code} recorded entry {entry_id} ({cause}) as debits "
                        f"{recorded_amounts[0]}, credits {recorded_amounts[1]}; the entry says "
                        f"debits {amounts[0]}, credits {amounts[1]}"
                    )
        for code, entries in posted.items():
            for entry_id in entries:
                touched = touching.get(entry_id)
                if touched is None:
                    self.cross_problems.append(
                        f"account {code} recorded entry {entry_id}, which the journal does not hold"
                    )
                elif code not in touched[2]:
                    self.cross_problems.append(
                        f"account {code} recorded entry {entry_id} ({touched[1]}), "
                        "which does not post to it"
                    )

    def finish(self) -> LedgerAudit:
        by_code = {account.code: account for account in self.aggregates.values()}
        problems = [*self.problems, *self.cross_problems]
        accounts: dict[str, AccountBalance] = {}
        for code in sorted(set(self.journal) | set(by_code)):
            running = self.journal.get(code, _Running())
            aggregate = by_code.get(code)
            limit = self._limit(code)
            if limit is Limit.DEBITS_WITHIN_CREDITS and aggregate is None:
                problems.append(
                    f"account {code} is limited but has no LedgerAccount: its limit was never "
                    "enforced"
                )
            if aggregate is not None:
                kept = aggregate.running.credits - aggregate.running.debits
                if kept != running.credits - running.debits:
                    problems.append(
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
            problems=(*unbalanced, *problems),
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


def audit_events(events: Callable[[], Iterable[tuple[int, Any]]]) -> LedgerAudit:
    """Audit the ledger from ``(log position, domain event)`` pairs in log order, as
    ``events()`` gives them; called a second time when the cross-reference's digests disagree.

    Events other than journal entries and ledger accounts' are ignored."""
    audit = _Audit()
    for position, event in events():
        audit.apply(position, event)
    departed = audit.departed_buckets()
    if departed:
        audit.cross_reference(events(), departed)
    return audit.finish()


def audit_log(
    recorder: ApplicationRecorder, mapper: Mapper[UUID], *, progress: JobProgress | None = None
) -> LedgerAudit:
    """Audit the ledger of the log read through ``recorder`` and ``mapper``; ``progress`` is
    told the log positions read (of a pass), of all there are.

    A stored event that cannot be decoded is reported as a problem, not raised."""
    # Both passes read the same records, however the log grows meanwhile.
    log = _DecodedLog(recorder, mapper, recorder.max_notification_id() or 0, TOPICS, progress)
    audit = audit_events(log.events)
    if not log.undecodable:
        return audit
    return attrs.evolve(audit, problems=(*log.undecodable, *audit.problems))


class _DecodedLog:
    """``(position, event)`` of the log's events of ``topics`` up to ``stop``, as often as
    asked; a stored event that cannot be decoded is noted (once) and skipped."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        stop: int,
        topics: tuple[str, ...],
        progress: JobProgress | None = None,
    ) -> None:
        self._progress = progress
        self._recorder = recorder
        self._mapper = mapper
        self._stop = stop
        self._topics = topics
        self._passes = 0
        self.undecodable: list[str] = []

    def events(self) -> Iterator[tuple[int, Any]]:
        self._passes += 1
        for notification in _notifications(
            self._recorder, self._stop, self._topics, self._progress
        ):
            try:
                event = self._mapper.to_domain_event(notification)
            except (DomainError, ValueError, TypeError, KeyError) as error:
                if self._passes == 1:
                    self.undecodable.append(
                        f"the event at position {notification.id} ({notification.topic}) cannot be "
                        f"read: {error}"
                    )
                continue
            yield notification.id, event


def _notifications(
    recorder: ApplicationRecorder,
    stop: int,
    topics: tuple[str, ...],
    progress: JobProgress | None = None,
) -> Iterator[Notification]:
    position = 0
    while position < stop:
        page = recorder.select_notifications(
            start=position, limit=PAGE, stop=stop, topics=topics, inclusive_of_start=False
        )
        yield from page
        if len(page) < PAGE:
            if progress is not None:
                progress(stop, stop)
            return
        position = page[-1].id
        if progress is not None:
            progress(position, stop)


# The read side ------------------------------------------------------------------------------

#: Departures named per account (the count of departed accounts is always exact).
SHOWN_PER_ACCOUNT = 3


class ListedPostings(Protocol):
    """A read model of the ledger as the check reads it: the in-memory model, or the
    persisted projection's reading."""

    @property
    def totals(self) -> Mapping[str, Totals]: ...

    def every_line(self, account: str) -> Iterable[PostingLine]: ...


@attrs.frozen
class Refused:
    """A read model of the ledger that refuses every reading (it stopped at a line it cannot
    keep): compared, it lists nothing and says why."""

    refusal: PostingLineNotStorable

    @property
    def totals(self) -> Mapping[str, Totals]:
        return {}

    def every_line(self, account: str) -> Iterable[PostingLine]:
        raise self.refusal


@attrs.frozen
class PostingsCheck:
    accounts: int  # accounts compared (of the journal and the read model together)
    postings: int  # postings in the journal
    problems: tuple[str, ...]


def compare_postings(
    events: Callable[[], Iterable[tuple[int, Any]]], model: ListedPostings
) -> PostingsCheck:
    """Every account's postings recomputed from the journal (``events()`` in log order,
    read twice when they depart) against the read model's: its totals and every line it
    lists, in order. Memory holds a digest per account, and the lines of the accounts that
    depart on the second reading."""
    codes: dict[str, str] = {}
    journal: dict[str, LinesDigest] = {}
    postings = 0
    for position, event in events():
        if isinstance(event, JournalEntry.Recorded):
            for line in posting_lines(event, position, codes):
                journal.setdefault(line.account, LinesDigest()).add(line)
                postings += 1
    # Read once: a persisted projection's totals are a query.
    kept_totals = model.totals
    accounts = sorted(set(journal) | set(kept_totals))
    try:
        listed = {code: _listed(model, code) for code in accounts}
    except PostingLineNotStorable as refusal:
        return PostingsCheck(
            len(accounts), postings, (f"the ledger's read model lists no postings: {refusal}",)
        )
    problems: list[str] = []
    departed: list[str] = []
    for code in accounts:
        expected = journal.get(code, LinesDigest())
        totals = kept_totals.get(code)
        kept = (0, 0, 0) if totals is None else (totals.lines, totals.debits, totals.credits)
        if kept != expected.summary()[:3]:
            problems.append(
                f"account {code}: the read model counts {kept[0]} postings (debits {kept[1]}, "
                f"credits {kept[2]}); the journal has {expected.count} (debits "
                f"{expected.debits}, credits {expected.credits})"
            )
        if listed[code].summary() != expected.summary():
            departed.append(code)
    if departed:
        problems += _departures(events, model, frozenset(departed), codes)
    return PostingsCheck(len(accounts), postings, tuple(problems))


def _listed(model: ListedPostings, code: str) -> LinesDigest:
    digest = LinesDigest()
    for line in model.every_line(code):
        digest.add(line)
    return digest


def _departures(
    events: Callable[[], Iterable[tuple[int, Any]]],
    model: ListedPostings,
    departed: frozenset[str],
    codes: dict[str, str],
) -> list[str]:
    """Where each departed account's listed lines first differ from the journal's."""
    expected: dict[str, list[PostingLine]] = {code: [] for code in departed}
    for position, event in events():
        if isinstance(event, JournalEntry.Recorded):
            for line in posting_lines(event, position, codes):
                if line.account in departed:
                    expected[line.account].append(line)
    problems: list[str] = []
    for code in sorted(departed):
        listed = list(model.every_line(code))
        shown = 0
        for number in range(max(len(listed), len(expected[code]))):
            one = expected[code][number] if number < len(expected[code]) else None
            other = listed[number] if number < len(listed) else None
            if one == other:
                continue
            shown += 1
            if shown > SHOWN_PER_ACCOUNT:
                break
            problems.append(
                f"account {code}'s posting #{number}: the journal has {_shown(one)}; the read "
                f"model lists {_shown(other)}"
            )
    return problems


def _shown(line: PostingLine | None) -> str:
    if line is None:
        return "nothing"
    return (
        f"entry {line.entry_id} ({line.cause}) at position {line.position}, debit "
        f"{line.debit}, credit {line.credit}"
    )


def read_model_problems(
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    model: ListedPostings,
    stop: int,
    *,
    progress: JobProgress | None = None,
) -> PostingsCheck:
    """``compare_postings`` of the journal up to ``stop``, the position ``model`` follows to;
    ``progress`` is told the log positions read, of ``stop``."""
    log = _DecodedLog(recorder, mapper, stop, (_ENTRY,), progress)
    return compare_postings(log.events, model)
