"""Music discovery through HTTP: artists, real recordings checked for originality, review,
the featured playlist, and a season's competition from entries to the winners' prizes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from domain.errors import InvalidValue
from domain.music.ballots import Ballot
from domain.music.rounds import CompetitionRound
from entrypoints.bootstrap import Spotlight
from tests.media import corpus

Auth = Callable[[str, str], dict[str, str]]
PROBLEM = "application/problem+json"

SONG = corpus.reference_clip(201, seconds=12)  # a clip whose soundtrack is a unique melody
SONG_WAV = corpus.audio_only_wav(SONG)
COVER_WAV = corpus.audio_only_wav(corpus.noise_mixed(SONG))  # the same melody under noise
OTHER_WAV = corpus.audio_only_wav(corpus.reference_clip(202, seconds=12))

SEASON: dict[str, Any] = {
    "name": "Tokyo Sounds 2025",
    "region": "JP",
    "partners": ["Aozora Records", "Kumo Publishing"],
    "judges": [
        {"judge_id": "ren", "partner": "Aozora Records"},
        {"judge_id": "hana", "partner": "Kumo Publishing"},
    ],
    "rounds": [
        {
            "name": "Open round",
            "cut_size": 2,
            "opens_at": "2025-04-01T00:00:00Z",
            "closes_at": "2025-04-15T00:00:00Z",
        },
        {
            "name": "Final",
            "cut_size": 1,
            "opens_at": "2025-04-16T00:00:00Z",
            "closes_at": "2025-04-30T00:00:00Z",
        },
    ],
    "prizes": [{"rank": 1, "description": "A studio session"}],
    "weighting": {"popularity_percent": 40, "points_per_use": 5},
}


def music_events(core: Spotlight) -> int:
    return core._music.recorder.max_notification_id() or 0


def register_artist(
    client: TestClient, auth: Auth, account: str, region: str = "JP", **fields: Any
) -> dict[str, Any]:
    response = client.post(
        "/v1/artists",
        json={"name": account.title(), "region": region, **fields},
        headers=auth("artist", account),
    )
    assert response.status_code == 201, response.text
    artist: dict[str, Any] = response.json()
    return artist


def submit(
    client: TestClient,
    auth: Auth,
    account: str,
    title: str,
    media: bytes,
    *,
    acting_as: str | None = None,
    name: str = "song.wav",
    genre: str | None = None,
) -> Any:
    return client.post(
        f"/v1/artists/{account}/tracks",
        data={"title": title} if genre is None else {"title": title, "genre": genre},
        files={"media": (name, media, "application/octet-stream")},
        headers=auth("artist", acting_as or account),
    )


def decide(client: TestClient, auth: Auth, track_id: str, **body: Any) -> Any:
    return client.post(f"/v1/review/tracks/{track_id}", json=body, headers=auth("reviewer", "rita"))


def vote(
    client: TestClient, auth: Auth, round_id: str, track_id: str, voter: str, key: str | None = None
) -> Any:
    headers = auth("viewer", voter)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/v1/rounds/{round_id}/ballots", json={"track_id": track_id}, headers=headers
    )


def score(
    client: TestClient, auth: Auth, round_id: str, track_id: str, value: Any, judge: str
) -> Any:
    return client.post(
        f"/v1/rounds/{round_id}/scores",
        json={"track_id": track_id, "score": value},
        headers=auth("judge", judge),
    )


def assert_problem(response: Any, status: int, slug: str, rule: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"urn:spotlight:problem:{slug}"
    if rule is not None:
        assert response.json()["rule"] == rule


def ballots_recorded(core: Spotlight) -> int:
    notifications = core._music.recorder.select_notifications(
        start=0, limit=10_000, topics=(Ballot.Cast.TOPIC,), inclusive_of_start=False
    )
    return len(notifications)


# Artists ------------------------------------------------------------------------------


def test_an_artist_registers_edits_its_profile_and_an_admin_gives_and_withdraws_the_badge(
    client: TestClient, auth: Auth
) -> None:
    created = client.post(
        "/v1/artists",
        json={
            "name": "Aiko",
            "region": "jp",
            "affiliations": ["Aozora Records", " aozora  records "],
            "bio": "City pop from Osaka",
        },
        headers=auth("artist", "aiko"),
    )
    again = client.post(
        "/v1/artists", json={"name": "Aiko", "region": "JP"}, headers=auth("artist", "aiko")
    )
    by_viewer = client.post(
        "/v1/artists", json={"name": "V", "region": "JP"}, headers=auth("viewer", "v")
    )
    admin_unnamed = client.post(
        "/v1/artists", json={"name": "N", "region": "JP"}, headers=auth("admin", "ops")
    )
    admin_named = client.post(
        "/v1/artists",
        json={"name": "Newcomer", "region": "KR", "account": "newcomer"},
        headers=auth("admin", "ops"),
    )
    unknown_field = client.post(
        "/v1/artists",
        json={"name": "X", "region": "JP", "verified": True},
        headers=auth("artist", "x"),
    )
    bad_region = client.post(
        "/v1/artists", json={"name": "Y", "region": "Japan"}, headers=auth("artist", "y")
    )

    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == "/v1/artists/aiko"
    assert created.json()["region"] == "JP"
    assert created.json()["verified"] is False
    assert_problem(again, 409, "artist-exists")
    assert_problem(by_viewer, 403, "forbidden")
    assert_problem(admin_unnamed, 422, "invalid-value")  # allowed, but names nobody
    assert admin_named.status_code == 201, admin_named.text
    assert admin_named.json()["account"] == "newcomer"
    assert_problem(unknown_field, 422, "validation-error")
    assert_problem(bad_region, 422, "invalid-value")
    assert_problem(client.get("/v1/artists/nobody"), 404, "not-found")

    profile = {
        "name": "Aiko Tanaka",
        "region": "JP",
        "affiliations": ["Kumo Publishing"],
        "bio": "City pop",
    }
    updated = client.put(
        "/v1/artists/aiko", json=profile, headers={**auth("artist", "aiko"), "If-Match": '"1"'}
    )
    stale = client.put(
        "/v1/artists/aiko", json=profile, headers={**auth("artist", "aiko"), "If-Match": '"1"'}
    )
    by_other = client.put("/v1/artists/aiko", json=profile, headers=auth("artist", "kenji"))
    malformed = client.put(
        "/v1/artists/aiko", json=profile, headers={**auth("artist", "aiko"), "If-Match": "soon"}
    )

    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["affiliations"] == ["Kumo Publishing"]
    assert_problem(stale, 412, "stale-version")
    assert stale.json()["current_version"] == 2
    assert_problem(by_other, 403, "forbidden")
    assert_problem(malformed, 400, "bad-if-match")

    by_artist = client.post("/v1/artists/aiko/verification", headers=auth("artist", "aiko"))
    verified = client.post("/v1/artists/aiko/verification", headers=auth("admin", "ops"))
    twice = client.post("/v1/artists/aiko/verification", headers=auth("admin", "ops"))
    no_reason = client.request(
        "DELETE", "/v1/artists/aiko/verification", json={}, headers=auth("admin", "ops")
    )
    withdrawn = client.request(
        "DELETE",
        "/v1/artists/aiko/verification",
        json={"reason": "Impersonation report upheld"},
        headers=auth("admin", "ops"),
    )

    assert_problem(by_artist, 403, "forbidden")
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    assert_problem(twice, 409, "rule-violated", rule="AlreadyVerified")
    assert_problem(no_reason, 422, "validation-error")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["verified"] is False
    assert client.get("/v1/artists/aiko").json()["version"] == 4


# Bad uploads --------------------------------------------------------------------------


def test_bad_uploads_are_refused_with_a_reason_and_record_nothing(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    register_artist(client, auth, "aiko")
    before = music_events(core)

    not_media = submit(client, auth, "aiko", "Notes", corpus.not_media(), name="notes.txt")
    corrupt = submit(client, auth, "aiko", "Broken", corpus.corrupt(SONG_WAV))
    no_sound = submit(
        client, auth, "aiko", "Mime", corpus.silent_video_without_audio(), name="mime.mp4"
    )
    empty = submit(client, auth, "aiko", "Nothing", b"")
    for refused in (not_media, corrupt, no_sound, empty):
        assert_problem(refused, 422, "unreadable-media")
    assert "no audio track" in no_sound.json()["detail"]

    without_title = client.post(
        "/v1/artists/aiko/tracks",
        files={"media": ("song.wav", SONG_WAV, "audio/wav")},
        headers=auth("artist", "aiko"),
    )
    without_file = client.post(
        "/v1/artists/aiko/tracks", files={"title": (None, "Song")}, headers=auth("artist", "aiko")
    )
    extra_field = client.post(
        "/v1/artists/aiko/tracks",
        data={"title": "Song", "status": "cleared"},
        files={"media": ("song.wav", SONG_WAV, "audio/wav")},
        headers=auth("artist", "aiko"),
    )
    as_json = client.post(
        "/v1/artists/aiko/tracks", json={"title": "Song"}, headers=auth("artist", "aiko")
    )
    for_another_artist = submit(client, auth, "aiko", "Mine now", SONG_WAV, acting_as="kenji")
    by_a_viewer = client.post(
        "/v1/artists/aiko/tracks",
        data={"title": "Song"},
        files={"media": ("song.wav", SONG_WAV, "audio/wav")},
        headers=auth("viewer", "aiko"),
    )
    no_profile = submit(client, auth, "ghost", "Boo", SONG_WAV)

    assert_problem(without_title, 422, "validation-error")
    assert "title" in without_title.json()["detail"]
    assert_problem(without_file, 422, "validation-error")
    assert "media" in without_file.json()["detail"]
    assert_problem(extra_field, 422, "validation-error")
    assert as_json.status_code == 415
    assert_problem(for_another_artist, 403, "forbidden")
    assert_problem(by_a_viewer, 403, "forbidden")
    assert_problem(no_profile, 404, "not-found")
    assert music_events(core) == before
    assert client.get("/v1/playlists/featured").json()["items"] == []


def test_an_oversized_submission_is_refused_before_it_is_read(
    small_upload_client: tuple[TestClient, Spotlight],
) -> None:
    client, core = small_upload_client
    token = core.tokens.issue(Principal(Role.ARTIST, "aiko"), lifetime=timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    registered = client.post("/v1/artists", json={"name": "Aiko", "region": "JP"}, headers=headers)
    before = music_events(core)

    response = client.post(
        "/v1/artists/aiko/tracks",
        data={"title": "Long"},
        files={"media": ("song.wav", SONG_WAV, "audio/wav")},
        headers=headers,
    )

    assert registered.status_code == 201
    assert_problem(response, 413, "payload-too-large")
    assert music_events(core) == before


# The whole programme ------------------------------------------------------------------


def test_from_submission_to_the_winners_of_a_season(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    # Artists: two of Japan (kenji is signed to Aozora Records), one of Korea.
    register_artist(client, auth, "aiko")
    register_artist(client, auth, "kenji", affiliations=["Aozora Records"])
    register_artist(client, auth, "minji", region="KR")

    # Submissions: two originals, then a noise-mixed copy of aiko's song.
    song = submit(client, auth, "aiko", "Night Drive", SONG_WAV)
    other = submit(client, auth, "kenji", "Harbour Lights", OTHER_WAV)
    cover = submit(client, auth, "minji", "Night Drive (cover)", COVER_WAV, name="cover.wav")
    assert song.status_code == 201, song.text
    assert other.status_code == 201, other.text
    assert cover.status_code == 201, cover.text
    song_id, other_id, cover_id = song.json()["id"], other.json()["id"], cover.json()["id"]
    assert song.headers["location"] == f"/v1/tracks/{song_id}"
    assert song.json()["status"] == "submitted"
    assert song.json()["flagged"] is False
    assert song.json()["resemblances"] == []
    assert 11 < song.json()["duration_seconds"] < 13
    assert other.json()["flagged"] is False
    assert cover.json()["flagged"] is True
    [evidence] = cover.json()["resemblances"]
    assert evidence["source"] == f"track:{song_id}"
    assert evidence["score"] >= 0.2
    assert evidence["matched_seconds"] >= 3
    assert set(evidence) == {
        "source",
        "score",
        "matched_seconds",
        "submission_start",
        "source_start",
    }
    assert client.get(f"/v1/tracks/{cover_id}").json()["resemblances"] == [evidence]
    assert_problem(client.get(f"/v1/tracks/{uuid4()}"), 404, "not-found")

    # Review: the queue pages through the three, oldest first; only reviewers decide.
    first_page = client.get("/v1/review/tracks?limit=2", headers=auth("auditor", "audrey"))
    assert first_page.status_code == 200, first_page.text
    second_page = client.get(
        "/v1/review/tracks",
        params={"limit": 2, "cursor": first_page.json()["next_cursor"]},
        headers=auth("reviewer", "rita"),
    )
    assert [t["id"] for t in first_page.json()["items"]] == [song_id, other_id]
    assert [t["id"] for t in second_page.json()["items"]] == [cover_id]
    assert second_page.json()["next_cursor"] is None
    assert_problem(
        client.get("/v1/review/tracks", headers=auth("artist", "aiko")), 403, "forbidden"
    )
    by_artist = client.post(
        f"/v1/review/tracks/{song_id}",
        json={"decision": "clear", "reason": "mine"},
        headers=auth("artist", "aiko"),
    )
    assert_problem(by_artist, 403, "forbidden")

    without_override = decide(client, auth, cover_id, decision="clear", reason="sounds fine")
    reject_with_override = decide(
        client, auth, cover_id, decision="reject", reason="copy", override=True
    )
    with_override = decide(
        client, auth, cover_id, decision="clear", reason="licensed cover", override=True
    )
    assert_problem(without_override, 409, "rule-violated", rule="OverrideRequired")
    assert_problem(reject_with_override, 422, "validation-error")
    assert with_override.status_code == 200, with_override.text
    assert with_override.json()["status"] == "cleared"
    assert with_override.json()["overridden"] is True
    assert with_override.json()["decided_by"] == "reviewer:rita"
    assert decide(client, auth, song_id, decision="clear", reason="original").status_code == 200
    assert decide(client, auth, other_id, decision="clear", reason="original").status_code == 200
    assert_problem(
        decide(client, auth, song_id, decision="reject", reason="changed my mind"),
        409,
        "rule-violated",
        rule="TrackAlreadyDecided",
    )
    assert client.get("/v1/review/tracks", headers=auth("reviewer", "rita")).json()["items"] == []

    # A creator's video uses aiko's song; usage detection finds it.
    video = client.post(
        "/v1/videos",
        data={"caption": "driving at night", "category": "music"},
        files={"media": ("drive.mp4", SONG, "video/mp4")},
        headers=auth("creator", "fan-1"),
    )
    assert video.status_code == 201, video.text
    assert_problem(
        client.post("/v1/music/usage/scan", headers=auth("artist", "aiko")), 403, "forbidden"
    )
    scan = client.post("/v1/music/usage/scan", headers=auth("admin", "ops"))
    rescan = client.post("/v1/music/usage/scan", headers=auth("admin", "ops"))
    assert scan.status_code == 200, scan.text
    assert scan.json()["uses_found"] >= 1
    assert rescan.json() == {"videos_considered": 0, "uses_found": 0, "scans_pending": 0}
    assert client.get(f"/v1/tracks/{song_id}").json()["uses"] == 1
    assert client.get(f"/v1/tracks/{other_id}").json()["uses"] == 0

    # The featured playlist: most used first, each with its artist's byline and badge.
    client.post("/v1/artists/aiko/verification", headers=auth("admin", "ops"))
    playlist = client.get("/v1/playlists/featured")
    assert playlist.status_code == 200, playlist.text
    items = {item["track_id"]: item for item in playlist.json()["items"]}
    assert set(items) == {song_id, other_id, cover_id}
    assert items[song_id]["artist"] == {"account": "aiko", "name": "Aiko", "verified": True}
    assert items[song_id]["uses"] == 1
    assert items[other_id]["artist"]["verified"] is False
    assert items[other_id]["uses"] == 0
    ordered = playlist.json()["items"]
    assert [i["position"] for i in ordered] == [1, 2, 3]
    assert [i["uses"] for i in ordered] == sorted((i["uses"] for i in ordered), reverse=True)
    assert ordered[0]["uses"] == 1
    first = client.get("/v1/playlists/featured?limit=2").json()
    rest = client.get(
        "/v1/playlists/featured", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert rest["next_cursor"] is None
    assert [i["position"] for i in first["items"] + rest["items"]] == [1, 2, 3]
    assert [i["track_id"] for i in first["items"] + rest["items"]] == [
        i["track_id"] for i in ordered
    ]

    # A season in Japan, with two rounds; only an admin announces it.
    assert_problem(
        client.post("/v1/seasons", json=SEASON, headers=auth("judge", "ren")), 403, "forbidden"
    )
    naive = {**SEASON, "rounds": [{**SEASON["rounds"][0], "opens_at": "2025-04-01T00:00:00"}]}
    assert_problem(
        client.post("/v1/seasons", json=naive, headers=auth("admin", "ops")),
        422,
        "validation-error",
    )
    unknown_partner = {**SEASON, "judges": [{"judge_id": "x", "partner": "Nobody Music"}]}
    assert_problem(
        client.post("/v1/seasons", json=unknown_partner, headers=auth("admin", "ops")),
        422,
        "invalid-value",
    )
    announced = client.post("/v1/seasons", json=SEASON, headers=auth("admin", "ops"))
    assert announced.status_code == 201, announced.text
    season = client.get(f"/v1/seasons/{announced.json()['id']}").json()
    assert season == announced.json()
    first_round, final_round = season["round_ids"]
    assert [(r["round_id"], r["number"], r["cut_size"]) for r in season["rounds"]] == [
        (first_round, 1, 2),
        (final_round, 2, 1),
    ]
    assert season["weighting"] == {"popularity_percent": 40, "points_per_use": 5}
    assert season["prizes"] == [{"rank": 1, "description": "A studio session"}]
    assert_problem(client.get(f"/v1/seasons/{uuid4()}"), 404, "not-found")
    assert_problem(client.get(f"/v1/rounds/{uuid4()}"), 404, "not-found")

    # Entries: each artist of Japan enters its own cleared track.
    def enter(account: str, track_id: str) -> Any:
        return client.post(
            f"/v1/seasons/{season['id']}/entries",
            json={"track_id": track_id},
            headers=auth("artist", account),
        )

    missing = str(uuid4())
    assert_problem(enter("aiko", missing), 404, "not-found")
    unknown_season = client.post(
        f"/v1/seasons/{missing}/entries", json={"track_id": song_id}, headers=auth("artist", "aiko")
    )
    assert_problem(unknown_season, 404, "not-found")
    for path in (f"/v1/rounds/{missing}/open", f"/v1/rounds/{missing}/close"):
        assert_problem(client.post(path, headers=auth("admin", "ops")), 404, "not-found")
    assert_problem(client.get(f"/v1/rounds/{missing}/results"), 404, "not-found")
    assert_problem(decide(client, auth, missing, decision="clear", reason="ok"), 404, "not-found")
    assert_problem(
        client.post(
            f"/v1/seasons/{season['id']}/entries",
            json={"track_id": song_id, "x": 1},
            headers=auth("artist", "aiko"),
        ),
        422,
        "validation-error",
    )

    entered = enter("aiko", song_id)
    assert entered.status_code == 201, entered.text
    assert enter("kenji", other_id).status_code == 201
    assert_problem(enter("minji", cover_id), 409, "rule-violated", rule="EntryRefused")
    assert_problem(enter("aiko", cover_id), 403, "forbidden")
    assert_problem(enter("aiko", song_id), 409, "rule-violated", rule="EntryRefused")
    round_one = client.get(f"/v1/rounds/{first_round}").json()
    assert round_one["status"] == "scheduled"
    assert {e["track_id"] for e in round_one["entries"]} == {song_id, other_id}
    assert {e["title"] for e in round_one["entries"]} == {"Night Drive", "Harbour Lights"}

    # Ballots wait for the round to open.
    assert_problem(
        vote(client, auth, first_round, song_id, "v1"), 409, "rule-violated", "RoundNotOpen"
    )
    assert_problem(
        client.post(f"/v1/rounds/{first_round}/open", headers=auth("judge", "ren")),
        403,
        "forbidden",
    )
    # The admin opens the round (its planned time has passed: no reason is needed, and the
    # one given is recorded).
    opened = client.post(
        f"/v1/rounds/{first_round}/open",
        json={"reason": "The launch event moved earlier"},
        headers=auth("admin", "ops"),
    )
    assert opened.status_code == 200, opened.text
    (opening,) = [
        e
        for e in core._music.repository.event_store.get(UUID(first_round))
        if isinstance(e, CompetitionRound.Opened)
    ]
    assert (opening.opened_by, opening.reason) == ("admin:ops", "The launch event moved earlier")
    assert opened.json()["status"] == "open"

    # Ballots: one per voter; a retry with the same key gets the original answer.
    ballot = vote(client, auth, first_round, song_id, "v1", key="v1-attempt")
    retry = vote(client, auth, first_round, song_id, "v1", key="v1-attempt")
    other_key = vote(client, auth, first_round, song_id, "v1", key="v1-second-thoughts")
    second = vote(client, auth, first_round, other_id, "v1")
    same_key_other_entry = vote(client, auth, first_round, other_id, "v1", key="v1-attempt")
    assert ballot.status_code == 201, ballot.text
    assert ballot.json()["replayed"] is False
    assert retry.status_code == 201, retry.text  # as the first answer was
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == {**ballot.json(), "replayed": True}
    assert_problem(other_key, 409, "rule-violated", rule="AlreadyVoted")
    assert_problem(second, 409, "rule-violated", rule="AlreadyVoted")
    assert_problem(same_key_other_entry, 409, "rule-violated", rule="AlreadyVoted")
    assert vote(client, auth, first_round, song_id, "v2").status_code == 201
    # An artist may not vote for their own entry, in whatever role the account votes.
    for role in ("artist", "viewer"):
        own = client.post(
            f"/v1/rounds/{first_round}/ballots",
            json={"track_id": song_id},
            headers=auth(role, "aiko"),
        )
        assert_problem(own, 409, "rule-violated", rule="OwnEntry")
        assert "own entry" in own.json()["detail"]
    assert vote(client, auth, first_round, other_id, "v3").status_code == 201
    assert_problem(vote(client, auth, str(uuid4()), song_id, "v4"), 404, "not-found")
    assert_problem(
        vote(client, auth, first_round, cover_id, "v4"), 409, "rule-violated", "NotAnEntrant"
    )
    assert_problem(
        vote(client, auth, first_round, song_id, "v4", key="k" * 201), 422, "validation-error"
    )
    judge_voting = client.post(
        f"/v1/rounds/{first_round}/ballots",
        json={"track_id": song_id},
        headers=auth("judge", "hana"),
    )
    assert_problem(judge_voting, 403, "forbidden")
    assert ballots_recorded(core) == 3

    # Scores: judges of the panel, 0 to 10, never for an artist of their own partner.
    given = score(client, auth, first_round, song_id, 7, "hana")
    assert given.status_code == 201, given.text
    assert given.json()["score"] == 7
    assert score(client, auth, first_round, other_id, 9, "hana").status_code == 201
    assert score(client, auth, first_round, song_id, 8, "ren").status_code == 201
    assert_problem(
        score(client, auth, first_round, other_id, 6, "ren"),
        409,
        "rule-violated",
        rule="ConflictOfInterest",
    )
    assert_problem(
        score(client, auth, first_round, song_id, 5, "hana"), 409, "rule-violated", "AlreadyScored"
    )
    assert_problem(score(client, auth, first_round, other_id, 11, "hana"), 422, "validation-error")
    assert_problem(score(client, auth, first_round, other_id, -1, "hana"), 422, "validation-error")
    assert_problem(score(client, auth, first_round, other_id, 7, "kai"), 403, "forbidden")
    not_a_judge = client.post(
        f"/v1/rounds/{first_round}/scores",
        json={"track_id": other_id, "score": 10},
        headers=auth("viewer", "v1"),
    )
    assert_problem(not_a_judge, 403, "forbidden")
    assert_problem(score(client, auth, str(uuid4()), song_id, 5, "hana"), 404, "not-found")

    # Close: the result shows every component of each line.
    assert_problem(client.get(f"/v1/rounds/{first_round}/results"), 404, "not-found")
    assert_problem(
        client.post(f"/v1/rounds/{first_round}/close", headers=auth("reviewer", "rita")),
        403,
        "forbidden",
    )
    closed = client.post(
        f"/v1/rounds/{first_round}/close",
        json={"reason": "Rehearsal"},
        headers=auth("admin", "ops"),
    )
    assert closed.status_code == 200, closed.text
    result = client.get(f"/v1/rounds/{first_round}/results").json()
    assert result == closed.json()
    assert result["weighting"] == {"popularity_percent": 40, "points_per_use": 5}
    # aiko: 2 votes + 5 x 1 use = 7 points (the top: popularity 1); judges 15/20 = 0.75;
    # total 0.4 x 1 + 0.6 x 0.75 = 0.85. kenji: 1 point, popularity 1/7; judges 9/10;
    # total 0.4/7 + 0.54 = 0.597142857...
    assert [
        {k: line[k] for k in line if k not in ("title", "artist")} for line in result["standings"]
    ] == [
        {
            "rank": 1,
            "track_id": song_id,
            "votes": 2,
            "uses": 1,
            "popularity_points": 7,
            "judges_scores": 2,
            "judges_sum": 15,
            "popularity": "1.000000",
            "judges": "0.750000",
            "total": "0.850000",
            "advances": True,
        },
        {
            "rank": 2,
            "track_id": other_id,
            "votes": 1,
            "uses": 0,
            "popularity_points": 1,
            "judges_scores": 1,
            "judges_sum": 9,
            "popularity": "0.142857",
            "judges": "0.900000",
            "total": "0.597143",
            "advances": True,
        },
    ]
    assert result["standings"][0]["artist"] == {"account": "aiko", "name": "Aiko", "verified": True}
    assert result["standings"][0]["title"] == "Night Drive"
    assert result["advancing"] == [song_id, other_id]
    assert result["winners"] == []
    assert (result["late_ballots"], result["late_scores"]) == (0, 0)
    assert_problem(
        vote(client, auth, first_round, song_id, "v9"), 409, "rule-violated", "RoundNotOpen"
    )
    assert_problem(
        score(client, auth, first_round, other_id, 3, "hana"), 409, "rule-violated", "RoundNotOpen"
    )
    assert_problem(
        client.post(f"/v1/rounds/{first_round}/close", headers=auth("admin", "ops")),
        409,
        "rule-violated",
    )

    # The final: seeded with those who advanced; the winner takes the prize.
    final = client.get(f"/v1/rounds/{final_round}").json()
    assert {e["track_id"] for e in final["entries"]} == {song_id, other_id}
    assert final["final"] is True
    client.post(
        f"/v1/rounds/{final_round}/open", json={"reason": "Rehearsal"}, headers=auth("admin", "ops")
    )
    assert vote(client, auth, final_round, other_id, "v1").status_code == 201
    assert vote(client, auth, final_round, other_id, "v2").status_code == 201
    assert score(client, auth, final_round, other_id, 10, "hana").status_code == 201
    assert score(client, auth, final_round, song_id, 6, "hana").status_code == 201
    decided = client.post(
        f"/v1/rounds/{final_round}/close",
        json={"reason": "Rehearsal"},
        headers=auth("admin", "ops"),
    )
    assert decided.status_code == 200, decided.text
    # aiko: 0 votes + 5 x 1 use = 5 points (the top), judges 0.6: 0.4 + 0.36 = 0.76.
    # kenji: 2 points, popularity 0.4, judges 1.0: 0.16 + 0.6 = 0.76. A tie on the total,
    # broken by the judges: kenji wins.
    standings = decided.json()["standings"]
    assert [(s["track_id"], s["total"], s["judges"]) for s in standings] == [
        (other_id, "0.760000", "1.000000"),
        (song_id, "0.760000", "0.600000"),
    ]
    assert decided.json()["winners"] == [
        {
            "rank": 1,
            "track_id": other_id,
            "artist_account": "kenji",
            "prize": "A studio session",
        }
    ]
    assert decided.json()["advancing"] == [other_id]
    assert_problem(
        vote(client, auth, final_round, song_id, "v7"), 409, "rule-violated", "RoundNotOpen"
    )

    # Each artist is told of each round opening and closing, and of their standing in it:
    # both advanced from the first; kenji won the final, aiko was eliminated in it.
    def told(account: str) -> list[tuple[str, str, str]]:
        inbox = client.get("/v1/me/inbox", headers=auth("artist", account)).json()["items"]
        return [
            (n["kind"], n["about"]["round"], n["about"]["track"])
            for n in inbox
            if n["kind"].startswith("round_")
        ]

    assert told("kenji") == [
        ("round_opened", first_round, other_id),
        ("round_closed", first_round, other_id),
        ("round_advanced", first_round, other_id),
        ("round_opened", final_round, other_id),
        ("round_closed", final_round, other_id),
        ("round_won", final_round, other_id),
    ]
    assert told("aiko") == [
        ("round_opened", first_round, song_id),
        ("round_closed", first_round, song_id),
        ("round_advanced", first_round, song_id),
        ("round_opened", final_round, song_id),
        ("round_closed", final_round, song_id),
        ("round_eliminated", final_round, song_id),
    ]
    assert told("minji") == []

    # Each artist lists the seasons it entered, with its standing in each round.
    def entered_seasons(account: str) -> list[Any]:
        response = client.get("/v1/me/seasons", headers=auth("artist", account))
        assert response.status_code == 200, response.text
        return [
            (
                entered["season"]["id"],
                entered["track_id"],
                [(r["round_id"], r["outcome"], r["rank"], r["prize"]) for r in entered["rounds"]],
            )
            for entered in response.json()["items"]
        ]

    assert entered_seasons("kenji") == [
        (
            season["id"],
            other_id,
            [(first_round, "advanced", 2, None), (final_round, "won", 1, "A studio session")],
        )
    ]
    assert entered_seasons("aiko") == [
        (
            season["id"],
            song_id,
            [(first_round, "advanced", 1, None), (final_round, "eliminated", 2, None)],
        )
    ]
    assert entered_seasons("minji") == []
    assert client.get("/v1/me/seasons", headers=auth("creator", "aiko")).status_code == 403


def test_an_integer_or_forged_cursor_is_refused_over_http_and_in_python(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    # The old integer offsets are refused with the reason, as a cursor altered by hand is.
    for path in ("/v1/review/tracks", "/v1/playlists/featured"):
        for cursor in ("57189287486262198272", "2", "eyJ4Ijoi.AAAA"):
            answer = client.get(path, params={"cursor": cursor}, headers=auth("reviewer", "rosa"))
            assert answer.status_code == 422, answer.text
            assert "cursor" in answer.json()["detail"]
    reviewer = Principal(Role.REVIEWER, "rosa")
    with pytest.raises(InvalidValue, match="cursor"):
        core.discovery.review_queue(reviewer, cursor="eyJ4Ijoi.AAAA")
    with pytest.raises(InvalidValue, match="from 1 to 500"):
        core.discovery.featured_playlist(limit=57189287486262198272)


def test_an_artist_pages_through_its_own_tracks_over_http_and_nobody_elses(
    client: TestClient, auth: Auth
) -> None:
    register_artist(client, auth, "aiko")
    register_artist(client, auth, "ben", region="KR")
    aikos = [submit(client, auth, "aiko", "Night Drive", SONG_WAV).json()["id"]]
    bens = [submit(client, auth, "ben", "Seoul Rain", OTHER_WAV).json()["id"]]
    more = [corpus.audio_only_wav(corpus.reference_clip(seed, seconds=12)) for seed in (203, 204)]
    aikos.append(submit(client, auth, "aiko", "Morning Walk", more[0]).json()["id"])
    assert decide(client, auth, aikos[0], decision="clear", reason="original").status_code == 200

    first = client.get("/v1/me/tracks?limit=1", headers=auth("artist", "aiko"))
    assert first.status_code == 200, first.text
    assert [(t["id"], t["status"]) for t in first.json()["items"]] == [(aikos[0], "cleared")]
    # Submitted after the first page was read: it comes last, once.
    aikos.append(submit(client, auth, "aiko", "Evening Tide", more[1]).json()["id"])
    read, cursor = first.json()["items"], first.json()["next_cursor"]
    while cursor is not None:
        page = client.get(
            "/v1/me/tracks", params={"limit": 1, "cursor": cursor}, headers=auth("artist", "aiko")
        ).json()
        read, cursor = read + page["items"], page["next_cursor"]
    assert [(t["id"], t["status"]) for t in read] == [
        (aikos[0], "cleared"),
        (aikos[1], "submitted"),
        (aikos[2], "submitted"),
    ]
    cursor = first.json()["next_cursor"]

    theirs = client.get("/v1/me/tracks", headers=auth("artist", "ben")).json()["items"]
    assert [t["id"] for t in theirs] == bens
    assert_problem(client.get("/v1/me/tracks", headers=auth("reviewer", "rita")), 403, "forbidden")
    forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert_problem(
        client.get("/v1/me/tracks", params={"cursor": forged}, headers=auth("artist", "aiko")),
        422,
        "invalid-value",
    )

    # The featured playlist by region, its filter named in the OpenAPI.
    japan = client.get("/v1/playlists/featured", params={"region": "JP"}).json()
    assert [item["track_id"] for item in japan["items"]] == aikos[:1]
    assert client.get("/v1/playlists/featured?region=KR").json()["items"] == []
    assert_problem(client.get("/v1/playlists/featured?region=Japan"), 422, "invalid-value")
    parameters = client.get("/openapi.json").json()["paths"]["/v1/playlists/featured"]["get"]
    query = {p["name"] for p in parameters["parameters"] if p["in"] == "query"}
    assert query == {"region", "genre", "limit", "cursor"}


def test_anyone_pages_through_the_seasons_and_their_rounds_by_region(
    client: TestClient, auth: Auth
) -> None:
    admin = auth("admin", "ops")
    made = []
    for n, region in enumerate(("JP", "KR", "JP")):
        body = SEASON | {"name": f"Season {n}", "region": region}
        answer = client.post("/v1/seasons", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        made.append(answer.json())

    first = client.get("/v1/seasons?limit=2")
    assert first.status_code == 200, first.text
    rest = client.get("/v1/seasons", params={"limit": 2, "cursor": first.json()["next_cursor"]})
    listed = first.json()["items"] + rest.json()["items"]
    assert [season["id"] for season in listed] == [season["id"] for season in made]
    assert [season["round_ids"] for season in listed] == [s["round_ids"] for s in made]
    assert rest.json()["next_cursor"] is None
    japan = client.get("/v1/seasons?region=JP").json()["items"]
    assert [season["id"] for season in japan] == [made[0]["id"], made[2]["id"]]
    forged = client.get("/v1/seasons", params={"cursor": first.json()["next_cursor"] + "A"})
    assert_problem(forged, 422, "invalid-value")


def test_the_featured_playlist_is_filtered_by_the_genre_a_track_was_filed_under(
    client: TestClient, auth: Auth
) -> None:
    register_artist(client, auth, "aiko")
    register_artist(client, auth, "kenji")
    filed = submit(client, auth, "aiko", "Night Drive", SONG_WAV, genre="jazz")
    assert filed.status_code == 201, filed.text
    assert filed.json()["genre"] == "jazz"
    unfiled = submit(client, auth, "kenji", "Harbour Lights", OTHER_WAV)
    assert unfiled.json()["genre"] is None
    for track in (filed, unfiled):
        cleared = decide(client, auth, track.json()["id"], decision="clear", reason="ok")
        assert cleared.status_code == 200, cleared.text
    misfiled = submit(client, auth, "kenji", "Oompah", COVER_WAV, genre="polka")
    assert_problem(misfiled, 422, "invalid-value")
    assert "polka" in misfiled.json()["detail"]

    jazz = client.get("/v1/playlists/featured", params={"genre": "jazz"})
    assert jazz.status_code == 200, jazz.text
    assert [(i["track_id"], i["genre"]) for i in jazz.json()["items"]] == [
        (filed.json()["id"], "jazz")
    ]
    assert jazz.json()["next_cursor"] is None
    assert client.get("/v1/playlists/featured?genre=rock").json()["items"] == []
    assert {i["genre"] for i in client.get("/v1/playlists/featured").json()["items"]} == {
        "jazz",
        None,
    }
    assert_problem(client.get("/v1/playlists/featured?genre=polka"), 422, "validation-error")
    assert_problem(client.get("/v1/playlists/featured?style=jazz"), 422, "validation-error")
