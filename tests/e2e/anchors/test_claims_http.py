"""A studio claims a fan video for its own title over HTTP: through the title's policy to an
anchor naming the studio or to the review queue; refused with the reason for another
studio's title (403), a removed or minor's video or one anchored elsewhere (409)."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient
from httpx2 import Response

from application.auth import Principal, Role
from domain.anchors.matching import MatchPolicy, SignalRule
from domain.trust.moderation import AgeBand
from entrypoints.bootstrap import Spotlight
from tests.e2e.anchors.test_audience import Auth, anchored_video, title

LEGENDARY = Principal(Role.STUDIO, "legendary")
OPS = Principal(Role.ADMIN, "ops")


def fan_video(
    client: TestClient, auth: Auth, creator: str = "fan-1", hashtags: tuple[str, ...] = ()
) -> str:
    video = client.post(
        "/v1/videos",
        json={"caption": "my edit", "hashtags": list(hashtags), "category": "film-and-tv"},
        headers=auth("creator", creator),
    )
    assert video.status_code == 201, video.text
    video_id: str = video.json()["id"]
    return video_id


def claim(
    client: TestClient, auth: Auth, title_id: str, video_id: str, studio: str = "legendary"
) -> Response:
    return client.post(
        f"/v1/titles/{title_id}/claims",
        json={"video_id": video_id, "note": "our trailer's score"},
        headers=auth("studio", studio),
    )


def test_a_claim_goes_to_review_or_attaches_as_the_titles_policy_says(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    dune = title(client, auth)
    arrival = title(client, auth, name="Arrival")
    # Nothing matched it: the claim alone sends it to review. The other was proposed for
    # Arrival by its hashtag, and Arrival's policy now attaches on such text.
    reviewed, attached = fan_video(client, auth), fan_video(client, auth, hashtags=("arrival",))
    core.anchoring.set_policy(
        LEGENDARY, core_id(arrival), MatchPolicy(text=SignalRule(review_at=0.3, attach_at=0.3))
    )

    to_review = claim(client, auth, dune, reviewed)
    to_anchor = claim(client, auth, arrival, attached)

    assert to_review.status_code == 200, to_review.text
    assert to_review.json()["anchor"] is None
    queue = client.get("/v1/review/anchors", headers=auth("reviewer", "rita")).json()
    [proposal] = [item for item in queue["items"] if item["video_id"] == reviewed]
    assert any(
        evidence["signal"] == "claim" and evidence["details"]["claimed_by"] == "studio:legendary"
        for evidence in proposal["evidence"]
    ), proposal
    assert to_anchor.status_code == 200, to_anchor.text
    anchor = to_anchor.json()["anchor"]
    assert (anchor["title_id"], anchor["attached_by"]) == (arrival, "studio:legendary")


def core_id(title_id: str) -> UUID:
    return UUID(title_id)


def test_claims_on_another_studios_title_or_protected_or_anchored_videos_are_refused(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    dune = title(client, auth)
    barbie = title(client, auth, studio="warner", name="Barbie")
    elsewhere = anchored_video(client, auth, barbie, ["barbie"])
    removed = fan_video(client, auth)
    core.moderation.decide(
        Principal(Role.REVIEWER, "rita"), core_id(removed), "removed", reason="spam", policy="p1"
    )
    core.creators.register(Principal(Role.CREATOR, "kid"), region="US")
    core.moderation.record_age_band(OPS, "kid", AgeBand.FROM_16_TO_17, reason="passport seen")
    minors = fan_video(client, auth, creator="kid")
    fine = fan_video(client, auth)

    other_studio = claim(client, auth, dune, fine, studio="a24")
    anchored = claim(client, auth, dune, elsewhere)
    gone = claim(client, auth, dune, removed)
    minor = claim(client, auth, dune, minors)

    assert other_studio.status_code == 403
    assert other_studio.headers["content-type"] == "application/problem+json"
    assert "own titles" in other_studio.json()["detail"]
    assert anchored.status_code == 409
    assert "another title" in anchored.json()["detail"]
    assert gone.status_code == 409
    assert "removed" in gone.json()["detail"]
    assert minor.status_code == 409
    assert "under 18" in minor.json()["detail"]
    # Nothing was recorded for the refused claims.
    assert client.get(f"/v1/videos/{fine}").json()["anchor"] is None
    assert client.get(f"/v1/videos/{elsewhere}").json()["anchor"]["title_id"] == barbie
