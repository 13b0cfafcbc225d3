"""A brand's campaigns (business and Pulse), a campaign's invitations and branded effects,
and the effects of the campaigns live today, read a page at a time through the Python API
from persisted read models: every item once, in a stable order, at any page size, only the
reader's own; a campaign ended early leaves the live effects; a restarted core answers the
same.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from uuid import UUID

import pytest

from application.auth import Principal, Role
from application.business.brand_lists import Program
from application.errors import NotFound, NotPermitted
from domain.business.campaigns import Kpi, KpiTarget
from domain.business.invitations import Terms
from domain.errors import InvalidValue
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.conftest import TEST_SECRET
from tests.deployments import Deployment, StoreUnderTest, store_under_test
from tests.pages import every_page

GLOWCO = Principal(Role.BRAND, "glowco")
RIVAL = Principal(Role.BRAND, "rival")
AUDITOR = Principal(Role.AUDITOR, "ivy")
ADMIN = Principal(Role.ADMIN, "ops")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "brand_lists")


@pytest.fixture
def deployment(store: StoreUnderTest, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(store, tmp_path, secret=TEST_SECRET)
    yield deployment
    deployment.stop_all()


def launch(core: Spotlight, brand: Principal, n: int, *, days: int = 30) -> UUID:
    today = core.clock.now().date()
    return core.campaigns.launch(
        brand,
        name=f"{brand.subject} {n}",
        objective="engagement",
        budget=usd(1_000_00),
        starts_on=today,
        ends_on=today + timedelta(days=days),
        categories=["beauty"],
        regions=["US"],
        kpis=[KpiTarget(Kpi.VIEWS, 1_000)],
        hashtag=f"#{brand.subject}{n}",
    ).id


def pulse(core: Spotlight, brand: Principal, n: int) -> UUID:
    now = core.clock.now()
    return core.pulse.launch_campaign(
        brand,
        name=f"{brand.subject} pulse {n}",
        category="cooking",
        budget=usd(500_00),
        cpm=usd(10_00),
        starts_at=now,
        ends_at=now + timedelta(days=10),
    ).id


def test_a_brand_lists_its_campaigns_of_both_programs_in_the_order_launched(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    ours: list[tuple[UUID, Program]] = []
    for n in range(4):
        ours.append((launch(core, GLOWCO, n), Program.BUSINESS))
        ours.append((pulse(core, GLOWCO, n), Program.PULSE))
        launch(core, RIVAL, n)
    core.campaigns.end(GLOWCO, ours[2][0], reason="sold out")

    for limit in (1, 3, 8, 50):
        listed = every_page(partial(core.brand_lists.campaigns, GLOWCO, limit=limit))
        assert [(c.campaign_id, c.program) for c in listed] == ours
    assert [c.ended for c in listed] == [n == 2 for n in range(8)]
    assert {c.brand for c in listed} == {"glowco"}
    assert listed[1].budget == usd(500_00)
    business = every_page(
        partial(core.brand_lists.campaigns, GLOWCO, program=Program.BUSINESS, limit=2)
    )
    assert [c.campaign_id for c in business] == [c for c, p in ours if p is Program.BUSINESS]
    with pytest.raises(NotPermitted):
        core.brand_lists.campaigns(RIVAL, "glowco")
    with pytest.raises(NotPermitted):
        core.brand_lists.campaigns(Principal(Role.CREATOR, "ana"))

    again = deployment.fresh_start()
    assert every_page(partial(again.brand_lists.campaigns, AUDITOR, "glowco")) == listed


def test_effects_page_by_campaign_and_the_live_ones_leave_when_their_campaign_ends(
    deployment: Deployment,
) -> None:
    core = deployment.start()
    short = launch(core, GLOWCO, 0, days=5)
    long = launch(core, GLOWCO, 1, days=60)
    theirs = launch(core, RIVAL, 0, days=20)
    effects: dict[UUID, list[UUID]] = {short: [], long: [], theirs: []}
    for n in range(3):
        for campaign, brand in ((long, GLOWCO), (short, GLOWCO), (theirs, RIVAL)):
            effect = core.campaigns.register_effect(
                brand, campaign, name=f"Scan {n}", asset=f"assets://{brand.subject}/{n}.glb"
            )
            effects[campaign].append(effect.id)

    for limit in (1, 2, 50):
        listed = every_page(partial(core.brand_lists.campaign_effects, GLOWCO, long, limit=limit))
        assert [e.effect_id for e in listed] == effects[long]
    assert listed[0].asset == "assets://glowco/0.glb"
    with pytest.raises(NotPermitted):
        core.brand_lists.campaign_effects(RIVAL, long)
    with pytest.raises(NotFound):
        core.brand_lists.campaign_effects(ADMIN, UUID(int=99))

    # Live today: those ending soonest first, then in the order registered.
    for limit in (1, 2, 4, 50):
        live = every_page(partial(core.brand_lists.live_effects, limit=limit))
        assert [e.effect_id for e in live] == effects[short] + effects[theirs] + effects[long]
    deployment.clock.advance(timedelta(days=1))
    core.campaigns.end(RIVAL, theirs, reason="budget moved")
    assert [e.effect_id for e in every_page(core.brand_lists.live_effects)] == (
        effects[theirs] + effects[short] + effects[long]
    )  # ended today: its last day is today
    deployment.clock.advance(timedelta(days=5))
    assert [e.effect_id for e in every_page(core.brand_lists.live_effects)] == effects[long]

    cursor = core.brand_lists.live_effects(limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidValue, match="another list"):
        core.brand_lists.campaign_effects(GLOWCO, long, cursor=cursor)

    live = every_page(core.brand_lists.live_effects)
    again = deployment.fresh_start()
    assert every_page(again.brand_lists.live_effects) == live


def test_a_campaigns_invitations_page_in_the_order_sent(deployment: Deployment) -> None:
    core = deployment.start()
    campaign = launch(core, GLOWCO, 0)
    names = [f"creator-{n}" for n in range(5)]
    for name in names:
        core.creators.register(Principal(Role.CREATOR, name), region="US")
    first_day = core.clock.now().date()
    sent = []
    for name in names:
        view = core.campaigns.invite(
            GLOWCO,
            campaign,
            creator=name,
            terms=Terms(
                fee=usd(100_00),
                deliverables="one video",
                deadline=first_day + timedelta(days=10),
            ),
        )
        sent.append(view.id)

    for limit in (1, 2, 5, 50):
        listed = every_page(
            partial(core.campaigns.invitations_of_campaign, GLOWCO, campaign, limit=limit)
        )
        assert [i.id for i in listed] == sent
    with pytest.raises(NotPermitted):
        core.campaigns.invitations_of_campaign(RIVAL, campaign)
