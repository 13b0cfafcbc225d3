"""Favouring engagement over HTTP, through the service: a studio sets an engagement bonus on
its title's policy and reads it back; a borderline match on a quiet fan video waits for
review with the bonus shown unearned; engagement arrives in a batch, the re-judging run (the
background worker's pass, run here by an admin) attaches the waiting match, and the anchor
shows the bonus earned, the figure, the scores it raised and the reason."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.anchors.test_audience import Auth, engagement, title
from tests.e2e.anchors.test_claims_http import fan_video

STUDIO = ("studio", "legendary")


def policy(text_attach_at: float, bonus: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "text": {"review_at": 0.3, "attach_at": text_attach_at, "min_seconds": 0},
        "audio": {"review_at": 0.2, "attach_at": 0.4, "min_seconds": 4},
        "visual": {"review_at": 0.2, "attach_at": 0.45, "min_seconds": 3},
        "corroboration_attaches": True,
        "engagement": None,
        "engagement_bonus": bonus,
    }


def finding(evidence: list[dict[str, Any]], signal: str) -> dict[str, Any]:
    [found] = [item for item in evidence if item["signal"] == signal]
    return found


def test_a_bonus_set_over_http_tips_a_waiting_match_into_an_anchor_as_engagement_grows(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    # What a hashtag scores on its own, read from a proposal of a title that never attaches.
    probe = title(client, auth, name="Probe")
    set_probe = client.put(
        f"/v1/titles/{probe}/match-policy", json=policy(1.0, None), headers=auth(*STUDIO)
    )
    assert set_probe.status_code == 200, set_probe.text
    [probed] = client.get(f"/v1/videos/{fan_video(client, auth, hashtags=('probe',))}").json()[
        "proposals"
    ]
    scored = finding(probed["evidence"], "text")["score"]

    arrival = title(client, auth, name="Arrival")
    bonus = {"min_views": 5000, "min_likes": 100, "bonus": 0.1}
    answer = client.put(
        f"/v1/titles/{arrival}/match-policy",
        json=policy(min(1.0, scored + 0.05), bonus),
        headers=auth(*STUDIO),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["policy"]["engagement_bonus"] == bonus
    seen = client.get(f"/v1/titles/{arrival}/matching", headers=auth(*STUDIO)).json()
    assert seen["policy"]["engagement_bonus"] == bonus

    video = fan_video(client, auth, hashtags=("arrival",))
    [waiting] = client.get(f"/v1/videos/{video}").json()["proposals"]
    unearned = finding(waiting["evidence"], "engagement_bonus")
    assert (unearned["score"], unearned["details"]["earned"]) == (0.0, False)

    counts = [{"video_id": video, "views": 7000, "likes": 150, "shares": 0, "comments": 0}]
    assert engagement(client, auth, "day-1", counts).status_code in (200, 201)
    refused = client.post("/v1/rejudging/run", headers=auth(*STUDIO))
    run = client.post("/v1/rejudging/run", headers=auth("admin", "ops"))
    again = client.post("/v1/rejudging/run", headers=auth("admin", "ops"))

    assert refused.status_code == 403, refused.text
    assert run.status_code == 200, run.text
    assert (run.json()["events"], run.json()["rejudged"]) == (1, 1)
    assert (again.json()["events"], again.json()["rejudged"]) == (0, 0)
    anchor = client.get(f"/v1/videos/{video}").json()["anchor"]
    assert anchor is not None
    assert anchor["title_id"] == arrival
    assert anchor["attached_by"] == "policy:auto"
    assert anchor["note"].startswith("judged again as the video's engagement grew to 7000 views")
    earned = finding(anchor["evidence"], "engagement_bonus")["details"]
    assert (earned["earned"], earned["views"], earned["likes"], earned["bonus"]) == (
        True,
        7000,
        150,
        0.1,
    )
    assert earned["raised"] == {"text": [scored, round(min(1.0, scored + 0.1), 4)]}
    assert earned["rule"] == "adds 0.1 to each signal's score at 5000 views and 100 likes or more"


def test_a_bonus_out_of_bounds_is_refused_with_a_reason_and_nothing_is_recorded(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    arrival = title(client, auth, name="Arrival")
    before = core._catalogue.recorder.max_notification_id()
    for bonus in ({"bonus": 0.5}, {"bonus": 0}, {"bonus": 0.1, "min_views": -1}, {}):
        bad = client.put(
            f"/v1/titles/{arrival}/match-policy", json=policy(0.9, bonus), headers=auth(*STUDIO)
        )
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"] == "application/problem+json"
    assert core._catalogue.recorder.max_notification_id() == before
