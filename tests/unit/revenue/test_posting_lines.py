"""The ledger projection's tables: they answer every question about posting lines exactly as
the in-memory store does, however the entries arrive in batches, and refuse whole an entry
whose amounts or totals they cannot keep exactly."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from adapters.projections import SqlProjectionStore, projection_database_for
from adapters.projections.ledger import SqlLedgerTables
from adapters.storage import parse_store
from application.revenue.ledger_projection import LEDGER, LedgerReading
from application.revenue.ledger_read_model import (
    EARNINGS,
    LedgerReadModel,
    MemoryPostingLines,
    PeriodTotals,
    PostingLine,
    PostingLineNotStorable,
    Totals,
    posting_lines,
)
from domain.bounds import MAX_AMOUNT
from domain.revenue.ledger import JournalEntry
from tests.deployments import store_under_test
from tests.fakes import OPENING_NIGHT
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
        entry_lines(position * 3, kind, lines)
        for position, (kind, lines) in enumerate(entries, start=1)
    ]
)


class Kept:
    """One generation of the projection's tables in a scratch database, written a batch of
    entries at a time as the runner writes them."""

    def __init__(self, url: str = "memory://") -> None:
        self.store = SqlProjectionStore(projection_database_for(parse_store(url)))
        self.tables = SqlLedgerTables(self.store)
        self.generation = self.store.new_generation(LEDGER, 1, ("revenue",), active=True)
        self.tables.create(self.generation)
        self.position = 0

    def append(self, *entries: Sequence[PostingLine], pages: Sequence[int] = ()) -> None:
        """One batch: all its entries, or none of them; written an entry at a time, or in
        pages (``record_page``) of the sizes ``pages`` cuts them into (0: one entry alone)."""
        end = entries[-1][0].position if entries else self.position
        with self.store.batch(LEDGER, self.generation, "revenue", self.position, end) as batch:
            if not pages:
                for lines in entries:
                    self.tables.record(batch, lines)
            else:
                first = 0
                for size in itertools.cycle(pages):
                    if first >= len(entries):
                        break
                    if size == 0:
                        self.tables.record(batch, entries[first])
                        first += 1
                    else:
                        self.tables.record_page(batch, entries[first : first + size])
                        first += size
        self.position = end

    @property
    def reading(self) -> LedgerReading:
        return LedgerReading(self.tables, self.generation)

    def page(self, account: str, start: int, limit: int) -> list[PostingLine]:
        return self.reading.page(account, start, limit)

    def earnings(self, account: str, month: str, page: int = 3) -> list[PostingLine]:
        """Every line of the account's statement of ``month``, read ``page`` at a time."""
        return self.statement(account, month, page)[1]

    def statement(
        self, account: str, month: str, page: int
    ) -> tuple[list[PeriodTotals], list[PostingLine]]:
        """The totals each page of the statement gave, and every page's lines in turn."""
        after = -1
        totals: list[PeriodTotals] = []
        lines: list[PostingLine] = []
        while True:
            found = self.tables.statement(self.generation, account, EARNINGS, month, after, page)
            totals.append(found.totals)
            lines.extend(line for _, line in found.lines)
            if len(found.lines) < page:
                return totals, lines
            after = found.lines[-1][0]

    def close(self) -> None:
        self.tables.drop(self.generation)
        self.store.close()


@pytest.fixture
def kept() -> Iterator[Kept]:
    tables = Kept()
    yield tables
    tables.close()


def months_of(journal: list[list[PostingLine]]) -> set[str]:
    return {f"{line.recorded_at:%Y-%m}" for lines in journal for line in lines} | {"2024-12"}


