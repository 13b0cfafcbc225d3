"""A reviewer watches the fan video, and the reference clip it was matched with, on the
review page before deciding on its anchor."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from tests.e2e.anchors.test_anchor_uploads import TRAILER, add_reference, register, upload
from tests.e2e.web.test_web_pages_http import reviewer
from tests.media import corpus

Auth = Callable[[str, str], dict[str, str]]
CLIP = corpus.reference_clip(75, seconds=5, size=(320, 180))


@pytest.fixture
def browser_like(core: Spotlight) -> Callable[[], TestClient]:
    app = create_app(core)
    return lambda: TestClient(app, base_url="https://testserver")


def test_the_review_page_plays_the_fan_video_with_the_reviewers_session(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    studio = auth("studio", "legendary")
    title_id = client.post(
        "/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=studio
    ).json()["id"]
    assert client.put(
        f"/v1/titles/{title_id}/match-words",
        json={"hashtags": ["Arrakis"], "keywords": []},
        headers=studio,
    ).is_success
    published = client.post(
        "/v1/videos",
        data={"caption": "worm ride", "hashtags": "#Arrakis", "category": "film-and-tv"},
        files={"media": ("clip.mp4", CLIP, "video/mp4")},
        headers=auth("creator", "fan-1"),
    )
    assert published.status_code == 201, published.text
    video_id = published.json()["id"]
    web = reviewer(browser_like(), auth)

    page = web.get("/reviewer/anchors")
    source = re.search(r'<video controls preload="metadata" src="([^"]+)"', page.text)
    assert source is not None, page.text
    played = web.get(source.group(1), headers={"Range": "bytes=0-1023"})
    stranger = browser_like().get(source.group(1))

    assert source.group(1) == f"/v1/videos/{video_id}/media"
    assert "media-src 'self'" in page.headers["content-security-policy"]
    assert (played.status_code, played.content) == (206, CLIP[:1024])
    assert stranger.status_code == 401


def test_the_review_page_plays_the_matched_reference_clip_beside_the_fan_video(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id = register(client, auth)
    reference = add_reference(client, auth, title_id, TRAILER)
    assert reference.status_code == 201, reference.text
    reference_id = reference.json()["reference_id"]
    video = upload(client, auth, corpus.scaled(TRAILER)).json()
    assert video["anchor"]["title_id"] == title_id
    disputed = client.post(
        f"/v1/videos/{video['id']}/anchor/dispute",
        json={"reason": "I filmed this myself"},
        headers=auth("creator", "fan-1"),
    )
    assert disputed.status_code == 200, disputed.text
    web = reviewer(browser_like(), auth)

    page = web.get("/reviewer/anchors")
    sources = re.findall(r'<video controls preload="metadata" src="([^"]+)"', page.text)
    played = web.get(sources[-1], headers={"Range": "bytes=0-1023"})

    assert sources == [
        f"/v1/videos/{video['id']}/media",
        f"/v1/titles/{title_id}/references/{reference_id}/media",
    ]
    assert page.text.count(f"Reference clip {reference_id}</figcaption>") == 1  # once
    assert (played.status_code, played.content) == (206, TRAILER[:1024])
