"""Bounds on money and quantities: every amount a command moves is at most 10**15 minor units
and every quantity at most 10**9, so every store holds them exactly; anything beyond is
refused with InvalidValue, and an event recorded before the bounds existed still loads."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given
from hypothesis import strategies as st

from application.transcodings import register_domain_transcodings
from domain.bounds import MAX_AMOUNT, MAX_QUANTITY
from domain.business.campaigns import Campaign, Kpi, KpiTarget
from domain.business.invitations import Invitation, Terms
from domain.business.studios import Studio
from domain.errors import InvalidValue
from domain.money import MINOR_DIGITS, Money
from domain.revenue.creators import Creator
from domain.revenue.ledger import JournalEntry, Posting, campaign_budget, credit, debit, platform
from domain.revenue.pulse import Placement, PulseCampaign
from domain.shop.listings import Listing, Seller
from domain.shop.orders import Order
from tests.fakes import OPENING_NIGHT
from tests.unbounded import funding_recorded_before_the_bound

NOW = OPENING_NIGHT
HUGE = (MAX_AMOUNT + 1, 2**63, 10**30)
currencies = st.sampled_from(sorted(MINOR_DIGITS))


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def transcoder() -> JSONTranscoder:
    coder = JSONTranscoder()
    register_domain_transcodings(coder)
    return coder


@given(minor=st.integers(min_value=1, max_value=MAX_AMOUNT), currency=currencies)
def test_any_amount_within_the_bound_is_an_amount_and_round_trips_exactly(
    minor: int, currency: str
) -> None:
    amount = Money(minor, currency).require_amount("an amount")

    coder = transcoder()
    assert coder.decode(coder.encode(amount)) == amount


@given(minor=st.integers(min_value=MAX_AMOUNT + 1), currency=currencies)
def test_any_amount_beyond_the_bound_is_refused(minor: int, currency: str) -> None:
    with pytest.raises(InvalidValue, match="at most 1,000,000,000,000,000 minor units"):
        Money(minor, currency).require_amount("an amount")


def test_sums_and_balances_are_money_without_a_bound() -> None:
    assert usd(MAX_AMOUNT) + usd(MAX_AMOUNT) == usd(2 * MAX_AMOUNT)


# Budgets, prices, fees ----------------------------------------------------------------------


def pulse_campaign(budget: Money, cpm: Money) -> PulseCampaign:
    return PulseCampaign.launch(
        uuid4(),
        brand="fizz",
        name="Fizz",
        category="dance",
        budget=budget,
        cpm=cpm,
        starts_at=NOW,
        ends_at=NOW + timedelta(days=30),
        at=NOW,
    )


def business_campaign(budget: Money) -> Campaign:
    return Campaign.launch(
        uuid4(),
        brand="glow",
        name="Glow",
        objective="engagement",
        budget=budget,
        starts_on=NOW.date(),
        ends_on=NOW.date() + timedelta(days=30),
        categories=["beauty"],
        regions=["US"],
        kpis=[KpiTarget(Kpi.VIEWS, 1_000)],
        hashtag="#glow",
        at=NOW,
    )


@pytest.mark.parametrize("minor", HUGE)
def test_a_campaign_budget_beyond_the_bound_is_refused(minor: int) -> None:
    with pytest.raises(InvalidValue, match="budget is at most"):
        pulse_campaign(usd(minor), usd(1_000))
    with pytest.raises(InvalidValue, match="budget is at most"):
        business_campaign(usd(minor))


@pytest.mark.parametrize("minor", HUGE)
def test_a_price_per_thousand_impressions_beyond_the_bound_is_refused(minor: int) -> None:
    with pytest.raises(InvalidValue, match="price per thousand impressions is at most"):
        pulse_campaign(usd(1_000), usd(minor))


def test_the_largest_amounts_are_accepted() -> None:
    assert pulse_campaign(usd(MAX_AMOUNT), usd(MAX_AMOUNT)).budget == usd(MAX_AMOUNT)
    assert business_campaign(usd(MAX_AMOUNT)).budget == usd(MAX_AMOUNT)


@pytest.mark.parametrize("minor", HUGE)
def test_an_invitation_fee_beyond_the_bound_is_refused(minor: int) -> None:
    terms = Terms(fee=usd(minor), deliverables="one video", deadline=NOW.date())

    with pytest.raises(InvalidValue, match="fee is at most"):
        Invitation.send(
            uuid4(),
            brand="glow",
            creator="mia",
            terms=terms,
            currency="USD",
            last_day=date(2099, 1, 1),
            at=NOW,
        )


@pytest.mark.parametrize("minor", HUGE)
def test_a_studio_slot_price_beyond_the_bound_is_refused(minor: int) -> None:
    with pytest.raises(InvalidValue, match="slot's price is at most"):
        Studio.open(
            uuid4(),
            city="Paris",
            name="Lumière",
            rooms=["A"],
            opens_hour=9,
            closes_hour=21,
            price=usd(minor),
            by="ops",
            at=NOW,
        )


def test_an_impression_count_beyond_the_bound_is_refused() -> None:
    with pytest.raises(InvalidValue, match="impressions"):
        Placement(video_id=uuid4(), creator="mia", impressions=10**30, rank=1, category_size=10)


# Listings, stock and orders -----------------------------------------------------------------


PRICE = Money(1_000, "USD")


def seller() -> Seller:
    return Seller.register(account="acme", name="Acme", at=NOW)


def listing(price: Money = PRICE, stock: int = 5) -> Listing:
    return Listing.list(
        uuid4(),
        seller=seller(),
        title="Bag",
        description="",
        price=price,
        stock=stock,
        category="fashion",
        images=["a" * 64],
        at=NOW,
    )


@pytest.mark.parametrize("minor", HUGE)
def test_a_price_beyond_the_bound_is_refused_when_listed_and_when_edited(minor: int) -> None:
    with pytest.raises(InvalidValue, match="price is at most"):
        listing(price=usd(minor))
    bag = listing()
    with pytest.raises(InvalidValue, match="price is at most"):
        bag.edit(
            title="Bag",
            description="",
            price=usd(minor),
            category="fashion",
            attributes={},
            by="acme",
            at=NOW,
        )


@pytest.mark.parametrize("stock", [MAX_QUANTITY + 1, 2**63, 10**30])
def test_stock_beyond_the_bound_is_refused(stock: int) -> None:
    with pytest.raises(InvalidValue, match="stock"):
        listing(stock=stock)


@pytest.mark.parametrize("added", [MAX_QUANTITY + 1, 2**63, 10**30])
def test_a_restock_beyond_the_bound_is_refused_and_changes_nothing(added: int) -> None:
    bag = listing(stock=5)

    with pytest.raises(InvalidValue, match="restock"):
        bag.restock(added, at=NOW)

    assert bag.stock == 5


def test_a_restock_that_would_take_the_stock_past_the_bound_is_refused() -> None:
    bag = listing(stock=MAX_QUANTITY - 1)
    bag.restock(1, at=NOW)

    with pytest.raises(InvalidValue, match="stock"):
        bag.restock(1, at=NOW)

    assert bag.stock == MAX_QUANTITY


def test_an_order_whose_total_is_beyond_the_bound_is_refused_and_takes_no_stock() -> None:
    bag = listing(price=usd(MAX_AMOUNT), stock=2)

    with pytest.raises(InvalidValue, match="total is at most"):
        Order.place(
            uuid4(),
            listing=bag,
            seller=seller(),
            buyer="viewer:vic",
            buyer_account="vic",
            quantity=2,
            video_id=None,
            affiliate_creator=None,
            rate_bp=1_000,
            at=NOW,
        )

    assert bag.stock == 2


# The journal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("minor", HUGE)
def test_a_journal_entry_moves_no_amount_beyond_the_bound(minor: int) -> None:
    budget, funds = campaign_budget(UUID(int=1), "USD"), platform("platform:brand-funds", "USD")
    with pytest.raises(InvalidValue, match="at most"):
        debit(funds, usd(minor))
    with pytest.raises(InvalidValue, match="at most"):
        JournalEntry.record(
            cause="campaign:1",
            kind="campaign-funded",
            postings=[Posting(funds, debit=minor), Posting(budget, credit=minor)],
            at=NOW,
        )
    entry = JournalEntry.record(
        cause="campaign:1",
        kind="campaign-funded",
        postings=[debit(funds, usd(MAX_AMOUNT)), credit(budget, usd(MAX_AMOUNT))],
        at=NOW,
    )
    assert entry.net_by_account()[budget] == (0, MAX_AMOUNT)


def test_an_entry_recorded_before_the_bound_still_loads_as_it_was_recorded() -> None:
    recorded = funding_recorded_before_the_bound(1, 10**30, NOW)
    coder = transcoder()
    assert coder.decode(coder.encode(recorded.postings)) == list(recorded.postings)

    entry = recorded.mutate(None)

    assert isinstance(entry, JournalEntry)
    assert entry.net_by_account()[campaign_budget(UUID(int=1), "USD")] == (0, 10**30)


# Follower counts and KPI targets ------------------------------------------------------------


@pytest.mark.parametrize("followers", [MAX_QUANTITY + 1, 2**63, 10**30])
def test_a_follower_count_beyond_the_bound_is_refused(followers: int) -> None:
    mia = Creator.register(account="mia", region="US", at=NOW)

    with pytest.raises(InvalidValue, match="follower count is a whole number from 0 to"):
        mia.count_followers(followers, at=NOW, by="admin:counter")

    mia.count_followers(MAX_QUANTITY, at=NOW, by="admin:counter")
    assert mia.followers == MAX_QUANTITY


@pytest.mark.parametrize("target", [MAX_AMOUNT + 1, 2**63, 10**30])
@pytest.mark.parametrize("kpi", list(Kpi))
def test_a_kpi_target_beyond_the_bound_is_refused(kpi: Kpi, target: int) -> None:
    with pytest.raises(InvalidValue, match=f"target of {kpi.value} is a whole number"):
        Campaign.launch(
            uuid4(),
            brand="glow",
            name="Glow",
            objective="engagement",
            budget=usd(1_000),
            starts_on=NOW.date(),
            ends_on=NOW.date(),
            categories=["beauty"],
            regions=["US"],
            kpis=[KpiTarget(kpi, target)],
            hashtag="#glow",
            at=NOW,
        )


def test_a_kpi_target_recorded_before_the_bound_still_loads() -> None:
    coder = transcoder()
    recorded = KpiTarget(Kpi.VIEWS, 10**30)

    assert coder.decode(coder.encode(recorded)) == recorded
