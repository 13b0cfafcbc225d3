"""Drafts through HTTP: a creator who accepted an invitation submits a draft, the brand asks
for changes then approves, the creator posts it, and viewers read the paid-partnership
disclosure on the video; a draft for a campaign the creator was not invited to, approving
another brand's draft and a second approval are refused with problem+json, recording
nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.business.test_campaigns_http import (
    Auth,
    Json,
    creator,
    launched,
    revenue_events,
    terms,
)


def _video(client: TestClient, auth: Auth, name: str, caption: str) -> str:
    response = client.post(
        "/v1/videos",
        json={"caption": caption, "hashtags": [], "category": "beauty"},
        headers=auth("creator", name),
    )
    assert response.status_code == 201, response.text
    video_id: str = response.json()["id"]
    return video_id


def _accepted(client: TestClient, auth: Auth, core: Spotlight) -> tuple[Json, Json]:
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    creator(client, auth, "ben")
    sent = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 20_000)},
        headers=auth("brand", "glowco"),
    )
    assert sent.status_code == 201, sent.text
    invitation: Json = sent.json()
    accepted = client.post(
        f"/v1/invitations/{invitation['id']}/acceptance", headers=auth("creator", "ana")
    )
    assert accepted.status_code == 200, accepted.text
    return campaign, invitation


def test_a_draft_is_reviewed_posted_and_disclosed_to_viewers(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    campaign, invitation = _accepted(client, auth, core)
    ana, brand = auth("creator", "ana"), auth("brand", "glowco")
    video = _video(client, auth, "ana", "glow draft")
    drafts = f"/v1/campaigns/{campaign['id']}/drafts"

    submitted = client.post(drafts, json={"video_id": video, "note": "first cut"}, headers=ana)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "draft-submitted"
    assert submitted.json()["draft_note"] == "first cut"
    held = client.post(
        f"/v1/invitations/{invitation['id']}/delivery", json={"video_id": video}, headers=ana
    )
    assert held.status_code == 409, held.text

    changes = client.post(
        f"/v1/invitations/{invitation['id']}/draft/changes",
        json={"reason": "show the label"},
        headers=brand,
    )
    assert changes.json()["state"] == "changes-requested"
    assert changes.json()["changes_reason"] == "show the label"
    again = client.post(drafts, json={"video_id": video, "note": "label shown"}, headers=ana)
    assert again.json()["state"] == "draft-submitted"
    approved = client.post(f"/v1/invitations/{invitation['id']}/draft/approval", headers=brand)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "draft-approved"

    before = client.get(f"/v1/videos/{video}")
    assert before.json()["paid_partnership"] is None  # approved, not posted yet
    delivered = client.post(
        f"/v1/invitations/{invitation['id']}/delivery", json={"video_id": video}, headers=ana
    )
    assert delivered.status_code == 200, delivered.text

    seen = client.get(f"/v1/videos/{video}")  # anyone, without a token
    assert seen.status_code == 200
    assert seen.json()["paid_partnership"] == {"label": "Paid partnership", "brands": ["glowco"]}

    kinds = [notice["kind"] for notice in client.get("/v1/me/inbox", headers=brand).json()["items"]]
    assert kinds.count("invitation_draft_submitted") == 2
    told = client.get("/v1/me/inbox", headers=ana).json()["items"]
    assert {"invitation_draft_changes_requested", "invitation_draft_approved"} <= {
        notice["kind"] for notice in told
    }


def test_bad_drafts_are_refused_with_problem_json_and_record_nothing(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    campaign, invitation = _accepted(client, auth, core)
    ana, ben = auth("creator", "ana"), auth("creator", "ben")
    video = _video(client, auth, "ana", "glow draft")
    bens = _video(client, auth, "ben", "uninvited")
    drafts = f"/v1/campaigns/{campaign['id']}/drafts"
    approval = f"/v1/invitations/{invitation['id']}/draft/approval"
    before = revenue_events(core)

    uninvited = client.post(drafts, json={"video_id": bens, "note": ""}, headers=ben)
    assert uninvited.status_code == 403
    assert uninvited.headers["content-type"].startswith("application/problem+json")
    not_hers = client.post(drafts, json={"video_id": bens}, headers=ana)
    assert not_hers.status_code == 403
    nothing_to_approve = client.post(approval, headers=auth("brand", "glowco"))
    assert nothing_to_approve.status_code == 409
    assert nothing_to_approve.headers["content-type"].startswith("application/problem+json")
    assert revenue_events(core) == before

    assert client.post(drafts, json={"video_id": video}, headers=ana).status_code == 200
    before = revenue_events(core)
    rival = client.post(approval, headers=auth("brand", "rival"))
    assert rival.status_code == 403
    assert rival.headers["content-type"].startswith("application/problem+json")
    assert revenue_events(core) == before

    assert client.post(approval, headers=auth("brand", "glowco")).status_code == 200
    before = revenue_events(core)
    second = client.post(approval, headers=auth("brand", "glowco"))
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    assert "approve the draft" in second.json()["detail"]
    assert revenue_events(core) == before
