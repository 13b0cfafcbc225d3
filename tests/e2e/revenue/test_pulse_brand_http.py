"""A brand's side of Pulse through HTTP, over a real SQLite store: its safety exclusions, which
placement respects, and refusals that record nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.revenue.test_pulse_http import (
    Auth,
    assert_problem,
    clock,
    core,
    inventory,
    launch,
    report,
)

__all__ = ["clock", "core", "inventory"]  # the fixtures, shared with the Pulse tests


def put_exclusions(client: TestClient, auth: Auth, brand: str = "acme", **body: Any) -> Any:
    return client.put(
        f"/v1/pulse/brands/{brand}/exclusions", json=body, headers=auth("brand", brand)
    )


def test_a_brand_sets_its_exclusions_and_placement_respects_them(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_00, cpm=5_00)
    before = client.get("/v1/pulse/brands/acme/exclusions", headers=auth("brand", "acme"))
    assert before.status_code == 200
    assert before.json()["version"] == 0
    shown = client.get(
        f"/v1/pulse/campaigns/{campaign['id']}/inventory", headers=auth("brand", "acme")
    )
    assert [s["video_id"] for s in shown.json()] == [inventory["top"]]

    answer = put_exclusions(client, auth, keywords=["Something"], creators=[], categories=[])
    assert answer.status_code == 200, answer.text
    assert answer.json()["keywords"] == ["Something"]
    refused = report(client, auth, "b-1", campaign["id"], [(inventory["top"], 1_000)])
    assert_problem(refused, 409, "rule-violated", "Excluded")
    assert "Something" in refused.json()["detail"]
    assert (
        client.get(f"/v1/pulse/campaigns/{campaign['id']}", headers=auth("brand", "acme")).json()[
            "remaining"
        ]["minor"]
        == 100_00
    )
    shown = client.get(
        f"/v1/pulse/campaigns/{campaign['id']}/inventory", headers=auth("brand", "acme")
    )
    assert shown.json() == []

    assert put_exclusions(client, auth, categories=["cooking"]).status_code == 200
    refused = client.post(
        "/v1/pulse/campaigns",
        json={
            "name": "Another",
            "category": "cooking",
            "budget": {"minor": 100, "currency": "USD"},
            "cpm": {"minor": 100, "currency": "USD"},
            "starts_at": "2025-03-01T00:00:00Z",
            "ends_at": "2025-05-01T00:00:00Z",
        },
        headers=auth("brand", "acme"),
    )
    assert_problem(refused, 409, "rule-violated", "Excluded")

    assert put_exclusions(client, auth).status_code == 200  # all lifted
    billed = report(client, auth, "b-2", campaign["id"], [(inventory["top"], 1_000)])
    assert billed.status_code == 201, billed.text


def test_bad_exclusions_are_refused_and_nothing_is_recorded(client: TestClient, auth: Auth) -> None:
    assert put_exclusions(client, auth, keywords=["vape"]).json()["version"] == 2
    for body in (
        {"categories": ["knitting"]},
        {"keywords": ["!!!"]},
        {"keywords": ["x" * 51]},
        {"creators": ["not an account"]},
        {"keywords": "vape"},
        {"colours": ["red"]},
    ):
        refused = put_exclusions(client, auth, **body)
        assert refused.status_code == 422, body
        assert refused.headers["content-type"] == "application/problem+json"
    other = client.put("/v1/pulse/brands/acme/exclusions", json={}, headers=auth("brand", "cola"))
    assert_problem(other, 403, "forbidden")
    read = client.get("/v1/pulse/brands/acme/exclusions", headers=auth("auditor", "audit"))
    assert read.json()["keywords"] == ["vape"]
    assert read.json()["version"] == 2


def test_the_delivery_report_per_video_and_category_as_json_and_csv(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_00, cpm=5_00)
    billed = client.post(
        "/v1/pulse/impressions",
        json={
            "batch_key": "b-1",
            "campaign_id": campaign["id"],
            "placements": [{"video_id": inventory["top"], "impressions": 2_000, "clicks": 30}],
        },
        headers=auth("admin", "ad-server"),
    )
    assert billed.status_code == 201, billed.text
    path = f"/v1/pulse/campaigns/{campaign['id']}/report"

    answer = client.get(path, headers=auth("brand", "acme"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    [video] = body["by_video"]
    assert (video["video_id"], video["creator"], video["impressions"], video["clicks"]) == (
        inventory["top"],
        "maya",
        2_000,
        30,
    )
    assert video["click_through_bp"] == 150
    assert video["spend"] == {"minor": 10_00, "currency": "USD"}
    assert body["by_category"][0]["category"] == "cooking"
    assert body["total"]["spend"]["minor"] == 10_00

    in_range = client.get(
        path, params={"since": "2025-03-10", "until": "2025-03-10"}, headers=auth("brand", "acme")
    )
    assert in_range.json()["total"]["impressions"] == 2_000
    before = client.get(path, params={"until": "2025-03-09"}, headers=auth("auditor", "audit"))
    assert before.json()["by_video"] == []

    csv = client.get(path + ".csv", headers=auth("brand", "acme"))
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("level,category,video_id,creator,impressions")
    assert lines[1] == f"video,cooking,{inventory['top']},maya,2000,2000,30,150,1000,USD"
    assert lines[-1] == ",".join(["total", "", "", "", "2000", "2000", "30", "150", "1000", "USD"])

    assert_problem(client.get(path, headers=auth("brand", "cola")), 403, "forbidden")
    backwards = client.get(
        path, params={"since": "2025-03-10", "until": "2025-03-01"}, headers=auth("brand", "acme")
    )
    assert backwards.status_code == 422
    assert backwards.headers["content-type"] == "application/problem+json"
    assert (
        client.get(path, params={"since": "March"}, headers=auth("brand", "acme")).status_code
        == 422
    )


def test_clicks_beyond_impressions_are_refused_and_nothing_is_recorded(
    client: TestClient, auth: Auth, inventory: dict[str, str]
) -> None:
    campaign = launch(client, auth, budget=100_00, cpm=5_00)
    for clicks in (2_001, -1, 1.5, "3"):
        refused = client.post(
            "/v1/pulse/impressions",
            json={
                "batch_key": "b-1",
                "campaign_id": campaign["id"],
                "placements": [
                    {"video_id": inventory["top"], "impressions": 2_000, "clicks": clicks}
                ],
            },
            headers=auth("admin", "ad-server"),
        )
        assert refused.status_code == 422, (clicks, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    report = client.get(
        f"/v1/pulse/campaigns/{campaign['id']}/report", headers=auth("brand", "acme")
    )
    assert report.json()["by_video"] == []
    assert (
        client.get(f"/v1/pulse/campaigns/{campaign['id']}", headers=auth("brand", "acme")).json()[
            "remaining"
        ]["minor"]
        == 100_00
    )
