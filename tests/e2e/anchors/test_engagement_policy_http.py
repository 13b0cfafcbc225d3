"""Popularity in the match policy over HTTP: a studio sets the engagement a fan video needs
to be anchored without review, sees it on the title's matching material, and finds the rule
and the video's figure as evidence on the proposal and on the anchor."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from application.auth import Principal, Role
from domain.anchors.engagement import Engagement
from entrypoints.bootstrap import Spotlight
from tests.e2e.anchors.test_audience import Auth, title
from tests.e2e.anchors.test_claims_http import claim, fan_video

OPS = Principal(Role.ADMIN, "ops")
TEXT_ATTACHES = {"review_at": 0.3, "attach_at": 0.3, "min_seconds": 0}
POLICY: dict[str, Any] = {
    "text": TEXT_ATTACHES,
    "audio": {"review_at": 0.2, "attach_at": 0.4, "min_seconds": 4},
    "visual": {"review_at": 0.2, "attach_at": 0.45, "min_seconds": 3},
    "corroboration_attaches": True,
    "engagement": {"min_views": 1000, "min_likes": 50},
}


def engagement_evidence(evidence: list[dict[str, Any]]) -> dict[str, Any]:
    [found] = [item for item in evidence if item["signal"] == "engagement"]
    details: dict[str, Any] = found["details"]
    return details


def test_a_quiet_video_waits_for_review_and_a_popular_one_is_anchored_with_its_figure(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    arrival = title(client, auth, name="Arrival")
    set_policy = client.put(
        f"/v1/titles/{arrival}/match-policy", json=POLICY, headers=auth("studio", "legendary")
    )
    assert set_policy.status_code == 200, set_policy.text
    assert set_policy.json()["policy"]["engagement"] == {"min_views": 1000, "min_likes": 50}
    seen = client.get(f"/v1/titles/{arrival}/matching", headers=auth("studio", "legendary"))
    assert seen.json()["policy"]["engagement"] == {"min_views": 1000, "min_likes": 50}

    # New, so unseen: the text would attach it, the engagement rule sends it to review.
    video = fan_video(client, auth, hashtags=("arrival",))
    shown = client.get(f"/v1/videos/{video}").json()
    assert shown["anchor"] is None
    [proposal] = shown["proposals"]
    figure = engagement_evidence(proposal["evidence"])
    assert (figure["views"], figure["likes"], figure["met"]) == (0, 0, False)
    assert figure["rule"] == "attaches without review at 1000 views and 50 likes or more"

    core.audience.record_engagement(
        OPS, "day-1", [(UUID(video), Engagement(views=2_400, likes=80))]
    )
    claimed = claim(client, auth, arrival, video)

    assert claimed.status_code == 200, claimed.text
    anchor = claimed.json()["anchor"]
    assert anchor is not None
    assert anchor["attached_by"] == "studio:legendary"
    figure = engagement_evidence(anchor["evidence"])
    assert (figure["views"], figure["likes"], figure["met"]) == (2_400, 80, True)


def test_a_bad_engagement_rule_is_refused_with_a_reason_and_nothing_is_recorded(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    arrival = title(client, auth, name="Arrival")
    before = core._catalogue.recorder.max_notification_id()
    bad = client.put(
        f"/v1/titles/{arrival}/match-policy",
        json={**POLICY, "engagement": {"min_views": -5}},
        headers=auth("studio", "legendary"),
    )
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"] == "application/problem+json"
    assert "min_views" in bad.text
    assert core._catalogue.recorder.max_notification_id() == before
