"""An auditor or operator at the command line: a track's videos, declared and detected, with
their counts, and the sound a video declares (bad ids: a message and exit status 2)."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from tests.e2e.music.test_music_cli import environment_for, spotlight
from tests.media import corpus
from tests.music.test_usage_detection import LANTERNS, MIA, cleared, published, track_clip


def test_an_auditor_reads_a_tracks_videos_and_a_videos_declared_sound(tmp_path: Path) -> None:
    environment = environment_for(tmp_path)
    core = bootstrap(Settings.from_environ(environment))
    try:
        lanterns = cleared(core, LANTERNS, "Paper Lanterns")
        video = published(core, corpus.voice_over_mixed(track_clip(LANTERNS)))
        core.sounds.declare(MIA, video, lanterns)
    finally:
        core.close()

    listed = spotlight(environment, "sounds", "track-videos", str(lanterns), "--limit", "10")
    assert listed.returncode == 0, listed.stderr
    page = json.loads(listed.stdout)
    assert page["counts"] == {"declared": 1, "detected": 0, "verified": 1, "flagged": 0}
    assert [item["video_id"] for item in page["items"]] == [str(video)]
    declared = spotlight(environment, "sounds", "declaration", str(video))
    assert json.loads(declared.stdout)["check"] == "verified"

    unknown = spotlight(environment, "sounds", "track-videos", str(uuid4()))
    assert unknown.returncode == 2
    assert "no track" in unknown.stderr
    malformed = spotlight(environment, "sounds", "declaration", "not-a-video")
    assert malformed.returncode == 2
    assert "is not a video id" in malformed.stderr
