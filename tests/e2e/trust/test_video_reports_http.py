"""Reports of videos through HTTP on a SQLite file store: a viewer reports a video, a
reviewer removes or age-restricts it from the queue, the creator appeals once; each outcome
reaches its people's inboxes; the daily quota and bad requests are refused as problem
documents, with nothing recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from tests.e2e.conftest import e2e_settings
from tests.e2e.trust.test_moderation_http import publish

Auth = Callable[[str, str], dict[str, str]]
Json = dict[str, Any]
PROBLEM = "application/problem+json"


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Spotlight]:
    running = bootstrap(e2e_settings(tmp_path, VIDEO_REPORTS_PER_DAY="2"))
    yield running
    running.close()


@pytest.fixture
def client(core: Spotlight) -> TestClient:
    return TestClient(create_app(core))


def report(client: TestClient, auth: Auth, video: str, who: str, **body: Any) -> Any:
    return client.post(
        f"/v1/videos/{video}/reports",
        json={"reason": "violence", **body},
        headers=auth("viewer", who),
    )


def kinds(client: TestClient, auth: Auth, role: str, subject: str) -> list[str]:
    inbox = client.get("/v1/me/inbox", headers=auth(role, subject))
    assert inbox.status_code == 200, inbox.text
    return [notice["kind"] for notice in inbox.json()["items"]]


def assert_problem(response: Any, status: int, kind: str, rule: str | None = None) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: Json = response.json()
    assert body["type"].endswith(kind)
    assert body["detail"]
    if rule is not None:
        assert body["rule"] == rule
    return body


def test_a_report_is_removed_on_review_and_its_appeal_is_upheld(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana", "street fight")
    reviewer = auth("reviewer", "rita")
    made = report(client, auth, video, "vic", text="a real fight")
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]
    assert made.headers["location"] == f"/v1/video-reports/{report_id}"

    queue = client.get("/v1/review/video-reports", params={"limit": 1}, headers=reviewer).json()
    decided = client.post(
        f"/v1/review/video-reports/{report_id}",
        json={"decision": "remove", "reason": "graphic violence"},
        headers=reviewer,
    )
    played = client.get(f"/v1/videos/{video}", headers=auth("viewer", "wes"))
    appealed = client.post(
        f"/v1/video-reports/{report_id}/appeal",
        json={"text": "it is staged"},
        headers=auth("creator", "ana"),
    )
    appeals = client.get("/v1/review/appeals", headers=reviewer).json()
    outcome = client.post(
        f"/v1/review/appeals/{report_id}",
        json={"outcome": "uphold", "reason": "not staged"},
        headers=reviewer,
    )

    assert [item["id"] for item in queue["items"]] == [report_id]
    assert queue["next_cursor"] is None
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["outcome"]) == ("upheld", "remove")
    assert played.status_code == 410
    assert appealed.status_code == 200
    assert appealed.json()["appeal"] == "pending"
    assert [item["id"] for item in appeals["items"]] == [report_id]
    assert outcome.json()["appeal"] == "upheld"
    assert client.get("/v1/review/video-reports", headers=reviewer).json()["items"] == []
    assert kinds(client, auth, "viewer", "vic") == ["video_report_upheld"]
    assert kinds(client, auth, "creator", "ana") == ["video_moderated", "moderation_appeal_upheld"]
    assert_problem(
        client.post(
            f"/v1/video-reports/{report_id}/appeal",
            json={"text": "again"},
            headers=auth("creator", "ana"),
        ),
        409,
        "rule-violated",
        "AppealRefused",
    )


def test_an_age_restriction_overturned_on_appeal_frees_the_video(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana", "beach day")
    reviewer = auth("reviewer", "rita")
    report_id = report(client, auth, video, "vic", reason="sexual-content").json()["id"]
    client.post(
        f"/v1/review/video-reports/{report_id}",
        json={"decision": "age-restrict", "reason": "swimwear"},
        headers=reviewer,
    )
    assert client.get(f"/v1/videos/{video}").status_code == 403
    client.post(
        f"/v1/video-reports/{report_id}/appeal",
        json={"text": "a family beach"},
        headers=auth("creator", "ana"),
    )

    overturned = client.post(
        f"/v1/review/appeals/{report_id}",
        json={"outcome": "overturn", "reason": "nothing adult in it"},
        headers=reviewer,
    )

    assert overturned.json()["appeal"] == "overturned"
    assert client.get(f"/v1/videos/{video}").status_code == 200
    assert "moderation_appeal_overturned" in kinds(client, auth, "creator", "ana")


def test_past_the_daily_quota_a_report_is_refused_and_nothing_recorded(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana", "dance")
    reviewer = auth("reviewer", "rita")
    for _ in range(2):
        assert report(client, auth, video, "vic").status_code == 201

    refused = report(client, auth, video, "vic")

    assert_problem(refused, 409, "rule-violated", "ReportLimitReached")
    assert len(client.get("/v1/review/video-reports", headers=reviewer).json()["items"]) == 2
    assert report(client, auth, video, "wes").status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "i-dislike-it"},
        {"reason": "spam", "text": "x" * 1_001},
        {"reason": "spam", "colour": "red"},
        {},
    ],
)
def test_a_bad_report_is_refused_with_a_reason_and_nothing_recorded(
    client: TestClient, auth: Auth, body: Json
) -> None:
    video = publish(client, auth, "ana", "dance")
    refused = client.post(f"/v1/videos/{video}/reports", json=body, headers=auth("viewer", "vic"))
    assert_problem(refused, 422, "validation-error")
    queue = client.get("/v1/review/video-reports", headers=auth("reviewer", "rita")).json()
    assert queue["items"] == []


def test_who_may_do_what(client: TestClient, auth: Auth) -> None:
    video = publish(client, auth, "ana", "dance")
    report_id = report(client, auth, video, "vic").json()["id"]
    decide = {"decision": "dismiss", "reason": "fine"}

    assert_problem(
        client.post(
            f"/v1/videos/{video}/reports", json={"reason": "spam"}, headers=auth("auditor", "k")
        ),
        403,
        "forbidden",
    )
    assert_problem(
        client.post(
            f"/v1/review/video-reports/{report_id}", json=decide, headers=auth("viewer", "vic")
        ),
        403,
        "forbidden",
    )
    assert_problem(
        client.get(f"/v1/video-reports/{report_id}", headers=auth("viewer", "wes")),
        403,
        "forbidden",
    )
    assert (
        client.get(f"/v1/video-reports/{report_id}", headers=auth("creator", "ana")).status_code
        == 200
    )
    assert_problem(
        client.post(
            f"/v1/videos/{report_id}/reports",
            json={"reason": "spam"},
            headers=auth("viewer", "vic"),
        ),
        404,
        "not-found",
    )
    dismissed = client.post(
        f"/v1/review/video-reports/{report_id}", json=decide, headers=auth("reviewer", "rita")
    )
    assert dismissed.json()["status"] == "dismissed"
    assert kinds(client, auth, "viewer", "vic") == ["video_report_dismissed"]
    assert_problem(
        client.post(
            f"/v1/review/video-reports/{report_id}", json=decide, headers=auth("reviewer", "rita")
        ),
        409,
        "rule-violated",
        "ReportAlreadyDecided",
    )


def test_a_removal_overturned_on_appeal_serves_the_video_again(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana", "my cover of a song")
    reviewer = auth("reviewer", "rita")
    report_id = report(client, auth, video, "vic", reason="copyright").json()["id"]
    client.post(
        f"/v1/review/video-reports/{report_id}",
        json={"decision": "remove", "reason": "the whole recording"},
        headers=reviewer,
    )
    assert client.get(f"/v1/videos/{video}", headers=auth("viewer", "wes")).status_code == 410
    client.post(
        f"/v1/video-reports/{report_id}/appeal",
        json={"text": "I hold the licence"},
        headers=auth("creator", "ana"),
    )

    overturned = client.post(
        f"/v1/review/appeals/{report_id}",
        json={"outcome": "overturn", "reason": "licence shown"},
        headers=reviewer,
    )

    assert overturned.status_code == 200, overturned.text
    assert overturned.json()["appeal"] == "overturned"
    served = client.get(f"/v1/videos/{video}", headers=auth("viewer", "wes"))
    assert served.status_code == 200, served.text
    assert served.json()["caption"] == "my cover of a song"
    assert kinds(client, auth, "creator", "ana") == [
        "video_moderated",
        "moderation_appeal_overturned",
        "video_moderated",
    ]
    again = client.post(
        f"/v1/review/appeals/{report_id}",
        json={"outcome": "overturn", "reason": "twice"},
        headers=reviewer,
    )
    assert_problem(again, 409, "rule-violated", "AppealAlreadyDecided")
