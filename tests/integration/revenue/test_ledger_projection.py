"""The ledger's balances, postings and statements kept by its projection: a restarted core
applies nothing again and answers the same, a batch cut short counts nothing twice, an
account's postings page by line number and never move, and an entry the tables cannot keep
stops the ledger at its position.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.projections import Batch
from application.revenue.ledger_projection import LEDGER, LedgerTables
from application.revenue.ledger_read_model import (
    IMPRESSIONS_BILLED,
    LedgerUnreadable,
    PostingLine,
)
from domain.errors import InvalidValue
from domain.money import Money
from domain.revenue.ledger import (
    JournalEntry,
    campaign_budget,
    creator_in_transit,
    creator_payable,
    credit,
    debit,
    platform,
)
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.fakes import FixedClock, SequentialIdentities
from tests.unbounded import bounds_lifted

AUDITOR = Principal(Role.AUDITOR, "ivy")
DANCE = UUID(int=7)
BUDGET = campaign_budget(DANCE, "USD")
BRAND_FUNDS = platform("platform:brand-funds", "USD")
REVENUE = platform("platform:revenue", "USD")
MIA = creator_payable("mia", "USD")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "ledger")


class Cores:
    """Processes of the service started, one after the other, on one store."""

    def __init__(self, store: StoreUnderTest, data_dir: Path) -> None:
        self.settings = Settings(
            store=parse_store(store.url), data_dir=data_dir, secret=TEST_SECRET
        )
        self.clock = FixedClock()
        self.started: list[Spotlight] = []

    def start(self) -> Spotlight:
        core = bootstrap(self.settings, clock=self.clock, identities=SequentialIdentities())
        self.started.append(core)
        return core

    def stop(self, core: Spotlight) -> None:
        self.started.remove(core)
        core.close()


@pytest.fixture
def cores(store: StoreUnderTest, tmp_path: Path) -> Iterator[Cores]:
    running = Cores(store, tmp_path)
    yield running
    for core in list(running.started):
        running.stop(core)


def fund(core: Spotlight, minor: int) -> None:
    """The brand funds the dance campaign's budget."""
    entry = JournalEntry.record(
        cause=f"campaign-funded:{core.clock.now().isoformat()}",
        kind="campaign-funded",
        postings=[debit(BRAND_FUNDS, usd(minor)), credit(BUDGET, usd(minor))],
        at=core.clock.now(),
    )
    core._revenue.save(entry)


def bill(core: Spotlight, batch: str, share: int, *, platform_cut: int = 10) -> None:
    """A batch of impressions billed to the budget: Mia's share of it, and the platform's."""
    video = UUID(int=len(batch))
    entry = JournalEntry.record(
        cause=f"impression-batch:{batch}",
        kind=IMPRESSIONS_BILLED,
        postings=[
            debit(BUDGET, usd(share + platform_cut)),
            credit(MIA, usd(share), reference=f"video:{video}"),
            credit(REVENUE, usd(platform_cut)),
        ],
        at=core.clock.now(),
    )
    core._revenue.save(entry)


def applied(core: Spotlight) -> int:
    generation = core.projections.active(LEDGER)
    return core.projection_store.positions(LEDGER, generation)["revenue"]


def test_a_restarted_core_applies_nothing_again_and_answers_the_same(cores: Cores) -> None:
    first = cores.start()
    fund(first, 100_00)
    for n in range(5):
        bill(first, f"march-{n}", 1_00 + n)
    cores.clock.advance(timedelta(days=31))
    bill(first, "april-0", 2_50)
    budget = first.ledger.account(AUDITOR, BUDGET)
    march = first.ledger.statement(AUDITOR, "mia", "2025-03", "USD")
    april = first.ledger.statement(AUDITOR, "mia", "2025-04", "USD")
    reached = applied(first)
    cores.stop(first)

    second = cores.start()

    # Started, it has read nothing; caught up, nothing was left to apply.
    assert applied(second) == reached
    assert second.projections.catch_up(LEDGER) == 0
    assert second.ledger.account(AUDITOR, BUDGET) == budget
    assert second.ledger.statement(AUDITOR, "mia", "2025-03", "USD") == march
    assert second.ledger.statement(AUDITOR, "mia", "2025-04", "USD") == april
    assert budget.balance == usd(100_00 - sum(1_10 + n for n in range(5)) - 2_60)
    assert march.earned == usd(sum(1_00 + n for n in range(5)))
    assert [line.source for line in march.items] == ["pulse"] * 5
    assert april.earned == usd(2_50)

    # What is recorded after the restart is applied once, on top.
    bill(second, "april-1", 3_00)
    assert second.projections.catch_up(LEDGER) == 1
    assert second.ledger.statement(AUDITOR, "mia", "2025-04", "USD").earned == usd(5_50)
    reading = second.ledger.reading()
    assert (reading.entries, reading.debits) == (8, reading.credits)


