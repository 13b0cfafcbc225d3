"""Ownership is a role and a subject: `brand:c1`, `seller:c1` or `viewer:c1` own nothing of
`creator:c1` — not their personal data, not their inbox."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight

Auth = Callable[[str, str], dict[str, str]]
PERSONAL = "/v1/people/creator/c1/personal-data"
BODY = {"name": "Cleo One", "contact": "cleo@example.org", "date_of_birth": "1995-02-03"}
NAMESAKES = ("brand", "seller", "viewer", "studio", "artist", "reviewer", "judge")


def test_a_namesake_under_another_role_cannot_touch_a_creators_personal_data(
    client: TestClient, auth: Auth
) -> None:
    assert client.put(PERSONAL, json=BODY, headers=auth("creator", "c1")).status_code == 200

    for role in NAMESAKES:
        namesake = auth(role, "c1")
        refused = [
            client.get(PERSONAL, headers=namesake),
            client.put(PERSONAL, json={**BODY, "date_of_birth": "2020-01-01"}, headers=namesake),
            client.delete(PERSONAL, headers=namesake),
        ]
        assert [r.status_code for r in refused] == [403, 403, 403], role
        assert refused[0].headers["content-type"] == "application/problem+json"
        assert refused[0].json()["type"] == "urn:spotlight:problem:forbidden"

    kept = client.get(PERSONAL, headers=auth("creator", "c1")).json()
    assert (kept["name"], kept["erased"], kept["age_band"]) == ("Cleo One", False, "18+")


def test_a_namesake_reads_their_own_personal_data_not_the_creators(
    client: TestClient, auth: Auth
) -> None:
    client.put(PERSONAL, json=BODY, headers=auth("creator", "c1"))
    brand = auth("brand", "c1")
    own = {**BODY, "name": "C1 Drinks Ltd"}

    recorded = client.put("/v1/people/brand/c1/personal-data", json=own, headers=brand)

    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["subject"] == "brand:c1"
    read = client.get("/v1/people/brand/c1/personal-data", headers=brand).json()
    assert read["name"] == "C1 Drinks Ltd"
    assert client.get(PERSONAL, headers=auth("admin", "dpo")).json()["name"] == "Cleo One"


def test_an_inbox_is_read_by_its_person_only(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    core.notifier.notify("c1", subject="A product link", body="for c1", key="tag:1")

    mine = client.get("/v1/me/inbox", headers=auth("creator", "c1")).json()
    namesakes = [client.get("/v1/me/inbox", headers=auth(r, "c1")).json() for r in NAMESAKES]

    assert [n["subject"] for n in mine["notices"]] == ["A product link"]
    assert all(inbox["notices"] == [] for inbox in namesakes)
