"""A creator's months of earnings and payouts, and the Pulse applications queue, over HTTP
and from the command line: ``limit`` and ``cursor`` in, ``items`` and ``next_cursor`` out,
filters named in the OpenAPI, only the reader's own, bad input a 422 that says why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.categories import CATEGORIES
from entrypoints.cli import main
from tests.e2e.revenue.test_pulse_http import (
    Auth,
    Json,
    apply,
    assert_problem,
    clock,  # noqa: F401 (a fixture of these tests too)
    core,  # noqa: F401
    count,
    decide,
    inventory,  # noqa: F401
    launch,
    register,
    report,
    request_payout,
    settle,
)


def every(client: TestClient, path: str, headers: Json, **query: Any) -> list[Json]:
    items: list[Json] = []
    cursor: str | None = None
    while True:
        params = query | ({"cursor": cursor} if cursor else {})
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def test_a_creator_reads_their_months_and_payouts_and_no_one_elses(
    client: TestClient,
    auth: Auth,
    inventory: dict[str, str],  # noqa: F811 (the fixture imported above)
) -> None:
    campaign = launch(client, auth, budget=100_000, cpm=1_000)
    report(client, auth, "b1", campaign["id"], [(inventory["top"], 2_001)])  # 1001 to maya
    payout = request_payout(client, auth, "maya", "pay-march").json()
    assert settle(client, auth, payout["id"], outcome="sent", reference="rail-9").status_code == 200
    maya = auth("creator", "maya")

    months = every(client, "/v1/me/earnings", maya, limit=1)
    assert [(m["month"], m["earned"]["minor"], m["pulse"]["minor"]) for m in months] == [
        ("2025-03", 1001, 1001)
    ]
    assert (months[0]["debits"]["minor"], months[0]["closing_balance"]["minor"]) == (1001, 0)
    payouts = every(client, "/v1/me/payouts", maya, limit=1)
    assert [(p["id"], p["status"], p["reference"]) for p in payouts] == [
        (payout["id"], "sent", "rail-9")
    ]
    assert every(client, "/v1/me/payouts", maya, status="in-transit") == []
    assert every(client, "/v1/me/earnings", auth("creator", "sam")) == []

    for path in ("/v1/me/earnings", "/v1/me/payouts"):
        assert_problem(client.get(path, headers=auth("brand", "acme")), 403, "forbidden")
        assert_problem(
            client.get(path, params={"creator": "sam"}, headers=maya), 422, "validation-error"
        )
        assert_problem(
            client.get(path, params={"cursor": "e30.AAAA"}, headers=maya), 422, "invalid-value"
        )
    assert_problem(
        client.get("/v1/me/payouts", params={"status": "lost"}, headers=maya),
        422,
        "validation-error",
    )
    assert_problem(
        client.get("/v1/me/earnings", params={"currency": "XXX"}, headers=maya),
        422,
        "invalid-value",
    )


def test_admins_work_the_pulse_queue_in_the_order_applied(client: TestClient, auth: Auth) -> None:
    for name in ("ana", "ben", "cy"):
        register(client, auth, name)
        assert count(client, auth, name, 150_000).status_code == 200
        assert apply(client, auth, name).status_code == 201
    assert decide(client, auth, "ben", False, "too new").status_code == 200
    admin = auth("admin", "ops")

    queue = every(client, "/v1/pulse/applications", admin, limit=1)
    assert [(item["creator"], item["status"]) for item in queue] == [
        ("ana", "applied"),
        ("cy", "applied"),
    ]
    rejected = every(client, "/v1/pulse/applications", auth("auditor", "ivy"), status="rejected")
    assert [(item["creator"], item["reason"]) for item in rejected] == [("ben", "too new")]
    assert_problem(
        client.get("/v1/pulse/applications", headers=auth("creator", "ana")), 403, "forbidden"
    )
    assert_problem(
        client.get("/v1/pulse/applications", params={"status": "lost"}, headers=admin),
        422,
        "validation-error",
    )
    parameters = client.get("/openapi.json").json()["paths"]
    for path, filters in (
        ("/v1/pulse/applications", {"status", "limit", "cursor"}),
        ("/v1/me/payouts", {"status", "limit", "cursor"}),
        ("/v1/me/earnings", {"currency", "limit", "cursor"}),
    ):
        query = parameters[path]["get"]["parameters"]
        assert {p["name"] for p in query if p["in"] == "query"} == filters


def test_an_operator_prints_a_creators_months_payouts_and_the_pulse_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    monkeypatch.delenv("SPOTLIGHT_STORE", raising=False)

    for command in (
        ["creator-earnings", "--creator", "maya"],
        ["creator-payouts", "--creator", "maya", "--status", "sent"],
        ["pulse-applications", "--status", "rejected", "--limit", "5"],
    ):
        assert main(command) == 0
        assert json.loads(capsys.readouterr().out) == {"items": [], "next_cursor": None}
    assert main(["pulse-categories", "--limit", "12"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [c["category"] for c in printed["items"]] == list(CATEGORIES)
    assert main(["creator-payouts", "--creator", "maya", "--cursor", "e30.AAAA"]) != 0
    assert "cursor" in capsys.readouterr().err


def test_anyone_pages_through_the_12_categories_with_what_each_ranks(
    client: TestClient,
    auth: Auth,
    inventory: dict[str, str],  # noqa: F811 (the fixture imported above)
) -> None:
    categories = every(client, "/v1/categories", {}, limit=5)  # no token: public

    assert [c["category"] for c in categories] == list(CATEGORIES)
    counted = {c["category"]: (c["ranked_videos"], c["inventory_slots"]) for c in categories}
    assert counted["cooking"] == (2, 1)  # maya's and sam's cooking videos; the top one is
    assert counted["gaming"] == (1, 1)
    assert counted["travel"] == (0, 0)
    first = client.get("/v1/categories", params={"limit": 5}).json()
    other = assert_problem(
        client.get(
            "/v1/me/payouts",
            params={"cursor": first["next_cursor"]},
            headers=auth("creator", "maya"),
        ),
        422,
        "invalid-value",
    )
    assert "another list" in other["detail"]
    assert_problem(
        client.get("/v1/categories", params={"category": "cooking"}), 422, "validation-error"
    )
