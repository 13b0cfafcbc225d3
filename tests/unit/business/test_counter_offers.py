"""Counter-offers: the invited creator answers the brand's terms with another fee and/or other
terms text; the brand accepts the counter-offer (the fee is committed) or declines it (its own
terms stand again, and the creator answers them once more). Only the invited creator counters,
only while the brand's terms await them, with at most one counter-offer open; only the brand
decides it. Each party is told by a typed notice naming the invitation and the campaign."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import NotPermitted
from domain.business.invitations import (
    Invitation,
    InvitationClosed,
    InvitationState,
    NotYourTurn,
)
from domain.errors import InvalidValue
from domain.inbox import NoticeKind
from domain.revenue.ledger import campaign_committed
from entrypoints.bootstrap import Spotlight
from tests.fakes import OPENING_NIGHT
from tests.unit.business.test_campaigns import (
    BRAND,
    LAST_DAY,
    OTHER_BRAND,
    creator,
    events,
    launch,
    register,
    terms,
    usd,
)


def offered() -> Invitation:
    return Invitation.send(
        uuid4(),
        brand="glowco",
        creator="ana",
        terms=terms(300_00),
        currency="USD",
        last_day=LAST_DAY,
        at=OPENING_NIGHT,
    )


def test_a_counter_offer_asks_another_fee_or_other_terms_text_and_keeps_the_rest() -> None:
    brand_terms = terms(300_00)
    higher = brand_terms.countered(fee=usd(450_00))
    assert (higher.fee, higher.deliverables) == (usd(450_00), brand_terms.deliverables)
    more = brand_terms.countered(deliverables="Two 30 s videos")
    assert (more.fee, more.deliverables) == (brand_terms.fee, "Two 30 s videos")
    assert more.deadline == brand_terms.deadline
    with pytest.raises(InvalidValue):
        brand_terms.countered()  # asks nothing
    with pytest.raises(InvalidValue):
        brand_terms.countered(fee=brand_terms.fee)  # asks what was offered


def test_a_declined_counter_offer_leaves_the_brands_terms_standing_for_the_creator() -> None:
    invitation = offered()
    invitation.counter(
        invitation.terms.countered(fee=usd(450_00)),
        note="my rate",
        currency="USD",
        last_day=LAST_DAY,
        at=OPENING_NIGHT,
    )
    assert (invitation.state, invitation.terms.fee) == (InvitationState.COUNTERED, usd(450_00))
    with pytest.raises(NotYourTurn):  # one counter-offer open at a time
        invitation.counter(
            terms(500_00), note="", currency="USD", last_day=LAST_DAY, at=OPENING_NIGHT
        )

    standing = invitation.decline_counter(by="brand:glowco", reason="over budget", at=OPENING_NIGHT)

    assert standing.fee == usd(300_00)
    assert (invitation.state, invitation.terms, invitation.counter_note) == (
        InvitationState.SENT,
        standing,
        "",
    )
    with pytest.raises(NotYourTurn):  # nothing open to decline any more
        invitation.decline_counter(by="brand:glowco", reason="again", at=OPENING_NIGHT)
    invitation.counter(
        invitation.terms.countered(fee=usd(350_00)),
        note="meet halfway",
        currency="USD",
        last_day=LAST_DAY,
        at=OPENING_NIGHT,
    )
    assert invitation.accept_counter(by="brand:glowco", at=OPENING_NIGHT).fee == usd(350_00)
    with pytest.raises(NotYourTurn):
        invitation.decline_counter(by="brand:glowco", reason="late", at=OPENING_NIGHT)


def test_a_revision_is_the_brands_new_offer_a_declined_counter_returns_to(core: Spotlight) -> None:
    register(core, "ana")
    campaign = launch(core)
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms(300_00))
    core.campaigns.counter(creator("ana"), invitation.id, fee=usd(500_00), note="")
    core.campaigns.revise(BRAND, invitation.id, terms(380_00))
    core.campaigns.counter(creator("ana"), invitation.id, fee=usd(420_00), note="closer")

    view = core.campaigns.decline_counter(BRAND, invitation.id, reason="380 is our last")

    assert (view.state, view.terms.fee, view.offered) == (
        InvitationState.SENT,
        usd(380_00),
        view.terms,
    )


def test_the_brand_decides_a_counter_and_each_party_is_told_with_ids(core: Spotlight) -> None:
    register(core, "ana")
    campaign = launch(core)
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms(300_00))

    countered = core.campaigns.counter(
        creator("ana"), invitation.id, deliverables="Two 30 s videos", note="two for one fee"
    )
    assert (countered.state, countered.terms.deliverables) == (
        InvitationState.COUNTERED,
        "Two 30 s videos",
    )
    assert countered.offered is not None
    assert countered.offered.fee == usd(300_00)
    declined = core.campaigns.decline_counter(BRAND, invitation.id, reason="one video")
    assert declined.state is InvitationState.SENT
    core.campaigns.counter(creator("ana"), invitation.id, fee=usd(360_00), note="a little more")
    agreed = core.campaigns.accept_counter(BRAND, invitation.id)

    assert (agreed.state, agreed.terms.fee) == (InvitationState.ACCEPTED, usd(360_00))
    assert core.ledger.balance_of(campaign_committed(campaign.id, "USD")) == usd(360_00)
    to_brand = list(core.notifier.inbox("brand:glowco"))
    to_ana = list(core.notifier.inbox("ana"))
    assert [n.kind for n in to_brand] == [NoticeKind.INVITATION_COUNTERED] * 2
    assert [n.reason for n in to_brand] == ["two for one fee", "a little more"]
    assert [n.kind for n in to_ana] == [
        NoticeKind.INVITATION_OFFERED,
        NoticeKind.INVITATION_DECLINED,
        NoticeKind.INVITATION_ACCEPTED,
    ]
    assert to_ana[1].reason == "one video"
    for notice in (*to_brand, *to_ana):
        assert dict(notice.about) == {
            "invitation": str(invitation.id),
            "campaign": str(campaign.id),
        }


def test_refused_counters_and_decisions_record_nothing(core: Spotlight) -> None:
    register(core, "ana", "ben")
    campaign = launch(core)
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=terms(300_00))
    before = events(core)

    with pytest.raises(NotPermitted):  # only the invited creator counters
        core.campaigns.counter(creator("ben"), invitation.id, fee=usd(400_00))
    with pytest.raises(NotPermitted):  # a brand does not counter its own offer
        core.campaigns.counter(BRAND, invitation.id, fee=usd(400_00))
    with pytest.raises(InvalidValue):
        core.campaigns.counter(creator("ana"), invitation.id, terms(400_00), fee=usd(400_00))
    with pytest.raises(NotYourTurn):  # no counter-offer open to decide
        core.campaigns.decline_counter(BRAND, invitation.id, reason="no")
    assert events(core) == before

    core.campaigns.counter(creator("ana"), invitation.id, fee=usd(400_00))
    before = events(core)
    with pytest.raises(NotYourTurn):  # at most one open counter-offer
        core.campaigns.counter(creator("ana"), invitation.id, fee=usd(420_00))
    with pytest.raises(NotPermitted):  # only the inviting brand decides
        core.campaigns.decline_counter(OTHER_BRAND, invitation.id, reason="no")
    with pytest.raises(NotPermitted):
        core.campaigns.decline_counter(creator("ana"), invitation.id, reason="no")
    with pytest.raises(NotPermitted):
        core.campaigns.accept_counter(OTHER_BRAND, invitation.id)
    assert events(core) == before

    core.campaigns.withdraw(BRAND, invitation.id, reason="the campaign changed")
    with pytest.raises(InvitationClosed):  # only while offered
        core.campaigns.counter(creator("ana"), invitation.id, fee=usd(420_00))


def test_a_counter_offer_past_the_flight_is_refused() -> None:
    invitation = offered()
    with pytest.raises(InvalidValue):
        invitation.counter(
            terms(300_00, deadline=LAST_DAY + timedelta(days=1)),
            note="",
            currency="USD",
            last_day=LAST_DAY,
            at=OPENING_NIGHT,
        )
