"""Counter-offers through HTTP: the invited creator counters with a fee alone, the brand
declines the counter-offer (its terms stand again) and the creator counters with terms text,
which the brand accepts; each party hears of each step in its inbox with the ids as fields.
Refusals are problem+json and record nothing: another creator (403), a second open counter
(409), another brand deciding (403), a decision with nothing open (409), a body asking nothing
or both whole terms and a fee (422)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.business.test_campaigns_http import (
    SPOTLIGHT,
    Auth,
    creator,
    launched,
    revenue_events,
    terms,
)
from tests.e2e.shop.test_shop_http import assert_problem


def test_a_counter_offer_is_declined_then_another_accepted_and_each_party_is_told(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    brand, ana, ben = auth("brand", "glowco"), auth("creator", "ana"), auth("creator", "ben")
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    creator(client, auth, "ben")
    invitation = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 30_000)},
        headers=brand,
    ).json()
    url = f"/v1/invitations/{invitation['id']}"
    fee = {"minor": 45_000, "currency": "USD"}

    before = revenue_events(core)
    assert_problem(
        client.post(f"{url}/counter-offer", json={"fee": fee}, headers=ben), 403, "forbidden"
    )
    asked_nothing = client.post(f"{url}/counter-offer", json={"note": "hm"}, headers=ana)
    assert asked_nothing.status_code == 422
    both = client.post(
        f"{url}/counter-offer", json={"terms": terms(core, 40_000), "fee": fee}, headers=ana
    )
    assert both.status_code == 422
    assert_problem(
        client.post(f"{url}/counter-offer/decline", json={"reason": "no"}, headers=brand),
        409,
        "rule-violated",
        "NotYourTurn",
    )
    assert revenue_events(core) == before

    countered = client.post(
        f"{url}/counter-offer", json={"fee": fee, "note": "two cuts"}, headers=ana
    )
    assert countered.status_code == 200, countered.text
    body = countered.json()
    assert (body["state"], body["terms"]["fee"], body["offered"]["fee"]["minor"]) == (
        "countered",
        fee,
        30_000,
    )
    assert body["terms"]["deliverables"] == body["offered"]["deliverables"]

    before = revenue_events(core)
    assert_problem(
        client.post(f"{url}/counter-offer", json={"fee": fee}, headers=ana),
        409,
        "rule-violated",
        "NotYourTurn",
    )
    rival = auth("brand", "rival")
    assert_problem(
        client.post(f"{url}/counter-offer/decline", json={"reason": "no"}, headers=rival),
        403,
        "forbidden",
    )
    assert_problem(client.post(f"{url}/counter-offer/acceptance", headers=ana), 403, "forbidden")
    assert revenue_events(core) == before

    declined = client.post(
        f"{url}/counter-offer/decline", json={"reason": "one cut is enough"}, headers=brand
    )
    assert declined.status_code == 200, declined.text
    assert (declined.json()["state"], declined.json()["terms"]["fee"]["minor"]) == ("sent", 30_000)

    again = client.post(
        f"{url}/counter-offer",
        json={"deliverables": "one video and a story", "note": "a story too"},
        headers=ana,
    )
    assert again.status_code == 200, again.text
    agreed = client.post(f"{url}/counter-offer/acceptance", headers=brand)
    assert agreed.status_code == 200, agreed.text
    assert (agreed.json()["state"], agreed.json()["terms"]["deliverables"]) == (
        "accepted",
        "one video and a story",
    )

    ids = {"invitation": invitation["id"], "campaign": campaign["id"]}
    to_brand = client.get("/v1/me/inbox", headers=brand).json()["items"]
    to_ana = client.get("/v1/me/inbox", headers=ana).json()["items"]
    assert [(n["kind"], n["reason"]) for n in to_brand] == [
        ("invitation_countered", "two cuts"),
        ("invitation_countered", "a story too"),
    ]
    assert [n["kind"] for n in to_ana] == [
        "invitation_offered",
        "invitation_declined",
        "invitation_accepted",
    ]
    assert to_ana[1]["reason"] == "one cut is enough"
    assert all(n["about"] == ids for n in (*to_brand, *to_ana))


def test_the_operator_relays_a_counter_offer_and_the_brands_decision(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    invitation = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 30_000)},
        headers=auth("brand", "glowco"),
    ).json()["id"]
    core.close()
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
    }
    environment.pop("SPOTLIGHT_STORE", None)

    def spotlight(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, *arguments], env=environment, capture_output=True, text=True, check=False
        )

    refused = spotlight("invitation-counter", invitation, "--creator", "ben", "--fee", "45000")
    assert refused.returncode != 0
    assert "NotPermitted" in refused.stderr
    countered = spotlight(
        "invitation-counter", invitation, "--creator", "ana", "--fee", "45000", "--note", "two"
    )
    assert countered.returncode == 0, countered.stderr
    assert json.loads(countered.stdout)["state"] == "countered"
    declined = spotlight("counter-decision", invitation, "--brand", "glowco", "--decline", "no")
    assert declined.returncode == 0, declined.stderr
    assert json.loads(declined.stdout)["terms"]["fee"]["minor"] == 30_000
    again = spotlight("counter-decision", invitation, "--brand", "glowco", "--accept")
    assert again.returncode != 0
    assert "NotYourTurn" in again.stderr
    shown = spotlight("invitation", invitation)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["state"] == "sent"
