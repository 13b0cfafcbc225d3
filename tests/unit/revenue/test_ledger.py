"""The double-entry ledger: balanced entries in one currency, whole minor units, known
accounts, and limits that hold even for an account loaded from a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given
from hypothesis import strategies as st

from application.errors import StaleVersion
from application.logs import SNAPSHOT_EVERY, RevenueLog
from domain.errors import InvalidValue
from domain.money import CurrencyMismatch, Money
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    PLATFORM_PAID_OUT,
    PLATFORM_REVENUE,
    JournalEntry,
    LedgerAccount,
    Limit,
    LimitExceeded,
    Posting,
    Unbalanced,
    campaign_budget,
    creator_in_transit,
    creator_payable,
    credit,
    currency_of,
    debit,
    limit_of,
    owner_of,
    platform,
    post_to_accounts,
)
from tests.fakes import OPENING_NIGHT

NOW = OPENING_NIGHT
CAMPAIGN = UUID("00000000-0000-0000-0000-00000000c0de")
MIA_PAYABLE = creator_payable("mia", "USD")
MIA_IN_TRANSIT = creator_in_transit("mia", "USD")
LEO_PAYABLE = creator_payable("leo", "USD")
BUDGET = campaign_budget(CAMPAIGN, "USD")
REVENUE = platform(PLATFORM_REVENUE, "USD")
BRAND_FUNDS = platform(PLATFORM_BRAND_FUNDS, "USD")
PAID_OUT = platform(PLATFORM_PAID_OUT, "USD")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def entry(cause: str, *postings: Posting, kind: str = "test") -> JournalEntry:
    return JournalEntry.record(cause=cause, kind=kind, postings=postings, at=NOW)


def earned(creator_account: str, minor: int, cause: str) -> JournalEntry:
    """The creator earns ``minor`` from the platform's brand funds."""
    return entry(cause, debit(BRAND_FUNDS, usd(minor)), credit(creator_account, usd(minor)))


def paid_out(creator_account: str, minor: int, cause: str) -> JournalEntry:
    return entry(cause, debit(creator_account, usd(minor)), credit(PAID_OUT, usd(minor)))


def opened(code: str) -> LedgerAccount:
    return LedgerAccount.open(code, at=NOW)


# Account codes ------------------------------------------------------------------------------


def test_account_codes_say_whose_they_are_their_currency_and_their_limit() -> None:
    assert MIA_PAYABLE == "creator:mia:payable:USD"
    assert (currency_of(MIA_PAYABLE), owner_of(MIA_PAYABLE)) == ("USD", "mia")
    assert limit_of(MIA_PAYABLE) is Limit.DEBITS_WITHIN_CREDITS
    assert limit_of(MIA_IN_TRANSIT) is Limit.DEBITS_WITHIN_CREDITS
    assert limit_of(BUDGET) is Limit.DEBITS_WITHIN_CREDITS
    assert owner_of(BUDGET) is None
    for platform_account in (REVENUE, BRAND_FUNDS, PAID_OUT):
        assert limit_of(platform_account) is Limit.NONE
        assert owner_of(platform_account) is None
    assert currency_of(platform(PLATFORM_REVENUE, "JPY")) == "JPY"


@pytest.mark.parametrize(
    "code",
    [
        "creator:mia:savings:USD",
        "creator:mia:payable",
        "campaign:x:spent:USD",
        "platform:revenue",
        "platform:tips:USD",
        "shop:till:USD",
        "",
    ],
)
def test_unknown_accounts_are_refused(code: str) -> None:
    with pytest.raises(InvalidValue, match="unknown account"):
        limit_of(code)
    with pytest.raises(InvalidValue):
        Posting(account=code, debit=100)


@pytest.mark.parametrize(
    "code", ["creator:mia:payable:XYZ", "platform:revenue:usd", "campaign:c:budget:DOGE"]
)
def test_an_account_in_an_unknown_currency_takes_no_entry(code: str) -> None:
    with pytest.raises(InvalidValue, match="known currency"):
        currency_of(code)
    with pytest.raises(InvalidValue):
        entry("cause-1", Posting(account=code, debit=5), Posting(account=REVENUE, credit=5))


