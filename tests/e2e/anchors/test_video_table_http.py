"""A studio's per-video table over HTTP: which fan videos drive clicks, a page at a time or
whole as CSV, and refusals with their reasons."""

from __future__ import annotations

import csv

from fastapi.testclient import TestClient

from tests.e2e.anchors.test_audience import Auth, anchored_video, engagement, title

TABLE = "/v1/studios/{studio}/analytics/titles/{title}/videos"


def clicks(client: TestClient, auth: Auth, key: str, video: str, target: str, **also: str) -> None:
    response = client.post(
        "/v1/clicks",
        json={"batch_key": key, "clicks": [{"video_id": video, "target": target}], **also},
        headers=auth("viewer", key),
    )
    assert response.status_code == 201, response.text


def test_a_studio_pages_its_titles_videos_by_clicks_and_exports_them(
    client: TestClient, auth: Auth
) -> None:
    dune = title(client, auth)
    worm, edit = (anchored_video(client, auth, dune, ["dune"]) for _ in range(2))
    engagement(
        client, auth, "e1", [{"video_id": worm, "views": 70}, {"video_id": edit, "views": 9}]
    )
    clicks(client, auth, "v1", edit, "tickets", region="KR")
    clicks(client, auth, "v2", edit, "cast")
    clicks(client, auth, "v3", worm, "streaming", region="kr")
    path = TABLE.format(studio="legendary", title=dune)
    studio = auth("studio", "legendary")

    first = client.get(path, params={"limit": 1, "days": 7}, headers=studio)
    second = client.get(
        path, params={"limit": 1, "days": 7, "cursor": first.json()["next_cursor"]}, headers=studio
    )
    by_views = client.get(path, params={"sort": "views"}, headers=studio).json()
    exported = client.get(f"{path}.csv", params={"sort": "views"}, headers=studio)

    assert first.status_code == 200, first.text
    page = first.json()
    assert [item["video_id"] for item in page["items"]] == [edit]
    assert page["items"][0]["current"]["clicks"] == 2
    assert page["items"][0]["current"]["clicks_by_target"]["tickets"] == 1
    assert page["items"][0]["previous"]["clicks"] == 0
    assert page["range"]["days"] == page["previous_range"]["days"] == 7
    assert page["clicks_by_region"] == {"KR": 2, "unknown": 1}
    assert [item["video_id"] for item in second.json()["items"]] == [worm]
    assert second.json()["next_cursor"] is None
    assert [item["video_id"] for item in by_views["items"]] == [worm, edit]
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(exported.text.splitlines()))
    assert [(row["video_id"], row["views"]) for row in rows] == [(worm, "70"), (edit, "9")]


def test_another_studio_bad_ranges_and_foreign_cursors_are_refused_with_the_reason(
    client: TestClient, auth: Auth
) -> None:
    dune = title(client, auth)
    videos = [anchored_video(client, auth, dune, ["dune"]) for _ in range(2)]
    engagement(client, auth, "e1", [{"video_id": video, "views": 5} for video in videos])
    path = TABLE.format(studio="legendary", title=dune)
    studio = auth("studio", "legendary")
    of_views = client.get(path, params={"sort": "views", "limit": 1}, headers=studio).json()
    foreign = client.get(
        path, params={"sort": "clicks", "cursor": of_views["next_cursor"]}, headers=studio
    )

    other = client.get(path, headers=auth("studio", "a24"))
    under_other = client.get(TABLE.format(studio="a24", title=dune), headers=auth("admin", "o"))
    backwards = client.get(path, params={"from": "2026-03-02", "to": "2026-03-01"}, headers=studio)
    both = client.get(
        path, params={"days": 7, "from": "2026-03-01", "to": "2026-03-02"}, headers=studio
    )
    odd = client.get(path, params={"days": 30}, headers=studio)
    sort = client.get(path, params={"sort": "likes"}, headers=studio)
    region = client.post(
        "/v1/clicks",
        json={"batch_key": "k", "clicks": [{"video_id": dune, "target": "cast"}], "region": "JPN"},
        headers=auth("viewer", "v"),
    )

    assert other.status_code == 403
    assert "own titles" in other.json()["detail"]
    assert other.headers["content-type"] == "application/problem+json"
    assert under_other.status_code == 404
    assert backwards.status_code == 422
    assert "not before its first" in backwards.text
    assert both.status_code == 422
    assert "not both" in both.text
    assert odd.status_code == 422
    assert sort.status_code == 422
    assert region.status_code == 422
    assert foreign.status_code == 422
    assert "another list" in foreign.text
