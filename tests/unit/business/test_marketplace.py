"""The creator marketplace ranks hand-built creators where the right answer is obvious, says
why, and never shows a creator outside the filters asked for."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from application.auth import Principal, Role
from application.business.marketplace import CreatorQuery
from application.errors import NotPermitted
from domain.anchors.engagement import Engagement
from domain.business.campaigns import Kpi, KpiTarget
from domain.business.invitations import Terms
from domain.errors import InvalidValue
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.fakes import OPENING_NIGHT
from tests.pages import every_page

BRAND = Principal(Role.BRAND, "glowco")
ADMIN = Principal(Role.ADMIN, "ops")

#: account: (region, followers, category, caption, videos, views per video, engagements)
CREATORS = {
    "glow-queen": ("US", 500_000, "beauty", "my glow skincare routine #glowup", 6, 1_000, 100),
    "tiny-glow": ("US", 5_000, "beauty", "skincare on a budget #glowup", 3, 1_000, 20),
    "speedrunner": ("US", 800_000, "gaming", "any% speedrun world record", 6, 1_000, 60),
    "tokyo-skin": ("JP", 300_000, "beauty", "japanese skincare steps", 4, 1_000, 80),
}


@pytest.fixture
def market(core: Spotlight) -> Spotlight:
    for account, (region, followers, category, caption, videos, views, engaged) in CREATORS.items():
        me = Principal(Role.CREATOR, account)
        core.creators.register(me, region=region)
        core.creators.count_followers(ADMIN, account, followers)
        for n in range(videos):
            video = CatalogueDriver(core).publish_video(
                me, caption=f"{caption} {n}", hashtags=[], category=category
            )
            core.audience.record_engagement(
                ADMIN, f"{account}-{n}", [(video.id, Engagement(views=views, likes=engaged))]
            )
    return core


def found(core: Spotlight, **query: object) -> list[str]:
    page = core.marketplace.find_creators(BRAND, CreatorQuery(**query))  # type: ignore[arg-type]
    return [match.creator for match in page.items]


def test_a_category_finds_only_its_creators_the_strongest_first(market: Spotlight) -> None:
    assert found(market, categories=("beauty",)) == ["glow-queen", "tokyo-skin", "tiny-glow"]


def test_filters_are_hard(market: Spotlight) -> None:
    assert found(market, regions=("JP",)) == ["tokyo-skin"]
    assert found(market, followers_min=100_000, followers_max=600_000) == [
        "glow-queen",
        "tokyo-skin",
    ]
    assert "tiny-glow" not in found(market, engagement_rate_min_bp=500)  # 2 % of views
    assert found(market, categories=("gaming",), regions=("JP",)) == []


def test_free_text_finds_the_creators_who_said_it_even_misspelt(market: Spotlight) -> None:
    assert set(found(market, text="skincare")) == {"glow-queen", "tiny-glow", "tokyo-skin"}
    assert set(found(market, text="skincre")) == {"glow-queen", "tiny-glow", "tokyo-skin"}
    assert found(market, text="speedrun") == ["speedrunner"]


def test_creators_are_ranked_by_fit_to_a_campaign_with_the_reasons(
    market: Spotlight,
) -> None:
    campaign = market.campaigns.launch(
        BRAND,
        name="Glow up",
        objective="engagement",
        budget=Money(100_000, "USD"),
        starts_on=OPENING_NIGHT.date(),
        ends_on=OPENING_NIGHT.date() + timedelta(days=30),
        categories=["beauty"],
        regions=["US"],
        kpis=[KpiTarget(Kpi.VIEWS, 1_000)],
        hashtag="#glowup",
    )
    market.campaigns.invite(
        BRAND,
        campaign.id,
        creator="glow-queen",
        terms=Terms(Money(10_000, "USD"), "a video", OPENING_NIGHT.date() + timedelta(days=9)),
    )

    page = market.marketplace.find_creators(BRAND, CreatorQuery(campaign_id=campaign.id)).items

    assert [m.creator for m in page] == ["glow-queen", "tiny-glow", "tokyo-skin"]
    assert [m.score for m in page] == sorted((m.score for m in page), reverse=True)
    # A gamer neither makes beauty videos nor talks of glowing: not a fit for this campaign.
    best = page[0]
    assert best.invited
    reasons = {signal.name: signal for signal in best.signals}
    assert reasons["category"].detail == "6 of 6 videos in beauty"
    assert reasons["region"].score == 1.0
    assert "glowup" in reasons["text"].detail
    assert reasons["engagement"].detail.startswith("10.0% of views engage")
    assert best.engagement_rate_bp == 1_000
    tokyo = next(m for m in page if m.creator == "tokyo-skin")
    assert "not in US" in {s.name: s for s in tokyo.signals}["region"].detail


def test_pages_follow_one_another_without_repeats(market: Spotlight) -> None:
    whole = market.marketplace.find_creators(BRAND, CreatorQuery(), limit=50).items
    for limit in (1, 2, 3):
        paged = every_page(
            partial(market.marketplace.find_creators, BRAND, CreatorQuery(), limit=limit)
        )
        assert [m.creator for m in paged] == [m.creator for m in whole]
    assert len({m.creator for m in whole}) == len(CREATORS)
    # A cursor continues its own search only.
    cursor = market.marketplace.find_creators(BRAND, CreatorQuery(), limit=1).next_cursor
    with pytest.raises(InvalidValue, match="another search"):
        market.marketplace.find_creators(BRAND, CreatorQuery(regions=("US",)), cursor=cursor)
    with pytest.raises(InvalidValue, match="from 1 to 100"):
        market.marketplace.find_creators(BRAND, CreatorQuery(), limit=101)


def test_bad_searches_are_refused(market: Spotlight) -> None:
    with pytest.raises(InvalidValue, match="unknown category"):
        found(market, categories=("knitting",))
    with pytest.raises(InvalidValue, match="unknown region"):
        found(market, regions=("XX",))
    with pytest.raises(NotPermitted):
        market.marketplace.find_creators(Principal(Role.CREATOR, "tiny-glow"), CreatorQuery())


def test_a_minor_is_never_offered_to_brands(market: Spotlight) -> None:
    market.moderation.record_age_band(Principal(Role.CREATOR, "tiny-glow"), "tiny-glow", "13-15")

    assert "tiny-glow" not in found(market)
    assert "tiny-glow" not in found(market, text="skincare budget glowup")
    assert found(market, categories=("beauty",)) == ["glow-queen", "tokyo-skin"]


def test_a_bound_past_any_count_answers_nothing_rather_than_failing(
    market: Spotlight,
) -> None:
    beyond = 10**30
    assert found(market, followers_min=beyond) == []
    assert found(market, engagement_rate_min_bp=beyond) == []
    assert len(found(market, followers_max=beyond)) == len(CREATORS)
