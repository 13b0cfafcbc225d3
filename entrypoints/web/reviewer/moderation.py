"""``/reviewer/moderation``: videos a classifier flagged for restriction, oldest first, each
with its flags and its fan video, decided (clear, age-restrict, remove) with the policy
applied and a reason.

The pages call the use cases of ``GET /v1/review/moderation`` and ``POST
/v1/videos/{video}/moderation`` with the visitor as the caller (reviewers and admins decide,
auditors read); the form is checked by the API's own ``DecisionBody``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from domain.anchors.videos import MAX_REASON
from domain.trust.moderation import MAX_POLICY
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.http.trust.moderation import DecisionBody
from entrypoints.web.forms import FormCursor
from entrypoints.web.pages import PageRoute
from entrypoints.web.paging import trails
from entrypoints.web.queues import DECIDERS, FRESH, Choice, Queue, Reason, Said
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
QUEUE = Queue("/reviewer/moderation", "reviewer/moderation.html", MAX_REASON)
STATES = ("clear", "age-restricted", "removed")


def _queue(core: Core, visitor: Visitor, query: Mapping[str, str], said: Said = FRESH) -> Response:
    page = core.moderation.flagged(visitor.principal, limit=PAGE_SIZE, cursor=query.get("cursor"))
    videos = {item.video_id: core.cataloguing.video(item.video_id) for item in page.items}
    return QUEUE.page(
        visitor,
        query,
        page.next_cursor,
        said,
        items=page.items,
        videos=videos,
        decides=visitor.principal.role in DECIDERS,
        states=[(state, state) for state in STATES],
        policy_max=MAX_POLICY,
    )


@router.get(QUEUE.path, dependencies=trails())
def flagged(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["clear", "age-restricted", "removed"] | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, Said(done))


@router.post(QUEUE.path + "/{video_id}")
def decide(
    video_id: UUID,
    core: Core,
    visitor: Posting,
    state: Choice = "",
    policy: Reason = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        body = DecisionBody.model_validate({"state": state, "reason": reason, "policy": policy})
        core.moderation.decide(
            visitor.principal, video_id, body.state, reason=body.reason, policy=body.policy
        )
        return body.state

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"state": state, "policy": policy, "reason": reason},
        form=str(video_id),
    )
