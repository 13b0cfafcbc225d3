"""Videos and their anchors."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import attrs
from fastapi import APIRouter, Header, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from entrypoints.http.problems import Problem
from entrypoints.http.schemas import AnchorAttachment, AnchorRevocation, VideoOut, VideoPublication
from entrypoints.http.security import Caller, Core
from entrypoints.http.uploads import read_form, single, words
from entrypoints.http.versions import expected_version, set_location, tag_response

router = APIRouter(prefix="/v1/videos", tags=["videos"])

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
    (MP4, MOV, WebM, WAV, MP3). It is matched to titles at once."""
    content_type = request.headers.get("content-type", "")
    media: bytes | None = None
    if content_type.startswith("multipart/form-data"):
        fields, media = await read_form(request, limit=core.settings.max_upload_bytes)
        raw: Any = {
            "caption": single(fields, "caption") or "",
            "hashtags": words(fields, "hashtags"),
            "category": single(fields, "category"),
            **({"creator_id": cid} if (cid := single(fields, "creator_id")) else {}),
        }
        unknown = set(fields) - {"caption", "hashtags", "category", "creator_id"}
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
    published = await run_in_threadpool(
        core.anchoring.publish_video,
        caller,
        caption=body.caption,
        hashtags=body.hashtags,
        category=body.category,
        media=media,
        creator_id=body.creator_id,
    )
    view = published.video
    set_location(response, "videos", view.id)
    tag_response(response, view.version)
    return VideoOut.model_validate(view)


@router.get("/{video_id}", response_model=VideoOut)
def get_video(video_id: UUID, core: Core, response: Response) -> VideoOut:
    """A video with its engagement and its anchor, if any."""
    view = core.cataloguing.video(video_id)
    tag_response(response, view.version)
    # Engagement arrives in batches beside the video, so its totals come from the projection.
    return VideoOut.model_validate(
        attrs.evolve(view, engagement=core.audience.engagement_of(video_id))
    )


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
