"""Pulse: creators' enrolment, the inventory standing of a video, brands' campaigns, and
impression batches that bill a campaign and credit half of each placement to the creator."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Response, status

from application.revenue.pulse_delivery import csv_text
from entrypoints.http.revenue.pulse_schemas import (
    DeliveryReportOut,
    ExclusionsBody,
    ExclusionsOut,
)
from entrypoints.http.revenue.revenue_schemas import (
    CampaignLaunch,
    CampaignOut,
    EnrolmentApplication,
    EnrolmentDecision,
    EnrolmentOut,
    ImpressionBatchBody,
    ImpressionReceiptOut,
    StandingOut,
)
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import set_location, tag_response

router = APIRouter(prefix="/v1/pulse", tags=["pulse"])


# Enrolment ----------------------------------------------------------------------------


@router.post("/enrolments", status_code=status.HTTP_201_CREATED, response_model=EnrolmentOut)
def apply(
    body: EnrolmentApplication, core: Core, caller: Caller, response: Response
) -> EnrolmentOut:
    """A creator applies to Pulse as itself (an admin applies for a named `creator`).

    Eligibility is decided on recorded facts only: at least 100,000 followers by the latest
    recorded count, a home region where Pulse is launched, no active moderation strike. An
    ineligible creator gets 409 `rule-violated` (`NotEligible`) whose detail lists every
    unmet condition. A second application is a 409 `enrolment-exists`, unless the first was
    rejected: then it is submitted again."""
    view = core.pulse.apply(caller, creator=body.creator)
    set_location(response, "pulse", "enrolments", view.creator)
    tag_response(response, view.version)
    return EnrolmentOut.model_validate(view)


@router.get("/enrolments/{creator}", response_model=EnrolmentOut)
def get_enrolment(
    creator: AccountPath, core: Core, caller: Caller, response: Response
) -> EnrolmentOut:
    """A creator's Pulse enrolment and its decision (the creator, admins, auditors)."""
    view = core.pulse.enrolment(caller, creator)
    tag_response(response, view.version)
    return EnrolmentOut.model_validate(view)


@router.post("/enrolments/{creator}/decision", response_model=EnrolmentOut)
def decide_enrolment(
    creator: AccountPath, body: EnrolmentDecision, core: Core, caller: Caller, response: Response
) -> EnrolmentOut:
    """An admin approves or rejects an application, with a reason. Approval checks the
    recorded facts again (they may have changed since the application); a decided
    application stays decided (409 `EnrolmentAlreadyDecided`)."""
    view = core.pulse.decide(caller, creator, approve=body.approve, reason=body.reason)
    tag_response(response, view.version)
    return EnrolmentOut.model_validate(view)


# Inventory ----------------------------------------------------------------------------


@router.get("/videos/{video_id}/standing", response_model=StandingOut)
def standing(video_id: UUID, core: Core, _caller: Caller) -> StandingOut:
    """Where a video stands in its category now (anyone signed in): its rank by engagement,
    the category's size, how many ranks are inventory (the top 4%, rounded up), whether it
    is Pulse inventory and, if not, why not."""
    return StandingOut.model_validate(core.pulse.standing(video_id))


# Campaigns ----------------------------------------------------------------------------


@router.post("/campaigns", status_code=status.HTTP_201_CREATED, response_model=CampaignOut)
def launch_pulse_campaign(
    body: CampaignLaunch, core: Core, caller: Caller, response: Response
) -> CampaignOut:
    """A brand launches a prepaid campaign beside one category's inventory (an admin
    launches one for a named `brand`): its budget and price per thousand impressions in
    one currency, and its flight dates. The budget is credited to the campaign's budget
    account at once."""
    view = core.pulse.launch_campaign(
        caller,
        name=body.name,
        category=body.category,
        budget=body.budget.to_domain(),
        cpm=body.cpm.to_domain(),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        brand=body.brand,
    )
    set_location(response, "pulse", "campaigns", view.id)
    return CampaignOut.model_validate(view)


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_pulse_campaign(campaign_id: UUID, core: Core, caller: Caller) -> CampaignOut:
    """A campaign with what is left of its budget (the owning brand, admins, auditors)."""
    return CampaignOut.model_validate(core.pulse.campaign(caller, campaign_id))


