"""Viewers' ballots and judges' scores: each its own small aggregate with a derived id.

The rules are one ballot per voter per round: a voter backs one entry in each round and cannot
change it; and no artist votes for their own entry (whatever role the artist's account votes
in), refused as ``OwnEntry``. The ballot's id is ``uuid5(round, voter)``, so the store's
uniqueness of (aggregate id, version) refuses a second ballot even when two workers race to
record it, and no two voters ever contend for the same aggregate. A score's id is
``uuid5(round, judge, entry)``: each judge scores each entry at most once.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.music.artists import Artist
from domain.music.rounds import CompetitionRound
from domain.music.standings import MAX_SCORE, MIN_SCORE
from domain.time import checked_instant

MAX_KEY = 200
_BALLOTS = uuid5(NAMESPACE_URL, "urn:spotlight:ballot")
_SCORES = uuid5(NAMESPACE_URL, "urn:spotlight:judge-score")


class OwnEntry(RuleViolated):
    """An artist may not vote for their own entry."""


class Ballot(DomainAggregate):
    TOPIC = "spotlight.ballots:Ballot"

    class Cast(Aggregate.Created):
        TOPIC = "spotlight.ballots:BallotCast"
        round_id: UUID
        voter: str
        track_id: UUID
        idempotency_key: str
        cast_at: datetime

    @staticmethod
    def id_for(round_id: UUID, voter: str) -> UUID:
        return uuid5(_BALLOTS, f"{round_id}/{voter}")

    @classmethod
    def cast(
        cls,
        competition_round: CompetitionRound,
        *,
        voter: str,
        voter_account: str,
        track_id: UUID,
        idempotency_key: str = "",
        at: datetime,
    ) -> Ballot:
        """``voter`` is how the ballot names who cast it; ``voter_account`` is the account
        behind it, compared with the entry's artist."""
        competition_round.require_open()
        entrant = competition_round.require_entrant(track_id)
        if not voter or not voter_account:
            raise InvalidValue("a ballot is cast by a voter")
        if entrant.artist_account == voter_account:
            raise OwnEntry(
                f"track {track_id} is your own entry; an artist may not vote for their own entry"
            )
        if len(idempotency_key) > MAX_KEY:
            raise InvalidValue(f"an idempotency key has at most {MAX_KEY} characters")
        return cls(
            id=cls.id_for(competition_round.id, voter),
            round_id=competition_round.id,
            voter=voter,
            track_id=track_id,
            idempotency_key=idempotency_key,
            cast_at=checked_instant(at),
        )

    @event(Cast)
    def __init__(
        self,
        id: UUID,
        round_id: UUID,
        voter: str,
        track_id: UUID,
        idempotency_key: str,
        cast_at: datetime,
    ) -> None:
        self.round_id = round_id
        self.voter = voter
        self.track_id = track_id
        self.idempotency_key = idempotency_key
        self.cast_at = cast_at


class Score(DomainAggregate):
    TOPIC = "spotlight.ballots:JudgeScore"

    class Given(Aggregate.Created):
        TOPIC = "spotlight.ballots:ScoreGiven"
        round_id: UUID
        judge_id: str
        partner: str
        track_id: UUID
        value: int
        given_at: datetime

    @staticmethod
    def id_for(round_id: UUID, judge_id: str, track_id: UUID) -> UUID:
        return uuid5(_SCORES, f"{round_id}/{judge_id}/{track_id}")

    @classmethod
    def give(
        cls,
        competition_round: CompetitionRound,
        *,
        judge_id: str,
        track_id: UUID,
        value: int,
        artist: Artist,
        at: datetime,
    ) -> Score:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue("a score is a whole number")
        if not MIN_SCORE <= value <= MAX_SCORE:
            raise InvalidValue(f"a score lies between {MIN_SCORE} and {MAX_SCORE}, not {value}")
        competition_round.require_open()
        entrant = competition_round.require_entrant(track_id)
        if entrant.artist_account != artist.account:
            raise InvalidValue(f"track {track_id} is not by artist {artist.account}")
        judge = competition_round.require_judge_may_score(judge_id, artist)
        return cls(
            id=cls.id_for(competition_round.id, judge_id, track_id),
            round_id=competition_round.id,
            judge_id=judge_id,
            partner=judge.partner,
            track_id=track_id,
            value=value,
            given_at=checked_instant(at),
        )

    @event(Given)
    def __init__(
        self,
        id: UUID,
        round_id: UUID,
        judge_id: str,
        partner: str,
        track_id: UUID,
        value: int,
        given_at: datetime,
    ) -> None:
        self.round_id = round_id
        self.judge_id = judge_id
        self.partner = partner
        self.track_id = track_id
        self.value = value
        self.given_at = given_at
