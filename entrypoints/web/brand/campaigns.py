"""``/brand``: a brand's campaigns, a page at a time; ``/brand/campaigns/new``: launching one
from a form; ``/brand/campaigns/{id}``: its dashboard (KPIs against their targets, the daily
series as charts, top videos and creators, spend) with its invitations and a form to invite
a creator, its reach, frequency, clicks and conversions over the last 7, 28 or 90 days or a
range of the brand's choosing (``/brand/campaigns/{id}/report.csv`` the same as CSV), and the
drafts awaiting the brand's review, each with a form to approve it and one
to ask for changes with a reason, and the creators' counter-offers awaiting its decision (beside
what it offered), each with a form to accept it and one to decline it with a reason.

They call the use cases of ``GET /v1/me/campaigns``, ``POST /v1/campaigns``, ``GET
/v1/campaigns/{id}/dashboard``, ``GET /v1/campaigns/{id}/invitations`` and ``POST
/v1/campaigns/{id}/invitations`` (and ``POST /v1/invitations/{id}/draft/approval``, ``POST
/v1/invitations/{id}/draft/changes``, ``POST /v1/invitations/{id}/counter-offer/acceptance``,
``POST /v1/invitations/{id}/counter-offer/decline``) with the visitor as the caller, and check
the forms with the same request bodies (``CampaignLaunch``, ``InvitationBody``): a field they
refuse is shown again with its reason beside it, and a refusal of the use case above the
form."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import attrs
from fastapi import APIRouter, Form, Query, Request, Response
from pydantic import ValidationError

from application.anchors.periods import RANGES as RANGES_OFFERED
from application.business.brand_lists import Program
from application.business.campaign_dashboard import CampaignReport, frequency
from domain.business.campaigns import Kpi, Objective
from domain.business.invitations import InvitationState
from domain.categories import CATEGORIES
from domain.errors import InvalidValue
from entrypoints.http.business.campaign_schemas import CampaignLaunch, InvitationBody, ReasonBody
from entrypoints.http.business.campaigns import launch as launch_campaign
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import (
    FORM,
    NO_REFUSAL,
    AmountUnreadable,
    Refusal,
    answer_form,
    form_refusal,
    minor_units,
    split_list,
)
from entrypoints.web.forms import field_reasons as reasons_of
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.studio.chart import LineChart, series_chart
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
#: The longest reason the API takes, for the form's field (the server checks it again).
REASON_MAX: int = ReasonBody.model_json_schema()["properties"]["reason"]["maxLength"]
INVITATIONS_SHOWN = 50
CAMPAIGNS = "/brand"
NEW = "/brand/campaigns/new"
KPI_ROWS = 3
SERIES = (("Views", "views"), ("Engagements", "engagements"), ("Clicks", "clicks"))
Text = Annotated[str, Form(max_length=2000)]
DONE = {
    "launched": "Campaign launched.",
    "invited": "Invitation sent.",
    "draft-approved": "Draft approved.",
    "changes-requested": "Changes asked for.",
    "counter-accepted": "Counter-offer accepted.",
    "counter-declined": "Counter-offer declined: your terms stand again.",
}
Many = Annotated[list[str], Form()]


@router.get(CAMPAIGNS, dependencies=trails())
def my_campaigns(
    request: Request, core: Core, visitor: Visiting, cursor: PageCursor = None
) -> Response:
    page = core.brand_lists.campaigns(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "brand/campaigns.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager(CAMPAIGNS, request.query_params, page.next_cursor),
            "pulse": Program.PULSE,
        },
    )


def _launch_form(visitor: Visitor) -> dict[str, Any]:
    return {
        "visitor": visitor,
        "objectives": [o.value for o in Objective],
        "kpis": [k.value for k in Kpi],
        "kpi_rows": KPI_ROWS,
        "categories": CATEGORIES,
        "errors": {},
        "typed": {},
    }


@router.get(NEW)
def new_campaign(core: Core, visitor: Visiting) -> Response:
    # Asked here (not only on posting) so someone who may not launch one sees why at once.
    core.brand_lists.campaigns(visitor.principal, limit=1)
    return render("brand/new_campaign.html", _launch_form(visitor))


@router.post(NEW)
def launch(
    core: Core,
    visitor: Posting,
    name: Text = "",
    objective: Text = "",
    amount: Text = "",
    currency: Text = "",
    starts_on: Text = "",
    ends_on: Text = "",
    categories: Text = "",
    regions: Text = "",
    hashtag: Text = "",
    kpi: Many = [],  # noqa: B006 - FastAPI copies a default
    target: Many = [],  # noqa: B006
) -> Response:
    typed = {
        "name": name,
        "objective": objective,
        "amount": amount,
        "currency": currency,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "categories": categories,
        "regions": regions,
        "hashtag": hashtag,
        "kpi": (kpi + [""] * KPI_ROWS)[:KPI_ROWS],
        "target": (target + [""] * KPI_ROWS)[:KPI_ROWS],
    }
    reasons: dict[str, str] = {}
    try:
        minor = minor_units(amount, currency)
    except AmountUnreadable as unreadable:
        reasons["budget"] = str(unreadable)
        minor = 0
    chosen = [
        {"kpi": name_, "target": int(aim) if aim.strip().isdigit() else aim}
        for name_, aim in zip(kpi, target, strict=False)
        if aim.strip()
    ]
    try:
        body = CampaignLaunch.model_validate(
            {
                "name": name,
                "objective": objective,
                "budget": {"minor": minor, "currency": currency.strip().upper()},
                "starts_on": starts_on,
                "ends_on": ends_on,
                "categories": split_list(categories.lower()),
                "regions": split_list(regions.upper()),
                "kpis": chosen,
                "hashtag": hashtag,
            }
        )
    except ValidationError as refused:
        reasons = {**reasons_of(refused), **reasons}
    form = _launch_form(visitor)
    if reasons:
        return render(
            "brand/new_campaign.html", {**form, "errors": reasons, "typed": typed}, status_code=422
        )
    try:
        view = launch_campaign(core, visitor.principal, body)
    except Exception as error:
        answer = form_refusal(error)
        if answer is None:
            raise
        code, reason = answer
        return render(
            "brand/new_campaign.html",
            {**form, "errors": {FORM: reason}, "typed": typed},
            status_code=code,
        )
    return see_other(f"/brand/campaigns/{view.id}?done=launched")


def _charts(dashboard: Any) -> list[LineChart]:
    days = [d.day for d in dashboard.daily]
    if len(days) < 2:  # a chart needs two days; the table below still shows the one
        return []
    return [
        series_chart(label, days, [getattr(d, figure) for d in dashboard.daily])
        for label, figure in SERIES
    ]


def _dashboard_page(
    core: Core,
    visitor: Visitor,
    campaign_id: UUID,
    *,
    done: str | None = None,
    creator: str = "",
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
    asked: ReportAsked | None = None,
    refused: Refusal = NO_REFUSAL,
) -> Response:
    dashboard = core.campaign_dashboards.dashboard(
        visitor.principal, campaign_id, as_of=core.clock.now().date()
    )
    asked = asked or ReportAsked()
    report, report_error = None, ""
    try:
        report = _report(core, visitor, campaign_id, asked)
    except InvalidValue as out_of_range:
        report_error = str(out_of_range)
        status_code = max(status_code, 422)
    campaign = core.campaigns.campaign(visitor.principal, campaign_id)
    invitations = core.campaigns.invitations_of_campaign(
        visitor.principal, campaign_id, limit=INVITATIONS_SHOWN
    )
    videos = [video.video_id for video in dashboard.top_videos]
    return render(
        "brand/dashboard.html",
        {
            "visitor": visitor,
            "dashboard": dashboard,
            "campaign": campaign,
            "charts": _charts(dashboard),
            "invitations": invitations.items,
            "more_invitations": invitations.next_cursor is not None,
            "drafts": [
                item for item in invitations.items if item.state is InvitationState.DRAFT_SUBMITTED
            ],
            "counters": [
                item for item in invitations.items if item.state is InvitationState.COUNTERED
            ],
            "partnerships": core.campaign_dashboards.paid_partnerships(videos),
            "reason_max": REASON_MAX,
            "report": report,
            "report_error": report_error,
            "asked": asked,
            "ranges": RANGES_OFFERED,
            "frequency": frequency,
            "done": DONE.get(done or ""),
            "errors": errors or {},
            "typed": typed or {"creator": creator},
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get("/brand/campaigns/{campaign_id}")
def campaign_dashboard(
    campaign_id: UUID,
    core: Core,
    visitor: Visiting,
    done: str | None = None,
    creator: str = "",
    days: Annotated[str, Query(max_length=10)] = "",
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    asked = ReportAsked(days.strip(), first.strip(), last.strip())
    return _dashboard_page(
        core, visitor, campaign_id, done=done, creator=creator[:100], asked=asked
    )


@router.get("/brand/campaigns/{campaign_id}/report.csv")
def report_csv(
    campaign_id: UUID,
    core: Core,
    visitor: Visiting,
    days: Annotated[str, Query(max_length=10)] = "",
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """The report of the range chosen on the campaign's page, as CSV."""
    report = _report(core, visitor, campaign_id, ReportAsked(days, first, last))
    return Response(
        "".join(core.campaign_dashboards.report_csv(report)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="campaign-{report.first}-{report.last}.csv"'
            )
        },
    )


