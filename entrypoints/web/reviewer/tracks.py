"""``/reviewer/tracks``: submitted tracks awaiting a reviewer, oldest first, each playing
beside the earlier tracks it resembles, cleared into the featured playlist (a flagged one
only by override) or rejected, with a reason.

The pages call the use cases of ``GET /v1/review/tracks``, ``GET /v1/tracks/{track}/media``
and ``POST /v1/review/tracks/{track}`` with the visitor as the caller (reviewers and admins
decide, auditors read); the form is checked by the API's own ``TrackDecision``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from entrypoints.http.music.music_schemas import TrackDecision
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import FormCursor
from entrypoints.web.pages import PageRoute
from entrypoints.web.paging import trails
from entrypoints.web.queues import DECIDERS, FRESH, Choice, Queue, Reason, Said
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
REASON_MAX: int = TrackDecision.model_json_schema()["properties"]["reason"]["maxLength"]
QUEUE = Queue("/reviewer/tracks", "reviewer/tracks.html", REASON_MAX)
TRACK = "track:"


def _queue(core: Core, visitor: Visitor, query: Mapping[str, str], said: Said = FRESH) -> Response:
    page = core.discovery.review_queue(
        visitor.principal, limit=PAGE_SIZE, cursor=query.get("cursor")
    )
    return QUEUE.page(
        visitor,
        query,
        page.next_cursor,
        said,
        items=page.items,
        decides=visitor.principal.role in DECIDERS,
        track_prefix=TRACK,
    )


@router.get(QUEUE.path, dependencies=trails())
def tracks(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    done: Literal["cleared", "rejected"] | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, Said(done))


@router.post(QUEUE.path + "/{track_id}")
def decide(
    track_id: UUID,
    core: Core,
    visitor: Posting,
    decision: Choice = "",
    reason: Reason = "",
    override: Choice = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        body = TrackDecision.model_validate(
            {"decision": decision, "reason": reason, "override": override == "yes"}
        )
        if body.decision == "clear":
            core.discovery.clear_track(
                visitor.principal, track_id, reason=body.reason, override=body.override
            )
        else:
            core.discovery.reject_track(visitor.principal, track_id, reason=body.reason)
        return "cleared" if body.decision == "clear" else "rejected"

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"decision": decision, "reason": reason, "override": override},
        form=str(track_id),
    )
