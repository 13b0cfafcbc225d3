"""What the steps of a campaign invitation tell its parties, read from the revenue log by
the notice follower (``application.notice_follower``): the creator on offered, counter
accepted, revised, counter declined (the invitation closed, or only the counter-offer declined
and the brand's terms standing again), withdrawn, draft approved or sent back for changes,
delivery rejected and approved (paid); the brand on accepted, countered, declined, draft
submitted and delivered. Each notice is keyed
``invitation:<id>:<step>:<version>``, the version of the step's event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from application.auth import Principal, Role, person_key
from application.logs import RevenueLog
from application.notice_follower import NoticeDraft, RulesOver, as_of, before
from domain.business.campaigns import Campaign
from domain.business.invitations import Invitation, InvitationState
from domain.inbox import NoticeKind
from domain.money import Money


def amount(money: Money) -> str:
    return f"{money.minor} {money.currency} (minor units)"


@attrs.frozen
class _Step:
    to_brand: bool
    step: str
    message: str
    kind: NoticeKind
    reason: str = ""
    video: object | None = None


class InvitationNotices(RulesOver[RevenueLog]):
    @property
    def topics(self) -> Sequence[str]:
        return tuple(
            kind.TOPIC
            for kind in (
                Invitation.Sent,
                Invitation.Countered,
                Invitation.Revised,
                Invitation.CounterDeclined,
                Invitation.Accepted,
                Invitation.Declined,
                Invitation.Withdrawn,
                Invitation.DraftSubmitted,
                Invitation.DraftChangesRequested,
                Invitation.DraftApproved,
                Invitation.Delivered,
                Invitation.DeliveryRejected,
                Invitation.Paid,
            )
        )

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        invitation = as_of(self.source, Invitation, event.originator_id, event.originator_version)
        step = self._step(event, invitation)
        if step is None:
            return ()
        about: dict[str, object] = {
            "invitation": invitation.id,
            "campaign": invitation.campaign_id,
        }
        if step.video is not None:
            about["video"] = step.video
        brand = person_key(Principal(Role.BRAND, invitation.brand))
        return (
            NoticeDraft(
                recipient=brand if step.to_brand else invitation.creator,
                kind=step.kind,
                subject="A brand campaign invitation",
                body=f"{step.message} (invitation {invitation.id})",
                key=f"invitation:{invitation.id}:{step.step}:{event.originator_version}",
                about=about,
                reason=step.reason,
            ),
        )

    def _step(self, event: Any, invitation: Invitation) -> _Step | None:
        creator = invitation.creator
        if isinstance(event, Invitation.Sent):
            campaign = self.source.read(Campaign, invitation.campaign_id)
            fee = amount(event.terms.fee)
            offer = f"{campaign.brand} invites you to {campaign.name!r} for {fee}"
            return _Step(False, "sent", offer, NoticeKind.INVITATION_OFFERED)
        if isinstance(event, Invitation.Accepted):
            if self._was(event, InvitationState.COUNTERED):
                message = "your counter-offer was accepted"
                return _Step(False, "agreed", message, NoticeKind.INVITATION_ACCEPTED)
            message = f"{creator} accepted your terms"
            return _Step(True, "accepted", message, NoticeKind.INVITATION_ACCEPTED)
        if isinstance(event, Invitation.Countered):
            message = f"{creator} answered with a counter-offer"
            return _Step(True, "countered", message, NoticeKind.INVITATION_COUNTERED, event.note)
        if isinstance(event, Invitation.CounterDeclined):
            fee = amount(event.terms.fee)
            message = f"the brand declined your counter-offer: its terms for {fee} stand again"
            kind = NoticeKind.INVITATION_DECLINED
            return _Step(False, "counter-declined", message, kind, event.reason)
        if isinstance(event, Invitation.Revised):
            message = "the brand sent new terms"
            return _Step(False, "revised", message, NoticeKind.INVITATION_REVISED)
        if isinstance(event, Invitation.Declined):
            kind = NoticeKind.INVITATION_DECLINED
            if self._was(event, InvitationState.SENT):
                message = f"{creator} declined the invitation"
                return _Step(True, "declined", message, kind, event.reason)
            message = "the brand declined your counter-offer"
            return _Step(False, "declined", message, kind, event.reason)
        if isinstance(event, Invitation.Withdrawn):
            message = "the invitation was withdrawn"
            return _Step(False, "withdrawn", message, NoticeKind.INVITATION_WITHDRAWN, event.reason)
        if isinstance(event, Invitation.DraftSubmitted):
            message = f"{creator} submitted a draft for your approval"
            kind = NoticeKind.INVITATION_DRAFT_SUBMITTED
            return _Step(True, "draft", message, kind, event.note, video=event.video_id)
        if isinstance(event, Invitation.DraftChangesRequested):
            message = f"the brand asks for changes to your draft: {event.reason}"
            kind = NoticeKind.INVITATION_DRAFT_CHANGES
            return _Step(False, "changes", message, kind, event.reason, video=event.video_id)
        if isinstance(event, Invitation.DraftApproved):
            message = "your draft was approved: post it and deliver it"
            kind = NoticeKind.INVITATION_DRAFT_APPROVED
            return _Step(False, "draft-approved", message, kind, video=event.video_id)
        if isinstance(event, Invitation.Delivered):
            message = f"{creator} delivered a video for your approval"
            kind = NoticeKind.INVITATION_DELIVERED
            return _Step(True, "delivered", message, kind, video=event.video_id)
        if isinstance(event, Invitation.DeliveryRejected):
            message = f"delivery not approved: {event.reason}"
            kind = NoticeKind.INVITATION_REJECTED
            return _Step(False, "rejected", message, kind, event.reason)
        if isinstance(event, Invitation.Paid):
            message = f"{amount(event.fee)} is on its way to you"
            kind = NoticeKind.INVITATION_APPROVED
            return _Step(False, "paid", message, kind, video=event.video_id)
        return None

    def _was(self, event: Any, state: InvitationState) -> bool:
        return InvitationState(before(self.source, Invitation, event).state) is state