# Postings: positive whole minor units -------------------------------------------------------


@pytest.mark.parametrize(
    ("debit_side", "credit_side"),
    [
        (0, 0),  # nothing
        (5, 5),  # both sides at once
        (-5, 0),
        (0, -5),
        (2.5, 0),  # a float is never money
        (5.0, 0),
        (True, 0),  # nor a boolean
        ("5", 0),
    ],
)
def test_a_posting_debits_or_credits_a_positive_whole_number_of_minor_units(
    debit_side: object, credit_side: object
) -> None:
    with pytest.raises(InvalidValue):
        Posting(account=MIA_PAYABLE, debit=debit_side, credit=credit_side)  # type: ignore[arg-type]


def test_debit_and_credit_take_positive_money_of_the_accounts_currency() -> None:
    assert debit(MIA_PAYABLE, usd(250), "video:1") == Posting(
        account=MIA_PAYABLE, debit=250, reference="video:1"
    )
    assert credit(REVENUE, usd(3)).amount == 3
    for zero_or_less in (usd(0), usd(-1)):
        with pytest.raises(InvalidValue, match="more than zero"):
            debit(MIA_PAYABLE, zero_or_less)
        with pytest.raises(InvalidValue, match="more than zero"):
            credit(MIA_PAYABLE, zero_or_less)
    with pytest.raises(CurrencyMismatch):
        credit(MIA_PAYABLE, Money(100, "EUR"))
    with pytest.raises(InvalidValue, match="whole minor units"):
        credit(MIA_PAYABLE, Money(1.5, "USD"))  # type: ignore[arg-type]


# Journal entries ----------------------------------------------------------------------------


def test_a_balanced_entry_is_recorded_under_the_id_of_its_cause() -> None:
    recorded = entry(
        "impression-batch:7",
        debit(BUDGET, usd(1_001)),
        credit(MIA_PAYABLE, usd(301), "video:a"),
        credit(MIA_PAYABLE, usd(200), "video:b"),
        credit(REVENUE, usd(500)),
        kind="impressions-billed",
    )

    assert recorded.id == JournalEntry.id_for("impression-batch:7")
    assert recorded.id != JournalEntry.id_for("impression-batch:8")
    assert (recorded.currency, recorded.kind, recorded.cause) == (
        "USD",
        "impressions-billed",
        "impression-batch:7",
    )
    assert recorded.net_by_account() == {
        BUDGET: (1_001, 0),
        MIA_PAYABLE: (0, 501),
        REVENUE: (0, 500),
    }
    assert [type(e).__name__ for e in recorded.collect_events()] == ["Recorded"]


def test_an_entry_whose_debits_and_credits_differ_is_refused() -> None:
    with pytest.raises(Unbalanced, match="debits 100 and credits 99 differ"):
        entry("cause", debit(BRAND_FUNDS, usd(100)), credit(MIA_PAYABLE, usd(99)))
    with pytest.raises(Unbalanced):
        entry("cause", credit(BRAND_FUNDS, usd(100)), credit(MIA_PAYABLE, usd(100)))


def test_one_entry_moves_one_currency() -> None:
    with pytest.raises(CurrencyMismatch, match="one entry, one currency; got EUR, USD"):
        entry(
            "cause",
            debit(platform(PLATFORM_BRAND_FUNDS, "EUR"), Money(100, "EUR")),
            credit(MIA_PAYABLE, usd(100)),
        )


@pytest.mark.parametrize("legs", [0, 1])
def test_an_entry_has_at_least_two_legs(legs: int) -> None:
    postings = [debit(BRAND_FUNDS, usd(100))][:legs]
    with pytest.raises(InvalidValue, match="2 to"):
        entry("cause", *postings)


