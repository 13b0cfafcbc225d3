"""Brand campaigns over HTTP: launching, the dashboard, creators linking their videos, and
invitations negotiated between a brand and a creator."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import attrs
from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse

from application.auth import Principal, Role
from application.business.campaign_dashboard import CampaignReport
from application.business.campaigns import CampaignView
from domain.business.campaigns import Objective
from entrypoints.bootstrap import Spotlight
from entrypoints.http.anchors.video_analytics import AsOf, Days, First, Last
from entrypoints.http.business.campaign_schemas import (
    CampaignLaunch,
    CampaignOut,
    CounterOfferBody,
    DashboardOut,
    DraftBody,
    EffectBody,
    EffectOut,
    EffectUseBody,
    EndBody,
    InvitationBody,
    InvitationOut,
    ReasonBody,
    ReportOut,
    RevisionBody,
    VideoBody,
)
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.schemas import IsoDate
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import set_location, tag_response

router = APIRouter(tags=["business"])


def launch(core: Spotlight, caller: Principal, body: CampaignLaunch) -> CampaignView:
    """The launch a checked body asks for (the API's and the brand's web form's)."""
    return core.campaigns.launch(
        caller,
        name=body.name,
        objective=Objective(body.objective),
        budget=body.budget.to_domain(),
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        categories=body.categories,
        regions=body.regions,
        kpis=[k.to_domain() for k in body.kpis],
        hashtag=body.hashtag,
        brand=body.brand,
    )


@router.post("/v1/campaigns", status_code=status.HTTP_201_CREATED, response_model=CampaignOut)
def launch_campaign(
    body: CampaignLaunch, core: Core, caller: Caller, response: Response
) -> CampaignOut:
    """A brand launches a campaign (an admin launches one for a named `brand`). The budget is
    prepaid: credited at once to the ledger account `campaign:<id>:budget:<currency>`, from
    which accepted invitations commit creators' fees. The hashtag is the campaign's for good
    (409 `hashtag-taken` if another campaign has it). A flight that ends before it starts,
    an unknown category or region, or a budget of zero: 422, nothing recorded."""
    view = launch(core, caller, body)
    set_location(response, "campaigns", view.id)
    tag_response(response, view.version)
    return CampaignOut.model_validate(view)


@router.get("/v1/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: UUID, core: Core, caller: Caller, response: Response) -> CampaignOut:
    """A campaign, its creators and what is left uncommitted of its budget (the owning
    brand, admins, auditors)."""
    view = core.campaigns.campaign(caller, campaign_id)
    tag_response(response, view.version)
    return CampaignOut.model_validate(view)


@router.post("/v1/campaigns/{campaign_id}/end", response_model=CampaignOut)
def end_campaign(campaign_id: UUID, body: EndBody, core: Core, caller: Caller) -> CampaignOut:
    """The brand ends its campaign early, with a reason: nothing counts after today."""
    return CampaignOut.model_validate(core.campaigns.end(caller, campaign_id, reason=body.reason))


@router.get("/v1/campaigns/{campaign_id}/dashboard", response_model=DashboardOut)
def dashboard(
    campaign_id: UUID,
    core: Core,
    caller: Caller,
    as_of: Annotated[IsoDate | None, Query(description="The day to report up to (today).")] = None,
) -> DashboardOut:
    """The campaign's KPIs against their targets, its daily series, its top videos and
    creators, and its spend: the owning brand, admins and auditors. Videos count when a
    participating creator linked them, or published them in the flight with the campaign's
    hashtag; engagement and clicks count on the days of the flight."""
    day = as_of or core.clock.now().date()
    return DashboardOut.model_validate(
        core.campaign_dashboards.dashboard(caller, campaign_id, as_of=day)
    )


@attrs.frozen
class ReportRange:
    """The range a report is read for: the last 7, 28 or 90 days to `as_of`, or from/to."""

    days: Days = None
    first: First = None
    last: Last = None
    as_of: AsOf = None

    def read(self, core: Spotlight, caller: Principal, campaign_id: UUID) -> CampaignReport:
        return core.campaign_dashboards.report(
            caller,
            campaign_id,
            as_of=self.as_of or core.clock.now().date(),
            days=None if self.days is None else int(self.days),
            first=self.first,
            last=self.last,
        )


Asked = Annotated[ReportRange, Depends()]


@router.get("/v1/campaigns/{campaign_id}/report", response_model=ReportOut)
def report(campaign_id: UUID, core: Core, caller: Caller, asked: Asked) -> ReportOut:
    """The campaign's reach (different signed-in viewers of its videos, counted exactly in
    the read model's rows), frequency (views per viewer), call-to-action clicks and
    conversions (orders placed through its videos' product tags) over the last 7, 28 or 90
    days to `as_of` (today) or a custom `from`/`to`, in total and by day; only the days of
    the flight count. The owning brand, admins and auditors (422 for a range asked both
    ways, reversed or longer than the series allow)."""
    return ReportOut.of(asked.read(core, caller, campaign_id))


@router.get(
    "/v1/campaigns/{campaign_id}/report.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The report as CSV."}},
)
def report_csv(campaign_id: UUID, core: Core, caller: Caller, asked: Asked) -> StreamingResponse:
    """The same report as CSV: `day,reach,views,frequency,clicks,conversions`, a line a day
    of the range within the flight, then the line `total`."""
    found = asked.read(core, caller, campaign_id)
    return StreamingResponse(
        core.campaign_dashboards.report_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="campaign-{campaign_id}-{found.first}-{found.last}.csv"'
            )
        },
    )


