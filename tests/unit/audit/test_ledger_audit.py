"""The auditor's ledger check on decoded events: a ledger kept by the rules holds, and every
way an account's recorded postings can depart from the journal is named with its entry,
whichever bucket of the cross-reference it falls in."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from application.audit.ledger_audit import (
    BUCKETS,
    LedgerAudit,
    Refused,
    audit_events,
    compare_postings,
)
from application.revenue.ledger_read_model import (
    LedgerReadModel,
    MemoryPostingLines,
    PostingLine,
    PostingLineNotStorable,
    PostingLines,
    posting_lines,
)
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    JournalEntry,
    LedgerAccount,
    campaign_budget,
    creator_payable,
    credit,
    debit,
    platform,
    post_to_accounts,
)
from tests.fakes import OPENING_NIGHT
from tests.unbounded import funding_recorded_before_the_bound

CAMPAIGN = UUID("00000000-0000-0000-0000-00000000c0de")
BUDGET = campaign_budget(CAMPAIGN, "USD")
BRAND_FUNDS = platform(PLATFORM_BRAND_FUNDS, "USD")
CREATORS = ("mia", "leo", "ana")

Log = list[tuple[int, Any]]


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def ledger_log(earnings: Iterable[tuple[str, int]]) -> Log:
    """The revenue log of a campaign funded with enough for every earning, then billed once per
    earning: one entry crediting the creator from the budget, posted to both accounts."""
    earnings = list(earnings)
    accounts = {
        code: LedgerAccount.open(code, at=OPENING_NIGHT)
        for code in (BUDGET, *(creator_payable(name, "USD") for name in CREATORS))
    }
    events: list[Any] = [
        event for account in accounts.values() for event in account.collect_events()
    ]
    funded = JournalEntry.record(
        cause="campaign-funded",
        kind="campaign-funded",
        postings=[
            debit(BRAND_FUNDS, usd(sum(amount for _, amount in earnings) + 1)),
            credit(BUDGET, usd(sum(amount for _, amount in earnings) + 1)),
        ],
        at=OPENING_NIGHT,
    )
    for entry in [funded] + [
        JournalEntry.record(
            cause=f"batch:{number}",
            kind="impressions-billed",
            postings=[
                debit(BUDGET, usd(amount)),
                credit(creator_payable(creator, "USD"), usd(amount)),
            ],
            at=OPENING_NIGHT,
        )
        for number, (creator, amount) in enumerate(earnings)
    ]:
        touched = post_to_accounts(entry, accounts)
        events += entry.collect_events()
        for account in touched:
            events += account.collect_events()
    return list(enumerate(events, start=1))


def audited(log: Log) -> tuple[LedgerAudit, int]:
    """The audit of ``log``, and how many times it read the log."""
    reads = 0

    def events() -> Log:
        nonlocal reads
        reads += 1
        return log

    return audit_events(events), reads


def postings_of(log: Log) -> list[int]:
    """The indexes in ``log`` of the creators' accounts' postings."""
    payables = {LedgerAccount.id_for(creator_payable(name, "USD")) for name in CREATORS}
    return [
        index
        for index, (_, event) in enumerate(log)
        if isinstance(event, LedgerAccount.Posted) and event.originator_id in payables
    ]


def code_of(event: Any) -> str:
    return next(
        code
        for code in (BUDGET, *(creator_payable(name, "USD") for name in CREATORS))
        if LedgerAccount.id_for(code) == event.originator_id
    )


def renumbered(events: Iterable[Any]) -> Log:
    return list(enumerate(events, start=1))


# Tampering with one account posting -----------------------------------------------------------


def dropped(log: Log, index: int) -> tuple[Log, str]:
    event = log[index][1]
    return (
        renumbered(e for i, (_, e) in enumerate(log) if i != index),
        f"credits {event.credits} to {code_of(event)}, but the account never recorded it",
    )


def repeated(log: Log, index: int) -> tuple[Log, str]:
    events = [e for _, e in log]
    events.insert(index + 1, events[index])
    return renumbered(events), f"of entry {events[index].entry_id} at position {index + 2} repeats"


def altered(log: Log, index: int) -> tuple[Log, str]:
    events = [e for _, e in log]
    event = events[index]
    events[index] = dataclasses.replace(event, credits=event.credits + 1)
    return (
        renumbered(events),
        f"account {code_of(event)} recorded entry {event.entry_id} (batch:",
    )


def phantom(log: Log, index: int) -> tuple[Log, str]:
    events = [e for _, e in log]
    event = events[index]
    invented = uuid4()
    events[index] = dataclasses.replace(event, entry_id=invented)
    return (
        renumbered(events),
        f"account {code_of(event)} recorded entry {invented}, which the journal does not hold",
    )


def misdirected(log: Log, index: int) -> tuple[Log, str]:
    """The posting moved to another creator's account, which the entry does not credit."""
    events = [e for _, e in log]
    event = events[index]
    other = next(
        creator_payable(name, "USD")
        for name in CREATORS
        if creator_payable(name, "USD") != code_of(event)
    )
    events[index] = dataclasses.replace(event, originator_id=LedgerAccount.id_for(other))
    return (
        renumbered(events),
        f"account {other} recorded entry {event.entry_id} (batch:",
    )


