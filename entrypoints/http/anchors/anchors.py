"""The anchors program: a title's matching material, the review queue, retroactive sweeps."""

from __future__ import annotations

import json
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from application.auth import Role, require_role
from entrypoints.http.anchors.anchor_schemas import (
    DecisionBody,
    DisputeBody,
    DisputeSettlement,
    ExclusionsBody,
    MatchingOut,
    MatchWordsBody,
    PolicyBody,
    ReferenceOut,
    RejudgeReportOut,
    ReviewPageOut,
    SweepReportOut,
    TimeRangeBody,
)
from entrypoints.http.media import PLAYBACK_RESPONSES, playback
from entrypoints.http.paging import PageCursor, PageLimit
from entrypoints.http.problems import Problem
from entrypoints.http.schemas import VideoOut
from entrypoints.http.security import Caller, Core
from entrypoints.http.uploads import read_upload, single
from entrypoints.http.versions import expected_version, tag_response

router = APIRouter(tags=["anchors"])

IfMatch = Annotated[str | None, Header(description='The ETag you read, e.g. "3".')]

REFERENCE_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["media"],
                    "properties": {
                        "media": {"type": "string", "format": "binary"},
                        "label": {"type": "string", "example": "Official trailer"},
                        "excluded": {
                            "type": "string",
                            "description": 'JSON list of {"start": s, "end": s} to never match',
                            "example": '[{"start": 0, "end": 4}]',
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/v1/titles/{title_id}/references",
    status_code=status.HTTP_201_CREATED,
    response_model=ReferenceOut,
    openapi_extra=REFERENCE_FORM,
)
async def add_reference(
    title_id: UUID, request: Request, core: Core, caller: Caller
) -> ReferenceOut:
    """The owning studio uploads a reference clip; old videos are matched against it too."""
    require_role(caller, Role.STUDIO, Role.ADMIN, doing="add a reference clip")
    fields, media = await read_upload(request, limit=core.settings.max_upload_bytes)
    if media is None:
        raise Problem(422, "validation-error", "Invalid request", "media: a file is required")
    excluded_text = single(fields, "excluded") or "[]"
    try:
        excluded = [TimeRangeBody.model_validate(item) for item in json.loads(excluded_text)]
    except (ValueError, TypeError, ValidationError):
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            'excluded: expected a JSON list like [{"start": 0, "end": 4}]',
        ) from None
    reference = await run_in_threadpool(
        core.anchoring.add_reference,
        caller,
        title_id,
        label=single(fields, "label") or "reference",
        media=media.data,
        excluded=[r.to_domain() for r in excluded],
        media_type=media.content_type,
    )
    return ReferenceOut.model_validate(reference)


@router.get(
    "/v1/titles/{title_id}/references/{reference_id}/media",
    response_class=Response,
    responses=PLAYBACK_RESPONSES,
)
def play_reference(
    title_id: UUID, reference_id: UUID, request: Request, core: Core, caller: Caller
) -> Response:
    """A reference clip's media as uploaded, with byte ranges and its content address as
    `ETag`: for the title's studio, reviewers, admins and auditors."""
    blob = core.anchors_media.reference_media(caller, title_id, reference_id)
    return playback(request, core.media_store, blob)


@router.get("/v1/titles/{title_id}/matching", response_model=MatchingOut)
def get_matching(title_id: UUID, core: Core, caller: Caller, response: Response) -> MatchingOut:
    """A title's hashtags, keywords, reference clips and match policy (studio, admin, auditor)."""
    view = core.anchoring.matching(caller, title_id)
    tag_response(response, view.version)
    return MatchingOut.model_validate(view)


@router.put(
    "/v1/titles/{title_id}/references/{reference_id}/exclusions", response_model=MatchingOut
)
def set_exclusions(
    title_id: UUID, reference_id: UUID, body: ExclusionsBody, core: Core, caller: Caller
) -> MatchingOut:
    """Portions of a reference that must never match (e.g. stock footage, licensed music)."""
    view = core.anchoring.set_exclusions(
        caller, title_id, reference_id, [r.to_domain() for r in body.excluded]
    )
    return MatchingOut.model_validate(view)