@settings(max_examples=40, deadline=None)
@given(
    journal=journals,
    cuts=st.lists(st.integers(min_value=0, max_value=30), max_size=5),
    pages=st.lists(st.integers(min_value=0, max_value=12), max_size=4),
)
def test_the_tables_answer_as_memory_does_however_the_entries_are_batched_and_paged(
    journal: list[list[PostingLine]], cuts: list[int], pages: list[int]
) -> None:
    in_memory, in_tables = MemoryPostingLines(), Kept()
    try:
        for lines in journal:
            in_memory.append(lines)
        bounds = [0, *sorted(cut % (len(journal) + 1) for cut in cuts), len(journal)]
        for start, end in itertools.pairwise(bounds):
            in_tables.append(*journal[start:end], pages=pages)
        for account in ACCOUNTS:
            assert in_tables.page(account, 0, 1000) == in_memory.page(account, 0, 1000)
            assert in_tables.page(account, 2, 3) == in_memory.page(account, 2, 3)
            for month in months_of(journal):
                assert in_tables.earnings(account, month) == in_memory.earnings(
                    account, EARNINGS, month
                )
        everything = [line for lines in journal for line in lines]
        assert in_tables.reading.totals == {
            account: Totals(
                sum(line.debit for line in everything if line.account == account),
                sum(line.credit for line in everything if line.account == account),
                sum(1 for line in everything if line.account == account),
            )
            for account in {line.account for line in everything}
        }
        assert in_tables.tables.journal(in_tables.generation) == (
            len(journal),
            sum(line.debit for line in everything),
            sum(line.credit for line in everything),
        )
        assert in_tables.page("creator:nobody:payable:USD", 0, 10) == []
    finally:
        in_tables.close()


def test_earnings_are_credits_of_earning_kinds_in_the_month_of_their_own_offset(
    kept: Kept,
) -> None:
    mia = ACCOUNTS[0]
    in_memory = MemoryPostingLines()
    # Position 3 is recorded at 01:00 on 1 February, two hours ahead of UTC (still January
    # in UTC); position 4 at 02:00 UTC on 1 February; position 5 is a payout.
    journal = [
        entry_lines(3, "impressions-billed", [(mia, 0, 40), (ACCOUNTS[1], 40, 0)]),
        entry_lines(4, "order-placed", [(mia, 0, 7), (mia, 2, 0)]),
        entry_lines(5, "payout-sent", [(mia, 0, 100)]),
    ]
    kept.append(*journal)
    for lines in journal:
        in_memory.append(lines)

    for store in (kept, in_memory):
        february = (
            kept.earnings(mia, "2025-02")
            if store is kept
            else in_memory.earnings(mia, EARNINGS, "2025-02")
        )
        assert [(line.position, line.credit) for line in february] == [(3, 40), (4, 7)]
        assert february[0].recorded_at.utcoffset() == timedelta(hours=2)
    assert kept.earnings(mia, "2025-01") == []
    assert [line.position for line in kept.page(mia, 1, 2)] == [4, 4]
    assert kept.reading.totals[mia] == Totals(debits=2, credits=147, lines=4)


# Statements -----------------------------------------------------------------------------------


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def statement_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """Where the statements' examples keep their tables: a SQLite file, or a schema of
    PostgreSQL; each example writes a generation of its own, dropped after it."""
    store = store_under_test(request, tmp_path_factory.mktemp("statements"), "statements")
    if store.schema:
        # The event store makes the schema the URL names; here no event store is opened.
        postgres_url: str = request.getfixturevalue("postgres_url")
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(store.schema))
            )
    return store.url


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(journal=journals, page=st.integers(min_value=1, max_value=7))
def test_a_statement_paged_through_lists_the_months_lines_once_and_its_balances(
    statement_store: str, journal: list[list[PostingLine]], page: int
) -> None:
    in_memory, in_tables = MemoryPostingLines(), Kept(statement_store)
    try:
        for lines in journal:
            in_memory.append(lines)
        in_tables.append(*journal, pages=[4])
        for account in ACCOUNTS:
            every = in_memory.page(account, 0, 10_000)
            closing = 0
            for month in sorted(months_of(journal)):
                totals, lines = in_tables.statement(account, month, page)
                earned = in_memory.earnings(account, EARNINGS, month)
                in_month = [line for line in every if f"{line.recorded_at:%Y-%m}" == month]
                # Every page says the same of the month; the pages, each line once, in order.
                assert set(totals) == {
                    PeriodTotals(
                        opening=sum(
                            line.credit - line.debit
                            for line in every
                            if f"{line.recorded_at:%Y-%m}" < month
                        ),
                        debits=sum(line.debit for line in in_month),
                        credits=sum(line.credit for line in in_month),
                        lines=len(in_month),
                        earned=sum(line.credit for line in earned),
                        earning_lines=len(earned),
                    )
                }
                assert lines == earned
                assert len(totals) == len(earned) // page + 1
                # A month opens with what the month before closed with.
                assert totals[0].opening == closing
                closing = totals[0].closing
            # The last month closes with the account's balance.
            assert closing == sum(line.credit - line.debit for line in every)
    finally:
        in_tables.close()


