"""``/creator/notices``: what the person was told (product links added to their videos,
invitations from brands, ...), oldest first a page at a time, the unread ones marked, and a
form to mark them read.

The pages call the use cases of ``GET /v1/me/inbox`` (``inbox_page`` and
``inboxes.unread`` for the visitor's own inbox) and ``POST /v1/me/inbox/read`` with
``up_to``: the form carries the position of the last notice the page showed, so a notice
that arrived after the page was drawn stays unread. The form is checked by the API's own
``ReadBody``. Any signed-in person has an inbox, so the page answers every role."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response

from application.auth import person_key
from application.notifications import inbox_page
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.http.shop.shop_schemas import ReadBody
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
NOTICES = "/creator/notices"


@router.get(NOTICES, dependencies=trails())
def my_notices(
    request: Request, core: Core, visitor: Visiting, cursor: PageCursor = None
) -> Response:
    recipient = person_key(visitor.principal)
    page = inbox_page(core.notifier, recipient, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "creator/notices.html",
        {
            "visitor": visitor,
            "items": page.items,
            "pager": pager(NOTICES, request.query_params, page.next_cursor),
            "unread": core.inboxes.unread(recipient),
            "up_to": max((notice.position for notice in page.items), default=0),
            "cursor": cursor,
        },
    )


@router.post(NOTICES + "/read")
def mark_read(
    core: Core,
    visitor: Posting,
    up_to: Annotated[int, Form()],
    cursor: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    body = ReadBody.model_validate({"up_to": up_to})
    assert body.up_to is not None  # the body is validated to name it
    core.inboxes.mark_read_up_to(person_key(visitor.principal), body.up_to)
    back = f"{NOTICES}?{urlencode({'cursor': cursor})}" if cursor else NOTICES
    return see_other(back)
