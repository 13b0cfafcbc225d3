"""An operator judges waiting matches again on engagement from the command line: a match that
waited because its video was quiet is attached once the engagement recorded meets the
title's rule, and a second run finds nothing left to read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from application.auth import Principal, Role
from domain.anchors.engagement import Engagement
from domain.anchors.matching import EngagementRule, MatchPolicy, SignalRule
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]
STUDIO = Principal(Role.STUDIO, "legendary")
OPS = Principal(Role.ADMIN, "ops")


def rejudge(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "rejudge"], env=environment, capture_output=True, text=True, check=False
    )


def test_spotlight_rejudge_attaches_a_waiting_match_whose_video_grew_engaging(
    tmp_path: Path,
) -> None:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path), "SPOTLIGHT_SECRET": "s" * 32}
    environment.pop("SPOTLIGHT_STORE", None)
    core = bootstrap(Settings.from_environ(environment))
    title = core.anchoring.register_title(STUDIO, name="Arrival", kind=TitleKind.MOVIE)
    policy = MatchPolicy(
        text=SignalRule(review_at=0.3, attach_at=0.3), engagement=EngagementRule(min_views=500)
    )
    core.anchoring.set_policy(STUDIO, title.id, policy)
    edit = core.anchoring.publish_video(
        Principal(Role.CREATOR, "fan-1"),
        caption="heptapods",
        hashtags=["arrival"],
        category="film-and-tv",
    ).video.id
    core.audience.record_engagement(OPS, "day-1", [(edit, Engagement(views=900))])
    core.close()

    first = rejudge(environment)
    second = rejudge(environment)

    assert first.returncode == 0, first.stderr
    assert "attached 1 waiting matches" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "read 0 engagement events" in second.stdout
    reopened = bootstrap(Settings.from_environ(environment))
    anchor = reopened.cataloguing.video(edit).anchor
    reopened.close()
    assert anchor is not None
    assert anchor.title_id == title.id
