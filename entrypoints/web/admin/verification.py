"""``/admin/verification``: artists' requests for the verification badge, oldest first, each
granted or declined (with a reason, which the artist is told) by an admin; auditors read it.

The pages call the use cases of ``GET /v1/review/verification-requests`` and ``POST
/v1/review/verification-requests/{account}`` with the visitor as the caller; the form is
checked by the API's own ``VerificationDecision`` and carries the artist's version it was
shown, so a request changed meanwhile is refused as stale (as the API's If-Match is)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Response

from application.auth import Role
from entrypoints.http.music.music_schemas import VerificationDecision
from entrypoints.http.paging import PageCursor
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.visitors import Posting, Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
QUEUE = "/admin/verification"
Text = Annotated[str, Form(max_length=2000)]
Version = Annotated[int, Form(ge=1)]
REASON_MAX: int = VerificationDecision.model_json_schema()["properties"]["reason"]["maxLength"]


@router.get(QUEUE)
def requests(
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["granted", "declined"] | None = None,
) -> Response:
    page = core.verification.queue(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "admin/verification.html",
        {
            "visitor": visitor,
            "items": page.items,
            "next": page.next_cursor,
            "decides": visitor.principal.role is Role.ADMIN,
            "done": done,
            "reason_max": REASON_MAX,
        },
    )


@router.post(QUEUE + "/{account}")
def decide(
    account: AccountPath,
    core: Core,
    visitor: Posting,
    version: Version,
    decision: Text = "",
    reason: Text = "",
) -> Response:
    body = VerificationDecision.model_validate({"decision": decision, "reason": reason})
    if body.decision == "grant":
        core.verification.grant(visitor.principal, account, expected_version=version)
    else:
        core.verification.decline(
            visitor.principal, account, reason=body.reason, expected_version=version
        )
    return see_other(f"{QUEUE}?done={'granted' if body.decision == 'grant' else 'declined'}")
