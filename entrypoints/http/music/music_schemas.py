"""Bodies of music discovery: artists, tracks, review, the playlist, seasons, rounds, results.

Requests derive from ``Strict`` (unknown fields are refused); responses are built from the
application's views, never from aggregates, and say what each number means.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query
from pydantic import AliasChoices, BaseModel, Field, model_validator

from application.music.music_views import (
    EnteredSeason,
    LiveStandings,
    RisingArtist,
    RoundResult,
    ScoreSheet,
    SeasonView,
)
from domain.music.genres import Genre
from domain.music.rounds import Judge, Prize
from domain.music.seasons import RoundPlan
from domain.music.standings import MAX_SCORE, MIN_SCORE, Weighting
from entrypoints.http.schemas import Account, Answer, IsoDateTime, Strict

Name = Annotated[str, Field(max_length=200)]
Region = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=8,
        description="Only those of this region (ISO 3166-1 alpha-2, e.g. JP): a season's, or "
        "a track's artist's.",
    ),
]


# Artists ------------------------------------------------------------------------------


class ArtistProfileBody(Strict):
    """The whole profile: what is left out is not kept."""

    name: str = Field(max_length=200, examples=["Aiko Tanaka"])
    region: str = Field(
        max_length=8, examples=["JP"], description="ISO 3166-1 alpha-2 code of the artist's region."
    )
    affiliations: list[Name] = Field(
        max_length=10,
        examples=[["Aozora Records"]],
        description="Labels, publishers and agencies the artist is signed to or managed by; "
        "judges representing them do not score the artist.",
    )
    bio: str = Field(max_length=2000)


class ArtistRegistration(Strict):
    name: str = Field(max_length=200, examples=["Aiko Tanaka"])
    region: str = Field(
        max_length=8, examples=["JP"], description="ISO 3166-1 alpha-2 code of the artist's region."
    )
    affiliations: list[Name] = Field(
        default_factory=list,
        max_length=10,
        examples=[["Aozora Records"]],
        description="Labels, publishers and agencies the artist is signed to or managed by.",
    )
    bio: str = Field(default="", max_length=2000)
    account: Account | None = Field(default=None, description="Only an admin names the account.")


class BadgeWithdrawal(Strict):
    reason: str = Field(min_length=1, max_length=2000, examples=["Impersonation report upheld"])


class ArtistOut(Answer):
    account: str
    version: int
    name: str
    region: str
    affiliations: list[str]
    bio: str
    verified: bool = Field(description="Carries the verification badge.")
    registered_at: datetime


class BylineOut(Answer):
    """How an artist appears beside their music."""

    account: str
    name: str
    verified: bool = Field(description="The verification badge.")


# Tracks and review --------------------------------------------------------------------


class ResemblanceOut(Answer):
    """Evidence that a submission resembles earlier material."""

    source: str = Field(description="'track:<id>' or 'reference:<id>' (a title's clip).")
    score: float = Field(description="The audio engine's score, 0..1.")
    matched_seconds: float
    submission_start: float = Field(description="Seconds into the submission.")
    source_start: float = Field(description="Seconds into the source.")


class TrackOut(Answer):
    id: UUID
    version: int
    title: str
    artist: BylineOut
    status: Literal["submitted", "cleared", "rejected"]
    duration_seconds: float
    digest: str = Field(description="sha256 of the uploaded file.")
    submitted_at: datetime
    flagged: bool = Field(description="It resembles earlier material: cleared only by override.")
    resemblances: list[ResemblanceOut]
    decided_by: str | None
    decision_reason: str
    overridden: bool = Field(description="Cleared despite its resemblances.")
    uses: int = Field(description="Videos found using the track.")
    genre: Genre | None = Field(description="The genre it is filed under (none: not said).")


class OwnTrackOut(Answer):
    """A track in its artist's list, with where its review stands."""

    id: UUID
    title: str
    status: Literal["submitted", "cleared", "rejected"] = Field(
        description="submitted (awaits a reviewer), cleared (in the featured playlist) or "
        "rejected; GET /v1/tracks/{id} gives the reviewer's reason."
    )
    flagged: bool = Field(description="It resembles earlier material: cleared only by override.")
    submitted_at: datetime
    decided_at: datetime | None = Field(description="When it was cleared or rejected.")
    uses: int = Field(description="Videos found using the track.")


