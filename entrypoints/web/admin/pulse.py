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
from typing import Literal

from fastapi import APIRouter, Request, Response

from application.auth import Role
from domain.revenue.pulse import EnrolmentStatus
from entrypoints.http.paging import PageCursor
from entrypoints.http.revenue.revenue_schemas import EnrolmentDecision
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.forms import FormCursor
from entrypoints.web.pages import PageRoute
from entrypoints.web.paging import trails
from entrypoints.web.queues import FRESH, Choice, Queue, Reason, Said
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
Status = Literal["applied", "approved", "rejected"]
REASON_MAX: int = EnrolmentDecision.model_json_schema()["properties"]["reason"]["maxLength"]
QUEUE = Queue("/admin/pulse", "admin/pulse.html", REASON_MAX)


def _queue(core: Core, visitor: Visitor, query: Mapping[str, str], said: Said = FRESH) -> Response:
    status = query.get("status") or "applied"
    page = core.revenue_lists.pulse_applications(
        visitor.principal,
        status=EnrolmentStatus(status),
        limit=PAGE_SIZE,
        cursor=query.get("cursor"),
    )
    return QUEUE.page(
        visitor,
        query,
        page.next_cursor,
        said,
        items=page.items,
        status=status,
        statuses=("applied", "approved", "rejected"),
        decides=visitor.principal.role is Role.ADMIN and status == "applied",
    )


@router.get(QUEUE.path, dependencies=trails())
def applications(
    request: Request,
    core: Core,
    visitor: Visiting,
    status: Status = "applied",
    cursor: PageCursor = None,
    done: Literal["approved", "rejected"] | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, Said(done))


@router.post(QUEUE.path + "/{creator}/decision")
def decide(
    creator: AccountPath,
    core: Core,
    visitor: Posting,
    decision: Choice = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        approve = decision == "approve" if decision else None
        body = EnrolmentDecision.model_validate({"approve": approve, "reason": reason})
        core.pulse.decide(visitor.principal, creator, approve=body.approve, reason=body.reason)
        return "approved" if body.approve else "rejected"

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"decision": decision, "reason": reason},
        form=creator,
        aliases={"approve": "decision"},
    )
