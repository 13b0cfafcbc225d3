"""A studio claims a fan video for its own title by hand, through the title's policy."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import Field

from entrypoints.http.schemas import Strict, VideoOut
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import tag_response

router = APIRouter(tags=["anchors"])


class ClaimBody(Strict):
    video_id: UUID
    note: str = Field(
        default="",
        max_length=1_000,
        description="Why the video is about the title (shown to the reviewer).",
        examples=["The fan edit uses our trailer's score"],
    )


@router.post("/v1/titles/{title_id}/claims", response_model=VideoOut)
def claim_video(
    title_id: UUID, body: ClaimBody, core: Core, caller: Caller, response: Response
) -> VideoOut:
    """The title's studio claims a fan video: the title's policy attaches it (naming the
    studio) or sends it to review. 403 for another studio's title; 409 with the reason for a
    removed, restricted or minor's video, or one anchored already."""
    view = core.anchoring.claim(caller, title_id, body.video_id, note=body.note)
    tag_response(response, view.version)
    return VideoOut.model_validate(view)