@router.post("/v1/campaigns/{campaign_id}/videos", status_code=status.HTTP_201_CREATED)
def link_video(
    campaign_id: UUID, body: VideoBody, core: Core, caller: Caller, response: Response
) -> dict[str, str]:
    """A participating creator counts one of their videos, published in the flight, toward
    the campaign (once; asking again changes nothing)."""
    link = core.campaigns.link_video(caller, campaign_id, body.video_id)
    set_location(response, "campaigns", campaign_id, "dashboard")  # where it counts
    return {"link_id": str(link), "video_id": str(body.video_id)}


# Branded effects --------------------------------------------------------------------------


@router.post(
    "/v1/campaigns/{campaign_id}/effects",
    status_code=status.HTTP_201_CREATED,
    response_model=EffectOut,
)
def register_effect(
    campaign_id: UUID, body: EffectBody, core: Core, caller: Caller, response: Response
) -> EffectOut:
    """The brand registers a branded AR effect for its running campaign: its name and a
    reference to the asset (rendering is the app's). Videos that declare it count toward
    the campaign, whoever made them."""
    view = core.campaigns.register_effect(caller, campaign_id, name=body.name, asset=body.asset)
    set_location(response, "effects", view.id)
    return EffectOut.model_validate(view)


@router.get("/v1/effects/{effect_id}", response_model=EffectOut)
def get_effect(effect_id: UUID, core: Core, _caller: Caller) -> EffectOut:
    """A branded effect (anyone signed in: the app shows it to creators)."""
    return EffectOut.model_validate(core.campaigns.effect(effect_id))


@router.post("/v1/videos/{video_id}/effects", status_code=status.HTTP_201_CREATED)
def declare_effect(
    video_id: UUID, body: EffectUseBody, core: Core, caller: Caller, response: Response
) -> dict[str, str]:
    """The video's creator declares that it used a branded effect (once per effect)."""
    use = core.campaigns.declare_effect_use(caller, video_id, body.effect_id)
    set_location(response, "effects", body.effect_id)  # the effect its use counts for
    return {"use_id": str(use), "video_id": str(video_id), "effect_id": str(body.effect_id)}


# Invitations ------------------------------------------------------------------------------