@pytest.mark.parametrize(("cause", "kind"), [("", "kind"), ("cause", "")])
def test_an_entry_names_its_cause_and_kind(cause: str, kind: str) -> None:
    with pytest.raises(InvalidValue, match="kind and its cause"):
        JournalEntry.record(
            cause=cause,
            kind=kind,
            postings=[debit(BRAND_FUNDS, usd(1)), credit(REVENUE, usd(1))],
            at=NOW,
        )


def test_an_entry_needs_an_unambiguous_time() -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        JournalEntry.record(
            cause="cause",
            kind="kind",
            postings=[debit(BRAND_FUNDS, usd(1)), credit(REVENUE, usd(1))],
            at=datetime(2025, 3, 1, 20, 0),  # naive on purpose
        )


amounts = st.integers(min_value=1, max_value=10**12)
codes = st.sampled_from([MIA_PAYABLE, LEO_PAYABLE, BUDGET, REVENUE, BRAND_FUNDS, PAID_OUT])


@given(
    debits=st.lists(st.tuples(codes, amounts), min_size=1, max_size=6),
    credits=st.lists(st.tuples(codes, amounts), min_size=1, max_size=6),
)
def test_an_entry_is_recorded_exactly_when_its_two_sides_add_up(
    debits: list[tuple[str, int]], credits: list[tuple[str, int]]
) -> None:
    postings = [debit(code, usd(minor)) for code, minor in debits] + [
        credit(code, usd(minor)) for code, minor in credits
    ]
    total_debits = sum(minor for _, minor in debits)
    total_credits = sum(minor for _, minor in credits)

    if total_debits != total_credits:
        with pytest.raises(Unbalanced):
            entry("cause", *postings)
        return
    recorded = entry("cause", *postings)
    net = recorded.net_by_account()
    assert sum(d for d, _ in net.values()) == sum(c for _, c in net.values()) == total_debits


# Limited accounts ---------------------------------------------------------------------------


def test_platform_accounts_have_no_limit_and_no_aggregate() -> None:
    for code in (REVENUE, BRAND_FUNDS, PAID_OUT):
        with pytest.raises(InvalidValue, match="no limit to keep"):
            LedgerAccount.open(code, at=NOW)


def test_an_account_opens_empty_and_holds_credits_less_debits() -> None:
    account = opened(MIA_PAYABLE)
    assert (account.id, account.code, account.currency) == (
        LedgerAccount.id_for(MIA_PAYABLE),
        MIA_PAYABLE,
        "USD",
    )
    assert account.limit is Limit.DEBITS_WITHIN_CREDITS
    assert account.balance == usd(0)

    account.post(earned(MIA_PAYABLE, 700, "earned-1"))
    account.post(paid_out(MIA_PAYABLE, 250, "paid-1"))

    assert account.balance == usd(450)
    assert (account.debits_posted, account.credits_posted, account.version) == (250, 700, 3)


def test_an_account_pays_out_what_it_holds_and_not_one_minor_unit_more() -> None:
    account = opened(MIA_PAYABLE)
    account.post(earned(MIA_PAYABLE, 500, "earned-1"))

    with pytest.raises(LimitExceeded, match=r"holds 5\.00 USD"):
        account.post(paid_out(MIA_PAYABLE, 501, "too-much"))
    assert (account.balance, account.version) == (usd(500), 2)

    account.post(paid_out(MIA_PAYABLE, 500, "everything"))
    assert account.balance == usd(0)
    with pytest.raises(LimitExceeded):
        account.post(paid_out(MIA_PAYABLE, 1, "one-more-cent"))
    assert (account.balance, account.version) == (usd(0), 3)


def test_an_account_refuses_an_entry_that_does_not_touch_it() -> None:
    with pytest.raises(InvalidValue, match="does not touch"):
        opened(MIA_PAYABLE).post(earned(LEO_PAYABLE, 10, "leo-earned"))


def test_an_entry_moving_money_within_one_account_is_judged_on_its_net_effect() -> None:
    account = opened(MIA_PAYABLE)
    churn = entry("churn", credit(MIA_PAYABLE, usd(40)), debit(MIA_PAYABLE, usd(40)))

    account.post(churn)

    assert account.balance == usd(0)
    assert (account.debits_posted, account.credits_posted) == (40, 40)


