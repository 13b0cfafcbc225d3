"""The studio dashboard's weekly brief: the last seven days against the seven before them."""

from __future__ import annotations

from datetime import date, timedelta

from application.anchors.analytics import SERIES_DAYS, DayView, weekly_brief
from application.auth import Principal, Role
from domain.anchors.audience import ClickTarget
from domain.anchors.engagement import Engagement
from domain.anchors.titles import TitleKind
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import FixedClock

AS_OF = date(2025, 3, 28)


def series(
    *,
    this_week: tuple[int, int, int] = (0, 0, 0),
    last_week: tuple[int, int, int] = (0, 0, 0),
    earlier_views: int = 0,
) -> tuple[DayView, ...]:
    """28 days ending AS_OF; (views, clicks, new anchors) of each week fall on one of its days.

    ``earlier_views`` fall more than two weeks ago: the brief must not count them.
    """
    days = [AS_OF - timedelta(days=n) for n in range(SERIES_DAYS - 1, -1, -1)]
    figures = {
        AS_OF - timedelta(days=3): this_week,
        AS_OF - timedelta(days=10): last_week,
        AS_OF - timedelta(days=20): (earlier_views, 0, 0),
    }
    return tuple(
        DayView(
            day=day,
            views=figures.get(day, (0, 0, 0))[0],
            engagement=0,
            clicks=figures.get(day, (0, 0, 0))[1],
            new_anchors=figures.get(day, (0, 0, 0))[2],
        )
        for day in days
    )


def test_a_growing_week_is_told_as_a_rise_in_percent() -> None:
    brief = weekly_brief(series(this_week=(14_000, 300, 4), last_week=(10_000, 200, 1)), ())

    assert brief == (
        "This week: 14,000 views of anchored videos (+40% on the week before), "
        "300 clicks through anchors (+50%), 4 new anchored videos."
    )


def test_a_declining_week_is_told_as_a_fall_in_percent() -> None:
    brief = weekly_brief(series(this_week=(7_500, 90, 0), last_week=(10_000, 120, 3)), ())

    assert brief == (
        "This week: 7,500 views of anchored videos (-25% on the week before), "
        "90 clicks through anchors (-25%), 0 new anchored videos."
    )


def test_a_first_week_with_an_audience_is_new() -> None:
    brief = weekly_brief(series(this_week=(1_200, 40, 2)), ())

    assert brief == (
        "This week: 1,200 views of anchored videos (new on the week before), "
        "40 clicks through anchors (new), 2 new anchored videos."
    )


def test_two_quiet_weeks_are_no_change() -> None:
    brief = weekly_brief(series(), ())

    assert brief == (
        "This week: 0 views of anchored videos (no change on the week before), "
        "0 clicks through anchors (no change), 0 new anchored videos."
    )


def test_an_unchanged_week_is_plus_nothing() -> None:
    brief = weekly_brief(series(this_week=(500, 10, 0), last_week=(500, 10, 0)), ())

    assert "(+0% on the week before)" in brief
    assert "10 clicks through anchors (+0%)" in brief


def test_a_week_without_an_audience_after_one_with_is_a_full_fall() -> None:
    brief = weekly_brief(series(last_week=(800, 16, 2)), ())

    assert "0 views of anchored videos (-100% on the week before)" in brief
    assert "0 clicks through anchors (-100%)" in brief


def test_only_the_last_fourteen_days_are_compared() -> None:
    brief = weekly_brief(series(this_week=(200, 0, 0), earlier_views=50_000), ())

    assert brief.startswith("This week: 200 views of anchored videos (new on the week before)")


def test_the_three_top_hashtags_name_the_conversation() -> None:
    top = (("arrakis", 40), ("sandworm", 12), ("zendaya", 9), ("spice", 3))

    brief = weekly_brief(series(this_week=(100, 1, 1), last_week=(100, 1, 0)), top)

    assert brief.endswith(" The conversation is in #arrakis, #sandworm, #zendaya.")
    assert "#spice" not in brief


def test_fewer_hashtags_are_all_named() -> None:
    brief = weekly_brief(series(), (("arrakis", 2),))

    assert brief.endswith("0 new anchored videos. The conversation is in #arrakis.")


def test_without_hashtags_the_brief_does_not_mention_the_conversation() -> None:
    assert "conversation" not in weekly_brief(series(this_week=(100, 1, 1)), ())


# Through the dashboard ------------------------------------------------------------------------

LEGENDARY = Principal(Role.STUDIO, "legendary")
MIA = Principal(Role.CREATOR, "mia")
ROSA = Principal(Role.REVIEWER, "rosa")
COUNTER = Principal(Role.ADMIN, "view-counter")
ZOE = Principal(Role.VIEWER, "zoe")


def test_the_dashboard_briefs_a_studio_on_its_anchored_videos(
    core: Spotlight, clock: FixedClock
) -> None:
    dune = CatalogueDriver(core).register_title(LEGENDARY, name="Dune", kind=TitleKind.MOVIE)
    clip = CatalogueDriver(core).publish_video(
        MIA, caption="Sandworm riding", hashtags=["#Dune", "#Arrakis"], category="film-and-tv"
    )
    unanchored = CatalogueDriver(core).publish_video(
        MIA, caption="Cat video", hashtags=["#Cats"], category="pets"
    )
    core.cataloguing.attach_anchor(ROSA, clip.id, dune.id)
    core.audience.record_engagement(
        COUNTER,
        "week-before",
        [(clip.id, Engagement(views=1_000)), (unanchored.id, Engagement(views=99_999))],
    )
    core.audience.record_clicks(ZOE, "zoe-1", [(clip.id, ClickTarget.TICKETS)])
    clock.advance(timedelta(days=7))
    core.audience.record_engagement(COUNTER, "this-week", [(clip.id, Engagement(views=1_500))])

    (title,) = core.audience.studio_analytics(LEGENDARY, "legendary").titles

    assert title.views == 2_500
    assert title.top_hashtags == (("arrakis", 1),)
    assert title.brief == (
        "This week: 1,500 views of anchored videos (+50% on the week before), "
        "0 clicks through anchors (-100%), 0 new anchored videos. "
        "The conversation is in #arrakis."
    )


def test_the_titles_own_name_as_a_hashtag_is_not_part_of_the_conversation(
    core: Spotlight,
) -> None:
    dune = CatalogueDriver(core).register_title(
        LEGENDARY, name="Dune: Part Two", kind=TitleKind.MOVIE
    )
    clip = CatalogueDriver(core).publish_video(
        MIA,
        caption="Sandworm riding",
        hashtags=["#DunePartTwo", "#Arrakis"],
        category="film-and-tv",
    )
    core.cataloguing.attach_anchor(ROSA, clip.id, dune.id)

    (title,) = core.audience.studio_analytics(LEGENDARY, "legendary").titles

    assert title.top_hashtags == (("arrakis", 1),)