# Bounds ---------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(amounts=st.lists(st.integers(min_value=1, max_value=MAX_AMOUNT), min_size=1, max_size=9))
def test_any_amount_within_the_bound_is_kept_exactly(amounts: list[int]) -> None:
    mia, budget = ACCOUNTS[0], ACCOUNTS[1]
    in_tables = Kept()
    try:
        in_tables.append(
            *(
                entry_lines(position, "impressions-billed", [(budget, amount, 0), (mia, 0, amount)])
                for position, amount in enumerate(amounts, start=1)
            )
        )
        assert [line.credit for line in in_tables.page(mia, 0, 100)] == amounts
        assert [line.debit for line in in_tables.page(budget, 0, 100)] == amounts
        assert in_tables.reading.totals[mia].credits == sum(amounts)
    finally:
        in_tables.close()


@pytest.mark.parametrize("pages", [(), (2,), (1, 1)], ids=["entries", "a page", "pages"])
@pytest.mark.parametrize("amount", [2**63, 10**30])
def test_the_tables_refuse_a_line_they_cannot_keep_exactly_and_keep_nothing_of_its_batch(
    kept: Kept, amount: int, pages: tuple[int, ...]
) -> None:
    mia, budget = ACCOUNTS[0], ACCOUNTS[1]
    kept.append(entry_lines(3, "impressions-billed", [(mia, 0, 40)]))

    with pytest.raises(PostingLineNotStorable, match="at position 9"):
        kept.append(
            entry_lines(6, "impressions-billed", [(mia, 0, 1)]),
            entry_lines(9, "campaign-funded", [(budget, 0, amount), (mia, 0, 2)]),
            pages=pages,
        )

    assert [line.credit for line in kept.page(mia, 0, 10)] == [40]
    assert kept.page(budget, 0, 10) == []
    assert kept.reading.totals == {mia: Totals(0, 40, 1)}
    # The next batch numbers its lines from what was kept, not from what was refused.
    kept.append(entry_lines(12, "impressions-billed", [(mia, 0, 5)]))
    assert [(line.position, line.credit) for line in kept.page(mia, 0, 10)] == [
        (3, 40),
        (12, 5),
    ]
    assert kept.reading.totals[mia] == Totals(0, 45, 2)
    assert kept.tables.journal(kept.generation) == (2, 0, 45)


@pytest.mark.parametrize("pages", [(), (3,)], ids=["entries", "a page"])
def test_the_tables_refuse_an_entry_whose_totals_would_pass_their_integers(
    kept: Kept, pages: tuple[int, ...]
) -> None:
    funds = ACCOUNTS[2]
    kept.append(entry_lines(3, "campaign-funded", [(funds, 0, 2**62)]))

    with pytest.raises(PostingLineNotStorable, match=r"at position 6 .* totals"):
        kept.append(
            entry_lines(5, "campaign-funded", [(funds, 0, 1)]),
            entry_lines(6, "campaign-funded", [(funds, 0, 2**62)]),
            pages=pages,
        )

    assert kept.reading.totals[funds] == Totals(0, 2**62, 1)


def test_the_tables_and_the_model_rebuilt_in_memory_export_alike(kept: Kept) -> None:
    model = LedgerReadModel()
    apply = model.handlers[JournalEntry.Recorded.TOPIC]
    entries = []
    for position, amount in ((1, 500), (2, 7), (4, 1_000)):
        recorded = funding_recorded_before_the_bound(position, amount, OPENING_NIGHT)
        apply(recorded, position)
        entries.append(posting_lines(recorded, position, {}))
    kept.append(*entries)

    assert kept.reading.export() == model.export()
    assert kept.reading.export(lambda position: position * 10) == model.export(
        lambda position: position * 10
    )