class TrackDecision(Strict):
    decision: Literal["clear", "reject"]
    reason: str = Field(min_length=1, max_length=2000, examples=["Original composition"])
    override: bool = Field(
        default=False,
        description="Clear a flagged track despite its resemblances (e.g. a licensed cover).",
    )

    @model_validator(mode="after")
    def _override_clears_only(self) -> TrackDecision:
        if self.override and self.decision != "clear":
            raise ValueError("override applies to a decision to clear")
        return self


class PlaylistItemOut(Answer):
    position: int = Field(description="The item's place in the list as its pages were read.")
    track_id: UUID
    title: str
    artist: BylineOut
    uses: int = Field(description="Videos found using the track.")
    cleared_at: datetime
    genre: Genre | None = Field(description="The genre it is filed under (none: not said).")


class UsageReportOut(Answer):
    videos_considered: int
    uses_found: int
    scans_pending: int = Field(description="Backfill scans of newly cleared tracks still open.")


# Seasons and rounds -------------------------------------------------------------------


class JudgeBody(Strict):
    judge_id: Account = Field(description="The judge's account.")
    partner: str = Field(
        min_length=1, max_length=200, description="The season partner the judge represents."
    )


class RoundPlanBody(Strict):
    name: str = Field(max_length=200, examples=["Open round"])
    cut_size: int = Field(ge=1, description="How many entries advance (or win, in the last).")
    opens_at: IsoDateTime
    closes_at: IsoDateTime


class PrizeBody(Strict):
    rank: int = Field(ge=1)
    description: str = Field(max_length=200, examples=["A studio session"])


class WeightingBody(Strict, Answer):
    popularity_percent: int = Field(
        default=50, ge=0, le=100, description="Weight of popularity; the judges get the rest."
    )
    points_per_use: int = Field(
        default=10, ge=0, le=1000, description="Popularity points a video using the track earns."
    )


class SeasonAnnouncement(Strict):
    name: str = Field(max_length=200, examples=["Tokyo Sounds 2025"])
    region: str = Field(max_length=8, examples=["JP"])
    partners: list[Name] = Field(max_length=50, examples=[["Aozora Records", "Kumo Publishing"]])
    judges: list[JudgeBody] = Field(max_length=100)
    rounds: list[RoundPlanBody] = Field(max_length=10, description="In order; each cuts the field.")
    prizes: list[PrizeBody] = Field(default_factory=list, max_length=100)
    weighting: WeightingBody | None = Field(default=None, description="Default: 50 %, 10 points.")

    def judges_domain(self) -> list[Judge]:
        return [Judge(judge_id=j.judge_id, partner=j.partner) for j in self.judges]

    def rounds_domain(self) -> list[RoundPlan]:
        return [
            RoundPlan(name=r.name, cut_size=r.cut_size, opens_at=r.opens_at, closes_at=r.closes_at)
            for r in self.rounds
        ]

    def prizes_domain(self) -> list[Prize]:
        return [Prize(rank=p.rank, description=p.description) for p in self.prizes]

    def weighting_domain(self) -> Weighting | None:
        if self.weighting is None:
            return None
        return Weighting(
            popularity_percent=self.weighting.popularity_percent,
            points_per_use=self.weighting.points_per_use,
        )


class JudgeOut(BaseModel):
    judge_id: str
    partner: str


class PrizeOut(BaseModel):
    rank: int
    description: str


class ScheduledRoundOut(BaseModel):
    round_id: UUID
    number: int
    name: str
    cut_size: int
    opens_at: datetime
    closes_at: datetime


