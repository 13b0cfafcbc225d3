"""A flood of clicks from one viewer cannot inflate a studio's analytics or a brand's KPIs:
one click counts per viewer, video and target in each window of time (an hour by default).
The rule reads only what the log holds (each batch's viewer, each click's time), so the
auditor's replay counts the same."""

from __future__ import annotations

from datetime import timedelta

from application.auth import Principal, Role
from domain.anchors.audience import ClickTarget, DistinctClicks
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT, FixedClock

LEGENDARY = Principal(Role.STUDIO, "legendary")
MIA = Principal(Role.CREATOR, "mia")
ROSA = Principal(Role.REVIEWER, "rosa")
ZOE = Principal(Role.VIEWER, "zoe")
MAX = Principal(Role.VIEWER, "max")
AN_HOUR = timedelta(hours=1)


def test_one_click_counts_per_viewer_video_and_target_in_a_window() -> None:
    clicks = DistinctClicks(AN_HOUR)
    video = ROSA.label  # any hashable stands for the video here

    first = clicks.counts("viewer:zoe", video, "tickets", OPENING_NIGHT)
    again = clicks.counts("viewer:zoe", video, "tickets", OPENING_NIGHT + timedelta(minutes=5))
    other_target = clicks.counts("viewer:zoe", video, "cast", OPENING_NIGHT)
    other_viewer = clicks.counts("viewer:max", video, "tickets", OPENING_NIGHT)
    next_window = clicks.counts("viewer:zoe", video, "tickets", OPENING_NIGHT + AN_HOUR)

    assert (first, again, other_target, other_viewer, next_window) == (
        True,
        False,
        True,
        True,
        True,
    )


def test_a_viewer_flooding_a_title_with_clicks_counts_once_an_hour(
    core: Spotlight, clock: FixedClock
) -> None:
    dune = CatalogueDriver(core).register_title(LEGENDARY, name="Dune", kind=TitleKind.MOVIE)
    clip = CatalogueDriver(core).publish_video(
        MIA, caption="Sandworm riding", hashtags=["#Dune"], category="film-and-tv"
    )
    core.cataloguing.attach_anchor(ROSA, clip.id, dune.id)

    flood = [(clip.id, ClickTarget.TICKETS)] * 5_000
    for n in range(10):
        core.audience.record_clicks(ZOE, f"zoe-{n}", flood)
    core.audience.record_clicks(MAX, "max-1", [(clip.id, ClickTarget.TICKETS)])
    clock.advance(AN_HOUR)
    core.audience.record_clicks(ZOE, "zoe-later", flood)

    (title,) = core.audience.studio_analytics(LEGENDARY, "legendary").titles
    assert title.clicks["tickets"] == 3
    assert title.daily[-1].clicks == 3


def test_a_viewer_flooding_a_call_to_action_counts_once_an_hour(core: Spotlight) -> None:
    clip = CatalogueDriver(core).publish_video(
        MIA, caption="glow", hashtags=["#GlowUp"], category="beauty"
    )

    core.audience.record_call_to_action_clicks(ZOE, "z1", [clip.id] * 1_000)
    core.audience.record_call_to_action_clicks(ZOE, "z2", [clip.id] * 1_000)
    core.audience.record_call_to_action_clicks(MAX, "m1", [clip.id])

    days = core.campaign_dashboards.video_days(clip.id)
    assert sum(day.clicks for day in days.values()) == 2
