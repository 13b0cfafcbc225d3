"""An operator prints a title's per-video table from the command line, as JSON or CSV, and a
bad range stops the command with its reason."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from application.auth import Principal, Role
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]
STUDIO = Principal(Role.STUDIO, "legendary")


def test_the_cli_prints_the_table_a_page_or_whole_and_refuses_a_bad_range(
    tmp_path: Path,
) -> None:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path), "SPOTLIGHT_SECRET": "s" * 32}
    environment.pop("SPOTLIGHT_STORE", None)
    core = bootstrap(Settings.from_environ(environment))
    title = core.anchoring.register_title(STUDIO, name="Dune", kind=TitleKind.MOVIE).id
    videos = [
        core.anchoring.publish_video(
            Principal(Role.CREATOR, "fan-1"), caption=caption, hashtags=[], category="film-and-tv"
        ).video.id
        for caption in ("worm ride", "fan edit")
    ]
    for video in videos:
        core.cataloguing.attach_anchor(Principal(Role.REVIEWER, "rosa"), video, title)
    core.audience.record_engagement(
        Principal(Role.ADMIN, "ops"), "e1", [(videos[0], Engagement(views=40))]
    )
    core.audience.record_clicks(
        Principal(Role.VIEWER, "zoe"), "z1", [(videos[1], ClickTarget.CAST)], region="FR"
    )
    core.close()

    def spotlight(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, "analytics-videos", "--title", str(title), *arguments],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    page = spotlight("--sort", "views", "--days", "7", "--limit", "1")
    whole = spotlight("--csv", "--sort", "cast")
    backwards = spotlight("--from", "2026-03-02", "--to", "2026-03-01")

    assert page.returncode == 0, page.stderr
    printed = json.loads(page.stdout)
    assert [item["video_id"] for item in printed["items"]] == [str(videos[0])]
    assert printed["items"][0]["current"]["views"] == 40
    assert printed["next_cursor"] is not None
    assert printed["clicks_by_region"] == {"FR": 1}
    assert whole.returncode == 0, whole.stderr
    rows = list(csv.DictReader(whole.stdout.splitlines()))
    assert [(row["video_id"], row["cast_clicks"]) for row in rows] == [
        (str(videos[1]), "1"),
        (str(videos[0]), "0"),
    ]
    assert backwards.returncode != 0
    assert "not before its first" in backwards.stderr
