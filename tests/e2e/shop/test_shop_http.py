"""The shop through HTTP, over a real SQLite store: sellers and listings with their images,
search, commission, orders and their money, product tags with the creator's consent,
counterfeit reports, and live-stream studios; and the shop's two CLI commands.

The business clock is a fixed clock the tests move (report quotas are per day, studio slots
lie in the future); the notifier is the real in-app inbox behind a switch the tests can turn
off, as an outage would.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from adapters.notifications.inbox import InAppNotifier
from application.auth import Principal, Role
from application.notifications import Notice
from domain.shop.listings import Listing
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.fakes import FixedClock

Auth = Callable[[str, str], dict[str, str]]
Json = dict[str, Any]
PROBLEM = "application/problem+json"
MARCH_10 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
SECRET = "e2e-secret-" + "x" * 20
SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]


class SwitchableNotifier:
    """The real in-app notifier behind a switch: while ``down`` every notice fails, as when
    the messaging service is unreachable. A fake with the notifier port's methods."""

    def __init__(self) -> None:
        self.inner: InAppNotifier | None = None
        self.down = False
        self.attempts = 0

    def notify(self, recipient: str, *, subject: str, body: str, key: str, **typed: Any) -> str:
        self.attempts += 1
        if self.down or self.inner is None:
            raise ConnectionError("the notifier is unreachable")
        return self.inner.notify(recipient, subject=subject, body=body, key=key, **typed)

    def inbox(
        self, recipient: str, *, after: int = 0, limit: int = 50, **filters: Any
    ) -> list[Notice]:
        assert self.inner is not None
        return self.inner.inbox(recipient, after=after, limit=limit, **filters)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MARCH_10)


@pytest.fixture
def notifier() -> SwitchableNotifier:
    return SwitchableNotifier()


def settings_for(data_dir: Path, **extra: str) -> Settings:
    return Settings.from_environ(
        {"SPOTLIGHT_DATA_DIR": str(data_dir), "SPOTLIGHT_SECRET": SECRET, **extra}
    )


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock, notifier: SwitchableNotifier) -> Iterator[Spotlight]:
    running = bootstrap(settings_for(tmp_path), clock=clock, notifier=notifier)
    notifier.inner = InAppNotifier(running._inbox, clock=clock, reads=running.inbox_reads)
    yield running
    running.close()


# Helpers --------------------------------------------------------------------------------


def assert_problem(response: Any, status: int, slug: str, rule: str | None = None) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: Json = response.json()
    assert body["type"] == f"urn:spotlight:problem:{slug}"
    if rule is not None:
        assert body["rule"] == rule, body
    return body


def png(seed: int = 0, side: int = 16) -> bytes:
    """A small product photo: a flat colour picked by the seed."""
    rng = random.Random(seed)
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, "PNG")
    return out.getvalue()


def noisy_png(side: int, seed: int = 0) -> bytes:
    """A photo of noise: PNG cannot compress it, so it takes about 3 bytes a pixel."""
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG")
    return out.getvalue()