def test_a_refused_leg_leaves_every_account_of_the_entry_as_it_was() -> None:
    mia, leo = opened(MIA_PAYABLE), opened(LEO_PAYABLE)
    mia.post(earned(MIA_PAYABLE, 1_000, "mia-earned"))
    leo.post(earned(LEO_PAYABLE, 100, "leo-earned"))
    # Mia's leg fits, Leo's does not; Mia's comes first, so a careless poster would change it.
    both = entry(
        "pay-both",
        debit(MIA_PAYABLE, usd(600)),
        debit(LEO_PAYABLE, usd(101)),
        credit(PAID_OUT, usd(701)),
    )

    with pytest.raises(LimitExceeded, match="creator:leo:payable:USD"):
        post_to_accounts(both, {MIA_PAYABLE: mia, LEO_PAYABLE: leo})

    assert (mia.balance, mia.version) == (usd(1_000), 2)
    assert (leo.balance, leo.version) == (usd(100), 2)


def test_posting_an_entry_changes_every_limited_account_it_touches() -> None:
    mia, budget = opened(MIA_PAYABLE), opened(BUDGET)
    budget.post(entry("funded", debit(BRAND_FUNDS, usd(2_000)), credit(BUDGET, usd(2_000))))
    billed = entry(
        "billed",
        debit(BUDGET, usd(1_001)),
        credit(MIA_PAYABLE, usd(501)),
        credit(REVENUE, usd(500)),
    )

    changed = post_to_accounts(billed, {MIA_PAYABLE: mia, BUDGET: budget})

    assert {account.code for account in changed} == {MIA_PAYABLE, BUDGET}
    assert (budget.balance, mia.balance) == (usd(999), usd(501))


def test_an_entry_is_posted_only_with_every_limited_account_it_touches() -> None:
    mia = opened(MIA_PAYABLE)
    billed = entry("billed", debit(BUDGET, usd(10)), credit(MIA_PAYABLE, usd(10)))

    with pytest.raises(InvalidValue, match="not handed in: campaign:"):
        post_to_accounts(billed, {MIA_PAYABLE: mia})
    assert (mia.balance, mia.version) == (usd(0), 1)


@given(moves=st.lists(st.tuples(st.booleans(), st.integers(1, 500)), max_size=40))
def test_a_limited_account_never_goes_below_zero_whatever_is_asked_of_it(
    moves: list[tuple[bool, int]],
) -> None:
    account = opened(MIA_PAYABLE)
    expected = 0
    for number, (earning, minor) in enumerate(moves):
        cause = f"move-{number}"
        move = earned(MIA_PAYABLE, minor, cause) if earning else paid_out(MIA_PAYABLE, minor, cause)
        if earning or minor <= expected:
            account.post(move)
            expected += minor if earning else -minor
        else:
            with pytest.raises(LimitExceeded):
                account.post(move)
        assert account.balance == usd(expected)
        assert account.balance.minor >= 0


# Snapshots ----------------------------------------------------------------------------------


def memory_revenue_log() -> RevenueLog:
    return RevenueLog({"PERSISTENCE_MODULE": "eventsourcing.popo"})


def post_and_save(revenue: RevenueLog, entries: Sequence[JournalEntry]) -> None:
    """As the use cases do: load (or open) the account, post, save entry and account."""
    for each in entries:
        [code] = [c for c in each.net_by_account() if limit_of(c) is not Limit.NONE]
        found = revenue.find(LedgerAccount, LedgerAccount.id_for(code))
        account = found or LedgerAccount.open(code, at=each.recorded_at)
        revenue.commit(each, *post_to_accounts(each, {code: account}))


