"""``/reviewer/reports``: viewers' reports of videos awaiting a decision, oldest first, each
with the video's caption and creator and the reporter's reason and words, decided by a form
(dismiss, remove the video, age-restrict it); below, the creators' appeals, upheld or
overturned by a form.

The pages call the use cases of ``GET /v1/review/video-reports``, ``POST
/v1/review/video-reports/{id}``, ``GET /v1/review/appeals`` and ``POST
/v1/review/appeals/{id}``; the forms are checked by the same request bodies, and a report
decided meanwhile by someone else is refused (409) rather than decided twice."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.http.trust.video_reports import AppealDecision, VideoReportDecision
from entrypoints.web.forms import FormCursor
from entrypoints.web.pages import PageRoute
from entrypoints.web.paging import pager, trails
from entrypoints.web.queues import FRESH, Choice, Queue, Reason, Said
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 10
Done = Literal["dismiss", "remove", "age-restrict", "uphold", "overturn"]
#: The longest reason the API takes, for the forms' fields (the server checks it again).
REASON_MAX: int = VideoReportDecision.model_json_schema()["properties"]["reason"]["maxLength"]
QUEUE = Queue("/reviewer/reports", "reviewer/reports.html", REASON_MAX)


def _queue(core: Core, visitor: Visitor, query: Mapping[str, str], said: Said = FRESH) -> Response:
    me = visitor.principal
    reports = core.video_reports.queue(me, limit=PAGE_SIZE, cursor=query.get("cursor"))
    appeals = core.video_reports.appeals(me, limit=PAGE_SIZE, cursor=query.get("appeals_cursor"))
    shown = {*(r.video_id for r in reports.items), *(a.video_id for a in appeals.items)}
    videos = {video_id: core.cataloguing.video(video_id) for video_id in shown}
    return QUEUE.page(
        visitor,
        query,
        reports.next_cursor,
        said,
        reports=reports.items,
        appeals=appeals.items,
        videos=videos,
        appeals_pager=pager(QUEUE.path, query, appeals.next_cursor, cursor_name="appeals_cursor"),
    )


@router.get(QUEUE.path, dependencies=trails("appeals_cursor"))
def report_queue(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    appeals_cursor: PageCursor = None,
    done: Done | None = None,
) -> Response:
    return _queue(core, visitor, request.query_params, Said(done))


@router.post(QUEUE.path + "/{report_id}")
def decide(
    report_id: UUID,
    core: Core,
    visitor: Posting,
    decision: Choice = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        body = VideoReportDecision.model_validate({"decision": decision, "reason": reason})
        core.video_reports.decide(visitor.principal, report_id, body.decision, reason=body.reason)
        return body.decision

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"decision": decision, "reason": reason},
        form=f"report/{report_id}",
    )


@router.post("/reviewer/appeals/{report_id}")
def decide_appeal(
    report_id: UUID,
    core: Core,
    visitor: Posting,
    outcome: Choice = "",
    reason: Reason = "",
    cursor: FormCursor = "",
) -> Response:
    def attempt() -> str:
        body = AppealDecision.model_validate({"outcome": outcome, "reason": reason})
        core.video_reports.decide_appeal(
            visitor.principal, report_id, body.outcome, reason=body.reason
        )
        return body.outcome

    return QUEUE.answer(
        attempt,
        partial(_queue, core, visitor),
        cursor=cursor,
        typed={"outcome": outcome, "reason": reason},
        form=f"appeal/{report_id}",
    )
