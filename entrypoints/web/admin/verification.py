"""``/admin/verification``: artists' requests for the verification badge, oldest first, each
granted or declined (with a reason, which the artist is told) by an admin; auditors read it.

The pages call the use cases of ``GET /v1/review/verification-requests`` and ``POST
/v1/review/verification-requests/{account}`` with the visitor as the caller; the form is
checked by the API's own ``VerificationDecision`` and carries the artist's version it was
shown, so a request changed meanwhile is refused as stale (as the API's If-Match is)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Literal

from fastapi import APIRouter, Request, Response

from application.auth import Role
from entrypoints.http.music.music_schemas import VerificationDecision
from entrypoints.http.paging import PageCursor
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Core
from entrypoints.web.forms import FORM, FormCursor
from entrypoints.web.pages import PageRoute
from entrypoints.web.paging import trails
from entrypoints.web.queues import FRESH, Choice, Queue, Reason, Said, Version
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
REASON_MAX: int = VerificationDecision.model_json_schema()["properties"]["reason"]["maxLength"]
QUEUE = Queue("/admin/verification", "admin/verification.html", REASON_MAX)


def _queue(core: Core, visitor: Visitor, query: Mapping[str, str], said: Said = FRESH) -> Response:
    page = core.verification.queue(visitor.principal, limit=PAGE_SIZE, cursor=query.get("cursor"))
    return QUEUE.page(
        visitor,
        query,
        page.next_cursor,
        said,
        items=page.items,
        decides=visitor.principal.role is Role.ADMIN,
    )


@router.get(QUEUE.path, dependencies=trails())
def requests(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["granted", "declined"] | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, Said(done))


@router.post(QUEUE.path + "/{account}")
def decide(
    account: AccountPath,
    core: Core,
    visitor: Posting,
    version: Version,
    decision: Choice = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        body = VerificationDecision.model_validate({"decision": decision, "reason": reason})
        me = visitor.principal
        if body.decision == "grant":
            core.verification.grant(me, account, expected_version=version)
        else:
            core.verification.decline(me, account, reason=body.reason, expected_version=version)
        return "granted" if body.decision == "grant" else "declined"

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"decision": decision, "reason": reason},
        form=account,
        aliases={FORM: "reason"},  # declining without a reason: the body's own rule
    )