@router.get("/campaigns/{campaign_id}/inventory", response_model=list[StandingOut])
def pulse_campaign_inventory(campaign_id: UUID, core: Core, caller: Caller) -> list[StandingOut]:
    """The videos the campaign's ads may run beside now, best first, at most 100: its
    category's inventory less what its brand's safety exclusions rule out (the owning brand,
    admins, auditors)."""
    return [
        StandingOut.model_validate(s) for s in core.pulse.campaign_inventory(caller, campaign_id)
    ]


# Delivery report ----------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}/report", response_model=DeliveryReportOut)
def pulse_delivery_report(
    campaign_id: UUID,
    core: Core,
    caller: Caller,
    since: date | None = None,
    until: date | None = None,
) -> DeliveryReportOut:
    """What a Pulse campaign delivered per video and per category over the days from
    `since` to `until` (UTC, both included; leave either out for no bound): impressions,
    billed impressions, clicks, click-through in basis points and spend (minor units), for
    the owning brand, admins and auditors. A range ending before it starts is 422."""
    report = core.pulse.delivery_report(caller, campaign_id, since=since, until=until)
    return DeliveryReportOut.model_validate(report)


@router.get(
    "/campaigns/{campaign_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The report as CSV."}},
)
def pulse_delivery_report_csv(
    campaign_id: UUID,
    core: Core,
    caller: Caller,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    """The delivery report as CSV: a line per video, per category and the total (`level`),
    spend in minor units beside its currency."""
    report = core.pulse.delivery_report(caller, campaign_id, since=since, until=until)
    return Response(
        content=csv_text(report.csv_rows()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pulse-{campaign_id}-delivery.csv"'},
    )


# Brand safety -------------------------------------------------------------------------


@router.get("/brands/{brand}/exclusions", response_model=ExclusionsOut)
def get_brand_exclusions(brand: AccountPath, core: Core, caller: Caller) -> ExclusionsOut:
    """A brand's safety exclusions, which every one of its Pulse campaigns is placed by (the
    brand itself, admins, auditors); all empty with `version` 0 until set."""
    return ExclusionsOut.model_validate(core.pulse.exclusions(caller, brand))


@router.put("/brands/{brand}/exclusions", response_model=ExclusionsOut)
def set_brand_exclusions(
    brand: AccountPath, body: ExclusionsBody, core: Core, caller: Caller
) -> ExclusionsOut:
    """A brand (or an admin for it) replaces its safety exclusions: categories, keywords and
    creators. From then on an impression batch placing one of its campaigns beside an
    excluded video is refused whole (409 `Excluded`, nothing billed), a campaign cannot be
    launched in an excluded category, and the campaign's inventory leaves them out. An
    unknown category or a bad keyword is 422, and nothing is recorded."""
    view = core.pulse.set_exclusions(
        caller,
        categories=body.categories,
        keywords=body.keywords,
        creators=body.creators,
        brand=brand,
    )
    return ExclusionsOut.model_validate(view)


# Impressions --------------------------------------------------------------------------


@router.post(
    "/impressions",
    status_code=status.HTTP_201_CREATED,
    response_model=ImpressionReceiptOut,
    responses={200: {"description": "A retry of a recorded batch: its first answer."}},
)
def record_impressions(
    body: ImpressionBatchBody, core: Core, caller: Caller, response: Response
) -> ImpressionReceiptOut:
    """The ad server (an admin token) reports a batch of impressions for one campaign.

    Each placement is priced at `impressions x CPM / 1000`, rounded down to the minor unit,
    in the order reported while the budget lasts; impressions the budget no longer covers
    are recorded as unbilled. Half of each placement goes to the video's creator, who
    receives the odd minor unit. Answers 201; a retry with the same `batch_key` and the same
    content answers 200 with `replayed: true`. 409: the key was used for other content
    (`BatchKeyReused`), a video is not inventory of the campaign's category
    (`NotInventory`), the brand's safety exclusions rule a video out (`Excluded`: nothing
    of the batch is billed), the campaign is outside its flight dates (`CampaignNotFlying`) or its
    budget is spent (`BudgetSpent`). 404: an unknown campaign or video."""
    receipt = core.pulse.record_impressions(
        caller,
        batch_key=body.batch_key,
        campaign_id=body.campaign_id,
        placements=[(p.video_id, p.impressions, p.clicks) for p in body.placements],
    )
    response.status_code = status.HTTP_200_OK if receipt.replayed else status.HTTP_201_CREATED
    set_location(response, "pulse", "campaigns", body.campaign_id)  # the campaign billed
    return ImpressionReceiptOut.model_validate(receipt)
