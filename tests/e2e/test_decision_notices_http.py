"""A decision about a person reaches their inbox over HTTP as a typed notice, and nobody
else's: an anchor attached and a dispute decided tell the video's creator; a counterfeit
report decided tells its reporter and the listing's seller; a moderation decision tells the
video's creator."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.anchors.test_owner_lists_http import register
from tests.e2e.shop.test_shop_http import Auth, decide, listed, register_seller, report
from tests.e2e.trust.test_moderation_http import dune, publish

Json = dict[str, Any]


def notices(client: TestClient, auth: Auth, role: str, subject: str) -> list[Json]:
    response = client.get("/v1/me/inbox", headers=auth(role, subject))
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def dune_matched_on(client: TestClient, auth: Auth, hashtag: str) -> str:
    """The studio's title Dune, matched on ``hashtag``: its id."""
    title = register(client, auth, "legendary", "Dune")
    words = client.put(
        f"/v1/titles/{title}/match-words",
        json={"hashtags": [hashtag], "keywords": []},
        headers=auth("studio", "legendary"),
    )
    assert words.status_code == 200, words.text
    return title


def publish_desert(client: TestClient, auth: Auth) -> Json:
    """A fan's video tagged #Arrakis, as published."""
    published = client.post(
        "/v1/videos",
        json={"caption": "desert", "hashtags": ["#Arrakis"], "category": "film-and-tv"},
        headers=auth("creator", "fan"),
    )
    assert published.status_code == 201, published.text
    video: Json = published.json()
    return video


def test_a_decided_report_is_told_to_its_reporter_and_the_seller_alone(
    client: TestClient, auth: Auth
) -> None:
    register_seller(client, auth, "acme")
    skillet = listed(client, auth, "acme", "Cast iron skillet")
    teapot = listed(client, auth, "acme", "Ceramic teapot")
    upheld = report(client, auth, skillet, ("viewer", "bob")).json()["id"]
    dismissed = report(client, auth, teapot, ("viewer", "cy")).json()["id"]

    assert decide(client, auth, upheld, True).status_code == 200
    assert decide(client, auth, dismissed, False).status_code == 200

    reason = "Confirmed with the brand owner"
    assert [
        (n["kind"], n["about"], n["reason"]) for n in notices(client, auth, "viewer", "bob")
    ] == [("counterfeit_report_upheld", {"report": upheld, "listing": skillet}, reason)]
    assert [n["kind"] for n in notices(client, auth, "viewer", "cy")] == [
        "counterfeit_report_dismissed"
    ]
    assert [(n["kind"], n["about"]["report"]) for n in notices(client, auth, "seller", "acme")] == [
        ("counterfeit_report_upheld", upheld),
        ("counterfeit_report_dismissed", dismissed),
    ]
    assert notices(client, auth, "reviewer", "rita") == []
    assert notices(client, auth, "creator", "acme") == []  # a seller's inbox is not a creator's


def test_a_moderation_decision_is_told_to_the_videos_creator(
    client: TestClient, auth: Auth
) -> None:
    dune(client, auth)
    video = publish(client, auth, "ana", "dune edit, dm for c0caine")
    publish(client, auth, "ben", "dune fan edit")

    removed = client.post(
        f"/v1/videos/{video}/moderation",
        json={"state": "removed", "reason": "selling drugs", "policy": "guidelines/7.1"},
        headers=auth("reviewer", "rita"),
    )
    assert removed.status_code == 200, removed.text

    (notice,) = notices(client, auth, "creator", "ana")
    assert (notice["kind"], notice["about"], notice["reason"]) == (
        "video_moderated",
        {"video": video},
        "selling drugs",
    )
    assert "removed" in notice["body"]
    # ben's fan edit only awaits review for Dune: no moderation decision was made on it.
    assert [n["kind"] for n in notices(client, auth, "creator", "ben")] == ["anchor_proposed"]


def test_an_anchor_attached_and_a_dispute_upheld_are_told_to_the_creator(
    client: TestClient, auth: Auth
) -> None:
    reviewer = auth("reviewer", "rita")
    title = dune_matched_on(client, auth, "Arrakis")
    video = publish_desert(client, auth)["id"]
    attached = client.post(
        f"/v1/review/anchors/{video}/{title}",
        json={"decision": "attach", "reason": "the worm scene"},
        headers=reviewer,
    )
    assert attached.status_code == 200, attached.text
    disputed = client.post(
        f"/v1/videos/{video}/anchor/dispute",
        json={"reason": "my own footage"},
        headers=auth("creator", "fan"),
    )
    assert disputed.status_code == 200, disputed.text
    upheld = client.post(
        f"/v1/review/disputes/{video}",
        json={"decision": "uphold", "reason": "shot by the creator"},
        headers=reviewer,
    )
    assert upheld.status_code == 200, upheld.text

    assert [
        (n["kind"], n["about"], n["reason"]) for n in notices(client, auth, "creator", "fan")
    ] == [
        ("anchor_proposed", {"video": video, "title": title}, "proposed by matching: text 90%"),
        ("anchor_attached", {"video": video, "title": title}, "the worm scene"),
        ("dispute_upheld", {"video": video, "title": title}, "shot by the creator"),
    ]
    assert notices(client, auth, "studio", "legendary") == []
    assert notices(client, auth, "reviewer", "rita") == []


def test_an_anchor_attached_automatically_is_told_with_its_title_and_evidence(
    client: TestClient, auth: Auth
) -> None:
    studio = auth("studio", "legendary")
    title = dune_matched_on(client, auth, "Arrakis")
    rule = {"review_at": 0.2, "attach_at": None, "min_seconds": 0}
    policy = client.put(
        f"/v1/titles/{title}/match-policy",
        json={"text": {"review_at": 0.5, "attach_at": 0.5}, "audio": rule, "visual": rule},
        headers=studio,
    )
    assert policy.status_code == 200, policy.text

    video = publish_desert(client, auth)
    assert video["anchor"]["title_id"] == title

    (notice,) = notices(client, auth, "creator", "fan")
    assert (notice["kind"], notice["about"]) == (
        "anchor_attached",
        {"video": video["id"], "title": title},
    )
    assert "Dune" in notice["subject"]
    assert "automatically" in notice["body"]
    assert notice["reason"].startswith("matched automatically: text ")
    assert notices(client, auth, "studio", "legendary") == []


def test_a_video_routed_to_review_and_the_proposal_rejected_are_told_to_the_creator(
    client: TestClient, auth: Auth
) -> None:
    title = dune_matched_on(client, auth, "Arrakis")
    video = publish_desert(client, auth)
    assert video["anchor"] is None  # text alone goes to review by default

    (proposed,) = notices(client, auth, "creator", "fan")
    assert (proposed["kind"], proposed["about"], proposed["reason"]) == (
        "anchor_proposed",
        {"video": video["id"], "title": title},
        "proposed by matching: text 90%",
    )
    assert "Dune" in proposed["subject"]

    rejected = client.post(
        f"/v1/review/anchors/{video['id']}/{title}",
        json={"decision": "reject", "reason": "a desert, not Arrakis"},
        headers=auth("reviewer", "rita"),
    )
    assert rejected.status_code == 200, rejected.text

    assert [(n["kind"], n["about"], n["reason"]) for n in notices(client, auth, "creator", "fan")][
        1:
    ] == [("anchor_rejected", {"video": video["id"], "title": title}, "a desert, not Arrakis")]
    assert notices(client, auth, "studio", "legendary") == []
    assert notices(client, auth, "reviewer", "rita") == []
