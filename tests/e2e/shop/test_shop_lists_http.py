"""The shop's lists and the studios' over HTTP: a seller's listings (filtered by state), sales
and the reports against them, a buyer's orders, the reviewers' counterfeit-report queue, the
studios and their free slots and one's bookings, each a page at a time on the shared cursor;
a filter is named in the OpenAPI, an unknown one, a cursor of another list and a role that
owns no such list are refused with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from tests.e2e.anchors.test_owner_lists_http import Auth, read_all
from tests.e2e.shop.test_shop_http import listed


def order(client: TestClient, auth: Auth, buyer: tuple[str, str], listing: str, key: str) -> str:
    answer = client.post(
        "/v1/orders",
        json={"listing_id": listing, "quantity": 1},
        headers=auth(*buyer) | {"Idempotency-Key": key},
    )
    assert answer.status_code == 201, answer.text
    order_id: str = answer.json()["id"]
    return order_id


def report(client: TestClient, auth: Auth, listing: str, reporter: tuple[str, str]) -> str:
    answer = client.post(
        f"/v1/listings/{listing}/reports", json={"reason": "fake logo"}, headers=auth(*reporter)
    )
    assert answer.status_code == 201, answer.text
    report_id: str = answer.json()["id"]
    return report_id


def sellers(client: TestClient, auth: Auth) -> None:
    for seller in ("acme", "bolt"):
        answer = client.post("/v1/sellers", json={"name": seller}, headers=auth("seller", seller))
        assert answer.status_code == 201, answer.text


def test_sellers_and_buyers_page_through_their_own(client: TestClient, auth: Auth) -> None:
    sellers(client, auth)
    acme = [listed(client, auth, "acme", f"Apron {n}") for n in range(5)]
    bolt = listed(client, auth, "bolt", "Belt")
    bought = [
        order(client, auth, ("viewer", "vic"), listing, f"k{n}") for n, listing in enumerate(acme)
    ]
    order(client, auth, ("viewer", "vic"), bolt, "k-bolt")
    order(client, auth, ("creator", "vic"), acme[0], "k-as-creator")
    open_report = report(client, auth, acme[1], ("viewer", "vic"))
    upheld = report(client, auth, acme[2], ("creator", "mia"))
    decided = client.post(
        f"/v1/review/reports/{upheld}",
        json={"uphold": True, "reason": "confirmed"},
        headers=auth("reviewer", "rita"),
    )
    assert decided.status_code == 200, decided.text
    seller = auth("seller", "acme")

    listings, pages = read_all(client, "/v1/me/listings", seller, 2)
    assert [item["listing_id"] for item in listings] == acme
    assert pages == 3
    by_id = {item["listing_id"]: item for item in listings}
    assert by_id[acme[0]]["stock"] == 10 - 2
    assert by_id[acme[0]]["price"] == {"minor": 2450, "currency": "USD"}
    assert by_id[acme[1]]["open_reports"] == 1
    assert by_id[acme[2]]["state"] == "taken-down"
    listed_only = client.get("/v1/me/listings", params={"state": "listed"}, headers=seller).json()
    assert [item["listing_id"] for item in listed_only["items"]] == [acme[n] for n in (0, 1, 3, 4)]

    sales, _ = read_all(client, "/v1/me/sales", seller, 4)
    assert len(sales) == 6
    assert {item["buyer"] for item in sales} == {"viewer:vic", "creator:vic"}
    one = client.get("/v1/me/sales", params={"listing_id": acme[0]}, headers=seller).json()
    assert {item["buyer"] for item in one["items"]} == {"viewer:vic", "creator:vic"}

    mine, _ = read_all(client, "/v1/me/orders", auth("viewer", "vic"), 2)
    assert [item["order_id"] for item in mine][:5] == bought
    assert len(mine) == 6
    as_creator = client.get("/v1/me/orders", headers=auth("creator", "vic")).json()["items"]
    assert [item["listing_id"] for item in as_creator] == [acme[0]]

    reports = client.get("/v1/me/listing-reports", headers=seller).json()["items"]
    assert [(item["report_id"], item["state"]) for item in reports] == [
        (open_report, "open"),
        (upheld, "upheld"),
    ]
    queue = client.get("/v1/review/reports", headers=auth("reviewer", "rita")).json()
    assert [item["report_id"] for item in queue["items"]] == [open_report]
    assert client.get("/v1/me/listing-reports", headers=auth("seller", "bolt")).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_lists_refuse_what_they_do_not_take(client: TestClient, auth: Auth) -> None:
    sellers(client, auth)
    for n in range(2):
        listed(client, auth, "acme", f"Apron {n}")
    seller = auth("seller", "acme")
    cursor = client.get("/v1/me/listings", params={"limit": 1}, headers=seller).json()[
        "next_cursor"
    ]

    elsewhere = client.get("/v1/me/sales", params={"cursor": cursor}, headers=seller)
    assert elsewhere.status_code == 422
    assert "another list" in elsewhere.json()["detail"]
    unknown = client.get("/v1/me/listings", params={"status": "listed"}, headers=seller)
    assert unknown.status_code == 422
    assert "query.status" in unknown.text
    assert (
        client.get("/v1/me/listings", params={"state": "sold"}, headers=seller).status_code == 422
    )
    assert client.get("/v1/me/listings", headers=auth("viewer", "vic")).status_code == 403
    assert client.get("/v1/me/orders", headers=seller).status_code == 403
    assert client.get("/v1/review/reports", headers=seller).status_code == 403
    assert client.get("/v1/me/bookings", headers=seller).status_code == 403
    assert client.get("/v1/me/orders").status_code == 401
    # The ranked lists' cursors were counts of items seen; an integer is refused, saying why.
    offset = client.get(f"/v1/videos/{uuid4()}/similar-items", params={"cursor": "20"})
    assert offset.status_code == 422
    assert "no longer a count of results" in offset.json()["detail"]

    spec = client.get("/openapi.json").json()["paths"]
    parameters = {
        path: {p["name"] for p in spec[path]["get"]["parameters"] if p["in"] == "query"}
        for path in ("/v1/me/listings", "/v1/me/sales", "/v1/review/reports", "/v1/studios")
    }
    assert parameters == {
        "/v1/me/listings": {"limit", "cursor", "state"},
        "/v1/me/sales": {"limit", "cursor", "listing_id", "state"},
        "/v1/review/reports": {"limit", "cursor", "state"},
        "/v1/studios": {"limit", "cursor", "city"},
    }


def test_studios_their_free_slots_and_ones_bookings(client: TestClient, auth: Auth) -> None:
    opened = client.post(
        "/v1/studios",
        json={
            "city": "Jakarta",
            "name": "Kemang live rooms",
            "rooms": ["A", "B"],
            "opens_hour": 0,
            "closes_hour": 24,
            "price": {"minor": 50_00, "currency": "USD"},
        },
        headers=auth("admin", "ops"),
    )
    assert opened.status_code == 201, opened.text
    studio = opened.json()["id"]
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    booked = client.post(
        f"/v1/studios/{studio}/bookings",
        json={"room": "A", "starts_at": start.isoformat()},
        headers=auth("creator", "mia"),
    )
    assert booked.status_code == 201, booked.text
    sponsored = client.post(
        f"/v1/bookings/{booked.json()['slot_id']}/sponsorship", headers=auth("brand", "fizz")
    )
    assert sponsored.status_code == 200, sponsored.text

    listed_studios = client.get("/v1/studios", params={"city": "jakarta"}).json()["items"]
    assert [item["id"] for item in listed_studios] == [studio]
    window: dict[str, Any] = {
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
    }
    free: list[dict[str, Any]] = []
    pages, cursor = 0, None
    while pages == 0 or cursor is not None:
        params = window | {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/v1/studios/{studio}/free-slots", params=params).json()
        free += page["items"]
        pages, cursor = pages + 1, page["next_cursor"]
    assert [(item["starts_at"], item["room"]) for item in free] == [
        (_iso(start), "B"),
        (_iso(start + timedelta(hours=1)), "A"),
        (_iso(start + timedelta(hours=1)), "B"),
    ]
    assert pages == 3
    too_long = client.get(
        f"/v1/studios/{studio}/free-slots",
        params={"start": start.isoformat(), "end": (start + timedelta(days=40)).isoformat()},
    )
    assert too_long.status_code == 422
    assert "31 days" in too_long.json()["detail"]

    # The calendar's ends are refused with a reason, never overflowed into a server error.
    for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"):
        for path, name, headers in (
            (f"/v1/studios/{studio}/free-slots", "start", {}),
            (f"/v1/studios/{studio}/free-slots", "end", {}),
            ("/v1/me/bookings", "starting_from", auth("creator", "mia")),
        ):
            answer = client.get(path, params={name: edge}, headers=headers)
            assert answer.status_code == 422, (path, name, edge, answer.text)

    for who in (("creator", "mia"), ("brand", "fizz")):
        mine = client.get("/v1/me/bookings", headers=auth(*who)).json()["items"]
        assert [(item["creator"], item["sponsor"], item["room"]) for item in mine] == [
            ("mia", "fizz", "A")
        ]
    assert client.get("/v1/me/bookings", headers=auth("creator", "leo")).json()["items"] == []


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
