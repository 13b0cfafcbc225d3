"""Videos and their anchors."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response, status

from entrypoints.http.schemas import AnchorAttachment, AnchorRevocation, VideoOut, VideoPublication
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import expected_version, tag_response

router = APIRouter(prefix="/v1/videos", tags=["videos"])

IfMatch = Annotated[str | None, Header(description='The ETag you read, e.g. "3".')]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VideoOut)
def publish_video(
    body: VideoPublication, core: Core, caller: Caller, response: Response
) -> VideoOut:
    """A creator publishes a video as itself (an admin may publish for a named creator)."""
    view = core.catalogue.publish_video(
        caller,
        caption=body.caption,
        hashtags=body.hashtags,
        category=body.category,
        creator_id=body.creator_id,
    )
    response.headers["Location"] = f"/v1/videos/{view.id}"
    tag_response(response, view.version)
    return VideoOut.of(view)


@router.get("/{video_id}", response_model=VideoOut)
def get_video(video_id: UUID, core: Core, response: Response) -> VideoOut:
    """A video with its engagement and its anchor, if any."""
    view = core.catalogue.video(video_id)
    tag_response(response, view.version)
    return VideoOut.of(view)


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
    view = core.catalogue.attach_anchor(
        caller,
        video_id,
        body.title_id,
        note=body.note,
        expected_version=expected_version(if_match),
    )
    tag_response(response, view.version)
    return VideoOut.of(view)


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
    view = core.catalogue.revoke_anchor(
        caller, video_id, reason=body.reason, expected_version=expected_version(if_match)
    )
    tag_response(response, view.version)
    return VideoOut.of(view)
