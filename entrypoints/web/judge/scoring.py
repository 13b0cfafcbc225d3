"""``/judge``: the seasons a judge sits on, round by round; ``/judge/rounds/{round_id}``: a
round's score sheet: each entry's track played from the media store (an ``<audio>`` element
on ``GET /v1/tracks/{track_id}/media``, which answers byte ranges), the judge's own score
once given, and a form to score the others.

The pages call the use cases of ``GET /v1/me/judging``, ``GET /v1/rounds/{round_id}/
score-sheet`` and ``POST /v1/rounds/{round_id}/scores`` (the form is checked by the API's
``ScoreBody``). Only the judge's own scores are shown: other judges' stay hidden until the
close, when the round's result shows their sums."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response, status
from pydantic import ValidationError

from domain.music.standings import MAX_SCORE, MIN_SCORE
from entrypoints.http.music.music_schemas import ScoreBody
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.forms import FORM, NO_REFUSAL, Refusal, field_reasons, form_refusal
from entrypoints.web.pages import PageRoute, render, see_other
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Posting, Visiting, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20
HOME = "/judge"


@router.get(HOME, dependencies=trails())
def judged_seasons(
    request: Request, core: Core, visitor: Visiting, cursor: PageCursor = None
) -> Response:
    page = core.competition.judge_seasons(visitor.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        "judge/seasons.html",
        {
            "visitor": visitor,
            "seasons": page.items,
            "pager": pager(HOME, request.query_params, page.next_cursor),
            "rounds": {
                round_id: core.competition.round(round_id)
                for season in page.items
                for round_id in season.round_ids
            },
        },
    )


def _sheet(
    core: Core,
    visitor: Visitor,
    round_id: UUID,
    *,
    done: str | None = None,
    refused: Refusal = NO_REFUSAL,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    return render(
        "judge/sheet.html",
        {
            "visitor": visitor,
            "sheet": core.competition.score_sheet(visitor.principal, round_id),
            "done": done,
            "refused": refused,
            "lowest": MIN_SCORE,
            "highest": MAX_SCORE,
        },
        status_code=status_code,
    )


@router.get(HOME + "/rounds/{round_id}")
def score_sheet(
    round_id: UUID, core: Core, visitor: Visiting, done: Literal["scored"] | None = None
) -> Response:
    return _sheet(core, visitor, round_id, done=done)


@router.post(HOME + "/rounds/{round_id}/scores")
def give_score(
    round_id: UUID,
    core: Core,
    visitor: Posting,
    track_id: Annotated[str, Form(max_length=40)],
    score: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A refused score (out of range, a second one, a closed round, a conflict of interest)
    shows the sheet again with the reason next to the entry, and records nothing."""
    typed = {"score": score}
    try:
        body = ScoreBody.model_validate({"track_id": track_id, "score": score})
    except ValidationError as invalid:
        refused = Refusal(_form(core, visitor, round_id, track_id), field_reasons(invalid), typed)
        return _sheet(core, visitor, round_id, refused=refused, status_code=422)
    try:
        core.competition.give_score(visitor.principal, round_id, body.track_id, body.score)
    except Exception as error:
        refusal = form_refusal(error)
        if refusal is None:
            raise
        code, reason = refusal
        refused = Refusal(_form(core, visitor, round_id, track_id), {FORM: reason}, typed)
        return _sheet(core, visitor, round_id, refused=refused, status_code=code)
    return see_other(f"{HOME}/rounds/{round_id}?done=scored")


def _form(core: Core, visitor: Visitor, round_id: UUID, track_id: str) -> str:
    """The form of the entry a score was for; a track that is no entry's: the sheet's."""
    sheet = core.competition.score_sheet(visitor.principal, round_id)
    entries = {str(line.entry.track_id) for line in sheet.lines}
    return track_id.strip() if track_id.strip() in entries else ""
