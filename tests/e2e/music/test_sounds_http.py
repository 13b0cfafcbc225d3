""" "Use this sound" through HTTP: a creator publishes a video with the track it uses, or
declares it afterwards; the audio of the upload is checked for it, a track not heard is
flagged; a track's public list tells declared uses from detected ones, a page at a time."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.music.test_music_http import (
    Auth,
    assert_problem,
    decide,
    music_events,
    register_artist,
    submit,
)
from tests.media import corpus

SONG = corpus.reference_clip(211, seconds=12)
OTHER = corpus.reference_clip(212, seconds=12)


def cleared_track(client: TestClient, auth: Auth, title: str, media: bytes) -> str:
    response = submit(client, auth, "aiko", title, corpus.audio_only_wav(media))
    assert response.status_code == 201, response.text
    track_id: str = response.json()["id"]
    assert decide(client, auth, track_id, decision="clear", reason="original").status_code == 200
    return track_id


def publish(
    client: TestClient, auth: Auth, media: bytes, creator: str = "mia", **fields: str
) -> Any:
    return client.post(
        "/v1/videos",
        data={"caption": "my edit", "category": "music", **fields},
        files={"media": ("clip.mp4", media, "video/mp4")},
        headers=auth("creator", creator),
    )


def test_a_video_published_with_its_sound_is_checked_and_listed_on_the_track(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    register_artist(client, auth, "aiko")
    song = cleared_track(client, auth, "Paper Lanterns", SONG)
    other = cleared_track(client, auth, "Harbour Lights", OTHER)

    honest = publish(client, auth, corpus.voice_over_mixed(SONG), sound=song)
    assert honest.status_code == 201, honest.text
    honest_id = honest.json()["id"]
    wrong = publish(client, auth, corpus.noise_mixed(OTHER), sound=song)
    assert wrong.status_code == 201, wrong.text
    wrong_id = wrong.json()["id"]

    declared = client.get(f"/v1/videos/{honest_id}/sound")
    assert declared.status_code == 200, declared.text
    assert declared.json()["check"] == "verified"
    assert declared.json()["hearing"]["matched_seconds"] >= 4
    flagged = client.get(f"/v1/videos/{wrong_id}/sound").json()
    assert (flagged["track_id"], flagged["check"]) == (song, "flagged")

    # The creator corrects the declaration afterwards: the audio agrees this time.
    corrected = client.put(
        f"/v1/videos/{wrong_id}/sound", json={"track_id": other}, headers=auth("creator", "mia")
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["check"] == "verified"

    listed = client.get(f"/v1/tracks/{song}/videos")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["counts"] == {"declared": 1, "detected": 0, "verified": 1, "flagged": 0}
    assert [(item["video_id"], item["declared"], item["detected"]) for item in body["items"]] == [
        (honest_id, True, False)
    ]
    assert body["next_cursor"] is None

    scan = client.post("/v1/music/usage/scan", headers=auth("admin", "ops"))
    assert scan.status_code == 200, scan.text
    detected = client.get(f"/v1/tracks/{song}/videos").json()
    assert detected["counts"] == {"declared": 1, "detected": 1, "verified": 1, "flagged": 0}
    assert detected["items"][0]["detected"] is True


def test_a_tracks_videos_page_with_limit_and_cursor(client: TestClient, auth: Auth) -> None:
    register_artist(client, auth, "aiko")
    song = cleared_track(client, auth, "Paper Lanterns", SONG)
    ids = [
        publish(client, auth, corpus.voice_over_mixed(SONG), sound=song).json()["id"]
        for _ in range(3)
    ]
    first = client.get(f"/v1/tracks/{song}/videos?limit=2").json()
    second = client.get(f"/v1/tracks/{song}/videos?limit=2&cursor={first['next_cursor']}").json()
    assert [item["video_id"] for item in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
    assert first["counts"]["declared"] == 3
    assert_problem(client.get(f"/v1/tracks/{song}/videos?cursor=abc.def"), 422, "invalid-value")
    assert_problem(client.get(f"/v1/tracks/{uuid4()}/videos"), 404, "not-found")


def test_bad_declarations_are_refused_with_a_reason_and_record_nothing(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    register_artist(client, auth, "aiko")
    song = cleared_track(client, auth, "Paper Lanterns", SONG)
    pending = submit(client, auth, "aiko", "Unheard", corpus.audio_only_wav(OTHER)).json()["id"]
    video = publish(client, auth, SONG).json()["id"]
    catalogue_before = core._catalogue.recorder.max_notification_id()
    before = music_events(core)

    assert_problem(publish(client, auth, SONG, sound=str(uuid4())), 404, "not-found")
    assert_problem(
        publish(client, auth, SONG, sound=pending), 409, "rule-violated", "TrackNotUsable"
    )
    assert core._catalogue.recorder.max_notification_id() == catalogue_before

    def declare(track_id: str, role: str = "creator", who: str = "mia") -> Any:
        return client.put(
            f"/v1/videos/{video}/sound", json={"track_id": track_id}, headers=auth(role, who)
        )

    assert_problem(declare(song, "creator", "noor"), 403, "forbidden")
    assert_problem(declare(song, "artist", "aiko"), 403, "forbidden")
    assert_problem(declare(pending), 409, "rule-violated", "TrackNotUsable")
    assert_problem(declare(str(uuid4())), 404, "not-found")
    assert client.put(f"/v1/videos/{video}/sound", json={"track_id": song}).status_code == 401
    assert music_events(core) == before
    assert_problem(client.get(f"/v1/videos/{video}/sound"), 404, "not-found")

    assert declare(song).status_code == 200
    assert_problem(declare(song), 409, "rule-violated", "SoundUnchanged")
