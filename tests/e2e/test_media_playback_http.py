"""People watch and listen to what was uploaded: the media store over HTTP, with byte ranges,
the content address as the tag, access by the rules of the object, and erasure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from domain.anchors.videos import Video
from entrypoints.bootstrap import Spotlight
from tests.media import corpus

Auth = Callable[[str, str], dict[str, str]]
CLIP = corpus.reference_clip(71, seconds=6)
SONG = corpus.audio_only_wav(corpus.reference_clip(72, seconds=8))


def publish(client: TestClient, auth: Auth, creator: str, media: bytes = CLIP) -> str:
    response = client.post(
        "/v1/videos",
        data={"caption": "my edit", "hashtags": "#fyp", "category": "film-and-tv"},
        files={"media": ("clip.mp4", media, "video/mp4")},
        headers=auth("creator", creator),
    )
    assert response.status_code == 201, response.text
    video_id: str = response.json()["id"]
    return video_id


def blobs(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "media" / "blobs").rglob("*") if p.is_file())


def moderate(client: TestClient, auth: Auth, video: str, state: str) -> None:
    decided = client.post(
        f"/v1/videos/{video}/moderation",
        json={"state": state, "reason": "reviewed", "policy": "guidelines/7.1"},
        headers=auth("reviewer", "rita"),
    )
    assert decided.status_code in (200, 201), decided.text


def test_a_fan_video_plays_back_whole_and_by_ranges_tagged_by_its_content_address(
    client: TestClient, auth: Auth, tmp_path: Path
) -> None:
    video = publish(client, auth, "ana")
    viewer = auth("viewer", "vic")
    address = hashlib.sha256(CLIP).hexdigest()

    whole = client.get(f"/v1/videos/{video}/media", headers=viewer)
    first = client.get(f"/v1/videos/{video}/media", headers={**viewer, "Range": "bytes=0-99"})
    tail = client.get(f"/v1/videos/{video}/media", headers={**viewer, "Range": "bytes=-10"})
    open_ended = client.get(
        f"/v1/videos/{video}/media", headers={**viewer, "Range": f"bytes={len(CLIP) - 5}-"}
    )
    beyond = client.get(
        f"/v1/videos/{video}/media", headers={**viewer, "Range": f"bytes={len(CLIP)}-"}
    )
    cached = client.get(
        f"/v1/videos/{video}/media", headers={**viewer, "If-None-Match": f'"{address}"'}
    )
    stale_range = client.get(
        f"/v1/videos/{video}/media",
        headers={**viewer, "Range": "bytes=0-9", "If-Range": '"another"'},
    )

    assert whole.status_code == 200
    assert whole.content == CLIP
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["etag"] == f'"{address}"'
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert whole.headers["content-security-policy"].startswith("sandbox")
    assert (first.status_code, first.content) == (206, CLIP[:100])
    assert first.headers["content-range"] == f"bytes 0-99/{len(CLIP)}"
    assert (tail.status_code, tail.content) == (206, CLIP[-10:])
    assert open_ended.content == CLIP[-5:]
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(CLIP)}"
    assert beyond.headers["content-type"] == "application/problem+json"
    assert cached.status_code == 304
    assert (stale_range.status_code, stale_range.content) == (200, CLIP)
    # Kept whole under the data directory, named by its address, once.
    assert [p.name for p in blobs(tmp_path)] == [address]


def test_the_same_upload_twice_is_one_blob_and_a_declared_page_type_is_not_kept(
    client: TestClient, auth: Auth, tmp_path: Path
) -> None:
    first = publish(client, auth, "ana")
    second = client.post(
        "/v1/videos",
        data={"caption": "again", "hashtags": "", "category": "film-and-tv"},
        files={"media": ("clip.html", CLIP, "text/html")},
        headers=auth("creator", "bob"),
    )
    assert second.status_code == 201, second.text

    played = client.get(f"/v1/videos/{second.json()['id']}/media", headers=auth("viewer", "v"))

    assert len(blobs(tmp_path)) == 1
    assert played.headers["content-type"] == "application/octet-stream"
    assert client.get(f"/v1/videos/{first}/media", headers=auth("viewer", "v")).status_code == 200


def test_a_removed_video_plays_only_for_its_creator_and_staff_and_others_learn_nothing(
    client: TestClient, auth: Auth
) -> None:
    video = publish(client, auth, "ana")
    moderate(client, auth, video, "removed")

    stranger = client.get(f"/v1/videos/{video}/media", headers=auth("viewer", "vic"))
    unknown = client.get(
        "/v1/videos/00000000-0000-4000-8000-000000000000/media", headers=auth("viewer", "vic")
    )
    creator = client.get(f"/v1/videos/{video}/media", headers=auth("creator", "ana"))
    reviewer = client.get(f"/v1/videos/{video}/media", headers=auth("reviewer", "rita"))
    anonymous = client.get(f"/v1/videos/{video}/media")

    assert stranger.status_code == 404
    assert stranger.json()["detail"].startswith("no stored media")
    assert unknown.status_code == 404
    assert unknown.json()["detail"].startswith("no stored media")
    assert (creator.status_code, reviewer.status_code) == (200, 200)
    assert anonymous.status_code == 401


def test_an_age_restricted_video_is_not_played_to_a_minor(client: TestClient, auth: Auth) -> None:
    video = publish(client, auth, "ana")
    moderate(client, auth, video, "age-restricted")
    teen = auth("creator", "kim")
    assert client.post("/v1/creators", json={"region": "US"}, headers=teen).status_code == 201
    assert client.put("/v1/creators/kim/age-band", json={"band": "13-15"}, headers=teen).is_success

    assert client.get(f"/v1/videos/{video}/media", headers=teen).status_code == 404
    assert client.get(f"/v1/videos/{video}/media", headers=auth("viewer", "vic")).status_code == 200


def register_artist(client: TestClient, auth: Auth, account: str) -> None:
    response = client.post(
        "/v1/artists",
        json={"name": account.title(), "region": "JP"},
        headers=auth("artist", account),
    )
    assert response.status_code == 201, response.text


def test_a_track_under_review_plays_for_its_artist_and_reviewers_and_for_everyone_once_cleared(
    client: TestClient, auth: Auth
) -> None:
    register_artist(client, auth, "aiko")
    submitted = client.post(
        "/v1/artists/aiko/tracks",
        data={"title": "Blue Hour"},
        files={"media": ("song.wav", SONG, "audio/wav")},
        headers=auth("artist", "aiko"),
    )
    assert submitted.status_code == 201, submitted.text
    track = submitted.json()["id"]
    path = f"/v1/tracks/{track}/media"

    before = {
        who: client.get(path, headers=auth(role, who)).status_code
        for role, who in (
            ("artist", "aiko"),
            ("reviewer", "rita"),
            ("judge", "ren"),
            ("artist", "yui"),
        )
    }
    cleared = client.post(
        f"/v1/review/tracks/{track}",
        json={"decision": "clear", "reason": "original"},
        headers=auth("reviewer", "rita"),
    )
    after = client.get(path, headers={**auth("judge", "ren"), "Range": "bytes=0-43"})

    assert before == {"aiko": 200, "rita": 200, "ren": 404, "yui": 404}
    assert cleared.status_code == 200, cleared.text
    assert (after.status_code, after.content) == (206, SONG[:44])
    assert after.headers["content-type"] == "audio/wav"


def test_a_reference_clip_plays_for_its_studio_and_reviewers_only(
    client: TestClient, auth: Auth
) -> None:
    title = client.post(
        "/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=auth("studio", "legendary")
    ).json()["id"]
    added = client.post(
        f"/v1/titles/{title}/references",
        data={"label": "Trailer"},
        files={"media": ("trailer.mp4", CLIP, "video/mp4")},
        headers=auth("studio", "legendary"),
    )
    assert added.status_code == 201, added.text
    path = f"/v1/titles/{title}/references/{added.json()['reference_id']}/media"

    statuses = {
        who: client.get(path, headers=auth(role, who)).status_code
        for role, who in (
            ("studio", "legendary"),
            ("reviewer", "rita"),
            ("studio", "warner"),
            ("creator", "ana"),
        )
    }

    assert statuses == {"legendary": 200, "rita": 200, "warner": 403, "ana": 403}


def erase(client: TestClient, auth: Auth, creator: str) -> Any:
    me = auth("creator", creator)
    body = {"name": "Ana Lima", "contact": "ana@example.org", "date_of_birth": "1995-02-03"}
    assert client.put(
        f"/v1/people/creator/{creator}/personal-data", json=body, headers=me
    ).is_success
    return client.delete(f"/v1/people/creator/{creator}/personal-data", headers=me)


def test_erasing_a_person_deletes_their_media_but_not_a_blob_someone_else_holds(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    own = corpus.reference_clip(73, seconds=5)
    only_ana = publish(client, auth, "ana", own)
    shared_by_ana = publish(client, auth, "ana", CLIP)
    shared_by_bob = publish(client, auth, "bob", CLIP)
    assert len(blobs(tmp_path)) == 2

    erased = erase(client, auth, "ana")
    again = client.delete("/v1/people/creator/ana/personal-data", headers=auth("admin", "dpo"))
    viewer = auth("viewer", "vic")

    assert erased.status_code == 200, erased.text
    assert again.status_code == 200
    assert [p.name for p in blobs(tmp_path)] == [hashlib.sha256(CLIP).hexdigest()]
    assert client.get(f"/v1/videos/{only_ana}/media", headers=viewer).status_code == 404
    assert client.get(f"/v1/videos/{shared_by_ana}/media", headers=viewer).status_code == 200
    assert client.get(f"/v1/videos/{shared_by_bob}/media", headers=viewer).status_code == 200
    # The log still says the media was stored; the address alone plays nothing back.
    stored = core._catalogue.load(Video, UUID(only_ana)).stored_media
    assert stored is not None
    assert stored.address == hashlib.sha256(own).hexdigest()
