"""Operators at the command line: the queue of artists' requests for the badge (grant,
decline with a reason), and the competition's schedule (rounds due, keeping it now, acting
early only with a reason, an open round's live standings)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from application.auth import Principal, Role
from domain.music.artists import Artist
from domain.music.rounds import Judge
from domain.music.seasons import RoundPlan
from domain.music.tracks import Track
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.e2e.music.test_music_cli import environment_for, spotlight

ADMIN = Principal(Role.ADMIN, "ops")
LONG_AGO = datetime(2025, 4, 1, tzinfo=UTC)
FAR_AHEAD = datetime(2099, 4, 1, tzinfo=UTC)


def cleared_track_by(core: Spotlight, account: str, number: int) -> UUID:
    artist = Artist.register(account=account, name=account.title(), region="JP", at=LONG_AGO)
    track = Track.submit(
        UUID(int=number),
        artist_account=account,
        title=f"{account}'s song",
        digest=account,
        duration_seconds=30.0,
        at=LONG_AGO,
    )
    track.record_originality([], engine_version="test", at=LONG_AGO)
    track.clear(by="reviewer:rosa", reason="original", at=LONG_AGO)
    core._music.commit(artist, track)
    return track.id


def season(core: Spotlight, tracks: dict[str, UUID], opens: datetime) -> UUID:
    announced = core.competition.announce_season(
        ADMIN,
        name=f"Tokyo Sounds {opens.year}",
        region="JP",
        partners=["Aozora Records"],
        judges=[Judge("ren", "Aozora Records")],
        rounds=[RoundPlan("Final", 1, opens, opens + timedelta(days=7))],
    )
    for account, track_id in tracks.items():
        core.competition.enter(Principal(Role.ARTIST, account), announced.id, track_id)
    return announced.round_ids[0]


def test_an_operator_works_the_verification_queue_and_keeps_the_schedule(
    tmp_path: Path,
) -> None:
    environment = environment_for(tmp_path)
    core = bootstrap(Settings.from_environ(environment))
    try:
        tracks = {a: cleared_track_by(core, a, n) for n, a in enumerate(("aiko", "kenji"), 1)}
        for account in tracks:
            core.verification.request(Principal(Role.ARTIST, account), note=f"{account} here")
        past = season(core, tracks, LONG_AGO)
        future = season(core, tracks, FAR_AHEAD)
    finally:
        core.close()

    queue = spotlight(environment, "verification", "queue")
    assert queue.returncode == 0, queue.stderr
    assert [r["account"] for r in json.loads(queue.stdout)["items"]] == ["aiko", "kenji"]
    granted = spotlight(environment, "verification", "grant", "aiko")
    assert json.loads(granted.stdout)["verified"] is True
    declined = spotlight(environment, "verification", "decline", "kenji", "--reason", "Unproven")
    assert declined.returncode == 0, declined.stderr
    again = spotlight(environment, "verification", "grant", "aiko")
    assert again.returncode == 2
    assert "no request for verification" in again.stderr

    # The past season's round is long due (the worker never ran); the future one is not.
    due = spotlight(environment, "rounds", "due")
    assert json.loads(due.stdout) == [{"round_id": str(past), "due_to": "open"}]
    kept = json.loads(spotlight(environment, "rounds", "keep-schedule").stdout)
    assert kept["opened"] == [str(past)]
    standings = json.loads(spotlight(environment, "rounds", "standings", str(past)).stdout)
    assert [s["votes"] for s in standings["standings"]] == [0, 0]

    early = spotlight(environment, "rounds", "open", str(future))
    assert early.returncode == 2
    assert "only with a reason" in early.stderr


def test_an_operator_reads_a_seasons_rising_artists_as_json_and_csv(tmp_path: Path) -> None:
    environment = environment_for(tmp_path)
    core = bootstrap(Settings.from_environ(environment))
    try:
        tracks = {a: cleared_track_by(core, a, n) for n, a in enumerate(("aiko", "kenji"), 1)}
        round_id = season(core, tracks, FAR_AHEAD)
        season_id = core.competition.round(round_id).season_id
    finally:
        core.close()

    first = spotlight(environment, "seasons", "field", str(season_id), "--limit", "1")
    assert first.returncode == 0, first.stderr
    page = json.loads(first.stdout)
    assert [i["artist"]["account"] for i in page["items"]] == ["aiko"]
    rest = spotlight(
        environment, "seasons", "field", str(season_id), "--cursor", page["next_cursor"]
    )
    assert [i["artist"]["account"] for i in json.loads(rest.stdout)["items"]] == ["kenji"]
    exported = spotlight(environment, "seasons", "field", str(season_id), "--csv")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0].startswith("artist,name,verified,region,track_id")
    assert [line.split(",")[0] for line in lines[1:]] == ["aiko", "kenji"]
    bad_genre = spotlight(environment, "seasons", "field", str(season_id), "--genre", "polka")
    not_an_id = spotlight(environment, "seasons", "field", "nope")
    assert bad_genre.returncode == 2
    assert "a genre is one of" in bad_genre.stderr
    assert not_an_id.returncode == 2
    assert "not a season id" in not_an_id.stderr
