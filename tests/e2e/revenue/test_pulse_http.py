"""Creators' facts, Pulse, the ledger and payouts through HTTP, over a real SQLite store.

The business clock is a fixed clock the tests move (campaign flights, statement months);
everything else is the real application behind the real FastAPI app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from domain.revenue.pulse import PulseEnrolment
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.fakes import FixedClock

Auth = Callable[[str, str], dict[str, str]]
Json = dict[str, Any]
PROBLEM = "application/problem+json"

MARCH_10 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
FLIGHT = {"starts_at": "2025-03-01T00:00:00Z", "ends_at": "2025-05-01T00:00:00Z"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MARCH_10)


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock) -> Iterator[Spotlight]:
    """The real core over a SQLite file store; Pulse is launched in the US and Canada."""
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path),
            "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
            "SPOTLIGHT_PULSE_REGIONS": "US,CA",
        }
    )
    running = bootstrap(settings, clock=clock)
    yield running
    running.close()


# Helpers --------------------------------------------------------------------------------


def assert_problem(response: Any, status: int, slug: str, rule: str | None = None) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: Json = response.json()
    assert body["type"] == f"urn:spotlight:problem:{slug}"
    if rule is not None:
        assert body["rule"] == rule
    return body


def usd(minor: Any) -> Json:
    return {"minor": minor, "currency": "USD"}


def register(client: TestClient, auth: Auth, account: str, region: str = "US") -> Json:
    response = client.post(
        "/v1/creators", json={"region": region}, headers=auth("creator", account)
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def count(client: TestClient, auth: Auth, account: str, followers: Any, **extra: Any) -> Any:
    return client.post(
        f"/v1/creators/{account}/followers",
        json={"followers": followers, **extra},
        headers=auth("admin", "follower-counter"),
    )


def apply(client: TestClient, auth: Auth, account: str) -> Any:
    return client.post("/v1/pulse/enrolments", json={}, headers=auth("creator", account))


def decide(client: TestClient, auth: Auth, account: str, approve: bool, reason: str = "ok") -> Any:
    return client.post(
        f"/v1/pulse/enrolments/{account}/decision",
        json={"approve": approve, "reason": reason},
        headers=auth("admin", "ops"),
    )


def enrolled(client: TestClient, auth: Auth, account: str, followers: int = 150_000) -> None:
    """A creator in the US with enough followers, applied and approved."""
    register(client, auth, account)
    assert count(client, auth, account, followers).status_code == 200
    assert apply(client, auth, account).status_code == 201
    assert decide(client, auth, account, True, "meets the criteria").status_code == 200


def publish(client: TestClient, auth: Auth, creator: str, category: str = "cooking") -> str:
    response = client.post(
        "/v1/videos",
        json={"caption": f"{creator} makes something", "hashtags": [], "category": category},
        headers=auth("creator", creator),
    )
    assert response.status_code == 201, response.text
    video_id: str = response.json()["id"]
    return video_id


def engage(client: TestClient, auth: Auth, video_id: str, likes: int) -> None:
    response = client.post(
        "/v1/engagement",
        json={"batch_key": str(uuid4()), "counts": [{"video_id": video_id, "likes": likes}]},
        headers=auth("admin", "counter"),
    )
    assert response.status_code == 201, response.text


def launch(
    client: TestClient,
    auth: Auth,
    *,
    budget: int,
    cpm: int,
    brand: str = "acme",
    category: str = "cooking",
    **flight: str,
) -> Json:
    response = client.post(
        "/v1/pulse/campaigns",
        json={
            "name": "Spring bake-off",
            "category": category,
            "budget": usd(budget),
            "cpm": usd(cpm),
            **(flight or FLIGHT),
        },
        headers=auth("brand", brand),
    )
    assert response.status_code == 201, response.text
    campaign: Json = response.json()
    return campaign


def report(
    client: TestClient,
    auth: Auth,
    key: str,
    campaign_id: str,
    placements: list[tuple[str, Any]],
    reporter: str = "ad-server",
) -> Any:
    return client.post(
        "/v1/pulse/impressions",
        json={
            "batch_key": key,
            "campaign_id": campaign_id,
            "placements": [{"video_id": v, "impressions": n} for v, n in placements],
        },
        headers=auth("admin", reporter),
    )


def ledger(client: TestClient, auth: Auth, code: str, as_: tuple[str, str], **query: Any) -> Any:
    return client.get(f"/v1/ledgers/{code}", params=query, headers=auth(*as_))


def balance(client: TestClient, auth: Auth, code: str) -> int:
    response = ledger(client, auth, code, ("auditor", "audit"))
    assert response.status_code == 200, response.text
    minor: int = response.json()["balance"]["minor"]
    return minor


@pytest.fixture
def inventory(client: TestClient, auth: Auth) -> dict[str, str]:
    """maya is enrolled; her cooking video is the top of its category (inventory); sam's
    cooking video ranks second (not inventory); maya's gaming video is inventory of gaming."""
    enrolled(client, auth, "maya")
    top = publish(client, auth, "maya")
    second = publish(client, auth, "sam")
    gaming = publish(client, auth, "maya", category="gaming")
    engage(client, auth, top, likes=50)
    engage(client, auth, second, likes=10)
    return {"top": top, "second": second, "gaming": gaming}


# Creators -------------------------------------------------------------------------------


