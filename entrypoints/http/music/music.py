"""Music discovery: artists and their badge, original tracks, review, the featured playlist,
and usage detection."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from application.auth import Role, acting_for, require_role
from domain.music.genres import Genre
from entrypoints.http.media import PLAYBACK_RESPONSES, playback
from entrypoints.http.music.music_schemas import (
    ArtistOut,
    ArtistProfileBody,
    ArtistRegistration,
    BadgeWithdrawal,
    OwnTrackOut,
    PlaylistItemOut,
    Region,
    TrackDecision,
    TrackOut,
    UsageReportOut,
)
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.problems import Problem
from entrypoints.http.schemas import AccountPath
from entrypoints.http.security import Caller, Core
from entrypoints.http.uploads import read_upload, single
from entrypoints.http.versions import expected_version, set_location, tag_response

router = APIRouter(tags=["music"])

IfMatch = Annotated[str | None, Header(description='The ETag you read, e.g. "3".')]

TRACK_FIELDS = {"title", "genre"}
TRACK_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["title", "media"],
                    "properties": {
                        "title": {"type": "string", "maxLength": 200, "example": "Night Drive"},
                        "genre": {
                            "type": "string",
                            "enum": [genre.value for genre in Genre],
                            "description": "The genre it is filed under (optional).",
                        },
                        "media": {
                            "type": "string",
                            "format": "binary",
                            "description": "The recording: WAV, MP3, or a video with sound.",
                        },
                    },
                }
            }
        },
    }
}


# Artists ------------------------------------------------------------------------------


@router.post("/v1/artists", status_code=status.HTTP_201_CREATED, response_model=ArtistOut)
def register_artist(
    body: ArtistRegistration, core: Core, caller: Caller, response: Response
) -> ArtistOut:
    """An artist registers its profile as itself (an admin registers one for a named
    account). One profile per account: a second registration is a 409 `artist-exists`."""
    view = core.discovery.register_artist(
        caller,
        name=body.name,
        region=body.region,
        affiliations=body.affiliations,
        bio=body.bio,
        account=body.account,
    )
    set_location(response, "artists", view.account)
    tag_response(response, view.version)
    return ArtistOut.model_validate(view)


@router.get("/v1/artists/{account}", response_model=ArtistOut)
def get_artist(account: AccountPath, core: Core, response: Response) -> ArtistOut:
    """An artist's public profile, with its verification badge."""
    view = core.discovery.artist(account)
    tag_response(response, view.version)
    return ArtistOut.model_validate(view)