def test_an_account_takes_a_snapshot_every_hundred_events_and_its_limit_still_holds() -> None:
    revenue = memory_revenue_log()
    postings = 2 * SNAPSHOT_EVERY + 30
    post_and_save(revenue, [earned(MIA_PAYABLE, 10, f"earned-{n}") for n in range(postings)])
    account_id = LedgerAccount.id_for(MIA_PAYABLE)

    assert revenue.snapshots is not None
    snapshots = list(revenue.snapshots.get(account_id))
    assert [s.originator_version for s in snapshots] == [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY]

    loaded = revenue.load(LedgerAccount, account_id)
    assert loaded.version == postings + 1
    assert loaded.balance == usd(10 * postings)
    with pytest.raises(LimitExceeded):
        loaded.post(paid_out(MIA_PAYABLE, 10 * postings + 1, "more-than-earned"))
    assert loaded.balance == usd(10 * postings)

    # Exactly at a snapshot (nothing after it to replay), the limit still holds too.
    at_snapshot: LedgerAccount = revenue.repository.get(account_id, version=2 * SNAPSHOT_EVERY)
    assert at_snapshot.balance == usd(10 * (2 * SNAPSHOT_EVERY - 1))
    with pytest.raises(LimitExceeded):
        at_snapshot.post(paid_out(MIA_PAYABLE, 10 * (2 * SNAPSHOT_EVERY - 1) + 1, "too-much"))


def test_an_account_rebuilt_from_its_latest_snapshot_equals_one_replayed_from_the_start() -> None:
    revenue = memory_revenue_log()
    moves = [earned(MIA_PAYABLE, 7, f"earned-{n}") for n in range(SNAPSHOT_EVERY + 20)]
    moves += [paid_out(MIA_PAYABLE, 3, f"paid-{n}") for n in range(SNAPSHOT_EVERY)]
    post_and_save(revenue, moves)
    account_id = LedgerAccount.id_for(MIA_PAYABLE)

    from_snapshot = revenue.load(LedgerAccount, account_id)
    from_events: LedgerAccount | None = None
    for recorded in revenue.events.get(account_id):
        assert isinstance(recorded, Aggregate.Event)
        from_events = recorded.mutate(from_events)
    assert isinstance(from_events, LedgerAccount)

    assert from_snapshot.balance == from_events.balance == usd(7 * 120 - 3 * 100)
    assert (from_snapshot.debits_posted, from_snapshot.credits_posted) == (
        from_events.debits_posted,
        from_events.credits_posted,
    )
    assert Limit(from_snapshot.limit) is Limit(from_events.limit)


def test_an_account_from_a_snapshot_refuses_an_overdraft_and_records_nothing() -> None:
    revenue = memory_revenue_log()
    post_and_save(revenue, [earned(MIA_PAYABLE, 1, f"earned-{n}") for n in range(SNAPSHOT_EVERY)])
    account_id = LedgerAccount.id_for(MIA_PAYABLE)
    before = revenue.recorder.max_notification_id()

    with pytest.raises(LimitExceeded):
        post_and_save(revenue, [paid_out(MIA_PAYABLE, SNAPSHOT_EVERY + 1, "overdraft")])

    assert revenue.recorder.max_notification_id() == before
    assert revenue.load(LedgerAccount, account_id).balance == usd(SNAPSHOT_EVERY)
    post_and_save(revenue, [paid_out(MIA_PAYABLE, SNAPSHOT_EVERY, "everything")])
    assert revenue.load(LedgerAccount, account_id).balance == usd(0)


def test_the_same_cause_never_posts_twice() -> None:
    revenue = memory_revenue_log()
    post_and_save(revenue, [earned(MIA_PAYABLE, 100, "impression-batch:1")])
    later = NOW + timedelta(hours=1)
    again = JournalEntry.record(
        cause="impression-batch:1",
        kind="test",
        postings=[debit(BRAND_FUNDS, usd(100)), credit(MIA_PAYABLE, usd(100))],
        at=later,
    )
    with pytest.raises(StaleVersion):
        post_and_save(revenue, [again])
    assert revenue.load(LedgerAccount, LedgerAccount.id_for(MIA_PAYABLE)).balance == usd(100)
