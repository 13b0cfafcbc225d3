"""The music competition: seasons, entries, rounds, viewers' ballots, judges' scores, results."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import StreamingResponse

from domain.music.ballots import MAX_KEY
from domain.music.genres import Genre
from entrypoints.http.music.music_schemas import (
    BallotBody,
    BallotOut,
    EnteredSeasonOut,
    LiveStandingsOut,
    PartnerRisingOut,
    Region,
    RisingArtistOut,
    RoundAction,
    RoundOut,
    RoundResultOut,
    ScoreBody,
    ScoreOut,
    ScoreSheetOut,
    SeasonAnnouncement,
    SeasonEntry,
    SeasonOut,
)
from entrypoints.http.paging import PageCursor, PageLimit, PageOut
from entrypoints.http.security import Caller, Core
from entrypoints.http.versions import answer_replay, set_location, tag_response

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


@router.get("/v1/me/seasons", response_model=PageOut[EnteredSeasonOut])
def my_seasons(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[EnteredSeasonOut]:
    """The seasons an artist entered, in the order it entered them, each with its rounds
    and where the artist's entry stands in each."""
    page = core.competition.artist_seasons(caller, limit=limit, cursor=cursor)
    return PageOut[EnteredSeasonOut](
        items=[EnteredSeasonOut.of(entered) for entered in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/v1/me/judging", response_model=PageOut[SeasonOut])
def my_panels(
    core: Core, caller: Caller, limit: PageLimit = 50, cursor: PageCursor = None
) -> PageOut[SeasonOut]:
    """The seasons whose panel the judge sits on, in the order announced."""
    page = core.competition.judge_seasons(caller, limit=limit, cursor=cursor)
    return PageOut[SeasonOut](
        items=[SeasonOut.of(season) for season in page.items], next_cursor=page.next_cursor
    )


@router.get("/v1/seasons/{season_id}", response_model=SeasonOut)
def get_season(season_id: UUID, core: Core) -> SeasonOut:
    """A season with its partners, panel, prizes, weighting and the ids of its rounds."""
    return SeasonOut.of(core.competition.season(season_id))


FieldGenre = Annotated[Genre | None, Query(description="Only tracks filed under this genre.")]


@router.get("/v1/seasons/{season_id}/field", response_model=PageOut[RisingArtistOut])
def season_field(
    season_id: UUID,
    core: Core,
    caller: Caller,
    region: Region = None,
    genre: FieldGenre = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> PageOut[RisingArtistOut]:
    """The season's rising artists for its partners (a judge of its panel, who represents
    one; admins, auditors): each entered artist's track, the videos using it, its ballots so
    far and its outcome in every round, in the order entered, of `region` and `genre` where
    named. Another judge is 403."""
    page = core.competition.season_field(
        caller, season_id, region=region, genre=genre, limit=limit, cursor=cursor
    )
    return PageOut[RisingArtistOut](
        items=[RisingArtistOut.of(item) for item in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/v1/seasons/{season_id}/field.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The whole field as CSV."}},
)
def season_field_csv(
    season_id: UUID, core: Core, caller: Caller, region: Region = None, genre: FieldGenre = None
) -> StreamingResponse:
    """The season's whole field as CSV (one line per artist; `rounds` as `1:advanced
    2:won`), for the readers of `GET /v1/seasons/{season_id}/field`."""
    lines = core.competition.season_field_csv(caller, season_id, region=region, genre=genre)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="season-{season_id}-field.csv"'},
    )


Partner = Annotated[
    str | None,
    Query(
        max_length=200,
        description="One partner (a judge: one it represents; none: all of them; an admin "
        "or auditor: none reads every season).",
    ),
]


@router.get("/v1/rising-artists", response_model=PartnerRisingOut)
def rising_artists(
    core: Core,
    caller: Caller,
    partner: Partner = None,
    region: Region = None,
    genre: FieldGenre = None,
) -> PartnerRisingOut:
    """A label partner's rising artists across its seasons (a judge reads for the partners
    it represents on a panel; admins, auditors for any): every artist entered in a season
    the partner is named on, one line each with its showing season by season and its
    seasons, wins, votes and uses summed; most seasons, wins, votes first. A partner the
    judge does not represent is 403."""
    return PartnerRisingOut.model_validate(
        core.competition.rising_artists(caller, partner=partner, region=region, genre=genre)
    )


@router.get(
    "/v1/rising-artists.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The whole list as CSV."}},
)
def rising_artists_csv(
    core: Core,
    caller: Caller,
    partner: Partner = None,
    region: Region = None,
    genre: FieldGenre = None,
) -> StreamingResponse:
    """`GET /v1/rising-artists` as CSV (one line per artist; `showings` as `season:track:
    outcome` joined with ` | `), for the same readers."""
    lines = core.competition.rising_artists_csv(caller, partner=partner, region=region, genre=genre)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rising-artists.csv"'},
    )


