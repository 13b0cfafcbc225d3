"""Operators run retroactive matching and read analytics from the command line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import bootstrap, index_directory
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


def test_spotlight_index_snapshot_saves_the_matching_indexes_for_the_next_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path), "SPOTLIGHT_SECRET": "s" * 32}
    environment.pop("SPOTLIGHT_STORE", None)
    environment.pop("SPOTLIGHT_INDEX_DIR", None)
    core = bootstrap(Settings.from_environ(environment))
    title = core.anchoring.register_title(STUDIO, name="Dune", kind=TitleKind.MOVIE)
    core.anchoring.set_match_words(STUDIO, title.id, hashtags=["arrakis"], keywords=["spice"])
    core.close()

    def snapshot() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, "index", "snapshot"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    saved = snapshot()
    again = snapshot()

    assert saved.returncode == 0, saved.stderr
    assert "anchors index saved at catalogue position" in saved.stdout
    assert "music index saved at music position 0 and catalogue position" in saved.stdout
    assert "products index saved at revenue position 0: 0 listings" in saved.stdout
    for index in ("anchors", "music", "products"):
        assert list((tmp_path / "indexes").glob(f"*/{index}/snapshot-*/manifest.json"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"the {index} index is saved as it stands already, in {where}"
        for index, where in (
            (index, index_directory(Settings.from_environ(environment), index))
            for index in ("anchors", "music", "products")
        )
    ]
    with caplog.at_level(logging.INFO, logger="spotlight.indexes"):
        reopened = bootstrap(Settings.from_environ(environment))
    assert any("loaded at catalogue position" in r.getMessage() for r in caplog.records)
    assert reopened.anchoring.index.words_of(title.id) is not None
    [candidate] = reopened.anchoring.index.text.query("spice harvest", ["arrakis"])
    assert candidate.title_id == str(title.id)
    reopened.close()


def test_spotlight_index_snapshot_refuses_the_memory_store(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "index", "snapshot", "--store", "memory://"],
        env={**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert "keeps nothing between processes" in result.stderr
