"""``/reviewer/moderation``: videos a classifier flagged for restriction, oldest first, each
with its flags and its fan video, decided (clear, age-restrict, remove) with the policy
applied and a reason.

The pages call the use cases of ``GET /v1/review/moderation`` and ``POST
/v1/videos/{video}/moderation`` with the visitor as the caller (reviewers and admins decide,
auditors read); the form is checked by the API's own ``DecisionBody``."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response

from domain.anchors.videos import MAX_REASON
from domain.trust.moderation import MAX_POLICY
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.http.trust.moderation import DecisionBody
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.reviewer.decisions import DECIDERS, Choice, Reason
from entrypoints.web.visitors import Posting, Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
QUEUE = "/reviewer/moderation"
STATES = ("clear", "age-restricted", "removed")


@router.get(QUEUE)
def flagged(
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["clear", "age-restricted", "removed"] | None = None,
) -> Response:
    page = core.moderation.flagged(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    videos = {item.video_id: core.cataloguing.video(item.video_id) for item in page.items}
    return render(
        "reviewer/moderation.html",
        {
            "visitor": visitor,
            "items": page.items,
            "videos": videos,
            "next": page.next_cursor,
            "done": done,
            "decides": visitor.principal.role in DECIDERS,
            "states": STATES,
            "reason_max": MAX_REASON,
            "policy_max": MAX_POLICY,
        },
    )


@router.post(QUEUE + "/{video_id}")
def decide(
    video_id: UUID,
    core: Core,
    visitor: Posting,
    state: Choice = "",
    policy: Reason = "",
    reason: Reason = "",
) -> Response:
    body = DecisionBody.model_validate({"state": state, "reason": reason, "policy": policy})
    core.moderation.decide(
        visitor.principal, video_id, body.state, reason=body.reason, policy=body.policy
    )
    return see_other(f"{QUEUE}?done={body.state}")
