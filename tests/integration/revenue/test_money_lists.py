"""A creator's months of earnings and payouts, and the Pulse applications queue, read a page
at a time through the Python API from persisted read models: every item once, in a stable
order, at any page size, only the reader's own; the month sums agree with the statements;
a restarted core answers the same.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.errors import NotPermitted
from application.revenue.ledger_read_model import IMPRESSIONS_BILLED
from domain.errors import InvalidValue
from domain.money import Money
from domain.revenue.ledger import (
    JournalEntry,
    Posting,
    campaign_budget,
    creator_payable,
    credit,
    debit,
    platform,
)
from domain.revenue.payouts import PayoutStatus
from domain.revenue.pulse import EnrolmentStatus
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page

MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
ADMIN = Principal(Role.ADMIN, "ops")
AUDITOR = Principal(Role.AUDITOR, "ivy")
BUDGET = campaign_budget(UUID(int=7), "USD")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "money_lists")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def post(core: Spotlight, cause: str, kind: str, *postings: Posting) -> None:
    entry = JournalEntry.record(
        cause=cause, kind=kind, postings=list(postings), at=core.clock.now()
    )
    core._revenue.commit(entry, *core.ledger.accounts_for(entry))


def earn(core: Spotlight, creator: str, batch: str, minor: int, kind: str) -> None:
    """The creator earns ``minor`` from the budget, by an entry of ``kind``."""
    post(
        core,
        f"{kind}:{batch}",
        kind,
        debit(BUDGET, usd(minor)),
        credit(creator_payable(creator, "USD"), usd(minor), reference=f"video:{UUID(int=1)}"),
    )


def test_a_creators_months_sum_their_statements_and_page_oldest_first(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    clock = deployment.clock
    post(
        core,
        "funded",
        "campaign-funded",
        debit(platform("platform:brand-funds", "USD"), usd(1_000_00)),
        credit(BUDGET, usd(1_000_00)),
    )
    months = []
    for n in range(5):
        months.append(f"{clock.now():%Y-%m}")
        earn(core, "mia", f"pulse-{n}", 100 + n, IMPRESSIONS_BILLED)
        earn(core, "mia", f"order-{n}", 10, "order-placed")
        earn(core, "leo", f"leo-{n}", 7, IMPRESSIONS_BILLED)
        if n == 2:
            core.payouts.request(MIA, period=months[-1])
        clock.advance(timedelta(days=31))

    for limit in (1, 2, 3, 5, 50):
        listed = every_page(partial(core.ledger.earnings, MIA, limit=limit))
        assert [month.month for month in listed] == months
    listed = every_page(partial(core.ledger.earnings, MIA, limit=2))
    for month in listed:
        statement = core.ledger.statement(AUDITOR, "mia", month.month, "USD", limit=500)
        assert (month.earned, month.earnings) == (statement.earned, statement.earnings)
        assert (month.opening_balance, month.closing_balance) == (
            statement.opening_balance,
            statement.closing_balance,
        )
        assert (month.debits, month.credits) == (statement.debits, statement.credits)
        assert month.pulse + month.affiliate + month.campaign == month.earned
    assert [m.pulse.minor for m in listed] == [100, 101, 102, 103, 104]
    assert {m.affiliate.minor for m in listed} == {10}
    assert listed[2].debits == usd(100 + 101 + 102 + 30)  # everything payable, paid out
    assert listed[-1].closing_balance == core.ledger.balance_of(creator_payable("mia", "USD"))

    # Leo's are Leo's; an admin or auditor names whose; nobody else reads Mia's.
    assert [m.earned.minor for m in every_page(partial(core.ledger.earnings, LEO))] == [7] * 5
    assert every_page(partial(core.ledger.earnings, AUDITOR, "mia")) == listed
    with pytest.raises(NotPermitted):
        core.ledger.earnings(LEO, "mia")
    with pytest.raises(NotPermitted):
        core.ledger.earnings(ADMIN)
    # A cursor of another currency, or altered: refused, with why.
    cursor = core.ledger.earnings(MIA, limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidValue, match="earnings in USD, not in EUR"):
        core.ledger.earnings(MIA, currency="EUR", cursor=cursor)
    with pytest.raises(InvalidValue, match="altered"):
        core.ledger.earnings(MIA, cursor=cursor[:-2] + "AA")
    assert core.ledger.earnings(MIA, currency="EUR").items == ()

    again = deployment.fresh_start()
    assert every_page(partial(again.ledger.earnings, MIA, limit=3)) == listed


def test_a_creator_lists_their_payouts_in_the_order_requested_each_in_its_state_now(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    post(
        core,
        "funded",
        "campaign-funded",
        debit(platform("platform:brand-funds", "USD"), usd(1_000_00)),
        credit(BUDGET, usd(1_000_00)),
    )
    requested = []
    for month in range(7):
        period = f"{core.clock.now():%Y-%m}"
        earn(core, "mia", f"m-{month}", 1_00 + month, IMPRESSIONS_BILLED)
        earn(core, "leo", f"l-{month}", 50, IMPRESSIONS_BILLED)
        requested.append(core.payouts.request(MIA, period=period).id)
        core.payouts.request(LEO, period=period)
        deployment.clock.advance(timedelta(days=31))
    core.payouts.settle(ADMIN, requested[1], sent=True, reference="rail-1")
    core.payouts.settle(ADMIN, requested[4], sent=False, reason="account closed")

    for limit in (1, 2, 3, 7, 50):
        listed = every_page(partial(core.revenue_lists.payouts, MIA, limit=limit))
        assert [payout.id for payout in listed] == requested
    assert [p.amount.minor for p in listed] == [1_00 + n for n in range(7)]
    assert (listed[1].status, listed[1].reference) == (PayoutStatus.SENT, "rail-1")
    assert (listed[4].status, listed[4].return_reason) == (
        PayoutStatus.RETURNED,
        "account closed",
    )
    assert {p.status for n, p in enumerate(listed) if n not in (1, 4)} == {PayoutStatus.IN_TRANSIT}
    assert listed[0] == core.payouts.payout(MIA, requested[0])
    in_transit = every_page(
        partial(core.revenue_lists.payouts, MIA, status=PayoutStatus.IN_TRANSIT, limit=2)
    )
    assert [p.id for p in in_transit] == [requested[n] for n in (0, 2, 3, 5, 6)]
    assert {p.creator for p in every_page(partial(core.revenue_lists.payouts, LEO))} == {"leo"}
    with pytest.raises(NotPermitted):
        core.revenue_lists.payouts(LEO, "mia")

    again = deployment.fresh_start()
    assert every_page(partial(again.revenue_lists.payouts, AUDITOR, "mia")) == listed


def test_the_pulse_queue_holds_applications_awaiting_a_decision_in_the_order_made(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    names = [f"creator-{n}" for n in range(6)]
    for name in names:
        core.creators.register(Principal(Role.CREATOR, name), region="US")
        core.creators.count_followers(ADMIN, name, 150_000)
        core.pulse.apply(Principal(Role.CREATOR, name))
        deployment.clock.advance(timedelta(minutes=1))
    core.pulse.decide(ADMIN, names[1], approve=True, reason="meets the criteria")
    core.pulse.decide(ADMIN, names[2], approve=False, reason="too few views")
    core.pulse.decide(ADMIN, names[4], approve=False, reason="too few views")
    core.pulse.apply(Principal(Role.CREATOR, names[2]))  # back at the end of the queue

    for limit in (1, 2, 4, 50):
        queue = every_page(partial(core.revenue_lists.pulse_applications, ADMIN, limit=limit))
        assert [item.creator for item in queue] == [names[n] for n in (0, 3, 5, 2)]
    assert {item.status for item in queue} == {EnrolmentStatus.APPLIED}
    assert {item.followers for item in queue} == {150_000}
    rejected = every_page(
        partial(core.revenue_lists.pulse_applications, AUDITOR, status=EnrolmentStatus.REJECTED)
    )
    assert [(item.creator, item.reason) for item in rejected] == [(names[4], "too few views")]
    approved = core.revenue_lists.pulse_applications(ADMIN, status=EnrolmentStatus.APPROVED)
    assert [(a.creator, a.decided_by) for a in approved.items] == [(names[1], ADMIN.label)]

    cursor = core.revenue_lists.pulse_applications(ADMIN, limit=1).next_cursor
    with pytest.raises(InvalidValue, match="applied applications, not of the rejected"):
        core.revenue_lists.pulse_applications(ADMIN, status=EnrolmentStatus.REJECTED, cursor=cursor)
    for reader in (Principal(Role.CREATOR, names[0]), Principal(Role.REVIEWER, "rita")):
        with pytest.raises(NotPermitted):
            core.revenue_lists.pulse_applications(reader)

    again = deployment.fresh_start()
    assert every_page(partial(again.revenue_lists.pulse_applications, AUDITOR)) == queue
