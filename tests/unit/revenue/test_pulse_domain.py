"""Pulse in the language of the domain: who may enrol, what a campaign is, and how a batch of
impressions is priced against what is left of a campaign's budget."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.money import CurrencyMismatch, Money
from domain.revenue.creators import Creator
from domain.revenue.pulse import (
    MIN_FOLLOWERS,
    BudgetSpent,
    CampaignNotFlying,
    EnrolmentAlreadyDecided,
    EnrolmentStatus,
    ImpressionBatch,
    NotEligible,
    Placement,
    PulseCampaign,
    PulseEnrolment,
    eligibility_problems,
    price,
)
from tests.fakes import OPENING_NIGHT

NOW = OPENING_NIGHT
LAUNCHED = ("US", "CA")
OPS = "admin:ops"
CAMPAIGN_ID = UUID("00000000-0000-0000-0000-00000000ca11")
STRIKE = UUID("00000000-0000-0000-0000-0000000057e1")
HUNDRED_DOLLARS = Money(100_00, "USD")
FIVE_DOLLARS = Money(5_00, "USD")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def creator(
    account: str = "mia", *, region: str = "US", followers: int = 150_000, strike: bool = False
) -> Creator:
    recorded = Creator.register(account=account, region=region, at=NOW - timedelta(days=30))
    if followers:
        recorded.count_followers(followers, at=NOW - timedelta(days=1), by=OPS)
    if strike:
        recorded.issue_strike(
            STRIKE, reason="spam links", policy="community-guidelines/4.2", by=OPS, at=NOW
        )
    return recorded


def applied(facts: Creator | None = None) -> PulseEnrolment:
    return PulseEnrolment.apply(facts or creator(), launched_regions=LAUNCHED, at=NOW)


def campaign(
    *,
    budget: Money = HUNDRED_DOLLARS,
    cpm: Money = FIVE_DOLLARS,
    category: str = "dance",
    name: str = "Summer drinks",
    starts_at: datetime = NOW - timedelta(days=1),
    ends_at: datetime = NOW + timedelta(days=30),
) -> PulseCampaign:
    return PulseCampaign.launch(
        CAMPAIGN_ID,
        brand="fizz",
        name=name,
        category=category,
        budget=budget,
        cpm=cpm,
        starts_at=starts_at,
        ends_at=ends_at,
        at=NOW,
    )


def video(number: int) -> UUID:
    return UUID(int=0xF1D0 << 64 | number)


def placement(number: int, impressions: int, creator_account: str = "mia") -> Placement:
    return Placement(
        video_id=video(number),
        creator=creator_account,
        impressions=impressions,
        rank=number,
        category_size=100,
    )


# Eligibility ---------------------------------------------------------------------------------


def test_an_eligible_creator_has_no_problems() -> None:
    assert eligibility_problems(creator(followers=MIN_FOLLOWERS), LAUNCHED) == []


def test_each_missing_fact_is_listed() -> None:
    assert eligibility_problems(creator(followers=99_999), LAUNCHED) == [
        "the latest recorded follower count is 99,999, below 100,000"
    ]
    assert eligibility_problems(creator(region="FR"), LAUNCHED) == [
        "Pulse is not launched in FR (launched: CA, US)"
    ]
    assert eligibility_problems(creator(strike=True), LAUNCHED) == [
        "the creator has an active moderation strike"
    ]


def test_all_the_missing_facts_are_listed_at_once() -> None:
    problems = eligibility_problems(creator(region="FR", followers=0, strike=True), LAUNCHED)

    assert len(problems) == 3
    assert "follower count is 0" in problems[0]
    assert "not launched in FR" in problems[1]
    assert "strike" in problems[2]


def test_a_lifted_strike_no_longer_stands_in_the_way() -> None:
    facts = creator(strike=True)
    facts.lift_strike(STRIKE, reason="appeal upheld", by=OPS, at=NOW)

    assert eligibility_problems(facts, LAUNCHED) == []


def test_the_latest_follower_count_decides_not_the_highest() -> None:
    facts = creator(followers=400_000)
    facts.count_followers(90_000, at=NOW, by=OPS)

    assert eligibility_problems(facts, LAUNCHED) == [
        "the latest recorded follower count is 90,000, below 100,000"
    ]


# Enrolment -----------------------------------------------------------------------------------


def test_an_eligible_creator_applies_once_under_an_id_of_their_account() -> None:
    enrolment = applied()

    assert enrolment.id == PulseEnrolment.id_for("mia")
    assert (enrolment.creator, enrolment.region, enrolment.status) == (
        "mia",
        "US",
        EnrolmentStatus.APPLIED,
    )
    assert not enrolment.is_approved


def test_an_ineligible_creator_is_told_every_reason() -> None:
    with pytest.raises(NotEligible) as refused:
        applied(creator(region="FR", followers=12_000, strike=True))

    message = str(refused.value)
    assert "12,000, below 100,000" in message
    assert "not launched in FR" in message
    assert "active moderation strike" in message


def test_approval_looks_at_the_facts_again() -> None:
    facts = creator()
    enrolment = applied(facts)
    facts.count_followers(99_000, at=NOW + timedelta(hours=1), by=OPS)

    with pytest.raises(NotEligible, match="99,000"):
        enrolment.approve(facts, launched_regions=LAUNCHED, by=OPS, reason="ok", at=NOW)
    assert (enrolment.status, enrolment.version) == (EnrolmentStatus.APPLIED, 1)

    facts.count_followers(101_000, at=NOW + timedelta(hours=2), by=OPS)
    facts.issue_strike(STRIKE, reason="spam", policy="cg/4.2", by=OPS, at=NOW)
    with pytest.raises(NotEligible, match="strike"):
        enrolment.approve(facts, launched_regions=LAUNCHED, by=OPS, reason="ok", at=NOW)

    facts.lift_strike(STRIKE, reason="appeal upheld", by=OPS, at=NOW)
    with pytest.raises(NotEligible, match="not launched in US"):
        enrolment.approve(facts, launched_regions=("CA",), by=OPS, reason="ok", at=NOW)

    enrolment.approve(facts, launched_regions=LAUNCHED, by=OPS, reason=" fits ", at=NOW)
    assert (enrolment.status, enrolment.decision_reason, enrolment.version) == (
        EnrolmentStatus.APPROVED,
        "fits",
        2,
    )
    assert enrolment.is_approved


def test_a_decision_is_made_once() -> None:
    facts = creator()
    approved = applied(facts)
    approved.approve(facts, launched_regions=LAUNCHED, by=OPS, reason="fits", at=NOW)
    rejected = applied(creator("leo"))
    rejected.reject(by=OPS, reason="brand safety", at=NOW)

    for decided in (approved, rejected):
        with pytest.raises(EnrolmentAlreadyDecided):
            decided.approve(facts, launched_regions=LAUNCHED, by=OPS, reason="again", at=NOW)
        with pytest.raises(EnrolmentAlreadyDecided):
            decided.reject(by=OPS, reason="again", at=NOW)
    assert (approved.status, rejected.status) == (
        EnrolmentStatus.APPROVED,
        EnrolmentStatus.REJECTED,
    )
    assert rejected.decision_reason == "brand safety"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1_001])
def test_a_decision_gives_a_reason(reason: str) -> None:
    facts = creator()
    enrolment = applied(facts)

    with pytest.raises(InvalidValue, match="reason"):
        enrolment.reject(by=OPS, reason=reason, at=NOW)
    with pytest.raises(InvalidValue, match="reason"):
        enrolment.approve(facts, launched_regions=LAUNCHED, by=OPS, reason=reason, at=NOW)
    assert enrolment.version == 1


def test_only_a_rejected_application_is_submitted_again() -> None:
    facts = creator()
    enrolment = applied(facts)

    with pytest.raises(EnrolmentAlreadyDecided, match="applied"):
        enrolment.reapply(facts, launched_regions=LAUNCHED, at=NOW)

    enrolment.reject(by=OPS, reason="too few posts", at=NOW)
    enrolment.reapply(facts, launched_regions=LAUNCHED, at=NOW + timedelta(days=30))
    assert (enrolment.status, enrolment.version) == (EnrolmentStatus.APPLIED, 3)

    enrolment.approve(facts, launched_regions=LAUNCHED, by=OPS, reason="now fits", at=NOW)
    with pytest.raises(EnrolmentAlreadyDecided, match="approved"):
        enrolment.reapply(facts, launched_regions=LAUNCHED, at=NOW)


def test_reapplying_needs_the_facts_too() -> None:
    facts = creator()
    enrolment = applied(facts)
    enrolment.reject(by=OPS, reason="too few posts", at=NOW)
    facts.count_followers(5_000, at=NOW, by=OPS)

    with pytest.raises(NotEligible, match="5,000"):
        enrolment.reapply(facts, launched_regions=LAUNCHED, at=NOW)
    assert enrolment.status is EnrolmentStatus.REJECTED


# Campaigns -----------------------------------------------------------------------------------


def test_a_campaign_is_launched_in_a_category_with_a_budget_and_a_price() -> None:
    launched = campaign(name="  Summer drinks ", category=" Dance ")

    assert (launched.id, launched.brand, launched.name, launched.category) == (
        CAMPAIGN_ID,
        "fizz",
        "Summer drinks",
        "dance",
    )
    assert (launched.budget, launched.cpm) == (usd(100_00), usd(5_00))


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"budget": Money(100_00, "EUR")}, CurrencyMismatch),
        ({"budget": usd(0)}, InvalidValue),
        ({"budget": usd(-1)}, InvalidValue),
        ({"cpm": usd(0)}, InvalidValue),
        ({"cpm": usd(-500)}, InvalidValue),
        ({"ends_at": NOW - timedelta(days=1)}, InvalidValue),  # ends when it starts
        ({"ends_at": NOW - timedelta(days=2)}, InvalidValue),
        ({"name": "   "}, InvalidValue),
        ({"name": "n" * 201}, InvalidValue),
        ({"category": "crypto"}, InvalidValue),
        ({"starts_at": datetime(2025, 3, 1)}, InvalidValue),  # naive on purpose
    ],
)
def test_a_malformed_campaign_is_refused(
    changes: dict[str, object], refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        campaign(**changes)  # type: ignore[arg-type]


def test_a_campaign_flies_from_its_start_until_just_before_its_end() -> None:
    flight = campaign(starts_at=NOW, ends_at=NOW + timedelta(days=7))

    flight.require_flying(NOW)
    flight.require_flying(NOW + timedelta(days=7) - timedelta(microseconds=1))
    for outside in (NOW - timedelta(seconds=1), NOW + timedelta(days=7)):
        with pytest.raises(CampaignNotFlying):
            flight.require_flying(outside)


# Pricing -------------------------------------------------------------------------------------


def test_a_line_is_billed_impressions_times_cpm_over_a_thousand_rounded_down() -> None:
    # 1,234 impressions at 5.00 per thousand: 617 cents exactly.
    [exact] = price([placement(1, 1_234)], usd(5_00), usd(100_00))
    # 3 impressions at 2.50 per thousand: 0.75 cents, of which nothing is billed.
    [fraction] = price([placement(1, 3)], usd(2_50), usd(100_00))
    # 999 impressions at 19.99 per thousand: 1997.001 cents, billed 1997.
    [floored] = price([placement(1, 999)], usd(19_99), usd(100_00))

    assert (exact.amount, exact.billed_impressions) == (617, 1_234)
    assert (fraction.amount, fraction.billed_impressions, fraction.creator_share) == (0, 3, 0)
    assert (floored.amount, floored.creator_share, floored.platform_share) == (1_997, 999, 998)


def test_the_creator_receives_the_odd_minor_unit_of_a_line() -> None:
    [odd] = price([placement(1, 1_400)], usd(5_00), usd(100_00))  # 700 cents
    [odder] = price([placement(1, 1_401)], usd(5_00), usd(100_00))  # 700.5 -> 700
    [seven] = price([placement(1, 1_000)], usd(7), usd(100_00))  # 7 cents

    assert (odd.creator_share, odd.platform_share) == (350, 350)
    assert (odder.amount, odder.creator_share, odder.platform_share) == (700, 350, 350)
    assert (seven.creator_share, seven.platform_share) == (4, 3)
    [one_yen] = price([placement(1, 1)], Money(1_000, "JPY"), Money(10, "JPY"))
    assert (one_yen.amount, one_yen.creator_share, one_yen.platform_share) == (1, 1, 0)


def test_the_budget_caps_a_line_at_the_most_impressions_it_can_pay_for() -> None:
    # 10.00 left at 3.00 per thousand: 3,336 impressions cost 10.008 -> 10.00; 3,337 cost 10.011.
    [capped] = price([placement(1, 5_000)], usd(3_00), usd(10_00))

    assert (capped.billed_impressions, capped.amount) == (3_336, 10_00)
    assert capped.impressions - capped.billed_impressions == 1_664
    assert (capped.creator_share, capped.platform_share) == (500, 500)


def test_lines_are_billed_in_the_order_reported_while_the_budget_lasts() -> None:
    lines = price(
        [placement(1, 1_000, "mia"), placement(2, 1_000, "leo"), placement(3, 1_000, "ana")],
        usd(6_00),
        usd(9_00),
    )

    # Leo's 501st impression costs 0.6 cents more, 300.6 in all: billed 300 by the floor.
    # Nothing is left for Ana but a fraction of a cent: one impression, billed nothing.
    assert [(line.creator, line.billed_impressions, line.amount) for line in lines] == [
        ("mia", 1_000, 6_00),
        ("leo", 501, 3_00),
        ("ana", 1, 0),
    ]
    assert [(line.creator_share, line.platform_share) for line in lines] == [
        (300, 300),
        (150, 150),
        (0, 0),
    ]
    assert [(line.video_id, line.rank, line.category_size) for line in lines] == [
        (video(n), n, 100) for n in (1, 2, 3)
    ]


def test_a_price_and_a_budget_in_two_currencies_do_not_meet() -> None:
    with pytest.raises(CurrencyMismatch):
        price([placement(1, 10)], usd(5_00), Money(10_00, "EUR"))


@pytest.mark.parametrize("impressions", [0, -1, True])
def test_a_placement_counts_at_least_one_impression(impressions: int) -> None:
    with pytest.raises(InvalidValue, match="at least one impression"):
        placement(1, impressions)


currencies = st.sampled_from(["USD", "JPY", "EUR"])
placement_lists = st.lists(
    st.builds(
        placement,
        number=st.integers(1, 50),
        impressions=st.integers(1, 10**7),
        creator_account=st.sampled_from(["mia", "leo", "ana"]),
    ),
    min_size=1,
    max_size=12,
)


@given(
    placements=placement_lists,
    cpm=st.integers(1, 10**6),
    remaining=st.integers(0, 10**8),
    currency=currencies,
)
def test_pricing_keeps_its_promises(
    placements: list[Placement], cpm: int, remaining: int, currency: str
) -> None:
    lines = price(placements, Money(cpm, currency), Money(remaining, currency))
    left = remaining

    assert len(lines) == len(placements)
    assert sum(line.amount for line in lines) <= remaining
    for asked, line in zip(placements, lines, strict=True):
        assert (line.video_id, line.creator, line.impressions) == (
            asked.video_id,
            asked.creator,
            asked.impressions,
        )
        # Billed and unbilled impressions make up what was reported.
        assert 0 <= line.billed_impressions <= line.impressions
        unbilled = line.impressions - line.billed_impressions
        assert line.billed_impressions + unbilled == asked.impressions
        # The amount is the floor of the billed impressions' price, and fits what is left.
        assert line.amount == line.billed_impressions * cpm // 1000
        assert 0 <= line.amount <= left
        # The two shares add up to the amount, the creator's by the odd unit at most.
        assert line.creator_share + line.platform_share == line.amount
        assert 0 <= line.creator_share - line.platform_share <= 1
        # Maximal: one more impression would exceed the line or what is left of the budget.
        assert (
            line.billed_impressions == line.impressions
            or (line.billed_impressions + 1) * cpm // 1000 > left
        )
        left -= line.amount


# Impression batches --------------------------------------------------------------------------


def recorded(
    placements: list[Placement], *, remaining: Money = HUNDRED_DOLLARS, key: str = "b-1"
) -> ImpressionBatch:
    return ImpressionBatch.record(
        reporter=OPS,
        batch_key=key,
        campaign=campaign(),
        placements=placements,
        remaining=remaining,
        at=NOW,
    )


def test_a_batch_records_its_priced_lines_under_the_reporters_key() -> None:
    batch = recorded([placement(1, 1_000), placement(2, 3_000, "leo")], remaining=usd(20_00))

    assert batch.id == ImpressionBatch.id_for(OPS, "b-1")
    assert batch.id != ImpressionBatch.id_for("admin:other", "b-1")
    assert (batch.campaign_id, batch.currency, batch.reporter) == (CAMPAIGN_ID, "USD", OPS)
    assert batch.billed == usd(20_00)
    assert [p.billed_impressions for p in batch.placements] == [1_000, 3_000]
    assert batch.unbilled_impressions == 0


def test_impressions_beyond_the_budget_are_recorded_as_unbilled() -> None:
    batch = recorded([placement(1, 1_000), placement(2, 3_000, "leo")], remaining=usd(12_00))

    # 1,401 impressions at 5.00 per thousand cost 7.005, billed 7.00: they fit what is left.
    assert batch.billed == usd(12_00)
    assert [p.billed_impressions for p in batch.placements] == [1_000, 1_401]
    assert batch.unbilled_impressions == 1_599


def test_a_spent_budget_bills_nothing_more() -> None:
    for spent in (usd(0), usd(-1)):
        with pytest.raises(BudgetSpent):
            recorded([placement(1, 1_000)], remaining=spent)


def test_impressions_outside_the_flight_are_refused() -> None:
    grounded = campaign(starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=2))

    with pytest.raises(CampaignNotFlying):
        ImpressionBatch.record(
            reporter=OPS,
            batch_key="early",
            campaign=grounded,
            placements=[placement(1, 10)],
            remaining=usd(1_00),
            at=NOW,
        )


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_a_batch_key_has_one_to_two_hundred_characters(key: str) -> None:
    with pytest.raises(InvalidValue, match="batch key"):
        recorded([placement(1, 10)], key=key)


def test_a_batch_holds_at_least_one_placement() -> None:
    with pytest.raises(InvalidValue, match="placements"):
        recorded([])


def test_a_retry_is_recognised_only_when_it_repeats_the_batch_exactly() -> None:
    batch = recorded([placement(1, 1_000), placement(2, 3_000, "leo")], remaining=usd(12_00))

    def as_reported(*lines: tuple[int, int]) -> list[Placement]:
        # A retry does not know the creators or ranks; videos and impressions decide.
        return [
            Placement(video_id=video(n), creator="", impressions=i, rank=0, category_size=0)
            for n, i in lines
        ]

    assert batch.same_report(CAMPAIGN_ID, as_reported((1, 1_000), (2, 3_000)))
    assert not batch.same_report(CAMPAIGN_ID, as_reported((1, 1_000), (2, 3_001)))
    assert not batch.same_report(CAMPAIGN_ID, as_reported((2, 3_000), (1, 1_000)))
    assert not batch.same_report(CAMPAIGN_ID, as_reported((1, 1_000)))
    assert not batch.same_report(CAMPAIGN_ID, as_reported((1, 1_000), (2, 3_000), (3, 1)))
    assert not batch.same_report(UUID(int=1), as_reported((1, 1_000), (2, 3_000)))