def test_a_creator_registers_and_the_platform_records_its_followers_and_strikes(
    client: TestClient, auth: Auth, clock: FixedClock
) -> None:
    created = client.post("/v1/creators", json={"region": "us"}, headers=auth("creator", "maya"))
    again = client.post("/v1/creators", json={"region": "US"}, headers=auth("creator", "maya"))
    by_viewer = client.post("/v1/creators", json={"region": "US"}, headers=auth("viewer", "v"))
    admin_unnamed = client.post("/v1/creators", json={"region": "US"}, headers=auth("admin", "a"))
    admin_named = client.post(
        "/v1/creators", json={"region": "CA", "account": "lea"}, headers=auth("admin", "a")
    )
    self_declared = client.post(
        "/v1/creators", json={"region": "US", "followers": 10**6}, headers=auth("creator", "x")
    )
    bad_region = client.post("/v1/creators", json={"region": "USA"}, headers=auth("creator", "y"))

    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/creators/maya"
    assert created.headers["etag"] == '"1"'
    assert created.json()["region"] == "US"
    assert created.json()["followers"] == 0
    assert_problem(again, 409, "creator-exists")
    assert_problem(by_viewer, 403, "forbidden")
    assert_problem(admin_unnamed, 422, "invalid-value")  # allowed, but names nobody
    assert admin_named.status_code == 201
    assert admin_named.json()["account"] == "lea"
    assert_problem(self_declared, 422, "validation-error")  # facts never come from the creator
    assert_problem(bad_region, 422, "invalid-value")

    counted = count(client, auth, "maya", 120_000)
    by_creator = client.post(
        "/v1/creators/maya/followers", json={"followers": 10**7}, headers=auth("creator", "maya")
    )
    older = count(client, auth, "maya", 90_000, counted_at="2025-03-01T00:00:00Z")
    negative = count(client, auth, "maya", -1)
    fractional = count(client, auth, "maya", 1.5)
    textual = count(client, auth, "maya", "120000")
    naive = count(client, auth, "maya", 1, counted_at="2025-03-11T00:00:00")

    assert counted.status_code == 200, counted.text
    assert counted.json()["followers"] == 120_000
    assert counted.json()["followers_counted_at"] == "2025-03-10T12:00:00Z"
    assert counted.headers["etag"] == '"2"'
    assert_problem(by_creator, 403, "forbidden")
    assert_problem(older, 409, "rule-violated", "StaleFollowerCount")
    assert_problem(negative, 422, "invalid-value")
    assert_problem(fractional, 422, "validation-error")
    assert_problem(textual, 422, "validation-error")
    assert_problem(naive, 422, "validation-error")

    strike = {"reason": "Spam in captions", "policy": "community-guidelines/spam"}
    by_self = client.post("/v1/creators/maya/strikes", json=strike, headers=auth("creator", "maya"))
    issued = client.post("/v1/creators/maya/strikes", json=strike, headers=auth("reviewer", "rita"))
    assert_problem(by_self, 403, "forbidden")
    assert issued.status_code == 201, issued.text
    [active] = issued.json()["active_strikes"]
    assert active["issued_by"] == "reviewer:rita"
    assert active["policy"] == "community-guidelines/spam"

    readers = [
        ("creator", "maya"),
        ("admin", "ops"),
        ("auditor", "audit"),
        ("reviewer", "rita"),
        ("brand", "acme"),
        ("creator", "sam"),
        ("viewer", "v"),
    ]
    read_by = {
        who: client.get("/v1/creators/maya", headers=auth(*who)).status_code for who in readers
    }
    assert read_by == {
        ("creator", "maya"): 200,
        ("admin", "ops"): 200,
        ("auditor", "audit"): 200,
        ("reviewer", "rita"): 200,
        ("brand", "acme"): 200,
        ("creator", "sam"): 403,
        ("viewer", "v"): 403,
    }
    assert_problem(client.get("/v1/creators/nobody", headers=auth("admin", "a")), 404, "not-found")
    assert_problem(client.get("/v1/creators/maya"), 401, "unauthenticated")

    lift_url = f"/v1/creators/maya/strikes/{active['strike_id']}"
    clock.advance(timedelta(days=2))
    no_reason = client.request("DELETE", lift_url, json={}, headers=auth("admin", "ops"))
    lifted = client.request(
        "DELETE", lift_url, json={"reason": "Appeal upheld"}, headers=auth("admin", "ops")
    )
    twice = client.request(
        "DELETE", lift_url, json={"reason": "Appeal upheld"}, headers=auth("admin", "ops")
    )
    assert_problem(no_reason, 422, "validation-error")
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["active_strikes"] == []
    assert_problem(twice, 409, "rule-violated", "NoSuchStrike")


# Enrolment ------------------------------------------------------------------------------


def test_eligibility_is_decided_on_recorded_facts_and_each_refusal_says_why(
    client: TestClient, auth: Auth
) -> None:
    register(client, auth, "low")
    count(client, auth, "low", 99_999)
    register(client, auth, "abroad", region="FR")
    count(client, auth, "abroad", 250_000)
    register(client, auth, "struck")
    count(client, auth, "struck", 250_000)
    strike = client.post(
        "/v1/creators/struck/strikes",
        json={"reason": "Harassment", "policy": "community-guidelines/harassment"},
        headers=auth("reviewer", "rita"),
    )
    register(client, auth, "hopeless", region="FR")

    low = assert_problem(apply(client, auth, "low"), 409, "rule-violated", "NotEligible")
    abroad = assert_problem(apply(client, auth, "abroad"), 409, "rule-violated", "NotEligible")
    struck = assert_problem(apply(client, auth, "struck"), 409, "rule-violated", "NotEligible")
    hopeless = assert_problem(apply(client, auth, "hopeless"), 409, "rule-violated", "NotEligible")
    unregistered = apply(client, auth, "ghost")

    assert low["detail"] == (
        "not eligible for Pulse: the latest recorded follower count is 99,999, below 100,000"
    )
    assert (
        abroad["detail"] == "not eligible for Pulse: Pulse is not launched in FR (launched: CA, US)"
    )
    assert struck["detail"] == "not eligible for Pulse: the creator has an active moderation strike"
    assert hopeless["detail"].count(";") == 1
    assert "below 100,000" in hopeless["detail"]
    assert "not launched in FR" in hopeless["detail"]
    assert_problem(unregistered, 404, "not-found")

    # Nothing was recorded for the refused applications.
    assert_problem(
        client.get("/v1/pulse/enrolments/low", headers=auth("admin", "ops")), 404, "not-found"
    )

    # The facts change, and the same creators are now eligible.
    count(client, auth, "low", 100_000)
    client.request(
        "DELETE",
        f"/v1/creators/struck/strikes/{strike.json()['active_strikes'][0]['strike_id']}",
        json={"reason": "Overturned"},
        headers=auth("admin", "ops"),
    )
    applied = apply(client, auth, "low")
    assert applied.status_code == 201, applied.text
    assert applied.headers["location"] == "/v1/pulse/enrolments/low"
    assert applied.json() == {
        "creator": "low",
        "status": "applied",
        "decision_reason": "",
        "version": 1,
    }
    assert apply(client, auth, "struck").status_code == 201
    assert_problem(apply(client, auth, "low"), 409, "enrolment-exists")


