"""The sandbox payment provider remembers its intents and refunds in the store's database:
an intent created by one instance of the core is confirmed and refunded by another on the
same store, a restart forgets none, and two instances refunding at once never give back more
than the intent took. Each test runs on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from application.shop.payments import IntentStatus, PaymentRefund
from domain.errors import InvalidValue
from domain.money import Money
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test

APRON = Money(40_00, "USD")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "sandbox_payments")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def test_an_intent_made_by_one_instance_is_confirmed_and_refunded_by_another(
    deployment: Deployment,
) -> None:
    first, second = deployment.start(), deployment.start()
    intent = first.shop.payments.create_intent(APRON, idempotency_key="order-1", description="")

    confirmed = second.shop.payments.confirm(intent.id, payment_method="pm_card_visa")
    refund = first.shop.payments.refund(intent.id, Money(15_00, "USD"), idempotency_key="r-1")

    assert confirmed.status is IntentStatus.SUCCEEDED
    assert refund == PaymentRefund(refund.id, intent.id, Money(15_00, "USD"))
    # The second instance knows of the first's refund: only 25.00 is left to give back.
    with pytest.raises(InvalidValue, match="took less than that"):
        second.shop.payments.refund(intent.id, Money(25_01, "USD"), idempotency_key="r-2")
    assert second.shop.payments.refund(intent.id, Money(25_00, "USD"), idempotency_key="r-2")


def test_a_restart_forgets_no_intent_and_no_refund(deployment: Deployment) -> None:
    core = deployment.start()
    declined = core.shop.payments.create_intent(APRON, idempotency_key="d", description="")
    core.shop.payments.confirm(declined.id, payment_method="pm_card_chargeDeclined")
    waiting = core.shop.payments.create_intent(APRON, idempotency_key="w", description="")
    paid = core.shop.payments.create_intent(APRON, idempotency_key="p", description="")
    core.shop.payments.confirm(paid.id, payment_method="pm_card_visa")
    refund = core.shop.payments.refund(paid.id, APRON, idempotency_key="all")

    restarted = deployment.fresh_start().shop.payments

    # Confirmed already: the same answer as before, whatever the payment method now.
    again = restarted.confirm(declined.id, payment_method="pm_card_visa")
    assert (again.status, again.failure) == (IntentStatus.FAILED, "card_declined")
    assert restarted.confirm(waiting.id, payment_method="pm_card_visa").status is (
        IntentStatus.SUCCEEDED
    )
    assert restarted.refund(paid.id, APRON, idempotency_key="all") == refund
    with pytest.raises(InvalidValue, match="took less than that"):
        restarted.refund(paid.id, Money(1, "USD"), idempotency_key="one more cent")
    with pytest.raises(InvalidValue, match="did not succeed"):
        restarted.refund(declined.id, Money(1, "USD"), idempotency_key="from the declined")
    with pytest.raises(InvalidValue, match="was used for"):
        restarted.create_intent(Money(1, "USD"), idempotency_key="p", description="")
    assert restarted.create_intent(APRON, idempotency_key="p", description="").status is (
        IntentStatus.SUCCEEDED
    )


def test_refunds_raced_from_two_instances_never_give_back_more_than_was_taken(
    deployment: Deployment,
) -> None:
    first, second = deployment.start(), deployment.start()
    intent = first.shop.payments.create_intent(APRON, idempotency_key="o", description="")
    first.shop.payments.confirm(intent.id, payment_method="pm_card_visa")

    def refund(attempt: tuple[int, str]) -> str:
        number, key = attempt
        core = (first, second)[number % 2]
        try:
            core.shop.payments.refund(intent.id, Money(30_00, "USD"), idempotency_key=key)
        except InvalidValue:
            return "refused"
        return key

    attempts = [(0, "a"), (1, "b"), (2, "b"), (3, "c")]
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(refund, attempts))

    # One 30.00 fits in 40.00; the same key twice is one refund, answered to both.
    given = {outcome for outcome in outcomes if outcome != "refused"}
    assert len(given) == 1
    assert outcomes == [key if key in given else "refused" for _, key in attempts]
