"""An order's life over HTTP, as its buyer, its seller and an operator live it: paid through
the sandbox provider, shipped with a tracking reference, delivered, returned and refunded in
part; the seller's proceeds paid out like a creator's earnings; buyers and sellers listing
their orders by state; and every bad step refused with problem+json, recording nothing.
The operator's refund from the command line, and the production guard, too."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from adapters.payments.sandbox import SandboxPayments
from adapters.projections.database import projection_database_for
from adapters.projections.store import SqlProjectionStore
from adapters.storage import parse_store
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from entrypoints.payments import payment_provider
from entrypoints.settings import Settings, SettingsError
from tests.e2e.shop.test_shop_http import assert_problem, listed, register_seller

Auth = Callable[[str, str], dict[str, str]]
Json = dict[str, Any]
SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]


def logged(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


def place(client: TestClient, auth: Auth, listing_id: str, **body: Any) -> Any:
    return client.post(
        "/v1/orders",
        json={"listing_id": listing_id, "quantity": 1, **body},
        headers={**auth("viewer", "vic"), "Idempotency-Key": str(uuid4())},
    )


def step(
    client: TestClient, auth: Auth, who: tuple[str, str], order_id: str, name: str, **body: Any
) -> Any:
    return client.post(f"/v1/orders/{order_id}/{name}", json=body, headers=auth(*who))


def ok(response: Any) -> Json:
    assert response.status_code in (200, 201), response.text
    body: Json = response.json()
    return body


def balance(client: TestClient, auth: Auth, code: str) -> int:
    body = ok(client.get(f"/v1/ledgers/{code}", headers=auth("admin", "ops")))
    minor: int = body["balance"]["minor"]
    return minor


ACME = ("seller", "acme")
VIC = ("viewer", "vic")


@pytest.fixture
def listing(client: TestClient, auth: Auth) -> str:
    register_seller(client, auth, "acme")
    return listed(client, auth, "acme", "Linen apron", price_minor="10000", stock="5")


def test_an_order_goes_from_paid_to_refunded_and_each_step_moves_its_money(
    client: TestClient, auth: Auth, listing: str
) -> None:
    placed = ok(place(client, auth, listing))
    assert (placed["state"], placed["payment_provider"]) == ("paid", "sandbox")
    assert placed["payment_intent"].startswith("sandbox_pi_")
    order_id = placed["id"]

    shipped = ok(step(client, auth, ACME, order_id, "shipment", carrier="UPS", tracking="1Z9"))
    assert (shipped["state"], shipped["carrier"], shipped["tracking"]) == ("shipped", "UPS", "1Z9")
    assert ok(step(client, auth, VIC, order_id, "delivery"))["state"] == "delivered"
    asked = ok(step(client, auth, VIC, order_id, "return-request", reason="too small"))
    assert asked["state"] == "return-requested"
    assert ok(step(client, auth, ACME, order_id, "return-receipt"))["state"] == "returned"
    refunded = ok(
        step(client, auth, ACME, order_id, "refund", amount={"minor": 4000, "currency": "USD"})
    )

    assert refunded["state"] == "refunded"
    assert refunded["refunded"] == {"minor": 4000, "currency": "USD"}
    assert refunded["refund_reference"].startswith("sandbox_re_")
    # 100.00 paid, 8% commission: 92.00 to the seller; 40% refunded takes back 36.80 of it.
    assert balance(client, auth, "seller:acme:payable:USD") == 92_00 - 36_80
    assert ok(client.get(f"/v1/orders/{order_id}", headers=auth(*VIC)))["state"] == "refunded"


def test_bad_steps_are_refused_with_problems_and_record_nothing(
    client: TestClient, auth: Auth, core: Spotlight, listing: str
) -> None:
    register_seller(client, auth, "bolt")
    order_id = ok(place(client, auth, listing))["id"]
    before = logged(core)

    # Someone else's order is not theirs to ship.
    refused = step(
        client, auth, ("seller", "bolt"), order_id, "shipment", carrier="U", tracking="1"
    )
    assert_problem(refused, 403, "forbidden")
    # Delivered before it was shipped.
    assert_problem(
        step(client, auth, VIC, order_id, "delivery"), 409, "rule-violated", "StepOutOfOrder"
    )
    # A refund before any return.
    assert_problem(
        step(client, auth, ACME, order_id, "refund"), 409, "rule-violated", "StepOutOfOrder"
    )
    # An unknown field, a missing tracking reference.
    assert_problem(
        step(client, auth, ACME, order_id, "shipment", carrier="UPS", tracking="1", status="x"),
        422,
        "validation-error",
    )
    assert_problem(
        step(client, auth, ACME, order_id, "shipment", carrier="UPS"), 422, "validation-error"
    )
    assert logged(core) == before

    ok(step(client, auth, ACME, order_id, "shipment", carrier="UPS", tracking="1Z9"))
    ok(step(client, auth, ACME, order_id, "delivery"))
    ok(step(client, auth, VIC, order_id, "return-request", reason="broken"))
    ok(step(client, auth, ACME, order_id, "return-receipt"))
    before = logged(core)
    too_much = step(
        client, auth, ACME, order_id, "refund", amount={"minor": 10001, "currency": "USD"}
    )
    assert_problem(too_much, 422, "invalid-value")
    assert logged(core) == before
    ok(step(client, auth, ACME, order_id, "refund"))
    before = logged(core)
    again = step(client, auth, ("admin", "ops"), order_id, "refund")
    assert_problem(again, 409, "rule-violated", "ReturnRefunded")
    assert logged(core) == before


def test_a_refund_retried_under_its_key_answers_again_and_moves_nothing_more(
    client: TestClient, auth: Auth, core: Spotlight, listing: str
) -> None:
    order_id = ok(place(client, auth, listing))["id"]
    ok(step(client, auth, ACME, order_id, "shipment", carrier="UPS", tracking="1Z9"))
    ok(step(client, auth, ACME, order_id, "delivery"))
    ok(step(client, auth, VIC, order_id, "return-request", reason="broken"))
    ok(step(client, auth, ACME, order_id, "return-receipt"))
    keyed = {**auth(*ACME), "Idempotency-Key": "refund-1"}
    amount = {"amount": {"minor": 3000, "currency": "USD"}}

    first = client.post(f"/v1/orders/{order_id}/refund", json=amount, headers=keyed)
    before = logged(core)
    again = client.post(f"/v1/orders/{order_id}/refund", json=amount, headers=keyed)

    assert ok(first)["refunded"] == ok(again)["refunded"] == {"minor": 3000, "currency": "USD"}
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(
        f"/v1/orders/{order_id}/refund",
        json={"amount": {"minor": 100, "currency": "USD"}},
        headers=keyed,
    )
    assert_problem(other, 409, "rule-violated", "IdempotencyKeyReused")
    unkeyed = client.post(f"/v1/orders/{order_id}/refund", json=amount, headers=auth(*ACME))
    assert_problem(unkeyed, 409, "rule-violated", "ReturnRefunded")
    assert logged(core) == before
    assert balance(client, auth, "seller:acme:payable:USD") == 92_00 - 27_60


def test_a_declined_payment_is_a_402_and_takes_no_stock(
    client: TestClient, auth: Auth, core: Spotlight, listing: str
) -> None:
    before = logged(core)

    declined = place(client, auth, listing, payment_method="pm_card_chargeDeclined")

    assert_problem(declined, 402, "payment-declined")
    assert logged(core) == before
    assert ok(client.get(f"/v1/listings/{listing}"))["stock"] == 5


def test_a_seller_is_paid_out_their_proceeds_like_a_creator(
    client: TestClient, auth: Auth, core: Spotlight, listing: str
) -> None:
    ok(place(client, auth, listing))
    headers = {**auth(*ACME), "Idempotency-Key": "pay-1"}

    payout = client.post("/v1/payouts", json={"period": "2025-03"}, headers=headers)

    body = ok(payout)
    assert (body["payee"], body["creator"], body["amount"]) == (
        "seller",
        "acme",
        {"minor": 92_00, "currency": "USD"},
    )
    assert balance(client, auth, "seller:acme:payable:USD") == 0
    assert balance(client, auth, "seller:acme:in-transit:USD") == 92_00
    again = client.post("/v1/payouts", json={"period": "2025-03"}, headers=headers)
    assert ok(again)["replayed"] is True
    assert (
        ok(client.get(f"/v1/payouts/{body['id']}", headers=auth(*ACME)))["status"] == "in-transit"
    )
    sent = client.post(
        f"/v1/payouts/{body['id']}/settlement",
        json={"outcome": "sent", "reference": "wire-77"},
        headers=auth("admin", "ops"),
    )
    assert ok(sent)["status"] == "sent"
    assert balance(client, auth, "seller:acme:in-transit:USD") == 0
    told = ok(client.get("/v1/me/inbox", headers=auth(*ACME)))["items"]
    assert [notice["kind"] for notice in told] == ["payout_sent"]
    assert_problem(
        client.get(f"/v1/payouts/{body['id']}", headers=auth("seller", "bolt")), 403, "forbidden"
    )


def test_buyers_and_sellers_list_their_orders_by_state(
    client: TestClient, auth: Auth, listing: str
) -> None:
    first, second, third = (ok(place(client, auth, listing))["id"] for _ in range(3))
    ok(step(client, auth, ACME, second, "shipment", carrier="UPS", tracking="1Z9"))
    ok(step(client, auth, VIC, third, "cancellation", reason="changed my mind"))

    def listed_ids(path: str, who: tuple[str, str], **params: Any) -> list[tuple[str, str]]:
        page = ok(client.get(path, params=params, headers=auth(*who)))
        return [(item["order_id"], item["state"]) for item in page["items"]]

    assert listed_ids("/v1/me/orders", VIC) == [
        (first, "paid"),
        (second, "shipped"),
        (third, "cancelled"),
    ]
    assert listed_ids("/v1/me/sales", ACME, state="paid") == [(first, "paid")]
    assert listed_ids("/v1/me/orders", VIC, state="cancelled") == [(third, "cancelled")]
    page = ok(client.get("/v1/me/sales", params={"limit": 1}, headers=auth(*ACME)))
    assert [item["order_id"] for item in page["items"]] == [first]
    assert page["next_cursor"]
    assert_problem(
        client.get("/v1/me/orders", params={"state": "lost"}, headers=auth(*VIC)),
        422,
        "validation-error",
    )
    assert_problem(
        client.get("/v1/me/sales", params={"status": "paid"}, headers=auth(*ACME)),
        422,
        "validation-error",
    )


def test_the_sandbox_says_it_is_one(caplog: pytest.LogCaptureFixture) -> None:
    database = SqlProjectionStore(projection_database_for(parse_store("memory://")))
    with caplog.at_level(logging.INFO, logger="spotlight.payments"):
        sandbox = SandboxPayments(database)
        assert caplog.records == []
        intent = sandbox.create_intent(
            Money(5_00, "USD"), idempotency_key="k", description="an apron"
        )
        sandbox.create_intent(Money(5_00, "USD"), idempotency_key="k2", description="more")
    assert sandbox.name == "sandbox"
    assert intent.id.startswith("sandbox_pi_")
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert all("SANDBOX" in r.getMessage() for r in caplog.records)
    database.close()


def test_production_settings_refuse_the_sandbox(tmp_path: Path) -> None:
    environ = {"SPOTLIGHT_DATA_DIR": str(tmp_path), "SPOTLIGHT_ENVIRONMENT": "production"}
    with pytest.raises(SettingsError, match="refuses the sandbox payment provider"):
        Settings.from_environ(environ)
    with pytest.raises(SettingsError, match="refuses the sandbox"):
        Settings.from_environ({**environ, "SPOTLIGHT_PAYMENTS": "sandbox"})
    made_in_code = Settings.from_environ({"SPOTLIGHT_DATA_DIR": str(tmp_path)})
    database = SqlProjectionStore(projection_database_for(parse_store("memory://")))
    assert isinstance(payment_provider(made_in_code, database), SandboxPayments)
    import attrs

    with pytest.raises(SettingsError, match="production refuses the sandbox"):
        payment_provider(attrs.evolve(made_in_code, environment="production"), database)
    database.close()


def test_a_production_service_will_not_start_with_the_sandbox(tmp_path: Path) -> None:
    environ = {
        "PATH": "/usr/bin:/bin",
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_ENVIRONMENT": "production",
    }
    run = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "order-cancel", str(uuid4()), "--reason", "x"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "refuses the sandbox payment provider" in run.stderr


def test_an_operator_refunds_a_returned_order_from_the_command_line(tmp_path: Path) -> None:
    from application.auth import Principal, Role
    from entrypoints.bootstrap import bootstrap
    from tests.photos import plain_photo

    environ = {
        "PATH": "/usr/bin:/bin",
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_SECRET": "cli-secret-" + "x" * 20,
    }
    core = bootstrap(Settings.from_environ(environ))
    acme, vic = Principal(Role.SELLER, "acme"), Principal(Role.VIEWER, "vic")
    try:
        core.shop.register_seller(acme, name="Acme")
        listing = core.shop.list_product(
            acme,
            title="Apron",
            description="",
            price=Money(100_00, "USD"),
            stock=3,
            category="cooking",
            images=[plain_photo("apron")],
        )
        order = core.shop.place_order(vic, listing_id=listing.id, quantity=1, order_key="k")
        core.orders.ship(acme, order.id, carrier="UPS", tracking="1Z9")
        core.orders.deliver(vic, order.id)
        core.orders.request_return(vic, order.id, reason="torn")
        core.orders.receive_return(acme, order.id)
    finally:
        core.close()

    def spotlight(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, *arguments], env=environ, capture_output=True, text=True, timeout=120
        )

    too_much = spotlight("order-refund", str(order.id), "--amount", "10001")
    assert too_much.returncode != 0
    assert "RefundExceedsPayment" in too_much.stderr
    refunded = spotlight("order-refund", str(order.id), "--amount", "2500")
    assert refunded.returncode == 0, refunded.stderr
    assert json.loads(refunded.stdout)["refunded"] == {"minor": 2500, "currency": "USD"}
    again = spotlight("order-refund", str(order.id))
    assert again.returncode != 0
    assert "ReturnRefunded" in again.stderr