def test_an_admin_decides_and_approval_checks_the_facts_again(
    client: TestClient, auth: Auth
) -> None:
    for account in ("maya", "kai"):
        register(client, auth, account)
        count(client, auth, account, 150_000)
        assert apply(client, auth, account).status_code == 201

    by_creator = client.post(
        "/v1/pulse/enrolments/maya/decision",
        json={"approve": True, "reason": "me"},
        headers=auth("creator", "maya"),
    )
    not_a_bool = client.post(
        "/v1/pulse/enrolments/maya/decision",
        json={"approve": "yes", "reason": "ok"},
        headers=auth("admin", "ops"),
    )
    approved = decide(client, auth, "maya", True, "Meets the criteria")
    twice = decide(client, auth, "maya", False, "Changed my mind")
    unknown = decide(client, auth, "nobody", True)

    assert_problem(by_creator, 403, "forbidden")
    assert_problem(not_a_bool, 422, "validation-error")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decision_reason"] == "Meets the criteria"
    assert approved.headers["etag"] == '"2"'
    assert_problem(twice, 409, "rule-violated", "EnrolmentAlreadyDecided")
    assert_problem(unknown, 404, "not-found")

    # kai received a strike after applying: approval reads the facts as they are now.
    client.post(
        "/v1/creators/kai/strikes",
        json={"reason": "Spam", "policy": "spam"},
        headers=auth("reviewer", "rita"),
    )
    refused = assert_problem(decide(client, auth, "kai", True), 409, "rule-violated", "NotEligible")
    assert "active moderation strike" in refused["detail"]
    rejected = decide(client, auth, "kai", False, "Strike on record")
    assert rejected.json()["status"] == "rejected"
    # A rejected creator may apply again (and is refused while the strike is active).
    assert_problem(apply(client, auth, "kai"), 409, "rule-violated", "NotEligible")

    seen_by = {
        who: client.get("/v1/pulse/enrolments/maya", headers=auth(*who)).status_code
        for who in [("creator", "maya"), ("creator", "kai"), ("auditor", "a"), ("brand", "b")]
    }
    assert seen_by == {
        ("creator", "maya"): 200,
        ("creator", "kai"): 403,
        ("auditor", "a"): 200,
        ("brand", "b"): 403,
    }


# Inventory ------------------------------------------------------------------------------


