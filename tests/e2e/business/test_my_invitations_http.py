"""A creator lists the invitations brands sent them, a page at a time, each with its id,
campaign, brand, state and terms as fields: every invitation once, in the order sent, while
brands keep inviting; only their own."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.business.test_campaigns_http import Auth, creator, launch_body, terms


def invite(client: TestClient, auth: Auth, core: Spotlight, campaign: str, who: str) -> str:
    sent = client.post(
        f"/v1/campaigns/{campaign}/invitations",
        json={"creator": who, "terms": terms(core, 1_000)},
        headers=auth("brand", "glowco"),
    )
    assert sent.status_code == 201, sent.text
    invitation: str = sent.json()["id"]
    return invitation


def campaigns(client: TestClient, auth: Auth, core: Spotlight, count: int) -> list[str]:
    ids = []
    for n in range(count):
        body = launch_body(core, name=f"Glow {n}", hashtag=f"#Glow{n}")
        launched = client.post("/v1/campaigns", json=body, headers=auth("brand", "glowco"))
        assert launched.status_code == 201, launched.text
        ids.append(launched.json()["id"])
    return ids


def test_a_creator_pages_through_their_invitations_while_brands_send_more(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    creator(client, auth, "ana")
    creator(client, auth, "ben")
    running = campaigns(client, auth, core, 8)
    sent = [invite(client, auth, core, campaign, "ana") for campaign in running[:5]]
    invite(client, auth, core, running[0], "ben")
    accepted = client.post(f"/v1/invitations/{sent[2]}/acceptance", headers=auth("creator", "ana"))
    assert accepted.status_code == 200, accepted.text
    ana = auth("creator", "ana")

    items: list[dict[str, Any]] = []
    cursor: str | None = None
    more = iter(running[5:])
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/me/invitations", params=params, headers=ana)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        following = next(more, None)
        if following is not None:
            sent.append(invite(client, auth, core, following, "ana"))

    assert [item["id"] for item in items] == sent
    assert [item["campaign_id"] for item in items] == running[: len(sent)]
    assert {item["creator"] for item in items} == {"ana"}
    assert items[2]["state"] == "accepted"
    assert items[0]["state"] == "sent"
    assert items[0]["terms"]["fee"] == {"minor": 1_000, "currency": "USD"}


def test_only_a_creator_has_invitations_to_list(client: TestClient, auth: Auth) -> None:
    assert client.get("/v1/me/invitations", headers=auth("brand", "glowco")).status_code == 403
    assert client.get("/v1/me/invitations", headers=auth("creator", "zoe")).json() == {
        "items": [],
        "next_cursor": None,
    }
