"""Operators and auditors at the command line: usage detection, a round's recorded result,
and a recount of the round from the music log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import attrs
import pytest

from application.auth import Principal, Role
from domain.music.rounds import CompetitionRound, Judge, Prize
from domain.music.seasons import RoundPlan
from domain.music.standings import Tally, Weighting
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.media import corpus

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]
ADMIN = Principal(Role.ADMIN, "ops")
REVIEWER = Principal(Role.REVIEWER, "rita")
AIKO = Principal(Role.ARTIST, "aiko")
KENJI = Principal(Role.ARTIST, "kenji")
HANA = Principal(Role.JUDGE, "hana")

SONG = corpus.reference_clip(211, seconds=12)
SONG_WAV = corpus.audio_only_wav(SONG)
OTHER_WAV = corpus.audio_only_wav(corpus.reference_clip(212, seconds=12))
APRIL = datetime(2025, 4, 1, tzinfo=UTC)


def environment_for(data_dir: Path) -> dict[str, str]:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(data_dir), "SPOTLIGHT_SECRET": "s" * 32}
    environment.pop("SPOTLIGHT_STORE", None)
    return environment


def spotlight(environment: Mapping[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, *arguments], env=environment, capture_output=True, text=True, check=False
    )


def cleared_tracks(core: Spotlight) -> tuple[UUID, UUID]:
    core.discovery.register_artist(AIKO, name="Aiko", region="JP")
    core.discovery.register_artist(KENJI, name="Kenji", region="JP")
    song = core.discovery.submit_track(AIKO, title="Night Drive", media=SONG_WAV)
    other = core.discovery.submit_track(KENJI, title="Harbour Lights", media=OTHER_WAV)
    for track in (song, other):
        core.discovery.clear_track(REVIEWER, track.id, reason="original")
    return song.id, other.id


def season_with_entries(core: Spotlight, tracks: tuple[UUID, UUID]) -> tuple[UUID, UUID]:
    """A two-round season with both tracks entered and its first round open."""
    season = core.competition.announce_season(
        ADMIN,
        name="Tokyo Sounds",
        region="JP",
        partners=["Kumo Publishing"],
        judges=[Judge("hana", "Kumo Publishing")],
        rounds=[
            RoundPlan("Open round", 2, APRIL, APRIL + timedelta(days=14)),
            RoundPlan("Final", 1, APRIL + timedelta(days=15), APRIL + timedelta(days=29)),
        ],
        prizes=[Prize(1, "A studio session")],
        weighting=Weighting(popularity_percent=60, points_per_use=10),
    )
    first, final = season.round_ids
    core.competition.enter(AIKO, season.id, tracks[0])
    core.competition.enter(KENJI, season.id, tracks[1])
    core.competition.open_round(ADMIN, first, reason="ahead of the plan")
    return first, final


@attrs.frozen
class Rounds:
    environment: dict[str, str]
    tracks: tuple[UUID, UUID]
    honest: UUID  # closed by the service: its recorded result is right
    scheduled: UUID  # the honest season's final: seeded, never closed, no result
    tampered: UUID  # closed with a result recorded from tallies the log does not hold


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Rounds:
    environment = environment_for(tmp_path_factory.mktemp("music-cli"))
    core = bootstrap(Settings.from_environ(environment))
    try:
        song, other = tracks = cleared_tracks(core)
        honest, scheduled = season_with_entries(core, tracks)
        for voter, track in (("v1", song), ("v2", song), ("v3", other)):
            core.competition.cast_ballot(Principal(Role.VIEWER, voter), honest, track)
        core.competition.give_score(HANA, honest, song, 6)
        core.competition.give_score(HANA, honest, other, 9)
        core.competition.close_round(ADMIN, honest, reason="ahead of the plan")

        # A second season whose result is recorded from made-up tallies, as a faulty
        # counter would: one ballot is in the log, the result claims 40.
        tampered, _ = season_with_entries(core, tracks)
        core.competition.cast_ballot(Principal(Role.VIEWER, "v1"), tampered, other)
        faulty = core._music.load(CompetitionRound, tampered)
        faulty.close(by="admin:ops", at=APRIL, reason="ahead of the plan")
        faulty.record_result({song: Tally(votes=40)}, at=APRIL)
        core._music.commit(faulty)
    finally:
        core.close()
    return Rounds(environment, tracks, honest, scheduled, tampered)


def test_music_usage_finds_the_videos_using_a_cleared_track(tmp_path: Path) -> None:
    environment = environment_for(tmp_path)
    core = bootstrap(Settings.from_environ(environment))
    song, _ = cleared_tracks(core)
    core.anchoring.publish_video(
        Principal(Role.CREATOR, "fan-1"),
        caption="driving at night",
        hashtags=[],
        category="music",
        media=SONG,
    )
    core.close()

    scanned = spotlight(environment, "music-usage")
    again = spotlight(environment, "music-usage")
    bad_batch = spotlight(environment, "music-usage", "--batch", "0")

    assert scanned.returncode == 0, scanned.stderr
    lines = scanned.stdout.strip().splitlines()
    assert "found 1 uses" in lines[0]
    assert lines[-1] == "considered 0 videos, found 0 uses, 0 backfills open"
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "considered 0 videos, found 0 uses, 0 backfills open"
    assert bad_batch.returncode == 2
    assert bad_batch.stderr.strip() == "spotlight: error: --batch must be positive"
    reopened = bootstrap(Settings.from_environ(environment))
    try:
        assert reopened.discovery.track(song).uses == 1
    finally:
        reopened.close()


def test_round_results_prints_the_recorded_result_as_json(rounds: Rounds) -> None:
    song, other = rounds.tracks

    printed = spotlight(rounds.environment, "round-results", "--round", str(rounds.honest))

    assert printed.returncode == 0, printed.stderr
    result = json.loads(printed.stdout)
    assert result["round_id"] == str(rounds.honest)
    assert result["weighting"] == {"popularity_percent": 60, "points_per_use": 10}
    # aiko: 2 votes (the top), judges 0.6: 0.6 + 0.4 x 0.6 = 0.84;
    # kenji: 1 vote (popularity 0.5), judges 0.9: 0.3 + 0.36 = 0.66.
    assert [
        (s["track_id"], s["votes"], s["judges_sum"], s["total"]) for s in result["standings"]
    ] == [
        (str(song), 2, 6, "0.840000"),
        (str(other), 1, 9, "0.660000"),
    ]
    assert result["advancing"] == [str(song), str(other)]


def test_a_recount_of_an_honest_round_agrees(rounds: Rounds) -> None:
    recounted = spotlight(rounds.environment, "recount", "--round", str(rounds.honest))

    assert recounted.returncode == 0, recounted.stdout + recounted.stderr
    assert "counted 3 ballots and 2 scores recorded before the close" in recounted.stdout
    assert recounted.stdout.strip().endswith(
        "the recount agrees with the recorded result (2 entries)"
    )
    assert recounted.stderr == ""


def test_a_recount_shows_where_a_recorded_result_departs_from_the_log(rounds: Rounds) -> None:
    song, other = rounds.tracks

    recounted = spotlight(rounds.environment, "recount", "--round", str(rounds.tampered))

    assert recounted.returncode == 1, recounted.stdout + recounted.stderr
    out = recounted.stdout
    assert "counted 1 ballots and 0 scores" in out
    assert "the recount differs from the recorded result" in out
    assert f"track {song}: votes recorded 40, recounted 0" in out
    assert f"track {other}: votes recorded 0, recounted 1" in out
    assert f"track {song}: rank recorded 1, recounted 2" in out
    assert "the recount agrees" not in out


@pytest.mark.parametrize("command", ["round-results", "recount"])
def test_bad_rounds_are_refused_with_one_line(rounds: Rounds, command: str) -> None:
    missing = uuid4()
    not_an_id = spotlight(rounds.environment, command, "--round", "round-one")
    unknown = spotlight(rounds.environment, command, "--round", str(missing))
    without_result = spotlight(rounds.environment, command, "--round", str(rounds.scheduled))

    for refused in (not_an_id, unknown, without_result):
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stdout == ""
        assert len(refused.stderr.strip().splitlines()) == 1
        assert refused.stderr.startswith("spotlight: error: ")
    assert "not a round id" in not_an_id.stderr
    assert f"with id {missing}" in unknown.stderr
    assert f"no result of round with id {rounds.scheduled}" in without_result.stderr
