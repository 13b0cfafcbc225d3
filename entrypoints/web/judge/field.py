"""``/seasons/{season_id}/field``: a season's rising artists for its partners (a judge of its
panel represents one; admins and auditors read any season's), by region and genre: each
artist's track, the videos using it, its ballots so far and its outcome round by round, a
page at a time, and the whole list as CSV (``.../field.csv``).

The pages call the use cases of ``GET /v1/seasons/{season_id}/field`` and ``.../field.csv``
(``competition.season_field``, read from the music read model), so they answer the roles
those answer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from domain.music.genres import Genre
from entrypoints.http.paging import PageCursor
from entrypoints.http.security import Core
from entrypoints.web.pages import PageRoute, render
from entrypoints.web.paging import pager, trails
from entrypoints.web.visitors import Visiting

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25
#: An empty choice in the filter form means "any" (the browser sends the field empty).
Choice = Annotated[str, Query(max_length=20)]


def _filters(region: str, genre: str) -> dict[str, str]:
    return {name: value for name, value in (("region", region), ("genre", genre)) if value}


@router.get("/seasons/{season_id}/field", dependencies=trails())
def season_field(
    request: Request,
    season_id: UUID,
    core: Core,
    visitor: Visiting,
    region: Choice = "",
    genre: Choice = "",
    cursor: PageCursor = None,
) -> Response:
    chosen = _filters(region.strip(), genre.strip())
    page = core.competition.season_field(
        visitor.principal,
        season_id,
        region=chosen.get("region"),
        genre=chosen.get("genre"),
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    return render(
        "judge/field.html",
        {
            "visitor": visitor,
            "season": core.competition.season(season_id),
            "items": page.items,
            "pager": pager(f"/seasons/{season_id}/field", request.query_params, page.next_cursor),
            "chosen": chosen,
            "query": urlencode(chosen),
            "genres": [genre.value for genre in Genre],
        },
    )


@router.get("/seasons/{season_id}/field.csv")
def season_field_csv(
    season_id: UUID, core: Core, visitor: Visiting, region: Choice = "", genre: Choice = ""
) -> Response:
    chosen = _filters(region.strip(), genre.strip())
    lines = core.competition.season_field_csv(
        visitor.principal, season_id, region=chosen.get("region"), genre=chosen.get("genre")
    )
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="season-{season_id}-field.csv"'},
    )


def _partner_filters(partner: str, region: str, genre: str) -> dict[str, str]:
    return {"partner": partner, **_filters(region, genre)} if partner else _filters(region, genre)


def _asked(chosen: dict[str, str]) -> dict[str, str | None]:
    """The use case's filters from the form's choices (an empty choice: any)."""
    return {name: chosen.get(name) for name in ("partner", "region", "genre")}


Partner = Annotated[str, Query(max_length=200)]


@router.get("/rising-artists")
def rising_artists(
    core: Core, visitor: Visiting, partner: Partner = "", region: Choice = "", genre: Choice = ""
) -> Response:
    """A label partner's rising artists across its seasons (``GET /v1/rising-artists``)."""
    chosen = _partner_filters(partner.strip(), region.strip(), genre.strip())
    return render(
        "judge/rising.html",
        {
            "visitor": visitor,
            "rising": core.competition.rising_artists(visitor.principal, **_asked(chosen)),
            "chosen": chosen,
            "query": urlencode(chosen),
            "genres": [genre.value for genre in Genre],
        },
    )


@router.get("/rising-artists.csv")
def rising_artists_csv(
    core: Core, visitor: Visiting, partner: Partner = "", region: Choice = "", genre: Choice = ""
) -> Response:
    chosen = _partner_filters(partner.strip(), region.strip(), genre.strip())
    return StreamingResponse(
        core.competition.rising_artists_csv(visitor.principal, **_asked(chosen)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rising-artists.csv"'},
    )
