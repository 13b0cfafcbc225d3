"""Plain answers of the music services: no aggregate leaves the application."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from domain.music.artists import Artist
from domain.music.rounds import CompetitionRound, Judge, Prize, RoundStatus, Winner
from domain.music.seasons import RoundPlan, Season
from domain.music.standings import PopularityStanding, Standing, Weighting
from domain.music.tracks import Resemblance, Track, TrackStatus


@attrs.frozen
class ArtistView:
    account: str
    version: int
    name: str
    region: str
    affiliations: tuple[str, ...]
    bio: str
    verified: bool
    registered_at: datetime

    @classmethod
    def of(cls, artist: Artist) -> ArtistView:
        return cls(
            account=artist.account,
            version=artist.version,
            name=artist.name,
            region=artist.region,
            affiliations=artist.affiliations,
            bio=artist.bio,
            verified=artist.verified,
            registered_at=artist.registered_at,
        )


@attrs.frozen
class Byline:
    """How an artist appears beside their music: name and badge."""

    account: str
    name: str
    verified: bool


@attrs.frozen
class TrackView:
    id: UUID
    version: int
    artist: Byline
    title: str
    status: TrackStatus
    duration_seconds: float
    digest: str
    submitted_at: datetime
    flagged: bool
    resemblances: tuple[Resemblance, ...]
    decided_by: str | None
    decision_reason: str
    overridden: bool
    uses: int
    genre: str | None = None

    @classmethod
    def of(cls, track: Track, byline: Byline, uses: int) -> TrackView:
        return cls(
            id=track.id,
            version=track.version,
            artist=byline,
            title=track.title,
            status=track.status,
            duration_seconds=track.duration_seconds,
            digest=track.digest,
            submitted_at=track.submitted_at,
            flagged=track.flagged,
            resemblances=track.resemblances,
            decided_by=track.decided_by,
            decision_reason=track.decision_reason,
            overridden=track.overridden,
            uses=uses,
            genre=track.genre,
        )


@attrs.frozen
class PlaylistItem:
    position: int
    track_id: UUID
    title: str
    artist: Byline
    uses: int
    cleared_at: datetime
    genre: str | None = None


@attrs.frozen
class OwnTrack:
    """A track in its artist's list: where its review stands, and its use."""

    id: UUID
    title: str
    status: TrackStatus
    flagged: bool
    submitted_at: datetime
    decided_at: datetime | None
    uses: int


@attrs.frozen
class SeasonView:
    id: UUID
    name: str
    region: str
    partners: tuple[str, ...]
    judges: tuple[Judge, ...]
    rounds: tuple[RoundPlan, ...]
    round_ids: tuple[UUID, ...]
    prizes: tuple[Prize, ...]
    weighting: Weighting
    announced_at: datetime

    @classmethod
    def of(cls, season: Season) -> SeasonView:
        return cls(
            id=season.id,
            name=season.name,
            region=season.region,
            partners=season.partners,
            judges=season.judges,
            rounds=season.rounds,
            round_ids=season.round_ids,
            prizes=season.prizes,
            weighting=season.weighting,
            announced_at=season.announced_at,
        )


@attrs.frozen
class Entry:
    track_id: UUID
    title: str
    artist: Byline


@attrs.frozen
class RoundView:
    id: UUID
    version: int
    season_id: UUID
    number: int
    name: str
    status: RoundStatus
    cut_size: int
    final: bool
    opens_at: datetime
    closes_at: datetime
    entries: tuple[Entry, ...]
    has_result: bool

    @classmethod
    def of(cls, competition_round: CompetitionRound, entries: tuple[Entry, ...]) -> RoundView:
        return cls(
            id=competition_round.id,
            version=competition_round.version,
            season_id=competition_round.season_id,
            number=competition_round.number,
            name=competition_round.name,
            status=competition_round.status,
            cut_size=competition_round.cut_size,
            final=competition_round.final,
            opens_at=competition_round.opens_at,
            closes_at=competition_round.closes_at,
            entries=entries,
            has_result=competition_round.has_result,
        )


