"""``/admin/pulse``: the Pulse applications queue (awaiting a decision, approved or
rejected), a page at a time; an admin approves or rejects each one with a reason, an
auditor reads it.

The pages call the use cases of ``GET /v1/pulse/applications`` and ``POST
/v1/pulse/enrolments/{creator}/decision`` with the visitor as the caller; the form is
checked by the API's own ``EnrolmentDecision``, and an application decided meanwhile is
refused with the API's status and reason."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Response

from application.auth import Role
from domain.revenue.pulse import EnrolmentStatus
from entrypoints.http.paging import PageCursor
from entrypoints.http.revenue.revenue_schemas import EnrolmentDecision
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.visitors import Posting, Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
QUEUE = "/admin/pulse"
Status = Literal["applied", "approved", "rejected"]
Text = Annotated[str, Form(max_length=2000)]
REASON_MAX: int = EnrolmentDecision.model_json_schema()["properties"]["reason"]["maxLength"]


@router.get(QUEUE)
def applications(
    core: Core,
    visitor: Visiting,
    status: Status = "applied",
    cursor: PageCursor = None,
    done: Literal["approved", "rejected"] | None = None,
) -> Response:
    page = core.revenue_lists.pulse_applications(
        visitor.principal, status=EnrolmentStatus(status), limit=PAGE_SIZE, cursor=cursor
    )
    return render(
        "admin/pulse.html",
        {
            "visitor": visitor,
            "items": page.items,
            "next": page.next_cursor,
            "status": status,
            "statuses": ("applied", "approved", "rejected"),
            "decides": visitor.principal.role is Role.ADMIN and status == "applied",
            "done": done,
            "reason_max": REASON_MAX,
        },
    )


@router.post(QUEUE + "/{creator}/decision")
def decide(
    creator: AccountPath, core: Core, visitor: Posting, decision: Text = "", reason: Text = ""
) -> Response:
    body = EnrolmentDecision.model_validate({"approve": decision == "approve", "reason": reason})
    core.pulse.decide(visitor.principal, creator, approve=body.approve, reason=body.reason)
    return see_other(f"{QUEUE}?done={'approved' if body.approve else 'rejected'}")
