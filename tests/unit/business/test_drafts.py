"""Drafts: a creator who accepted an invitation submits a draft (a video and a note) for the
brand's approval before posting; the brand approves it or asks for changes with a reason;
each step is an event on the invitation and a notice to the other party; a delivered video
carries a paid-partnership disclosure that viewers see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from application.auth import Principal, Role
from application.errors import NotPermitted
from domain.business.invitations import (
    DeadlinePassed,
    Invitation,
    InvitationState,
    NotTheApprovedDraft,
    NotYourTurn,
    Terms,
)
from domain.errors import InvalidValue
from domain.inbox import NoticeKind
from domain.money import Money
from entrypoints.bootstrap import Spotlight
from tests.catalogue_driver import CatalogueDriver
from tests.unit.business.test_campaigns import BRAND, OTHER_BRAND, creator, events, launch, register
from tests.unit.business.test_campaigns import terms as campaign_terms

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
DEADLINE = date(2026, 6, 20)


def accepted() -> Invitation:
    invitation = Invitation.send(
        uuid4(),
        brand="glowco",
        creator="ana",
        terms=Terms(Money(100_00, "USD"), "one video", DEADLINE),
        currency="USD",
        last_day=DEADLINE,
        at=AT,
    )
    invitation.accept(by="creator:ana", at=AT)
    return invitation


def state_of(invitation: Invitation) -> InvitationState:
    return InvitationState(invitation.state)


def topics(invitation: Invitation) -> list[str]:
    return [type(event).__name__ for event in invitation.collect_events()]


# The aggregate ---------------------------------------------------------------------------


def test_a_draft_is_approved_and_only_its_video_is_delivered() -> None:
    invitation = accepted()
    draft, other = uuid4(), uuid4()

    invitation.submit_draft(draft, note="  first cut, music to come  ", at=AT)
    assert state_of(invitation) == InvitationState.DRAFT_SUBMITTED
    assert (invitation.draft_video_id, invitation.draft_note) == (draft, "first cut, music to come")
    with pytest.raises(NotYourTurn):  # a draft awaiting the brand holds the delivery
        invitation.deliver(draft, at=AT)

    assert invitation.approve_draft(by="brand:glowco", at=AT) == draft
    with pytest.raises(NotYourTurn):  # a second approval
        invitation.approve_draft(by="brand:glowco", at=AT)
    with pytest.raises(NotTheApprovedDraft):
        invitation.deliver(other, at=AT)
    invitation.deliver(draft, at=AT + timedelta(days=1))

    assert state_of(invitation) == InvitationState.DELIVERED
    assert invitation.video_id == draft
    assert topics(invitation)[-3:] == ["DraftSubmitted", "DraftApproved", "Delivered"]


def test_changes_asked_for_need_a_reason_and_another_draft() -> None:
    invitation = accepted()
    first, second = uuid4(), uuid4()
    invitation.submit_draft(first, note="", at=AT)

    with pytest.raises(InvalidValue, match="reason"):
        invitation.request_changes(by="brand:glowco", reason="   ", at=AT)
    invitation.request_changes(by="brand:glowco", reason="show the label", at=AT)

    assert state_of(invitation) == InvitationState.CHANGES_REQUESTED
    assert invitation.changes_reason == "show the label"
    with pytest.raises(NotYourTurn):  # changes asked for hold the delivery too
        invitation.deliver(first, at=AT)
    with pytest.raises(NotYourTurn):
        invitation.approve_draft(by="brand:glowco", at=AT)
    invitation.submit_draft(second, note="label in view", at=AT)
    assert (state_of(invitation), invitation.draft_video_id) == (
        InvitationState.DRAFT_SUBMITTED,
        second,
    )
    assert invitation.changes_reason == ""
    assert topics(invitation)[-3:] == ["DraftSubmitted", "DraftChangesRequested", "DraftSubmitted"]


def test_a_draft_comes_after_the_acceptance_and_by_the_deadline() -> None:
    invitation = Invitation.send(
        uuid4(),
        brand="glowco",
        creator="ana",
        terms=Terms(Money(100_00, "USD"), "one video", DEADLINE),
        currency="USD",
        last_day=DEADLINE,
        at=AT,
    )
    with pytest.raises(NotYourTurn):
        invitation.submit_draft(uuid4(), note="", at=AT)
    invitation.accept(by="creator:ana", at=AT)
    with pytest.raises(DeadlinePassed):
        invitation.submit_draft(uuid4(), note="", at=AT + timedelta(days=30))
    with pytest.raises(InvalidValue, match="note"):
        invitation.submit_draft(uuid4(), note="x" * 501, at=AT)
    assert state_of(invitation) == InvitationState.ACCEPTED


def test_an_invitation_recorded_before_drafts_loads_and_delivers_as_before() -> None:
    invitation = accepted()
    video = uuid4()

    invitation.deliver(video, at=AT)  # no draft: delivered straight away, as before

    assert state_of(invitation) == InvitationState.DELIVERED
    assert invitation.draft_video_id is None


# The use cases ---------------------------------------------------------------------------


def _accepted_with_video(core: Spotlight) -> tuple[UUID, UUID, UUID]:
    register(core, "ana", "ben")
    campaign = launch(core)
    invitation = core.campaigns.invite(BRAND, campaign.id, creator="ana", terms=campaign_terms())
    core.campaigns.accept(creator("ana"), invitation.id)
    video = CatalogueDriver(core).publish_video(
        creator("ana"), caption="glow draft", hashtags=[], category="beauty"
    )
    return campaign.id, invitation.id, video.id


def test_the_brand_reviews_a_draft_and_each_party_hears_of_each_step(core: Spotlight) -> None:
    campaign_id, invitation_id, video_id = _accepted_with_video(core)

    submitted = core.campaigns.submit_draft(creator("ana"), campaign_id, video_id, note="first cut")
    assert submitted.state is InvitationState.DRAFT_SUBMITTED
    assert submitted.draft_video_id == video_id
    sent_back = core.campaigns.request_draft_changes(BRAND, invitation_id, reason="brighter")
    assert sent_back.changes_reason == "brighter"
    core.campaigns.submit_draft(creator("ana"), campaign_id, video_id, note="brighter now")
    approved = core.campaigns.approve_draft(BRAND, invitation_id)
    assert approved.state is InvitationState.DRAFT_APPROVED

    brand_kinds = [notice.kind for notice in core.notifier.inbox("brand:glowco")]
    creator_kinds = [notice.kind for notice in core.notifier.inbox("ana")]
    assert brand_kinds.count(NoticeKind.INVITATION_DRAFT_SUBMITTED) == 2
    assert NoticeKind.INVITATION_DRAFT_CHANGES in creator_kinds
    assert NoticeKind.INVITATION_DRAFT_APPROVED in creator_kinds
    reasons = [n.reason for n in core.notifier.inbox("ana") if n.reason]
    assert "brighter" in reasons


def test_drafts_refused_to_the_uninvited_another_brand_and_a_second_approval(
    core: Spotlight,
) -> None:
    campaign_id, invitation_id, video_id = _accepted_with_video(core)
    ben_video = CatalogueDriver(core).publish_video(
        creator("ben"), caption="not invited", hashtags=[], category="beauty"
    )
    before = events(core)

    with pytest.raises(NotPermitted, match="invited"):
        core.campaigns.submit_draft(creator("ben"), campaign_id, ben_video.id, note="me too")
    with pytest.raises(NotPermitted, match="own videos"):
        core.campaigns.submit_draft(creator("ana"), campaign_id, ben_video.id, note="")
    with pytest.raises(NotPermitted):
        core.campaigns.submit_draft(Principal(Role.BRAND, "ana"), campaign_id, video_id)
    assert events(core) == before

    core.campaigns.submit_draft(creator("ana"), campaign_id, video_id, note="")
    before = events(core)
    with pytest.raises(NotPermitted):
        core.campaigns.approve_draft(OTHER_BRAND, invitation_id)
    with pytest.raises(NotPermitted):
        core.campaigns.request_draft_changes(OTHER_BRAND, invitation_id, reason="mine")
    assert events(core) == before

    core.campaigns.approve_draft(BRAND, invitation_id)
    before = events(core)
    with pytest.raises(NotYourTurn):
        core.campaigns.approve_draft(BRAND, invitation_id)
    assert events(core) == before


def test_a_delivered_video_carries_the_disclosure_until_the_brand_rejects_it(
    core: Spotlight,
) -> None:
    campaign_id, invitation_id, video_id = _accepted_with_video(core)
    core.campaigns.submit_draft(creator("ana"), campaign_id, video_id, note="")
    core.campaigns.approve_draft(BRAND, invitation_id)
    assert core.campaign_dashboards.paid_partnerships([video_id]) == {}  # not posted yet

    core.campaigns.deliver(creator("ana"), invitation_id, video_id)
    assert core.campaign_dashboards.paid_partnerships([video_id]) == {video_id: ("glowco",)}

    core.campaigns.reject_delivery(BRAND, invitation_id, reason="not this one")
    assert core.campaign_dashboards.paid_partnerships([video_id]) == {}

    core.campaigns.deliver(creator("ana"), invitation_id, video_id)
    core.campaigns.approve_delivery(BRAND, invitation_id)
    assert core.campaign_dashboards.paid_partnerships([video_id, uuid4()]) == {
        video_id: ("glowco",)
    }