TAMPERINGS: dict[str, Callable[[Log, int], tuple[Log, str]]] = {
    "dropped": dropped,
    "repeated": repeated,
    "altered": altered,
    "phantom": phantom,
    "misdirected": misdirected,
}


# Examples -----------------------------------------------------------------------------------


def test_a_ledger_kept_by_the_rules_holds_after_one_reading_of_the_log() -> None:
    log = ledger_log([("mia", 250), ("leo", 100), ("mia", 50)])

    audit, reads = audited(log)

    assert audit.holds, audit.problems
    assert reads == 1
    assert audit.entries == 4
    assert audit.accounts[creator_payable("mia", "USD")].balance == 300
    assert audit.accounts[creator_payable("mia", "USD")].aggregate_balance == 300
    assert audit.accounts[BUDGET].balance == 1


def test_a_dropped_posting_is_named_with_its_entry_and_position_after_a_second_reading() -> None:
    log = ledger_log([("mia", 250), ("leo", 100)])
    index = postings_of(log)[0]  # mia's posting of batch:0
    [position] = [p for p, event in log if event.originator_id == log[index][1].entry_id]
    tampered, _ = dropped(log, index)

    audit, reads = audited(tampered)

    assert reads == 2
    assert audit.problems == (
        f"entry {JournalEntry.id_for('batch:0')} (batch:0) at position {position} posts debits 0, "
        f"credits 250 to {creator_payable('mia', 'USD')}, but the account never recorded it",
        f"account {creator_payable('mia', 'USD')} holds 0 by its LedgerAccount, but its "
        "postings in the journal sum to 250",
    )


def test_a_posting_recorded_twice_is_named_once_as_a_repeat() -> None:
    log = ledger_log([("mia", 250)])
    index = postings_of(log)[0]
    tampered, expected = repeated(log, index)

    audit, _ = audited(tampered)

    repeats = [problem for problem in audit.problems if "repeats" in problem]
    assert len(repeats) == 1, audit.problems
    assert expected in repeats[0]


# The property -------------------------------------------------------------------------------

earnings_lists = st.lists(
    st.tuples(st.sampled_from(CREATORS), st.integers(min_value=1, max_value=10_000)),
    min_size=1,
    max_size=40,
)


@given(
    earnings=earnings_lists,
    tampering=st.sampled_from(sorted(TAMPERINGS)),
    choice=st.integers(min_value=0),
)
def test_every_tampered_posting_is_named_and_an_untouched_ledger_holds(
    earnings: list[tuple[str, int]], tampering: str, choice: int
) -> None:
    log = ledger_log(earnings)
    assert audited(log)[0].holds
    candidates = postings_of(log)
    tampered, expected = TAMPERINGS[tampering](log, candidates[choice % len(candidates)])

    audit, reads = audited(tampered)

    assert not audit.holds
    assert reads == 2
    assert any(expected in problem for problem in audit.problems), (expected, audit.problems)


