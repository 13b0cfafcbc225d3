"""Viewers' reports of videos over HTTP: reporting (a reason from the fixed list, a few a UTC
day each), the reviewers' report and appeal queues and their decisions, and the creator's one
appeal (``application.trust.video_reports``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import Field

from domain.trust.video_reports import MAX_DECISION, MAX_TEXT, ReportReason
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.problems import documented
from entrypoints.http.schemas import Answer, Strict
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import set_location

router = APIRouter(tags=["moderation"])

REASONS = ", ".join(reason.value for reason in ReportReason)


class VideoReportBody(Strict):
    reason: ReportReason = Field(description=f"One of: {REASONS}.", examples=["harassment"])
    text: str = Field(
        default="", max_length=MAX_TEXT, examples=["Mocks a classmate by name at 0:12"]
    )


class VideoReportDecision(Strict):
    decision: Literal["dismiss", "remove", "age-restrict"] = Field(
        description="dismiss leaves the video; remove and age-restrict moderate it."
    )
    reason: str = Field(min_length=1, max_length=MAX_DECISION, examples=["Graphic violence"])


class AppealBody(Strict):
    text: str = Field(min_length=1, max_length=MAX_TEXT, examples=["It is a news report"])


class AppealDecision(Strict):
    outcome: Literal["uphold", "overturn"] = Field(
        description="uphold: the decision stands; overturn: an age restriction is lifted, "
        "a removed video is restored and served again."
    )
    reason: str = Field(min_length=1, max_length=MAX_DECISION, examples=["News value shown"])


class VideoReportOut(Answer):
    id: UUID
    video_id: UUID
    creator: str
    reporter: str
    reason: str
    text: str
    reported_at: datetime
    status: str = Field(description="open, dismissed or upheld.")
    outcome: str = Field(description="dismiss, remove or age-restrict once decided; else empty.")
    decision_reason: str
    appeal: str = Field(description="none, pending, upheld or overturned.")
    appeal_text: str
    appeal_reason: str


@router.post(
    "/v1/videos/{video_id}/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=VideoReportOut,
    responses=documented(
        (409, "`rule-violated`: `ReportLimitReached` (the day's quota, UTC) or a removed video"),
    ),
)
def report_video(
    video_id: UUID, body: VideoReportBody, core: Core, caller: Caller, response: Response
) -> VideoReportOut:
    """Anyone signed in (auditors excepted) reports a video, for a reason of the list and
    with words of their own if they like. Each may report a few videos a UTC day
    (`SPOTLIGHT_VIDEO_REPORTS_PER_DAY`, 20 by default): past it the answer is 409
    `ReportLimitReached` and nothing is recorded."""
    view = core.video_reports.report(caller, video_id, reason=body.reason, text=body.text)
    set_location(response, "video-reports", view.id)
    return VideoReportOut.model_validate(view)


@router.get("/v1/video-reports/{video_report_id}", response_model=VideoReportOut)
def get_video_report(video_report_id: UUID, core: Core, caller: Caller) -> VideoReportOut:
    """A report, its decision and its appeal (its reporter, the video's creator, reviewers,
    admins, auditors)."""
    return VideoReportOut.model_validate(core.video_reports.report_of(caller, video_report_id))


@router.get("/v1/review/video-reports", response_model=PageOut[VideoReportOut])
def video_report_queue(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[VideoReportOut]:
    """The reports awaiting a decision, oldest first (decide one with `POST
    /v1/review/video-reports/{video_report_id}`)."""
    page = core.video_reports.queue(caller, limit=limit, cursor=cursor)
    return PageOut[VideoReportOut].model_validate(page)


@router.post(
    "/v1/review/video-reports/{video_report_id}",
    response_model=VideoReportOut,
    responses=documented((409, "`rule-violated`: `ReportAlreadyDecided`, or a removed video")),
)
def decide_video_report(
    video_report_id: UUID, body: VideoReportDecision, core: Core, caller: Caller
) -> VideoReportOut:
    """A reviewer or admin decides a report, with a reason: dismissed, or upheld by removing
    or age-restricting the video (recorded with the report, the video's anchor and product
    tags withdrawn as for any moderation decision). The reporter is told; the creator hears
    of the video's moderation. A decided report stays decided (409 `ReportAlreadyDecided`)."""
    view = core.video_reports.decide(caller, video_report_id, body.decision, reason=body.reason)
    return VideoReportOut.model_validate(view)


@router.post(
    "/v1/video-reports/{video_report_id}/appeal",
    response_model=VideoReportOut,
    responses=documented(
        (409, "`rule-violated`: `AppealRefused` (not upheld, or appealed already)")
    ),
)
def appeal_video_report(
    video_report_id: UUID, body: AppealBody, core: Core, caller: Caller
) -> VideoReportOut:
    """The video's creator appeals a report's decision against their video, once."""
    return VideoReportOut.model_validate(
        core.video_reports.appeal(caller, video_report_id, text=body.text)
    )


@router.get("/v1/review/appeals", response_model=PageOut[VideoReportOut])
def appeal_queue(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[VideoReportOut]:
    """The appeals awaiting a decision, oldest first."""
    page = core.video_reports.appeals(caller, limit=limit, cursor=cursor)
    return PageOut[VideoReportOut].model_validate(page)


@router.post(
    "/v1/review/appeals/{video_report_id}",
    response_model=VideoReportOut,
    responses=documented((409, "`rule-violated`: `AppealAlreadyDecided` (none pending)")),
)
def decide_appeal(
    video_report_id: UUID, body: AppealDecision, core: Core, caller: Caller
) -> VideoReportOut:
    """A reviewer or admin decides an appeal, with a reason: upheld (the decision stands) or
    overturned (an age restriction is lifted; a removed video is restored and served again).
    The creator is told (`moderation_appeal_overturned`, and `video_moderated` for the
    video cleared)."""
    view = core.video_reports.decide_appeal(
        caller, video_report_id, body.outcome, reason=body.reason
    )
    return VideoReportOut.model_validate(view)
