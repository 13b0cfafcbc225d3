""" "Use this sound": a video's creator declares the track it uses, checked against the
video's audio; a track's videos, declared and detected, with their counts."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from entrypoints.http.music.sound_schemas import (
    SoundDeclarationBody,
    SoundDeclarationOut,
    TrackVideosOut,
)
from entrypoints.http.paging import PageCursor, PageLimit
from entrypoints.http.problems import documented
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import tag_response

router = APIRouter(tags=["music"])


@router.put(
    "/v1/videos/{video_id}/sound",
    response_model=SoundDeclarationOut,
    responses=documented(
        (403, "`forbidden`: only the video's creator (or an admin) declares its sound."),
        (404, "`not-found`: no such video, or no such track."),
        (
            409,
            "`rule-violated`: the track is not cleared (`TrackNotUsable`), or the video "
            "declares it already (`SoundUnchanged`).",
        ),
    ),
)
def declare_sound(
    video_id: UUID, body: SoundDeclarationBody, core: Core, caller: Caller, response: Response
) -> SoundDeclarationOut:
    """The video's creator declares the cleared track the video uses ("use this sound"), or
    replaces the one declared. A video with media is checked against its audio at once: a
    declared track the audio does not carry is recorded as `flagged`, not accepted."""
    view = core.sounds.declare(caller, video_id, body.track_id)
    tag_response(response, view.version)
    return SoundDeclarationOut.model_validate(view)


@router.get(
    "/v1/videos/{video_id}/sound",
    response_model=SoundDeclarationOut,
    responses=documented((404, "`not-found`: the video declares no sound.")),
)
def get_sound(video_id: UUID, core: Core, response: Response) -> SoundDeclarationOut:
    """The track a video declares and what its audio said of it (anyone may read it)."""
    view = core.sounds.declaration(video_id)
    tag_response(response, view.version)
    return SoundDeclarationOut.model_validate(view)


@router.get(
    "/v1/tracks/{track_id}/videos",
    response_model=TrackVideosOut,
    responses=documented((404, "`not-found`: no such track.")),
)
def track_videos(
    track_id: UUID, core: Core, limit: PageLimit = 50, cursor: PageCursor = None
) -> TrackVideosOut:
    """The videos that use a track, in the order they were first found, each declared by its
    creator, detected by the usage scans, or both; with the track's counts (declared,
    detected, verified, flagged). Anyone may read it."""
    return TrackVideosOut.model_validate(
        core.sounds.track_videos(track_id, limit=limit, cursor=cursor)
    )
