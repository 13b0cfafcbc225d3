"""An operator reads a partner's rising artists across its seasons at the command line, as
JSON and as CSV: an artist entered in both of the partner's seasons comes first."""

from __future__ import annotations

import json
from pathlib import Path

from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.e2e.music.test_music_cli import environment_for, spotlight
from tests.e2e.music.test_verification_and_rounds_cli import (
    FAR_AHEAD,
    LONG_AGO,
    cleared_track_by,
    season,
)


def test_an_operator_reads_a_partners_rising_artists_across_seasons(tmp_path: Path) -> None:
    environment = environment_for(tmp_path)
    core = bootstrap(Settings.from_environ(environment))
    try:
        tracks = {a: cleared_track_by(core, a, n) for n, a in enumerate(("aiko", "kenji"), 1)}
        season(core, tracks, LONG_AGO)
        season(core, {"kenji": tracks["kenji"]}, FAR_AHEAD)
    finally:
        core.close()

    read = spotlight(environment, "seasons", "rising", "--partner", "Aozora Records")
    exported = spotlight(environment, "seasons", "rising", "--csv")
    unknown = spotlight(environment, "seasons", "rising", "--partner", "Nobody Records")

    assert read.returncode == 0, read.stderr
    rising = json.loads(read.stdout)
    assert rising["partners"] == ["Aozora Records"]
    assert len(rising["seasons"]) == 2
    assert [(a["artist"]["account"], a["seasons"]) for a in rising["artists"]] == [
        ("kenji", 2),
        ("aiko", 1),
    ]
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0] == "artist,name,verified,region,seasons,wins,votes,uses,showings"
    assert [line.split(",")[0] for line in lines[1:]] == ["kenji", "aiko"]
    assert json.loads(unknown.stdout)["artists"] == []