def test_the_cross_reference_spreads_entries_over_its_buckets() -> None:
    """Entry ids are uuid5 of their causes: a thousand of them reach most buckets, so a
    departure reads again only a small share of the log's entries."""
    reached = {JournalEntry.id_for(f"batch:{number}").int % BUCKETS for number in range(1000)}
    assert len(reached) > BUCKETS // 2


# Bounds and the read side ---------------------------------------------------------------------


def test_an_entry_recorded_before_the_bound_is_a_finding_with_its_position() -> None:
    log = ledger_log([("mia", 300)])
    huge = funding_recorded_before_the_bound(7, 10**30, OPENING_NIGHT)
    log.append((len(log) + 1, huge))

    audit, _readings = audited(log)

    assert [problem for problem in audit.problems if "bound" in problem] == [
        f"entry {huge.originator_id} (campaign:7) at position {len(log)} moves "
        f"{10**30:,} minor units to platform:brand-funds:USD, beyond the bound of one amount "
        "(1,000,000,000,000,000)",
        f"entry {huge.originator_id} (campaign:7) at position {len(log)} moves "
        f"{10**30:,} minor units to {campaign_budget(UUID(int=7), 'USD')}, beyond the bound "
        "of one amount (1,000,000,000,000,000)",
    ]


class LosingLines(MemoryPostingLines):
    """A store of posting lines that silently loses the lines of one entry."""

    def __init__(self, lost_position: int) -> None:
        super().__init__()
        self.lost_position = lost_position

    def append(self, lines: Sequence[PostingLine]) -> None:
        super().append([line for line in lines if line.position != self.lost_position])


def read_model_of(log: Log, lines: PostingLines) -> LedgerReadModel:
    model = LedgerReadModel(lines)
    for position, event in log:
        if isinstance(event, JournalEntry.Recorded):
            model.handlers[JournalEntry.Recorded.TOPIC](event, position)
    return model


def test_the_read_model_listing_every_posting_of_the_journal_agrees() -> None:
    log = ledger_log([("mia", 300), ("leo", 200), ("mia", 5)])

    checked = compare_postings(lambda: log, read_model_of(log, MemoryPostingLines()))

    assert checked.problems == ()
    assert (checked.accounts, checked.postings) == (4, 8)


def test_postings_the_read_model_lost_are_named_with_their_entry_and_position() -> None:
    log = ledger_log([("mia", 300), ("leo", 200), ("mia", 5)])
    position, lost = next(
        (position, event)
        for position, event in log
        if isinstance(event, JournalEntry.Recorded) and event.cause == "batch:1"
    )
    leo = creator_payable("leo", "USD")

    checked = compare_postings(lambda: log, read_model_of(log, LosingLines(position)))

    assert checked.problems == (
        f"account {BUDGET}'s posting #2: the journal has entry {lost.originator_id} (batch:1) "
        f"at position {position}, debit 200, credit 0; the read model lists entry "
        f"{JournalEntry.id_for('batch:2')} (batch:2) at position {position + 3}, debit 5, "
        "credit 0",
        f"account {BUDGET}'s posting #3: the journal has entry {JournalEntry.id_for('batch:2')} "
        f"(batch:2) at position {position + 3}, debit 5, credit 0; the read model lists nothing",
        f"account {leo}'s posting #0: the journal has entry {lost.originator_id} (batch:1) at "
        f"position {position}, debit 0, credit 200; the read model lists nothing",
    )


def test_a_read_model_that_refuses_every_reading_is_a_finding() -> None:
    log = ledger_log([("mia", 300)])
    huge = funding_recorded_before_the_bound(7, 2**63, OPENING_NIGHT)
    log.append((len(log) + 1, huge))
    [line, *_] = posting_lines(huge, len(log), {})
    # What the ledger's projection answers once it stopped before that entry.
    model = Refused(PostingLineNotStorable(line, "SQL integers are signed 64-bit"))

    checked = compare_postings(lambda: log, model)

    [problem] = checked.problems
    assert problem.startswith("the ledger's read model lists no postings: the posting of entry")
    assert f"at position {len(log)}" in problem