@attrs.frozen
class ReportAsked:
    """The range a brand chose on its campaign's page, as typed (none: the last 28 days)."""

    days: str = ""
    first: str = ""
    last: str = ""

    def query(self) -> str:
        """The range as the page's query string (for the CSV link)."""
        if self.first or self.last:
            return urlencode({"from": self.first, "to": self.last})
        return urlencode({"days": self.days}) if self.days else ""


def _report(core: Core, visitor: Visitor, campaign_id: UUID, asked: ReportAsked) -> CampaignReport:
    """The campaign's report for the range asked (``InvalidValue`` for a range refused)."""
    if asked.days and not asked.days.isdigit():
        raise InvalidValue(f"a range is one of {', '.join(map(str, RANGES_OFFERED))} days")
    try:
        first = date.fromisoformat(asked.first) if asked.first else None
        last = date.fromisoformat(asked.last) if asked.last else None
    except ValueError:
        raise InvalidValue("a range's days are written YYYY-MM-DD") from None
    return core.campaign_dashboards.report(
        visitor.principal,
        campaign_id,
        as_of=core.clock.now().date(),
        days=int(asked.days) if asked.days else None,
        first=first,
        last=last,
    )


@router.post("/brand/invitations/{invitation_id}/draft/approval")
def approve_draft(invitation_id: UUID, core: Core, visitor: Posting) -> Response:
    view = core.campaigns.approve_draft(visitor.principal, invitation_id)
    return see_other(f"/brand/campaigns/{view.campaign_id}?done=draft-approved#invitations")


