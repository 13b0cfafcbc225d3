"""The background worker runs what the core registers: the passes of the service, in
order, and any pass added to the same list; a pass that fails ends the tick, logged, and the
next tick starts again from the first."""

from __future__ import annotations

import logging

import pytest

from application.auth import Principal, Role
from application.background import BackgroundPass, BackgroundWork
from application.errors import StaleVersion
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from entrypoints.sweeper import BackgroundSweeper


class Counted:
    """A pass of the test's own: it counts its runs and answers the same line each time."""

    def __init__(self, line: str | None) -> None:
        self.line = line
        self.runs = 0

    def run(self) -> str | None:
        self.runs += 1
        return self.line


SERVICE_PASSES = (
    "retroactive matching",
    "track usage",
    "competition schedule",
    "product recognition",
    "product tags",
    "anchors index snapshot",
    "music index snapshot",
    "product index snapshot",
    "webhook deliveries",
    "engagement re-judging",
)


def test_the_core_registers_the_service_s_background_passes_in_order(core: Spotlight) -> None:
    assert core.background.names() == SERVICE_PASSES


def test_a_name_is_registered_once() -> None:
    work = BackgroundWork()
    work.register(BackgroundPass("tidy", lambda: None, "tidying failed"))
    with pytest.raises(ValueError, match="tidy"):
        work.register(BackgroundPass("tidy", lambda: None, "tidying failed"))


def test_a_tick_runs_every_registered_pass_and_logs_what_each_did(
    core: Spotlight, caplog: pytest.LogCaptureFixture
) -> None:
    tidy = Counted("3 tidied")
    core.background.register(BackgroundPass("tidy", tidy.run, "tidying failed"))
    # A video out before the title: the title's sweep has one to consider.
    core.anchoring.publish_video(
        Principal(Role.CREATOR, "mia"), caption="a clip", hashtags=[], category="comedy"
    )
    core.anchoring.register_title(
        Principal(Role.STUDIO, "legendary"), name="Dune", kind=TitleKind.MOVIE
    )
    with caplog.at_level(logging.INFO, logger="spotlight.sweeper"):
        BackgroundSweeper(core, interval=60).tick()
    assert tidy.runs == 1
    lines = [record.getMessage() for record in caplog.records]
    assert "tidy: 3 tidied" in lines
    assert any(line.startswith("retroactive matching: ") for line in lines)


def test_a_failing_pass_ends_the_tick_and_says_so(
    core: Spotlight, caplog: pytest.LogCaptureFixture
) -> None:
    after = Counted(None)

    def fails() -> str | None:
        raise RuntimeError("the store went away")

    core.background.register(
        BackgroundPass("breaks", fails, "breaking pass failed"),
        BackgroundPass("after", after.run, "after failed"),
    )
    with caplog.at_level(logging.INFO, logger="spotlight.sweeper"):
        BackgroundSweeper(core, interval=60).tick()
    assert after.runs == 0
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "breaking pass failed"
    ]


def test_a_pass_that_loses_a_race_to_another_process_is_no_error_and_resumes_next_tick(
    core: Spotlight, caplog: pytest.LogCaptureFixture
) -> None:
    after = Counted(None)
    raced = Counted(None)

    def loses_a_race() -> str | None:
        raced.run()
        raise StaleVersion("title", "t-1", None, None)

    core.background.register(
        BackgroundPass("raced", loses_a_race, "raced pass failed"),
        BackgroundPass("after", after.run, "after failed"),
    )
    sweeper = BackgroundSweeper(core, interval=60)
    with caplog.at_level(logging.INFO, logger="spotlight.sweeper"):
        sweeper.tick()
        sweeper.tick()
    assert raced.runs == 2
    assert after.runs == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in caplog.records if "raced" in r.getMessage()] == [
        "raced: another process changed what it was saving; resumed at the next tick"
    ] * 2
