"""``/artist``: an artist's own page: its profile and badge (with a form to ask for
verification), its tracks and where each review stands (a rejection with the reviewer's
reason), and the seasons it entered with its entry's outcome in each round.

The page calls the use cases of ``GET /v1/me/tracks``, ``GET /v1/me/seasons``, ``GET
/v1/artists/{account}``, ``GET /v1/me/verification-request`` and ``POST
/v1/me/verification-request`` (whose own request body checks the form), so it answers the
roles those answer: an artist, for itself."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response

from application.errors import NotFound
from domain.music.tracks import TrackStatus
from entrypoints.http.music.music_schemas import VerificationRequestBody
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import NO_REFUSAL, Refusal, answer_form
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
HOME = "/artist"
#: The longest note the API takes, for the form's field (the server checks it again).
NOTE_MAX: int = VerificationRequestBody.model_json_schema()["properties"]["note"]["maxLength"]


def _home(
    core: Core,
    visitor: Visitor,
    query: Mapping[str, str],
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = 200,
) -> Response:
    me = visitor.principal
    tracks = core.discovery.artist_tracks(me, limit=PAGE_SIZE, cursor=query.get("cursor"))
    seasons = core.competition.artist_seasons(
        me, limit=PAGE_SIZE, cursor=query.get("seasons_cursor")
    )
    # The reviewer's reason is on the track itself (the list carries its state only).
    reasons = {
        track.id: core.discovery.track(track.id).decision_reason
        for track in tracks.items
        if track.status is TrackStatus.REJECTED
    }
    try:
        profile = core.discovery.artist(me.subject)
    except NotFound:
        profile = None
    try:
        pending = core.verification.pending(me) if profile is not None else None
    except NotFound:
        pending = None
    return render(
        "artist/home.html",
        {
            "visitor": visitor,
            "profile": profile,
            "pending": pending,
            "tracks": tracks.items,
            "reasons": reasons,
            "pager": pager(HOME, query, tracks.next_cursor),
            "seasons": seasons.items,
            "seasons_pager": pager(HOME, query, seasons.next_cursor, cursor_name="seasons_cursor"),
            "done": done,
            "note_max": NOTE_MAX,
            "refused": refused,
        },
        status_code=status_code,
    )


@router.get(HOME, dependencies=trails("seasons_cursor"))
def artist_home(
    request: Request,
    core: Core,
    visitor: Visiting,
    cursor: PageCursor = None,
    seasons_cursor: PageCursor = None,
    done: Literal["requested"] | None = None,
) -> Response:
    return _home(core, visitor, request.query_params, done=done)


@router.post(HOME + "/verification")
def ask_for_verification(
    core: Core, visitor: Posting, note: Annotated[str, Form(max_length=5000)] = ""
) -> Response:
    """A request pending already, or a badge held already, is refused by the use case."""

    def attempt() -> Response:
        body = VerificationRequestBody.model_validate({"note": note})
        core.verification.request(visitor.principal, note=body.note)
        return see_other(f"{HOME}?done=requested")

    return answer_form(attempt, partial(_home, core, visitor, {}), typed={"note": note})