@router.post("/brand/invitations/{invitation_id}/draft/changes")
def request_draft_changes(
    invitation_id: UUID, core: Core, visitor: Posting, reason: Text = ""
) -> Response:
    """A reason the API's body refuses draws the campaign's page again with the reason
    beside the draft's field."""

    def attempt() -> Response:
        body = ReasonBody.model_validate({"reason": reason})
        view = core.campaigns.request_draft_changes(
            visitor.principal, invitation_id, reason=body.reason
        )
        return see_other(f"/brand/campaigns/{view.campaign_id}?done=changes-requested#invitations")

    def again(*, refused: Refusal, status_code: int) -> Response:
        campaign_id = core.campaigns.invitation(visitor.principal, invitation_id).campaign_id
        return _dashboard_page(core, visitor, campaign_id, refused=refused, status_code=status_code)

    return answer_form(attempt, again, typed={"reason": reason}, form=str(invitation_id))


@router.post("/brand/invitations/{invitation_id}/counter-offer/acceptance")
def accept_counter(invitation_id: UUID, core: Core, visitor: Posting) -> Response:
    view = core.campaigns.accept_counter(visitor.principal, invitation_id)
    return see_other(f"/brand/campaigns/{view.campaign_id}?done=counter-accepted#invitations")


@router.post("/brand/invitations/{invitation_id}/counter-offer/decline")
def decline_counter(
    invitation_id: UUID, core: Core, visitor: Posting, reason: Text = ""
) -> Response:
    """A reason the API's body refuses draws the campaign's page again with the reason
    beside the counter-offer's field."""

    def attempt() -> Response:
        body = ReasonBody.model_validate({"reason": reason})
        view = core.campaigns.decline_counter(visitor.principal, invitation_id, reason=body.reason)
        return see_other(f"/brand/campaigns/{view.campaign_id}?done=counter-declined#invitations")

    def again(*, refused: Refusal, status_code: int) -> Response:
        campaign_id = core.campaigns.invitation(visitor.principal, invitation_id).campaign_id
        return _dashboard_page(core, visitor, campaign_id, refused=refused, status_code=status_code)

    return answer_form(attempt, again, typed={"reason": reason}, form=f"decline-{invitation_id}")


@router.post("/brand/campaigns/{campaign_id}/invitations")
def invite(
    campaign_id: UUID,
    core: Core,
    visitor: Posting,
    creator: Text = "",
    fee: Text = "",
    deliverables: Text = "",
    deadline: Text = "",
) -> Response:
    typed = {"creator": creator, "fee": fee, "deliverables": deliverables, "deadline": deadline}
    campaign = core.campaigns.campaign(visitor.principal, campaign_id)
    currency = campaign.budget.currency
    reasons: dict[str, str] = {}
    try:
        minor = minor_units(fee, currency)
    except AmountUnreadable as unreadable:
        reasons["fee"] = str(unreadable)
        minor = 0
    try:
        body = InvitationBody.model_validate(
            {
                "creator": creator.strip(),
                "terms": {
                    "fee": {"minor": minor, "currency": currency},
                    "deliverables": deliverables,
                    "deadline": deadline,
                },
            }
        )
    except ValidationError as refused:
        for item in refused.errors():
            where = [str(part) for part in item["loc"]]
            field = where[-1] if where[0] == "terms" and len(where) > 1 else where[0]
            field = "fee" if "fee" in where else field
            reasons.setdefault(field, str(item["msg"]).removeprefix("Value error, "))
    if reasons:
        return _dashboard_page(
            core, visitor, campaign_id, errors=reasons, typed=typed, status_code=422
        )
    try:
        core.campaigns.invite(
            visitor.principal, campaign_id, creator=body.creator, terms=body.terms.to_domain()
        )
    except Exception as error:
        answer = form_refusal(error)
        if answer is None:
            raise
        code, reason = answer
        return _dashboard_page(
            core, visitor, campaign_id, errors={FORM: reason}, typed=typed, status_code=code
        )
    return see_other(f"/brand/campaigns/{campaign_id}?done=invited#invitations")
