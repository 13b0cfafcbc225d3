"""A studio registers a title, a creator publishes, a reviewer anchors, a studio revokes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Auth = Callable[[str, str], dict[str, str]]

PROBLEM = "application/problem+json"
DUNE_PORTAL = {
    "tickets": [{"label": "Buy tickets", "url": "https://tickets.example/dune"}],
    "streaming": [{"label": "Stream", "url": "https://stream.example/dune"}],
    "cast": [{"name": "Zendaya", "role": "Chani", "bio": "Actor."}],
    "official": [{"label": "Official site", "url": "https://dune.example"}],
}


def register_dune(client: TestClient, auth: Auth, studio: str = "legendary") -> dict[str, Any]:
    response = client.post(
        "/v1/titles",
        json={"name": "Dune: Part Two", "kind": "movie", "portal": DUNE_PORTAL},
        headers=auth("studio", studio),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def publish(client: TestClient, auth: Auth, creator: str = "fan-1") -> dict[str, Any]:
    response = client.post(
        "/v1/videos",
        json={
            "caption": "Riding the worm",
            "hashtags": ["#Dune", "Sci_Fi"],
            "category": "film-and-tv",
        },
        headers=auth("creator", creator),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: Any, status: int, type_suffix: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == f"urn:spotlight:problem:{type_suffix}"
    assert problem["status"] == status
    assert problem["detail"]


def test_a_studio_registers_a_title_that_anyone_can_read(client: TestClient, auth: Auth) -> None:
    title = register_dune(client, auth)
    assert title["studio_id"] == "legendary"
    assert title["version"] == 1

    public = client.get(f"/v1/titles/{title['id']}")

    assert public.status_code == 200
    assert public.headers["etag"] == '"1"'
    assert public.json()["portal"] == DUNE_PORTAL


def test_the_owning_studio_replaces_the_portal_with_if_match(
    client: TestClient, auth: Auth
) -> None:
    title = register_dune(client, auth)
    new_portal = {**DUNE_PORTAL, "tickets": []}

    updated = client.put(
        f"/v1/titles/{title['id']}/portal",
        json=new_portal,
        headers={**auth("studio", "legendary"), "If-Match": '"1"'},
    )
    stale = client.put(
        f"/v1/titles/{title['id']}/portal",
        json=DUNE_PORTAL,
        headers={**auth("studio", "legendary"), "If-Match": '"1"'},
    )

    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["portal"]["tickets"] == []
    assert_problem(stale, 412, "stale-version")
    assert client.get(f"/v1/titles/{title['id']}").json()["portal"]["tickets"] == []


def test_another_studio_may_not_edit_the_portal(client: TestClient, auth: Auth) -> None:
    title = register_dune(client, auth)

    response = client.put(
        f"/v1/titles/{title['id']}/portal", json={}, headers=auth("studio", "rival")
    )

    assert_problem(response, 403, "forbidden")
    assert client.get(f"/v1/titles/{title['id']}").json()["portal"] == DUNE_PORTAL


def test_a_reviewer_anchors_a_video_and_the_video_shows_it(client: TestClient, auth: Auth) -> None:
    title = register_dune(client, auth)
    video = publish(client, auth)
    assert video["hashtags"] == ["dune", "scifi"]
    assert video["anchor"] is None

    anchored = client.post(
        f"/v1/videos/{video['id']}/anchor",
        json={"title_id": title["id"], "note": "sandworm scene"},
        headers={**auth("reviewer", "rita"), "If-Match": '"1"'},
    )

    assert anchored.status_code == 200, anchored.text
    shown = client.get(f"/v1/videos/{video['id']}").json()
    assert shown["anchor"]["title_id"] == title["id"]
    assert shown["anchor"]["attached_by"] == "reviewer:rita"
    assert shown["version"] == 2


def test_a_second_anchor_is_a_conflict(client: TestClient, auth: Auth) -> None:
    title = register_dune(client, auth)
    video = publish(client, auth)
    reviewer = auth("reviewer", "rita")
    client.post(
        f"/v1/videos/{video['id']}/anchor", json={"title_id": title["id"]}, headers=reviewer
    )

    again = client.post(
        f"/v1/videos/{video['id']}/anchor", json={"title_id": title["id"]}, headers=reviewer
    )

    assert_problem(again, 409, "rule-violated")
    assert again.json()["rule"] == "AlreadyAnchored"


def test_the_studio_of_the_title_revokes_an_anchor_with_a_reason(
    client: TestClient, auth: Auth
) -> None:
    title = register_dune(client, auth)
    video = publish(client, auth)
    client.post(
        f"/v1/videos/{video['id']}/anchor",
        json={"title_id": title["id"]},
        headers=auth("reviewer", "rita"),
    )

    by_rival = client.request(
        "DELETE",
        f"/v1/videos/{video['id']}/anchor",
        json={"reason": "not ours"},
        headers=auth("studio", "rival"),
    )
    by_owner = client.request(
        "DELETE",
        f"/v1/videos/{video['id']}/anchor",
        json={"reason": "parody, not about the film"},
        headers=auth("studio", "legendary"),
    )

    assert_problem(by_rival, 403, "forbidden")
    assert by_owner.status_code == 200, by_owner.text
    assert by_owner.json()["anchor"] is None


def test_a_creator_may_only_publish_as_itself(client: TestClient, auth: Auth) -> None:
    response = client.post(
        "/v1/videos",
        json={"caption": "x", "hashtags": [], "category": "gaming", "creator_id": "someone-else"},
        headers=auth("creator", "fan-1"),
    )

    assert_problem(response, 403, "forbidden")


def test_requests_without_a_valid_token_are_unauthenticated(client: TestClient) -> None:
    missing = client.post("/v1/titles", json={"name": "X", "kind": "movie"})
    forged = client.post(
        "/v1/titles",
        json={"name": "X", "kind": "movie"},
        headers={"Authorization": "Bearer v1.e30.forged"},
    )

    assert_problem(missing, 401, "unauthenticated")
    assert_problem(forged, 401, "unauthenticated")
    assert missing.headers["www-authenticate"].startswith("Bearer")


def test_bad_bodies_are_rejected_with_a_reason(client: TestClient, auth: Auth) -> None:
    studio = auth("studio", "legendary")

    unknown_field = client.post(
        "/v1/titles", json={"name": "X", "kind": "movie", "status": "approved"}, headers=studio
    )
    bad_kind = client.post("/v1/titles", json={"name": "X", "kind": "opera"}, headers=studio)
    bad_link = client.post(
        "/v1/titles",
        json={
            "name": "X",
            "kind": "movie",
            "portal": {"tickets": [{"label": "a", "url": "ftp://x"}]},
        },
        headers=studio,
    )
    bad_category = client.post(
        "/v1/videos",
        json={"caption": "x", "hashtags": [], "category": "knitting"},
        headers=auth("creator", "fan-1"),
    )

    assert_problem(unknown_field, 422, "validation-error")
    assert "status" in unknown_field.json()["detail"]
    assert_problem(bad_kind, 422, "validation-error")
    assert_problem(bad_link, 422, "invalid-value")
    assert_problem(bad_category, 422, "invalid-value")


def test_unknown_ids_and_malformed_if_match(client: TestClient, auth: Auth) -> None:
    missing_title = client.get("/v1/titles/00000000-0000-4000-8000-000000000000")
    not_a_uuid = client.get("/v1/videos/not-a-uuid")
    video = publish(client, auth)
    malformed = client.post(
        f"/v1/videos/{video['id']}/anchor",
        json={"title_id": "00000000-0000-4000-8000-000000000000"},
        headers={**auth("reviewer", "rita"), "If-Match": "yesterday"},
    )
    missing_anchor_title = client.post(
        f"/v1/videos/{video['id']}/anchor",
        json={"title_id": "00000000-0000-4000-8000-000000000000"},
        headers=auth("reviewer", "rita"),
    )

    assert_problem(missing_title, 404, "not-found")
    assert_problem(not_a_uuid, 422, "validation-error")
    assert_problem(malformed, 400, "bad-if-match")
    assert_problem(missing_anchor_title, 404, "not-found")
    assert client.get(f"/v1/videos/{video['id']}").json()["anchor"] is None


def test_an_auditor_reads_but_cannot_write(client: TestClient, auth: Auth) -> None:
    title = register_dune(client, auth)

    write = client.put(f"/v1/titles/{title['id']}/portal", json={}, headers=auth("auditor", "ann"))

    assert_problem(write, 403, "forbidden")


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    docs = client.get("/docs")
    health = client.get("/healthz")

    assert spec.status_code == 200
    assert "/v1/videos/{video_id}/anchor" in spec.json()["paths"]
    assert docs.status_code == 200
    assert health.json() == {"status": "ok", "store": "sqlite"}
