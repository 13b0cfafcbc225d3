"""What viewers see of a moderated video: a removed one is gone (410) to all but its
creator, reviewers and admins; an age-restricted one is not shown to minors or to callers
without a token (403); neither answer carries the caption. The media follows the same rule."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.e2e.trust.test_moderation_http import publish

Auth = Callable[[str, str], dict[str, str]]
CAPTION = "my secret edit"


def moderate(client: TestClient, auth: Auth, video: str, state: str) -> None:
    decided = client.post(
        f"/v1/videos/{video}/moderation",
        json={"state": state, "reason": "reviewed", "policy": "guidelines/7.1"},
        headers=auth("reviewer", "rita"),
    )
    assert decided.status_code == 200, decided.text


def declare_minor(client: TestClient, auth: Auth, creator: str) -> None:
    registered = client.post(
        "/v1/creators", json={"region": "US"}, headers=auth("creator", creator)
    )
    assert registered.status_code == 201, registered.text
    declared = client.put(
        f"/v1/creators/{creator}/age-band", json={"band": "13-15"}, headers=auth("creator", creator)
    )
    assert declared.status_code == 200, declared.text


def test_a_removed_video_is_gone_to_viewers_without_its_caption(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana", CAPTION)
    moderate(client, auth, video, "removed")

    for headers in ({}, auth("viewer", "vic"), auth("creator", "bea"), auth("auditor", "aud")):
        answer = client.get(f"/v1/videos/{video}", headers=headers)
        assert answer.status_code == 410, (headers, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:spotlight:problem:gone"
        assert CAPTION not in answer.text


def test_a_removed_video_stays_visible_to_its_creator_reviewers_and_admins(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana", CAPTION)
    moderate(client, auth, video, "removed")

    for headers in (auth("creator", "ana"), auth("reviewer", "rex"), auth("admin", "root")):
        answer = client.get(f"/v1/videos/{video}", headers=headers)
        assert answer.status_code == 200, (headers, answer.text)
        assert answer.json()["caption"] == CAPTION


def test_an_age_restricted_video_is_kept_from_minors_and_from_callers_without_a_token(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana", CAPTION)
    moderate(client, auth, video, "age-restricted")
    declare_minor(client, auth, "kid")

    for headers in ({}, auth("creator", "kid")):
        answer = client.get(f"/v1/videos/{video}", headers=headers)
        assert answer.status_code == 403, (headers, answer.text)
        assert answer.json()["type"] == "urn:spotlight:problem:age-restricted"
        assert CAPTION not in answer.text
    kept_media = client.get(f"/v1/videos/{video}/media", headers=auth("creator", "kid"))
    assert kept_media.status_code == 404
    for headers in (auth("viewer", "vic"), auth("creator", "bea"), auth("creator", "ana")):
        answer = client.get(f"/v1/videos/{video}", headers=headers)
        assert answer.status_code == 200, (headers, answer.text)
        assert answer.json()["caption"] == CAPTION


def test_a_cleared_video_is_shown_to_everyone(client: TestClient, auth: Auth) -> None:
    video = publish(client, auth, "ana", CAPTION)
    moderate(client, auth, video, "clear")
    declare_minor(client, auth, "kid")

    for headers in ({}, auth("creator", "kid"), auth("viewer", "vic")):
        assert client.get(f"/v1/videos/{video}", headers=headers).status_code == 200
