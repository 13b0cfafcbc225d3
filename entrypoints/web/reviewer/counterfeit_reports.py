"""``/reviewer/counterfeit-reports``: the counterfeit-report queue (open reports, oldest
first, or those upheld or dismissed), each with its listing, the reporter's reason and
evidence, decided (uphold: the listing is taken down and its seller struck; dismiss) with a reason.

The pages call the use cases of ``GET /v1/review/reports``, ``GET /v1/reports/{report}`` and
``POST /v1/review/reports/{report}`` with the visitor as the caller (reviewers and admins
decide, auditors read); the form is checked by the API's own ``ReportDecision``, and a report
decided meanwhile is refused with the API's status and reason."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from domain.shop.counterfeit import ReportStatus
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.http.shop.shop_schemas import ReportDecision
from entrypoints.web.forms import FormCursor
from entrypoints.web.pages import PageRoute
from entrypoints.web.paging import trails
from entrypoints.web.queues import DECIDERS, FRESH, Choice, Queue, Reason, Said
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
State = Literal["open", "upheld", "dismissed"]
REASON_MAX: int = ReportDecision.model_json_schema()["properties"]["reason"]["maxLength"]
QUEUE = Queue("/reviewer/counterfeit-reports", "reviewer/counterfeit_reports.html", REASON_MAX)


def _queue(core: Core, visitor: Visitor, query: Mapping[str, str], said: Said = FRESH) -> Response:
    state = query.get("state") or "open"
    page = core.shop_lists.report_queue(
        visitor.principal,
        state=ReportStatus(state),
        limit=PAGE_SIZE,
        cursor=query.get("cursor"),
    )
    return QUEUE.page(
        visitor,
        query,
        page.next_cursor,
        said,
        items=[
            (core.reports.report(visitor.principal, row.report_id), row.listing_id)
            for row in page.items
        ],
        listings={row.listing_id: core.shop.listing(row.listing_id) for row in page.items},
        state=state,
        states=[status.value for status in ReportStatus],
        decides=visitor.principal.role in DECIDERS and state == "open",
    )


@router.get(QUEUE.path, dependencies=trails())
def counterfeit_reports(
    request: Request,
    core: Core,
    visitor: Visiting,
    state: State = "open",
    cursor: PageCursor = None,
    done: Literal["upheld", "dismissed"] | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, Said(done))


@router.post(QUEUE.path + "/{report_id}")
def decide(
    report_id: UUID,
    core: Core,
    visitor: Posting,
    decision: Choice = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        body = ReportDecision.model_validate(
            {"uphold": decision == "uphold" if decision else None, "reason": reason}
        )
        core.reports.decide(visitor.principal, report_id, uphold=body.uphold, reason=body.reason)
        return "upheld" if body.uphold else "dismissed"

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"decision": decision, "reason": reason},
        form=str(report_id),
        aliases={"uphold": "decision"},
    )
