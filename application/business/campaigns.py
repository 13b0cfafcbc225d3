"""Brand campaigns and the invitations that bring creators into them, with their money.

Campaigns, invitations and their journal entries live in the revenue log, so that launching
a campaign funds its budget, accepting an invitation commits the fee, and approving a
delivery pays it, each in the same transaction as the decision:

- launch: debit ``platform:brand-funds``, credit ``campaign:<id>:budget`` (the budget);
- acceptance: debit the budget, credit ``campaign:<id>:committed`` (the fee): the budget's
  limit refuses a commitment beyond what is left;
- approval: debit the commitment, credit ``creator:<c>:payable`` (reference ``video:<id>``),
  which the payout run pays like any earnings.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import date, datetime
from uuid import UUID

import attrs

from application.auth import (
    Principal,
    Role,
    acting_for,
    owns,
    person_key,
    require_role,
    whose_list,
)
from application.business.campaign_dashboard import CampaignDashboards
from application.errors import ApplicationError, NotFound, NotPermitted, StaleVersion
from application.logs import CatalogueLog, RevenueLog
from application.paging import KeysetCursors, Page, int_at, limited
from application.ports import Clock, IdentityProvider
from application.revenue.ledgers import Ledger
from domain.anchors.videos import Video
from domain.business.campaigns import Campaign, CampaignHashtag, CampaignVideo, KpiTarget, Objective
from domain.business.effects import BrandedEffect, EffectUse
from domain.business.invitations import Invitation, InvitationState, Terms
from domain.errors import InvalidValue, RuleViolated
from domain.money import Money
from domain.revenue.creators import Creator
from domain.revenue.ledger import (
    PLATFORM_BRAND_FUNDS,
    JournalEntry,
    campaign_budget,
    campaign_committed,
    creator_payable,
    credit,
    debit,
    platform,
)

CAMPAIGN_FUNDED = "business-campaign-funded"
FEE_COMMITTED = "campaign-fee-committed"
FEE_PAID = "campaign-fee-paid"
#: A creator's invitations: the revenue log position each was sent at.
INVITATIONS = KeysetCursors("creator invitations", int)
#: A campaign's invitations: the revenue log position each was sent at.
CAMPAIGN_INVITATIONS = KeysetCursors("campaign invitations", int)


class HashtagTaken(ApplicationError):
    """Another campaign claimed the hashtag."""


class AlreadyInvited(ApplicationError):
    """The creator was invited to this campaign already."""


@attrs.frozen
class CampaignView:
    id: UUID
    version: int
    brand: str
    name: str
    objective: str
    budget: Money
    starts_on: date
    ends_on: date
    ended_on: date | None
    categories: tuple[str, ...]
    regions: tuple[str, ...]
    kpis: tuple[KpiTarget, ...]
    hashtag: str
    creators: tuple[str, ...]
    uncommitted: Money  # the budget not yet committed to creators
    launched_at: datetime


@attrs.frozen
class EffectView:
    id: UUID
    brand: str
    campaign_id: UUID
    name: str
    asset: str
    registered_at: datetime

    @classmethod
    def of(cls, effect: BrandedEffect) -> EffectView:
        return cls(
            id=effect.id,
            brand=effect.brand,
            campaign_id=effect.campaign_id,
            name=effect.name,
            asset=effect.asset,
            registered_at=effect.registered_at,
        )


@attrs.frozen
class InvitationView:
    id: UUID
    version: int
    campaign_id: UUID
    brand: str
    creator: str
    state: InvitationState
    terms: Terms
    counter_note: str
    video_id: UUID | None
    draft_video_id: UUID | None = None  # the draft submitted last, if any
    draft_note: str = ""
    changes_reason: str = ""  # why the brand sent the last draft back
    #: The brand's terms last offered: while countered, what the counter-offer answers.
    offered: Terms | None = None

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationView:
        return cls(
            id=invitation.id,
            version=invitation.version,
            campaign_id=invitation.campaign_id,
            brand=invitation.brand,
            creator=invitation.creator,
            state=InvitationState(invitation.state),
            terms=invitation.terms,
            counter_note=invitation.counter_note,
            video_id=invitation.video_id,
            draft_video_id=invitation.draft_video_id,
            draft_note=invitation.draft_note,
            changes_reason=invitation.changes_reason,
            offered=invitation.offered,
        )


class Campaigns:
    def __init__(
        self,
        revenue: RevenueLog,
        *,
        catalogue: CatalogueLog,
        ledger: Ledger,
        dashboards: CampaignDashboards,
        clock: Clock,
        identities: IdentityProvider,
    ) -> None:
        self._revenue = revenue
        self._catalogue = catalogue
        self.ledger = ledger
        self.dashboards = dashboards
        self.clock = clock
        self.identities = identities

    # Campaigns --------------------------------------------------------------------------

    def launch(
        self,
        actor: Principal,
        *,
        name: str,
        objective: Objective | str,
        budget: Money,
        starts_on: date,
        ends_on: date,
        categories: Sequence[str],
        regions: Sequence[str],
        kpis: Sequence[KpiTarget],
        hashtag: str,
        brand: str | None = None,
    ) -> CampaignView:
        """A prepaid campaign: its budget is received from the brand and held for it."""
        owner = acting_for(actor, brand, Role.BRAND, doing="launch a campaign")
        now = self.clock.now()
        campaign = Campaign.launch(
            self.identities.new_id(),
            brand=owner,
            name=name,
            objective=objective,
            budget=budget,
            starts_on=starts_on,
            ends_on=ends_on,
            categories=categories,
            regions=regions,
            kpis=kpis,
            hashtag=hashtag,
            at=now,
        )
        claim = CampaignHashtag.claim(campaign.hashtag, campaign.id, at=now)
        if self._revenue.find(CampaignHashtag, claim.id) is not None:
            raise HashtagTaken(f"#{campaign.hashtag} belongs to another campaign")
        funding = JournalEntry.record(
            cause=f"campaign:{campaign.id}",
            kind=CAMPAIGN_FUNDED,
            postings=[
                debit(platform(PLATFORM_BRAND_FUNDS, budget.currency), budget),
                credit(campaign_budget(campaign.id, budget.currency), budget),
            ],
            at=now,
        )
        try:
            self._revenue.commit(campaign, claim, funding, *self.ledger.accounts_for(funding))
        except StaleVersion:
            raise HashtagTaken(f"#{campaign.hashtag} belongs to another campaign") from None
        return self._view(campaign)

    def campaign(self, actor: Principal, campaign_id: UUID) -> CampaignView:
        """A campaign, for its brand, an admin or an auditor (anyone else is ``NotPermitted``)."""
        return self._view(self._readable(actor, campaign_id))

    def end(self, actor: Principal, campaign_id: UUID, *, reason: str) -> CampaignView:
        """A brand ends one of its own campaigns early (an admin any campaign); another brand's
        campaign is ``NotPermitted``."""
        campaign = self._owned(actor, campaign_id, doing="end a campaign")
        campaign.end(by=actor.label, reason=reason, at=self.clock.now())
        self._revenue.commit(campaign)
        return self._view(campaign)

    def link_video(self, actor: Principal, campaign_id: UUID, video_id: UUID) -> UUID:
        """A participating creator counts one of their videos toward the campaign."""
        require_role(actor, Role.CREATOR, doing="link a video to a campaign")
        campaign = self._revenue.load(Campaign, campaign_id)
        video = self._catalogue.load(Video, video_id)
        if not owns(actor, Role.CREATOR, video.creator_id):
            raise NotPermitted("a creator links only their own videos")
        existing = self._revenue.find(CampaignVideo, CampaignVideo.id_for(campaign_id, video_id))
        if existing is not None:
            return existing.id
        link = CampaignVideo.link(
            campaign,
            video_id=video_id,
            creator=actor.subject,
            published_at=video.published_at,
            at=self.clock.now(),
        )
        with suppress(StaleVersion):  # linked by a concurrent request: the same link
            self._revenue.commit(link)
        return link.id

    # Branded effects --------------------------------------------------------------------

    def register_effect(
        self, actor: Principal, campaign_id: UUID, *, name: str, asset: str
    ) -> EffectView:
        """A brand's AR effect for its campaign; videos that declare it count toward it."""
        campaign = self._owned(actor, campaign_id, doing="register a branded effect")
        now = self.clock.now()
        campaign.require_running(now)
        effect = BrandedEffect.register(
            self.identities.new_id(),
            brand=campaign.brand,
            campaign_id=campaign.id,
            name=name,
            asset=asset,
            at=now,
        )
        self._revenue.commit(effect)
        return EffectView.of(effect)

    def effect(self, effect_id: UUID) -> EffectView:
        """A branded effect as a view (no access check); an unknown one is ``NotFound``."""
        return EffectView.of(self._revenue.load(BrandedEffect, effect_id))

    def declare_effect_use(self, actor: Principal, video_id: UUID, effect_id: UUID) -> UUID:
        """The video's creator declares that it used the effect (once; again changes
        nothing)."""
        require_role(actor, Role.CREATOR, doing="declare an effect's use")
        effect = self._revenue.load(BrandedEffect, effect_id)
        video = self._catalogue.load(Video, video_id)
        if not owns(actor, Role.CREATOR, video.creator_id):
            raise NotPermitted("a creator declares effects on their own videos")
        use = EffectUse.declare(
            effect, video_id=video_id, creator=actor.subject, at=self.clock.now()
        )
        if self._revenue.find(EffectUse, use.id) is None:
            with suppress(StaleVersion):  # declared by a concurrent request: the same use
                self._revenue.commit(use)
        return use.id

    # Invitations ------------------------------------------------------------------------

    def invite(
        self, actor: Principal, campaign_id: UUID, *, creator: str, terms: Terms
    ) -> InvitationView:
        """A brand invites a creator into its own running campaign on terms (an admin into any),
        and the creator is told. Refuses an unknown creator (``NotFound``), a minor
        (``RuleViolated``), and a creator invited already (``AlreadyInvited``)."""
        campaign = self._owned(actor, campaign_id, doing="invite a creator")
        now = self.clock.now()
        campaign.require_running(now)
        invited = self._catalogue.find(Creator, Creator.id_for(creator))
        if invited is None:
            raise NotFound("creator", creator)
        if invited.is_minor:
            raise RuleViolated(f"{creator} is under 18: minors are not invited to campaigns")
        if self._revenue.find(Invitation, Invitation.id_for(campaign_id, creator)) is not None:
            raise AlreadyInvited(f"{creator} was invited to {campaign.name!r} already")
        invitation = Invitation.send(
            campaign_id,
            brand=campaign.brand,
            creator=creator,
            terms=terms,
            currency=campaign.currency,
            last_day=campaign.last_day(),
            at=now,
        )
        try:
            self._revenue.commit(invitation)
        except StaleVersion:
            raise AlreadyInvited(f"{creator} was invited to {campaign.name!r} already") from None
        return InvitationView.of(invitation)

    def invitation(self, actor: Principal, invitation_id: UUID) -> InvitationView:
        """An invitation, for its brand, its creator, an admin or an auditor (anyone else is
        ``NotPermitted``)."""
        invitation = self._revenue.load(Invitation, invitation_id)
        self._party(actor, invitation)
        return InvitationView.of(invitation)

    def accept(self, actor: Principal, invitation_id: UUID) -> InvitationView:
        """The creator accepts the brand's terms: the fee is committed from the budget."""
        invitation = self._as_creator(actor, invitation_id)
        now = self.clock.now()
        terms = invitation.accept(by=actor.label, at=now)
        return self._agree(invitation, terms, now)

    def accept_counter(self, actor: Principal, invitation_id: UUID) -> InvitationView:
        """The inviting brand accepts the creator's counter-offer; the terms are agreed and the
        creator is told. Only that brand may (``NotPermitted``)."""
        invitation = self._as_brand(actor, invitation_id)
        now = self.clock.now()
        terms = invitation.accept_counter(by=actor.label, at=now)
        return self._agree(invitation, terms, now)

    def counter(
        self,
        actor: Principal,
        invitation_id: UUID,
        terms: Terms | None = None,
        *,
        fee: Money | None = None,
        deliverables: str | None = None,
        note: str = "",
    ) -> InvitationView:
        """The invited creator answers the brand's terms with a counter-offer and a note, and
        the brand is told: whole ``terms``, or a ``fee`` and/or other ``deliverables`` (the
        rest of the brand's terms kept). Only that creator may (``NotPermitted``), only while
        the brand's terms await them and with no counter-offer open (``RuleViolated``)."""
        invitation = self._as_creator(actor, invitation_id)
        if terms is not None and (fee is not None or deliverables is not None):
            raise InvalidValue("a counter-offer is whole terms, or a fee and/or deliverables")
        campaign = self._revenue.load(Campaign, invitation.campaign_id)
        currency, last_day, now = campaign.currency, campaign.last_day(), self.clock.now()
        if terms is None:
            invitation.counter_in_part(
                fee=fee,
                deliverables=deliverables,
                note=note,
                currency=currency,
                last_day=last_day,
                at=now,
            )
        else:
            invitation.counter(terms, note=note, currency=currency, last_day=last_day, at=now)
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def decline_counter(
        self, actor: Principal, invitation_id: UUID, *, reason: str
    ) -> InvitationView:
        """The inviting brand declines the creator's open counter-offer with a reason: the
        invitation stays open on the brand's terms offered last, and the creator is told.
        Only that brand may (``NotPermitted``); without an open counter-offer it is
        ``RuleViolated``."""
        invitation = self._as_brand(actor, invitation_id)
        invitation.decline_counter(by=actor.label, reason=reason, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def revise(self, actor: Principal, invitation_id: UUID, terms: Terms) -> InvitationView:
        """The inviting brand sends new terms, and the creator is told. Only that brand may
        (``NotPermitted``)."""
        invitation = self._as_brand(actor, invitation_id)
        campaign = self._revenue.load(Campaign, invitation.campaign_id)
        invitation.revise(
            terms, currency=campaign.currency, last_day=campaign.last_day(), at=self.clock.now()
        )
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def decline(self, actor: Principal, invitation_id: UUID, *, reason: str) -> InvitationView:
        """The creator declines the terms, or the brand declines a counter-offer."""
        invitation = self._revenue.load(Invitation, invitation_id)
        if owns(actor, Role.CREATOR, invitation.creator):
            by_creator = True
        elif owns(actor, Role.BRAND, invitation.brand):
            by_creator = False
        else:
            raise NotPermitted("an invitation is declined by its creator or its brand")
        invitation.decline(by=actor.label, creator=by_creator, reason=reason, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def withdraw(self, actor: Principal, invitation_id: UUID, *, reason: str) -> InvitationView:
        """The inviting brand withdraws its invitation with a reason, and the creator is told.
        Only that brand may (``NotPermitted``)."""
        invitation = self._as_brand(actor, invitation_id)
        invitation.withdraw(reason=reason, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def deliver(self, actor: Principal, invitation_id: UUID, video_id: UUID) -> InvitationView:
        """The invited creator delivers one of their own videos for the brand's approval, and the
        brand is told. Another's invitation or video is ``NotPermitted``."""
        invitation = self._as_creator(actor, invitation_id)
        video = self._catalogue.load(Video, video_id)
        if not owns(actor, Role.CREATOR, video.creator_id):
            raise NotPermitted("a creator delivers one of their own videos")
        invitation.deliver(video_id, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def submit_draft(
        self, actor: Principal, campaign_id: UUID, video_id: UUID, *, note: str = ""
    ) -> InvitationView:
        """The creator invited to the campaign, having accepted, submits one of their own
        videos as a draft with a note for the brand's approval before posting it, and the
        brand is told. A creator not invited to the campaign, or another's video, is
        ``NotPermitted``; a draft out of turn (not accepted yet, one awaiting review) is
        ``RuleViolated``."""
        require_role(actor, Role.CREATOR, doing="submit a draft")
        invitation = self._revenue.find(Invitation, Invitation.id_for(campaign_id, actor.subject))
        if invitation is None or not owns(actor, Role.CREATOR, invitation.creator):
            raise NotPermitted("a creator submits drafts only for campaigns they were invited to")
        video = self._catalogue.load(Video, video_id)
        if not owns(actor, Role.CREATOR, video.creator_id):
            raise NotPermitted("a creator submits one of their own videos as a draft")
        invitation.submit_draft(video_id, note=note, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def approve_draft(self, actor: Principal, invitation_id: UUID) -> InvitationView:
        """The inviting brand approves the draft awaiting it, and the creator is told to post
        it. Only that brand may (``NotPermitted``); a second approval is ``RuleViolated``."""
        invitation = self._as_brand(actor, invitation_id)
        invitation.approve_draft(by=actor.label, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def request_draft_changes(
        self, actor: Principal, invitation_id: UUID, *, reason: str
    ) -> InvitationView:
        """The inviting brand sends the draft awaiting it back with a reason, and the creator
        is told. Only that brand may (``NotPermitted``)."""
        invitation = self._as_brand(actor, invitation_id)
        invitation.request_changes(by=actor.label, reason=reason, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def reject_delivery(
        self, actor: Principal, invitation_id: UUID, *, reason: str
    ) -> InvitationView:
        """The inviting brand does not approve the delivered video, with a reason, and the creator
        is told. Only that brand may (``NotPermitted``)."""
        invitation = self._as_brand(actor, invitation_id)
        invitation.reject_delivery(reason=reason, at=self.clock.now())
        self._revenue.commit(invitation)
        return InvitationView.of(invitation)

    def approve_delivery(self, actor: Principal, invitation_id: UUID) -> InvitationView:
        """The brand approves the delivered video: the committed fee is paid to the creator."""
        invitation = self._as_brand(actor, invitation_id)
        now = self.clock.now()
        video_id = invitation.video_id
        fee = invitation.approve_delivery(by=actor.label, at=now)
        payment = JournalEntry.record(
            cause=f"invitation:{invitation.id}:paid",
            kind=FEE_PAID,
            postings=[
                debit(campaign_committed(invitation.campaign_id, fee.currency), fee),
                credit(creator_payable(invitation.creator, fee.currency), fee, f"video:{video_id}"),
            ],
            at=now,
        )
        self._revenue.commit(invitation, payment, *self.ledger.accounts_for(payment))
        return InvitationView.of(invitation)

    def invitations_of_campaign(
        self,
        actor: Principal,
        campaign_id: UUID,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[InvitationView]:
        """The campaign's invitations (its brand, admins, auditors), in the order they were
        sent, each as it stands now: a seek on the dashboards' rows (campaign, position)."""
        self._readable(actor, campaign_id)
        key = CAMPAIGN_INVITATIONS.decode(cursor)
        size = limited(limit)
        rows = self.dashboards.invitations_of_campaign(
            campaign_id, after=None if key is None else int_at(key, 0), limit=size + 1
        )
        page = CAMPAIGN_INVITATIONS.page(rows, size, lambda row: (row[0],))
        return Page(
            tuple(
                InvitationView.of(self._revenue.load(Invitation, invitation_id))
                for _, invitation_id in page.items
            ),
            page.next_cursor,
        )

    def invitations_of_creator(
        self,
        actor: Principal,
        creator: str | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[InvitationView]:
        """The invitations sent to a creator (none: the actor, a creator), in the order they
        were sent, each as it stands now."""
        creator = whose_list(actor, Role.CREATOR, creator, "their invitations")
        key = INVITATIONS.decode(cursor)
        size = limited(limit)
        rows = self.dashboards.invitations_of_creator(
            creator, after=None if key is None else int_at(key, 0), limit=size + 1
        )
        page = INVITATIONS.page(rows, size, lambda row: (row[0],))
        return Page(
            tuple(
                InvitationView.of(self._revenue.load(Invitation, invitation_id))
                for _, invitation_id in page.items
            ),
            page.next_cursor,
        )

    # Plumbing ---------------------------------------------------------------------------

    def _agree(self, invitation: Invitation, terms: Terms, now: datetime) -> InvitationView:
        creator = self._catalogue.find(Creator, Creator.id_for(invitation.creator))
        if creator is not None and creator.is_minor:
            raise RuleViolated(f"{invitation.creator} is under 18: no campaign takes them on")
        campaign = self._revenue.load(Campaign, invitation.campaign_id)
        campaign.admit(invitation.creator, invitation_id=invitation.id, at=now)
        commitment = JournalEntry.record(
            cause=f"invitation:{invitation.id}:committed",
            kind=FEE_COMMITTED,
            postings=[
                debit(campaign_budget(campaign.id, terms.fee.currency), terms.fee),
                credit(campaign_committed(campaign.id, terms.fee.currency), terms.fee),
            ],
            at=now,
        )
        self._revenue.commit(
            invitation, campaign, commitment, *self.ledger.accounts_for(commitment)
        )
        return InvitationView.of(invitation)

    @staticmethod
    def _brand(invitation: Invitation) -> str:
        """The inbox of the invitation's brand."""
        return person_key(Principal(Role.BRAND, invitation.brand))

    def _readable(self, actor: Principal, campaign_id: UUID) -> Campaign:
        campaign = self._revenue.load(Campaign, campaign_id)
        if actor.role in (Role.ADMIN, Role.AUDITOR):
            return campaign
        if owns(actor, Role.BRAND, campaign.brand):
            return campaign
        raise NotPermitted("a campaign is visible to its brand, admins and auditors")

    def _owned(self, actor: Principal, campaign_id: UUID, *, doing: str) -> Campaign:
        campaign = self._revenue.load(Campaign, campaign_id)
        if actor.role is Role.ADMIN:
            return campaign
        require_role(actor, Role.BRAND, doing=doing)
        if not owns(actor, Role.BRAND, campaign.brand):
            raise NotPermitted(f"a brand may only {doing} in its own campaigns")
        return campaign

    def _party(self, actor: Principal, invitation: Invitation) -> None:
        if actor.role in (Role.ADMIN, Role.AUDITOR):
            return
        if owns(actor, Role.BRAND, invitation.brand) or owns(
            actor, Role.CREATOR, invitation.creator
        ):
            return
        raise NotPermitted("an invitation is between its brand and its creator")

    def _as_creator(self, actor: Principal, invitation_id: UUID) -> Invitation:
        # The role first: a caller who may never answer learns nothing of which ids exist.
        require_role(actor, Role.CREATOR, doing="answer an invitation")
        invitation = self._revenue.load(Invitation, invitation_id)
        if not owns(actor, Role.CREATOR, invitation.creator):
            raise NotPermitted("only the invited creator answers an invitation")
        return invitation

    def _as_brand(self, actor: Principal, invitation_id: UUID) -> Invitation:
        require_role(actor, Role.BRAND, doing="act on an invitation")
        invitation = self._revenue.load(Invitation, invitation_id)
        if not owns(actor, Role.BRAND, invitation.brand):
            raise NotPermitted("only the inviting brand acts on its invitation")
        return invitation

    def _view(self, campaign: Campaign) -> CampaignView:
        return CampaignView(
            id=campaign.id,
            version=campaign.version,
            brand=campaign.brand,
            name=campaign.name,
            objective=campaign.objective,
            budget=campaign.budget,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            ended_on=campaign.ended_on,
            categories=campaign.categories,
            regions=campaign.regions,
            kpis=campaign.kpis,
            hashtag=campaign.hashtag,
            creators=tuple(sorted(campaign.creators)),
            uncommitted=self.ledger.balance_of(campaign_budget(campaign.id, campaign.currency)),
            launched_at=campaign.launched_at,
        )
