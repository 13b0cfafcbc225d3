"""Brand safety: a brand's exclusions (categories, keywords in a video's caption and hashtags,
creators) keep its Pulse ads away from the videos they rule out, whatever the ad server
reports."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.storage import parse_store
from application.auth import Principal, Role
from application.errors import NotPermitted
from domain.anchors.engagement import Engagement
from domain.errors import InvalidValue
from domain.money import Money
from domain.revenue.pulse import BrandSafety, Excluded, Exclusions, ImpressionBatch
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import Settings
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.fakes import FixedClock, SequentialIdentities

OPS = Principal(Role.ADMIN, "ops")
FIZZ = Principal(Role.BRAND, "fizz")


# The rule ------------------------------------------------------------------------------------


def reason(exclusions: Exclusions, caption: str = "", hashtags: tuple[str, ...] = ()) -> str:
    return exclusions.reason(category="dance", creator="mia", caption=caption, hashtags=hashtags)


def test_a_keyword_excludes_its_words_in_a_row_in_the_caption_or_as_one_hashtag() -> None:
    exclusions = Exclusions.checked(categories=[], keywords=["Energy Drink"], creators=[])
    assert "energy drink" in reason(exclusions, "My ENERGY-drink, finally!").casefold()
    assert reason(exclusions, "", ("energydrink",))
    assert reason(exclusions, "Énergy drink")  # accents fold as hashtags do
    assert reason(exclusions, "energy and a drink") == ""
    assert reason(exclusions, "drink energy") == ""
    assert reason(exclusions, "synergy drinks", ("energy",)) == ""


def test_categories_and_creators_exclude_whole_videos() -> None:
    by_category = Exclusions.checked(categories=[" Dance "], keywords=[], creators=[])
    assert by_category.categories == ("dance",)
    assert "category dance" in reason(by_category, "anything")
    by_creator = Exclusions.checked(categories=[], keywords=[], creators=["mia", "mia"])
    assert by_creator.creators == ("mia",)
    assert "creator mia" in reason(by_creator)
    assert reason(Exclusions()) == ""


@pytest.mark.parametrize(
    ("categories", "keywords", "creators"),
    [
        (["knitting"], [], []),
        ([], ["!!!"], []),
        ([], ["x" * 51], []),
        ([], ["two\nlines"], []),
        ([], [], ["not an account"]),
        ([], [f"k{n}" for n in range(201)], []),
    ],
)
def test_bad_exclusions_are_refused(
    categories: list[str], keywords: list[str], creators: list[str]
) -> None:
    with pytest.raises(InvalidValue):
        Exclusions.checked(categories=categories, keywords=keywords, creators=creators)


def test_setting_exclusions_replaces_them_and_is_recorded() -> None:
    safety = BrandSafety.start("fizz")
    now = FixedClock().now()
    safety.set(
        Exclusions.checked(categories=["gaming"], keywords=[], creators=[]), by="fizz", at=now
    )
    safety.set(Exclusions.checked(categories=[], keywords=["vape"], creators=[]), by="ops", at=now)
    events = safety.collect_events()
    assert [type(e).__name__ for e in events] == ["Started", "ExclusionsSet", "ExclusionsSet"]
    assert safety.exclusions == Exclusions(keywords=("vape",))
    assert safety.set_by == "ops"


# Through the services --------------------------------------------------------------------------


def new_core(data_dir: Path) -> Spotlight:
    settings_ = Settings(store=parse_store("memory://"), data_dir=data_dir, secret=TEST_SECRET)
    return bootstrap(settings_, clock=FixedClock(), identities=SequentialIdentities())


def enrolled(core: Spotlight, account: str) -> Principal:
    creator = Principal(Role.CREATOR, account)
    core.creators.register(creator, region="US")
    core.creators.count_followers(OPS, account, 150_000)
    core.pulse.apply(creator)
    core.pulse.decide(OPS, account, approve=True, reason="fits")
    return creator


def campaign_of(core: Spotlight, category: str = "dance") -> UUID:
    now = core.clock.now()
    return core.pulse.launch_campaign(
        FIZZ,
        name="Fizz",
        category=category,
        budget=Money(1_000_00, "USD"),
        cpm=Money(2_00, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=1),
    ).id


def test_a_brand_sets_and_reads_its_exclusions_and_others_cannot(core: Spotlight) -> None:
    assert core.pulse.exclusions(FIZZ).version == 0
    view = core.pulse.set_exclusions(
        FIZZ, categories=["gaming"], keywords=["vape", "Vape"], creators=["leo"]
    )
    assert (view.categories, view.keywords, view.creators) == (("gaming",), ("vape",), ("leo",))
    assert core.pulse.exclusions(Principal(Role.AUDITOR, "aud"), "fizz") == view
    assert core.pulse.exclusions(OPS, "fizz") == view
    with pytest.raises(NotPermitted):
        core.pulse.exclusions(Principal(Role.BRAND, "cola"), "fizz")
    with pytest.raises(NotPermitted):
        core.pulse.set_exclusions(
            Principal(Role.CREATOR, "leo"), categories=[], keywords=[], creators=[]
        )
    with pytest.raises(InvalidValue):
        core.pulse.set_exclusions(FIZZ, categories=["knitting"], keywords=[], creators=[])
    assert core.pulse.exclusions(FIZZ).version == view.version  # nothing recorded
    with pytest.raises(Excluded):
        campaign_of(core, "gaming")


def test_placement_refuses_an_excluded_video_and_bills_nothing(core: Spotlight) -> None:
    mia = enrolled(core, "mia")
    driver = CatalogueDriver(core)
    [video] = [
        driver.publish_video(mia, caption="my vape tricks", hashtags=[], category="dance").id
    ]
    campaign = campaign_of(core)
    core.pulse.set_exclusions(FIZZ, categories=[], keywords=["vape"], creators=[])
    with pytest.raises(Excluded, match="vape"):
        core.pulse.record_impressions(
            OPS, batch_key="b-1", campaign_id=campaign, placements=[(video, 1_000)]
        )
    assert core._revenue.find(ImpressionBatch, ImpressionBatch.id_for("admin:ops", "b-1")) is None
    assert core.pulse.campaign(FIZZ, campaign).remaining == Money(1_000_00, "USD")
    assert core.pulse.campaign_inventory(FIZZ, campaign) == []
    core.pulse.set_exclusions(FIZZ, categories=[], keywords=[], creators=[])
    assert [s.video_id for s in core.pulse.campaign_inventory(FIZZ, campaign)] == [video]


VOCABULARY = ("vape", "dance", "beer", "party", "cats")
CREATORS = ("mia", "noa", "zed")


@st.composite
def scenes(draw: st.DrawFn) -> tuple[list[tuple[str, str, tuple[str, ...]]], Exclusions]:
    videos = draw(
        st.lists(
            st.tuples(
                st.sampled_from(CREATORS),
                st.lists(st.sampled_from(VOCABULARY), max_size=4).map(" ".join),
                st.lists(st.sampled_from(VOCABULARY), max_size=2, unique=True).map(tuple),
            ),
            min_size=1,
            max_size=8,
        )
    )
    exclusions = Exclusions.checked(
        categories=[],
        keywords=draw(st.lists(st.sampled_from(VOCABULARY), max_size=2)),
        creators=draw(st.lists(st.sampled_from(CREATORS), max_size=2)),
    )
    return videos, exclusions


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scene=scenes())
def test_no_excluded_video_ever_gets_an_ad(
    scene: tuple[list[tuple[str, str, tuple[str, ...]]], Exclusions],
) -> None:
    """Every video of a small category is inventory (its top 4% rounds up to all of them when
    there are at most 25); the ad server reports each of them in turn: the excluded ones are
    refused, the others billed, judged by words alone, independently of the rule's code."""
    videos, exclusions = scene
    with tempfile.TemporaryDirectory() as scratch:
        core = new_core(Path(scratch))
        try:
            for creator in CREATORS:
                enrolled(core, creator)
            driver = CatalogueDriver(core)
            published = [
                (
                    driver.publish_video(
                        Principal(Role.CREATOR, creator),
                        caption=caption,
                        hashtags=list(tags),
                        category="dance",
                    ).id,
                    creator,
                    caption,
                    tags,
                )
                for creator, caption, tags in videos
            ]
            # One engaged video ranks first; with 8 or fewer videos only the top 1 is
            # inventory, so each video is brought to the top before it is reported.
            campaign = campaign_of(core)
            core.pulse.set_exclusions(
                FIZZ,
                categories=exclusions.categories,
                keywords=exclusions.keywords,
                creators=exclusions.creators,
            )
            for number, (video_id, creator, caption, tags) in enumerate(published):
                core.audience.record_engagement(
                    OPS, f"e-{number}", [(video_id, Engagement(views=1_000 * (number + 1)))]
                )
                excluded = creator in exclusions.creators or bool(
                    set(exclusions.keywords) & (set(caption.split()) | set(tags))
                )
                allowed = [s.video_id for s in core.pulse.campaign_inventory(FIZZ, campaign)]
                assert allowed == ([] if excluded else [video_id])
                if excluded:
                    with pytest.raises(Excluded):
                        core.pulse.record_impressions(
                            OPS,
                            batch_key=f"b-{number}",
                            campaign_id=campaign,
                            placements=[(video_id, 100)],
                        )
                else:
                    receipt = core.pulse.record_impressions(
                        OPS,
                        batch_key=f"b-{number}",
                        campaign_id=campaign,
                        placements=[(video_id, 100)],
                    )
                    assert receipt.billed == Money(20, "USD")
        finally:
            core.close()
