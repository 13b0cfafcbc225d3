"""Brand campaigns: launching one funds its budget; invitations are negotiated, commit fees
from the budget when accepted and pay them when the delivery is approved; the dashboard
counts the right videos and measures each KPI against its target."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.audit.ledger_audit import audit_log
from application.auth import Principal, Role
from application.business.campaigns import AlreadyInvited, CampaignView, HashtagTaken
from application.errors import NotFound, NotPermitted
from domain.anchors.engagement import Engagement
from domain.business.campaigns import Campaign, Kpi, KpiTarget, NotInFlight
from domain.business.invitations import (
    DeadlinePassed,
    Invitation,
    InvitationClosed,
    InvitationState,
    NotYourTurn,
    Terms,
)
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.revenue.ledger import (
    LimitExceeded,
    campaign_budget,
    campaign_committed,
    creator_payable,
)
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import fresh_core
from tests.fakes import OPENING_NIGHT, FixedClock

BRAND = Principal(Role.BRAND, "glowco")
OTHER_BRAND = Principal(Role.BRAND, "rival")
ADMIN = Principal(Role.ADMIN, "ops")
REPORTER = Principal(Role.ADMIN, "engagement-service")
TODAY = OPENING_NIGHT.date()
LAST_DAY = TODAY + timedelta(days=29)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def creator(name: str) -> Principal:
    return Principal(Role.CREATOR, name)


def terms(fee: int = 500_00, deadline: date = LAST_DAY) -> Terms:
    return Terms(fee=usd(fee), deliverables="one 30 s video with #glowup", deadline=deadline)


def launch(
    core: Spotlight, *, budget: int = 2_000_00, hashtag: str = "#GlowUp", **changes: object
) -> CampaignView:
    fields: dict[str, object] = {
        "name": "Glow up summer",
        "objective": "engagement",
        "budget": usd(budget),
        "starts_on": TODAY,
        "ends_on": LAST_DAY,
        "categories": ["beauty"],
        "regions": ["US"],
        "kpis": [KpiTarget(Kpi.VIEWS, 1_000), KpiTarget(Kpi.COST_PER_ENGAGEMENT, 200)],
        "hashtag": hashtag,
    }
    fields.update(changes)
    return core.campaigns.launch(BRAND, **fields)  # type: ignore[arg-type]


def register(core: Spotlight, *names: str) -> None:
    for name in names:
        core.creators.register(creator(name), region="US")


def events(core: Spotlight) -> int:
    return core._revenue.recorder.max_notification_id() or 0


# Launching ---------------------------------------------------------------------------------


def test_launching_a_campaign_funds_its_budget_and_claims_its_hashtag(core: Spotlight) -> None:
    view = launch(core)

    assert view.hashtag == "glowup"
    assert view.uncommitted == usd(2_000_00)
    assert core.ledger.balance_of(campaign_budget(view.id, "USD")) == usd(2_000_00)
    with pytest.raises(HashtagTaken, match="glowup"):
        launch(core, hashtag="glow_up")
    assert audit_log(core._revenue.recorder, core._revenue.mapper).holds


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"budget": 0}, "budget"),
        ({"ends_on": TODAY - timedelta(days=2), "starts_on": TODAY}, "before it starts"),
        ({"categories": ["knitting"]}, "unknown category"),
        ({"regions": ["ZZ"]}, "unknown region"),
        ({"categories": []}, "at least one category"),
        ({"kpis": []}, "at least one KPI"),
        ({"kpis": [KpiTarget(Kpi.VIEWS, 5), KpiTarget("views", 9)]}, "one target"),
        ({"hashtag": "#"}, "hashtag"),
        ({"objective": "fame"}, "objective 'fame' is not one of: awareness, "),
    ],
)
def test_a_malformed_campaign_is_refused_and_nothing_is_recorded(
    core: Spotlight, changes: dict[str, Any], message: str
) -> None:
    before = events(core)

    with pytest.raises(InvalidValue, match=message):
        launch(core, **changes)

    assert events(core) == before


def test_a_kpi_target_is_a_whole_number_above_zero() -> None:
    with pytest.raises(InvalidValue):
        KpiTarget(Kpi.CLICKS, 0)
    with pytest.raises(InvalidValue, match="KPI 'likes' is not one of: "):
        KpiTarget("likes", 10)


def test_only_brands_launch_and_only_the_owning_brand_reads_or_ends(core: Spotlight) -> None:
    view = launch(core)

    with pytest.raises(NotPermitted):
        core.campaigns.launch(
            creator("ana"),
            name="x",
            objective="awareness",
            budget=usd(1),
            starts_on=TODAY,
            ends_on=TODAY,
            categories=["beauty"],
            regions=["US"],
            kpis=[KpiTarget(Kpi.VIEWS, 1)],
            hashtag="x",
        )
    with pytest.raises(NotPermitted):
        core.campaigns.campaign(OTHER_BRAND, view.id)
    with pytest.raises(NotPermitted):
        core.campaigns.end(OTHER_BRAND, view.id, reason="mine now")
    assert core.campaigns.campaign(Principal(Role.AUDITOR, "kpmg"), view.id).name == view.name


# Invitations -------------------------------------------------------------------------------


def test_an_accepted_invitation_commits_the_fee_and_an_approved_delivery_pays_it(
    core: Spotlight,
) -> None:
    register(core, "ana")
    campaign = launch(core)
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms(500_00))

    accepted = core.campaigns.accept(creator("ana"), invitation.id)

    assert accepted.state is InvitationState.ACCEPTED
    assert core.campaigns.campaign(BRAND, campaign.id).creators == ("ana",)
    assert core.ledger.balance_of(campaign_budget(campaign.id, "USD")) == usd(1_500_00)
    assert core.ledger.balance_of(campaign_committed(campaign.id, "USD")) == usd(500_00)

    video = CatalogueDriver(core).publish_video(
        creator("ana"), caption="my glow routine", hashtags=["#glowup"], category="beauty"
    )
    core.campaigns.deliver(creator("ana"), invitation.id, video.id)
    paid = core.campaigns.approve_delivery(BRAND, invitation.id)

    assert paid.state is InvitationState.PAID
    assert core.ledger.balance_of(campaign_committed(campaign.id, "USD")) == usd(0)
    assert core.ledger.balance_of(creator_payable("ana", "USD")) == usd(500_00)
    [earned] = core.ledger.statement(ADMIN, "ana", TODAY.strftime("%Y-%m"), "USD").items
    assert (earned.source, earned.video_id, earned.amount) == ("campaign", video.id, usd(500_00))
    [line] = core.ledger.account(ADMIN, creator_payable("ana", "USD")).postings
    assert (line.kind, line.credit, line.reference) == (
        "campaign-fee-paid",
        500_00,
        f"video:{video.id}",
    )
    assert audit_log(core._revenue.recorder, core._revenue.mapper).holds
    notices = [notice.body for notice in core.notifier.inbox("ana")]
    assert any("invites you" in body for body in notices)
    assert any("on its way" in body for body in notices)


def test_a_fee_beyond_what_is_left_of_the_budget_is_refused_and_nothing_changes(
    core: Spotlight,
) -> None:
    register(core, "ana", "ben")
    campaign = launch(core, budget=800_00)
    first = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms(500_00))
    second = core.campaigns.invite(BRAND, campaign.id, creator="ben", terms=terms(400_00))
    core.campaigns.accept(creator("ana"), first.id)
    before = events(core)

    with pytest.raises(LimitExceeded):
        core.campaigns.accept(creator("ben"), second.id)

    assert events(core) == before
    assert core.campaigns.invitation(BRAND, second.id).state is InvitationState.SENT
    assert core.campaigns.campaign(BRAND, campaign.id).creators == ("ana",)


def test_a_counter_offer_is_accepted_revised_or_declined_by_the_brand(core: Spotlight) -> None:
    register(core, "ana", "ben", "cy")
    campaign = launch(core)
    ana = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms(300_00))
    ben = core.campaigns.invite(BRAND, campaign.id, creator="ben", terms=terms(300_00))
    cy = core.campaigns.invite(BRAND, campaign.id, creator="cy", terms=terms(300_00))
    for name, invitation in (("ana", ana), ("ben", ben), ("cy", cy)):
        core.campaigns.counter(creator(name), invitation.id, terms(450_00), note="two videos")

    agreed = core.campaigns.accept_counter(BRAND, ana.id)
    revised = core.campaigns.revise(BRAND, ben.id, terms(380_00))
    declined = core.campaigns.decline(BRAND, cy.id, reason="over our rate card")

    assert (agreed.state, agreed.terms.fee) == (InvitationState.ACCEPTED, usd(450_00))
    assert core.ledger.balance_of(campaign_committed(campaign.id, "USD")) == usd(450_00)
    assert (revised.state, revised.terms.fee) == (InvitationState.SENT, usd(380_00))
    assert declined.state is InvitationState.DECLINED
    with pytest.raises(InvitationClosed):
        core.campaigns.counter(creator("cy"), cy.id, terms(400_00))
    with pytest.raises(NotYourTurn):
        core.campaigns.accept_counter(BRAND, ben.id)  # the revised terms await the creator


def test_invitations_go_to_known_creators_once_and_are_answered_by_their_parties(
    core: Spotlight,
) -> None:
    register(core, "ana")
    campaign = launch(core)

    with pytest.raises(NotFound):
        core.campaigns.invite(BRAND, campaign.id, creator="nobody", terms=terms())
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms())
    with pytest.raises(AlreadyInvited):
        core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms(900_00))
    with pytest.raises(NotPermitted):
        core.campaigns.accept(creator("ben"), invitation.id)
    with pytest.raises(NotPermitted):
        core.campaigns.invite(OTHER_BRAND, campaign.id, creator="ana", terms=terms())
    with pytest.raises(NotYourTurn):  # the terms await the creator: a brand withdraws
        core.campaigns.decline(BRAND, invitation.id, reason="changed our mind")
    withdrawn = core.campaigns.withdraw(BRAND, invitation.id, reason="changed our mind")
    assert withdrawn.state is InvitationState.WITHDRAWN
    with pytest.raises(InvitationClosed):
        core.campaigns.accept(creator("ana"), invitation.id)


def test_terms_are_in_the_budget_currency_with_a_deadline_within_the_flight(
    core: Spotlight,
) -> None:
    register(core, "ana")
    campaign = launch(core)

    for bad, message in (
        (Terms(fee=Money(500, "EUR"), deliverables="a video", deadline=LAST_DAY), "USD"),
        (terms(deadline=LAST_DAY + timedelta(days=1)), "after the campaign's end"),
        (terms(deadline=TODAY - timedelta(days=1)), "already past"),
    ):
        with pytest.raises(InvalidValue, match=message):
            core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=bad)
    with pytest.raises(InvalidValue):
        Terms(fee=usd(0), deliverables="a video", deadline=LAST_DAY)
    with pytest.raises(InvalidValue):
        Terms(fee=usd(1), deliverables="  ", deadline=LAST_DAY)


def test_a_delivery_after_the_deadline_is_refused_and_a_rejected_one_can_be_redone(
    core: Spotlight, clock: FixedClock
) -> None:
    register(core, "ana")
    campaign = launch(core)
    invitation = core.campaigns.invite(
        BRAND, campaign.id, creator="ana", terms=terms(deadline=TODAY + timedelta(days=3))
    )
    core.campaigns.accept(creator("ana"), invitation.id)
    first = CatalogueDriver(core).publish_video(
        creator("ana"), caption="a", hashtags=[], category="beauty"
    )
    core.campaigns.deliver(creator("ana"), invitation.id, first.id)
    rejected = core.campaigns.reject_delivery(BRAND, invitation.id, reason="show the product")
    assert rejected.state is InvitationState.ACCEPTED

    clock.advance(timedelta(days=4))
    with pytest.raises(DeadlinePassed):
        core.campaigns.deliver(creator("ana"), invitation.id, first.id)


def test_an_invitation_id_is_fixed_by_campaign_and_creator() -> None:
    campaign = UUID(int=7)
    assert Invitation.id_for(campaign, "ana") == Invitation.id_for(campaign, "ana")
    assert Invitation.id_for(campaign, "ana") != Invitation.id_for(campaign, "ben")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 900_00), st.sampled_from(["accept", "pay", "leave"])),
        min_size=1,
        max_size=8,
    )
)
def test_fees_never_exceed_the_budget_and_the_ledger_always_balances(
    steps: list[tuple[int, str]],
) -> None:
    with fresh_core() as core:
        campaign = launch(core, budget=1_500_00)
        committed_or_paid = 0
        for number, (fee, action) in enumerate(steps):
            name = f"creator-{number}"
            register(core, name)
            invitation = core.campaigns.invite(BRAND, campaign.id, creator=name, terms=terms(fee))
            if action == "leave":
                continue
            try:
                core.campaigns.accept(creator(name), invitation.id)
            except LimitExceeded:
                assert committed_or_paid + fee > 1_500_00
                continue
            committed_or_paid += fee
            if action == "pay":
                video = CatalogueDriver(core).publish_video(
                    creator(name), caption="done", hashtags=[], category="beauty"
                )
                core.campaigns.deliver(creator(name), invitation.id, video.id)
                core.campaigns.approve_delivery(BRAND, invitation.id)
        assert committed_or_paid <= 1_500_00
        left = core.ledger.balance_of(campaign_budget(campaign.id, "USD"))
        assert left == usd(1_500_00 - committed_or_paid)
        assert audit_log(core._revenue.recorder, core._revenue.mapper).holds


# Linking and the dashboard -------------------------------------------------------------------


def test_only_participants_link_their_own_videos_published_in_flight(
    core: Spotlight, clock: FixedClock
) -> None:
    register(core, "ana", "ben")
    before_flight = CatalogueDriver(core).publish_video(
        creator("ana"), caption="old", hashtags=[], category="beauty"
    )
    clock.advance(timedelta(days=1))
    campaign = launch(core, starts_on=TODAY + timedelta(days=1))
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms())
    core.campaigns.accept(creator("ana"), invitation.id)
    fresh = CatalogueDriver(core).publish_video(
        creator("ana"), caption="new", hashtags=[], category="beauty"
    )
    bens = CatalogueDriver(core).publish_video(
        creator("ben"), caption="b", hashtags=[], category="beauty"
    )

    assert core.campaigns.link_video(creator("ana"), campaign.id, fresh.id)
    with pytest.raises(NotInFlight):
        core.campaigns.link_video(creator("ana"), campaign.id, before_flight.id)
    with pytest.raises(NotPermitted):
        core.campaigns.link_video(creator("ana"), campaign.id, bens.id)
    with pytest.raises(RuleViolated, match="does not take part"):
        core.campaigns.link_video(creator("ben"), campaign.id, bens.id)


def test_the_dashboard_counts_participants_hashtag_and_linked_videos_in_flight(
    core: Spotlight, clock: FixedClock
) -> None:
    register(core, "ana", "ben", "cy")
    campaign = launch(
        core,
        kpis=[
            KpiTarget(Kpi.VIEWS, 1_000),
            KpiTarget(Kpi.ENGAGEMENT_RATE, 1_500),  # 15 % of views
            KpiTarget(Kpi.CLICKS, 10),
            KpiTarget(Kpi.COST_PER_ENGAGEMENT, 300),
            KpiTarget(Kpi.VIDEOS, 2),
        ],
    )
    for name in ("ana", "ben"):
        sent = core.campaigns.invite(BRAND, campaign.id, creator=name, terms=terms(300_00))
        core.campaigns.accept(creator(name), sent.id)
    tagged = CatalogueDriver(core).publish_video(
        creator("ana"), caption="glow", hashtags=["#GlowUp"], category="beauty"
    )
    linked = CatalogueDriver(core).publish_video(
        creator("ben"), caption="mine", hashtags=[], category="beauty"
    )
    outsider = CatalogueDriver(core).publish_video(
        creator("cy"), caption="me too", hashtags=["#glowup"], category="beauty"
    )
    core.campaigns.link_video(creator("ben"), campaign.id, linked.id)

    def record(key: str, counts: list[tuple[UUID, Engagement]]) -> None:
        core.audience.record_engagement(REPORTER, key, counts)

    record("d1", [(tagged.id, Engagement(views=800, likes=100, comments=20)),
                  (linked.id, Engagement(views=400, likes=30, shares=10)),
                  (outsider.id, Engagement(views=9_000, likes=900))])  # fmt: skip
    for viewer in range(12):  # one counted click per viewer and video an hour
        core.audience.record_call_to_action_clicks(
            Principal(Role.VIEWER, f"v{viewer}"), "c1", [tagged.id] * 2
        )
    clock.advance(timedelta(days=1))
    record("d2", [(tagged.id, Engagement(views=100, likes=10))])
    sent = core.campaigns.invitations_of_campaign(BRAND, campaign.id).items[0]
    core.campaigns.deliver(creator("ana"), sent.id, tagged.id)
    core.campaigns.approve_delivery(BRAND, sent.id)
    clock.set(OPENING_NIGHT + timedelta(days=40))  # after the flight: counts for nothing
    record("late", [(tagged.id, Engagement(views=5_000, likes=5_000))])

    board = core.campaign_dashboards.dashboard(BRAND, campaign.id, as_of=clock.now().date())

    assert board.videos == 2
    assert (board.views, board.engagements, board.clicks) == (1_300, 170, 12)
    status = {s.kpi: (s.actual, s.attained) for s in board.kpis}
    assert status == {
        Kpi.VIEWS: (1_300, True),
        Kpi.ENGAGEMENT_RATE: (1_307, False),  # 170 of 1,300 views
        Kpi.CLICKS: (12, True),
        Kpi.COST_PER_ENGAGEMENT: (30_000 // 170, True),  # 176 cents spent per engagement
        Kpi.VIDEOS: (2, True),
    }
    assert (board.spent, board.committed, board.uncommitted) == (
        usd(300_00),
        usd(300_00),
        usd(1_400_00),
    )
    assert [(d.views, d.engagements, d.clicks) for d in board.daily[:2]] == [
        (1_200, 160, 12),
        (100, 10, 0),
    ]
    assert board.daily[1].spend == usd(300_00)
    assert len(board.daily) == 30
    assert [v.video_id for v in board.top_videos] == [tagged.id, linked.id]
    assert [c.creator for c in board.top_creators] == ["ana", "ben"]
    with pytest.raises(NotPermitted):
        core.campaign_dashboards.dashboard(OTHER_BRAND, campaign.id, as_of=TODAY)


def test_a_campaign_ended_early_stops_counting_on_its_last_day(
    core: Spotlight, clock: FixedClock
) -> None:
    campaign = launch(core)
    clock.advance(timedelta(days=2))
    ended = core.campaigns.end(BRAND, campaign.id, reason="product recall")

    assert ended.ended_on == TODAY + timedelta(days=2)
    board = core.campaign_dashboards.dashboard(BRAND, campaign.id, as_of=LAST_DAY)
    assert board.last_day == TODAY + timedelta(days=2)
    assert len(board.daily) == 3
    with pytest.raises(RuleViolated):
        core.campaigns.end(BRAND, campaign.id, reason="again")
    assert isinstance(core._revenue.load(Campaign, campaign.id), Campaign)


# Branded effects -------------------------------------------------------------------------------


def test_videos_that_declare_a_campaigns_effect_count_toward_it_once(
    core: Spotlight, clock: FixedClock
) -> None:
    register(core, "ana", "dee")
    early = CatalogueDriver(core).publish_video(
        creator("dee"), caption="old", hashtags=[], category="beauty"
    )
    clock.advance(timedelta(days=1))
    campaign = launch(core, starts_on=TODAY + timedelta(days=1))
    effect = core.campaigns.register_effect(
        BRAND, campaign.id, name="Glow Scan", asset="assets://glowco/glow-scan.glb"
    )
    scanned = CatalogueDriver(core).publish_video(
        creator("dee"), caption="scan", hashtags=[], category="beauty"
    )

    first = core.campaigns.declare_effect_use(creator("dee"), scanned.id, effect.id)
    again = core.campaigns.declare_effect_use(creator("dee"), scanned.id, effect.id)
    core.campaigns.declare_effect_use(creator("dee"), early.id, effect.id)  # before the flight

    assert first == again
    board = core.campaign_dashboards.dashboard(BRAND, campaign.id, as_of=clock.now().date())
    assert board.videos == 1  # dee takes no part, but used the effect in the flight
    assert [(e.name, e.videos) for e in board.effects] == [("Glow Scan", 1)]
    with pytest.raises(NotPermitted):
        core.campaigns.declare_effect_use(creator("ana"), scanned.id, effect.id)
    with pytest.raises(NotPermitted):
        core.campaigns.register_effect(OTHER_BRAND, campaign.id, name="x", asset="assets://x")
    with pytest.raises(InvalidValue, match="asset reference"):
        core.campaigns.register_effect(BRAND, campaign.id, name="x", asset="not a reference")
