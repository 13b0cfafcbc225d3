"""Money and quantities beyond their bounds over HTTP: a budget, a price, a fee, a price per
thousand impressions of 2**63 or 10**30, a restock or an impression count of 10**30, an order
whose total passes 10**15 minor units are refused with 422 problem+json and record nothing;
the largest amounts allowed are kept and read back exactly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.bounds import MAX_AMOUNT, MAX_QUANTITY
from entrypoints.bootstrap import Spotlight
from tests.e2e.business.test_campaigns_http import launch_body, launched, terms
from tests.e2e.shop.test_shop_http import listed, order, post_listing, register_seller

Auth = Callable[[str, str], dict[str, str]]
Json = dict[str, Any]
PROBLEM = "application/problem+json"
HUGE = [MAX_AMOUNT + 1, 2**63, 10**30]


def usd(minor: int) -> Json:
    return {"minor": minor, "currency": "USD"}


def assert_refused(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] in (
        "urn:spotlight:problem:invalid-value",
        "urn:spotlight:problem:validation-error",
    )


def revenue_events(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


def pulse_body(core: Spotlight, *, budget: int, cpm: int) -> Json:
    now = core.clock.now()
    return {
        "name": "Spring bake-off",
        "category": "cooking",
        "budget": usd(budget),
        "cpm": usd(cpm),
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
    }


@pytest.mark.parametrize("minor", HUGE)
def test_budgets_prices_per_thousand_and_fees_beyond_the_bound_are_refused(
    client: TestClient, auth: Auth, core: Spotlight, minor: int
) -> None:
    brand = auth("brand", "glowco")
    campaign = launched(client, auth, core)
    client.post("/v1/creators", json={"region": "US"}, headers=auth("creator", "ana"))
    before = revenue_events(core)

    answers = [
        client.post(
            "/v1/pulse/campaigns", json=pulse_body(core, budget=minor, cpm=100), headers=brand
        ),
        client.post(
            "/v1/pulse/campaigns", json=pulse_body(core, budget=1_000, cpm=minor), headers=brand
        ),
        client.post(
            "/v1/campaigns", json=launch_body(core, budget=usd(minor), hashtag="#x"), headers=brand
        ),
        client.post(
            f"/v1/campaigns/{campaign['id']}/invitations",
            json={"creator": "ana", "terms": terms(core, minor)},
            headers=brand,
        ),
    ]

    for answer in answers:
        assert_refused(answer)
    assert revenue_events(core) == before
    funds = client.get("/v1/ledgers/platform:brand-funds:USD", headers=auth("auditor", "kpmg"))
    assert funds.status_code == 200, funds.text
    assert funds.json()["debits"] == usd(100_000)  # the one campaign launched


def test_the_largest_budget_is_kept_and_read_back_exactly(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    launched_ = client.post(
        "/v1/pulse/campaigns",
        json=pulse_body(core, budget=MAX_AMOUNT, cpm=MAX_AMOUNT),
        headers=auth("brand", "glowco"),
    )
    assert launched_.status_code == 201, launched_.text

    account = client.get(
        f"/v1/ledgers/{launched_.json()['budget_account']}", headers=auth("auditor", "kpmg")
    )

    assert account.status_code == 200, account.text
    assert account.json()["balance"] == usd(MAX_AMOUNT)
    [posting] = account.json()["postings"]
    assert (posting["side"], posting["amount"]) == ("credit", usd(MAX_AMOUNT))
    assert account.json()["next_cursor"] is None


@pytest.mark.parametrize("minor", HUGE)
def test_listing_prices_beyond_the_bound_are_refused(
    client: TestClient, auth: Auth, core: Spotlight, minor: int
) -> None:
    register_seller(client, auth, "acme")
    apron = listed(client, auth, "acme", "Linen apron")
    before = revenue_events(core)

    listing = post_listing(client, auth, "acme", price_minor=minor)
    edit = client.put(
        f"/v1/listings/{apron}",
        json={"title": "Apron", "price": usd(minor), "category": "cooking"},
        headers={**auth("seller", "acme"), "If-Match": '"1"'},
    )

    assert_refused(listing)
    assert_refused(edit)
    assert revenue_events(core) == before


@pytest.mark.parametrize("quantity", [MAX_QUANTITY + 1, 2**63, 10**30])
def test_stock_and_restocks_beyond_the_bound_are_refused(
    client: TestClient, auth: Auth, core: Spotlight, quantity: int
) -> None:
    register_seller(client, auth, "acme")
    apron = listed(client, auth, "acme", "Linen apron", stock=MAX_QUANTITY - 1)
    before = revenue_events(core)
    restock = f"/v1/listings/{apron}/restock"
    seller = auth("seller", "acme")

    assert_refused(post_listing(client, auth, "acme", title="Mug", stock=quantity))
    assert_refused(client.post(restock, json={"added": quantity}, headers=seller))
    assert_refused(client.post(restock, json={"added": 2}, headers=seller))  # past the bound
    assert revenue_events(core) == before
    restocked = client.post(restock, json={"added": 1}, headers=seller)
    assert restocked.status_code == 200, restocked.text
    assert restocked.json()["stock"] == MAX_QUANTITY


def test_an_order_whose_total_passes_the_bound_is_refused_and_takes_no_stock(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    register_seller(client, auth, "acme")
    ring = listed(client, auth, "acme", "Diamond ring", price_minor=MAX_AMOUNT, stock=3)
    before = revenue_events(core)

    refused = order(client, auth, "vic", ring, quantity=2)

    assert_refused(refused)
    assert "total" in refused.json()["detail"]
    assert revenue_events(core) == before
    assert client.get(f"/v1/listings/{ring}").json()["stock"] == 3
    bought = order(client, auth, "vic", ring, quantity=1)
    assert bought.status_code == 201, bought.text


def test_an_impression_count_beyond_the_bound_is_refused(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    campaign = client.post(
        "/v1/pulse/campaigns",
        json=pulse_body(core, budget=1_000, cpm=100),
        headers=auth("brand", "glowco"),
    ).json()
    before = revenue_events(core)

    reported = client.post(
        "/v1/pulse/impressions",
        json={
            "batch_key": "b1",
            "campaign_id": campaign["id"],
            "placements": [{"video_id": campaign["id"], "impressions": 10**30}],
        },
        headers=auth("admin", "ad-server"),
    )

    assert_refused(reported)
    assert revenue_events(core) == before


def catalogue_events(core: Spotlight) -> int:
    return core._catalogue.recorder.max_notification_id() or 0


@pytest.mark.parametrize("followers", [MAX_QUANTITY + 1, 2**63, 10**30])
def test_a_follower_count_beyond_the_bound_is_refused(
    client: TestClient, auth: Auth, core: Spotlight, followers: int
) -> None:
    registered = client.post("/v1/creators", json={"region": "US"}, headers=auth("creator", "mia"))
    assert registered.status_code == 201, registered.text
    before = catalogue_events(core)
    counter = auth("admin", "follower-counter")

    counted = client.post("/v1/creators/mia/followers", json={"followers": followers},
                          headers=counter)  # fmt: skip

    assert_refused(counted)
    assert catalogue_events(core) == before
    largest = client.post("/v1/creators/mia/followers", json={"followers": MAX_QUANTITY},
                          headers=counter)  # fmt: skip
    assert largest.status_code == 200, largest.text
    assert client.get("/v1/creators/mia", headers=counter).json()["followers"] == MAX_QUANTITY


@pytest.mark.parametrize("target", [MAX_AMOUNT + 1, 2**63, 10**30])
@pytest.mark.parametrize("kpi", ["views", "cost-per-engagement", "engagement-rate"])
def test_a_kpi_target_beyond_the_bound_is_refused(
    client: TestClient, auth: Auth, core: Spotlight, kpi: str, target: int
) -> None:
    before = revenue_events(core)

    launched_ = client.post(
        "/v1/campaigns",
        json=launch_body(core, kpis=[{"kpi": kpi, "target": target}]),
        headers=auth("brand", "glowco"),
    )

    assert_refused(launched_)
    assert revenue_events(core) == before


def test_the_largest_kpi_target_is_kept_and_read_back_exactly(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    body = launch_body(core, kpis=[{"kpi": "views", "target": MAX_AMOUNT}])
    launched_ = client.post("/v1/campaigns", json=body, headers=auth("brand", "glowco"))
    assert launched_.status_code == 201, launched_.text

    campaign = client.get(
        f"/v1/campaigns/{launched_.json()['id']}", headers=auth("brand", "glowco")
    )

    assert campaign.json()["kpis"] == [{"kpi": "views", "target": MAX_AMOUNT}]
