"""Brand campaigns through HTTP on a SQLite file store: a brand launches a campaign, invites
creators who accept or counter, a creator delivers and is paid, viewers click, and the brand
reads its dashboard; bad input is refused with a reason and records nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight

Auth = Callable[[str, str], dict[str, str]]
Json = dict[str, Any]
SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]


def today(core: Spotlight) -> date:
    return core.clock.now().date()


def launch_body(core: Spotlight, **changes: Any) -> Json:
    start = today(core)
    return {
        "name": "Glow up summer",
        "objective": "engagement",
        "budget": {"minor": 100_000, "currency": "USD"},
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=20)).isoformat(),
        "categories": ["beauty"],
        "regions": ["US", "JP"],
        "kpis": [
            {"kpi": "views", "target": 500},
            {"kpi": "cost-per-engagement", "target": 1_000},
        ],
        "hashtag": "#GlowUpSummer",
        **changes,
    }


def terms(core: Spotlight, fee: int) -> Json:
    deadline = (today(core) + timedelta(days=10)).isoformat()
    return {
        "fee": {"minor": fee, "currency": "USD"},
        "deliverables": "one video with #GlowUpSummer",
        "deadline": deadline,
    }


def launched(client: TestClient, auth: Auth, core: Spotlight) -> Json:
    response = client.post("/v1/campaigns", json=launch_body(core), headers=auth("brand", "glowco"))
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def creator(client: TestClient, auth: Auth, name: str) -> None:
    response = client.post("/v1/creators", json={"region": "US"}, headers=auth("creator", name))
    assert response.status_code == 201, response.text


def revenue_events(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


def test_a_campaign_from_launch_to_paid_delivery_and_its_dashboard(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    brand = auth("brand", "glowco")
    campaign = launched(client, auth, core)
    assert campaign["uncommitted"] == {"minor": 100_000, "currency": "USD"}
    creator(client, auth, "ana")
    creator(client, auth, "ben")

    sent = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 40_000)},
        headers=brand,
    )
    assert sent.status_code == 201, sent.text
    invitation = sent.json()["id"]
    accepted = client.post(
        f"/v1/invitations/{invitation}/acceptance", headers=auth("creator", "ana")
    )
    assert accepted.json()["state"] == "accepted"

    other = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ben", "terms": terms(core, 30_000)},
        headers=brand,
    ).json()["id"]
    countered = client.post(
        f"/v1/invitations/{other}/counter-offer",
        json={"terms": terms(core, 70_000), "note": "three videos"},
        headers=auth("creator", "ben"),
    )
    assert countered.json()["state"] == "countered"
    over_budget = client.post(f"/v1/invitations/{other}/acceptance", headers=brand)
    assert over_budget.status_code == 409  # 40,000 committed + 70,000 > 100,000
    assert over_budget.json()["rule"] == "LimitExceeded"

    video = client.post(
        "/v1/videos",
        json={"caption": "summer glow", "hashtags": ["#glowupsummer"], "category": "beauty"},
        headers=auth("creator", "ana"),
    ).json()["id"]
    engagement = client.post(
        "/v1/engagement",
        json={"batch_key": "day-1", "counts": [{"video_id": video, "views": 900, "likes": 60}]},
        headers=auth("admin", "ingest"),
    )
    assert engagement.status_code == 201, engagement.text
    for viewer in ("v1", "v2"):  # a viewer's repeated click counts once an hour
        clicks = client.post(
            "/v1/call-to-action-clicks",
            json={"batch_key": "v1-1", "video_ids": [video, video]},
            headers=auth("viewer", viewer),
        )
        assert clicks.status_code == 201, clicks.text
    delivered = client.post(
        f"/v1/invitations/{invitation}/delivery",
        json={"video_id": video},
        headers=auth("creator", "ana"),
    )
    assert delivered.json()["state"] == "delivered"
    paid = client.post(f"/v1/invitations/{invitation}/delivery/approval", headers=brand)
    assert paid.json()["state"] == "paid"

    board = client.get(f"/v1/campaigns/{campaign['id']}/dashboard", headers=brand).json()
    assert (board["videos"], board["views"], board["engagements"], board["clicks"]) == (
        1,
        900,
        60,
        2,
    )
    assert board["spent"] == {"minor": 40_000, "currency": "USD"}
    assert board["kpis"] == [
        {"kpi": "views", "target": 500, "actual": 900, "attained": True},
        {"kpi": "cost-per-engagement", "target": 1_000, "actual": 666, "attained": True},
    ]
    ledger = client.get("/v1/ledgers/creator:ana:payable:USD", headers=auth("creator", "ana"))
    assert ledger.json()["balance"] == {"minor": 40_000, "currency": "USD"}
    assert (
        client.get(
            f"/v1/campaigns/{campaign['id']}/dashboard", headers=auth("brand", "rival")
        ).status_code
        == 403
    )
    listed = client.get(f"/v1/campaigns/{campaign['id']}/invitations", headers=brand).json()
    assert [i["creator"] for i in listed["items"]] == ["ana", "ben"]
    first = client.get(
        f"/v1/campaigns/{campaign['id']}/invitations", params={"limit": 1}, headers=brand
    ).json()
    rest = client.get(
        f"/v1/campaigns/{campaign['id']}/invitations",
        params={"cursor": first["next_cursor"]},
        headers=brand,
    ).json()
    assert [i["creator"] for i in first["items"] + rest["items"]] == ["ana", "ben"]
    assert rest["next_cursor"] is None


def test_bad_campaigns_and_invitations_are_refused_with_a_reason_and_record_nothing(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    brand = auth("brand", "glowco")
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    before = revenue_events(core)
    start = today(core)
    cases = {
        "budget of zero": launch_body(core, budget={"minor": 0, "currency": "USD"}),
        "float budget": launch_body(core, budget={"minor": 10.5, "currency": "USD"}),
        "end before start": launch_body(
            core, ends_on=(start - timedelta(days=1)).isoformat(), hashtag="#a"
        ),
        "unknown category": launch_body(core, categories=["knitting"], hashtag="#b"),
        "unknown region": launch_body(core, regions=["ZZ"], hashtag="#c"),
        "unknown kpi": launch_body(core, kpis=[{"kpi": "likes", "target": 5}], hashtag="#d"),
        "taken hashtag": launch_body(core, hashtag="glow_up_summer"),
    }
    answers = {
        name: client.post("/v1/campaigns", json=body, headers=brand) for name, body in cases.items()
    }
    invite = f"/v1/campaigns/{campaign['id']}/invitations"
    answers["unknown creator"] = client.post(
        invite, json={"creator": "nobody", "terms": terms(core, 100)}, headers=brand
    )
    answers["by a creator"] = client.post(
        invite, json={"creator": "ana", "terms": terms(core, 100)}, headers=auth("creator", "ana")
    )

    assert {name: a.status_code for name, a in answers.items()} == {
        "budget of zero": 422,
        "float budget": 422,
        "end before start": 422,
        "unknown category": 422,
        "unknown region": 422,
        "unknown kpi": 422,
        "taken hashtag": 409,
        "unknown creator": 404,
        "by a creator": 403,
    }
    assert "before it starts" in answers["end before start"].json()["detail"]
    assert answers["taken hashtag"].json()["type"].endswith("hashtag-taken")
    assert revenue_events(core) == before

    first = client.post(invite, json={"creator": "ana", "terms": terms(core, 100)}, headers=brand)
    again = client.post(invite, json={"creator": "ana", "terms": terms(core, 200)}, headers=brand)
    assert again.status_code == 409
    assert again.json()["type"].endswith("already-invited")
    invitation = first.json()["id"]
    declined = client.post(
        f"/v1/invitations/{invitation}/decline",
        json={"reason": "booked that month"},
        headers=auth("creator", "ana"),
    )
    assert declined.json()["state"] == "declined"
    late = client.post(
        f"/v1/invitations/{invitation}/counter-offer",
        json={"terms": terms(core, 500)},
        headers=auth("creator", "ana"),
    )
    assert late.status_code == 409
    assert late.json()["rule"] == "InvitationClosed"


def test_the_operator_prints_a_campaigns_dashboard(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    campaign = launched(client, auth, core)
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

    shown = spotlight("campaign-dashboard", "--campaign", campaign["id"])
    unknown = spotlight("campaign-dashboard", "--campaign", "00000000-0000-0000-0000-00000000000f")
    malformed = spotlight("campaign-dashboard", "--campaign", "nope")

    assert shown.returncode == 0, shown.stderr
    assert '"name": "Glow up summer"' in shown.stdout
    assert unknown.returncode != 0
    assert "campaign" in unknown.stderr
    assert malformed.returncode != 0
    assert "not a campaign id" in malformed.stderr


def test_a_brand_finds_creators_for_its_campaign_with_the_reasons(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    campaign = launched(client, auth, core)
    for name, region, category, caption in (
        ("ana", "US", "beauty", "summer glow routine"),
        ("ben", "US", "gaming", "boss fight"),
        ("cy", "JP", "beauty", "skincare haul"),
    ):
        registered = client.post(
            "/v1/creators", json={"region": region}, headers=auth("creator", name)
        )
        assert registered.status_code == 201, registered.text
        client.post(
            "/v1/videos",
            json={"caption": caption, "hashtags": [], "category": category},
            headers=auth("creator", name),
        )

    ranked = client.get(
        "/v1/marketplace/creators",
        params={"campaign_id": campaign["id"]},
        headers=auth("brand", "glowco"),
    )
    beauty = client.get(
        "/v1/marketplace/creators",
        params={"category": "beauty", "q": "glow"},
        headers=auth("brand", "glowco"),
    )
    refused = client.get("/v1/marketplace/creators", headers=auth("creator", "ana"))
    unknown = client.get(
        "/v1/marketplace/creators", params={"region": "ZZ"}, headers=auth("brand", "glowco")
    )

    assert ranked.status_code == 200, ranked.text
    creators = ranked.json()["items"]
    assert creators[0]["creator"] == "ana"
    assert {s["name"] for s in creators[0]["signals"]} == {
        "text",
        "category",
        "region",
        "engagement",
        "audience",
    }
    assert [c["creator"] for c in beauty.json()["items"]] == ["ana"]
    cy = next(c for c in creators if c["creator"] == "cy")
    assert {s["name"]: s["score"] for s in cy["signals"]}["region"] == 1.0  # JP is targeted
    assert cy["score"] < creators[0]["score"]
    assert refused.status_code == 403
    assert unknown.status_code == 422


def test_a_branded_effect_is_registered_declared_and_counted(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    effect = client.post(
        f"/v1/campaigns/{campaign['id']}/effects",
        json={"name": "Glow Scan", "asset": "assets://glowco/glow-scan.glb"},
        headers=auth("brand", "glowco"),
    )
    assert effect.status_code == 201, effect.text
    video = client.post(
        "/v1/videos",
        json={"caption": "scan time", "hashtags": [], "category": "beauty"},
        headers=auth("creator", "ana"),
    ).json()["id"]

    declared = client.post(
        f"/v1/videos/{video}/effects",
        json={"effect_id": effect.json()["id"]},
        headers=auth("creator", "ana"),
    )
    not_theirs = client.post(
        f"/v1/videos/{video}/effects",
        json={"effect_id": effect.json()["id"]},
        headers=auth("creator", "ben"),
    )
    spaced = client.post(
        f"/v1/campaigns/{campaign['id']}/effects",
        json={"name": "x", "asset": "has spaces in it"},
        headers=auth("brand", "glowco"),
    )

    assert declared.status_code == 201, declared.text
    assert not_theirs.status_code == 403
    assert spaced.status_code == 422
    board = client.get(
        f"/v1/campaigns/{campaign['id']}/dashboard", headers=auth("brand", "glowco")
    ).json()
    assert board["effects"] == [
        {"effect_id": effect.json()["id"], "name": "Glow Scan", "videos": 1}
    ]
    assert board["videos"] == 1
    shown = client.get(f"/v1/effects/{effect.json()['id']}", headers=auth("creator", "ana"))
    assert shown.json()["asset"] == "assets://glowco/glow-scan.glb"


def test_a_brand_reads_its_own_campaigns_budget_and_commitments_and_no_one_elses(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    invitation = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 2_500)},
        headers=auth("brand", "glowco"),
    ).json()
    accepted = client.post(
        f"/v1/invitations/{invitation['id']}/acceptance", headers=auth("creator", "ana")
    )
    assert accepted.status_code == 200, accepted.text
    budget = f"/v1/ledgers/campaign:{campaign['id']}:budget:USD"
    committed = f"/v1/ledgers/campaign:{campaign['id']}:committed:USD"

    own = client.get(budget, headers=auth("brand", "glowco"))
    own_commitments = client.get(committed, headers=auth("brand", "glowco"))

    assert own.status_code == 200, own.text
    assert own.json()["balance"] == {"minor": 100_000 - 2_500, "currency": "USD"}
    assert own_commitments.status_code == 200, own_commitments.text
    assert own_commitments.json()["balance"] == {"minor": 2_500, "currency": "USD"}
    # The whole principal owns it: another brand, or the same name in another role, does not.
    for who in (("brand", "rival"), ("creator", "glowco"), ("seller", "glowco")):
        for url in (budget, committed):
            refused = client.get(url, headers=auth(*who))
            assert refused.status_code == 403, (who, url, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
