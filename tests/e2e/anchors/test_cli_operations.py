"""Operators run retroactive matching and read analytics from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]
STUDIO = Principal(Role.STUDIO, "legendary")


def test_spotlight_sweep_matches_old_videos_and_analytics_shows_them(tmp_path: Path) -> None:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path), "SPOTLIGHT_SECRET": "s" * 32}
    environment.pop("SPOTLIGHT_STORE", None)
    core = bootstrap(Settings.from_environ(environment))
    old = core.anchoring.publish_video(
        Principal(Role.CREATOR, "fan-1"),
        caption="worm ride",
        hashtags=["#Arrakis"],
        category="film-and-tv",
    )
    title = core.anchoring.register_title(STUDIO, name="Dune", kind=TitleKind.MOVIE)
    core.anchoring.set_match_words(STUDIO, title.id, hashtags=["arrakis"], keywords=[])
    core.close()

    swept = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "sweep"], env=environment, capture_output=True, text=True, check=False
    )
    analytics = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "analytics", "--studio", "legendary"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert swept.returncode == 0, swept.stderr
    assert "changed 1" in swept.stdout
    assert swept.stdout.strip().endswith("0 sweeps open")
    reopened = bootstrap(Settings.from_environ(environment))
    [proposal] = reopened.cataloguing.video(old.video.id).proposals
    assert proposal.title_id == title.id
    reopened.close()
    assert analytics.returncode == 0, analytics.stderr
    assert json.loads(analytics.stdout)["titles"][0]["name"] == "Dune"


def test_an_unreachable_store_stops_the_sweep_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "sweep", "--store", "postgresql://nobody@127.0.0.1:1/none"],
        env={**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("spotlight: error: --store=")
