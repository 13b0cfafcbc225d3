"""Seasons and their rounds: entries, ballots, judges' scores, closing and results.

Ballots and scores are aggregates of their own with derived ids, so voters never contend
with each other and the store itself refuses a second ballot from one voter in one round.
Closing is two steps in the log: ``RoundClosed`` freezes the round (what the log holds after
it is late), then ``RoundResultRecorded`` ranks the entries on the tallies frozen at the
close and seeds the next round with those that advance. A close interrupted between the two
is completed by closing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from application.auth import Principal, Role, acting_for, require_role
from application.errors import NotFound, NotPermitted, StaleVersion
from application.idempotency import answer_again
from application.logs import MusicLog
from application.music.music import Discovery
from application.music.music_views import (
    BallotReceipt,
    Entry,
    RankedEntry,
    RoundResult,
    RoundView,
    ScoreReceipt,
    SeasonView,
)
from application.music.usage_detection import UsageDetection
from application.paging import KeysetCursors, Page, int_at, limited, uuid_at
from application.ports import Clock, IdentityProvider
from domain.errors import RuleViolated
from domain.music.artists import checked_region
from domain.music.ballots import Ballot, Score
from domain.music.rounds import CompetitionRound, Judge, Prize, RoundNotOpen, RoundStatus
from domain.music.seasons import RoundPlan, Season
from domain.music.standings import Weighting
from domain.music.tracks import Track

VOTERS = (Role.VIEWER, Role.CREATOR, Role.ARTIST)
ENTRY_ATTEMPTS = 5

SEASONS = KeysetCursors("seasons", int, UUID)


class AlreadyVoted(RuleViolated):
    """The voter has a ballot in this round already (one ballot per voter per round)."""


class AlreadyScored(RuleViolated):
    """The judge has scored this entry in this round already."""


class BallotTooLate(RoundNotOpen):
    """The round closed before the ballot reached the log; it is recorded but not counted."""


class ScoreTooLate(RoundNotOpen):
    """The round closed before the score reached the log; it is recorded but not counted."""


class Competition:
    def __init__(
        self,
        music: MusicLog,
        *,
        discovery: Discovery,
        usage: UsageDetection,
        clock: Clock,
        identities: IdentityProvider,
    ) -> None:
        self.music = music
        self.discovery = discovery
        self.usage = usage
        self.read = discovery.read
        self.clock = clock
        self.identities = identities

    # Seasons ----------------------------------------------------------------------------

    def announce_season(
        self,
        actor: Principal,
        *,
        name: str,
        region: str,
        partners: Sequence[str],
        judges: Sequence[Judge],
        rounds: Sequence[RoundPlan],
        prizes: Sequence[Prize] = (),
        weighting: Weighting | None = None,
    ) -> SeasonView:
        require_role(actor, Role.ADMIN, doing="announce a season")
        season, scheduled = Season.announce(
            self.identities.new_id(),
            name=name,
            region=region,
            partners=partners,
            judges=judges,
            rounds=rounds,
            prizes=prizes,
            weighting=weighting,
            by=actor.label,
            at=self.clock.now(),
        )
        self.music.commit(season, *scheduled)
        return SeasonView.of(season)

    def season(self, season_id: UUID) -> SeasonView:
        return SeasonView.of(self.music.load(Season, season_id))

    def seasons(
        self, *, region: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[SeasonView]:
        """The seasons (of ``region``, if named) with their rounds, in the order announced
        (anyone may read them); one announced meanwhile comes at the end."""
        key = SEASONS.decode(cursor)
        size = limited(limit)
        region = None if region is None else checked_region(region)
        after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
        rows = self.read.fresh().seasons(region=region, after=after, limit=size + 1)
        page = SEASONS.page(rows, size, lambda row: row)
        return Page(
            tuple(SeasonView.of(self.music.load(Season, season_id)) for _, season_id in page.items),
            page.next_cursor,
        )

    def enter(
        self, actor: Principal, season_id: UUID, track_id: UUID, *, artist: str | None = None
    ) -> RoundView:
        """Enter a cleared track of one's own into the season's first round."""
        account = acting_for(actor, artist, Role.ARTIST, doing="enter a season")
        season = self.music.load(Season, season_id)
        track = self.music.load(Track, track_id)
        if track.artist_account != account:
            raise NotPermitted(f"track {track_id} is not by artist {account}")
        entrant_artist = self.discovery.artist_aggregate(account)
        for attempt in range(ENTRY_ATTEMPTS):
            first = self.music.load(CompetitionRound, season.round_ids[0])
            first.admit(track, entrant_artist, at=self.clock.now())
            try:
                self.music.commit(first)
            except StaleVersion:
                if attempt == ENTRY_ATTEMPTS - 1:
                    raise
                continue  # another entry was admitted at the same moment; try again
            return self._round_view(first)
        raise AssertionError("unreachable")  # pragma: no cover

    # Rounds -----------------------------------------------------------------------------

    def round(self, round_id: UUID) -> RoundView:
        return self._round_view(self.music.read(CompetitionRound, round_id))

    def open_round(self, actor: Principal, round_id: UUID) -> RoundView:
        require_role(actor, Role.ADMIN, doing="open a round")
        competition_round = self.music.load(CompetitionRound, round_id)
        competition_round.open(by=actor.label, at=self.clock.now())
        self.music.commit(competition_round)
        return self._round_view(competition_round)

    def cast_ballot(
        self, actor: Principal, round_id: UUID, track_id: UUID, *, idempotency_key: str = ""
    ) -> BallotReceipt:
        """One ballot per voter per round; a retry with the same key gets the same answer."""
        require_role(actor, *VOTERS, doing="vote")
        previous = self.music.find(Ballot, Ballot.id_for(round_id, actor.label))
        if previous is not None:
            return self._repeat(previous, track_id, idempotency_key)
        competition_round = self.music.read(CompetitionRound, round_id)
        ballot = Ballot.cast(
            competition_round,
            voter=actor.label,
            track_id=track_id,
            idempotency_key=idempotency_key,
            at=self.clock.now(),
        )
        try:
            self.music.commit(ballot)
        except StaleVersion:
            # The same voter's other request was recorded first.
            winner = self.music.load(Ballot, ballot.id)
            return self._repeat(winner, track_id, idempotency_key)
        self._refuse_if_late(ballot)
        return _receipt(ballot, replayed=False)

    def _refuse_if_late(self, ballot: Ballot) -> None:
        if self._round_open_after(ballot.round_id):
            return
        if self.read.catch_up().is_late_ballot(ballot.round_id, ballot.id):
            raise BallotTooLate(
                "the round closed just before your ballot was recorded; it is not counted"
            )

    def _round_open_after(self, round_id: UUID) -> bool:
        """Whether the round is still open now that a ballot or score is in the log: then its
        close, if any, comes after it in the log, and the read model need not be asked (nor
        brought up to date) to know it is counted."""
        return self.music.read(CompetitionRound, round_id).is_open

    def _repeat(self, ballot: Ballot, track_id: UUID, idempotency_key: str) -> BallotReceipt:
        return answer_again(
            ballot,
            same_key=bool(idempotency_key) and ballot.idempotency_key == idempotency_key,
            same_request=ballot.track_id == track_id,
            answer=self._receipt_again,
            key_reused=lambda: AlreadyVoted(
                "this Idempotency-Key was used for a ballot for another entry"
            ),
            done_once=lambda: AlreadyVoted(
                f"you have voted in this round already (for track {ballot.track_id}); "
                "a voter has one ballot per round"
            ),
        )

    def _receipt_again(self, ballot: Ballot) -> BallotReceipt:
        self._refuse_if_late(ballot)  # the original answer, whatever it was
        return _receipt(ballot, replayed=True)

    def give_score(
        self, actor: Principal, round_id: UUID, track_id: UUID, value: int
    ) -> ScoreReceipt:
        require_role(actor, Role.JUDGE, doing="score an entry")
        competition_round = self.music.read(CompetitionRound, round_id)
        if competition_round.judge(actor.subject) is None:
            raise NotPermitted(f"{actor.subject} does not sit on the panel of this season")
        entrant = competition_round.require_entrant(track_id)
        artist = self.discovery.artist_aggregate(entrant.artist_account)
        score = Score.give(
            competition_round,
            judge_id=actor.subject,
            track_id=track_id,
            value=value,
            artist=artist,
            at=self.clock.now(),
        )
        if self.music.find(Score, score.id) is not None:
            raise AlreadyScored(f"you have scored track {track_id} in this round already")
        try:
            self.music.commit(score)
        except StaleVersion:
            raise AlreadyScored(f"you have scored track {track_id} in this round already") from None
        if not self._round_open_after(round_id) and self.read.catch_up().is_late_score(
            round_id, score.id
        ):
            raise ScoreTooLate(
                "the round closed just before your score was recorded; it is not counted"
            )
        return ScoreReceipt(
            score_id=score.id,
            round_id=round_id,
            track_id=track_id,
            value=score.value,
            given_at=score.given_at,
        )

    def close_round(self, actor: Principal, round_id: UUID) -> RoundResult:
        """Freeze the round, rank it, and seed the next round with those who advance."""
        require_role(actor, Role.ADMIN, doing="close a round")
        competition_round = self.music.load(CompetitionRound, round_id)
        if competition_round.is_open:
            # Count the videos published so far before the tallies freeze.
            self.usage.run_to_completion()
            competition_round.close(by=actor.label, at=self.clock.now())
            self.music.commit(competition_round)
        elif competition_round.status is not RoundStatus.CLOSED:
            raise RoundNotOpen(f"round {competition_round.number} has not opened yet")
        elif competition_round.has_result:
            raise RuleViolated(f"round {competition_round.number} is closed and has its result")
        frozen = self.read.catch_up().count_of(round_id).frozen
        assert frozen is not None, "a closed round's tallies are frozen by its close"
        competition_round.record_result(frozen, at=self.clock.now())
        to_save: list[CompetitionRound] = [competition_round]
        if not competition_round.final:
            following = self.music.load(
                CompetitionRound,
                CompetitionRound.id_for(competition_round.season_id, competition_round.number + 1),
            )
            following.seed(competition_round.advancing_entrants(), at=self.clock.now())
            to_save.append(following)
        self.music.commit(*to_save)
        return self.results(round_id)

    def results(self, round_id: UUID) -> RoundResult:
        competition_round = self.music.read(CompetitionRound, round_id)
        if competition_round.standings is None:
            raise NotFound("result of round", round_id)
        view = self.read.fresh()
        standings = competition_round.standings
        lines = view.lines(
            track_ids=[s.track_id for s in standings],
            accounts=[s.artist_account for s in standings],
        )
        late_ballots, late_scores = view.late_counts(round_id)
        return RoundResult(
            round_id=round_id,
            number=competition_round.number,
            final=competition_round.final,
            weighting=competition_round.weighting,
            cut_size=competition_round.cut_size,
            standings=tuple(
                RankedEntry(
                    standing=standing,
                    title=lines.title(standing.track_id),
                    artist=lines.byline(standing.artist_account),
                )
                for standing in standings
            ),
            advancing=competition_round.advancing,
            winners=competition_round.winners,
            late_ballots=late_ballots,
            late_scores=late_scores,
        )

    # Plumbing ---------------------------------------------------------------------------

    def _round_view(self, competition_round: CompetitionRound) -> RoundView:
        entrants = list(competition_round.entrants.values())
        lines = self.read.fresh().lines(
            track_ids=[e.track_id for e in entrants], accounts=[e.artist_account for e in entrants]
        )
        return RoundView.of(
            competition_round,
            tuple(
                Entry(
                    track_id=e.track_id,
                    title=lines.title(e.track_id),
                    artist=lines.byline(e.artist_account),
                )
                for e in entrants
            ),
        )


def _receipt(ballot: Ballot, *, replayed: bool) -> BallotReceipt:
    return BallotReceipt(
        ballot_id=ballot.id,
        round_id=ballot.round_id,
        track_id=ballot.track_id,
        cast_at=ballot.cast_at,
        replayed=replayed,
    )
