"""Videos and their anchors."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import attrs
from fastapi import APIRouter, Header, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from entrypoints.http.media import PLAYBACK_RESPONSES, playback
from entrypoints.http.problems import Problem, documented
from entrypoints.http.schemas import (
    AnchorAttachment,
    AnchorRevocation,
    PaidPartnershipOut,
    VideoOut,
    VideoPublication,
)
from entrypoints.http.security import Caller, Core, MaybeCaller
from entrypoints.http.uploads import Upload, read_upload, single, words
from entrypoints.http.versions import expected_version, set_location, tag_response

router = APIRouter(prefix="/v1/videos", tags=["videos"])

VISIBILITY_RESPONSES: dict[int | str, dict[str, Any]] = documented(
    (403, "`age-restricted`: not shown to minors or without a token."),
    (410, "`gone`: removed by moderation (no caption, no content)."),
)

IfMatch = Annotated[str | None, Header(description='The ETag you read, e.g. "3".')]


PUBLICATION_BODIES = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": VideoPublication.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["category"],
                    "properties": {
                        "media": {"type": "string", "format": "binary"},
                        "caption": {"type": "string"},
                        "hashtags": {"type": "string", "description": "comma separated"},
                        "category": {"type": "string", "example": "film-and-tv"},
                        "creator_id": {"type": "string"},
                        "sound": {"type": "string", "format": "uuid"},
                    },
                }
            },
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VideoOut,
    openapi_extra=PUBLICATION_BODIES,
)
async def publish_video(
    request: Request, core: Core, caller: Caller, response: Response
) -> VideoOut:
    """A creator publishes a video as itself, as JSON or with its media as multipart/form-data
    (MP4, MOV, WebM, WAV, MP3). It is matched to titles at once. `sound` declares the
    cleared track it uses (404 no such track, 409 `TrackNotUsable` one not cleared, before
    anything is recorded); its media's audio is checked for it (GET /v1/videos/{id}/sound)."""
    content_type = request.headers.get("content-type", "")
    media: Upload | None = None
    if content_type.startswith("multipart/form-data"):
        fields, media = await read_upload(request, limit=core.settings.max_upload_bytes)
        raw: Any = {
            "caption": single(fields, "caption") or "",
            "hashtags": words(fields, "hashtags"),
            "category": single(fields, "category"),
            **({"creator_id": cid} if (cid := single(fields, "creator_id")) else {}),
            **({"sound": sound} if (sound := single(fields, "sound")) else {}),
        }
        unknown = set(fields) - {"caption", "hashtags", "category", "creator_id", "sound"}
        if unknown:
            raise Problem(
                422, "validation-error", "Invalid request", f"unknown fields: {sorted(unknown)}"
            )
    elif content_type.startswith("application/json"):
        try:
            raw = await request.json()
        except ValueError:
            raise Problem(400, "bad-request", "Bad request", "the body is not JSON") from None
    else:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send application/json or multipart/form-data",
        )
    try:
        body = VideoPublication.model_validate(raw)
    except ValidationError as error:
        raise RequestValidationError(error.errors(), body=None) from None
    if body.sound is not None:
        # An unknown or uncleared track is refused before anything is recorded.
        await run_in_threadpool(core.sounds.usable_track, body.sound)
    published = await run_in_threadpool(
        core.anchoring.publish_video,
        caller,
        caption=body.caption,
        hashtags=body.hashtags,
        category=body.category,
        media=None if media is None else media.data,
        creator_id=body.creator_id,
        media_type=None if media is None else media.content_type,
    )
    view = published.video
    if body.sound is not None:
        await run_in_threadpool(core.sounds.declare, caller, view.id, body.sound)
    set_location(response, "videos", view.id)
    tag_response(response, view.version)
    return VideoOut.model_validate(view)


@router.get("/{video_id}", response_model=VideoOut, responses=VISIBILITY_RESPONSES)
def get_video(video_id: UUID, core: Core, caller: MaybeCaller, response: Response) -> VideoOut:
    """A video with its engagement and its anchor, if any. A removed video is 410 Gone to
    all but its creator, reviewers and admins; a flagged or age-restricted one is 403 to
    minors and to callers without a token. Neither answer carries its caption. A video
    delivered for a brand's campaign carries its paid-partnership disclosure."""
    core.anchors_media.require_visible(caller, video_id)
    view = core.cataloguing.video(video_id)
    tag_response(response, view.version)
    # Engagement arrives in batches beside the video, so its totals come from the projection.
    answer = VideoOut.model_validate(
        attrs.evolve(view, engagement=core.audience.engagement_of(video_id))
    )
    brands = core.campaign_dashboards.paid_partnerships([video_id]).get(video_id)
    if brands:
        answer.paid_partnership = PaidPartnershipOut(brands=list(brands))
    return answer


@router.get("/{video_id}/media", response_class=Response, responses=PLAYBACK_RESPONSES)
def play_video(video_id: UUID, request: Request, core: Core, caller: Caller) -> Response:
    """The video's media as uploaded, with byte ranges (`Range`, 206, 416) and its content
    address as `ETag`. Anyone signed in who may see the video as it stands: a removed video's
    media only its creator, reviewers and admins; a flagged or age-restricted one no minor.
    Anyone else, like a video without stored media, gets 404."""
    blob = core.anchors_media.video_media(caller, video_id)
    return playback(request, core.media_store, blob)


@router.post("/{video_id}/anchor", response_model=VideoOut)
def attach_anchor(
    video_id: UUID,
    body: AnchorAttachment,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> VideoOut:
    """A reviewer anchors the video to a title's portal."""
    view = core.cataloguing.attach_anchor(
        caller,
        video_id,
        body.title_id,
        note=body.note,
        expected_version=expected_version(if_match),
    )
    tag_response(response, view.version)
    return VideoOut.model_validate(view)


@router.delete("/{video_id}/anchor", response_model=VideoOut)
def revoke_anchor(
    video_id: UUID,
    body: AnchorRevocation,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> VideoOut:
    """A reviewer, or the studio owning the anchored title, revokes the anchor with a reason."""
    view = core.cataloguing.revoke_anchor(
        caller, video_id, reason=body.reason, expected_version=expected_version(if_match)
    )
    tag_response(response, view.version)
    return VideoOut.model_validate(view)
