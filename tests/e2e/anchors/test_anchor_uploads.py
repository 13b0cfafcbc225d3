"""Anchors through HTTP: reference clips, uploads matched at once, review, and old videos."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from application.auth import Principal, Role
from domain.media import MediaFingerprints
from entrypoints.bootstrap import Spotlight
from tests.media import corpus

Auth = Callable[[str, str], dict[str, str]]
PROBLEM = "application/problem+json"
TRAILER = corpus.reference_clip(31, seconds=12)
OTHER_FILM = corpus.reference_clip(32, seconds=12)


def register(client: TestClient, auth: Auth, name: str = "Dune: Part Two") -> str:
    response = client.post(
        "/v1/titles", json={"name": name, "kind": "movie"}, headers=auth("studio", "legendary")
    )
    assert response.status_code == 201, response.text
    title_id: str = response.json()["id"]
    return title_id


def add_reference(
    client: TestClient, auth: Auth, title_id: str, media: bytes, **fields: str
) -> Any:
    return client.post(
        f"/v1/titles/{title_id}/references",
        data={"label": "Official trailer", **fields},
        files={"media": ("trailer.mp4", media, "video/mp4")},
        headers=auth("studio", "legendary"),
    )


def upload(
    client: TestClient, auth: Auth, media: bytes, *, hashtags: str = "", name: str = "clip.mp4"
) -> Any:
    return client.post(
        "/v1/videos",
        data={"caption": "my edit", "hashtags": hashtags, "category": "film-and-tv"},
        files={"media": (name, media, "application/octet-stream")},
        headers=auth("creator", "fan-1"),
    )


def events_recorded(core: Spotlight) -> int:
    return core._catalogue.recorder.max_notification_id() or 0


def test_a_mirrored_copy_of_the_trailer_is_anchored_with_its_evidence(
    client: TestClient, auth: Auth
) -> None:
    title_id = register(client, auth)
    reference = add_reference(client, auth, title_id, TRAILER)
    assert reference.status_code == 201, reference.text

    response = upload(client, auth, corpus.mirrored(TRAILER))

    assert response.status_code == 201, response.text
    video = response.json()
    assert video["anchor"]["title_id"] == title_id
    assert video["anchor"]["attached_by"] == "policy:auto"
    signals = {evidence["signal"] for evidence in video["anchor"]["evidence"]}
    assert {"audio", "visual"} <= signals
    visual = next(e for e in video["anchor"]["evidence"] if e["signal"] == "visual")
    assert visual["reference_id"] == reference.json()["reference_id"]
    assert visual["details"]["view"] == "mirrored"
    assert video["duration_seconds"] > 10


def test_a_hashtag_alone_goes_to_review_and_a_reviewer_decides(
    client: TestClient, auth: Auth
) -> None:
    title_id = register(client, auth)
    client.put(
        f"/v1/titles/{title_id}/match-words",
        json={"hashtags": ["DunePartTwo"], "keywords": ["Arrakis"]},
        headers=auth("studio", "legendary"),
    )
    video = upload(client, auth, OTHER_FILM, hashtags="#dune_part_two, #fyp").json()
    assert video["anchor"] is None
    assert [p["title_id"] for p in video["proposals"]] == [title_id]

    queue = client.get("/v1/review/anchors", headers=auth("reviewer", "rita"))
    decided = client.post(
        f"/v1/review/anchors/{video['id']}/{title_id}",
        json={"decision": "attach", "reason": "fan edit of the film"},
        headers=auth("reviewer", "rita"),
    )

    assert queue.status_code == 200
    assert [(i["video_id"], i["title_id"]) for i in queue.json()["items"]] == [
        (video["id"], title_id)
    ]
    assert decided.status_code == 200, decided.text
    assert decided.json()["anchor"]["attached_by"] == "reviewer:rita"
    assert client.get("/v1/review/anchors", headers=auth("reviewer", "rita")).json()["items"] == []


def test_a_video_published_before_its_title_is_anchored_when_the_title_arrives(
    client: TestClient, auth: Auth
) -> None:
    early = upload(client, auth, corpus.scaled(TRAILER)).json()
    assert early["anchor"] is None
    title_id = register(client, auth)
    add_reference(client, auth, title_id, TRAILER)

    report = client.post("/v1/sweeps/run", headers=auth("admin", "ops"))
    again = client.post("/v1/sweeps/run", headers=auth("admin", "ops"))

    assert report.status_code == 200, report.text
    assert report.json()["videos_changed"] == 1
    assert again.json()["videos_considered"] == 0
    assert client.get(f"/v1/videos/{early['id']}").json()["anchor"]["title_id"] == title_id


def test_bad_uploads_are_refused_with_a_reason_and_record_nothing(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    title_id = register(client, auth)
    before = events_recorded(core)

    empty = upload(client, auth, b"")
    not_media = upload(client, auth, corpus.not_media())
    image = upload(client, auth, corpus.png_image(), name="poster.png")
    truncated = upload(client, auth, corpus.truncated(TRAILER))
    zero = upload(client, auth, corpus.zero_length_clip())
    reference_without_file = client.post(
        f"/v1/titles/{title_id}/references",
        files={"label": (None, "only a label")},
        headers=auth("studio", "legendary"),
    )
    reference_as_form = client.post(
        f"/v1/titles/{title_id}/references",
        data={"label": "x"},
        headers=auth("studio", "legendary"),
    )
    bad_exclusions = add_reference(client, auth, title_id, TRAILER, excluded="[{'start': 1}]")

    for refused in (empty, not_media, image, truncated, zero):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["type"] == "urn:spotlight:problem:unreadable-media"
    assert reference_without_file.status_code == 422
    assert "media" in reference_without_file.json()["detail"]
    assert reference_as_form.status_code == 415
    assert bad_exclusions.status_code == 422
    assert events_recorded(core) == before


def test_an_audio_only_upload_is_matched_by_its_sound(client: TestClient, auth: Auth) -> None:
    title_id = register(client, auth)
    add_reference(client, auth, title_id, TRAILER)

    video = upload(client, auth, corpus.audio_only_mp3(TRAILER), name="sound.mp3").json()

    assert video["anchor"]["title_id"] == title_id
    assert [e["signal"] for e in video["anchor"]["evidence"]] == ["audio"]


def test_only_the_owning_studio_adds_references(client: TestClient, auth: Auth) -> None:
    title_id = register(client, auth)

    rival = client.post(
        f"/v1/titles/{title_id}/references",
        files={"media": ("t.mp4", TRAILER, "video/mp4")},
        headers=auth("studio", "rival"),
    )
    creator = client.post(
        f"/v1/titles/{title_id}/references",
        files={"media": ("t.mp4", TRAILER, "video/mp4")},
        headers=auth("creator", "fan-1"),
    )

    assert rival.status_code == 403
    assert creator.status_code == 403


def test_an_oversized_upload_is_refused_before_it_is_read(
    small_upload_client: tuple[TestClient, Spotlight],
) -> None:
    client, core = small_upload_client
    token = core.tokens.issue(Principal(Role.CREATOR, "fan-1"), lifetime=timedelta(hours=1))

    response = client.post(
        "/v1/videos",
        data={"caption": "big", "category": "gaming"},
        files={"media": ("big.mp4", TRAILER, "video/mp4")},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 413, response.text
    assert response.json()["type"] == "urn:spotlight:problem:payload-too-large"
    assert events_recorded(core) == 0


def test_a_video_without_sound_is_accepted_and_matched_by_pictures_alone(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    silent = corpus.silent_video_without_audio(6)

    response = upload(client, auth, silent)

    assert response.status_code == 201, response.text
    video = response.json()
    assert 5 < video["duration_seconds"] < 7
    fingerprints: dict[str, bytes] = core._catalogue.repository.get(
        MediaFingerprints.id_for(f"video:{video['id']}")
    ).fingerprints
    # Pictures only: the anchors' visual fingerprint (and the shop's product descriptors).
    assert set(fingerprints) - {"products"} == {"visual"}


def test_a_creator_disputes_an_anchor_and_a_reviewer_settles_it(
    client: TestClient, auth: Auth
) -> None:
    title_id = register(client, auth)
    add_reference(client, auth, title_id, TRAILER)
    video = upload(client, auth, corpus.scaled(TRAILER)).json()
    assert video["anchor"]["title_id"] == title_id

    by_stranger = client.post(
        f"/v1/videos/{video['id']}/anchor/dispute",
        json={"reason": "not yours"},
        headers=auth("creator", "someone-else"),
    )
    disputed = client.post(
        f"/v1/videos/{video['id']}/anchor/dispute",
        json={"reason": "I filmed this myself"},
        headers=auth("creator", "fan-1"),
    )
    queue = client.get("/v1/review/anchors", headers=auth("reviewer", "rita")).json()["items"]
    dismissed = client.post(
        f"/v1/review/disputes/{video['id']}",
        json={"decision": "dismiss", "reason": "the trailer's own footage"},
        headers=auth("reviewer", "rita"),
    )
    again = client.post(
        f"/v1/videos/{video['id']}/anchor/dispute",
        json={"reason": "please look again"},
        headers=auth("creator", "fan-1"),
    )

    assert by_stranger.status_code == 403
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["dispute"]["reason"] == "I filmed this myself"
    assert [(i["kind"], i["video_id"], i["reason"]) for i in queue] == [
        ("dispute", video["id"], "I filmed this myself")
    ]
    assert queue[0]["evidence"], "the reviewer sees what the anchor rested on"
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["anchor"]["title_id"] == title_id
    assert dismissed.json()["dispute"] is None
    assert again.status_code == 409
    assert client.get("/v1/review/anchors", headers=auth("reviewer", "rita")).json()["items"] == []


def test_an_upheld_dispute_revokes_the_anchor_for_good(client: TestClient, auth: Auth) -> None:
    title_id = register(client, auth)
    add_reference(client, auth, title_id, TRAILER)
    video = upload(client, auth, corpus.scaled(TRAILER)).json()
    client.post(
        f"/v1/videos/{video['id']}/anchor/dispute",
        json={"reason": "a parody"},
        headers=auth("creator", "fan-1"),
    )

    upheld = client.post(
        f"/v1/review/disputes/{video['id']}",
        json={"decision": "uphold", "reason": "parody, fair use"},
        headers=auth("reviewer", "rita"),
    )
    no_dispute = client.post(
        f"/v1/review/disputes/{video['id']}",
        json={"decision": "uphold", "reason": "again"},
        headers=auth("reviewer", "rita"),
    )

    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["anchor"] is None
    assert no_dispute.status_code == 409
    assert no_dispute.json()["rule"] == "NoDispute"


def test_the_review_queue_is_read_page_by_page_from_each_pages_cursor(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    title_id = register(client, auth)
    client.put(
        f"/v1/titles/{title_id}/match-words",
        json={"hashtags": ["Arrakis"], "keywords": []},
        headers=auth("studio", "legendary"),
    )
    for n in range(5):
        core.anchoring.publish_video(
            Principal(Role.CREATOR, "fan-1"),
            caption=f"desert clip {n}",
            hashtags=["#Arrakis"],
            category="film-and-tv",
        )
    reviewer = auth("reviewer", "rita")
    whole = client.get("/v1/review/anchors", headers=reviewer).json()

    pages: list[Any] = []
    cursor: str | None = None
    while not pages or cursor is not None:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/review/anchors", params=params, headers=reviewer)
        assert page.status_code == 200, page.text
        pages.append(page.json()["items"])
        cursor = page.json()["next_cursor"]

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item for page in pages for item in page] == whole["items"]
    assert whole["next_cursor"] is None
    for forged in ("0", "2", "abc", "1.2.3.4.p", "x" * 200, pages[0][-1]["video_id"] + ".AA"):
        refused = client.get("/v1/review/anchors", params={"cursor": forged}, headers=reviewer)
        assert refused.status_code == 422, forged
        assert refused.headers["content-type"] == PROBLEM
