"""HTTP semantics people expect, for every operation they apply to: a stale ``If-Match`` is
412 (409 stays for domain conflicts), a write that requires ``If-Match`` without one is 428,
``If-None-Match`` with the current ETag is 304, an identical PUT is idempotent, a body of a
type not taken is 415, and a retry under an ``Idempotency-Key`` answers as the first
request did."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import FastAPI, Header
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from entrypoints.http.problems import install_problem_handlers
from tests.e2e.anchors.test_titles_and_anchors import DUNE_PORTAL, register_dune
from tests.e2e.conftest import Headers
from tests.photos import plain_photo

PROBLEM = "application/problem+json"
Auth = Any


def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:spotlight:problem:{slug}"
    return body


def test_a_stale_if_match_is_412_and_a_race_without_one_stays_409(
    client: TestClient, auth: Auth
) -> None:
    title = register_dune(client, auth)
    studio: Headers = auth("studio", "legendary")
    url = f"/v1/titles/{title['id']}/portal"

    client.put(url, json={**DUNE_PORTAL, "tickets": []}, headers={**studio, "If-Match": '"1"'})
    stale = client.put(url, json=DUNE_PORTAL, headers={**studio, "If-Match": '"1"'})
    current = client.put(url, json=DUNE_PORTAL, headers={**studio, "If-Match": '"2"'})

    assert problem(stale, 412, "stale-version")["current_version"] == 2
    assert current.status_code == 200
    assert current.headers["etag"] == '"3"'


def test_the_same_portal_put_twice_answers_200_both_times_and_records_once(
    client: TestClient, auth: Auth
) -> None:
    title = register_dune(client, auth)
    studio: Headers = auth("studio", "legendary")
    url = f"/v1/titles/{title['id']}/portal"
    portal = {**DUNE_PORTAL, "tickets": []}

    first = client.put(url, json=portal, headers=studio)
    again = client.put(url, json=portal, headers=studio)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers["etag"] == '"2"'


def test_a_read_whose_etag_the_client_holds_is_304_without_a_body(
    client: TestClient, auth: Auth
) -> None:
    title = register_dune(client, auth)
    url = f"/v1/titles/{title['id']}"

    held = client.get(url, headers={"If-None-Match": '"1"'})
    weak = client.get(url, headers={"If-None-Match": 'W/"7", W/"1"'})
    changed = client.get(url, headers={"If-None-Match": '"0"'})

    assert held.status_code == 304
    assert held.content == b""
    assert held.headers["etag"] == '"1"'
    assert "content-type" not in held.headers
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.json()["name"] == title["name"]


def test_a_versioned_answer_carries_its_etag_even_when_its_route_sets_none(
    client: TestClient, auth: Auth
) -> None:
    client.post(
        "/v1/accounts", json={"name": "mia", "password": "a long password", "role": "creator"}
    )
    mine = client.get("/v1/accounts/mia", headers=auth("creator", "mia"))

    assert mine.status_code == 200, mine.text
    assert mine.headers["etag"] == f'"{mine.json()["version"]}"'


def test_every_operation_that_takes_json_refuses_another_type_with_415(
    client: TestClient, auth: Auth
) -> None:
    spec = client.get("/openapi.json").json()
    admin: Headers = auth("admin", "ops")
    refused: list[str] = []
    answered: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            concrete = re.sub(r"{[^}]+}", "00000000-0000-0000-0000-000000000404", path)
            response = client.request(
                method,
                concrete,
                content=b"name=Dune",
                headers={**admin, "Content-Type": "application/x-www-form-urlencoded"},
            )
            (refused if response.status_code == 415 else answered).append(
                f"{method.upper()} {path}: {response.status_code}"
            )
            if response.status_code == 415:
                problem(response, 415, "unsupported-media-type")
    assert len(refused) > 50
    assert answered == []


def test_a_body_without_a_content_type_is_415_and_with_json_is_read(
    client: TestClient, auth: Auth
) -> None:
    studio: Headers = auth("studio", "x")
    body = b'{"name": "Dune", "kind": "movie"}'

    untyped = client.post("/v1/titles", content=body, headers=studio)
    typed = client.post(
        "/v1/titles", content=body, headers={**studio, "Content-Type": "application/json"}
    )
    vendor = client.post(
        "/v1/titles",
        content=body,
        headers={**studio, "Content-Type": "application/vnd.spotlight+json; charset=utf-8"},
    )

    problem(untyped, 415, "unsupported-media-type")
    assert typed.status_code == vendor.status_code == 201, (typed.text, vendor.text)


def test_a_write_that_requires_if_match_answers_428_without_it() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.put("/things/{thing}")
    def replace(thing: str, if_match: Annotated[str, Header()]) -> dict[str, str]:
        return {"thing": thing, "if_match": if_match}

    client = TestClient(app)
    without = client.put("/things/a")
    with_it = client.put("/things/a", headers={"If-Match": '"1"'})

    problem(without, 428, "precondition-required")
    assert with_it.status_code == 200


def test_a_retry_under_the_same_idempotency_key_answers_as_the_first_did(
    core: Spotlight, client: TestClient, auth: Auth
) -> None:
    seller = Principal(Role.SELLER, "acme")
    core.shop.register_seller(seller, name="Acme")
    listing = core.shop.list_product(
        seller,
        title="Linen apron",
        description="",
        price=Money(2_990, "USD"),
        stock=5,
        category="fashion",
        images=[plain_photo("apron")],
    )
    buyer = {**auth("viewer", "v1"), "Idempotency-Key": "order-1"}
    order = {"listing_id": str(listing.id), "quantity": 1}

    first = client.post("/v1/orders", json=order, headers=buyer)
    retry = client.post("/v1/orders", json=order, headers=buyer)

    assert first.status_code == retry.status_code == 201, (first.text, retry.text)
    assert retry.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"
    assert {**retry.json(), "replayed": False} == first.json()
