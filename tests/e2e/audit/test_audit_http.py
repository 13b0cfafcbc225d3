"""`GET /v1/audit/events`: auditors (and admins) page through a log with its hash links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from application.audit.audit import verify_log
from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver

Headers = dict[str, str]


def record_a_few(core: Spotlight) -> None:
    studio = Principal(Role.STUDIO, "legendary")
    for n in range(3):
        CatalogueDriver(core).record_title(studio, name=f"Dune {n}", kind=TitleKind.MOVIE)
        CatalogueDriver(core).record_video(
            Principal(Role.CREATOR, "fan-1"), caption=f"clip {n}", hashtags=[], category="comedy"
        )


def all_pages(client: TestClient, headers: Headers, log: str, limit: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        answer = client.get(
            "/v1/audit/events", params={"log": log, "after": after, "limit": limit}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert page["log"] == log
        assert len(page["events"]) <= limit
        events.extend(page["events"])
        after = page["next_after"]
    return events


def test_an_auditor_pages_through_a_log_with_its_links(
    client: TestClient, core: Spotlight, auth: Callable[[str, str], Headers]
) -> None:
    record_a_few(core)

    first = client.get(
        "/v1/audit/events", params={"log": "catalogue", "limit": 4}, headers=auth("auditor", "ann")
    )
    events = all_pages(client, auth("auditor", "ann"), "catalogue", limit=4)

    assert first.status_code == 200
    assert [e["position"] for e in first.json()["events"]] == [1, 2, 3, 4]
    assert first.json()["next_after"] == 4
    assert [e["position"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[0]["topic"] == "spotlight.titles:TitleRegistered"
    assert events[0]["state"]["name"] == "Dune 0"
    assert events[0]["version"] == 1
    stored = core._catalogue.recorder.select_links(1, 10)  # type: ignore[attr-defined]
    assert [e["link"] for e in events] == [link.link.hex() for link in stored]
    assert verify_log("catalogue", core._catalogue.recorder).intact  # type: ignore[arg-type]


def test_each_event_comes_in_the_published_form_without_the_storage_encoding(
    client: TestClient, core: Spotlight, auth: Callable[[str, str], Headers]
) -> None:
    record_a_few(core)

    events = all_pages(client, auth("auditor", "ann"), "catalogue", limit=10)

    registered = events[0]["event"]
    assert registered["form"] == 1
    assert registered["type"] == "TitleRegistered"
    assert registered["aggregate_id"] == events[0]["originator_id"]
    assert registered["aggregate_version"] == 1
    assert registered["recorded_at"] == events[0]["timestamp"]
    assert registered["data"]["name"] == "Dune 0"
    assert "timestamp" not in registered["data"]
    assert [e["event"]["type"] for e in events] == [
        "TitleRegistered",
        "VideoPublished",
    ] * 3
    assert "_type_" not in repr([e["event"] for e in events])


def test_an_admin_reads_the_audit_trail_too_and_an_empty_log_is_one_empty_page(
    client: TestClient, core: Spotlight, auth: Callable[[str, str], Headers]
) -> None:
    answer = client.get("/v1/audit/events", params={"log": "revenue"}, headers=auth("admin", "ops"))

    assert answer.status_code == 200
    assert answer.json() == {"log": "revenue", "events": [], "next_after": None}


def test_a_creator_may_not_read_the_audit_trail(
    client: TestClient, core: Spotlight, auth: Callable[[str, str], Headers]
) -> None:
    record_a_few(core)

    answer = client.get(
        "/v1/audit/events", params={"log": "catalogue"}, headers=auth("creator", "fan-1")
    )

    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:spotlight:problem:forbidden"


def test_an_unknown_log_is_not_found(
    client: TestClient, auth: Callable[[str, str], Headers]
) -> None:
    answer = client.get("/v1/audit/events", params={"log": "shop"}, headers=auth("auditor", "ann"))

    assert answer.status_code == 404
    assert answer.json()["type"] == "urn:spotlight:problem:not-found"
    assert "shop" in answer.json()["detail"]


def test_paging_arguments_are_checked_and_a_token_is_needed(
    client: TestClient, auth: Callable[[str, str], Headers]
) -> None:
    auditor = auth("auditor", "ann")

    too_many = client.get(
        "/v1/audit/events", params={"log": "catalogue", "limit": 1001}, headers=auditor
    )
    negative = client.get(
        "/v1/audit/events", params={"log": "catalogue", "after": -1}, headers=auditor
    )
    anonymous = client.get("/v1/audit/events", params={"log": "catalogue"})

    assert (too_many.status_code, negative.status_code, anonymous.status_code) == (422, 422, 401)


def test_each_logs_head_is_its_last_position_and_the_link_stored_there(
    client: TestClient, core: Spotlight, auth: Callable[[str, str], Headers]
) -> None:
    record_a_few(core)

    answer = client.get("/v1/audit/heads", headers=auth("auditor", "ann"))
    refused = client.get("/v1/audit/heads", headers=auth("creator", "fan-1"))

    assert answer.status_code == 200, answer.text
    heads = {head["log"]: head for head in answer.json()}
    assert set(heads) == {"catalogue", "music", "revenue", "inbox"}
    events = all_pages(client, auth("auditor", "ann"), "catalogue", limit=100)
    assert heads["catalogue"] == {
        "log": "catalogue",
        "position": events[-1]["position"],
        "link": events[-1]["link"],
    }
    assert heads["revenue"] == {"log": "revenue", "position": 0, "link": None}
    assert refused.status_code == 403
