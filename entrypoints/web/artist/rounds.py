"""``/rounds/{round_id}``: a round of a season for anyone signed in: its entries, its live
standings while it is open (votes, uses and popularity only: the judges' scores stay hidden
until the close, as ``GET /v1/rounds/{round_id}/standings`` keeps them), and its recorded
result once closed (``GET /v1/rounds/{round_id}/results``)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from domain.music.rounds import RoundStatus
from entrypoints.http.music.music_schemas import FORMULA
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.visitors import Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/rounds/{round_id}")
def round_page(round_id: UUID, core: Core, visitor: Visiting) -> Response:
    shown = core.competition.round(round_id)
    live = core.competition.live_standings(round_id) if shown.status is RoundStatus.OPEN else None
    result = core.competition.results(round_id) if shown.has_result else None
    return render(
        "artist/round.html",
        {
            "visitor": visitor,
            "round": shown,
            "season": core.competition.season(shown.season_id),
            "live": live,
            "result": result,
            "formula": FORMULA,
            "prizes": {} if result is None else {w.track_id: w.prize for w in result.winners},
        },
    )
