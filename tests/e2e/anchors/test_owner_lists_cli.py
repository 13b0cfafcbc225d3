"""An operator pages through a studio's titles, a creator's videos and an artist's tracks
from the command line; a cursor altered by hand stops with one line and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import bootstrap
from entrypoints.cli import main
from entrypoints.settings import Settings
from tests.media import corpus

STUDIO = Principal(Role.STUDIO, "legendary")
CREATOR = Principal(Role.CREATOR, "fan-1")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    monkeypatch.delenv("SPOTLIGHT_STORE", raising=False)
    return tmp_path


def test_an_operator_pages_through_a_studios_titles_and_a_creators_videos(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    core = bootstrap(Settings.from_environ())
    titles = [
        str(core.anchoring.register_title(STUDIO, name=f"Dune {n}", kind=TitleKind.MOVIE).id)
        for n in range(3)
    ]
    video = core.anchoring.publish_video(
        CREATOR, caption="worm ride", hashtags=["#Arrakis"], category="film-and-tv"
    ).video
    aiko = Principal(Role.ARTIST, "aiko")
    core.discovery.register_artist(aiko, name="Aiko", region="JP")
    song = corpus.audio_only_wav(corpus.reference_clip(201, seconds=12))
    track = core.discovery.submit_track(aiko, title="Night Drive", media=song)
    core.close()

    assert main(["studio-titles", "--studio", "legendary", "--limit", "2"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["studio-titles", "--studio", "legendary", "--cursor", first["next_cursor"]]) == 0
    second = json.loads(capsys.readouterr().out)
    assert main(["creator-videos", "--creator", "fan-1"]) == 0
    videos = json.loads(capsys.readouterr().out)
    assert main(["studio-anchors", "--studio", "legendary"]) == 0
    anchors = json.loads(capsys.readouterr().out)
    assert main(["creator-invitations", "--creator", "fan-1"]) == 0
    invitations = json.loads(capsys.readouterr().out)
    assert main(["studio-disputes", "--studio", "legendary"]) == 0
    disputes = json.loads(capsys.readouterr().out)
    assert main(["artist-tracks", "--artist", "aiko"]) == 0
    tracks = json.loads(capsys.readouterr().out)
    assert main(["artist-seasons", "--artist", "aiko"]) == 0
    seasons = json.loads(capsys.readouterr().out)

    assert [item["title_id"] for item in first["items"] + second["items"]] == titles
    assert second["next_cursor"] is None
    assert [item["video_id"] for item in videos["items"]] == [str(video.id)]
    assert videos["items"][0]["moderation"] == "unreviewed"
    assert anchors == {"items": [], "next_cursor": None}
    assert invitations == {"items": [], "next_cursor": None}
    assert disputes == {"items": [], "next_cursor": None}
    assert seasons == {"items": [], "next_cursor": None}
    assert [(item["id"], item["status"]) for item in tracks["items"]] == [
        (str(track.id), "submitted")
    ]


def test_an_altered_cursor_stops_with_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["creator-videos", "--creator", "fan-1", "--cursor", "e30.AAAA"])

    assert status != 0
    assert "cursor" in capsys.readouterr().err