class CutShort:
    """The ledger's tables, in a process killed after a number of entries of a batch."""

    def __init__(self, tables: LedgerTables, after: int) -> None:
        self.tables = tables
        self.after = after
        self.recorded = 0

    def record(self, batch: Batch, lines: Sequence[PostingLine]) -> None:
        if self.recorded == self.after:
            raise KeyboardInterrupt("killed mid-batch")
        self.recorded += 1
        self.tables.record(batch, lines)

    def record_page(self, batch: Batch, entries: Sequence[Sequence[PostingLine]]) -> None:
        # Killed part way through the page, after writing its first entries.
        written = entries[: max(0, self.after - self.recorded)]
        if written:
            self.tables.record_page(batch, written)
            self.recorded += len(written)
        if len(written) < len(entries):
            raise KeyboardInterrupt("killed mid-page")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tables, name)


def test_a_batch_cut_short_counts_nothing_twice(cores: Cores) -> None:
    core = cores.start()
    fund(core, 50_00)
    bill(core, "march-0", 1_00)
    core.ledger.account(AUDITOR, BUDGET)
    before = applied(core)
    for n in range(1, 6):
        bill(core, f"march-{n}", 1_00)
    projection = core.ledger.projection
    tables = projection.tables
    projection.tables = CutShort(tables, after=3)

    with pytest.raises(KeyboardInterrupt):
        core.projections.catch_up(LEDGER)

    # The batch left nothing: not its first entries, not the position.
    projection.tables = tables
    assert applied(core) == before
    assert core.ledger.projection.reading(core.projections.active(LEDGER)).entries == 2
    assert core.projections.catch_up(LEDGER) == 5
    view = core.ledger.account(AUDITOR, MIA)
    assert view.balance == usd(6_00)
    assert [line.cause for line in view.postings] == [
        f"impression-batch:march-{n}" for n in range(6)
    ]
    reading = core.ledger.reading()
    assert (reading.entries, reading.debits, reading.credits) == (7, 50_00 + 6_60, 50_00 + 6_60)
    assert reading.totals[BUDGET].lines == 7


def test_an_accounts_postings_page_by_line_number_and_never_move(cores: Cores) -> None:
    core = cores.start()
    fund(core, 100_00)
    for n in range(25):
        bill(core, f"march-{n:02}", 1_00 + n)

    pages, cursor = [], 0
    while True:
        view = core.ledger.account(AUDITOR, MIA, cursor=cursor, limit=10)
        pages.append(view.postings)
        if view.next_cursor is None:
            break
        cursor = view.next_cursor
    listed = [line for page in pages for line in page]

    assert [len(page) for page in pages] == [10, 10, 5]
    assert [line.credit for line in listed] == [1_00 + n for n in range(25)]
    assert listed == list(core.ledger.reading().every_line(MIA))
    assert [line.position for line in listed] == sorted(line.position for line in listed)

    # Later postings come after: a page already read reads the same, the last one goes on.
    for n in range(25, 30):
        bill(core, f"march-{n:02}", 1_00 + n)
    assert core.ledger.account(AUDITOR, MIA, cursor=10, limit=10).postings == pages[1]
    last = core.ledger.account(AUDITOR, MIA, cursor=20, limit=10)
    assert last.postings[:5] == pages[2]
    assert (len(last.postings), last.next_cursor) == (10, None)
    assert core.ledger.account(AUDITOR, MIA, cursor=30, limit=10).postings == ()


def paid_out(core: Spotlight, minor: int) -> None:
    """Mia asks for a payout: her payable account is debited."""
    entry = JournalEntry.record(
        cause=f"payout:{core.clock.now().isoformat()}",
        kind="payout-requested",
        postings=[debit(MIA, usd(minor)), credit(creator_in_transit("mia", "USD"), usd(minor))],
        at=core.clock.now(),
    )
    core._revenue.save(entry)