class SeasonOut(BaseModel):
    id: UUID
    name: str
    region: str
    partners: list[str]
    judges: list[JudgeOut]
    rounds: list[ScheduledRoundOut]
    round_ids: list[UUID]
    prizes: list[PrizeOut]
    weighting: WeightingBody
    announced_at: datetime

    @classmethod
    def of(cls, view: SeasonView) -> SeasonOut:
        return cls(
            id=view.id,
            name=view.name,
            region=view.region,
            partners=list(view.partners),
            judges=[JudgeOut(judge_id=j.judge_id, partner=j.partner) for j in view.judges],
            rounds=[
                ScheduledRoundOut(
                    round_id=round_id,
                    number=number,
                    name=plan.name,
                    cut_size=plan.cut_size,
                    opens_at=plan.opens_at,
                    closes_at=plan.closes_at,
                )
                for number, (round_id, plan) in enumerate(
                    zip(view.round_ids, view.rounds, strict=True), start=1
                )
            ],
            round_ids=list(view.round_ids),
            prizes=[PrizeOut(rank=p.rank, description=p.description) for p in view.prizes],
            weighting=WeightingBody.model_validate(view.weighting),
            announced_at=view.announced_at,
        )


class SeasonEntry(Strict):
    track_id: UUID
    artist: Account | None = Field(default=None, description="Only an admin names the artist.")


class EntryOut(Answer):
    track_id: UUID
    title: str
    artist: BylineOut


class RoundOut(Answer):
    id: UUID
    version: int
    season_id: UUID
    number: int
    name: str
    status: Literal["scheduled", "open", "closed"]
    cut_size: int
    final: bool
    opens_at: datetime
    closes_at: datetime
    entries: list[EntryOut]
    has_result: bool


class BallotBody(Strict):
    track_id: UUID = Field(description="The entry you back; one ballot per voter per round.")


class BallotOut(Answer):
    ballot_id: UUID
    round_id: UUID
    track_id: UUID
    cast_at: datetime
    replayed: bool = Field(description="A retry with the same Idempotency-Key: the first answer.")


class ScoreBody(Strict):
    track_id: UUID
    score: int = Field(ge=MIN_SCORE, le=MAX_SCORE, description="A whole number from 0 to 10.")


class ScoreOut(Answer):
    score_id: UUID
    round_id: UUID
    track_id: UUID
    score: int = Field(validation_alias=AliasChoices("score", "value"))  # the receipt's value
    given_at: datetime


class StandingOut(BaseModel):
    """One entry's line, with every component of its total (see the formula)."""

    rank: int
    track_id: UUID
    title: str
    artist: BylineOut
    votes: int = Field(description="Ballots counted (recorded before the round closed).")
    uses: int = Field(description="Videos found using the track by the close.")
    popularity_points: int = Field(description="votes + points_per_use x uses")
    judges_scores: int = Field(description="How many judges scored the entry.")
    judges_sum: int = Field(description="The sum of their scores.")
    popularity: str = Field(description="popularity_points / the round's highest (decimal).")
    judges: str = Field(description="judges_sum / (judges_scores x 10) (decimal).")
    total: str = Field(description="w x popularity + (1 - w) x judges (decimal).")
    advances: bool


class WinnerOut(BaseModel):
    rank: int
    track_id: UUID
    artist_account: str
    prize: str


class RoundResultOut(BaseModel):
    round_id: UUID
    number: int
    final: bool
    cut_size: int
    weighting: WeightingBody
    formula: str = Field(description="How each total is computed; ranks break ties in order.")
    standings: list[StandingOut]
    advancing: list[UUID] = Field(description="Track ids that go on to the next round (or win).")
    winners: list[WinnerOut] = Field(description="The final round's winners and their prizes.")
    late_ballots: int = Field(description="Ballots recorded after the close: not counted.")
    late_scores: int = Field(description="Scores recorded after the close: not counted.")

    @classmethod
    def of(cls, result: RoundResult) -> RoundResultOut:
        return cls(
            round_id=result.round_id,
            number=result.number,
            final=result.final,
            cut_size=result.cut_size,
            weighting=WeightingBody.model_validate(result.weighting),
            formula=FORMULA,
            standings=[
                StandingOut(
                    rank=line.standing.rank,
                    track_id=line.standing.track_id,
                    title=line.title,
                    artist=BylineOut.model_validate(line.artist),
                    votes=line.standing.votes,
                    uses=line.standing.uses,
                    popularity_points=line.standing.popularity_points,
                    judges_scores=line.standing.judges_scores,
                    judges_sum=line.standing.judges_sum,
                    popularity=line.standing.popularity,
                    judges=line.standing.judges,
                    total=line.standing.total,
                    advances=line.standing.advances,
                )
                for line in result.standings
            ],
            advancing=list(result.advancing),
            winners=[
                WinnerOut(
                    rank=w.rank, track_id=w.track_id, artist_account=w.artist_account, prize=w.prize
                )
                for w in result.winners
            ],
            late_ballots=result.late_ballots,
            late_scores=result.late_scores,
        )


