"""The music competition: seasons, entries, rounds, viewers' ballots, judges' scores, results."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response, status

from domain.music.ballots import MAX_KEY
from entrypoints.http.music.music_schemas import (
    BallotBody,
    BallotOut,
    Region,
    RoundOut,
    RoundResultOut,
    ScoreBody,
    ScoreOut,
    SeasonAnnouncement,
    SeasonEntry,
    SeasonOut,
)
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import set_location, tag_response

router = APIRouter(tags=["competition"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY,
        description="Your id for this ballot; a retry with the same key gets the first answer.",
    ),
]


# Seasons ------------------------------------------------------------------------------


@router.post("/v1/seasons", status_code=status.HTTP_201_CREATED, response_model=SeasonOut)
def announce_season(
    body: SeasonAnnouncement, core: Core, caller: Caller, response: Response
) -> SeasonOut:
    """An admin announces a season in one region: its industry partners, the judges' panel
    (each judge represents a partner), its rounds (each cuts the field; the last names the
    winners), the prizes and the published weighting. All rounds are scheduled at once."""
    view = core.competition.announce_season(
        caller,
        name=body.name,
        region=body.region,
        partners=body.partners,
        judges=body.judges_domain(),
        rounds=body.rounds_domain(),
        prizes=body.prizes_domain(),
        weighting=body.weighting_domain(),
    )
    set_location(response, "seasons", view.id)
    return SeasonOut.of(view)


@router.get("/v1/seasons", response_model=PageOut[SeasonOut])
def list_seasons(
    core: Core, region: Region = None, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[SeasonOut]:
    """The seasons with their rounds (plans and ids), in the order announced (anyone may
    read them)."""
    page = core.competition.seasons(region=region, limit=limit, cursor=cursor)
    return PageOut[SeasonOut](
        items=[SeasonOut.of(season) for season in page.items], next_cursor=page.next_cursor
    )


@router.get("/v1/seasons/{season_id}", response_model=SeasonOut)
def get_season(season_id: UUID, core: Core) -> SeasonOut:
    """A season with its partners, panel, prizes, weighting and the ids of its rounds."""
    return SeasonOut.of(core.competition.season(season_id))


@router.post(
    "/v1/seasons/{season_id}/entries", status_code=status.HTTP_201_CREATED, response_model=RoundOut
)
def enter_season(
    season_id: UUID, body: SeasonEntry, core: Core, caller: Caller, response: Response
) -> RoundOut:
    """An artist of the season's region enters one of its own cleared tracks into the
    first round (one entry per artist). Answers the first round with its entries."""
    view = core.competition.enter(caller, season_id, body.track_id, artist=body.artist)
    tag_response(response, view.version)
    return RoundOut.model_validate(view)


# Rounds -------------------------------------------------------------------------------


@router.get("/v1/rounds/{round_id}", response_model=RoundOut)
def get_round(round_id: UUID, core: Core, response: Response) -> RoundOut:
    """A round: its status, schedule, cut and entries."""
    view = core.competition.round(round_id)
    tag_response(response, view.version)
    return RoundOut.model_validate(view)


@router.post("/v1/rounds/{round_id}/open", response_model=RoundOut)
def open_round(round_id: UUID, core: Core, caller: Caller, response: Response) -> RoundOut:
    """An admin opens a round that has entries: ballots and scores are taken until it closes."""
    view = core.competition.open_round(caller, round_id)
    tag_response(response, view.version)
    return RoundOut.model_validate(view)


@router.post(
    "/v1/rounds/{round_id}/ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=BallotOut,
    responses={200: {"description": "A retry with the same Idempotency-Key: the first answer."}},
)
def cast_ballot(
    round_id: UUID,
    body: BallotBody,
    core: Core,
    caller: Caller,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> BallotOut:
    """A viewer, creator or artist backs one entry of an open round: one ballot per voter
    per round, never changed. A retry with the same `Idempotency-Key` answers 200 with the
    original ballot and `replayed: true`; any other second ballot is a 409."""
    receipt = core.competition.cast_ballot(
        caller, round_id, body.track_id, idempotency_key=idempotency_key or ""
    )
    response.status_code = status.HTTP_200_OK if receipt.replayed else status.HTTP_201_CREATED
    return BallotOut.model_validate(receipt)


@router.post(
    "/v1/rounds/{round_id}/scores", status_code=status.HTTP_201_CREATED, response_model=ScoreOut
)
def give_score(round_id: UUID, body: ScoreBody, core: Core, caller: Caller) -> ScoreOut:
    """A judge of the season's panel scores an entry of an open round from 0 to 10, once.

    A judge never scores an artist affiliated with the partner the judge represents
    (409 `rule-violated`, rule `ConflictOfInterest`)."""
    return ScoreOut.model_validate(
        core.competition.give_score(caller, round_id, body.track_id, body.score)
    )


@router.post("/v1/rounds/{round_id}/close", response_model=RoundResultOut)
def close_round(round_id: UUID, core: Core, caller: Caller) -> RoundResultOut:
    """An admin closes an open round: usage detection catches up, the tallies freeze (what
    reaches the log later is late and not counted), the entries are ranked by the published
    formula and the next round is seeded with those who advance. Answers the result."""
    return RoundResultOut.of(core.competition.close_round(caller, round_id))


@router.get("/v1/rounds/{round_id}/results", response_model=RoundResultOut)
def round_results(round_id: UUID, core: Core) -> RoundResultOut:
    """A closed round's recorded result: every component of each entry's total, the
    weighting, who advances, the winners and their prizes, and what arrived late."""
    return RoundResultOut.of(core.competition.results(round_id))