@router.post(
    "/v1/campaigns/{campaign_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationOut,
)
def invite(
    campaign_id: UUID, body: InvitationBody, core: Core, caller: Caller, response: Response
) -> InvitationOut:
    """The brand invites a creator with terms (fee in the budget's currency, deliverables,
    a deadline within the flight); the creator is told in their inbox. One invitation per
    creator and campaign (409 `already-invited`); an unknown creator is 404."""
    view = core.campaigns.invite(
        caller, campaign_id, creator=body.creator, terms=body.terms.to_domain()
    )
    set_location(response, "invitations", view.id)
    tag_response(response, view.version)
    return InvitationOut.model_validate(view)


@router.get("/v1/campaigns/{campaign_id}/invitations", response_model=PageOut[InvitationOut])
def invitations(
    campaign_id: UUID,
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> PageOut[InvitationOut]:
    """A campaign's invitations, in the order sent, each as it stands (its brand, admins,
    auditors), a page at a time. Changed: the answer was `{"invitations": [...]}`, every
    invitation at once; it is now a page, `items` and `next_cursor`."""
    page = core.campaigns.invitations_of_campaign(caller, campaign_id, limit=limit, cursor=cursor)
    return PageOut[InvitationOut].model_validate(page)


@router.get("/v1/me/invitations", response_model=PageOut[InvitationOut])
def my_invitations(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[InvitationOut]:
    """A creator's invitations from brands, in the order they were sent, each as it stands
    (its id, campaign, brand, state and terms)."""
    page = core.campaigns.invitations_of_creator(caller, limit=limit, cursor=cursor)
    return PageOut[InvitationOut].model_validate(page)


@router.get("/v1/invitations/{invitation_id}", response_model=InvitationOut)
def get_invitation(
    invitation_id: UUID, core: Core, caller: Caller, response: Response
) -> InvitationOut:
    """An invitation, for its brand, its creator, admins and auditors."""
    view = core.campaigns.invitation(caller, invitation_id)
    tag_response(response, view.version)
    return InvitationOut.model_validate(view)


@router.post("/v1/invitations/{invitation_id}/acceptance", response_model=InvitationOut)
def accept(invitation_id: UUID, core: Core, caller: Caller) -> InvitationOut:
    """The creator accepts the brand's terms, or the brand the creator's counter-offer. The
    fee is committed from the campaign's budget in the same transaction (409 `LimitExceeded`
    when the budget cannot cover it); the creator joins the campaign."""
    if caller.role is Role.BRAND:
        return InvitationOut.model_validate(core.campaigns.accept_counter(caller, invitation_id))
    return InvitationOut.model_validate(core.campaigns.accept(caller, invitation_id))


@router.post("/v1/invitations/{invitation_id}/counter-offer", response_model=InvitationOut)
def counter(
    invitation_id: UUID, body: CounterOfferBody, core: Core, caller: Caller
) -> InvitationOut:
    """The creator answers the brand's terms with a counter-offer: whole terms, or a fee
    and/or other deliverables (the rest of the brand's terms kept). Another's invitation is
    403; a closed invitation, or one whose counter-offer is still open, is 409."""
    view = core.campaigns.counter(
        caller,
        invitation_id,
        None if body.terms is None else body.terms.to_domain(),
        fee=None if body.fee is None else body.fee.to_domain(),
        deliverables=body.deliverables,
        note=body.note,
    )
    return InvitationOut.model_validate(view)


@router.post(
    "/v1/invitations/{invitation_id}/counter-offer/acceptance", response_model=InvitationOut
)
def accept_counter(invitation_id: UUID, core: Core, caller: Caller) -> InvitationOut:
    """The inviting brand accepts the creator's open counter-offer: its terms are agreed and
    the fee committed from the budget (409 `LimitExceeded` when it cannot cover it; 409
    without an open counter-offer; 403 for anyone but that brand)."""
    return InvitationOut.model_validate(core.campaigns.accept_counter(caller, invitation_id))


@router.post("/v1/invitations/{invitation_id}/counter-offer/decline", response_model=InvitationOut)
def decline_counter(
    invitation_id: UUID, body: ReasonBody, core: Core, caller: Caller
) -> InvitationOut:
    """The inviting brand declines the creator's open counter-offer with a reason: the
    invitation stays open on the brand's terms, for the creator to answer again (409 without
    an open counter-offer; 403 for anyone but that brand)."""
    return InvitationOut.model_validate(
        core.campaigns.decline_counter(caller, invitation_id, reason=body.reason)
    )


@router.post("/v1/invitations/{invitation_id}/revision", response_model=InvitationOut)
def revise(invitation_id: UUID, body: RevisionBody, core: Core, caller: Caller) -> InvitationOut:
    """The brand answers a counter-offer with new terms."""
    return InvitationOut.model_validate(
        core.campaigns.revise(caller, invitation_id, body.terms.to_domain())
    )


@router.post("/v1/invitations/{invitation_id}/decline", response_model=InvitationOut)
def decline(invitation_id: UUID, body: ReasonBody, core: Core, caller: Caller) -> InvitationOut:
    """The creator declines the brand's terms, or the brand the creator's counter-offer."""
    return InvitationOut.model_validate(
        core.campaigns.decline(caller, invitation_id, reason=body.reason)
    )


@router.post("/v1/invitations/{invitation_id}/withdrawal", response_model=InvitationOut)
def withdraw(invitation_id: UUID, body: ReasonBody, core: Core, caller: Caller) -> InvitationOut:
    """The brand withdraws an invitation not yet accepted."""
    return InvitationOut.model_validate(
        core.campaigns.withdraw(caller, invitation_id, reason=body.reason)
    )


@router.post("/v1/invitations/{invitation_id}/delivery", response_model=InvitationOut)
def deliver(invitation_id: UUID, body: VideoBody, core: Core, caller: Caller) -> InvitationOut:
    """The creator delivers one of their videos by the deadline."""
    return InvitationOut.model_validate(
        core.campaigns.deliver(caller, invitation_id, body.video_id)
    )


@router.post("/v1/invitations/{invitation_id}/delivery/approval", response_model=InvitationOut)
def approve(invitation_id: UUID, core: Core, caller: Caller) -> InvitationOut:
    """The brand approves the delivered video: the committed fee is credited to the
    creator's payable account (reference `video:<id>`), paid out by the next payout run."""
    return InvitationOut.model_validate(core.campaigns.approve_delivery(caller, invitation_id))


@router.post("/v1/invitations/{invitation_id}/delivery/rejection", response_model=InvitationOut)
def reject(invitation_id: UUID, body: ReasonBody, core: Core, caller: Caller) -> InvitationOut:
    """The brand asks for another delivery, saying why; the fee stays committed."""
    view = core.campaigns.reject_delivery(caller, invitation_id, reason=body.reason)
    return InvitationOut.model_validate(view)


@router.post("/v1/campaigns/{campaign_id}/drafts", response_model=InvitationOut)
def submit_draft(campaign_id: UUID, body: DraftBody, core: Core, caller: Caller) -> InvitationOut:
    """A creator who accepted the campaign's invitation submits one of their own videos as a
    draft, with a note, for the brand's approval before posting it (403 for a campaign they
    were not invited to or another's video; 409 out of turn: not accepted yet, a draft
    already awaiting review, an approved one)."""
    view = core.campaigns.submit_draft(caller, campaign_id, body.video_id, note=body.note)
    return InvitationOut.model_validate(view)


@router.post("/v1/invitations/{invitation_id}/draft/approval", response_model=InvitationOut)
def approve_draft(invitation_id: UUID, core: Core, caller: Caller) -> InvitationOut:
    """The inviting brand approves the draft awaiting it: the creator is told to post and
    deliver that video (403 another brand's; 409 no draft awaiting, e.g. a second approval)."""
    return InvitationOut.model_validate(core.campaigns.approve_draft(caller, invitation_id))


@router.post("/v1/invitations/{invitation_id}/draft/changes", response_model=InvitationOut)
def request_draft_changes(
    invitation_id: UUID, body: ReasonBody, core: Core, caller: Caller
) -> InvitationOut:
    """The inviting brand sends the draft awaiting it back, saying what to change; the creator
    submits another."""
    view = core.campaigns.request_draft_changes(caller, invitation_id, reason=body.reason)
    return InvitationOut.model_validate(view)