FORMULA = (
    "popularity_points = votes + points_per_use x uses; popularity = popularity_points / "
    "highest popularity_points in the round (0 when nobody has any); judges = judges_sum / "
    "(judges_scores x 10) (0 when unscored); total = w x popularity + (1 - w) x judges with "
    "w = popularity_percent / 100. Ranked by total, then judges, votes, uses, track id."
)


class RoundStandingOut(Answer):
    round_id: UUID
    number: int
    name: str
    status: str = Field(description="scheduled, open or closed.")
    final: bool
    outcome: str = Field(
        description="not entered (the entry did not reach this round), pending (no result "
        "yet), advanced, eliminated, or won (the final)."
    )
    rank: int | None = Field(description="The entry's rank once the result is recorded.")
    total: str | None = Field(description="The entry's total score, rounded for display.")
    prize: str | None = Field(description="The prize won, in the final.")


class EnteredSeasonOut(BaseModel):
    season: SeasonOut
    track_id: UUID = Field(description="The track the artist entered.")
    rounds: list[RoundStandingOut] = Field(description="The season's rounds, in order.")

    @classmethod
    def of(cls, entered: EnteredSeason) -> EnteredSeasonOut:
        return cls(
            season=SeasonOut.of(entered.season),
            track_id=entered.track_id,
            rounds=[RoundStandingOut.model_validate(standing) for standing in entered.rounds],
        )


# Verification requests -------------------------------------------------------------------


class VerificationRequestBody(Strict):
    note: str = Field(
        default="",
        max_length=1000,
        description="What the admins should look at: links, press, the label.",
        examples=["Official channel: https://example.com/aiko"],
    )


class VerificationRequestOut(Answer):
    """A request for the verification badge, awaiting an admin."""

    account: str
    name: str
    region: str
    affiliations: list[str]
    note: str
    requested_at: datetime
    version: int = Field(description="The artist's version: send it as If-Match to decide.")


class VerificationDecision(Strict):
    decision: Literal["grant", "decline"]
    reason: str = Field(
        default="",
        max_length=1000,
        description="Why (required to decline): the artist is told.",
        examples=["We could not confirm the channel is yours"],
    )

    @model_validator(mode="after")
    def _declining_says_why(self) -> VerificationDecision:
        if self.decision == "decline" and not self.reason.strip():
            raise ValueError("declining a request needs a reason")
        return self


# The schedule and live standings ------------------------------------------------------------


class RoundAction(Strict):
    reason: str = Field(
        default="",
        max_length=2000,
        description="Why the round opens or closes before its planned time (required then; "
        "recorded).",
        examples=["The launch event moved a day earlier"],
    )


class LiveStandingOut(BaseModel):
    """One entry's popularity so far: what the formula will count (no judges' part)."""

    rank: int
    track_id: UUID
    title: str
    artist: BylineOut
    votes: int = Field(description="Ballots counted so far.")
    uses: int = Field(description="Videos found using the track so far.")
    popularity_points: int = Field(description="votes + points_per_use x uses")
    popularity: str = Field(description="popularity_points / the round's highest (decimal).")


