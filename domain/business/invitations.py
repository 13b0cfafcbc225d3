"""A brand's invitation to a creator to make content for a campaign, and its negotiation.

One invitation per campaign and creator (``uuid5(campaign, creator)``): a second invitation
is refused even under a race. The brand sends terms; the creator accepts, declines or
counters; the brand accepts a counter-offer or sends revised terms, or withdraws. Once
accepted, the terms are a contract: the fee is committed in the ledger (saved with the
acceptance), the creator delivers a video of theirs by the deadline, and the brand's
approval pays the fee (saved with the approval). A closed invitation (declined, withdrawn,
paid) takes no further offers. The brand may also decline a counter-offer alone
(``CounterDeclined``): its own terms stand again and the creator answers them once more (accept,
decline or counter again); a counter-offer is open until the brand decides it, and there is at
most one open at a time.

Before posting, the creator may submit a draft (a video and a note) for the brand's approval;
the brand approves it or asks for changes with a reason (the creator then submits another).
A draft awaiting the brand, or one sent back for changes, holds the delivery; once a draft
is approved, only its video may be delivered (until the brand rejects that delivery).

    sent ──accept──▶ accepted ──deliver──▶ delivered ──approve──▶ paid
     │ ▲  ──decline─▶ declined   │   ▲       │ ▲
     │ │  ──withdraw▶ withdrawn  │   │       └─┘ reject (the creator delivers again)
   counter│revise,         draft │   │ deliver the approved video
          │decline counter
     ▼ │                         ▼   │
    countered            draft-submitted ──approve draft──▶ draft-approved
                             ▲     │ ask for changes
                       draft └─ changes-requested
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.text import checked_free_text
from domain.time import checked_instant

MAX_DELIVERABLES = 2_000
MAX_REASON = 500
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:campaign-invitation")


class InvitationState(StrEnum):
    SENT = "sent"  # awaiting the creator
    COUNTERED = "countered"  # awaiting the brand
    ACCEPTED = "accepted"  # the fee is committed; awaiting the video
    DRAFT_SUBMITTED = "draft-submitted"  # a draft awaits the brand's review
    CHANGES_REQUESTED = "changes-requested"  # the brand asked for another draft
    DRAFT_APPROVED = "draft-approved"  # awaiting the approved video's posting
    DELIVERED = "delivered"  # awaiting the brand's approval
    PAID = "paid"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


CLOSED = frozenset({InvitationState.PAID, InvitationState.DECLINED, InvitationState.WITHDRAWN})


class InvitationClosed(RuleViolated):
    """The invitation is declined, withdrawn or paid: nothing more can be offered."""


class NotYourTurn(RuleViolated):
    """The invitation awaits the other party (or another step)."""


class DeadlinePassed(RuleViolated):
    """The delivery deadline is over."""


class NotTheApprovedDraft(RuleViolated):
    """The video delivered is not the draft the brand approved."""


@attrs.frozen
class Terms:
    fee: Money
    deliverables: str
    deadline: date  # the last day to deliver, inclusive

    def __attrs_post_init__(self) -> None:
        self.fee.require_positive("a fee")
        text = self.deliverables.strip()
        if not text or len(text) > MAX_DELIVERABLES:
            raise InvalidValue(f"deliverables are described in 1 to {MAX_DELIVERABLES} characters")

    def countered(self, *, fee: Money | None = None, deliverables: str | None = None) -> Terms:
        """These terms with another fee and/or other deliverables (the deadline kept): what a
        counter-offer of a fee or of terms text asks. Neither, or nothing changed, is
        ``InvalidValue``."""
        if fee is None and deliverables is None:
            raise InvalidValue("a counter-offer names a fee, other terms, or both")
        changed = attrs.evolve(
            self,
            fee=self.fee if fee is None else fee,
            deliverables=self.deliverables if deliverables is None else deliverables,
        )
        if changed == self:
            raise InvalidValue("a counter-offer asks for something other than the terms offered")
        return changed


def _reason(reason: str, what: str = "a reason") -> str:
    cleaned = checked_free_text(reason, what).strip()
    if len(cleaned) > MAX_REASON:
        raise InvalidValue(f"{what} has at most {MAX_REASON} characters")
    return cleaned


class Invitation(DomainAggregate):
    TOPIC = "spotlight.invitations:Invitation"

    class Sent(Aggregate.Created):
        TOPIC = "spotlight.invitations:InvitationSent"
        campaign_id: UUID
        brand: str
        creator: str
        terms: Terms
        sent_at: datetime

    class Countered(Aggregate.Event):
        TOPIC = "spotlight.invitations:InvitationCountered"
        terms: Terms
        note: str
        countered_at: datetime

    class CounterDeclined(Aggregate.Event):
        """The brand declined the creator's counter-offer: its own terms stand again."""

        TOPIC = "spotlight.invitations:CounterDeclined"
        terms: Terms  # the brand's terms, offered again
        declined_by: str
        reason: str
        declined_at: datetime

    class Revised(Aggregate.Event):
        TOPIC = "spotlight.invitations:InvitationRevised"
        terms: Terms
        revised_at: datetime

    class Accepted(Aggregate.Event):
        TOPIC = "spotlight.invitations:InvitationAccepted"
        terms: Terms  # the terms agreed
        accepted_by: str
        accepted_at: datetime

    class Declined(Aggregate.Event):
        TOPIC = "spotlight.invitations:InvitationDeclined"
        declined_by: str
        reason: str
        declined_at: datetime

    class Withdrawn(Aggregate.Event):
        TOPIC = "spotlight.invitations:InvitationWithdrawn"
        reason: str
        withdrawn_at: datetime

    class Delivered(Aggregate.Event):
        TOPIC = "spotlight.invitations:DeliverySubmitted"
        video_id: UUID
        delivered_at: datetime

    class DeliveryRejected(Aggregate.Event):
        TOPIC = "spotlight.invitations:DeliveryRejected"
        video_id: UUID
        reason: str
        rejected_at: datetime

    class DraftSubmitted(Aggregate.Event):
        TOPIC = "spotlight.invitations:DraftSubmitted"
        video_id: UUID
        note: str
        submitted_at: datetime

    class DraftChangesRequested(Aggregate.Event):
        TOPIC = "spotlight.invitations:DraftChangesRequested"
        video_id: UUID
        reason: str
        requested_by: str
        requested_at: datetime

    class DraftApproved(Aggregate.Event):
        TOPIC = "spotlight.invitations:DraftApproved"
        video_id: UUID
        approved_by: str
        approved_at: datetime

    class Paid(Aggregate.Event):
        TOPIC = "spotlight.invitations:DeliveryApprovedAndPaid"
        video_id: UUID
        fee: Money
        approved_by: str
        paid_at: datetime

    @staticmethod
    def id_for(campaign_id: UUID, creator: str) -> UUID:
        return uuid5(_NAMESPACE, f"{campaign_id}/{creator}")

    @classmethod
    def send(
        cls,
        campaign_id: UUID,
        *,
        brand: str,
        creator: str,
        terms: Terms,
        currency: str,
        last_day: date,
        at: datetime,
    ) -> Invitation:
        at = checked_instant(at)
        _check_terms(terms, currency=currency, last_day=last_day, at=at)
        return cls(
            id=cls.id_for(campaign_id, creator),
            campaign_id=campaign_id,
            brand=brand,
            creator=creator,
            terms=terms,
            sent_at=at,
        )

    @event(Sent)
    def __init__(
        self,
        id: UUID,
        campaign_id: UUID,
        brand: str,
        creator: str,
        terms: Terms,
        sent_at: datetime,
    ) -> None:
        self.campaign_id = campaign_id
        self.brand = brand
        self.creator = creator
        self.terms = terms
        #: The brand's terms last offered (a declined counter-offer leaves them standing).
        self.offered = terms
        self.state = InvitationState.SENT
        self.video_id: UUID | None = None
        self.counter_note = ""
        self.draft_video_id: UUID | None = None  # the draft submitted last, if any
        self.draft_note = ""
        self.changes_reason = ""  # why the brand sent the last draft back

    # Rules ------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return InvitationState(self.state) in CLOSED

    def _require(self, *states: InvitationState, doing: str) -> None:
        current = InvitationState(self.state)
        if current in CLOSED:
            raise InvitationClosed(f"the invitation is {current.value}: cannot {doing}")
        if current not in states:
            raise NotYourTurn(f"the invitation is {current.value}: cannot {doing} now")

    # The creator ------------------------------------------------------------------------

    def accept(self, *, by: str, at: datetime) -> Terms:
        """The creator accepts the brand's terms; answers the terms agreed."""
        self._require(InvitationState.SENT, doing="accept")
        self._accepted(self.terms, by, checked_instant(at))
        return self.terms

    def counter(
        self, terms: Terms, *, note: str, currency: str, last_day: date, at: datetime
    ) -> None:
        self._require(InvitationState.SENT, doing="make a counter-offer")
        at = checked_instant(at)
        _check_terms(terms, currency=currency, last_day=last_day, at=at)
        self._countered(terms, _reason(note), at)

    def counter_in_part(
        self,
        *,
        fee: Money | None,
        deliverables: str | None,
        note: str,
        currency: str,
        last_day: date,
        at: datetime,
    ) -> None:
        """A counter-offer of another fee and/or other deliverables, the rest of the brand's
        terms kept (``Terms.countered``)."""
        self._require(InvitationState.SENT, doing="make a counter-offer")
        terms = self.terms.countered(fee=fee, deliverables=deliverables)
        self.counter(terms, note=note, currency=currency, last_day=last_day, at=at)

    def decline(self, *, by: str, creator: bool, reason: str, at: datetime) -> None:
        """The creator declines the brand's terms, or the brand the creator's counter-offer:
        each only what awaits them."""
        awaiting = InvitationState.SENT if creator else InvitationState.COUNTERED
        self._require(awaiting, doing="decline")
        self._declined(by, _reason(reason), checked_instant(at))

    def submit_draft(self, video_id: UUID, *, note: str, at: datetime) -> None:
        """The creator submits a draft for the brand's approval before posting it: after the
        acceptance (or a rejected delivery), or again when the brand asked for changes."""
        self._require(
            InvitationState.ACCEPTED, InvitationState.CHANGES_REQUESTED, doing="submit a draft"
        )
        at = checked_instant(at)
        self._by_deadline(at)
        self._draft_submitted(video_id, _reason(note, "a note"), at)

    def deliver(self, video_id: UUID, *, at: datetime) -> None:
        """The creator posts their video for the campaign: the approved draft's, once a draft
        was approved; a draft awaiting review or sent back for changes holds the delivery."""
        self._require(
            InvitationState.ACCEPTED, InvitationState.DRAFT_APPROVED, doing="deliver a video"
        )
        at = checked_instant(at)
        self._by_deadline(at)
        if InvitationState(self.state) is InvitationState.DRAFT_APPROVED and (
            video_id != self.draft_video_id
        ):
            raise NotTheApprovedDraft(
                f"the brand approved the draft {self.draft_video_id}: deliver that video"
            )
        self._delivered(video_id, at)

    def _by_deadline(self, at: datetime) -> None:
        if at.date() > self.terms.deadline:
            raise DeadlinePassed(f"the deadline was {self.terms.deadline}")

    # The brand --------------------------------------------------------------------------

    def accept_counter(self, *, by: str, at: datetime) -> Terms:
        self._require(InvitationState.COUNTERED, doing="accept the counter-offer")
        self._accepted(self.terms, by, checked_instant(at))
        return self.terms

    def decline_counter(self, *, by: str, reason: str, at: datetime) -> Terms:
        """The brand declines the open counter-offer with a reason, keeping the invitation
        open: its own terms offered last stand again, for the creator to answer; answers
        them. Without an open counter-offer it is ``NotYourTurn`` (or ``InvitationClosed``)."""
        self._require(InvitationState.COUNTERED, doing="decline the counter-offer")
        self._counter_declined(self.offered, by, _reason(reason), checked_instant(at))
        return self.offered

    def revise(self, terms: Terms, *, currency: str, last_day: date, at: datetime) -> None:
        """New terms from the brand, answering a counter-offer."""
        self._require(InvitationState.COUNTERED, doing="revise the terms")
        at = checked_instant(at)
        _check_terms(terms, currency=currency, last_day=last_day, at=at)
        self._revised(terms, at)

    def withdraw(self, *, reason: str, at: datetime) -> None:
        self._require(InvitationState.SENT, InvitationState.COUNTERED, doing="withdraw")
        self._withdrawn(_reason(reason), checked_instant(at))

    def reject_delivery(self, *, reason: str, at: datetime) -> None:
        self._require(InvitationState.DELIVERED, doing="reject the delivery")
        if not reason.strip():
            raise InvalidValue("a rejected delivery needs a reason the creator can act on")
        assert self.video_id is not None
        self._delivery_rejected(self.video_id, _reason(reason), checked_instant(at))

    def approve_draft(self, *, by: str, at: datetime) -> UUID:
        """The brand approves the draft awaiting it (a second approval is ``NotYourTurn``);
        answers the draft's video, the one to post."""
        self._require(InvitationState.DRAFT_SUBMITTED, doing="approve the draft")
        assert self.draft_video_id is not None
        self._draft_approved(self.draft_video_id, by, checked_instant(at))
        return self.draft_video_id

    def request_changes(self, *, by: str, reason: str, at: datetime) -> None:
        """The brand sends the draft awaiting it back, with a reason the creator can act on."""
        self._require(InvitationState.DRAFT_SUBMITTED, doing="ask for changes to the draft")
        if not reason.strip():
            raise InvalidValue("changes asked for need a reason the creator can act on")
        assert self.draft_video_id is not None
        self._draft_changes_requested(self.draft_video_id, _reason(reason), by, checked_instant(at))

    def approve_delivery(self, *, by: str, at: datetime) -> Money:
        """The brand approves the delivered video; answers the fee now paid."""
        self._require(InvitationState.DELIVERED, doing="approve the delivery")
        assert self.video_id is not None
        self._paid(self.video_id, self.terms.fee, by, checked_instant(at))
        return self.terms.fee

    # Events -----------------------------------------------------------------------------

    @event(Countered)
    def _countered(self, terms: Terms, note: str, countered_at: datetime) -> None:
        self.terms = terms
        self.counter_note = note
        self.state = InvitationState.COUNTERED

    @event(CounterDeclined)
    def _counter_declined(
        self, terms: Terms, declined_by: str, reason: str, declined_at: datetime
    ) -> None:
        self.terms = terms
        self.counter_note = ""
        self.state = InvitationState.SENT

    @event(Revised)
    def _revised(self, terms: Terms, revised_at: datetime) -> None:
        self.terms = terms
        self.offered = terms
        self.state = InvitationState.SENT

    @event(Accepted)
    def _accepted(self, terms: Terms, accepted_by: str, accepted_at: datetime) -> None:
        self.terms = terms
        self.state = InvitationState.ACCEPTED

    @event(Declined)
    def _declined(self, declined_by: str, reason: str, declined_at: datetime) -> None:
        self.state = InvitationState.DECLINED

    @event(Withdrawn)
    def _withdrawn(self, reason: str, withdrawn_at: datetime) -> None:
        self.state = InvitationState.WITHDRAWN

    @event(Delivered)
    def _delivered(self, video_id: UUID, delivered_at: datetime) -> None:
        self.video_id = video_id
        self.state = InvitationState.DELIVERED

    @event(DeliveryRejected)
    def _delivery_rejected(self, video_id: UUID, reason: str, rejected_at: datetime) -> None:
        self.video_id = None
        self.state = InvitationState.ACCEPTED

    @event(DraftSubmitted)
    def _draft_submitted(self, video_id: UUID, note: str, submitted_at: datetime) -> None:
        self.draft_video_id = video_id
        self.draft_note = note
        self.changes_reason = ""
        self.state = InvitationState.DRAFT_SUBMITTED

    @event(DraftChangesRequested)
    def _draft_changes_requested(
        self, video_id: UUID, reason: str, requested_by: str, requested_at: datetime
    ) -> None:
        self.changes_reason = reason
        self.state = InvitationState.CHANGES_REQUESTED

    @event(DraftApproved)
    def _draft_approved(self, video_id: UUID, approved_by: str, approved_at: datetime) -> None:
        self.state = InvitationState.DRAFT_APPROVED

    @event(Paid)
    def _paid(self, video_id: UUID, fee: Money, approved_by: str, paid_at: datetime) -> None:
        self.state = InvitationState.PAID


def _check_terms(terms: Terms, *, currency: str, last_day: date, at: datetime) -> None:
    if terms.fee.currency != currency:
        raise InvalidValue(f"the fee is paid from the campaign's budget, in {currency}")
    # Not in Terms itself: terms recorded before the bound must still load.
    terms.fee.require_amount("a fee")
    checked_free_text(terms.deliverables, "the deliverables")
    if terms.deadline < at.date():
        raise InvalidValue(f"the deadline {terms.deadline} is already past")
    if terms.deadline > last_day:
        raise InvalidValue(f"the deadline {terms.deadline} is after the campaign's end {last_day}")