def encoded(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(out, kind)
    return out.getvalue()


def register_seller(client: TestClient, auth: Auth, account: str, name: str = "") -> Json:
    response = client.post(
        "/v1/sellers", json={"name": name or f"{account} shop"}, headers=auth("seller", account)
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def post_listing(
    client: TestClient,
    auth: Auth,
    seller: str,
    *,
    images: list[tuple[str, bytes]] | None = None,
    role: str = "seller",
    **fields: Any,
) -> Any:
    data = {
        "title": "Linen apron",
        "description": "Washed linen, two pockets",
        "price_minor": "2450",
        "currency": "USD",
        "stock": "10",
        "category": "cooking",
        "attributes": '{"colour": "sand"}',
        **{k: str(v) for k, v in fields.items()},
    }
    files = [("image", (name, content, "image/png")) for name, content in images or []]
    if images is None:
        files = [("image", ("apron.png", png(1), "image/png"))]
    return client.post("/v1/listings", data=data, files=files, headers=auth(role, seller))


def listed(client: TestClient, auth: Auth, seller: str, title: str, **fields: Any) -> str:
    response = post_listing(client, auth, seller, title=title, **fields)
    assert response.status_code == 201, response.text
    listing_id: str = response.json()["id"]
    return listing_id


def listings_recorded(core: Spotlight) -> int:
    return len(
        core._revenue.recorder.select_notifications(
            start=None, limit=10_000, topics=(Listing.Listed.TOPIC,)
        )
    )


def publish(client: TestClient, auth: Auth, creator: str, category: str = "cooking") -> str:
    response = client.post(
        "/v1/videos",
        json={"caption": f"{creator} cooks", "hashtags": [], "category": category},
        headers=auth("creator", creator),
    )
    assert response.status_code == 201, response.text
    video_id: str = response.json()["id"]
    return video_id


def search(client: TestClient, query: str, **params: Any) -> Json:
    response = client.get("/v1/shop/search", params={"q": query, **params})
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def titles_found(client: TestClient, query: str) -> list[str]:
    return [r["title"] for r in search(client, query)["results"]]


def order(
    client: TestClient,
    auth: Auth,
    buyer: str,
    listing_id: str,
    quantity: int = 1,
    *,
    key: str | None = None,
    video_id: str | None = None,
    role: str = "viewer",
) -> Any:
    body: Json = {"listing_id": listing_id, "quantity": quantity}
    if video_id is not None:
        body["video_id"] = video_id
    return client.post(
        "/v1/orders",
        json=body,
        headers={**auth(role, buyer), "Idempotency-Key": key or str(uuid4())},
    )


def tag(client: TestClient, auth: Auth, video_id: str, listing_id: str) -> Any:
    return client.post(
        f"/v1/videos/{video_id}/tags",
        json={"listing_id": listing_id},
        headers=auth("reviewer", "rita"),
    )


def similar(client: TestClient, video_id: str) -> list[str]:
    response = client.get(f"/v1/videos/{video_id}/similar-items")
    assert response.status_code == 200, response.text
    return [item["listing_id"] for item in response.json()["items"]]


def inbox(client: TestClient, auth: Auth, who: tuple[str, str], after: int = 0) -> Json:
    response = client.get("/v1/me/inbox", params={"after": after}, headers=auth(*who))
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def balance(client: TestClient, auth: Auth, code: str, who: tuple[str, str]) -> int:
    response = client.get(f"/v1/ledgers/{code}", headers=auth(*who))
    assert response.status_code == 200, response.text
    minor: int = response.json()["balance"]["minor"]
    return minor


def report(client: TestClient, auth: Auth, listing_id: str, who: tuple[str, str]) -> Any:
    return client.post(
        f"/v1/listings/{listing_id}/reports",
        json={"reason": "The logo is misspelt", "evidence": ["https://example.com/fake.jpg"]},
        headers=auth(*who),
    )


def decide(client: TestClient, auth: Auth, report_id: str, uphold: bool) -> Any:
    return client.post(
        f"/v1/review/reports/{report_id}",
        json={"uphold": uphold, "reason": "Confirmed with the brand owner"},
        headers=auth("reviewer", "rita"),
    )


def upheld_against(client: TestClient, auth: Auth, listing_id: str, reporter: str) -> Json:
    filed = report(client, auth, listing_id, ("viewer", reporter))
    assert filed.status_code == 201, filed.text
    decided = decide(client, auth, filed.json()["id"], True)
    assert decided.status_code == 200, decided.text
    body: Json = decided.json()
    return body


# Sellers and listings -------------------------------------------------------------------


def test_a_seller_registers_once_and_lists_products_with_their_images(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    registered = client.post(
        "/v1/sellers", json={"name": "Sand & Linen"}, headers=auth("seller", "acme")
    )
    again = client.post("/v1/sellers", json={"name": "Again"}, headers=auth("seller", "acme"))
    by_viewer = client.post("/v1/sellers", json={"name": "V"}, headers=auth("viewer", "v"))
    admin_unnamed = client.post("/v1/sellers", json={"name": "A"}, headers=auth("admin", "ops"))
    admin_named = client.post(
        "/v1/sellers", json={"name": "Pots", "account": "potter"}, headers=auth("admin", "ops")
    )
    blank = client.post("/v1/sellers", json={"name": "   "}, headers=auth("seller", "blank"))
    assert registered.status_code == 201, registered.text
    assert registered.headers["location"] == "/v1/sellers/acme"
    assert registered.json() == {
        "account": "acme",
        "name": "Sand & Linen",
        "strikes": 0,
        "suspended": False,
        "version": 1,
    }
    assert_problem(again, 409, "seller-exists")
    assert_problem(by_viewer, 403, "forbidden")
    assert_problem(admin_unnamed, 422, "invalid-value")  # allowed, but names nobody
    assert admin_named.status_code == 201
    assert admin_named.json()["account"] == "potter"
    assert_problem(blank, 422, "invalid-value")
    assert client.get("/v1/sellers/acme", headers=auth("viewer", "v")).json()["name"] == (
        "Sand & Linen"
    )
    assert_problem(client.get("/v1/sellers/nobody", headers=auth("viewer", "v")), 404, "not-found")

    front, back = png(1), png(2)
    created = post_listing(
        client,
        auth,
        "acme",
        images=[("front.png", front), ("back.png", back)],
        attributes='{"colour": "sand", "size": "one size"}',
    )
    assert created.status_code == 201, created.text
    listing = created.json()
    assert created.headers["location"] == f"/v1/listings/{listing['id']}"
    assert created.headers["etag"] == '"1"'
    assert listing["seller"] == "acme"
    assert listing["price"] == {"minor": 2450, "currency": "USD"}
    assert listing["stock"] == 10
    assert listing["status"] == "listed"
    assert listing["attributes"] == {"colour": "sand", "size": "one size"}
    assert listing["images"] == [
        hashlib.sha256(front).hexdigest(),
        hashlib.sha256(back).hexdigest(),
    ]
    jpeg = post_listing(client, auth, "acme", images=[("a.jpg", encoded("JPEG"))], title="Mug")
    webp = post_listing(client, auth, "acme", images=[("a.webp", encoded("WEBP"))], title="Jug")
    assert (jpeg.status_code, webp.status_code) == (201, 201), (jpeg.text, webp.text)
    assert listings_recorded(core) == 3

    # Every refusal is a clear problem, and nothing is recorded for it.
    truncated = png(3, side=64)[:60]
    out = io.BytesIO()
    Image.new("1", (9_000, 6_000), 1).save(out, "PNG")  # 54 million pixels in 19 kB
    bomb = out.getvalue()
    refused = {
        "zero price": (post_listing(client, auth, "acme", price_minor=0), 422, "invalid-value"),
        "negative price": (
            post_listing(client, auth, "acme", price_minor=-5),
            422,
            "invalid-value",
        ),
        "fractional price": (
            post_listing(client, auth, "acme", price_minor="12.50"),
            422,
            "validation-error",
        ),
        "float-looking price": (
            post_listing(client, auth, "acme", price_minor="12.0"),
            422,
            "validation-error",
        ),
        "unknown currency": (
            post_listing(client, auth, "acme", currency="XYZ"),
            422,
            "invalid-value",
        ),
        "negative stock": (post_listing(client, auth, "acme", stock=-1), 422, "invalid-value"),
        "unknown category": (
            post_listing(client, auth, "acme", category="cars"),
            422,
            "invalid-value",
        ),
        "attributes not JSON": (
            post_listing(client, auth, "acme", attributes="colour=sand"),
            422,
            "validation-error",
        ),
        "text as an image": (
            post_listing(client, auth, "acme", images=[("apron.png", b"certainly a picture")]),
            422,
            "unreadable-image",
        ),
        "a good image and a bad one": (
            post_listing(client, auth, "acme", images=[("a.png", png(4)), ("b.png", b"\x00" * 64)]),
            422,
            "unreadable-image",
        ),
        "truncated image": (
            post_listing(client, auth, "acme", images=[("cut.png", truncated)]),
            422,
            "unreadable-image",
        ),
        "a small file of huge pictures": (
            post_listing(client, auth, "acme", images=[("bomb.png", bomb)]),
            413,
            "media-too-large",
        ),
        "GIF": (
            post_listing(client, auth, "acme", images=[("a.gif", encoded("GIF"))]),
            422,
            "unreadable-image",
        ),
        "no image": (post_listing(client, auth, "acme", images=[]), 422, "validation-error"),
        "unknown field": (
            post_listing(client, auth, "acme", colour="sand"),
            422,
            "validation-error",
        ),
        "empty title": (post_listing(client, auth, "acme", title="  "), 422, "invalid-value"),
        "a viewer": (post_listing(client, auth, "acme", role="viewer"), 403, "forbidden"),
        "not a registered seller": (post_listing(client, auth, "stranger"), 404, "not-found"),
        "JSON instead of a form": (
            client.post(
                "/v1/listings",
                json={"title": "Apron", "price_minor": 10},
                headers=auth("seller", "acme"),
            ),
            415,
            "unsupported-media-type",
        ),
    }
    for why, (response, status, slug) in refused.items():
        assert response.status_code == status, (why, response.text)
        assert assert_problem(response, status, slug)["detail"], why
    assert "unknown category 'cars'" in refused["unknown category"][0].json()["detail"]
    assert "more than zero" in refused["zero price"][0].json()["detail"]
    assert "image 2" in refused["a good image and a bad one"][0].json()["detail"]
    assert "pixels" in refused["a small file of huge pictures"][0].json()["detail"]
    assert listings_recorded(core) == 3


def test_oversized_images_are_refused_before_anything_is_recorded(tmp_path: Path) -> None:
    limit_mb = "0.05"  # 52,428 bytes an image
    running = bootstrap(settings_for(tmp_path, SPOTLIGHT_MAX_UPLOAD_MB=limit_mb))
    try:
        client = TestClient(create_app(running))

        def auth(role: str, subject: str) -> dict[str, str]:
            token = running.tokens.issue(
                Principal(Role(role), subject), lifetime=timedelta(hours=1)
            )
            return {"Authorization": f"Bearer {token}"}

        register_seller(client, auth, "acme")
        small = post_listing(client, auth, "acme", images=[("ok.png", png(1))])
        assert small.status_code == 201, small.text
        one_too_big = noisy_png(190)  # about 108 kB: within the request, over the image limit
        assert 52_428 < len(one_too_big) < 10 * 52_428
        too_big = post_listing(
            client, auth, "acme", images=[("ok.png", png(2)), ("big.png", one_too_big)]
        )
        far_too_big = post_listing(client, auth, "acme", images=[("huge.png", noisy_png(500))])
        assert "image 2 (big.png)" in assert_problem(too_big, 413, "payload-too-large")["detail"]
        assert "the limit is" in assert_problem(far_too_big, 413, "payload-too-large")["detail"]
        assert listings_recorded(running) == 1
    finally:
        running.close()


def test_a_listing_is_read_edited_restocked_and_delisted_by_its_seller(
    client: TestClient, auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    register_seller(client, auth, "rival")
    listing_id = listed(client, auth, "acme", "Linen apron")
    url = f"/v1/listings/{listing_id}"
    read = client.get(url)  # public
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'

    edit = {
        "title": "Linen apron, long",
        "description": "Washed linen",
        "price": {"minor": 2990, "currency": "USD"},
        "category": "cooking",
        "attributes": {"colour": "clay"},
    }
    edited = client.put(url, json=edit, headers={**auth("seller", "acme"), "If-Match": '"1"'})
    stale = client.put(url, json=edit, headers={**auth("seller", "acme"), "If-Match": '"1"'})
    by_rival = client.put(url, json=edit, headers=auth("seller", "rival"))
    float_price = client.put(
        url,
        json={**edit, "price": {"minor": 29.9, "currency": "USD"}},
        headers=auth("seller", "acme"),
    )
    free = client.put(
        url, json={**edit, "price": {"minor": 0, "currency": "USD"}}, headers=auth("seller", "acme")
    )
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == '"2"'
    assert edited.json()["title"] == "Linen apron, long"
    assert edited.json()["price"] == {"minor": 2990, "currency": "USD"}
    assert assert_problem(stale, 412, "stale-version")["current_version"] == 2
    assert_problem(by_rival, 403, "forbidden")
    assert_problem(float_price, 422, "validation-error")
    assert_problem(free, 422, "invalid-value")

    restock = f"{url}/restock"
    restocked = client.post(restock, json={"added": 5}, headers=auth("seller", "acme"))
    assert restocked.status_code == 200, restocked.text
    assert restocked.json()["stock"] == 15
    assert_problem(
        client.post(restock, json={"added": 0}, headers=auth("seller", "acme")),
        422,
        "validation-error",
    )
    assert_problem(
        client.post(restock, json={"added": 5}, headers=auth("seller", "rival")), 403, "forbidden"
    )

    delisting = f"{url}/delisting"
    assert_problem(
        client.post(delisting, json={"reason": ""}, headers=auth("seller", "acme")),
        422,
        "validation-error",
    )
    delisted = client.post(
        delisting, json={"reason": "Discontinued"}, headers=auth("seller", "acme")
    )
    assert delisted.status_code == 200, delisted.text
    assert delisted.json()["status"] == "delisted"
    assert_problem(
        client.post(restock, json={"added": 5}, headers=auth("seller", "acme")),
        409,
        "rule-violated",
        "NotOnSale",
    )
    assert_problem(order(client, auth, "bob", listing_id), 409, "rule-violated", "NotOnSale")
    assert_problem(client.get(f"/v1/listings/{uuid4()}"), 404, "not-found")


# Search ---------------------------------------------------------------------------------


def test_search_tolerates_typos_and_shows_only_what_can_be_ordered(
    client: TestClient, auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    skillet = listed(client, auth, "acme", "Cast iron skillet", description="Pre-seasoned pan")
    teapot = listed(client, auth, "acme", "Ceramic teapot", description="Holds a litre")
    listed(client, auth, "acme", "Bamboo whisk", description="For matcha")
    kettle = listed(client, auth, "acme", "Copper kettle", stock=0)
    whisk_id = search(client, "whisk")["results"][0]["listing_id"]

    found = search(client, "skilet")
    assert [r["listing_id"] for r in found["results"]] == [skillet]
    assert found["results"][0]["matched"] == ["skillet"]
    assert found["results"][0]["price"] == {"minor": 2450, "currency": "USD"}
    assert titles_found(client, "CERAMIK teapott") == ["Ceramic teapot"]
    assert titles_found(client, "matcha") == ["Bamboo whisk"]
    assert titles_found(client, "bicycle") == []
    assert_problem(client.get("/v1/shop/search", params={"q": ""}), 422, "validation-error")

    # Out of stock: not shown until restocked, and gone again once sold out.
    assert titles_found(client, "kettle") == []
    client.post(f"/v1/listings/{kettle}/restock", json={"added": 2}, headers=auth("seller", "acme"))
    assert titles_found(client, "kettle") == ["Copper kettle"]
    assert order(client, auth, "bob", kettle, 2).status_code == 201
    assert titles_found(client, "kettle") == []

    # Delisted: gone.
    client.post(
        f"/v1/listings/{whisk_id}/delisting",
        json={"reason": "Sold elsewhere"},
        headers=auth("seller", "acme"),
    )
    assert titles_found(client, "whisk") == []

    # Taken down by trust and safety: gone.
    upheld_against(client, auth, teapot, "reporter")
    assert titles_found(client, "teapot") == []
    assert titles_found(client, "skillet") == ["Cast iron skillet"]

    # Pages: a cursor continues after the last result seen (`results`: `items`, deprecated).
    for n in range(5):
        listed(client, auth, "acme", f"Linen napkin {n}")
    first = search(client, "napkin", limit=3)
    rest = search(client, "napkin", limit=3, cursor=first["next_cursor"])
    assert (len(first["items"]), len(rest["items"]), rest["next_cursor"]) == (3, 2, None)
    assert first["results"] == first["items"]
    everything = search(client, "napkin", limit=10)["items"]
    assert first["items"] + rest["items"] == everything
    assert len({r["listing_id"] for r in everything}) == 5

    # An integer cursor (what pages once took) is refused, saying why; so is a cursor made
    # for another query.
    offset = client.get("/v1/shop/search", params={"q": "napkin", "cursor": "3"})
    assert_problem(offset, 422, "validation-error")
    assert "no longer a count of results" in offset.json()["detail"]
    other_query = client.get(
        "/v1/shop/search", params={"q": "kettle", "cursor": first["next_cursor"]}
    )
    assert_problem(other_query, 422, "invalid-value")
    assert "another query" in other_query.json()["detail"]


def test_a_buyer_narrows_and_orders_a_search(client: TestClient, auth: Auth) -> None:
    register_seller(client, auth, "acme")
    for title, price, currency, category, stock in [
        ("Oak spoon", 300, "USD", "cooking", 10),
        ("Oak bowl", 2500, "USD", "cooking", 10),
        ("Oak comb", 900, "USD", "beauty", 10),
        ("Oak ladle", 1200, "USD", "cooking", 0),
        ("Oak board", 1800, "EUR", "cooking", 10),
    ]:
        listed(
            client,
            auth,
            "acme",
            title,
            price_minor=price,
            currency=currency,
            category=category,
            stock=stock,
        )

    def titles(**params: Any) -> list[str]:
        return [r["title"] for r in search(client, "oak", limit=10, **params)["items"]]

    assert titles(category="cooking", currency="USD", sort="price_asc") == ["Oak spoon", "Oak bowl"]
    assert titles(category="cooking", currency="USD", sort="price_desc", in_stock="false") == [
        "Oak bowl",
        "Oak ladle",
        "Oak spoon",
    ]
    assert titles(currency="USD", min_price=500, max_price=2000) == ["Oak comb"]
    assert titles(currency="EUR") == ["Oak board"]
    assert titles(currency="USD", min_price=900, max_price=100) == []  # no price is in between
    found = search(client, "oak", category="beauty")["items"]
    assert [(r["category"], r["price"]["minor"]) for r in found] == [("beauty", 900)]

    # A page continues only with the filters and order it was read for.
    first = search(client, "oak", limit=1, sort="price_asc")
    rest = search(client, "oak", limit=10, sort="price_asc", cursor=first["next_cursor"])
    assert [r["title"] for r in first["items"] + rest["items"]] == titles(sort="price_asc")
    other = client.get(
        "/v1/shop/search",
        params={"q": "oak", "sort": "price_desc", "cursor": first["next_cursor"]},
    )
    assert "another shop search" in assert_problem(other, 422, "invalid-value")["detail"]

    # Bad values are refused with the reason.
    for params, reason in [
        ({"min_price": "500"}, "needs a currency"),
        ({"category": "spaceships"}, "unknown category"),
        ({"currency": "XYZ"}, "unknown currency"),
    ]:
        refused = client.get("/v1/shop/search", params={"q": "oak", **params})
        assert reason in assert_problem(refused, 422, "invalid-value")["detail"]
    for params in [
        {"min_price": "1.5", "currency": "USD"},
        {"max_price": "-1", "currency": "USD"},
        {"sort": "cheapest"},
        {"in_stock": "maybe"},
        {"currency": "usd"},
    ]:
        bad = client.get("/v1/shop/search", params={"q": "oak", **params})
        assert_problem(bad, 422, "validation-error")


# Commission and orders ------------------------------------------------------------------


def test_an_admin_sets_commission_rates_and_orders_use_the_rate_in_force(
    client: TestClient, auth: Auth
) -> None:
    rates = client.get("/v1/shop/commission", headers=auth("seller", "acme"))
    assert rates.status_code == 200
    assert rates.json()["rates"]["cooking"] == 800
    assert len(rates.json()["rates"]) == 12

    url = "/v1/shop/commission/cooking"
    set_rate = client.put(url, json={"basis_points": 1_000}, headers=auth("admin", "ops"))
    assert set_rate.status_code == 200, set_rate.text
    assert set_rate.json()["rates"]["cooking"] == 1_000
    assert set_rate.json()["rates"]["beauty"] == 800
    assert_problem(
        client.put(url, json={"basis_points": 100}, headers=auth("seller", "acme")),
        403,
        "forbidden",
    )
    assert_problem(
        client.put(url, json={"basis_points": 5_001}, headers=auth("admin", "ops")),
        422,
        "invalid-value",
    )
    assert_problem(
        client.put(url, json={"basis_points": 10.5}, headers=auth("admin", "ops")),
        422,
        "validation-error",
    )
    unknown = client.put(
        "/v1/shop/commission/cars", json={"basis_points": 100}, headers=auth("admin", "ops")
    )
    assert "unknown category" in assert_problem(unknown, 422, "invalid-value")["detail"]

    register_seller(client, auth, "acme")
    listing_id = listed(client, auth, "acme", "Cast iron skillet", price_minor=2450)
    placed = order(client, auth, "bob", listing_id, 2)
    assert placed.status_code == 201, placed.text
    assert placed.json()["rate_bp"] == 1_000
    assert placed.json()["platform_commission"] == {"minor": 490, "currency": "USD"}
    assert placed.json()["proceeds"] == {"minor": 4_410, "currency": "USD"}

    client.put(url, json={"basis_points": 0}, headers=auth("admin", "ops"))
    free = order(client, auth, "bob", listing_id, 1)
    assert free.json()["platform_commission"]["minor"] == 0
    assert free.json()["proceeds"]["minor"] == 2450
    kept = client.get(f"/v1/orders/{placed.json()['id']}", headers=auth("viewer", "bob"))
    assert kept.json()["rate_bp"] == 1_000  # placed orders keep their rate


def test_orders_take_stock_once_per_key_and_post_the_sellers_proceeds(
    client: TestClient, auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    register_seller(client, auth, "rival")
    listing_id = listed(client, auth, "acme", "Cast iron skillet", price_minor=2450, stock=5)

    placed = order(client, auth, "bob", listing_id, 2, key="bob-cart-1")
    retried = order(client, auth, "bob", listing_id, 2, key="bob-cart-1")
    reused = order(client, auth, "bob", listing_id, 1, key="bob-cart-1")
    too_many = order(client, auth, "eve", listing_id, 4)
    by_seller = order(client, auth, "acme", listing_id, 1, role="seller")
    no_key = client.post(
        "/v1/orders", json={"listing_id": listing_id, "quantity": 1}, headers=auth("viewer", "bob")
    )
    fractional = client.post(
        "/v1/orders",
        json={"listing_id": listing_id, "quantity": 1.5},
        headers={**auth("viewer", "bob"), "Idempotency-Key": "k"},
    )
    unknown = order(client, auth, "bob", str(uuid4()), 1)

    assert placed.status_code == 201, placed.text
    first = placed.json()
    assert placed.headers["location"] == f"/v1/orders/{first['id']}"
    assert first["buyer"] == "viewer:bob"
    assert first["total"] == {"minor": 4_900, "currency": "USD"}
    assert first["platform_commission"] == {"minor": 392, "currency": "USD"}  # 8% by default
    assert first["proceeds"] == {"minor": 4_508, "currency": "USD"}
    assert first["affiliate_share"] == {"minor": 0, "currency": "USD"}
    assert first["replayed"] is False
    assert retried.status_code == 201, retried.text  # as the first answer was
    assert retried.headers["idempotent-replayed"] == "true"
    assert retried.json() == {**first, "replayed": True}
    assert_problem(reused, 409, "rule-violated")
    assert "3 in stock" in assert_problem(too_many, 409, "rule-violated", "OutOfStock")["detail"]
    assert_problem(by_seller, 403, "forbidden")
    assert_problem(no_key, 422, "validation-error")
    assert_problem(fractional, 422, "validation-error")
    assert_problem(unknown, 404, "not-found")
    assert client.get(f"/v1/listings/{listing_id}").json()["stock"] == 3

    rest = order(client, auth, "eve", listing_id, 3, role="creator")
    assert rest.status_code == 201, rest.text
    assert client.get(f"/v1/listings/{listing_id}").json()["stock"] == 0
    assert_problem(order(client, auth, "zoe", listing_id, 1), 409, "rule-violated", "OutOfStock")

    readers = [
        ("viewer", "bob"),
        ("seller", "acme"),
        ("admin", "ops"),
        ("auditor", "audit"),
        ("viewer", "eve"),
        ("seller", "rival"),
    ]
    url = f"/v1/orders/{first['id']}"
    assert {who: client.get(url, headers=auth(*who)).status_code for who in readers} == {
        ("viewer", "bob"): 200,
        ("seller", "acme"): 200,
        ("admin", "ops"): 200,
        ("auditor", "audit"): 200,
        ("viewer", "eve"): 403,
        ("seller", "rival"): 403,
    }

    payable = "seller:acme:payable:USD"
    assert balance(client, auth, payable, ("seller", "acme")) == 4_508 + 6_762
    account = client.get(f"/v1/ledgers/{payable}", headers=auth("seller", "acme")).json()
    assert [(p["kind"], p["side"], p["amount"]["minor"]) for p in account["postings"]] == [
        ("order-placed", "credit", 4_508),
        ("order-placed", "credit", 6_762),
    ]
    assert account["postings"][0]["cause"] == f"order:{first['id']}"
    assert_problem(
        client.get(f"/v1/ledgers/{payable}", headers=auth("seller", "rival")), 403, "forbidden"
    )
    assert balance(client, auth, "platform:buyer-payments:USD", ("auditor", "a")) == -(
        4_900 + 7_350
    )


def test_an_order_through_a_tagged_video_credits_the_opted_in_creator(
    client: TestClient, auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    client.put(
        "/v1/shop/commission/cooking", json={"basis_points": 1_000}, headers=auth("admin", "ops")
    )
    skillet = listed(client, auth, "acme", "Cast iron skillet", price_minor=1_999, stock=10)
    video = publish(client, auth, "maya")
    untagged = publish(client, auth, "maya")
    assert tag(client, auth, video, skillet).status_code == 201

    # Not opted in: attributed to the video, no share.
    attributed = order(client, auth, "bob", skillet, video_id=video)
    assert attributed.status_code == 201, attributed.text
    assert attributed.json()["video_id"] == video
    assert attributed.json()["affiliate_creator"] is None
    assert attributed.json()["affiliate_share"]["minor"] == 0
    assert_problem(
        order(client, auth, "bob", skillet, video_id=untagged),
        409,
        "rule-violated",
        "NotAttributable",
    )
    assert_problem(
        order(client, auth, "bob", skillet, video_id=str(uuid4())),
        409,
        "rule-violated",
        "NotAttributable",
    )

    opted = client.put(
        "/v1/me/shop-preferences",
        json={"auto_tags": True, "affiliate": True},
        headers=auth("creator", "maya"),
    )
    assert opted.status_code == 200, opted.text
    assert opted.json() == {"creator": "maya", "auto_tags": True, "affiliate": True, "version": 2}
    shared = order(client, auth, "bob", skillet, video_id=video)
    assert shared.status_code == 201, shared.text
    # 10% of 19.99 is 1.99 (rounded down); maya gets the odd cent: 1.00, the platform 0.99.
    assert shared.json()["affiliate_creator"] == "maya"
    assert shared.json()["platform_commission"] == {"minor": 99, "currency": "USD"}
    assert shared.json()["affiliate_share"] == {"minor": 100, "currency": "USD"}
    assert shared.json()["proceeds"] == {"minor": 1_800, "currency": "USD"}

    payable = "creator:maya:payable:USD"
    assert balance(client, auth, payable, ("creator", "maya")) == 100
    [posting] = client.get(f"/v1/ledgers/{payable}", headers=auth("creator", "maya")).json()[
        "postings"
    ]
    assert posting["reference"] == f"video:{video}"
    assert posting["cause"] == f"order:{shared.json()['id']}"
    assert balance(client, auth, "seller:acme:payable:USD", ("seller", "acme")) == 1_800 * 2
    assert balance(client, auth, "platform:commission:USD", ("auditor", "a")) == 199 + 99


# Product tags ---------------------------------------------------------------------------


def test_a_tag_is_shown_only_once_the_creator_was_told_and_a_removal_is_final(
    client: TestClient, auth: Auth, core: Spotlight, notifier: SwitchableNotifier
) -> None:
    register_seller(client, auth, "acme")
    skillet = listed(client, auth, "acme", "Cast iron skillet")
    video = publish(client, auth, "maya")
    maya = ("creator", "maya")

    notifier.down = True
    tagged = tag(client, auth, video, skillet)
    assert tagged.status_code == 201, tagged.text
    [hidden] = tagged.json()["tags"]
    assert (hidden["listing_id"], hidden["shown"], hidden["added_by"]) == (
        skillet,
        False,
        "reviewer:rita",
    )
    assert notifier.attempts == 1  # the service tried to tell maya, and could not
    assert similar(client, video) == []
    assert inbox(client, auth, maya)["notices"] == []

    notifier.down = False
    assert core.tagging.deliver_pending_notices() == 1
    [notice] = inbox(client, auth, maya)["notices"]
    assert notice["subject"] == "A product link was added to your video"
    assert "Cast iron skillet" in notice["body"]
    assert similar(client, video) == [skillet]
    assert core.tagging.deliver_pending_notices() == 0
    assert inbox(client, auth, maya, after=notice["position"])["notices"] == []
    assert inbox(client, auth, ("viewer", "bob"))["notices"] == []

    # Who reads and who changes a video's tags.
    tags_url = f"/v1/videos/{video}/tags"
    readers = [
        ("creator", "maya"),
        ("reviewer", "rita"),
        ("admin", "a"),
        ("creator", "kai"),
        ("viewer", "bob"),
    ]
    read_by = {who: client.get(tags_url, headers=auth(*who)).status_code for who in readers}
    assert read_by == {
        ("creator", "maya"): 200,
        ("reviewer", "rita"): 200,
        ("admin", "a"): 200,
        ("creator", "kai"): 403,
        ("viewer", "bob"): 403,
    }
    by_creator = client.post(
        tags_url, json={"listing_id": skillet}, headers=auth("creator", "maya")
    )
    assert_problem(by_creator, 403, "forbidden")
    assert tag(client, auth, video, skillet).status_code == 200  # carries it already
    assert_problem(tag(client, auth, video, str(uuid4())), 404, "not-found")
    assert_problem(tag(client, auth, str(uuid4()), skillet), 404, "not-found")
    assert_problem(client.get(f"/v1/videos/{uuid4()}/similar-items"), 404, "not-found")

    remove_url = f"{tags_url}/{skillet}"
    no_reason = client.request("DELETE", remove_url, json={}, headers=auth(*maya))
    by_kai = client.request(
        "DELETE", remove_url, json={"reason": "not mine"}, headers=auth("creator", "kai")
    )
    removed = client.request(
        "DELETE", remove_url, json={"reason": "Not the pan I used"}, headers=auth(*maya)
    )
    twice = client.request("DELETE", remove_url, json={"reason": "again"}, headers=auth(*maya))
    assert_problem(no_reason, 422, "validation-error")
    assert_problem(by_kai, 403, "forbidden")
    assert removed.status_code == 200, removed.text
    assert removed.json()["tags"] == []
    assert removed.json()["removed"] == [skillet]
    assert_problem(twice, 409, "rule-violated", "NoSuchTag")
    assert similar(client, video) == []

    # It never comes back: not by hand, not by recognition.
    again = assert_problem(tag(client, auth, video, skillet), 409, "rule-violated", "TagRefused")
    assert "removed" in again["detail"]
    recognised = core.tagging.tag(
        UUID(video), UUID(skillet), confidence=0.97, evidence={"frame": 12}, by="recognition:1"
    )
    assert recognised is False
    assert core.tagging.deliver_pending_notices() == 0
    assert similar(client, video) == []
    assert len(inbox(client, auth, maya)["notices"]) == 1


def test_creators_opt_out_of_automatic_tags_per_video_and_for_all_videos(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    register_seller(client, auth, "acme")
    skillet = listed(client, auth, "acme", "Cast iron skillet")
    teapot = listed(client, auth, "acme", "Ceramic teapot")
    first, second = publish(client, auth, "maya"), publish(client, auth, "maya")
    maya = auth("creator", "maya")

    def recognise(video: str, listing: str) -> bool:
        return core.tagging.tag(
            UUID(video), UUID(listing), confidence=0.9, evidence={}, by="recognition:1"
        )

    off_url = f"/v1/videos/{first}/auto-tags"
    assert_problem(
        client.put(off_url, json={"on": False}, headers=auth("creator", "kai")), 403, "forbidden"
    )
    assert_problem(client.put(off_url, json={"on": "no"}, headers=maya), 422, "validation-error")
    off = client.put(off_url, json={"on": False}, headers=maya)
    assert off.status_code == 200, off.text
    assert off.json()["auto_tags"] is False
    assert client.put(off_url, json={"on": False}, headers=maya).status_code == 200  # no change
    assert recognise(first, skillet) is False
    assert recognise(second, skillet) is True  # only the first video opted out
    assert tag(client, auth, first, teapot).status_code == 201  # a person's tag is not automatic
    assert similar(client, first) == [teapot]
    assert similar(client, second) == [skillet]
    assert client.put(off_url, json={"on": True}, headers=maya).json()["auto_tags"] is True
    assert recognise(first, skillet) is True

    everything_off = client.put(
        "/v1/me/shop-preferences", json={"auto_tags": False, "affiliate": False}, headers=maya
    )
    assert everything_off.status_code == 200, everything_off.text
    assert everything_off.json()["auto_tags"] is False
    third = publish(client, auth, "maya")
    assert recognise(third, skillet) is False
    assert recognise(second, teapot) is False
    assert tag(client, auth, third, teapot).status_code == 201
    assert similar(client, third) == [teapot]
    same = client.put(
        "/v1/me/shop-preferences", json={"auto_tags": False, "affiliate": False}, headers=maya
    )
    assert same.status_code == 200
    assert same.json()["version"] == everything_off.json()["version"]
    assert_problem(
        client.put(
            "/v1/me/shop-preferences",
            json={"auto_tags": False, "affiliate": False},
            headers=auth("viewer", "bob"),
        ),
        403,
        "forbidden",
    )
    assert_problem(
        client.put("/v1/me/shop-preferences", json={"auto_tags": False}, headers=maya),
        422,
        "validation-error",
    )


# Counterfeit reports --------------------------------------------------------------------


def test_reports_have_a_daily_quota_and_upholding_takes_the_listing_down_everywhere(
    client: TestClient, auth: Auth, clock: FixedClock
) -> None:
    register_seller(client, auth, "acme")
    skillet = listed(client, auth, "acme", "Cast iron skillet")
    teapot = listed(client, auth, "acme", "Ceramic teapot")
    video = publish(client, auth, "maya")
    assert tag(client, auth, video, skillet).status_code == 201
    assert similar(client, video) == [skillet]

    filed = report(client, auth, skillet, ("viewer", "bob"))
    assert filed.status_code == 201, filed.text
    first = filed.json()
    assert filed.headers["location"] == f"/v1/reports/{first['id']}"
    assert (first["status"], first["reporter"], first["seller"]) == ("open", "viewer:bob", "acme")
    assert first["evidence"] == ["https://example.com/fake.jpg"]
    assert_problem(report(client, auth, skillet, ("auditor", "audit")), 403, "forbidden")
    assert_problem(report(client, auth, str(uuid4()), ("viewer", "bob")), 404, "not-found")
    too_much_evidence = client.post(
        f"/v1/listings/{skillet}/reports",
        json={"reason": "fake", "evidence": [f"photo {n}" for n in range(11)]},
        headers=auth("viewer", "bob"),
    )
    assert_problem(too_much_evidence, 422, "validation-error")

    # Ten reports a day: bob has filed one; nine more, then the eleventh is refused.
    for _ in range(9):
        assert report(client, auth, teapot, ("viewer", "bob")).status_code == 201
    eleventh = report(client, auth, teapot, ("viewer", "bob"))
    assert (
        "10 reports today"
        in assert_problem(eleventh, 409, "rule-violated", "ReportLimitReached")["detail"]
    )
    assert report(client, auth, teapot, ("creator", "bob")).status_code == 201  # another account
    clock.advance(timedelta(days=1))
    assert report(client, auth, teapot, ("viewer", "bob")).status_code == 201

    url = f"/v1/reports/{first['id']}"
    assert {
        who: client.get(url, headers=auth(*who)).status_code
        for who in [("viewer", "bob"), ("reviewer", "rita"), ("auditor", "a"), ("viewer", "eve")]
    } == {
        ("viewer", "bob"): 200,
        ("reviewer", "rita"): 200,
        ("auditor", "a"): 200,
        ("viewer", "eve"): 403,
    }

    by_viewer = client.post(
        f"/v1/review/reports/{first['id']}",
        json={"uphold": True, "reason": "obviously"},
        headers=auth("viewer", "eve"),
    )
    assert_problem(by_viewer, 403, "forbidden")
    upheld = decide(client, auth, first["id"], True)
    assert upheld.status_code == 200, upheld.text
    assert (upheld.json()["status"], upheld.json()["decision_reason"]) == (
        "upheld",
        "Confirmed with the brand owner",
    )
    assert_problem(decide(client, auth, first["id"], False), 409, "rule-violated", "ReportDecided")

    assert client.get(f"/v1/listings/{skillet}").json()["status"] == "taken-down"
    assert client.get("/v1/sellers/acme", headers=auth("viewer", "bob")).json()["strikes"] == 1
    assert similar(client, video) == []
    tags = client.get(f"/v1/videos/{video}/tags", headers=auth("creator", "maya")).json()
    assert (tags["tags"], tags["removed"]) == ([], [skillet])
    assert titles_found(client, "skillet") == []
    assert_problem(order(client, auth, "eve", skillet), 409, "rule-violated", "NotOnSale")
    elsewhere = tag(client, auth, publish(client, auth, "kai"), skillet)
    assert "taken-down" in assert_problem(elsewhere, 409, "rule-violated", "TagRefused")["detail"]

    # Dismissing changes nothing else.
    other = report(client, auth, teapot, ("viewer", "eve")).json()
    dismissed = decide(client, auth, other["id"], False)
    assert dismissed.json()["status"] == "dismissed"
    assert client.get(f"/v1/listings/{teapot}").json()["status"] == "listed"
    assert client.get("/v1/sellers/acme", headers=auth("viewer", "bob")).json()["strikes"] == 1


def test_three_strikes_suspend_the_seller(client: TestClient, auth: Auth) -> None:
    register_seller(client, auth, "acme")
    fakes = [listed(client, auth, "acme", f"Designer bag {n}") for n in range(3)]
    genuine = listed(client, auth, "acme", "Plain tote")
    for n, listing_id in enumerate(fakes):
        upheld_against(client, auth, listing_id, f"reporter-{n}")
    seller = client.get("/v1/sellers/acme", headers=auth("viewer", "bob")).json()
    assert (seller["strikes"], seller["suspended"]) == (3, True)

    assert_problem(
        post_listing(client, auth, "acme", title="New bag"), 409, "rule-violated", "SellerSuspended"
    )
    assert_problem(order(client, auth, "bob", genuine), 409, "rule-violated", "SellerSuspended")
    assert client.get(f"/v1/listings/{genuine}").json()["stock"] == 10


def test_a_suspended_sellers_listings_leave_search(client: TestClient, auth: Auth) -> None:
    register_seller(client, auth, "acme")
    fakes = [listed(client, auth, "acme", f"Designer bag {n}") for n in range(3)]
    listed(client, auth, "acme", "Plain tote")
    for n, listing_id in enumerate(fakes):
        upheld_against(client, auth, listing_id, f"reporter-{n}")
    assert titles_found(client, "tote") == []


def test_a_second_report_of_a_listing_taken_down_can_be_upheld(
    client: TestClient, auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    bag = listed(client, auth, "acme", "Designer bag")
    first = report(client, auth, bag, ("viewer", "bob")).json()
    second = report(client, auth, bag, ("viewer", "eve")).json()
    assert decide(client, auth, first["id"], True).status_code == 200
    upheld = decide(client, auth, second["id"], True)
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["status"] == "upheld"


# Studios --------------------------------------------------------------------------------

MARCH_12_10_LOCAL = "2025-03-12T10:00:00+07:00"  # 03:00 UTC, two days after the clock


def open_studio(client: TestClient, auth: Auth, **changes: Any) -> Json:
    body = {
        "city": "Jakarta",
        "name": "Kemang live rooms",
        "rooms": ["A", "B"],
        "opens_hour": 9,
        "closes_hour": 21,
        "utc_offset_minutes": 420,
        "slot_minutes": 60,
        "price": {"minor": 50_00, "currency": "USD"},
        **changes,
    }
    response = client.post("/v1/studios", json=body, headers=auth("admin", "ops"))
    assert response.status_code == 201, response.text
    studio: Json = response.json()
    return studio


def book(
    client: TestClient, auth: Auth, studio: Json, creator: str, starts_at: str, room: str = "A"
) -> Any:
    return client.post(
        f"/v1/studios/{studio['id']}/bookings",
        json={"room": room, "starts_at": starts_at},
        headers=auth("creator", creator),
    )


def test_studio_slots_are_booked_once_and_creators_are_in_one_room_at_a_time(
    client: TestClient, auth: Auth
) -> None:
    body = {
        "city": "Jakarta",
        "name": "Kemang",
        "rooms": ["A"],
        "opens_hour": 9,
        "closes_hour": 21,
        "price": {"minor": 5_000, "currency": "USD"},
    }
    assert_problem(
        client.post("/v1/studios", json=body, headers=auth("creator", "maya")), 403, "forbidden"
    )
    assert_problem(
        client.post(
            "/v1/studios",
            json={**body, "opens_hour": 21, "closes_hour": 9},
            headers=auth("admin", "ops"),
        ),
        422,
        "invalid-value",
    )
    assert_problem(
        client.post("/v1/studios", json={**body, "slot_minutes": 45}, headers=auth("admin", "ops")),
        422,
        "invalid-value",
    )
    assert_problem(
        client.post(
            "/v1/studios",
            json={**body, "price": {"minor": 50.0, "currency": "USD"}},
            headers=auth("admin", "ops"),
        ),
        422,
        "validation-error",
    )
    studio = open_studio(client, auth)
    quarter_hours = open_studio(client, auth, name="Quarter rooms", slot_minutes=30)
    assert client.get(f"/v1/studios/{studio['id']}").json() == studio
    assert studio["price"] == {"minor": 5_000, "currency": "USD"}

    booked = book(client, auth, studio, "maya", MARCH_12_10_LOCAL)
    assert booked.status_code == 201, booked.text
    slot = booked.json()
    assert booked.headers["location"] == f"/v1/bookings/{slot['slot_id']}"
    assert (slot["creator"], slot["paid_by"], slot["booked"]) == ("maya", "maya", True)
    assert slot["price"] == {"minor": 5_000, "currency": "USD"}
    assert datetime.fromisoformat(slot["starts_at"]) == datetime(2025, 3, 12, 3, tzinfo=UTC)
    assert datetime.fromisoformat(slot["ends_at"]) == datetime(2025, 3, 12, 4, tzinfo=UTC)

    same_slot_utc = "2025-03-12T03:00:00Z"
    refusals = {
        "the same slot": (book(client, auth, studio, "kai", same_slot_utc), 409, "SlotTaken"),
        "maya in room B": (
            book(client, auth, studio, "maya", MARCH_12_10_LOCAL, room="B"),
            409,
            "CreatorBusy",
        ),
        "maya half an hour later elsewhere": (
            book(client, auth, quarter_hours, "maya", "2025-03-12T10:30:00+07:00"),
            409,
            "CreatorBusy",
        ),
        "off the grid": (
            book(client, auth, studio, "kai", "2025-03-12T10:30:00+07:00"),
            409,
            "OutsideOpeningHours",
        ),
        "before opening": (
            book(client, auth, studio, "kai", "2025-03-12T08:00:00+07:00"),
            409,
            "OutsideOpeningHours",
        ),
        "running past closing": (
            book(client, auth, studio, "kai", "2025-03-12T21:00:00+07:00"),
            409,
            "OutsideOpeningHours",
        ),
        "in the past": (
            book(client, auth, studio, "kai", "2025-03-09T10:00:00+07:00"),
            409,
            "OutsideOpeningHours",
        ),
    }
    for why, (response, status, rule) in refusals.items():
        assert response.status_code == status, (why, response.text)
        assert_problem(response, status, "rule-violated", rule)
    assert_problem(
        book(client, auth, studio, "kai", MARCH_12_10_LOCAL, room="Z"), 422, "invalid-value"
    )
    assert_problem(
        book(client, auth, studio, "kai", "2025-03-12T10:00:00"), 422, "validation-error"
    )
    assert_problem(
        client.post(
            f"/v1/studios/{studio['id']}/bookings",
            json={"room": "B", "starts_at": MARCH_12_10_LOCAL},
            headers=auth("viewer", "v"),
        ),
        403,
        "forbidden",
    )
    assert_problem(
        book(client, auth, {"id": str(uuid4())}, "kai", MARCH_12_10_LOCAL), 404, "not-found"
    )

    # kai in room B at the same time is fine: different room, different creator.
    other_room = book(client, auth, studio, "kai", MARCH_12_10_LOCAL, room="B")
    assert other_room.status_code == 201, other_room.text
    # maya in room B an hour later is fine too.
    assert (
        book(client, auth, studio, "maya", "2025-03-12T11:00:00+07:00", room="B").status_code == 201
    )
    read = client.get(f"/v1/bookings/{slot['slot_id']}", headers=auth("creator", "maya"))
    assert read.json() == slot
    stranger = client.get(f"/v1/bookings/{slot['slot_id']}", headers=auth("brand", "acme"))
    assert_problem(stranger, 403, "forbidden")


def test_bookings_are_cancelled_in_time_sponsored_once_and_receive_samples(
    client: TestClient, auth: Auth, clock: FixedClock
) -> None:
    studio = open_studio(client, auth)
    slot = book(client, auth, studio, "maya", MARCH_12_10_LOCAL).json()
    soon = book(client, auth, studio, "maya", "2025-03-11T09:00:00+07:00").json()  # in 14 hours
    url = f"/v1/bookings/{slot['slot_id']}"

    assert_problem(
        client.request("DELETE", url, json={"reason": "mine now"}, headers=auth("creator", "kai")),
        403,
        "forbidden",
    )
    assert_problem(
        client.request("DELETE", url, json={}, headers=auth("creator", "maya")),
        422,
        "validation-error",
    )
    late = client.request(
        "DELETE",
        f"/v1/bookings/{soon['slot_id']}",
        json={"reason": "Ill"},
        headers=auth("creator", "maya"),
    )
    assert (
        "before they start"
        in assert_problem(late, 409, "rule-violated", "TooLateToCancel")["detail"]
    )
    cancelled = client.request(
        "DELETE", url, json={"reason": "Filming moved"}, headers=auth("creator", "maya")
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["booked"], cancelled.json()["creator"]) == (False, None)
    assert_problem(
        client.post(f"{url}/sponsorship", headers=auth("brand", "acme")), 409, "rule-violated"
    )

    # The room and maya's hour are free again.
    rebooked = book(client, auth, studio, "kai", MARCH_12_10_LOCAL)
    assert rebooked.status_code == 201, rebooked.text
    assert rebooked.json()["slot_id"] == slot["slot_id"]
    assert book(client, auth, studio, "maya", MARCH_12_10_LOCAL, room="B").status_code == 201

    assert_problem(client.post(f"{url}/sponsorship", headers=auth("viewer", "v")), 403, "forbidden")
    sponsored = client.post(f"{url}/sponsorship", headers=auth("brand", "acme"))
    assert sponsored.status_code == 200, sponsored.text
    assert (sponsored.json()["paid_by"], sponsored.json()["creator"]) == ("acme", "kai")
    assert sponsored.json()["price"] == {"minor": 5_000, "currency": "USD"}
    twice = client.post(f"{url}/sponsorship", headers=auth("brand", "fizz"))
    assert "already sponsored by acme" in assert_problem(twice, 409, "rule-violated")["detail"]

    register_seller(client, auth, "potter")
    register_seller(client, auth, "rival")
    teapot = listed(client, auth, "potter", "Ceramic teapot")
    samples = {"listing_id": teapot, "quantity": 3}
    shipped = client.post(f"{url}/samples", json=samples, headers=auth("seller", "potter"))
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["samples"] == [{"listing_id": teapot, "quantity": 3}]
    assert_problem(
        client.post(f"{url}/samples", json=samples, headers=auth("seller", "rival")),
        403,
        "forbidden",
    )
    assert_problem(
        client.post(
            f"{url}/samples", json={**samples, "quantity": 0}, headers=auth("seller", "potter")
        ),
        422,
        "validation-error",
    )
    empty_slot = book(client, auth, studio, "zoe", "2025-03-13T10:00:00+07:00").json()
    empty_url = f"/v1/bookings/{empty_slot['slot_id']}"
    client.request("DELETE", empty_url, json={"reason": "No"}, headers=auth("creator", "zoe"))
    assert_problem(
        client.post(f"{empty_url}/samples", json=samples, headers=auth("seller", "potter")),
        409,
        "rule-violated",
    )
    assert_problem(
        client.get(f"/v1/bookings/{uuid4()}", headers=auth("brand", "acme")), 404, "not-found"
    )

    # Once the slot has started it cannot be booked, even when it is free.
    clock.set(datetime(2025, 3, 13, 3, 30, tzinfo=UTC))
    assert_problem(
        book(client, auth, studio, "kai", "2025-03-13T10:00:00+07:00"),
        409,
        "rule-violated",
        "OutsideOpeningHours",
    )


def test_a_slot_sponsored_when_booked_costs_the_brand_the_studios_price(
    client: TestClient, auth: Auth
) -> None:
    studio = open_studio(client, auth)
    named_by_the_creator = client.post(
        f"/v1/studios/{studio['id']}/bookings",
        json={"room": "A", "starts_at": MARCH_12_10_LOCAL, "sponsor": "acme"},
        headers=auth("creator", "maya"),
    )
    assert named_by_the_creator.status_code == 403, named_by_the_creator.text  # no consent
    response = client.post(
        f"/v1/studios/{studio['id']}/bookings",
        json={"room": "A", "starts_at": MARCH_12_10_LOCAL, "sponsor": "acme", "creator": "maya"},
        headers=auth("admin", "ops"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["paid_by"] == "acme"
    assert response.json()["price"] == studio["price"]


def test_a_creator_is_never_in_two_studios_at_once_whatever_their_offsets(
    client: TestClient, auth: Auth
) -> None:
    utc = open_studio(
        client, auth, name="UTC rooms", utc_offset_minutes=0, opens_hour=0, closes_hour=24
    )
    refused = client.post(
        "/v1/studios",
        json={
            "city": "Kathmandu",
            "name": "Odd rooms",
            "rooms": ["A"],
            "opens_hour": 0,
            "closes_hour": 24,
            "utc_offset_minutes": 10,
            "price": {"minor": 50_00, "currency": "USD"},
        },
        headers=auth("admin", "ops"),
    )
    assert refused.status_code == 422, refused.text  # off the quarter-hour grid
    quarter = open_studio(
        client, auth, name="Quarter rooms", utc_offset_minutes=45, opens_hour=0, closes_hour=24
    )
    first = book(client, auth, utc, "maya", "2025-03-12T10:00:00Z")  # 10:00-11:00 UTC
    assert first.status_code == 201, first.text
    overlapping = book(client, auth, quarter, "maya", "2025-03-12T11:00:00+00:45")  # 10:15 UTC
    assert overlapping.status_code == 409, overlapping.text
    assert overlapping.json()["rule"] == "CreatorBusy"
    after = book(client, auth, quarter, "maya", "2025-03-12T12:00:00+00:45")  # 11:15 UTC
    assert after.status_code == 201, after.text


# The CLI ----------------------------------------------------------------------------------


def cli_environment(data_dir: Path) -> dict[str, str]:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(data_dir), "SPOTLIGHT_SECRET": SECRET}
    environment.pop("SPOTLIGHT_STORE", None)
    return environment


def spotlight(environment: Mapping[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, *arguments], env=environment, capture_output=True, text=True, check=False
    )


def test_the_cli_delivers_the_notices_the_service_could_not(
    client: TestClient, auth: Auth, tmp_path: Path, notifier: SwitchableNotifier
) -> None:
    register_seller(client, auth, "acme")
    skillet = listed(client, auth, "acme", "Cast iron skillet")
    teapot = listed(client, auth, "acme", "Ceramic teapot")
    video = publish(client, auth, "maya")
    notifier.down = True
    assert tag(client, auth, video, skillet).status_code == 201
    assert tag(client, auth, video, teapot).status_code == 201
    assert similar(client, video) == []

    delivered = spotlight(cli_environment(tmp_path), "deliver-notices")
    assert delivered.returncode == 0, delivered.stderr
    assert delivered.stdout.strip() == "delivered 2 notices of product tags; 0 still waiting"
    # The service reads what the command recorded.
    notices = inbox(client, auth, ("creator", "maya"))["notices"]
    assert len(notices) == 2
    assert sorted(similar(client, video)) == sorted([skillet, teapot])
    again = spotlight(cli_environment(tmp_path), "deliver-notices")
    assert again.stdout.strip() == "delivered 0 notices of product tags; 0 still waiting"


def test_the_cli_searches_the_shop_as_json(client: TestClient, auth: Auth, tmp_path: Path) -> None:
    register_seller(client, auth, "acme")
    skillet = listed(client, auth, "acme", "Cast iron skillet", price_minor=2450)
    listed(client, auth, "acme", "Copper kettle", stock=0)

    found = spotlight(cli_environment(tmp_path), "shop-search", "skilet")
    assert found.returncode == 0, found.stderr
    page = json.loads(found.stdout)
    assert page["query"] == "skilet"
    assert [(r["listing_id"], r["title"], r["price"]) for r in page["results"]] == [
        (skillet, "Cast iron skillet", {"minor": 2450, "currency": "USD"})
    ]
    assert page["next_cursor"] is None
    nothing = spotlight(cli_environment(tmp_path), "shop-search", "kettle")
    assert json.loads(nothing.stdout)["results"] == []
    blank = spotlight(cli_environment(tmp_path), "shop-search", "  ")
    assert blank.returncode == 2
    assert "QUERY" in blank.stderr
    sold_out = spotlight(
        cli_environment(tmp_path), "shop-search", "kettle", "--sold-out", "--sort", "newest"
    )
    assert [r["title"] for r in json.loads(sold_out.stdout)["items"]] == ["Copper kettle"]
    priced = [
        "shop-search",
        "skillet",
        "--currency",
        "USD",
        "--min-price",
        "2000",
        "--max-price",
        "2450",
    ]
    assert len(json.loads(spotlight(cli_environment(tmp_path), *priced).stdout)["items"]) == 1
    unpriced = spotlight(cli_environment(tmp_path), "shop-search", "skillet", "--min-price", "1")
    assert unpriced.returncode != 0
    assert "needs a currency" in unpriced.stderr


# The contract -----------------------------------------------------------------------------


def test_the_shop_endpoints_are_documented_and_money_is_never_a_float(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    shop_prefixes = (
        "/v1/sellers",
        "/v1/listings",
        "/v1/shop",
        "/v1/orders",
        "/v1/review/reports",
        "/v1/reports",
        "/v1/me",
        "/v1/studios",
        "/v1/bookings",
    )
    tagging = ("/tags", "/similar-items", "/auto-tags")
    ours = {
        path: operations
        for path, operations in spec["paths"].items()
        if (path.startswith(shop_prefixes) or path.endswith(tagging) or "/tags/" in path)
        # A film studio's audience, not a live studio.
        and "/analytics" not in path
        and not path.startswith("/v1/me/webhook")  # one's webhooks, of every program
        # Who one is, and other programs' lists of one's own.
        and path
        not in (
            "/v1/me",
            "/v1/me/roles",
            "/v1/me/inbox/read",
            "/v1/me/titles",
            "/v1/me/anchors",
            "/v1/me/disputes",
            "/v1/me/videos",
            "/v1/me/invitations",
            "/v1/me/tracks",
            "/v1/me/seasons",
            "/v1/me/campaigns",
            "/v1/me/payouts",
            "/v1/me/earnings",
            "/v1/me/payouts.csv",
            "/v1/me/earnings.csv",
            "/v1/me/verification-request",
            "/v1/me/judging",
            "/v1/media/collections",  # the media store's (it starts as /v1/me does)
        )
    }
    assert {(method.upper(), path) for path, ops in ours.items() for method in ops} == {
        ("POST", "/v1/sellers"),
        ("GET", "/v1/sellers/{account}"),
        ("POST", "/v1/listings"),
        ("GET", "/v1/listings/{listing_id}"),
        ("PUT", "/v1/listings/{listing_id}"),
        ("POST", "/v1/listings/{listing_id}/restock"),
        ("POST", "/v1/listings/{listing_id}/delisting"),
        ("POST", "/v1/listings/{listing_id}/photos"),
        ("GET", "/v1/listings/{listing_id}/photos/{address}"),
        ("DELETE", "/v1/listings/{listing_id}/photos/{address}"),
        ("GET", "/v1/shop/search"),
        ("PUT", "/v1/shop/commission/{category}"),
        ("GET", "/v1/shop/commission"),
        ("POST", "/v1/orders"),
        ("GET", "/v1/orders/{order_id}"),
        ("POST", "/v1/orders/{order_id}/shipment"),
        ("POST", "/v1/orders/{order_id}/delivery"),
        ("POST", "/v1/orders/{order_id}/return-request"),
        ("POST", "/v1/orders/{order_id}/return-receipt"),
        ("POST", "/v1/orders/{order_id}/refund"),
        ("POST", "/v1/orders/{order_id}/cancellation"),
        ("GET", "/v1/videos/{video_id}/similar-items"),
        ("GET", "/v1/videos/{video_id}/tags"),
        ("POST", "/v1/videos/{video_id}/tags"),
        ("DELETE", "/v1/videos/{video_id}/tags/{listing_id}"),
        ("PUT", "/v1/videos/{video_id}/auto-tags"),
        ("PUT", "/v1/me/shop-preferences"),
        ("GET", "/v1/me/inbox"),
        ("POST", "/v1/listings/{listing_id}/reports"),
        ("POST", "/v1/review/reports/{report_id}"),
        ("GET", "/v1/reports/{report_id}"),
        ("POST", "/v1/studios"),
        ("GET", "/v1/studios/{studio_id}"),
        ("POST", "/v1/studios/{studio_id}/bookings"),
        ("GET", "/v1/bookings/{slot_id}"),
        ("DELETE", "/v1/bookings/{slot_id}"),
        ("POST", "/v1/bookings/{slot_id}/sponsorship"),
        ("POST", "/v1/bookings/{slot_id}/samples"),
        ("POST", "/v1/shop/recognition/run"),
        ("GET", "/v1/shop/recognition"),
        ("GET", "/v1/me/listings"),
        ("GET", "/v1/me/sales"),
        ("GET", "/v1/me/listing-reports"),
        ("GET", "/v1/me/orders"),
        ("GET", "/v1/review/reports"),
        ("GET", "/v1/studios"),
        ("GET", "/v1/studios/{studio_id}/free-slots"),
        ("GET", "/v1/me/bookings"),
    }
    for path, operations in ours.items():
        for method, operation in operations.items():
            assert len(operation.get("description", "")) > 40, f"{method} {path} is undocumented"
    listing_form = ours["/v1/listings"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert listing_form["schema"]["properties"]["image"]["items"]["format"] == "binary"
    schemas = spec["components"]["schemas"]
    for model in ("ListingEdit", "StudioOpening"):
        assert schemas[model]["properties"]["price"]["$ref"].endswith("/MoneyBody")
    assert schemas["MoneyBody"]["properties"]["minor"]["type"] == "integer"
    assert schemas["OrderBody"]["properties"]["quantity"]["type"] == "integer"
    assert_problem(client.get("/v1/me/inbox"), 401, "unauthenticated")
