"""``/admin/verification``: artists' requests for the verification badge, oldest first, each
granted or declined (with a reason, which the artist is told) by an admin; auditors read it.

The pages call the use cases of ``GET /v1/review/verification-requests`` and ``POST
/v1/review/verification-requests/{account}`` with the visitor as the caller; the form is
checked by the API's own ``VerificationDecision`` and carries the artist's version it was
shown, so a request changed meanwhile is refused as stale (as the API's If-Match is)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response

from application.auth import Role
from entrypoints.http.music.music_schemas import VerificationDecision
from entrypoints.http.paging import PageCursor
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.forms import FORM, NO_REFUSAL, FormCursor, Refusal, answer_form, page_query
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
QUEUE = "/admin/verification"
Text = Annotated[str, Form(max_length=2000)]
Version = Annotated[int, Form(ge=1)]
REASON_MAX: int = VerificationDecision.model_json_schema()["properties"]["reason"]["maxLength"]


def _queue(
    core: Core,
    visitor: Visitor,
    query: Mapping[str, str],
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    page = core.verification.queue(visitor.principal, limit=PAGE_SIZE, cursor=query.get("cursor"))
    return render(
        "admin/verification.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager(QUEUE, query, page.next_cursor),
            "decides": visitor.principal.role is Role.ADMIN,
            "done": done,
            "reason_max": REASON_MAX,
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get(QUEUE, dependencies=trails())
def requests(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["granted", "declined"] | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, done=done)


@router.post(QUEUE + "/{account}")
def decide(
    account: AccountPath,
    core: Core,
    visitor: Posting,
    version: Version,
    decision: Text = "",
    reason: Text = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> Response:
        body = VerificationDecision.model_validate({"decision": decision, "reason": reason})
        me = visitor.principal
        if body.decision == "grant":
            core.verification.grant(me, account, expected_version=version)
        else:
            core.verification.decline(me, account, reason=body.reason, expected_version=version)
        return see_other(f"{QUEUE}?done={'granted' if body.decision == 'grant' else 'declined'}")

    return answer_form(
        attempt,
        partial(_queue, core, visitor, page_query(cursor)),
        typed={"decision": decision, "reason": reason},
        form=account,
        aliases={FORM: "reason"},  # declining without a reason: the body's own rule
    )