def test_the_standing_of_a_video_says_whether_it_is_inventory_and_why_not(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    def standing(video_id: str) -> Json:
        response = client.get(f"/v1/pulse/videos/{video_id}/standing", headers=auth("viewer", "v"))
        assert response.status_code == 200, response.text
        body: Json = response.json()
        return body

    top = standing(inventory["top"])
    second = standing(inventory["second"])

    assert top == {
        "video_id": inventory["top"],
        "creator": "maya",
        "category": "cooking",
        "score": 200,
        "rank": 1,
        "category_size": 2,
        "top": 1,
        "is_inventory": True,
        "why_not": "",
    }
    assert (second["rank"], second["is_inventory"]) == (2, False)
    assert second["why_not"] == "rank 2 of 2 is outside the top 1 of cooking"

    # sam overtakes maya: sam's video leads, but sam is not enrolled.
    engage(client, auth, inventory["second"], likes=100)
    assert standing(inventory["second"])["why_not"] == "creator sam is not approved for Pulse"
    assert standing(inventory["top"])["rank"] == 2
    engage(client, auth, inventory["top"], likes=100)

    # maya's latest follower count falls below the threshold: not inventory until it recovers.
    count(client, auth, "maya", 99_000)
    assert standing(inventory["top"])["why_not"] == (
        "creator maya's latest follower count is below 100,000"
    )
    count(client, auth, "maya", 101_000)
    assert standing(inventory["top"])["is_inventory"] is True

    assert_problem(
        client.get(f"/v1/pulse/videos/{uuid4()}/standing", headers=auth("viewer", "v")),
        404,
        "not-found",
    )
    assert_problem(
        client.get(f"/v1/pulse/videos/{inventory['top']}/standing"), 401, "unauthenticated"
    )


# Campaigns ------------------------------------------------------------------------------


def test_a_brand_launches_a_prepaid_campaign_that_only_it_admins_and_auditors_read(
    client: TestClient, auth: Auth
) -> None:
    campaign = launch(client, auth, budget=250_000, cpm=1_250)

    assert campaign["brand"] == "acme"
    assert campaign["budget"] == usd(250_000)
    assert campaign["cpm"] == usd(1_250)
    assert campaign["remaining"] == usd(250_000)
    assert campaign["budget_account"] == f"campaign:{campaign['id']}:budget:USD"
    url = f"/v1/pulse/campaigns/{campaign['id']}"
    assert client.get(url, headers=auth("brand", "acme")).json() == campaign
    assert client.get(url, headers=auth("auditor", "a")).status_code == 200
    assert client.get(url, headers=auth("admin", "ops")).status_code == 200
    assert_problem(client.get(url, headers=auth("brand", "globex")), 403, "forbidden")
    assert_problem(client.get(url, headers=auth("creator", "maya")), 403, "forbidden")
    assert_problem(
        client.get(f"/v1/pulse/campaigns/{uuid4()}", headers=auth("admin", "ops")), 404, "not-found"
    )

    # The budget is held in the campaign's account from the start.
    assert balance(client, auth, campaign["budget_account"]) == 250_000
    assert balance(client, auth, "platform:brand-funds:USD") == -250_000
    by_admin = client.post(
        "/v1/pulse/campaigns",
        json={
            "name": "Partner",
            "category": "music",
            "budget": usd(1000),
            "cpm": usd(100),
            "brand": "globex",
            **FLIGHT,
        },
        headers=auth("admin", "ops"),
    )
    assert by_admin.status_code == 201
    assert by_admin.json()["brand"] == "globex"
    assert by_admin.headers["location"] == f"/v1/pulse/campaigns/{by_admin.json()['id']}"


@pytest.mark.parametrize(
    ("change", "slug", "says"),
    [
        ({"budget": usd(-500)}, "invalid-value", "a budget must be more than zero"),
        ({"budget": usd(0)}, "invalid-value", "a budget must be more than zero"),
        ({"cpm": usd(0)}, "invalid-value", "a price per thousand impressions must be more"),
        ({"budget": usd(12.5)}, "validation-error", "body.budget.minor"),
        ({"budget": usd(100.0)}, "validation-error", "body.budget.minor"),
        ({"budget": usd("1000")}, "validation-error", "body.budget.minor"),
        ({"budget": usd(True)}, "validation-error", "body.budget.minor"),
        ({"budget": {"minor": 1000, "currency": "XYZ"}}, "invalid-value", "unknown currency"),
        ({"budget": {"minor": 1000, "currency": "usd"}}, "validation-error", "currency"),
        ({"budget": {"minor": 1000}}, "validation-error", "currency"),
        ({"budget": 10.0}, "validation-error", "body.budget"),
        ({"cpm": {"minor": 100, "currency": "EUR"}}, "invalid-value", "one currency"),
        ({"category": "knitting"}, "invalid-value", "unknown category"),
        ({"ends_at": "2025-02-01T00:00:00Z"}, "invalid-value", "ends after it starts"),
        ({"starts_at": "2025-03-01T00:00:00"}, "validation-error", "starts_at"),
        ({"remaining": usd(1)}, "validation-error", "remaining"),
    ],
)
def test_bad_campaigns_are_refused_with_422(
    client: TestClient, auth: Auth, change: Json, slug: str, says: str
) -> None:
    body = {"name": "Bad", "category": "cooking", "budget": usd(1000), "cpm": usd(100), **FLIGHT}

    refused = client.post(
        "/v1/pulse/campaigns", json={**body, **change}, headers=auth("brand", "acme")
    )

    problem = assert_problem(refused, 422, slug)
    assert says in problem["detail"]


def test_only_brands_launch_campaigns_for_themselves(client: TestClient, auth: Auth) -> None:
    body = {"name": "X", "category": "cooking", "budget": usd(1000), "cpm": usd(100), **FLIGHT}

    as_creator = client.post("/v1/pulse/campaigns", json=body, headers=auth("creator", "maya"))
    for_another = client.post(
        "/v1/pulse/campaigns", json={**body, "brand": "globex"}, headers=auth("brand", "acme")
    )
    admin_unnamed = client.post("/v1/pulse/campaigns", json=body, headers=auth("admin", "ops"))

    for refused in (as_creator, for_another):
        assert_problem(refused, 403, "forbidden")
    assert_problem(admin_unnamed, 422, "invalid-value")  # allowed, but names nobody


# Impressions ----------------------------------------------------------------------------


def test_an_impression_batch_bills_the_campaign_and_credits_half_to_the_creator(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_000, cpm=333)
    top = inventory["top"]

    billed = report(client, auth, "b-1", campaign["id"], [(top, 1000)])

    assert billed.status_code == 201, billed.text
    receipt = billed.json()
    # 1000 impressions at 3.33 USD a thousand: 333 cents; the creator receives the odd cent.
    assert receipt["billed"] == usd(333)
    assert receipt["creators_credited"] == usd(167)
    assert (receipt["billed_impressions"], receipt["unbilled_impressions"]) == (1000, 0)
    assert receipt["replayed"] is False
    assert balance(client, auth, "creator:maya:payable:USD") == 167
    assert balance(client, auth, "platform:revenue:USD") == 166
    assert balance(client, auth, campaign["budget_account"]) == 100_000 - 333

    # The fraction of a cent is never billed (in the brand's favour).
    fraction = report(client, auth, "b-2", campaign["id"], [(top, 1001)]).json()
    assert fraction["billed"] == usd(333)

    # A retry of the same batch answers as the first delivery did; nothing is billed twice.
    retried = report(client, auth, "b-1", campaign["id"], [(top, 1000)])
    assert retried.status_code == 200, retried.text
    assert retried.json() == {**receipt, "replayed": True}
    assert balance(client, auth, "creator:maya:payable:USD") == 167 * 2

    # Another reporter's keys are its own.
    other_reporter = report(client, auth, "b-1", campaign["id"], [(top, 1000)], reporter="ads-2")
    assert other_reporter.status_code == 201
    assert other_reporter.json()["batch_id"] != receipt["batch_id"]

    changed = report(client, auth, "b-1", campaign["id"], [(top, 2000)])
    assert_problem(changed, 409, "rule-violated", "BatchKeyReused")

    remaining = client.get(
        f"/v1/pulse/campaigns/{campaign['id']}", headers=auth("brand", "acme")
    ).json()["remaining"]
    assert remaining == usd(100_000 - 3 * 333)


def test_impressions_beside_videos_that_are_not_inventory_are_refused_whole(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_000, cpm=1_000)

    not_inventory = report(
        client, auth, "mixed", campaign["id"], [(inventory["top"], 500), (inventory["second"], 500)]
    )
    other_category = report(client, auth, "gaming", campaign["id"], [(inventory["gaming"], 10)])
    unknown_video = report(client, auth, "ghost", campaign["id"], [(str(uuid4()), 10)])
    unknown_campaign = report(client, auth, "lost", str(uuid4()), [(inventory["top"], 10)])
    by_brand = client.post(
        "/v1/pulse/impressions",
        json={
            "batch_key": "self-serve",
            "campaign_id": campaign["id"],
            "placements": [{"video_id": inventory["top"], "impressions": 10**6}],
        },
        headers=auth("brand", "acme"),
    )

    refused = assert_problem(not_inventory, 409, "rule-violated", "NotInventory")
    assert "rank 2 of 2 is outside the top 1 of cooking" in refused["detail"]
    refused = assert_problem(other_category, 409, "rule-violated", "NotInventory")
    assert "is in gaming; the campaign runs in cooking" in refused["detail"]
    assert_problem(unknown_video, 404, "not-found")
    assert_problem(unknown_campaign, 404, "not-found")
    assert_problem(by_brand, 403, "forbidden")
    # Nothing of the refused batches was billed, not even their inventory lines.
    assert balance(client, auth, campaign["budget_account"]) == 100_000
    assert_problem(
        ledger(client, auth, "creator:maya:payable:USD", ("admin", "ops")), 404, "not-found"
    )
    # A refused batch was not recorded: its key is still free.
    assert (
        report(client, auth, "mixed", campaign["id"], [(inventory["top"], 500)]).status_code == 201
    )


@pytest.mark.parametrize(
    ("placements", "where"),
    [
        ([], "body.placements"),
        ([{"impressions": 10}], "body.placements.0.video_id"),
        ([{"video_id": "V", "impressions": 0}], "body.placements.0.impressions"),
        ([{"video_id": "V", "impressions": -5}], "body.placements.0.impressions"),
        ([{"video_id": "V", "impressions": 2.5}], "body.placements.0.impressions"),
        ([{"video_id": "V", "impressions": 10, "price": 1}], "body.placements.0.price"),
    ],
)
def test_malformed_impression_batches_are_422(
    client: TestClient,
    auth: Auth,
    inventory: dict[str, str],
    placements: list[Json],
    where: str,
) -> None:
    campaign = launch(client, auth, budget=1000, cpm=100)
    lines = [{**p, "video_id": inventory["top"]} if "video_id" in p else p for p in placements]

    refused = client.post(
        "/v1/pulse/impressions",
        json={"batch_key": "k", "campaign_id": campaign["id"], "placements": lines},
        headers=auth("admin", "ads"),
    )

    assert assert_problem(refused, 422, "validation-error")["detail"].startswith(where)


def test_the_budget_caps_billing_and_a_spent_budget_refuses_more(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    # 10.00 USD a thousand impressions is one cent an impression; 15.00 USD pays for 1,500.
    campaign = launch(client, auth, budget=1_500, cpm=1_000)
    top = inventory["top"]

    capped = report(client, auth, "last", campaign["id"], [(top, 999), (top, 1000)])

    assert capped.status_code == 201, capped.text
    receipt = capped.json()
    assert receipt["billed"] == usd(1_500)
    assert (receipt["billed_impressions"], receipt["unbilled_impressions"]) == (1_500, 499)
    # 999 cents: 500 to the creator (the odd cent), 499 to the platform; then 501: 251 + 250.
    assert receipt["creators_credited"] == usd(500 + 251)
    assert balance(client, auth, campaign["budget_account"]) == 0
    assert balance(client, auth, "creator:maya:payable:USD") == 751
    assert balance(client, auth, "platform:revenue:USD") == 749

    spent = report(client, auth, "more", campaign["id"], [(top, 1)])
    problem = assert_problem(spent, 409, "rule-violated", "BudgetSpent")
    assert "has spent its budget" in problem["detail"]
    # The capped batch is still answered as recorded when retried.
    assert report(client, auth, "last", campaign["id"], [(top, 999), (top, 1000)]).json() == {
        **receipt,
        "replayed": True,
    }


def test_impressions_count_only_during_the_campaign_flight(
    client: TestClient, auth: Auth, clock: FixedClock, inventory: dict[str, str]
) -> None:
    campaign = launch(
        client,
        auth,
        budget=10_000,
        cpm=1_000,
        starts_at="2025-03-15T00:00:00Z",
        ends_at="2025-03-20T00:00:00Z",
    )
    top = inventory["top"]

    early = report(client, auth, "early", campaign["id"], [(top, 10)])
    clock.set(datetime(2025, 3, 16, tzinfo=UTC))
    flying = report(client, auth, "flying", campaign["id"], [(top, 10)])
    clock.set(datetime(2025, 3, 20, tzinfo=UTC))
    landed = report(client, auth, "landed", campaign["id"], [(top, 10)])

    problem = assert_problem(early, 409, "rule-violated", "CampaignNotFlying")
    assert "flies from 2025-03-15T00:00:00+00:00 to 2025-03-20T00:00:00+00:00" in problem["detail"]
    assert flying.status_code == 201, flying.text
    assert_problem(landed, 409, "rule-violated", "CampaignNotFlying")
    assert balance(client, auth, campaign["budget_account"]) == 10_000 - 10


# Ledger ---------------------------------------------------------------------------------


def test_a_creator_pages_through_its_own_ledger_and_no_one_elses(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_000, cpm=1_000)
    enrolled(client, auth, "kai")
    for key, impressions in (("b1", 11), ("b2", 22), ("b3", 33)):
        assert report(
            client, auth, key, campaign["id"], [(inventory["top"], impressions)]
        ).is_success
    code = "creator:maya:payable:USD"

    first = ledger(client, auth, code, ("creator", "maya"), limit=2)
    assert first.status_code == 200, first.text
    page = first.json()
    second = ledger(client, auth, code, ("creator", "maya"), limit=2, cursor=page["next_cursor"])
    last = second.json()

    assert page["code"] == code
    assert page["limit"] == "debits_must_not_exceed_credits"
    # 11, 22 and 33 cents: the creator's halves are 6, 11 and 17.
    assert page["balance"] == usd(34)
    assert page["credits"] == usd(34)
    assert page["debits"] == usd(0)
    assert [(p["side"], p["amount"]) for p in page["postings"]] == [
        ("credit", usd(6)),
        ("credit", usd(11)),
    ]
    assert page["postings"][0]["kind"] == "impressions-billed"
    assert page["postings"][0]["reference"] == f"video:{inventory['top']}"
    assert page["postings"][0]["cause"].startswith("impression-batch:")
    assert page["next_cursor"] == 2  # the postings seen so far
    assert [p["amount"] for p in last["postings"]] == [usd(17)]
    assert last["next_cursor"] is None

    # The code routes as it is and URL-encoded.
    encoded = ledger(client, auth, quote(code, safe=""), ("creator", "maya"))
    assert encoded.status_code == 200
    assert encoded.json()["postings"] == page["postings"] + last["postings"]

    assert_problem(ledger(client, auth, code, ("creator", "kai")), 403, "forbidden")
    assert_problem(ledger(client, auth, code, ("brand", "acme")), 403, "forbidden")
    assert_problem(ledger(client, auth, code, ("viewer", "v")), 403, "forbidden")
    assert ledger(client, auth, code, ("auditor", "a")).status_code == 200
    assert ledger(client, auth, code, ("admin", "ops")).status_code == 200
    assert_problem(
        ledger(client, auth, "platform:revenue:USD", ("creator", "maya")), 403, "forbidden"
    )
    # A brand reads its own campaign's budget account, not another brand's.
    budget = campaign["budget_account"]
    assert ledger(client, auth, budget, ("brand", "acme")).json()["balance"] == usd(100_000 - 66)
    assert_problem(ledger(client, auth, budget, ("brand", "globex")), 403, "forbidden")

    assert_problem(ledger(client, auth, "bogus:account", ("admin", "ops")), 422, "invalid-value")
    assert_problem(
        ledger(client, auth, "creator:kai:payable:USD", ("creator", "kai")), 404, "not-found"
    )
    for query in ({"limit": 0}, {"limit": 501}, {"cursor": -1}, {"limit": 1.5}):
        assert_problem(
            ledger(client, auth, code, ("creator", "maya"), **query), 422, "validation-error"
        )


def test_paging_never_loses_a_posting_of_an_entry_with_several_lines_on_the_account(
    client: TestClient, auth: Auth
) -> None:
    # 26 cooking videos: the top 2 are inventory, and both are maya's.
    enrolled(client, auth, "maya")
    mine = [publish(client, auth, "maya") for _ in range(2)]
    for n in range(24):
        publish(client, auth, f"filler-{n}")
    for video_id in mine:
        engage(client, auth, video_id, likes=10)
    campaign = launch(client, auth, budget=100_000, cpm=1_000)
    both = report(client, auth, "two-videos", campaign["id"], [(mine[0], 100), (mine[1], 200)])
    assert both.status_code == 201, both.text
    code = "creator:maya:payable:USD"

    seen: list[Json] = []
    cursor = 0
    while True:
        page = ledger(client, auth, code, ("creator", "maya"), limit=1, cursor=cursor).json()
        seen.extend(page["postings"])
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]

    assert sorted(p["amount"]["minor"] for p in seen) == [50, 100]


def test_a_creator_account_with_a_colon_is_paid_like_any_other(
    client: TestClient, auth: Auth
) -> None:
    enrolled(client, auth, "team:maya")
    video = publish(client, auth, "team:maya")
    campaign = launch(client, auth, budget=10_000, cpm=1_000)
    standing = client.get(f"/v1/pulse/videos/{video}/standing", headers=auth("admin", "ops"))
    assert standing.json()["is_inventory"] is True

    billed = report(client, auth, "b", campaign["id"], [(video, 100)])

    assert billed.status_code == 201, billed.text


# Statements -----------------------------------------------------------------------------


def test_a_monthly_statement_traces_each_credit_to_its_video_and_batch(
    client: TestClient, auth: Auth, clock: FixedClock, inventory: dict[str, str]
) -> None:
    enrolled(client, auth, "kai")
    kai_video = publish(client, auth, "kai", category="dance")
    cooking = launch(client, auth, budget=100_000, cpm=1_000)
    gaming = launch(client, auth, budget=100_000, cpm=2_000, category="gaming")
    dance = launch(client, auth, budget=100_000, cpm=2_000, category="dance")
    march_1 = report(client, auth, "m1", cooking["id"], [(inventory["top"], 101)]).json()
    march_2 = report(client, auth, "m2", gaming["id"], [(inventory["gaming"], 40)]).json()
    report(client, auth, "m3", dance["id"], [(kai_video, 1)])
    clock.set(datetime(2025, 4, 2, 9, 0, tzinfo=UTC))
    april = report(client, auth, "a1", cooking["id"], [(inventory["top"], 10)]).json()

    response = client.get("/v1/statements/maya/2025-03", headers=auth("creator", "maya"))

    assert response.status_code == 200, response.text
    statement = response.json()
    assert (statement["creator"], statement["month"], statement["currency"]) == (
        "maya",
        "2025-03",
        "USD",
    )
    assert [
        (line["video_id"], line["batch_id"], line["amount"]) for line in statement["items"]
    ] == [
        (inventory["top"], march_1["batch_id"], usd(51)),  # 101 cents: 51 + 50
        (inventory["gaming"], march_2["batch_id"], usd(40)),  # 80 cents: 40 + 40
    ]
    assert statement["items"][0]["batch"] == f"impression-batch:{march_1['batch_id']}"
    assert statement["items"][0]["recorded_at"] == "2025-03-10T12:00:00Z"
    assert statement["earned"] == usd(91)
    assert (statement["earnings"], statement["next_cursor"]) == (2, None)
    assert statement["opening_balance"] == usd(0)
    assert (statement["credits"], statement["debits"]) == (usd(91), usd(0))
    assert statement["closing_balance"] == usd(91)

    in_april = client.get("/v1/statements/maya/2025-04", headers=auth("admin", "ops")).json()
    assert [(line["batch_id"], line["amount"]) for line in in_april["items"]] == [
        (april["batch_id"], usd(5))
    ]
    in_may = client.get("/v1/statements/maya/2025-05", headers=auth("auditor", "a")).json()
    assert in_may["items"] == []
    assert in_may["earned"] == usd(0)
    # May opens with what March and April left on the payable account.
    assert in_may["opening_balance"] == in_may["closing_balance"] == usd(96)
    kai = client.get("/v1/statements/kai/2025-03", headers=auth("creator", "kai")).json()
    assert [(line["video_id"], line["amount"]) for line in kai["items"]] == [(kai_video, usd(1))]

    assert_problem(
        client.get("/v1/statements/maya/2025-03", headers=auth("creator", "kai")), 403, "forbidden"
    )
    assert_problem(
        client.get("/v1/statements/maya/2025-03", headers=auth("brand", "acme")), 403, "forbidden"
    )
    assert_problem(
        client.get("/v1/statements/maya/2025-13", headers=auth("creator", "maya")),
        422,
        "validation-error",
    )
    assert_problem(
        client.get(
            "/v1/statements/maya/2025-03", params={"currency": "XYZ"}, headers=auth("admin", "a")
        ),
        422,
        "invalid-value",
    )


def test_a_statement_pages_with_the_months_totals_on_every_page(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    cooking = launch(client, auth, budget=100_000, cpm=1_000)
    billed = [
        report(client, auth, f"p{n}", cooking["id"], [(inventory["top"], 2 * (n + 1))]).json()
        for n in range(5)
    ]
    headers = auth("creator", "maya")

    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get("/v1/statements/maya/2025-03", params=params, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            break

    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert [item["batch_id"] for page in pages for item in page["items"]] == [
        batch["batch_id"] for batch in billed
    ]
    assert {page["earned"]["minor"] for page in pages} == {1 + 2 + 3 + 4 + 5}
    assert {page["earnings"] for page in pages} == {5}
    whole = client.get("/v1/statements/maya/2025-03", headers=headers).json()
    assert [item for page in pages for item in page["items"]] == whole["items"]
    # Another month's cursor, a forged one, a page too large: 422 with the reason.
    first = pages[0]["next_cursor"]
    assert_problem(
        client.get("/v1/statements/maya/2025-04", params={"cursor": first}, headers=headers),
        422,
        "invalid-value",
    )
    for malformed in ("0", "abc", "2025-03 1"):
        assert_problem(
            client.get(
                "/v1/statements/maya/2025-03", params={"cursor": malformed}, headers=headers
            ),
            422,
            "validation-error",
        )
    for forged in ("2025-03.-1", "2025-03." + "9" * 19, first + "x"):
        assert_problem(
            client.get("/v1/statements/maya/2025-03", params={"cursor": forged}, headers=headers),
            422,
            "invalid-value",
        )
    # The readable cursors statements gave before theirs were the shared ones: refused, why.
    old = assert_problem(
        client.get("/v1/statements/maya/2025-03", params={"cursor": "2025-03.1"}, headers=headers),
        422,
        "invalid-value",
    )
    assert "old readable form" in old["detail"]
    for limit in (0, 501):
        assert_problem(
            client.get("/v1/statements/maya/2025-03", params={"limit": limit}, headers=headers),
            422,
            "validation-error",
        )
    parameters = client.get("/openapi.json").json()["paths"]["/v1/statements/{creator}/{month}"]
    documented = {p["name"]: p for p in parameters["get"]["parameters"]}
    assert documented["limit"]["schema"]["maximum"] == 500
    assert "pattern" in documented["cursor"]["schema"]["anyOf"][0]


# Payouts --------------------------------------------------------------------------------


def request_payout(
    client: TestClient,
    auth: Auth,
    as_creator: str,
    key: str | None,
    period: str = "2025-03",
    **body: Any,
) -> Any:
    headers = auth("creator", as_creator)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/v1/payouts", json={"period": period, **body}, headers=headers)


def settle(client: TestClient, auth: Auth, payout_id: str, **body: Any) -> Any:
    return client.post(
        f"/v1/payouts/{payout_id}/settlement", json=body, headers=auth("admin", "treasury")
    )


def test_a_creator_is_paid_once_per_period_and_a_returned_payout_is_payable_again(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_000, cpm=1_000)
    report(client, auth, "b1", campaign["id"], [(inventory["top"], 2_001)])  # 1001 to maya
    payable, in_transit = "creator:maya:payable:USD", "creator:maya:in-transit:USD"

    requested = request_payout(client, auth, "maya", "pay-march")
    retried = request_payout(client, auth, "maya", "pay-march")
    second = request_payout(client, auth, "maya", "pay-march-again")
    unkeyed = request_payout(client, auth, "maya", None)

    assert requested.status_code == 201, requested.text
    payout = requested.json()
    assert payout["amount"] == usd(1001)
    assert (payout["creator"], payout["period"], payout["status"]) == (
        "maya",
        "2025-03",
        "in-transit",
    )
    assert payout["replayed"] is False
    assert requested.headers["location"] == f"/v1/payouts/{payout['id']}"
    assert retried.status_code == 201, retried.text  # as the first answer was
    assert retried.headers["idempotent-replayed"] == "true"
    assert retried.headers["location"] == requested.headers["location"]
    assert retried.json() == {**payout, "replayed": True}
    problem = assert_problem(second, 409, "rule-violated", "PayoutExists")
    assert "a period pays once" in problem["detail"]
    assert_problem(unkeyed, 409, "rule-violated", "PayoutExists")
    assert (balance(client, auth, payable), balance(client, auth, in_transit)) == (0, 1001)

    # Nothing payable, or asking for someone else, is refused.
    enrolled(client, auth, "kai")
    assert_problem(request_payout(client, auth, "kai", "k"), 409, "rule-violated")
    assert_problem(request_payout(client, auth, "kai", "k", creator="maya"), 403, "forbidden")
    assert_problem(
        client.post("/v1/payouts", json={"period": "2025-03"}, headers=auth("admin", "ops")),
        422,
        "invalid-value",  # allowed, but names nobody
    )

    url = f"/v1/payouts/{payout['id']}"
    assert client.get(url, headers=auth("creator", "maya")).json() == payout
    assert client.get(url, headers=auth("auditor", "a")).status_code == 200
    assert_problem(client.get(url, headers=auth("creator", "kai")), 403, "forbidden")
    assert_problem(
        client.get(f"/v1/payouts/{uuid4()}", headers=auth("admin", "ops")), 404, "not-found"
    )

    # The rail returns the transfer: the money is payable again, and next month's run pays it.
    by_creator = client.post(
        f"{url}/settlement",
        json={"outcome": "sent", "reference": "me"},
        headers=auth("creator", "maya"),
    )
    returned = settle(client, auth, payout["id"], outcome="returned", reason="Account closed")
    assert_problem(by_creator, 403, "forbidden")
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_reason"] == "Account closed"
    assert (balance(client, auth, payable), balance(client, auth, in_transit)) == (1001, 0)
    assert_problem(
        settle(client, auth, payout["id"], outcome="sent", reference="late"),
        409,
        "rule-violated",
        "PayoutSettled",
    )
    assert_problem(request_payout(client, auth, "maya", "again"), 409, "rule-violated")

    not_admin = client.post(
        "/v1/payouts/runs", json={"period": "2025-04"}, headers=auth("creator", "maya")
    )
    run = client.post("/v1/payouts/runs", json={"period": "2025-04"}, headers=auth("admin", "ops"))
    rerun = client.post(
        "/v1/payouts/runs", json={"period": "2025-04"}, headers=auth("admin", "ops")
    )

    assert_problem(not_admin, 403, "forbidden")
    unknown_currency = client.post(
        "/v1/payouts/runs",
        json={"period": "2025-04", "currency": "XYZ"},
        headers=auth("admin", "ops"),
    )
    assert_problem(unknown_currency, 422, "invalid-value")
    assert run.status_code == 200, run.text
    [april] = run.json()["payouts"]
    assert (april["creator"], april["period"], april["amount"]) == ("maya", "2025-04", usd(1001))
    assert rerun.json() == {"period": "2025-04", "currency": "USD", "payouts": []}

    sent = settle(client, auth, april["id"], outcome="sent", reference="ACH-20250402-17")
    assert sent.status_code == 200, sent.text
    assert (sent.json()["status"], sent.json()["reference"]) == ("sent", "ACH-20250402-17")
    assert (balance(client, auth, payable), balance(client, auth, in_transit)) == (0, 0)
    assert balance(client, auth, "platform:paid-out:USD") == 1001

    history = ledger(client, auth, payable, ("creator", "maya")).json()
    assert [(p["kind"], p["side"], p["amount"]["minor"]) for p in history["postings"]] == [
        ("impressions-billed", "credit", 1001),
        ("payout-requested", "debit", 1001),
        ("payout-returned", "credit", 1001),
        ("payout-requested", "debit", 1001),
    ]
    # The statement lists earnings only, not the money coming back.
    statement = client.get("/v1/statements/maya/2025-03", headers=auth("creator", "maya")).json()
    assert statement["earned"] == usd(1001)


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ({"period": "2025-3"}, "validation-error"),
        ({"period": "2025-13"}, "validation-error"),
        ({"period": "March"}, "validation-error"),
        ({"period": "2025-03", "currency": "usd"}, "validation-error"),
        ({"period": "2025-03", "currency": "XYZ"}, "invalid-value"),
        ({"period": "2025-03", "amount": usd(100)}, "validation-error"),
        ({}, "validation-error"),
    ],
)
def test_bad_payout_requests_are_422(client: TestClient, auth: Auth, body: Json, slug: str) -> None:
    register(client, auth, "maya")

    refused = client.post(
        "/v1/payouts", json=body, headers={**auth("creator", "maya"), "Idempotency-Key": "k"}
    )

    assert_problem(refused, 422, slug)


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "sent"},
        {"outcome": "returned"},
        {"outcome": "sent", "reference": "R", "reason": "why"},
        {"outcome": "returned", "reference": "R"},
        {"outcome": "lost", "reason": "where"},
        {"outcome": "sent", "reference": ""},
    ],
)
def test_a_settlement_names_its_outcome_and_what_the_rail_said(
    client: TestClient, auth: Auth, body: Json
) -> None:
    assert_problem(settle(client, auth, str(uuid4()), **body), 422, "validation-error")


