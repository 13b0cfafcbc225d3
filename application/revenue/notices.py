"""What the revenue program's decisions tell creators, read from the revenue log by the
notice follower (``application.notice_follower``): a Pulse application approved or rejected
(keyed ``pulse-application:<enrolment>:<version>``), a payout sent or returned (keyed
``payout:<payout>:<payout-sent|payout-returned>``: each happens once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.auth import Principal, Role, person_key
from application.logs import RevenueLog
from application.notice_follower import NoticeDraft, RulesOver, as_of
from application.revenue.payouts import PAYOUT_RETURNED, PAYOUT_SENT
from domain.inbox import NoticeKind
from domain.revenue.payouts import Payee, Payout
from domain.revenue.pulse import PulseEnrolment


def _creator(account: str) -> str:
    return person_key(Principal(Role.CREATOR, account))


class RevenueNotices(RulesOver[RevenueLog]):
    @property
    def topics(self) -> Sequence[str]:
        return (
            PulseEnrolment.Approved.TOPIC,
            PulseEnrolment.Rejected.TOPIC,
            Payout.Sent.TOPIC,
            Payout.Returned.TOPIC,
        )

    def drafts(self, event: Any) -> Sequence[NoticeDraft]:
        if isinstance(event, PulseEnrolment.Approved | PulseEnrolment.Rejected):
            return (self._pulse(event, approved=isinstance(event, PulseEnrolment.Approved)),)
        if isinstance(event, Payout.Sent | Payout.Returned):
            return (self._payout(event, sent=isinstance(event, Payout.Sent)),)
        return ()

    def _pulse(self, event: Any, *, approved: bool) -> NoticeDraft:
        enrolment = as_of(
            self.source, PulseEnrolment, event.originator_id, event.originator_version
        )
        return NoticeDraft(
            recipient=_creator(enrolment.creator),
            kind=NoticeKind.PULSE_APPROVED if approved else NoticeKind.PULSE_REJECTED,
            subject="A decision on your Pulse application",
            body="Your Pulse application was " + ("approved." if approved else "not approved."),
            key=f"pulse-application:{enrolment.id}:{event.originator_version}",
            about={"application": enrolment.id},
            reason=event.reason,
        )

    def _payout(self, event: Any, *, sent: bool) -> NoticeDraft:
        payout = as_of(self.source, Payout, event.originator_id, event.originator_version)
        # A seller's payout tells the seller, in the role their sales are theirs in.
        role = Role.SELLER if Payee(payout.payee) is Payee.SELLER else Role.CREATOR
        return NoticeDraft(
            recipient=person_key(Principal(role, payout.creator)),
            kind=NoticeKind.PAYOUT_SENT if sent else NoticeKind.PAYOUT_RETURNED,
            subject="Your payout",
            body="Your payout was sent." if sent else "Your payout came back: it is payable again.",
            key=f"payout:{payout.id}:{PAYOUT_SENT if sent else PAYOUT_RETURNED}",
            about={"payout": payout.id},
            reason="" if sent else event.reason,
        )
