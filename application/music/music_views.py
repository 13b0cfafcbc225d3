"""Plain answers of the music services: no aggregate leaves the application."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from domain.music.artists import Artist
from domain.music.rounds import CompetitionRound, Judge, Prize, RoundStatus, Winner
from domain.music.seasons import RoundPlan, Season
from domain.music.standings import Standing, Weighting
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
        )


@attrs.frozen
class PlaylistItem:
    position: int
    track_id: UUID
    title: str
    artist: Byline
    uses: int
    cleared_at: datetime


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