def test_the_new_endpoints_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    ours = {
        path: operations
        for path, operations in paths.items()
        if path.startswith(
            ("/v1/creators", "/v1/pulse", "/v1/ledgers", "/v1/statements", "/v1/payouts")
        )
    }

    assert set(ours) == {
        "/v1/creators",
        "/v1/creators/{account}",
        "/v1/creators/{account}/followers",
        "/v1/creators/{account}/strikes",
        "/v1/creators/{account}/strikes/{strike_id}",
        "/v1/creators/{account}/age-band",
        "/v1/pulse/enrolments",
        "/v1/pulse/enrolments/{creator}",
        "/v1/pulse/enrolments/{creator}/decision",
        "/v1/pulse/applications",
        "/v1/pulse/videos/{video_id}/standing",
        "/v1/pulse/campaigns",
        "/v1/pulse/campaigns/{campaign_id}",
        "/v1/pulse/campaigns/{campaign_id}/inventory",
        "/v1/pulse/campaigns/{campaign_id}/report",
        "/v1/pulse/campaigns/{campaign_id}/report.csv",
        "/v1/pulse/brands/{brand}/exclusions",
        "/v1/pulse/impressions",
        "/v1/ledgers/{account_id}",
        "/v1/statements/{creator}/{month}",
        "/v1/payouts",
        "/v1/payouts/runs",
        "/v1/payouts/{payout_id}/settlement",
        "/v1/payouts/{payout_id}",
    }
    for path, operations in ours.items():
        for method, operation in operations.items():
            assert len(operation.get("description", "")) > 40, f"{method} {path} is undocumented"
    money = client.get("/openapi.json").json()["components"]["schemas"]["MoneyBody"]
    assert money["properties"]["minor"]["type"] == "integer"