@attrs.frozen
class RankedEntry:
    standing: Standing
    title: str
    artist: Byline


@attrs.frozen
class RoundResult:
    round_id: UUID
    number: int
    final: bool
    weighting: Weighting
    cut_size: int
    standings: tuple[RankedEntry, ...]
    advancing: tuple[UUID, ...]
    winners: tuple[Winner, ...]
    late_ballots: int
    late_scores: int


@attrs.frozen
class LiveEntry:
    standing: PopularityStanding
    title: str
    artist: Byline


@attrs.frozen
class LiveStandings:
    """An open round's popularity so far, as the formula will count it; the judges' part is
    hidden until the close (``judges_percent`` says how much of the total it will weigh)."""

    round_id: UUID
    number: int
    weighting: Weighting
    standings: tuple[LiveEntry, ...]
    as_of: datetime
    closes_at: datetime

    @property
    def judges_percent(self) -> int:
        return 100 - self.weighting.popularity_percent


@attrs.frozen
class BallotReceipt:
    ballot_id: UUID
    round_id: UUID
    track_id: UUID
    cast_at: datetime
    replayed: bool  # a retry with the same Idempotency-Key: the original answer


@attrs.frozen
class ScoreReceipt:
    score_id: UUID
    round_id: UUID
    track_id: UUID
    value: int
    given_at: datetime


#: An entry's outcome in a round, in an artist's list of the seasons it entered.
NOT_ENTERED, PENDING, ADVANCED, ELIMINATED, WON = (
    "not entered",
    "pending",
    "advanced",
    "eliminated",
    "won",
)


@attrs.frozen
class RoundStanding:
    """Where an artist's entry stands in one round of a season: not entered (it did not
    reach the round), pending (no result yet), advanced, eliminated, or won (the final)."""

    round_id: UUID
    number: int
    name: str
    status: RoundStatus
    final: bool
    outcome: str
    rank: int | None = None
    total: str | None = None  # the entry's total score, rounded for display
    prize: str | None = None

    @classmethod
    def of(cls, competition_round: CompetitionRound, track_id: UUID) -> RoundStanding:
        standing = cls(
            round_id=competition_round.id,
            number=competition_round.number,
            name=competition_round.name,
            status=competition_round.status,
            final=competition_round.final,
            outcome=PENDING,
        )
        if track_id not in competition_round.entrants:
            return attrs.evolve(standing, outcome=NOT_ENTERED)
        if competition_round.standings is None:
            return standing
        line = next(s for s in competition_round.standings if s.track_id == track_id)
        prize = next((w.prize for w in competition_round.winners if w.track_id == track_id), None)
        if competition_round.final and prize is not None:
            outcome = WON
        else:
            outcome = ADVANCED if line.advances else ELIMINATED
        return attrs.evolve(
            standing, outcome=outcome, rank=line.rank, total=line.total, prize=prize
        )


@attrs.frozen
class EnteredSeason:
    """A season an artist entered, the track it entered, and its standing in each round."""

    season: SeasonView
    track_id: UUID
    rounds: tuple[RoundStanding, ...]


@attrs.frozen
class SheetLine:
    """One entry of a round as its judge sees it: the judge's own score once given (no other
    judge's), or why the judge may not score it (a conflict of interest)."""

    entry: Entry
    score: int | None
    conflict: str | None = None


@attrs.frozen
class ScoreSheet:
    """A judge's sheet for one round: the round, and each entry with the judge's own score.
    Other judges' scores are never on it (they stay hidden until the close)."""

    round: RoundView
    season_name: str
    partner: str
    lines: tuple[SheetLine, ...]


@attrs.frozen
class RisingArtist:
    """An artist entered in a season as the season's partners see it: its track, the videos
    using it, the ballots it has had in the season's rounds, and its outcome in each round."""

    artist: Byline
    region: str
    track_id: UUID
    title: str
    genre: str | None
    uses: int
    votes: int
    rounds: tuple[RoundStanding, ...]
