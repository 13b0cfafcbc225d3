"""``/brand/pulse``: a brand's Pulse page: its campaigns, each linked to its delivery report,
and its safety exclusions (categories, keywords, creators) in a form that replaces them.
``/brand/pulse/campaigns/{id}``: a campaign's delivery per video and category over a range of
days, with its CSV (``GET /v1/pulse/campaigns/{id}/report(.csv)``).

It calls the use cases of ``GET /v1/me/campaigns?program=pulse``, ``GET`` and ``PUT
/v1/pulse/brands/{brand}/exclusions`` with the visitor as the caller, and checks the form with
the API's own ``ExclusionsBody``: a refused field is shown again with its reason beside it,
and nothing is recorded."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response

from application.business.brand_lists import Program
from domain.categories import CATEGORIES
from entrypoints.http.paging import PageCursor
from entrypoints.http.revenue.pulse_schemas import ExclusionsBody
from entrypoints.http.security import Core
from entrypoints.web.forms import NO_REFUSAL, Refusal, answer_form, split_list
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE = "/brand/pulse"
PAGE_SIZE = 20
Text = Annotated[str, Form(max_length=20_000)]
Many = Annotated[list[str], Form()]


def _page(
    core: Core,
    visitor: Visitor,
    query: dict[str, str],
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    exclusions = core.pulse.exclusions(visitor.principal)
    page = core.brand_lists.campaigns(
        visitor.principal, program=Program.PULSE, limit=PAGE_SIZE, cursor=query.get("cursor")
    )
    return render(
        "brand/pulse.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager(PAGE, query, page.next_cursor),
            "exclusions": exclusions,
            "categories": CATEGORIES,
            "done": done,
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get(PAGE, dependencies=trails())
def pulse_page(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["exclusions"] | None = None,
) -> Response:
    return _page(core, visitor, dict(request.query_params), done=done)


@router.get(PAGE + "/campaigns/{campaign_id}")
def delivery_page(
    campaign_id: UUID,
    core: Core,
    visitor: Visiting,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    report = core.pulse.delivery_report(visitor.principal, campaign_id, since=since, until=until)
    query = urlencode({k: v.isoformat() for k, v in (("since", since), ("until", until)) if v})
    return render(
        "brand/pulse_report.html",
        {
            "visitor": visitor,
            "report": report,
            "campaign": core.pulse.campaign(visitor.principal, campaign_id),
            "csv": f"/v1/pulse/campaigns/{campaign_id}/report.csv" + (f"?{query}" if query else ""),
        },
    )


@router.post(PAGE + "/exclusions")
def set_exclusions(
    core: Core,
    visitor: Posting,
    category: Many = [],  # noqa: B006 - FastAPI copies a default
    keywords: Text = "",
    creators: Text = "",
) -> Response:
    typed = {"keywords": keywords, "creators": creators, "category": " ".join(category)}

    def attempt() -> Response:
        offered = [each for each in category if each not in CATEGORIES]
        if offered:
            # A box the page never offered (a form made elsewhere): said beside the boxes.
            reason = f"not one of the 12 categories: {', '.join(offered)}"
            refused = Refusal("", {"categories": reason}, typed)
            return _page(core, visitor, {}, refused=refused, status_code=422)
        body = ExclusionsBody.model_validate(
            {
                "categories": category,
                "keywords": [line.strip() for line in keywords.splitlines() if line.strip()],
                "creators": split_list(creators),
            }
        )
        core.pulse.set_exclusions(
            visitor.principal,
            categories=body.categories,
            keywords=body.keywords,
            creators=body.creators,
        )
        return see_other(f"{PAGE}?done=exclusions")

    return answer_form(
        attempt,
        lambda refused, status_code: _page(
            core, visitor, {}, refused=refused, status_code=status_code
        ),
        typed=typed,
    )
