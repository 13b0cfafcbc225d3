"""The parties of a campaign invitation are told of each step in their own inbox over HTTP:
a typed notice (kind, the invitation's and campaign's ids, the reason) for the person the
step concerns and nobody else; they filter their inbox, and mark notices read."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.business.test_campaigns_http import Auth, creator, launched, terms

Json = dict[str, Any]


def inbox(client: TestClient, headers: dict[str, str], query: str = "") -> Json:
    response = client.get(f"/v1/me/inbox{query}", headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def kinds(body: Json) -> list[str]:
    return [notice["kind"] for notice in body["items"]]


def test_each_step_of_an_invitation_is_a_typed_notice_for_the_party_it_concerns(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    brand, ana, ben = auth("brand", "glowco"), auth("creator", "ana"), auth("creator", "ben")
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    creator(client, auth, "ben")
    invitation = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 90_000)},
        headers=brand,
    ).json()["id"]

    (offer,) = inbox(client, ana)["items"]
    assert offer["kind"] == "invitation_offered"
    assert offer["about"] == {"invitation": invitation, "campaign": campaign["id"]}
    assert offer["read"] is False
    assert inbox(client, brand)["items"] == []

    countered = client.post(
        f"/v1/invitations/{invitation}/counter-offer",
        json={"terms": terms(core, 95_000), "note": "two videos"},
        headers=ana,
    )
    assert countered.status_code == 200, countered.text
    (counter,) = inbox(client, brand)["items"]
    assert (counter["kind"], counter["reason"]) == ("invitation_countered", "two videos")
    assert counter["about"]["invitation"] == invitation
    declined = client.post(
        f"/v1/invitations/{invitation}/decline", json={"reason": "over our budget"}, headers=brand
    )
    assert declined.status_code == 200, declined.text

    mine = inbox(client, ana)
    assert kinds(mine) == ["invitation_offered", "invitation_declined"]
    assert mine["items"][1]["reason"] == "over our budget"
    assert mine["unread"] == 2
    assert inbox(client, ben)["items"] == []
    assert kinds(inbox(client, brand)) == ["invitation_countered"]
    only_declined = inbox(client, ana, "?kind=invitation_declined")
    assert kinds(only_declined) == ["invitation_declined"]

    read = client.post("/v1/me/inbox/read", json={"notice_id": offer["notice_id"]}, headers=ana)
    assert read.status_code == 200, read.text
    assert read.json() == {"recipient": "ana", "unread": 1}
    assert kinds(inbox(client, ana, "?unread=true")) == ["invitation_declined"]
    up_to = client.post(
        "/v1/me/inbox/read", json={"up_to": mine["items"][1]["position"]}, headers=ana
    )
    assert up_to.json()["unread"] == 0
    assert inbox(client, ana, "?unread=true")["items"] == []
    assert inbox(client, brand)["unread"] == 1  # ana's reading is hers alone


def test_bad_readings_are_refused_with_a_reason(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    ana = auth("creator", "ana")
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 1_000)},
        headers=auth("brand", "glowco"),
    )
    (offer,) = inbox(client, ana)["items"]

    not_hers = client.post(
        "/v1/me/inbox/read", json={"notice_id": offer["notice_id"]}, headers=auth("creator", "ben")
    )
    assert not_hers.status_code == 404
    for body in ({}, {"notice_id": offer["notice_id"], "up_to": 3}, {"up_to": 0}, {"up_to": "x"}):
        refused = client.post("/v1/me/inbox/read", json=body, headers=ana)
        assert refused.status_code == 422, body
        assert refused.json()["detail"]
    assert client.get("/v1/me/inbox?kind=nonsense", headers=ana).status_code == 422
    assert inbox(client, ana)["unread"] == 1
