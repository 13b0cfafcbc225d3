"""A brand's Pulse pages: its campaigns with their delivery, and its safety exclusions set from
a form (a refused field shown again with its reason, nothing recorded)."""

from __future__ import annotations

import re
from datetime import timedelta

from application.auth import Principal, Role
from domain.anchors.engagement import Engagement
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.e2e.web.test_web_authorisation import Auth, signed_in_as

OPS = Principal(Role.ADMIN, "ops")


def test_a_brand_reads_its_delivery_and_sets_its_exclusions(core: Spotlight, auth: Auth) -> None:
    web, csrf = signed_in_as(core, auth, Role.BRAND)
    brand = Principal(Role.BRAND, "someone-brand")
    maya = Principal(Role.CREATOR, "maya")
    core.creators.register(maya, region="US")
    core.creators.count_followers(OPS, "maya", 200_000)
    core.pulse.apply(maya)
    core.pulse.decide(OPS, "maya", approve=True, reason="fits")
    video = (
        CatalogueDriver(core)
        .publish_video(maya, caption="cake", hashtags=[], category="cooking")
        .id
    )
    core.audience.record_engagement(OPS, "e-1", [(video, Engagement(views=10))])
    now = core.clock.now()
    campaign = core.pulse.launch_campaign(
        brand,
        name="Bake week",
        category="cooking",
        budget=Money(50_00, "USD"),
        cpm=Money(4_00, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=3),
    ).id
    core.pulse.record_impressions(
        OPS, batch_key="b-1", campaign_id=campaign, placements=[(video, 500, 5)]
    )

    page = web.get("/brand/pulse")
    assert page.status_code == 200, page.text
    assert f'href="/brand/pulse/campaigns/{campaign}"' in page.text
    report = web.get(f"/brand/pulse/campaigns/{campaign}")
    assert report.status_code == 200, report.text
    assert re.search(r"1\.00%", report.text)
    assert f'data-video="{video}"' in report.text
    assert "report.csv" in report.text
    assert (
        web.get(f"/brand/pulse/campaigns/{campaign}?since=2000-01-02&until=2000-01-01").status_code
        == 422
    )

    refused = web.post(
        "/brand/pulse/exclusions",
        data={"csrf_token": csrf, "category": "knitting", "keywords": "vape", "creators": ""},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "knitting" in refused.text
    assert core.pulse.exclusions(brand).version == 0
    saved = web.post(
        "/brand/pulse/exclusions",
        data={
            "csrf_token": csrf,
            "category": "gaming",
            "keywords": "vape\nenergy drink",
            "creators": "leo, zed",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    view = core.pulse.exclusions(brand)
    assert (view.categories, view.keywords, view.creators) == (
        ("gaming",),
        ("energy drink", "vape"),
        ("leo", "zed"),
    )
    again = web.get("/brand/pulse?done=exclusions")
    assert "Exclusions saved." in again.text
    assert 'value="gaming" checked' in again.text
