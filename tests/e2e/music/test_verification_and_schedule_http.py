"""Through HTTP: an artist asks for the badge and admins work the queue (grant, or decline
with a reason the artist reads in the inbox); a season's rounds open and close at their planned
times by the worker, an admin acting earlier only with a reason; live standings while a round
is open, without the judges' scores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.music.artists import Artist
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.sweeper import BackgroundSweeper
from tests.e2e.conftest import e2e_settings
from tests.e2e.music.test_music_http import Auth, assert_problem, register_artist
from tests.fakes import FixedClock

ANNOUNCED = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
OPENS = ANNOUNCED + timedelta(days=2)
CLOSES = OPENS + timedelta(days=7)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(ANNOUNCED)


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock) -> Iterator[Spotlight]:
    running = bootstrap(e2e_settings(tmp_path), clock=clock)
    yield running
    running.close()


@pytest.fixture
def client(core: Spotlight) -> TestClient:
    return TestClient(create_app(core))


# Verification ---------------------------------------------------------------------------------


def test_an_artist_asks_for_the_badge_and_an_admin_works_the_queue(
    client: TestClient, auth: Auth, clock: FixedClock
) -> None:
    for account in ("aiko", "bo", "chika"):
        register_artist(client, auth, account)

    def ask(account: str, note: str = "") -> Any:
        clock.advance(timedelta(minutes=1))
        return client.post(
            "/v1/me/verification-request", json={"note": note}, headers=auth("artist", account)
        )

    asked = ask("aiko", "https://example.com/aiko")
    assert asked.status_code == 201, asked.text
    assert asked.json()["note"] == "https://example.com/aiko"
    assert ask("bo").status_code == 201
    assert ask("chika").status_code == 201
    assert_problem(ask("aiko"), 409, "rule-violated", rule="VerificationPending")
    assert_problem(ask("nobody"), 404, "not-found")
    too_long = client.post(
        "/v1/me/verification-request", json={"note": "x" * 1001}, headers=auth("artist", "aiko")
    )
    assert_problem(too_long, 422, "validation-error")
    mine = client.get("/v1/me/verification-request", headers=auth("artist", "aiko"))
    assert mine.json()["account"] == "aiko"

    queue = "/v1/review/verification-requests"
    assert_problem(client.get(queue, headers=auth("artist", "aiko")), 403, "forbidden")
    first = client.get(queue, params={"limit": 2}, headers=auth("admin", "ops")).json()
    assert [r["account"] for r in first["items"]] == ["aiko", "bo"]
    rest = client.get(
        queue, params={"cursor": first["next_cursor"]}, headers=auth("auditor", "audrey")
    ).json()
    assert ([r["account"] for r in rest["items"]], rest["next_cursor"]) == (["chika"], None)

    def decide(account: str, **body: Any) -> Any:
        return client.post(f"{queue}/{account}", json=body, headers=auth("admin", "ops"))

    assert_problem(decide("bo", decision="decline"), 422, "validation-error")
    assert_problem(
        client.post(f"{queue}/bo", json={"decision": "grant"}, headers=auth("auditor", "au")),
        403,
        "forbidden",
    )
    granted = decide("aiko", decision="grant")
    assert granted.status_code == 200, granted.text
    assert granted.json()["verified"] is True
    declined = decide("bo", decision="decline", reason="We could not confirm the channel")
    assert declined.json()["verified"] is False
    assert_problem(decide("aiko", decision="grant"), 409, "rule-violated", "NoVerificationRequest")
    assert_problem(ask("aiko"), 409, "rule-violated", rule="AlreadyVerified")
    assert_problem(
        client.get("/v1/me/verification-request", headers=auth("artist", "bo")), 404, "not-found"
    )

    left = client.get(queue, headers=auth("admin", "ops")).json()
    assert [r["account"] for r in left["items"]] == ["chika"]
    assert client.get("/v1/artists/aiko").json()["verified"] is True

    def inbox(account: str) -> list[tuple[str, str]]:
        answer = client.get("/v1/me/inbox", headers=auth("artist", account)).json()
        return [(n["kind"], n["reason"]) for n in answer["items"]]

    assert inbox("aiko") == [("verification_granted", "")]
    assert inbox("bo") == [("verification_declined", "We could not confirm the channel")]
    assert inbox("chika") == []


# The schedule and live standings ----------------------------------------------------------------


def cleared_track_by(core: Spotlight, account: str, number: int) -> str:
    """An artist of Japan with one cleared track, recorded without decoding any media."""
    artist = Artist.register(account=account, name=account.title(), region="JP", at=ANNOUNCED)
    track = Track.submit(
        UUID(int=number),
        artist_account=account,
        title=f"{account}'s song",
        digest=account,
        duration_seconds=30.0,
        at=ANNOUNCED,
    )
    track.record_originality([], engine_version="test", at=ANNOUNCED)
    track.clear(by="reviewer:rosa", reason="original", at=ANNOUNCED)
    core._music.commit(artist, track)
    return str(track.id)


def season_with_entries(
    client: TestClient, auth: Auth, core: Spotlight
) -> tuple[str, dict[str, str]]:
    tracks = {a: cleared_track_by(core, a, n) for n, a in enumerate(("aiko", "kenji"), start=1)}
    season = {
        "name": "Tokyo Sounds 2031",
        "region": "JP",
        "partners": ["Aozora Records"],
        "judges": [{"judge_id": "ren", "partner": "Aozora Records"}],
        "rounds": [
            {
                "name": "Final",
                "cut_size": 1,
                "opens_at": OPENS.isoformat(),
                "closes_at": CLOSES.isoformat(),
            }
        ],
    }
    announced = client.post("/v1/seasons", json=season, headers=auth("admin", "ops"))
    assert announced.status_code == 201, announced.text
    season_id = announced.json()["id"]
    for account, track in tracks.items():
        entered = client.post(
            f"/v1/seasons/{season_id}/entries",
            json={"track_id": track},
            headers=auth("artist", account),
        )
        assert entered.status_code == 201, entered.text
    return announced.json()["round_ids"][0], tracks


def test_rounds_keep_their_schedule_and_an_admin_acts_early_only_with_a_reason(
    client: TestClient, auth: Auth, core: Spotlight, clock: FixedClock
) -> None:
    round_id, _tracks = season_with_entries(client, auth, core)
    opening = f"/v1/rounds/{round_id}/open"

    early = client.post(opening, headers=auth("admin", "ops"))
    assert_problem(early, 409, "rule-violated", rule="EarlyWithoutReason")
    assert OPENS.date().isoformat() in early.json()["detail"]
    assert_problem(
        client.post(opening, json={"reason": "x" * 2001}, headers=auth("admin", "ops")),
        422,
        "validation-error",
    )
    assert client.get(f"/v1/rounds/{round_id}").json()["status"] == "scheduled"

    clock.set(OPENS)
    BackgroundSweeper(core, interval=60).tick()
    assert client.get(f"/v1/rounds/{round_id}").json()["status"] == "open"

    closing = f"/v1/rounds/{round_id}/close"
    without_reason = client.post(closing, headers=auth("admin", "ops"))
    assert_problem(without_reason, 409, "rule-violated", "EarlyWithoutReason")
    closed = client.post(
        closing, json={"reason": "The broadcast moved"}, headers=auth("admin", "ops")
    )
    assert closed.status_code == 200, closed.text
    assert client.get(f"/v1/rounds/{round_id}").json()["status"] == "closed"


def test_live_standings_show_votes_and_uses_but_no_scores_until_the_close(
    client: TestClient, auth: Auth, core: Spotlight, clock: FixedClock
) -> None:
    round_id, tracks = season_with_entries(client, auth, core)
    standings = f"/v1/rounds/{round_id}/standings"
    assert_problem(client.get(standings), 409, "rule-violated", rule="RoundNotOpen")
    clock.set(OPENS)
    core.round_schedule.run()
    for voter in ("v1", "v2"):
        cast = client.post(
            f"/v1/rounds/{round_id}/ballots",
            json={"track_id": tracks["kenji"]},
            headers=auth("viewer", voter),
        )
        assert cast.status_code == 201, cast.text
    scored = client.post(
        f"/v1/rounds/{round_id}/scores",
        json={"track_id": tracks["aiko"], "score": 10},
        headers=auth("judge", "ren"),
    )
    assert scored.status_code == 201, scored.text

    live = client.get(standings)

    assert live.status_code == 200, live.text
    body = live.json()
    assert [(s["artist"]["account"], s["votes"], s["popularity"]) for s in body["standings"]] == [
        ("kenji", 2, "1.000000"),
        ("aiko", 0, "0.000000"),
    ]
    assert body["judges_percent"] == 50
    assert "score" not in live.text
    assert "judges_sum" not in live.text

    clock.set(CLOSES)
    core.round_schedule.run()
    assert_problem(client.get(standings), 409, "rule-violated", rule="RoundNotOpen")
    result = client.get(f"/v1/rounds/{round_id}/results").json()
    # The judge's 10 is revealed with the result: aiko 0.5, kenji 0.5, judges break the tie.
    assert [s["artist"]["account"] for s in result["standings"]] == ["aiko", "kenji"]


def test_an_artist_may_not_vote_for_their_own_entry(
    client: TestClient, auth: Auth, core: Spotlight, clock: FixedClock
) -> None:
    round_id, tracks = season_with_entries(client, auth, core)
    clock.set(OPENS)
    core.round_schedule.run()
    before = core._music.recorder.max_notification_id()

    own = client.post(
        f"/v1/rounds/{round_id}/ballots",
        json={"track_id": tracks["aiko"]},
        headers=auth("artist", "aiko"),
    )

    assert_problem(own, 409, "rule-violated", rule="OwnEntry")
    assert core._music.recorder.max_notification_id() == before
    other = client.post(
        f"/v1/rounds/{round_id}/ballots",
        json={"track_id": tracks["kenji"]},
        headers=auth("artist", "aiko"),
    )
    assert other.status_code == 201, other.text
