"""Seasons and their rounds: entries, ballots, judges' scores, closing and results.

Ballots and scores are aggregates of their own with derived ids, so voters never contend
with each other and the store itself refuses a second ballot from one voter in one round.
Closing is two steps in the log: ``RoundClosed`` freezes the round (what the log holds after
it is late), then ``RoundResultRecorded`` ranks the entries on the tallies frozen at the
close and seeds the next round with those that advance. A close interrupted between the two
is completed by closing again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

from application.auth import Principal, Role, acting_for, require_role, whose_list
from application.errors import NotFound, NotPermitted, StaleVersion
from application.idempotency import answer_again
from application.logs import MusicLog
from application.music.music import Discovery
from application.music.music_views import (
    BallotReceipt,
    EnteredSeason,
    Entry,
    LiveEntry,
    LiveStandings,
    RankedEntry,
    RisingArtist,
    RoundResult,
    RoundStanding,
    RoundView,
    ScoreReceipt,
    ScoreSheet,
    SeasonView,
    SheetLine,
)
from application.music.partner_rising import PartnerRising, across_csv, across_seasons
from application.music.season_field import CSV_PAGE, field_csv
from application.music.usage_detection import UsageDetection
from application.paging import KeysetCursors, Page, int_at, limited, uuid_at
from application.ports import Clock, IdentityProvider
from domain.errors import RuleViolated
from domain.music.artists import checked_region, partner_key
from domain.music.ballots import Ballot, Score
from domain.music.genres import checked_genre
from domain.music.rounds import (
    SCHEDULE,
    CompetitionRound,
    ConflictOfInterest,
    Judge,
    Prize,
    RoundNotOpen,
    RoundStatus,
)
from domain.music.seasons import RoundPlan, Season
from domain.music.standings import Tally, Weighting, popularity_standings
from domain.music.tracks import Track

VOTERS = (Role.VIEWER, Role.CREATOR, Role.ARTIST)
ENTRY_ATTEMPTS = 5

SEASONS = KeysetCursors("seasons", int, UUID)
ARTIST_SEASONS = KeysetCursors("artist seasons", int, UUID)
JUDGE_SEASONS = KeysetCursors("judge seasons", int, UUID)
SEASON_FIELD = KeysetCursors("season field", int, UUID)
#: How many seasons one read of the read model brings while looking for a judge's.
_SEASONS_SCANNED = 100


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
        self._music = music
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
        """An admin announces a season: its region, partners, judges, rounds (scheduled with it),
        prizes and score weighting."""
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
        self._music.commit(season, *scheduled)
        return SeasonView.of(season)

    def season(self, season_id: UUID) -> SeasonView:
        """A season as a view (anyone may read it); an unknown season is ``NotFound``."""
        return SeasonView.of(self._music.load(Season, season_id))

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
            tuple(
                SeasonView.of(self._music.load(Season, season_id)) for _, season_id in page.items
            ),
            page.next_cursor,
        )

    def artist_seasons(
        self,
        actor: Principal,
        account: str | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[EnteredSeason]:
        """The seasons an artist (none named: the actor's own) entered, in the order it
        entered them, each with its rounds and where the artist's entry stands in each."""
        account = whose_list(actor, Role.ARTIST, account, "the seasons it entered")
        key = ARTIST_SEASONS.decode(cursor)
        size = limited(limit)
        after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
        rows = self.read.fresh().seasons_entered(account, after=after, limit=size + 1)
        page = ARTIST_SEASONS.page(rows, size, lambda row: (row[0], row[1]))
        return Page(
            tuple(self._entered(season_id, track_id) for _, season_id, track_id in page.items),
            page.next_cursor,
        )

    def judge_seasons(
        self, actor: Principal, *, limit: int = 50, cursor: str | None = None
    ) -> Page[SeasonView]:
        """The seasons whose panel the judge (the actor) sits on, in the order announced
        (the read model keeps each season's panel by judge)."""
        require_role(actor, Role.JUDGE, doing="list the seasons it judges")
        key = JUDGE_SEASONS.decode(cursor)
        size = limited(limit)
        after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
        rows = self.read.fresh().seasons_judged(actor.subject, after=after, limit=size + 1)
        page = JUDGE_SEASONS.page(rows, size, lambda row: row)
        return Page(
            tuple(SeasonView.of(self._music.load(Season, season)) for _, season in page.items),
            page.next_cursor,
        )

    def score_sheet(self, actor: Principal, round_id: UUID) -> ScoreSheet:
        """A judge's sheet for a round of a season it judges: each entry with the judge's own
        score, if given, or the conflict of interest that keeps the judge from scoring it. A
        judge off the season's panel is ``NotPermitted``; other judges' scores never show."""
        require_role(actor, Role.JUDGE, doing="read a score sheet")
        competition_round = self._music.read(CompetitionRound, round_id)
        judge = competition_round.judge(actor.subject)
        if judge is None:
            raise NotPermitted(f"{actor.subject} does not sit on the panel of this season")
        view = self._round_view(competition_round)
        lines = []
        for entry in view.entries:
            given = self._music.find(Score, Score.id_for(round_id, actor.subject, entry.track_id))
            conflict = None
            try:
                competition_round.require_judge_may_score(
                    actor.subject, self.discovery.artist_aggregate(entry.artist.account)
                )
            except ConflictOfInterest as refused:
                conflict = str(refused)
            lines.append(
                SheetLine(
                    entry=entry, score=None if given is None else given.value, conflict=conflict
                )
            )
        season = self._music.read(Season, competition_round.season_id)
        return ScoreSheet(
            round=view, season_name=season.name, partner=judge.partner, lines=tuple(lines)
        )

    def season_field(
        self,
        actor: Principal,
        season_id: UUID,
        *,
        region: str | None = None,
        genre: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[RisingArtist]:
        """The artists entered in a season, for its partners: each with its track (filed
        under ``genre``, of an artist of ``region``, where named), the videos using it, its
        ballots so far and its outcome in every round, in the order entered. A partner is
        seen through the judge who represents it on the panel; admins and auditors read any
        season's. Another judge is ``NotPermitted``."""
        require_role(actor, Role.JUDGE, Role.ADMIN, Role.AUDITOR, doing="read a season's field")
        season = self._music.load(Season, season_id)
        if actor.role is Role.JUDGE and not any(j.judge_id == actor.subject for j in season.judges):
            raise NotPermitted(f"{actor.subject} does not sit on the panel of this season")
        return self._field_of(season, region=region, genre=genre, limit=limit, cursor=cursor)

    def _field_of(
        self,
        season: Season,
        *,
        region: str | None,
        genre: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[RisingArtist]:
        """A page of the season's field, whoever asked (``season_field`` has checked)."""
        key = SEASON_FIELD.decode(cursor)
        size = limited(limit)
        after = None if key is None else (int_at(key, 0), uuid_at(key, 1))
        region = None if region is None else checked_region(region)
        filed_under = checked_genre(genre)
        rows = self.read.fresh().season_field(
            season.id,
            region=region,
            genre=None if filed_under is None else filed_under.value,
            after=after,
            limit=size + 1,
        )
        page = SEASON_FIELD.page(rows, size, lambda line: (line.key, line.track.track_id))
        rounds = [self._music.read(CompetitionRound, r) for r in season.round_ids]
        return Page(
            tuple(
                RisingArtist(
                    artist=line.byline,
                    region=line.artist.region,
                    track_id=line.track.track_id,
                    title=line.track.title,
                    genre=line.track.genre,
                    uses=line.uses,
                    votes=line.votes,
                    rounds=tuple(RoundStanding.of(r, line.track.track_id) for r in rounds),
                )
                for line in page.items
            ),
            page.next_cursor,
        )

    def rising_artists(
        self,
        actor: Principal,
        *,
        partner: str | None = None,
        region: str | None = None,
        genre: str | None = None,
    ) -> PartnerRising:
        """A label partner's rising artists across its seasons: every artist entered in a
        season the partner is named on (of ``region``, with tracks filed under ``genre``,
        where named), one line each with its showing season by season and its figures
        summed (``application.music.partner_rising``). A judge reads for the partners it
        represents on a panel (``partner``: one of them; another is ``NotPermitted``);
        admins and auditors for ``partner``, or for every season when none is named."""
        require_role(actor, Role.JUDGE, Role.ADMIN, Role.AUDITOR, doing="read rising artists")
        seasons = self._all_seasons()
        if actor.role is Role.JUDGE:
            represented = tuple(
                dict.fromkeys(
                    judge.partner
                    for season in seasons
                    for judge in season.judges
                    if judge.judge_id == actor.subject
                )
            )
            if partner is not None and partner_key(partner) not in map(partner_key, represented):
                raise NotPermitted(f"{actor.subject} does not represent {partner!r} on a panel")
            partners = represented if partner is None else (partner,)
        else:
            partners = () if partner is None else (partner,)
        keys = {partner_key(name) for name in partners}
        chosen = [
            season
            for season in seasons
            if (not keys and actor.role is not Role.JUDGE)
            or keys & {partner_key(name) for name in season.partners}
        ]

        def field(season: Season) -> Iterator[RisingArtist]:
            cursor: str | None = None
            while True:
                page = self._field_of(
                    season, region=region, genre=genre, limit=CSV_PAGE, cursor=cursor
                )
                yield from page.items
                if page.next_cursor is None:
                    return
                cursor = page.next_cursor

        return PartnerRising(
            partners=partners,
            seasons=tuple(SeasonView.of(season) for season in chosen),
            artists=across_seasons((SeasonView.of(season), field(season)) for season in chosen),
        )

    def rising_artists_csv(
        self,
        actor: Principal,
        *,
        partner: str | None = None,
        region: str | None = None,
        genre: str | None = None,
    ) -> Iterator[str]:
        """``rising_artists`` as CSV lines (a header first), for the same readers; a refusal
        comes before the first line."""
        rising = self.rising_artists(actor, partner=partner, region=region, genre=genre)
        return across_csv(rising.artists)

    def _all_seasons(self) -> list[Season]:
        """Every season, in the order announced."""
        view = self.read.fresh()
        seasons: list[Season] = []
        after: tuple[int, UUID] | None = None
        while True:
            rows = view.seasons(region=None, after=after, limit=_SEASONS_SCANNED)
            seasons.extend(self._music.load(Season, season_id) for _, season_id in rows)
            if len(rows) < _SEASONS_SCANNED:
                return seasons
            after = rows[-1]

    def season_field_csv(
        self,
        actor: Principal,
        season_id: UUID,
        *,
        region: str | None = None,
        genre: str | None = None,
    ) -> Iterator[str]:
        """The whole field of ``season_field`` as CSV lines (a header first), for the same
        readers; a refusal comes before the first line."""

        def page(cursor: str | None) -> Page[RisingArtist]:
            return self.season_field(
                actor, season_id, region=region, genre=genre, limit=CSV_PAGE, cursor=cursor
            )

        return field_csv(page(None), page)

    def _entered(self, season_id: UUID, track_id: UUID) -> EnteredSeason:
        season = self._music.load(Season, season_id)
        return EnteredSeason(
            season=SeasonView.of(season),
            track_id=track_id,
            rounds=tuple(
                RoundStanding.of(self._music.read(CompetitionRound, round_id), track_id)
                for round_id in season.round_ids
            ),
        )

    def enter(
        self, actor: Principal, season_id: UUID, track_id: UUID, *, artist: str | None = None
    ) -> RoundView:
        """Enter a cleared track of one's own into the season's first round."""
        account = acting_for(actor, artist, Role.ARTIST, doing="enter a season")
        season = self._music.load(Season, season_id)
        track = self._music.load(Track, track_id)
        if track.artist_account != account:
            raise NotPermitted(f"track {track_id} is not by artist {account}")
        entrant_artist = self.discovery.artist_aggregate(account)
        for attempt in range(ENTRY_ATTEMPTS):
            first = self._music.load(CompetitionRound, season.round_ids[0])
            first.admit(track, entrant_artist, at=self.clock.now())
            try:
                self._music.commit(first)
            except StaleVersion:
                if attempt == ENTRY_ATTEMPTS - 1:
                    raise
                continue  # another entry was admitted at the same moment; try again
            return self._round_view(first)
        raise AssertionError("unreachable")  # pragma: no cover

    # Rounds -----------------------------------------------------------------------------

    def round(self, round_id: UUID) -> RoundView:
        """A round as a view (anyone may read it); an unknown round is ``NotFound``."""
        return self._round_view(self._music.read(CompetitionRound, round_id))

    def open_round(self, actor: Principal, round_id: UUID, *, reason: str = "") -> RoundView:
        """An admin opens a scheduled round for voting and scoring; before its planned time
        only with a reason (``EarlyWithoutReason``), which is recorded. The schedule opens it
        on time otherwise (``RoundSchedule``)."""
        require_role(actor, Role.ADMIN, doing="open a round")
        return self._open(round_id, by=actor.label, reason=reason)

    def _open(self, round_id: UUID, *, by: str, reason: str) -> RoundView:
        competition_round = self._music.load(CompetitionRound, round_id)
        competition_round.open(by=by, at=self.clock.now(), reason=reason)
        self._music.commit(competition_round)
        return self._round_view(competition_round)

    def cast_ballot(
        self, actor: Principal, round_id: UUID, track_id: UUID, *, idempotency_key: str = ""
    ) -> BallotReceipt:
        """One ballot per voter per round; a retry with the same key gets the same answer. An
        artist voting for their own entry (in any role) is ``OwnEntry``."""
        require_role(actor, *VOTERS, doing="vote")
        previous = self._music.find(Ballot, Ballot.id_for(round_id, actor.label))
        if previous is not None:
            return self._repeat(previous, track_id, idempotency_key)
        competition_round = self._music.read(CompetitionRound, round_id)
        ballot = Ballot.cast(
            competition_round,
            voter=actor.label,
            voter_account=actor.subject,
            track_id=track_id,
            idempotency_key=idempotency_key,
            at=self.clock.now(),
        )
        try:
            self._music.commit(ballot)
        except StaleVersion:
            # The same voter's other request was recorded first.
            winner = self._music.load(Ballot, ballot.id)
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
        return self._music.read(CompetitionRound, round_id).is_open

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
        """A judge on the season's panel scores an entry of a round, once. Refuses a judge off the
        panel (``NotPermitted``), a track not entered (``NotAnEntrant``), a second score
        (``AlreadyScored``), and a score recorded after the round closed (``ScoreTooLate``)."""
        require_role(actor, Role.JUDGE, doing="score an entry")
        competition_round = self._music.read(CompetitionRound, round_id)
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
        if self._music.find(Score, score.id) is not None:
            raise AlreadyScored(f"you have scored track {track_id} in this round already")
        try:
            self._music.commit(score)
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

    def close_round(self, actor: Principal, round_id: UUID, *, reason: str = "") -> RoundResult:
        """Freeze the round, rank it, and seed the next round with those who advance; before
        its planned time only with a reason (``EarlyWithoutReason``), which is recorded. The
        schedule closes it on time otherwise (``RoundSchedule``)."""
        require_role(actor, Role.ADMIN, doing="close a round")
        return self._close(round_id, by=actor.label, reason=reason)

    def _close(self, round_id: UUID, *, by: str, reason: str) -> RoundResult:
        competition_round = self._music.load(CompetitionRound, round_id)
        if competition_round.is_open:
            # Count the videos published so far before the tallies freeze.
            self.usage.run_to_completion()
            competition_round.close(by=by, at=self.clock.now(), reason=reason)
            self._music.commit(competition_round)
        elif competition_round.status is not RoundStatus.CLOSED:
            raise RoundNotOpen(f"round {competition_round.number} has not opened yet")
        elif competition_round.has_result:
            raise RuleViolated(f"round {competition_round.number} is closed and has its result")
        frozen = self.read.catch_up().count_of(round_id).frozen
        assert frozen is not None, "a closed round's tallies are frozen by its close"
        competition_round.record_result(frozen, at=self.clock.now())
        to_save: list[CompetitionRound] = [competition_round]
        if not competition_round.final:
            following = self._music.load(
                CompetitionRound,
                CompetitionRound.id_for(competition_round.season_id, competition_round.number + 1),
            )
            following.seed(competition_round.advancing_entrants(), at=self.clock.now())
            to_save.append(following)
        self._music.commit(*to_save)
        return self.results(round_id)

    def keep_schedule(self, round_id: UUID) -> str | None:
        """Open the round, or close it (ranking it and seeding the next), if its planned time
        has come by the clock, acting as ``SCHEDULE``; what it did, or None when the round
        is not due (an admin acted first, or its time has not come)."""
        competition_round = self._music.read(CompetitionRound, round_id)
        now = self.clock.now()
        if competition_round.is_due_to_open(now):
            self._open(round_id, by=SCHEDULE, reason="")
            return "opened"
        if competition_round.is_due_to_close(now):
            self._close(round_id, by=SCHEDULE, reason="")
            return "closed"
        return None

    def live_standings(self, round_id: UUID) -> LiveStandings:
        """An open round's popularity standings so far (votes and uses, as the published formula
        will count them), for anyone; the judges' scores stay hidden until the close. A round
        not open is ``RoundNotOpen`` (a closed round has its result instead)."""
        competition_round = self._music.read(CompetitionRound, round_id)
        if not competition_round.is_open:
            after = " (its result is published)" if competition_round.has_result else ""
            raise RoundNotOpen(
                f"round {competition_round.number} is {competition_round.status.value}, not "
                f"open{after}: live standings are shown while a round is open"
            )
        view = self.read.fresh()
        entrants = list(competition_round.entrants.values())
        track_ids = [e.track_id for e in entrants]
        count = view.count_of(round_id)
        lines = view.lines(
            track_ids=track_ids,
            accounts=[e.artist_account for e in entrants],
            uses_of=track_ids,
        )
        # Only votes and uses are handed to the formula: the scores never leave the read model.
        tallies = {t: Tally(votes=count.votes[t], uses=lines.uses.get(t, 0)) for t in track_ids}
        standings = popularity_standings(
            [(e.track_id, e.artist_account) for e in entrants],
            tallies,
            competition_round.weighting,
        )
        return LiveStandings(
            round_id=round_id,
            number=competition_round.number,
            weighting=competition_round.weighting,
            standings=tuple(
                LiveEntry(
                    standing=standing,
                    title=lines.title(standing.track_id),
                    artist=lines.byline(standing.artist_account),
                )
                for standing in standings
            ),
            as_of=self.clock.now(),
            closes_at=competition_round.closes_at,
        )

    def results(self, round_id: UUID) -> RoundResult:
        """A closed round's result (standings, who advances or wins, late ballots and scores);
        anyone may read it. A round whose result is not recorded yet is ``NotFound``."""
        competition_round = self._music.read(CompetitionRound, round_id)
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