@router.post(
    "/v1/seasons/{season_id}/entries", status_code=status.HTTP_201_CREATED, response_model=RoundOut
)
def enter_season(
    season_id: UUID, body: SeasonEntry, core: Core, caller: Caller, response: Response
) -> RoundOut:
    """An artist of the season's region enters one of its own cleared tracks into the
    first round (one entry per artist). Answers the first round with its entries."""
    view = core.competition.enter(caller, season_id, body.track_id, artist=body.artist)
    set_location(response, "rounds", view.id)
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
def open_round(
    round_id: UUID,
    core: Core,
    caller: Caller,
    response: Response,
    body: RoundAction | None = None,
) -> RoundOut:
    """An admin opens a round that has entries: ballots and scores are taken until it closes.
    The background worker opens it at its planned time; opening it earlier needs a `reason`
    (409 `EarlyWithoutReason` without one), which is recorded."""
    reason = body.reason if body is not None else ""
    view = core.competition.open_round(caller, round_id, reason=reason)
    tag_response(response, view.version)
    return RoundOut.model_validate(view)


@router.post(
    "/v1/rounds/{round_id}/ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=BallotOut,
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
    per round, never changed. A retry with the same `Idempotency-Key` answers 201 with the
    original ballot, `replayed: true` and `Idempotent-Replayed: true`; any other second
    ballot is a 409."""
    receipt = core.competition.cast_ballot(
        caller, round_id, body.track_id, idempotency_key=idempotency_key or ""
    )
    answer_replay(response, replayed=receipt.replayed)
    set_location(response, "rounds", round_id)  # the round the ballot counts in
    return BallotOut.model_validate(receipt)


@router.post(
    "/v1/rounds/{round_id}/scores", status_code=status.HTTP_201_CREATED, response_model=ScoreOut
)
def give_score(
    round_id: UUID, body: ScoreBody, core: Core, caller: Caller, response: Response
) -> ScoreOut:
    """A judge of the season's panel scores an entry of an open round from 0 to 10, once.

    A judge never scores an artist affiliated with the partner the judge represents
    (409 `rule-violated`, rule `ConflictOfInterest`)."""
    score = core.competition.give_score(caller, round_id, body.track_id, body.score)
    set_location(response, "rounds", round_id)  # the round its scores count in
    return ScoreOut.model_validate(score)


@router.get("/v1/rounds/{round_id}/score-sheet", response_model=ScoreSheetOut)
def score_sheet(round_id: UUID, core: Core, caller: Caller) -> ScoreSheetOut:
    """A judge's sheet for a round of a season it judges: each entry, where its track plays,
    the judge's own score once given and any conflict of interest. Other judges' scores are
    not on it (hidden until the close); a judge off the panel is 403."""
    return ScoreSheetOut.of(core.competition.score_sheet(caller, round_id))


@router.post("/v1/rounds/{round_id}/close", response_model=RoundResultOut)
def close_round(
    round_id: UUID, core: Core, caller: Caller, body: RoundAction | None = None
) -> RoundResultOut:
    """An admin closes an open round: usage detection catches up, the tallies freeze (what
    reaches the log later is late and not counted), the entries are ranked by the published
    formula and the next round is seeded with those who advance. Answers the result. The
    background worker closes it at its planned time; closing it earlier needs a `reason`
    (409 `EarlyWithoutReason` without one), which is recorded."""
    reason = body.reason if body is not None else ""
    return RoundResultOut.of(core.competition.close_round(caller, round_id, reason=reason))


@router.get("/v1/rounds/{round_id}/standings", response_model=LiveStandingsOut)
def live_standings(round_id: UUID, core: Core) -> LiveStandingsOut:
    """An open round's live standings: each entry's votes, uses and popularity so far, as the
    published formula will count them. The judges' scores stay hidden until the close; a
    round not open is 409 `RoundNotOpen` (a closed one has its results)."""
    return LiveStandingsOut.of(core.competition.live_standings(round_id))


@router.get("/v1/rounds/{round_id}/results", response_model=RoundResultOut)
def round_results(round_id: UUID, core: Core) -> RoundResultOut:
    """A closed round's recorded result: every component of each entry's total, the
    weighting, who advances, the winners and their prizes, and what arrived late."""
    return RoundResultOut.of(core.competition.results(round_id))
