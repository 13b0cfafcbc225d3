"""A brand's side of Pulse at the command line: a campaign's delivery report as JSON and
CSV, and a brand's safety exclusions shown and replaced; bad input is one line on stderr and
exit status 2, with nothing recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from application.auth import Principal, Role
from domain.anchors.engagement import Engagement
from domain.money import Money
from tests.catalogue_driver import CatalogueDriver
from tests.e2e.revenue.test_pulse_cli import MARCH_10, environment_for, opened, spotlight

OPS = Principal(Role.ADMIN, "ops")
ACME = Principal(Role.BRAND, "acme")


def test_an_operator_reads_a_report_and_sets_exclusions(tmp_path: Path) -> None:
    environment = environment_for(tmp_path)
    core = opened(environment)
    try:
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
        campaign = core.pulse.launch_campaign(
            ACME,
            name="Bake",
            category="cooking",
            budget=Money(50_00, "USD"),
            cpm=Money(4_00, "USD"),
            starts_at=MARCH_10,
            ends_at=MARCH_10 + timedelta(days=3),
        ).id
        core.pulse.record_impressions(
            OPS, batch_key="b-1", campaign_id=campaign, placements=[(video, 500, 5)]
        )
    finally:
        core.close()

    shown = spotlight(environment, "pulse-report", str(campaign), "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["total"]["spend"] == {"minor": 2_00, "currency": "USD"}
    assert report["by_video"][0]["clicks"] == 5
    assert report["by_video"][0]["click_through_bp"] == 100
    ranged = spotlight(
        environment, "pulse-report", str(campaign), "--until", "2025-03-09", "--json"
    )
    assert json.loads(ranged.stdout)["by_video"] == []
    csv = spotlight(environment, "pulse-report", str(campaign), "--csv")
    assert csv.stdout.splitlines()[1] == f"video,cooking,{video},maya,500,500,5,100,200,USD"

    backwards = spotlight(
        environment, "pulse-report", str(campaign), "--since", "2025-03-10", "--until", "2025-03-01"
    )
    assert backwards.returncode == 2
    assert backwards.stderr.startswith("spotlight pulse-report:")
    assert spotlight(environment, "pulse-report", "not-an-id").returncode == 2

    assert json.loads(spotlight(environment, "pulse-exclusions", "acme").stdout)["version"] == 0
    refused = spotlight(environment, "pulse-exclusions", "acme", "--set", "--category", "knitting")
    assert refused.returncode == 2
    assert "knitting" in refused.stderr
    assert json.loads(spotlight(environment, "pulse-exclusions", "acme").stdout)["version"] == 0
    set_ = spotlight(
        environment, "pulse-exclusions", "acme", "--set", "--keyword", "cake", "--json"
    )
    assert set_.returncode == 0, set_.stderr
    assert json.loads(set_.stdout)["keywords"] == ["cake"]
    assert json.loads(set_.stdout)["set_by"] == "admin:cli-operator"
