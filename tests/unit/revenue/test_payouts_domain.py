"""Payouts: one per creator, period and currency; payable earnings move to "in transit",
then leave when the rail confirms the transfer, or come back when it reports a failure."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotFound, NotPermitted
from application.revenue.payouts import PayoutExists, PayoutView
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.revenue.ledger import (
    PLATFORM_PAID_OUT,
    JournalEntry,
    LedgerAccount,
    LimitExceeded,
    creator_in_transit,
    creator_payable,
    credit,
    debit,
    platform,
)
from domain.revenue.payouts import Payout, PayoutSettled, PayoutStatus, checked_period
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT, InterleavingClock, SequentialIdentities

NOW = OPENING_NIGHT
OPS = Principal(Role.ADMIN, "ops")
MIA = Principal(Role.CREATOR, "mia")
LEO = Principal(Role.CREATOR, "leo")
FIZZ = Principal(Role.BRAND, "fizz")
AUDITOR = Principal(Role.AUDITOR, "kpmg")
TWELVE_DOLLARS = Money(12_34, "USD")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def requested(
    amount: Money = TWELVE_DOLLARS, *, key: str = "k-1", period: str = "2025-03"
) -> Payout:
    return Payout.request(
        creator="mia", period=period, amount=amount, idempotency_key=key, by="creator:mia", at=NOW
    )


# The aggregate -------------------------------------------------------------------------------


def test_a_payout_is_named_by_creator_period_and_currency() -> None:
    payout = requested()

    assert payout.id == Payout.id_for("mia", "2025-03", "USD")
    assert payout.id == requested(usd(1), key="another key").id
    assert payout.id != Payout.id_for("mia", "2025-04", "USD")
    assert payout.id != Payout.id_for("mia", "2025-03", "EUR")
    assert payout.id != Payout.id_for("leo", "2025-03", "USD")
    assert (payout.creator, payout.period, payout.amount, payout.status) == (
        "mia",
        "2025-03",
        usd(12_34),
        PayoutStatus.IN_TRANSIT,
    )
    assert (payout.idempotency_key, payout.reference, payout.return_reason) == ("k-1", "", "")


@pytest.mark.parametrize(
    "period", ["2025-3", "2025-00", "2025-13", "25-03", "2025/03", "", "march"]
)
def test_a_period_is_a_month(period: str) -> None:
    with pytest.raises(InvalidValue, match="YYYY-MM"):
        checked_period(period)
    with pytest.raises(InvalidValue):
        requested(period=period)


@pytest.mark.parametrize("amount", [usd(0), usd(-1)])
def test_nothing_payable_pays_nothing(amount: Money) -> None:
    with pytest.raises(RuleViolated, match="nothing payable"):
        requested(amount)


def test_an_idempotency_key_has_at_most_two_hundred_characters() -> None:
    assert requested(key="k" * 200).idempotency_key == "k" * 200
    with pytest.raises(InvalidValue, match="idempotency key"):
        requested(key="k" * 201)


def test_a_payout_needs_an_unambiguous_time() -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        Payout.request(
            creator="mia",
            period="2025-03",
            amount=usd(1),
            idempotency_key="",
            by="creator:mia",
            at=datetime(2025, 3, 1),  # naive on purpose
        )


def test_a_sent_payout_records_the_rails_reference_and_stays_sent() -> None:
    payout = requested()
    payout.mark_sent(reference=" WIRE-42 ", by="admin:ops", at=NOW)

    assert (payout.status, payout.reference, payout.version) == (PayoutStatus.SENT, "WIRE-42", 2)
    with pytest.raises(PayoutSettled, match="sent"):
        payout.mark_sent(reference="WIRE-43", by="admin:ops", at=NOW)
    with pytest.raises(PayoutSettled, match="sent"):
        payout.mark_returned(reason="bounced", by="admin:ops", at=NOW)
    assert payout.version == 2


def test_a_returned_payout_records_why_and_stays_returned() -> None:
    payout = requested()
    payout.mark_returned(reason=" account closed ", by="admin:ops", at=NOW)

    assert (payout.status, payout.return_reason) == (PayoutStatus.RETURNED, "account closed")
    with pytest.raises(PayoutSettled, match="returned"):
        payout.mark_sent(reference="WIRE-42", by="admin:ops", at=NOW)


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_an_outcome_is_written_down(text: str) -> None:
    payout = requested()
    with pytest.raises(InvalidValue, match="reference"):
        payout.mark_sent(reference=text, by="admin:ops", at=NOW)
    with pytest.raises(InvalidValue, match="reason"):
        payout.mark_returned(reason=text, by="admin:ops", at=NOW)
    assert (payout.status, payout.version) == (PayoutStatus.IN_TRANSIT, 1)


# The service ---------------------------------------------------------------------------------


@pytest.fixture
def racing_clock() -> InterleavingClock:
    return InterleavingClock()


@pytest.fixture
def racing_core(racing_clock: InterleavingClock) -> Iterator[Spotlight]:
    settings = Settings(
        store=parse_store("memory://"), data_dir=Path(tempfile.gettempdir()), secret=b"p" * 32
    )
    running = bootstrap(settings, clock=racing_clock, identities=SequentialIdentities(), engines=())
    yield running
    running.close()


def earn(core: Spotlight, creator: Principal, cents: int, *, category: str = "dance") -> UUID:
    """The creator enrols, publishes the one video of a category, and a campaign shows
    ``2 x cents`` impressions beside it at 10.00 per thousand: the creator earns ``cents``."""
    account = creator.subject
    core.creators.register(creator, region="US")
    core.creators.count_followers(OPS, account, 150_000)
    core.pulse.apply(creator)
    core.pulse.decide(OPS, account, approve=True, reason="fits")
    video = CatalogueDriver(core).publish_video(
        creator, caption="hi", hashtags=[], category=category
    )
    now = core.clock.now()
    campaign = core.pulse.launch_campaign(
        FIZZ,
        name=f"Fizz in {category}",
        category=category,
        budget=usd(1_000_00),
        cpm=usd(10_00),
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=60),
    )
    receipt = core.pulse.record_impressions(
        OPS, batch_key=f"{account}-1", campaign_id=campaign.id, placements=[(video.id, 2 * cents)]
    )
    assert receipt.creators_credited == usd(cents)
    return campaign.id


def balance(core: Spotlight, code: str) -> Money:
    return core.ledger.account(OPS, code).balance


def test_a_payout_moves_everything_payable_to_in_transit(core: Spotlight) -> None:
    earn(core, MIA, 12_34)

    payout = core.payouts.request(MIA, period="2025-03", idempotency_key="tap-1")

    assert (payout.amount, payout.status, payout.replayed) == (
        usd(12_34),
        PayoutStatus.IN_TRANSIT,
        False,
    )
    assert balance(core, creator_payable("mia", "USD")) == usd(0)
    assert balance(core, creator_in_transit("mia", "USD")) == usd(12_34)
    assert core.ledger.balance_of(creator_payable("mia", "USD")) == usd(0)


def test_a_period_pays_once_and_a_retry_gets_the_original_answer(core: Spotlight) -> None:
    earn(core, MIA, 5_00)
    first = core.payouts.request(MIA, period="2025-03", idempotency_key="tap-1")
    logged = core._revenue.recorder.max_notification_id()

    retry = core.payouts.request(MIA, period="2025-03", idempotency_key="tap-1")
    assert retry == PayoutView.of(core._revenue.load(Payout, first.id), replayed=True)
    assert (retry.id, retry.amount, retry.replayed) == (first.id, usd(5_00), True)
    for key in ("tap-2", ""):
        with pytest.raises(PayoutExists, match="a period pays once"):
            core.payouts.request(MIA, period="2025-03", idempotency_key=key)
    with pytest.raises(PayoutExists):
        core.payouts.request(OPS, period="2025-03", creator="mia", idempotency_key="run:2025-03")

    assert core._revenue.recorder.max_notification_id() == logged


def test_nothing_payable_is_refused_and_records_nothing(core: Spotlight) -> None:
    core.creators.register(LEO, region="US")
    logged = core._revenue.recorder.max_notification_id()

    with pytest.raises(RuleViolated, match="nothing payable"):
        core.payouts.request(LEO, period="2025-03")
    assert core._revenue.recorder.max_notification_id() == logged


def test_a_sent_payout_leaves_the_ledger_once(core: Spotlight) -> None:
    earn(core, MIA, 7_77)
    payout = core.payouts.request(MIA, period="2025-03")

    sent = core.payouts.settle(OPS, payout.id, sent=True, reference="WIRE-42")

    assert (sent.status, sent.reference) == (PayoutStatus.SENT, "WIRE-42")
    assert balance(core, creator_in_transit("mia", "USD")) == usd(0)
    assert balance(core, platform(PLATFORM_PAID_OUT, "USD")) == usd(7_77)
    with pytest.raises(PayoutSettled):
        core.payouts.settle(OPS, payout.id, sent=False, reason="bounced")
    assert balance(core, creator_payable("mia", "USD")) == usd(0)


def test_a_returned_payout_is_payable_again_in_a_later_period(core: Spotlight) -> None:
    earn(core, MIA, 3_00)
    march = core.payouts.request(MIA, period="2025-03")

    returned = core.payouts.settle(OPS, march.id, sent=False, reason="account closed")

    assert (returned.status, returned.return_reason) == (PayoutStatus.RETURNED, "account closed")
    assert balance(core, creator_payable("mia", "USD")) == usd(3_00)
    assert balance(core, creator_in_transit("mia", "USD")) == usd(0)
    with pytest.raises(PayoutExists):
        core.payouts.request(MIA, period="2025-03")
    april = core.payouts.request(MIA, period="2025-04")
    assert (april.amount, april.id) == (usd(3_00), Payout.id_for("mia", "2025-04", "USD"))


def test_who_may_request_settle_and_read_a_payout(core: Spotlight) -> None:
    earn(core, MIA, 1_00)

    with pytest.raises(NotPermitted):
        core.payouts.request(LEO, period="2025-03", creator="mia")
    with pytest.raises(NotPermitted):
        core.payouts.request(FIZZ, period="2025-03", creator="mia")
    payout = core.payouts.request(OPS, period="2025-03", creator="mia")
    with pytest.raises(NotPermitted):
        core.payouts.settle(MIA, payout.id, sent=True, reference="self-paid")
    with pytest.raises(NotPermitted):
        core.payouts.payout(LEO, payout.id)
    for reader in (MIA, OPS, AUDITOR):
        assert core.payouts.payout(reader, payout.id).id == payout.id
    with pytest.raises(NotFound):
        core.payouts.payout(OPS, Payout.id_for("leo", "2025-03", "USD"))


def test_an_admins_run_pays_every_creator_with_something_payable_once(core: Spotlight) -> None:
    earn(core, MIA, 2_00, category="dance")
    earn(core, LEO, 3_00, category="comedy")
    core.payouts.request(LEO, period="2025-03")

    paid = core.payouts.run(OPS, period="2025-03")

    assert [(p.creator, p.amount) for p in paid] == [("mia", usd(2_00))]
    assert core.payouts.run(OPS, period="2025-03") == []


def test_a_retry_racing_its_original_request_gets_the_original_answer(
    racing_core: Spotlight, racing_clock: InterleavingClock
) -> None:
    earn(racing_core, MIA, 4_00)
    outcome: list[PayoutView] = []
    racing_clock.before_next_reading(
        lambda: outcome.append(
            racing_core.payouts.request(MIA, period="2025-03", idempotency_key="tap-1")
        )
    )

    # The retry looked for the payout before the original saved it, and reads the payable
    # balance after: it must still answer as the original did, not "nothing payable".
    retry = racing_core.payouts.request(MIA, period="2025-03", idempotency_key="tap-1")

    [original] = outcome
    assert (retry.id, retry.amount, retry.replayed) == (original.id, usd(4_00), True)


def test_a_second_request_racing_the_first_is_told_the_period_is_paid(
    racing_core: Spotlight, racing_clock: InterleavingClock
) -> None:
    earn(racing_core, MIA, 4_00)
    racing_clock.before_next_reading(
        lambda: racing_core.payouts.request(MIA, period="2025-03", idempotency_key="phone")
    )

    with pytest.raises(PayoutExists):
        racing_core.payouts.request(MIA, period="2025-03", idempotency_key="laptop")

    assert balance(racing_core, creator_in_transit("mia", "USD")) == usd(4_00)
    assert balance(racing_core, creator_payable("mia", "USD")) == usd(0)


def test_the_payable_limit_is_what_stops_paying_more_than_was_earned(core: Spotlight) -> None:
    earn(core, MIA, 1_00)
    core.payouts.request(MIA, period="2025-03")
    overdraft = JournalEntry.record(
        cause="test:overdraft",
        kind="payout-requested",
        postings=[
            debit(creator_payable("mia", "USD"), usd(1)),
            credit(creator_in_transit("mia", "USD"), usd(1)),
        ],
        at=NOW,
    )

    with pytest.raises(LimitExceeded, match=r"holds 0\.00 USD"):
        core.ledger.accounts_for(overdraft)
    account = core._revenue.load(LedgerAccount, LedgerAccount.id_for(creator_payable("mia", "USD")))
    assert (account.balance, account.debits_posted, account.credits_posted) == (
        usd(0),
        1_00,
        1_00,
    )