class LiveStandingsOut(BaseModel):
    round_id: UUID
    number: int
    weighting: WeightingBody
    judges_percent: int = Field(
        description="How much of the total the judges' scores will weigh: hidden until the close."
    )
    as_of: datetime
    closes_at: datetime
    standings: list[LiveStandingOut]

    @classmethod
    def of(cls, live: LiveStandings) -> LiveStandingsOut:
        return cls(
            round_id=live.round_id,
            number=live.number,
            weighting=WeightingBody.model_validate(live.weighting),
            judges_percent=live.judges_percent,
            as_of=live.as_of,
            closes_at=live.closes_at,
            standings=[
                LiveStandingOut(
                    rank=line.standing.rank,
                    track_id=line.standing.track_id,
                    title=line.title,
                    artist=BylineOut.model_validate(line.artist),
                    votes=line.standing.votes,
                    uses=line.standing.uses,
                    popularity_points=line.standing.popularity_points,
                    popularity=line.standing.popularity,
                )
                for line in live.standings
            ],
        )


# A judge's score sheet ----------------------------------------------------------------------


class SheetLineOut(BaseModel):
    """An entry as its judge sees it: the judge's own score, never another judge's."""

    track_id: UUID
    title: str
    artist: BylineOut
    media: str = Field(description="Where the track plays (byte ranges answered).")
    score: int | None = Field(description="Your score, once given.")
    conflict: str | None = Field(
        description="Why you do not score it (a conflict of interest), if so."
    )


class ScoreSheetOut(BaseModel):
    round: RoundOut
    season_name: str
    partner: str = Field(description="The partner you represent on the panel.")
    entries: list[SheetLineOut]

    @classmethod
    def of(cls, sheet: ScoreSheet) -> ScoreSheetOut:
        return cls(
            round=RoundOut.model_validate(sheet.round),
            season_name=sheet.season_name,
            partner=sheet.partner,
            entries=[
                SheetLineOut(
                    track_id=line.entry.track_id,
                    title=line.entry.title,
                    artist=BylineOut.model_validate(line.entry.artist),
                    media=f"/v1/tracks/{line.entry.track_id}/media",
                    score=line.score,
                    conflict=line.conflict,
                )
                for line in sheet.lines
            ],
        )


# A season's field, for its partners -----------------------------------------------------------


class RisingArtistOut(BaseModel):
    """An artist entered in the season: its track, its reach and its outcome round by round."""

    artist: BylineOut
    region: str
    track_id: UUID
    title: str
    genre: str | None = Field(description="The genre the track is filed under, if said.")
    uses: int = Field(description="Videos found using the track.")
    votes: int = Field(description="Ballots counted for it in the season's rounds so far.")
    rounds: list[RoundStandingOut] = Field(description="Its outcome in each round, in order.")

    @classmethod
    def of(cls, rising: RisingArtist) -> RisingArtistOut:
        return cls(
            artist=BylineOut.model_validate(rising.artist),
            region=rising.region,
            track_id=rising.track_id,
            title=rising.title,
            genre=rising.genre,
            uses=rising.uses,
            votes=rising.votes,
            rounds=[RoundStandingOut.model_validate(standing) for standing in rising.rounds],
        )


# A partner's rising artists across seasons ----------------------------------------------


class SeasonShowingOut(Answer):
    """An artist's entry in one of the partner's seasons."""

    season_id: UUID
    season_name: str
    track_id: UUID
    title: str
    genre: str | None
    uses: int = Field(description="Videos found using the track.")
    votes: int = Field(description="Ballots counted for it in the season's rounds so far.")
    outcome: str = Field(description="The outcome of the last round it reached.")
    rounds_reached: int


class RisingAcrossSeasonsOut(Answer):
    """An artist over the partner's seasons: its showings and its figures summed."""

    artist: BylineOut
    region: str
    seasons: int = Field(description="Seasons of the partner's it entered.")
    wins: int = Field(description="Finals it won.")
    votes: int = Field(description="Ballots over all its seasons' rounds.")
    uses: int = Field(description="Videos using its tracks, each track counted once.")
    showings: list[SeasonShowingOut] = Field(description="Season by season, as announced.")


class PartnerSeasonOut(Answer):
    id: UUID
    name: str
    region: str


class PartnerRisingOut(Answer):
    """A label partner's rising artists across its seasons."""

    partners: list[str] = Field(description="The partners read for.")
    seasons: list[PartnerSeasonOut] = Field(description="Their seasons, in the order announced.")
    artists: list[RisingAcrossSeasonsOut] = Field(
        description="Most seasons first, then most wins, then most votes."
    )
