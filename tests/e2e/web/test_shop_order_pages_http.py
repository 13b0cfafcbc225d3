"""The shop's order pages over HTTP on a real SQLite store: a buyer sees their orders in
their states and confirms a delivery, asks for a return and cancels through forms; a seller
sees their sales, filters those waiting to ship, ships with a tracking reference, records a
return and refunds part of it; a step the API refuses is refused here with its reason, a
form without the session's CSRF token changes nothing, and nobody steps someone else's order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.shop.test_shop_http import listed, register_seller
from tests.e2e.web.test_web_pages_http import Auth, browser_like, csrf_of, signed_in

__all__ = ["browser_like"]  # the fixture, used by name


def bought(client: TestClient, auth: Auth, listing: str, key: str) -> str:
    answer = client.post(
        "/v1/orders",
        json={"listing_id": listing, "quantity": 1},
        headers={**auth("viewer", "vic"), "Idempotency-Key": key},
    )
    assert answer.status_code == 201, answer.text
    order_id: str = answer.json()["id"]
    return order_id


def state_of(client: TestClient, auth: Auth, order_id: str) -> Any:
    return client.get(f"/v1/orders/{order_id}", headers=auth("admin", "ops")).json()


def test_a_buyer_and_a_seller_take_an_order_from_paid_to_refunded_through_their_pages(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    listing = listed(client, auth, "acme", "Linen apron", price_minor="10000", stock="5")
    order, other = bought(client, auth, listing, "k-1"), bought(client, auth, listing, "k-2")
    buyer = signed_in(browser_like(), "vic", "viewer")
    seller = signed_in(browser_like(), "acme", "seller")

    sales = seller.get("/shop/sales", params={"state": "paid"})
    assert sales.status_code == 200
    assert sales.text.count('class="ship"') == 2
    seller_csrf = csrf_of(sales)
    shipped = seller.post(
        f"/shop/sales/{order}/shipment",
        data={"csrf_token": seller_csrf, "carrier": "UPS", "tracking": "1Z9"},
    )
    assert "Order shipped." in shipped.text
    orders = buyer.get("/shop/orders")
    buyer_csrf = csrf_of(orders)
    assert 'class="deliver"' in orders.text
    assert 'class="cancel"' in orders.text
    buyer.post(f"/shop/orders/{order}/delivery", data={"csrf_token": buyer_csrf})
    asked = buyer.post(
        f"/shop/orders/{order}/return-request",
        data={"csrf_token": buyer_csrf, "reason": "too small"},
    )
    assert "Order return-requested." in asked.text
    seller.post(f"/shop/sales/{order}/return-receipt", data={"csrf_token": seller_csrf})
    refunded = seller.post(
        f"/shop/sales/{order}/refund",
        data={"csrf_token": seller_csrf, "amount_minor": "2500", "currency": "USD"},
    )
    assert "Order refunded." in refunded.text
    assert "25.00 USD" in refunded.text
    cancelled = buyer.post(
        f"/shop/orders/{other}/cancellation",
        data={"csrf_token": buyer_csrf, "reason": "changed my mind"},
    )
    assert "Order cancelled." in cancelled.text

    assert state_of(client, auth, order)["state"] == "refunded"
    assert state_of(client, auth, order)["refunded"] == {"minor": 2500, "currency": "USD"}
    assert state_of(client, auth, other)["state"] == "cancelled"
    assert "No sales paid." in seller.get("/shop/sales", params={"state": "paid"}).text


def test_refused_steps_show_the_apis_reason_and_change_nothing(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    register_seller(client, auth, "bolt")
    listing = listed(client, auth, "acme", "Linen apron", price_minor="10000", stock="5")
    order = bought(client, auth, listing, "k-1")
    buyer = signed_in(browser_like(), "vic", "viewer")
    csrf = csrf_of(buyer.get("/shop/orders"))
    bolt = signed_in(browser_like(), "bolt", "seller")
    bolt_csrf = csrf_of(bolt.get("/shop/sales"))

    early = buyer.post(f"/shop/orders/{order}/delivery", data={"csrf_token": csrf})
    assert early.status_code == 409
    assert "only a shipped order can deliver" in early.text
    not_theirs = bolt.post(
        f"/shop/sales/{order}/shipment",
        data={"csrf_token": bolt_csrf, "carrier": "UPS", "tracking": "1"},
    )
    assert not_theirs.status_code == 403
    no_token = buyer.post(f"/shop/orders/{order}/cancellation", data={"reason": "x"})
    assert no_token.status_code == 403
    assert "CSRF" in no_token.text
    assert state_of(client, auth, order)["state"] == "paid"