@router.put("/v1/titles/{title_id}/match-words", response_model=MatchingOut)
def set_match_words(
    title_id: UUID, body: MatchWordsBody, core: Core, caller: Caller
) -> MatchingOut:
    """The title's hashtags and keywords; existing videos are matched against them too."""
    view = core.anchoring.set_match_words(
        caller, title_id, hashtags=body.hashtags, keywords=body.keywords
    )
    return MatchingOut.model_validate(view)


@router.put("/v1/titles/{title_id}/match-policy", response_model=MatchingOut)
def set_match_policy(
    title_id: UUID,
    body: PolicyBody,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> MatchingOut:
    """Per signal: from which score a match goes to review or attaches, and its minimum length;
    optionally the engagement (views, likes) a video needs to attach without review. With
    `If-Match` (the ETag of `GET .../matching`), a title changed since is refused (409)."""
    view = core.anchoring.set_policy(
        caller, title_id, body.to_domain(), expected_version=expected_version(if_match)
    )
    tag_response(response, view.version)
    return MatchingOut.model_validate(view)


@router.get("/v1/review/anchors", response_model=ReviewPageOut)
def review_queue(
    core: Core,
    caller: Caller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> ReviewPageOut:
    """Proposed anchors awaiting a reviewer, the most popular videos first."""
    return ReviewPageOut.of(core.anchoring.review_queue(caller, limit=limit, cursor=cursor))


@router.post("/v1/review/anchors/{video_id}/{title_id}", response_model=VideoOut)
def decide_anchor(
    video_id: UUID,
    title_id: UUID,
    body: DecisionBody,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> VideoOut:
    """A reviewer attaches or rejects a proposed anchor, with a reason."""
    view = core.anchoring.decide(
        caller,
        video_id,
        title_id,
        attach=body.decision == "attach",
        reason=body.reason,
        expected_version=expected_version(if_match),
    )
    tag_response(response, view.version)
    return VideoOut.model_validate(view)


@router.post("/v1/videos/{video_id}/anchor/dispute", response_model=VideoOut)
def dispute_anchor(
    video_id: UUID, body: DisputeBody, core: Core, caller: Caller, response: Response
) -> VideoOut:
    """The video's creator disputes its anchor; it goes to the review queue."""
    view = core.anchoring.dispute(caller, video_id, reason=body.reason)
    tag_response(response, view.version)
    return VideoOut.model_validate(view)


@router.post("/v1/review/disputes/{video_id}", response_model=VideoOut)
def settle_dispute(
    video_id: UUID, body: DisputeSettlement, core: Core, caller: Caller, response: Response
) -> VideoOut:
    """A reviewer upholds a creator's dispute (revoking the anchor) or dismisses it."""
    view = core.anchoring.settle_dispute(
        caller, video_id, uphold=body.decision == "uphold", reason=body.reason
    )
    tag_response(response, view.version)
    return VideoOut.model_validate(view)


@router.post("/v1/sweeps/run", response_model=SweepReportOut)
def run_sweeps(
    core: Core, caller: Caller, max_videos: Annotated[int, Query(ge=1, le=100_000)] = 1000
) -> SweepReportOut:
    """Advance retroactive matching now (admin); the service also does it in the background."""
    require_role(caller, Role.ADMIN, doing="run retroactive matching")
    return SweepReportOut.model_validate(core.anchoring.run_sweeps(max_videos=max_videos))


@router.post("/v1/rejudging/run", response_model=RejudgeReportOut)
def run_rejudging(
    core: Core, caller: Caller, max_events: Annotated[int, Query(ge=1, le=10_000)] = 200
) -> RejudgeReportOut:
    """Judge again now (admin) the waiting matches on videos whose engagement grew, for
    titles whose policy requires or favours engagement; the service also does it in the
    background."""
    require_role(caller, Role.ADMIN, doing="judge matches again on engagement")
    return RejudgeReportOut.model_validate(core.anchoring.rejudging.run(max_events=max_events))