# Notices ----------------------------------------------------------------------------------


def test_pulse_decisions_and_payout_outcomes_are_told_to_the_creator_alone(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_000, cpm=1_000)
    report(client, auth, "b1", campaign["id"], [(inventory["top"], 2_001)])
    register(client, auth, "kai")
    count(client, auth, "kai", 150_000)
    apply(client, auth, "kai")
    assert decide(client, auth, "kai", False, "Too few original videos").status_code == 200
    payout = request_payout(client, auth, "maya", "pay-march").json()["id"]
    returned = settle(client, auth, payout, outcome="returned", reason="Account closed")
    assert returned.status_code == 200, returned.text

    def told(account: str) -> list[tuple[str, dict[str, str], str]]:
        inbox = client.get("/v1/me/inbox", headers=auth("creator", account)).json()
        return [(n["kind"], n["about"], n["reason"]) for n in inbox["items"]]

    maya = PulseEnrolment.id_for("maya")
    assert told("maya") == [
        ("pulse_application_approved", {"application": str(maya)}, "meets the criteria"),
        ("payout_returned", {"payout": payout}, "Account closed"),
    ]
    assert told("kai") == [
        (
            "pulse_application_rejected",
            {"application": str(PulseEnrolment.id_for("kai"))},
            "Too few original videos",
        )
    ]
    assert told("sam") == []
