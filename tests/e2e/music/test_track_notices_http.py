"""An artist is told in their inbox when a reviewer clears or rejects one of their tracks: a
typed notice naming the track, with the reviewer's reason; other artists hear nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from tests.e2e.music.test_music_http import (
    OTHER_WAV,
    SONG_WAV,
    Auth,
    decide,
    register_artist,
    submit,
)


def test_a_review_decision_is_a_typed_notice_in_the_artists_inbox_alone(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    register_artist(client, auth, "aiko")
    register_artist(client, auth, "bo")
    song = submit(client, auth, "aiko", "Song", SONG_WAV).json()["id"]
    other = submit(client, auth, "aiko", "Other", OTHER_WAV).json()["id"]

    assert decide(client, auth, song, decision="clear", reason="original").status_code == 200
    assert decide(client, auth, other, decision="reject", reason="no rights").status_code == 200

    inbox = client.get("/v1/me/inbox", headers=auth("artist", "aiko")).json()
    assert [(n["kind"], n["about"], n["reason"]) for n in inbox["items"]] == [
        ("track_cleared", {"track": song}, "original"),
        ("track_rejected", {"track": other}, "no rights"),
    ]
    assert inbox["recipient"] == "artist:aiko"
    assert client.get("/v1/me/inbox", headers=auth("artist", "bo")).json()["items"] == []
    assert client.get("/v1/me/inbox", headers=auth("reviewer", "rita")).json()["items"] == []
