"""``/reviewer/tracks``: submitted tracks awaiting a reviewer, oldest first, each playing
beside the earlier tracks it resembles, cleared into the featured playlist (a flagged one
only by override) or rejected, with a reason.

The pages call the use cases of ``GET /v1/review/tracks``, ``GET /v1/tracks/{track}/media``
and ``POST /v1/review/tracks/{track}`` with the visitor as the caller (reviewers and admins
decide, auditors read); the form is checked by the API's own ``TrackDecision``."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response

from entrypoints.http.music.music_schemas import TrackDecision
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.reviewer.decisions import DECIDERS, Choice, Reason
from entrypoints.web.visitors import Posting, Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
QUEUE = "/reviewer/tracks"
REASON_MAX: int = TrackDecision.model_json_schema()["properties"]["reason"]["maxLength"]
TRACK = "track:"


@router.get(QUEUE)
def tracks(
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["cleared", "rejected"] | None = None,
) -> Response:
    page = core.discovery.review_queue(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "reviewer/tracks.html",
        {
            "visitor": visitor,
            "items": page.items,
            "next": page.next_cursor,
            "done": done,
            "decides": visitor.principal.role in DECIDERS,
            "reason_max": REASON_MAX,
            "track_prefix": TRACK,
        },
    )


@router.post(QUEUE + "/{track_id}")
def decide(
    track_id: UUID,
    core: Core,
    visitor: Posting,
    decision: Choice = "",
    reason: Reason = "",
    override: Choice = "",
) -> Response:
    body = TrackDecision.model_validate(
        {"decision": decision, "reason": reason, "override": override == "yes"}
    )
    if body.decision == "clear":
        core.discovery.clear_track(
            visitor.principal, track_id, reason=body.reason, override=body.override
        )
    else:
        core.discovery.reject_track(visitor.principal, track_id, reason=body.reason)
    return see_other(f"{QUEUE}?done={'cleared' if body.decision == 'clear' else 'rejected'}")