@router.put("/v1/artists/{account}", response_model=ArtistOut)
def update_artist(
    account: AccountPath,
    body: ArtistProfileBody,
    core: Core,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> ArtistOut:
    """The artist (or an admin) replaces the profile: name, region, affiliations and bio.
    Send the ETag you read as If-Match; a profile changed since answers 412."""
    view = core.discovery.update_artist(
        caller,
        account,
        name=body.name,
        region=body.region,
        affiliations=body.affiliations,
        bio=body.bio,
        expected_version=expected_version(if_match),
    )
    tag_response(response, view.version)
    return ArtistOut.model_validate(view)


@router.post("/v1/artists/{account}/verification", response_model=ArtistOut)
def verify_artist(
    account: AccountPath, core: Core, caller: Caller, response: Response
) -> ArtistOut:
    """An admin gives the artist the verification badge, shown beside its music."""
    view = core.discovery.verify_artist(caller, account)
    tag_response(response, view.version)
    return ArtistOut.model_validate(view)


@router.delete("/v1/artists/{account}/verification", response_model=ArtistOut)
def withdraw_badge(
    account: AccountPath, body: BadgeWithdrawal, core: Core, caller: Caller, response: Response
) -> ArtistOut:
    """An admin withdraws the artist's badge, with a reason."""
    view = core.discovery.withdraw_badge(caller, account, reason=body.reason)
    tag_response(response, view.version)
    return ArtistOut.model_validate(view)


# Tracks -------------------------------------------------------------------------------


@router.post(
    "/v1/artists/{account}/tracks",
    status_code=status.HTTP_201_CREATED,
    response_model=TrackOut,
    openapi_extra=TRACK_FORM,
)
async def submit_track(
    account: AccountPath, request: Request, core: Core, caller: Caller, response: Response
) -> TrackOut:
    """An artist submits an original recording as multipart/form-data (`title`, `media`,
    optionally `genre`: one of the listed genres, or 422).

    Before it is recorded it is compared with every track submitted before and with the
    titles' reference clips; what it resembles comes back as `resemblances` and makes it
    `flagged` (a reviewer clears it only by override). An artist submits only as itself."""
    # Refuse a submission for someone else before reading its upload.
    acting_for(caller, account, Role.ARTIST, doing="submit a track")
    fields, media = await read_upload(request, limit=core.settings.max_upload_bytes)
    unknown = set(fields) - TRACK_FIELDS
    if unknown:
        raise Problem(
            422, "validation-error", "Invalid request", f"unknown fields: {sorted(unknown)}"
        )
    title = single(fields, "title")
    if title is None:
        raise Problem(422, "validation-error", "Invalid request", "title: a title is required")
    if media is None:
        raise Problem(422, "validation-error", "Invalid request", "media: a file is required")
    view = await run_in_threadpool(
        core.discovery.submit_track,
        caller,
        title=title,
        media=media.data,
        artist_account=account,
        media_type=media.content_type,
        genre=single(fields, "genre"),
    )
    set_location(response, "tracks", view.id)
    tag_response(response, view.version)
    return TrackOut.model_validate(view)


@router.get("/v1/tracks/{track_id}/media", response_class=Response, responses=PLAYBACK_RESPONSES)
def play_track(track_id: UUID, request: Request, core: Core, caller: Caller) -> Response:
    """A track's audio as submitted, with byte ranges and its content address as `ETag`: a
    cleared track for anyone signed in; one under review or rejected for its artist,
    reviewers, admins and auditors (anyone else gets 404)."""
    blob = core.discovery.track_media(caller, track_id)
    return playback(request, core.media_store, blob)


@router.get("/v1/tracks/{track_id}", response_model=TrackOut)
def get_track(track_id: UUID, core: Core, response: Response) -> TrackOut:
    """A track with its status, its originality evidence and how many videos use it."""
    view = core.discovery.track(track_id)
    tag_response(response, view.version)
    return TrackOut.model_validate(view)


@router.get("/v1/me/tracks", response_model=PageOut[OwnTrackOut])
def my_tracks(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[OwnTrackOut]:
    """An artist's own tracks, in the order submitted, each with where its review stands."""
    page = core.discovery.artist_tracks(caller, limit=limit, cursor=cursor)
    return PageOut[OwnTrackOut].model_validate(page)


@router.get("/v1/review/tracks", response_model=PageOut[TrackOut])
def track_review_queue(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[TrackOut]:
    """Submitted tracks awaiting a reviewer, oldest first, with their evidence
    (reviewers, admins, auditors). A track submitted meanwhile comes at the end."""
    page = core.discovery.review_queue(caller, limit=limit, cursor=cursor)
    return PageOut[TrackOut].model_validate(page)


@router.post("/v1/review/tracks/{track_id}", response_model=TrackOut)
def decide_track(
    track_id: UUID, body: TrackDecision, core: Core, caller: Caller, response: Response
) -> TrackOut:
    """A reviewer clears a track into the featured playlist or rejects it, with a reason.

    A flagged track is cleared only with `override: true` (409 `rule-violated`,
    rule `OverrideRequired`, otherwise)."""
    if body.decision == "clear":
        view = core.discovery.clear_track(
            caller, track_id, reason=body.reason, override=body.override
        )
    else:
        view = core.discovery.reject_track(caller, track_id, reason=body.reason)
    tag_response(response, view.version)
    return TrackOut.model_validate(view)


@router.get("/v1/playlists/featured", response_model=PageOut[PlaylistItemOut])
def featured_playlist(
    core: Core,
    region: Region = None,
    genre: Annotated[Genre | None, Query(description="Only tracks filed under this genre.")] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> PageOut[PlaylistItemOut]:
    """Cleared tracks, the most used in videos first, each with its artist's byline and
    badge (anyone may read it).

    `cursor` is the opaque `next_cursor` of the previous page (it was an integer offset
    before: one is refused with 422). A track whose use count changes while a client pages
    moves in the order, and may be read twice or not at all."""
    page = core.discovery.featured_playlist(region=region, genre=genre, limit=limit, cursor=cursor)
    return PageOut[PlaylistItemOut].model_validate(page)


@router.post("/v1/music/usage/scan", response_model=UsageReportOut)
def scan_usage(
    core: Core,
    caller: Caller,
    max_videos: Annotated[int, Query(ge=1, le=100_000)] = 500,
) -> UsageReportOut:
    """Find videos that use cleared tracks now (admin); the service also does it in the
    background. Resumes from the scans' cursors: a video is considered once per scan."""
    require_role(caller, Role.ADMIN, doing="run usage detection")
    return UsageReportOut.model_validate(core.usage.run(max_videos=max_videos))