def test_a_statement_pages_its_months_earnings_with_the_months_balances(cores: Cores) -> None:
    core = cores.start()
    fund(core, 100_00)
    for n in range(7):
        bill(core, f"march-{n}", 1_00 + n)
    paid_out(core, 3_00)
    cores.clock.advance(timedelta(days=31))
    bill(core, "april-0", 2_50)

    pages = [core.ledger.statement(AUDITOR, "mia", "2025-03", "USD", limit=3)]
    while pages[-1].next_cursor is not None:
        pages.append(
            core.ledger.statement(
                AUDITOR, "mia", "2025-03", "USD", cursor=pages[-1].next_cursor, limit=3
            )
        )
    whole = core.ledger.statement(AUDITOR, "mia", "2025-03", "USD", limit=500)

    assert [len(page.items) for page in pages] == [3, 3, 1]
    assert [item for page in pages for item in page.items] == list(whole.items)
    assert [item.amount for item in whole.items] == [usd(1_00 + n) for n in range(7)]
    earned = sum(1_00 + n for n in range(7))
    for page in (*pages, whole):
        assert (page.earned, page.earnings) == (usd(earned), 7)
        assert (page.opening_balance, page.credits, page.debits) == (usd(0), usd(earned), usd(3_00))
        assert page.closing_balance == usd(earned - 3_00)
    april = core.ledger.statement(AUDITOR, "mia", "2025-04", "USD")
    assert april.opening_balance == whole.closing_balance
    assert april.closing_balance == core.ledger.account(AUDITOR, MIA).balance

    # A cursor another month or currency gave, one altered or none gave, the readable form
    # statements gave before their cursors were the shared ones, or a page too large:
    # refused, with why.
    with pytest.raises(InvalidValue, match="statement of 2025-03 in USD, not of 2025-04"):
        core.ledger.statement(AUDITOR, "mia", "2025-04", "USD", cursor=pages[0].next_cursor)
    with pytest.raises(InvalidValue, match="not of 2025-03 in EUR"):
        core.ledger.statement(AUDITOR, "mia", "2025-03", "EUR", cursor=pages[0].next_cursor)
    assert pages[0].next_cursor is not None
    for forged in ("x", "2025-04", pages[0].next_cursor[:-2] + "AA"):
        with pytest.raises(InvalidValue, match="altered or is not one a list gave"):
            core.ledger.statement(AUDITOR, "mia", "2025-04", "USD", cursor=forged)
    with pytest.raises(InvalidValue, match="old readable form"):
        core.ledger.statement(AUDITOR, "mia", "2025-03", "USD", cursor="2025-03.2")
    with pytest.raises(InvalidValue, match="page size"):
        core.ledger.statement(AUDITOR, "mia", "2025-04", "USD", limit=501)
    with pytest.raises(InvalidValue, match="YYYY-MM"):
        core.ledger.statement(AUDITOR, "mia", "2025-13", "USD")


def test_an_entry_its_tables_cannot_keep_stops_the_ledger_at_its_position(
    cores: Cores,
) -> None:
    core = cores.start()
    fund(core, 10_00)
    bill(core, "march-0", 1_00)
    with bounds_lifted():
        # Recorded before amounts had a bound: beyond the tables' 64-bit integers.
        core._revenue.save(
            JournalEntry.record(
                cause="campaign-funded:huge",
                kind="campaign-funded",
                postings=[debit(BRAND_FUNDS, usd(2**63)), credit(BUDGET, usd(2**63))],
                at=core.clock.now(),
            )
        )
    position = core._revenue.recorder.max_notification_id()
    bill(core, "march-1", 1_00)

    with pytest.raises(LedgerUnreadable, match=f"at position {position}") as refused:
        core.ledger.account(AUDITOR, MIA)

    assert "cannot be kept" in str(refused.value)
    with pytest.raises(LedgerUnreadable):
        core.ledger.statement(AUDITOR, "mia", "2025-03", "USD")
    [status] = [s for s in core.projections.status() if s.name == LEDGER]
    assert status.failure is not None
    assert status.failure.position == position
    assert status.positions["revenue"] < position
    # A restarted core refuses alike, and still starts.
    cores.stop(core)
    again = cores.start()
    with pytest.raises(LedgerUnreadable, match=f"at position {position}"):
        again.ledger.reading()
    # With workers a reading does not catch up: it refuses by the failure they recorded.
    again.projections.inline = False
    with pytest.raises(LedgerUnreadable, match=f"at position {position}"):
        again.ledger.statement(AUDITOR, "mia", "2025-03", "USD")


def test_a_rebuilt_generation_answers_as_the_one_it_replaces(cores: Cores) -> None:
    core = cores.start()
    fund(core, 20_00)
    for n in range(3):
        bill(core, f"march-{n}", 1_00 + n)
    before = core.ledger.reading().export()
    statement = core.ledger.statement(AUDITOR, "mia", "2025-03", "USD")
    old = core.projections.active(LEDGER)

    rebuilt = core.projections.rebuild(LEDGER)

    assert rebuilt != old
    assert core.ledger.reading().export() == before
    assert core.ledger.statement(AUDITOR, "mia", "2025-03", "USD") == statement
    bill(core, "march-3", 1_03)
    assert core.ledger.account(AUDITOR, MIA).balance == usd(1_00 + 1_01 + 1_02 + 1_03)
