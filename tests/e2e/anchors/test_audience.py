"""Engagement and clicks in batches, and what a studio sees on its dashboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight

Auth = Callable[[str, str], dict[str, str]]


def anchored_video(client: TestClient, auth: Auth, title_id: str, hashtags: list[str]) -> str:
    video = client.post(
        "/v1/videos",
        json={"caption": "edit", "hashtags": hashtags, "category": "film-and-tv"},
        headers=auth("creator", "fan-1"),
    ).json()
    attached = client.post(
        f"/v1/videos/{video['id']}/anchor",
        json={"title_id": title_id},
        headers=auth("reviewer", "rita"),
    )
    assert attached.status_code == 200, attached.text
    video_id: str = video["id"]
    return video_id


def title(client: TestClient, auth: Auth, studio: str = "legendary", name: str = "Dune") -> str:
    response = client.post(
        "/v1/titles", json={"name": name, "kind": "movie"}, headers=auth("studio", studio)
    )
    title_id: str = response.json()["id"]
    return title_id


def engagement(client: TestClient, auth: Auth, key: str, counts: list[dict[str, Any]]) -> Any:
    return client.post(
        "/v1/engagement", json={"batch_key": key, "counts": counts}, headers=auth("admin", "ingest")
    )


def test_engagement_batches_add_up_and_a_retry_counts_once(client: TestClient, auth: Auth) -> None:
    dune = title(client, auth)
    video = anchored_video(client, auth, dune, ["dune"])
    counts = [{"video_id": video, "views": 1000, "likes": 50, "shares": 5, "comments": 7}]

    first = engagement(client, auth, "ingest-0001", counts)
    retry = engagement(client, auth, "ingest-0001", counts)
    changed = engagement(client, auth, "ingest-0001", [{**counts[0], "views": 1}])
    second = engagement(client, auth, "ingest-0002", [{"video_id": video, "views": 500}])

    assert first.status_code == 201, first.text
    assert retry.status_code == 200
    assert retry.json() == {**first.json(), "replayed": True}
    assert changed.status_code == 409
    assert second.status_code == 201
    shown = client.get(f"/v1/videos/{video}").json()["engagement"]
    assert shown == {"views": 1500, "likes": 50, "shares": 5, "comments": 7}


def test_a_batchs_receipt_points_at_what_was_recorded_for_its_sender_alone(
    client: TestClient, auth: Auth
) -> None:
    dune = title(client, auth)
    video = anchored_video(client, auth, dune, ["dune"])
    counted = engagement(client, auth, "ingest-0001", [{"video_id": video, "views": 10}])
    clicked = client.post(
        "/v1/clicks",
        json={"batch_key": "tap-1", "clicks": [{"video_id": video, "target": "tickets"}] * 2},
        headers=auth("viewer", "zoe"),
    )

    engagement_batch = client.get(counted.headers["location"], headers=auth("admin", "ingest"))
    click_batch = client.get(clicked.headers["location"], headers=auth("viewer", "zoe"))
    by_auditor = client.get(clicked.headers["location"], headers=auth("auditor", "ann"))
    by_another_viewer = client.get(clicked.headers["location"], headers=auth("viewer", "max"))

    assert counted.headers["location"] == f"/v1/batches/{counted.json()['batch_id']}"
    assert engagement_batch.json() == {
        "batch_id": counted.json()["batch_id"],
        "kind": "engagement",
        "recorded": 1,
        "sent_by": "admin:ingest",
    }
    assert click_batch.json()["kind"] == "clicks"
    assert click_batch.json()["recorded"] == 2
    assert by_auditor.status_code == 200
    assert by_another_viewer.status_code == 404
    assert (
        client.get(
            "/v1/batches/00000000-0000-4000-8000-000000000001", headers=auth("admin", "ingest")
        ).status_code
        == 404
    )


def test_engagement_for_unknown_videos_is_refused_whole(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    dune = title(client, auth)
    video = anchored_video(client, auth, dune, [])
    before = core._catalogue.recorder.max_notification_id()

    response = engagement(
        client,
        auth,
        "bad",
        [
            {"video_id": video, "views": 1},
            {"video_id": "00000000-0000-4000-8000-000000000001", "views": 1},
        ],
    )
    by_creator = client.post(
        "/v1/engagement",
        json={"batch_key": "x", "counts": [{"video_id": video, "views": 1}]},
        headers=auth("creator", "fan-1"),
    )

    assert response.status_code == 404
    assert by_creator.status_code == 403
    assert core._catalogue.recorder.max_notification_id() == before


def test_clicks_through_anchors_reach_the_studio_dashboard(client: TestClient, auth: Auth) -> None:
    dune = title(client, auth)
    title(client, auth, studio="rival", name="Barbie")
    first = anchored_video(client, auth, dune, ["dune", "sandworm", "zendaya"])
    second = anchored_video(client, auth, dune, ["dune", "sandworm"])
    engagement(client, auth, "b1", [{"video_id": first, "views": 300, "likes": 30}])
    engagement(client, auth, "b2", [{"video_id": second, "views": 200, "shares": 2}])

    clicks = client.post(
        "/v1/clicks",
        json={
            "batch_key": "viewer-7-0001",
            "clicks": [
                {"video_id": first, "target": "tickets"},
                {"video_id": first, "target": "tickets"},
                {"video_id": second, "target": "streaming"},
            ],
        },
        headers=auth("viewer", "viewer-7"),
    )
    # Another viewer's click counts; viewer-7's second click on the same tickets does not.
    another = client.post(
        "/v1/clicks",
        json={"batch_key": "k", "clicks": [{"video_id": first, "target": "tickets"}]},
        headers=auth("viewer", "viewer-8"),
    )
    assert another.status_code == 201, another.text
    dashboard = client.get("/v1/studios/legendary/analytics", headers=auth("studio", "legendary"))

    assert clicks.status_code == 201, clicks.text
    assert dashboard.status_code == 200, dashboard.text
    [dune_stats] = dashboard.json()["titles"]
    assert dune_stats["anchored_videos"] == 2
    assert dune_stats["views"] == 500
    assert dune_stats["likes"] == 30
    assert dune_stats["clicks"] == {"tickets": 2, "streaming": 1, "cast": 0, "official": 0}
    assert dune_stats["top_hashtags"][0] == {"hashtag": "sandworm", "videos": 2}
    today = dune_stats["daily"][-1]
    assert (today["views"], today["clicks"], today["new_anchors"]) == (500, 3, 2)
    assert "500 views" in dune_stats["brief"]
    assert "#sandworm" in dune_stats["brief"]


def test_a_studio_sees_only_its_own_dashboard(client: TestClient, auth: Auth) -> None:
    title(client, auth)

    rival = client.get("/v1/studios/legendary/analytics", headers=auth("studio", "rival"))
    auditor = client.get("/v1/studios/legendary/analytics", headers=auth("auditor", "ann"))
    creator = client.get("/v1/studios/legendary/analytics", headers=auth("creator", "fan-1"))

    assert rival.status_code == 403
    assert auditor.status_code == 200
    assert creator.status_code == 403


def test_a_click_on_a_video_without_an_anchor_is_refused(client: TestClient, auth: Auth) -> None:
    video = client.post(
        "/v1/videos",
        json={"caption": "x", "hashtags": [], "category": "gaming"},
        headers=auth("creator", "fan-1"),
    ).json()

    response = client.post(
        "/v1/clicks",
        json={"batch_key": "k", "clicks": [{"video_id": video["id"], "target": "cast"}]},
        headers=auth("viewer", "v"),
    )
    unknown_target = client.post(
        "/v1/clicks",
        json={"batch_key": "k2", "clicks": [{"video_id": video["id"], "target": "popcorn"}]},
        headers=auth("viewer", "v"),
    )

    assert response.status_code == 422
    assert "no anchor" in response.json()["detail"]
    assert unknown_target.status_code == 422
