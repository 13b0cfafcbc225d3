"""``/admin/pulse``: the Pulse applications queue (awaiting a decision, approved or
rejected), a page at a time; an admin approves or rejects each one with a reason, an
auditor reads it.

The pages call the use cases of ``GET /v1/pulse/applications`` and ``POST
/v1/pulse/enrolments/{creator}/decision`` with the visitor as the caller; the form is
checked by the API's own ``EnrolmentDecision``, and an application decided meanwhile is
refused with the API's status and reason."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response

from application.auth import Role
from domain.revenue.pulse import EnrolmentStatus
from entrypoints.http.paging import PageCursor
from entrypoints.http.revenue.revenue_schemas import EnrolmentDecision
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.forms import NO_REFUSAL, FormCursor, Refusal, answer_form, page_query
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
QUEUE = "/admin/pulse"
Status = Literal["applied", "approved", "rejected"]
Text = Annotated[str, Form(max_length=2000)]
REASON_MAX: int = EnrolmentDecision.model_json_schema()["properties"]["reason"]["maxLength"]


def _queue(
    core: Core,
    visitor: Visitor,
    query: Mapping[str, str],
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    status = query.get("status") or "applied"
    page = core.revenue_lists.pulse_applications(
        visitor.principal,
        status=EnrolmentStatus(status),
        limit=PAGE_SIZE,
        cursor=query.get("cursor"),
    )
    return render(
        "admin/pulse.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager(QUEUE, query, page.next_cursor),
            "status": status,
            "statuses": ("applied", "approved", "rejected"),
            "decides": visitor.principal.role is Role.ADMIN and status == "applied",
            "done": done,
            "reason_max": REASON_MAX,
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get(QUEUE, dependencies=trails())
def applications(
    request: Request,
    core: Core,
    visitor: Visiting,
    status: Status = "applied",
    cursor: PageCursor = None,
    done: Literal["approved", "rejected"] | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, done=done)


@router.post(QUEUE + "/{creator}/decision")
def decide(
    creator: AccountPath,
    core: Core,
    visitor: Posting,
    decision: Text = "",
    reason: Text = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> Response:
        approve = decision == "approve" if decision else None
        body = EnrolmentDecision.model_validate({"approve": approve, "reason": reason})
        core.pulse.decide(visitor.principal, creator, approve=body.approve, reason=body.reason)
        return see_other(f"{QUEUE}?done={'approved' if body.approve else 'rejected'}")

    return answer_form(
        attempt,
        partial(_queue, core, visitor, page_query(cursor)),
        typed={"decision": decision, "reason": reason},
        form=creator,
        aliases={"approve": "decision"},
    )
