"""The stores of the ledger's posting lines: the file the service keeps them in answers every
question exactly as the in-memory store does, however the lines arrive in batches."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.posting_lines import SqlitePostingLines
from application.revenue import ledger_read_model
from application.revenue.ledger_read_model import (
    EARNINGS,
    LedgerReadModel,
    MemoryPostingLines,
    PostingLine,
    PostingLineNotStorable,
    PostingLines,
)
from domain.bounds import MAX_AMOUNT
from domain.money import Money
from domain.revenue.ledger import JournalEntry, campaign_budget, creator_payable, credit, debit
from tests.unbounded import funding_recorded_before_the_bound

ACCOUNTS = ("creator:mia:payable:USD", "campaign:c0de:budget:USD", "platform:revenue:USD")
KINDS = ("impressions-billed", "order-placed", "payout-sent", "campaign-funded")
START = datetime(2025, 1, 31, 22, 0, tzinfo=UTC)
#: Two hours ahead of UTC: its month turns before UTC's does.
AHEAD = timezone(timedelta(hours=2))


def entry_lines(
    position: int, kind: str, postings: list[tuple[str, int, int]]
) -> list[PostingLine]:
    recorded_at = (START + timedelta(hours=position)).astimezone(AHEAD if position % 2 else UTC)
    return [
        PostingLine(
            position=position,
            entry_id=UUID(int=position),
            kind=kind,
            cause=f"{kind}:{position}",
            account=account,
            debit=debit,
            credit=credit,
            reference=f"video:{UUID(int=position * 7)}" if credit else "",
            recorded_at=recorded_at,
        )
        for account, debit, credit in postings
    ]


postings = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.integers(min_value=0, max_value=500),
        st.integers(min_value=0, max_value=500),
    ),
    min_size=1,
    max_size=4,
)
journals = st.lists(st.tuples(st.sampled_from(KINDS), postings), max_size=30).map(
    lambda entries: [
        line
        for position, (kind, lines) in enumerate(entries, start=1)
        for line in entry_lines(position * 3, kind, lines)
    ]
)


@pytest.fixture
def sqlite_lines() -> Iterator[SqlitePostingLines]:
    lines = SqlitePostingLines()
    yield lines
    lines.close()


def months_of(lines: list[PostingLine]) -> set[str]:
    return {f"{line.recorded_at:%Y-%m}" for line in lines} | {"2024-12"}


@settings(max_examples=60)
@given(journal=journals, cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=5))
def test_the_file_answers_as_memory_does_however_the_lines_are_batched(
    journal: list[PostingLine], cuts: list[int]
) -> None:
    in_memory, in_file = MemoryPostingLines(), SqlitePostingLines()
    try:
        in_memory.append(journal)
        # Batches may split an entry's lines: its fields are kept once all the same.
        bounds = [0, *sorted(cut % (len(journal) + 1) for cut in cuts), len(journal)]
        for start, end in itertools.pairwise(bounds):
            in_file.append(journal[start:end])
        for account in ACCOUNTS:
            assert in_file.page(account, 0, 1000) == in_memory.page(account, 0, 1000)
            assert in_file.page(account, 2, 3) == in_memory.page(account, 2, 3)
            for month in months_of(journal):
                assert in_file.earnings(account, EARNINGS, month) == in_memory.earnings(
                    account, EARNINGS, month
                )
        assert in_file.page("creator:nobody:payable:USD", 0, 10) == []
    finally:
        in_file.close()


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_earnings_are_credits_of_earning_kinds_in_the_month_of_their_own_offset(
    store: str, sqlite_lines: SqlitePostingLines
) -> None:
    lines: PostingLines = MemoryPostingLines() if store == "memory" else sqlite_lines
    mia = ACCOUNTS[0]
    # Position 3 is recorded at 01:00 on 1 February, two hours ahead of UTC (still January
    # in UTC); position 4 at 02:00 UTC on 1 February; position 5 is a payout.
    lines.append(entry_lines(3, "impressions-billed", [(mia, 0, 40), (ACCOUNTS[1], 40, 0)]))
    lines.append(entry_lines(4, "order-placed", [(mia, 0, 7), (mia, 2, 0)]))
    lines.append(entry_lines(5, "payout-sent", [(mia, 0, 100)]))

    february = lines.earnings(mia, EARNINGS, "2025-02")

    assert [(line.position, line.credit) for line in february] == [(3, 40), (4, 7)]
    assert february[0].recorded_at.utcoffset() == timedelta(hours=2)
    assert lines.earnings(mia, EARNINGS, "2025-01") == []
    assert [line.position for line in lines.page(mia, 1, 2)] == [4, 4]


def test_a_batch_the_file_refuses_leaves_it_as_it_was(sqlite_lines: SqlitePostingLines) -> None:
    mia = ACCOUNTS[0]
    sqlite_lines.append(entry_lines(3, "impressions-billed", [(mia, 0, 40)]))
    sqlite_lines.append(entry_lines(6, "impressions-billed", [(mia, 0, 1)]))
    before = sqlite_lines.page(mia, 0, 10)

    # Position 3 again, after 6: its entry is already kept.
    with pytest.raises(sqlite3.IntegrityError):
        sqlite_lines.append(entry_lines(3, "impressions-billed", [(mia, 0, 5)]))

    assert sqlite_lines.page(mia, 0, 10) == before
    sqlite_lines.append(entry_lines(9, "impressions-billed", [(mia, 0, 2)]))
    assert [line.credit for line in sqlite_lines.page(mia, 0, 10)] == [40, 1, 2]


def test_the_read_model_holds_lines_back_and_hands_them_over_before_any_reading(
    sqlite_lines: SqlitePostingLines,
) -> None:
    model = LedgerReadModel(sqlite_lines)
    payable, budget = creator_payable("mia", "USD"), campaign_budget(UUID(int=9), "USD")
    for position in range(1, 4):
        entry = JournalEntry.record(
            cause=f"impression-batch:{position}",
            kind="impressions-billed",
            postings=[
                debit(budget, Money(position, "USD")),
                credit(payable, Money(position, "USD")),
            ],
            at=START,
        )
        [recorded] = entry.collect_events()
        model.handlers[JournalEntry.Recorded.TOPIC](recorded, position)

    assert sqlite_lines.page(payable, 0, 10) == []  # held back
    assert [line.credit for line in model.page(payable, 0, 10)] == [1, 2, 3]
    assert model.totals[payable].lines == 3
    assert model.postings == 6


# Bounds ---------------------------------------------------------------------------------------


@settings(max_examples=60)
@given(amounts=st.lists(st.integers(min_value=1, max_value=MAX_AMOUNT), min_size=1, max_size=20))
def test_any_amount_within_the_bound_is_kept_exactly_by_every_store(amounts: list[int]) -> None:
    mia, budget = ACCOUNTS[0], ACCOUNTS[1]
    journal = [
        line
        for position, amount in enumerate(amounts, start=1)
        for line in entry_lines(
            position, "impressions-billed", [(budget, amount, 0), (mia, 0, amount)]
        )
    ]
    in_memory, in_file = MemoryPostingLines(), SqlitePostingLines()
    try:
        for lines in (in_memory, in_file):
            lines.append(journal)
            assert [line.credit for line in lines.page(mia, 0, 100)] == amounts
            assert [line.debit for line in lines.page(budget, 0, 100)] == amounts
    finally:
        in_file.close()


@pytest.mark.parametrize("amount", [2**63, 10**30])
def test_the_file_refuses_a_line_it_cannot_keep_exactly_and_keeps_nothing_of_its_batch(
    sqlite_lines: SqlitePostingLines, amount: int
) -> None:
    mia, budget = ACCOUNTS[0], ACCOUNTS[1]
    sqlite_lines.append(entry_lines(3, "impressions-billed", [(mia, 0, 40)]))
    batch = [
        *entry_lines(6, "impressions-billed", [(mia, 0, 1)]),
        *entry_lines(9, "campaign-funded", [(budget, 0, amount), (mia, 0, 2)]),
    ]

    with pytest.raises(PostingLineNotStorable, match="at position 9"):
        sqlite_lines.append(batch)

    assert [line.credit for line in sqlite_lines.page(mia, 0, 10)] == [40]
    assert sqlite_lines.page(budget, 0, 10) == []
    sqlite_lines.append(entry_lines(12, "impressions-billed", [(mia, 0, 5)]))
    assert [(line.position, line.credit) for line in sqlite_lines.page(mia, 0, 10)] == [
        (3, 40),
        (12, 5),
    ]


def recorded_before_the_bound(position: int, amount: int) -> Any:
    return funding_recorded_before_the_bound(position, amount, START)


def test_the_read_model_never_lists_an_account_without_a_line_the_store_refused(
    sqlite_lines: SqlitePostingLines,
) -> None:
    model = LedgerReadModel(sqlite_lines)
    funds = "platform:brand-funds:USD"
    apply = model.handlers[JournalEntry.Recorded.TOPIC]
    apply(recorded_before_the_bound(1, 500), 1)
    apply(recorded_before_the_bound(2, 2**63), 2)

    for _attempt in range(2):
        with pytest.raises(PostingLineNotStorable, match="at position 2"):
            model.page(funds, 0, 10)
    with pytest.raises(PostingLineNotStorable):
        apply(recorded_before_the_bound(3, 7), 3)

    assert model.totals[funds].lines == 2
    assert model.entries == 2


def test_a_batch_the_store_refuses_while_following_leaves_the_entry_unapplied(
    sqlite_lines: SqlitePostingLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_read_model, "PENDING_LINES", 4)
    model = LedgerReadModel(sqlite_lines)
    funds = "platform:brand-funds:USD"
    apply = model.handlers[JournalEntry.Recorded.TOPIC]
    apply(recorded_before_the_bound(1, 500), 1)

    with pytest.raises(PostingLineNotStorable, match="at position 2"):
        apply(recorded_before_the_bound(2, 10**30), 2)

    # The follower stays before entry 2: the model holds entry 1, whole, and says so loudly.
    assert model.entries == 1
    assert model.totals[funds].debits == 500
    assert sqlite_lines.page(funds, 0, 10) == []  # entry 1 is still held back, not lost
    with pytest.raises(PostingLineNotStorable):
        model.page(funds, 0, 10)
