"""Read models of music discovery, persisted by the projection store in music log order.

What a round counts is decided here, by the order of the log: ballots and scores recorded
before the round's ``RoundClosed`` event are counted; those after it are late and only
counted as late. When the close is applied, each entry's tally (votes, uses of its track,
judges' scores) is frozen; the round's result is recorded from that frozen tally, so every
process, and every auditor replaying the log, arrives at the same numbers.

The rows live in the projection store (``MusicTables``, a port: ``adapters.projections.music``
holds them in SQL), written in the same transaction as the log position they reach, so a
restarted process applies nothing again and a crash mid-batch counts no vote twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.logs import MusicLog
from application.music.music_views import Byline
from application.projections import Batch, ProjectionRunner
from application.read_models import LogPositions
from domain.music.artists import Artist
from domain.music.ballots import Ballot, Score
from domain.music.rounds import CompetitionRound
from domain.music.seasons import Season
from domain.music.standings import Tally
from domain.music.track_usage import LIVE, TrackUse, UsageScan
from domain.music.tracks import Track, TrackStatus

#: The read model's name in the registry and the projection store (the auditor's replay
#: reports under it).
MUSIC_READ_MODEL = "music (artists, tracks, uses, tallies)"


@attrs.define
class ArtistLine:
    account: str
    name: str
    region: str
    verified: bool = False


@attrs.define
class TrackLine:
    track_id: UUID
    artist_account: str
    title: str
    status: TrackStatus
    submitted_at: datetime
    flagged: bool = False
    decided_at: datetime | None = None
    genre: str | None = None


@attrs.define
class RoundCount:
    """What one round has counted so far, and what it froze when it closed."""

    entrants: list[UUID] = attrs.field(factory=list)
    votes: Counter[UUID] = attrs.field(factory=Counter)
    score_sum: Counter[UUID] = attrs.field(factory=Counter)
    scores: Counter[UUID] = attrs.field(factory=Counter)
    closed: bool = False
    late_ballot_ids: set[UUID] = attrs.field(factory=set)
    late_score_ids: set[UUID] = attrs.field(factory=set)
    frozen: dict[UUID, Tally] | None = None


@attrs.frozen
class PlaylistLine:
    """A cleared track as the featured playlist shows it."""

    track: TrackLine
    uses: int
    artist: Byline
    decided_key: int = 0  # the clearance's microseconds since the epoch: the list's order


@attrs.frozen
class OwnTrackLine:
    """A track in the order it was submitted (``key``: microseconds since the epoch), with
    the videos found using it."""

    key: int
    track: TrackLine
    uses: int


@attrs.frozen
class FieldLine:
    """An artist entered in a season as its partners see it (``key``: microseconds since the
    epoch of the entry, the list's order): the track entered, the videos using it, and the
    ballots it has had in the season's rounds so far."""

    key: int
    track: TrackLine
    artist: ArtistLine
    uses: int
    votes: int

    @property
    def byline(self) -> Byline:
        return _byline(self.artist.account, self.artist)


@attrs.frozen
class VerificationRequestLine:
    """A request for verification awaiting an admin (``key``: microseconds since the epoch
    of the request, the queue's order)."""

    key: int
    artist_id: UUID
    account: str
    requested_at: datetime


@attrs.frozen
class Lines:
    """What one view of the services needs: some tracks, some artists, some tracks' uses."""

    tracks: Mapping[UUID, TrackLine]
    artists: Mapping[str, ArtistLine]
    uses: Mapping[UUID, int]

    def title(self, track_id: UUID) -> str:
        line = self.tracks.get(track_id)
        return line.title if line else ""

    def byline(self, account: str) -> Byline:
        return _byline(account, self.artists.get(account))


class MusicTables(Protocol):
    """The music read model's rows: written through a batch of the projection store, read
    at a generation. Each read is one transaction of its own."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # Writes (within the batch that moves the music log's position) ----------------------
    # They may be kept back until ``flush`` (or the batch's next read); the reads that take
    # the batch see them.

    def flush(self, batch: Batch) -> None:
        """Write what the batch's calls have kept back."""
        ...

    def add_artist(
        self, batch: Batch, artist_id: UUID, account: str, name: str, region: str
    ) -> None: ...

    def rename_artist(self, batch: Batch, artist_id: UUID, name: str, region: str) -> None: ...

    def badge_artist(self, batch: Batch, artist_id: UUID, verified: bool) -> None: ...

    def add_track(self, batch: Batch, line: TrackLine) -> None: ...

    def flag_track(self, batch: Batch, track_id: UUID, flagged: bool) -> None: ...

    def decide_track(
        self, batch: Batch, track_id: UUID, status: TrackStatus, at: datetime
    ) -> None: ...

    def record_use(self, batch: Batch, track_id: UUID, video_id: UUID) -> None:
        """Once per (track, video): a second detection of the same pair counts nothing."""
        ...

    def start_scan(self, batch: Batch, scan_id: UUID, scope: str) -> None: ...

    def finish_scan(self, batch: Batch, scan_id: UUID) -> None: ...

    def announce_season(
        self,
        batch: Batch,
        season_id: UUID,
        region: str,
        announced_at: datetime,
        judges: Sequence[str],
    ) -> None:
        """The season announced in ``region``, with the judges on its panel."""
        ...

    def seasons_page(
        self, generation: int, *, region: str | None, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID]]:
        """At most ``limit`` seasons (of ``region``, if named), each with the microseconds
        since the epoch of its announcement, in that order (then by id), after the key."""
        ...

    def schedule_round(
        self,
        batch: Batch,
        round_id: UUID,
        season_id: UUID,
        opens_at: datetime,
        closes_at: datetime,
    ) -> None:
        """A round of the season, counted from nothing, with its planned times."""
        ...

    def open_round(self, batch: Batch, round_id: UUID) -> None:
        """The round opened (its ballots and scores are counted from now on)."""
        ...

    def rounds_due(self, generation: int, now: datetime, *, limit: int) -> list[tuple[UUID, bool]]:
        """At most ``limit`` rounds whose planned time has come, each with whether it is due
        to close (else to open): scheduled rounds whose opening time is at or before ``now``,
        and open ones whose closing time is; earliest planned first."""
        ...

    def request_verification(self, batch: Batch, artist_id: UUID, requested_at: datetime) -> None:
        """The artist's request joins the admins' queue."""
        ...

    def settle_verification(self, batch: Batch, artist_id: UUID) -> None:
        """The artist's request was decided: it leaves the queue."""
        ...

    def verification_queue(
        self, generation: int, *, after: tuple[int, UUID] | None, limit: int | None
    ) -> list[VerificationRequestLine]:
        """Requests awaiting a decision, oldest first (then by artist id), at most ``limit``
        (none: all) after the key (requested, artist id)."""
        ...

    def enter_season(
        self,
        batch: Batch,
        round_id: UUID,
        artist_account: str,
        track_id: UUID,
        entered_at: datetime,
    ) -> None:
        """The artist entered the season of the (first) round with the track."""
        ...

    def seasons_judged(
        self, generation: int, judge: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID]]:
        """At most ``limit`` seasons whose panel the judge sits on, each with the microseconds
        since the epoch of its announcement, in that order (then by id), after the key."""
        ...

    def seasons_entered(
        self, generation: int, account: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID, UUID]]:
        """At most ``limit`` seasons the artist entered, each as (microseconds since the
        epoch of the entry, season, track entered), in that order (then by season), after
        the key."""
        ...

    def season_field(
        self,
        generation: int,
        season_id: UUID,
        *,
        region: str | None,
        genre: str | None,
        after: tuple[int, UUID] | None,
        limit: int,
    ) -> list[FieldLine]:
        """At most ``limit`` entries of the season (of artists of ``region``, tracks of
        ``genre``, where named) in the order entered (then by track), after the key."""
        ...

    def admit_entrant(self, batch: Batch, round_id: UUID, track_id: UUID) -> None: ...

    def seed_entrants(self, batch: Batch, round_id: UUID, track_ids: Sequence[UUID]) -> None: ...

    def closed_in(self, batch: Batch, round_id: UUID) -> bool:
        """Whether the batch has applied the round's close so far."""
        ...

    def counted_in(self, batch: Batch, round_id: UUID) -> RoundCount:
        """The round as the batch has counted it so far (its own writes included)."""
        ...

    def uses_in(self, batch: Batch, track_ids: Iterable[UUID]) -> dict[UUID, int]: ...

    def freeze_round(self, batch: Batch, round_id: UUID, frozen: Mapping[UUID, Tally]) -> None:
        """Close the round with the tallies it froze (in its entrants' order)."""
        ...

    def count(
        self,
        batch: Batch,
        round_id: UUID,
        track_id: UUID,
        *,
        votes: int,
        score_sum: int,
        scores: int,
    ) -> None:
        """Add to an entry's counted votes, sum of scores and number of scores."""
        ...

    def count_all(self, batch: Batch, counts: Mapping[tuple[UUID, UUID], Tally]) -> None:
        """``count`` each (round, track) entry's votes, score sum and scores (its ``uses``
        unused) in fewer statements."""
        ...

    def add_late(self, batch: Batch, round_id: UUID, kind: str, record_id: UUID) -> None:
        """A ballot or score (``kind``) recorded after its round closed."""
        ...

    # Reads ------------------------------------------------------------------------------

    def artist(self, generation: int, account: str) -> ArtistLine | None: ...

    def artists(self, generation: int) -> dict[str, ArtistLine]: ...

    def track_lines(self, generation: int, track_ids: Iterable[UUID]) -> dict[UUID, TrackLine]: ...

    def lines(
        self,
        generation: int,
        *,
        track_ids: Iterable[UUID] = (),
        accounts: Iterable[str] = (),
        uses_of: Iterable[UUID] = (),
    ) -> Lines:
        """Tracks, artists and uses of tracks in one question (one transaction)."""
        ...

    def tracks(self, generation: int) -> dict[UUID, TrackLine]: ...

    def uses(self, generation: int, track_ids: Iterable[UUID] | None = None) -> dict[UUID, int]:
        """Uses found of the given tracks (of every track with a use, by default)."""
        ...

    def recorded_uses(
        self, generation: int, pairs: Iterable[tuple[UUID, UUID]]
    ) -> set[tuple[UUID, UUID]]:
        """Those of the (track, video) pairs already recorded as uses."""
        ...

    def awaiting_review(
        self, generation: int, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[OwnTrackLine]:
        """Submitted tracks, oldest first (then by id), at most ``limit`` after the key
        (submitted, id)."""
        ...

    def tracks_of(
        self, generation: int, account: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[OwnTrackLine]:
        """An artist's tracks in the order submitted (then by id), at most ``limit`` after
        the key (submitted, id)."""
        ...

    def playlist(
        self,
        generation: int,
        *,
        region: str | None,
        after: tuple[int, int, UUID] | None,
        limit: int,
        genre: str | None = None,
    ) -> list[PlaylistLine]:
        """Cleared tracks (of artists of ``region``, if named; filed under ``genre``, if
        named), most used first, then newest cleared, then by id: at most ``limit`` after
        the key (uses, cleared, id)."""
        ...

    def cleared_without_scan(self, generation: int) -> list[UUID]:
        """Cleared tracks whose backfill scan has not started."""
        ...

    def scans(self, generation: int) -> tuple[set[str], set[str]]:
        """The scopes of the scans started, and of those finished."""
        ...

    def unfinished_scans(self, generation: int) -> set[str]: ...

    def count_of(self, generation: int, round_id: UUID) -> RoundCount: ...

    def rounds(self, generation: int) -> dict[UUID, RoundCount]: ...

    def is_late(self, generation: int, round_id: UUID, kind: str, record_id: UUID) -> bool: ...

    def late_counts(self, generation: int, round_id: UUID) -> dict[str, int]:
        """How many ballots and scores (by kind) came after the round closed."""
        ...


BALLOT = "ballot"
SCORE = "score"
#: The events that add to a round's tallies (or, after its close, to its late ones).
COUNTED = frozenset((Ballot.Cast.TOPIC, Score.Given.TOPIC))


class MusicReadModel:
    """The projection: what each event of the music log changes in the rows."""

    name = MUSIC_READ_MODEL
    # 2: tracks indexed by (artist, submitted, id), for an artist's list of tracks; the
    # seasons' rows, for the list of seasons. 3: each round's season, and the seasons each
    # artist entered (the artist's list of seasons). 4: each track's genre, and the
    # playlist indexed by it; the queue of requests for verification; each round's planned
    # times and whether it opened (the schedule pass). 5: each season's panel by judge (a
    # judge's list of seasons).
    version = 5

    def __init__(self, tables: MusicTables) -> None:
        self.tables = tables
        self._handlers = {
            Artist.Registered.TOPIC: self._artist_registered,
            Artist.ProfileUpdated.TOPIC: self._artist_updated,
            Artist.Verified.TOPIC: self._artist_verified,
            Artist.BadgeWithdrawn.TOPIC: self._badge_withdrawn,
            Artist.VerificationRequested.TOPIC: self._verification_requested,
            Artist.VerificationGranted.TOPIC: self._verification_granted,
            Artist.VerificationDeclined.TOPIC: self._verification_declined,
            Track.Submitted.TOPIC: self._track_submitted,
            Track.OriginalityChecked.TOPIC: self._originality_checked,
            Track.Cleared.TOPIC: self._track_cleared,
            Track.Rejected.TOPIC: self._track_rejected,
            TrackUse.Detected.TOPIC: self._use_detected,
            UsageScan.Started.TOPIC: self._scan_started,
            UsageScan.Finished.TOPIC: self._scan_finished,
            Season.Announced.TOPIC: self._season_announced,
            CompetitionRound.Scheduled.TOPIC: self._round_scheduled,
            CompetitionRound.EntryAdmitted.TOPIC: self._entry_admitted,
            CompetitionRound.EntrantsSeeded.TOPIC: self._entrants_seeded,
            CompetitionRound.Opened.TOPIC: self._round_opened,
            CompetitionRound.Closed.TOPIC: self._round_closed,
            Ballot.Cast.TOPIC: self._ballot_cast,
            Score.Given.TOPIC: self._score_given,
        }
        self.follows: Mapping[str, Sequence[str]] = {MusicLog.name: tuple(self._handlers)}

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event)
        self.tables.flush(batch)

    # Handlers ---------------------------------------------------------------------------

    def _artist_registered(self, batch: Batch, event: Any) -> None:
        self.tables.add_artist(batch, event.originator_id, event.account, event.name, event.region)

    def _artist_updated(self, batch: Batch, event: Any) -> None:
        self.tables.rename_artist(batch, event.originator_id, event.name, event.region)

    def _artist_verified(self, batch: Batch, event: Any) -> None:
        self.tables.badge_artist(batch, event.originator_id, True)

    def _badge_withdrawn(self, batch: Batch, event: Any) -> None:
        self.tables.badge_artist(batch, event.originator_id, False)

    def _verification_requested(self, batch: Batch, event: Any) -> None:
        self.tables.request_verification(batch, event.originator_id, event.requested_at)

    def _verification_granted(self, batch: Batch, event: Any) -> None:
        self.tables.settle_verification(batch, event.originator_id)
        self.tables.badge_artist(batch, event.originator_id, True)

    def _verification_declined(self, batch: Batch, event: Any) -> None:
        self.tables.settle_verification(batch, event.originator_id)

    def _track_submitted(self, batch: Batch, event: Any) -> None:
        self.tables.add_track(
            batch,
            TrackLine(
                track_id=event.originator_id,
                artist_account=event.artist_account,
                title=event.title,
                status=TrackStatus.SUBMITTED,
                submitted_at=event.submitted_at,
                genre=event.genre,
            ),
        )

    def _originality_checked(self, batch: Batch, event: Any) -> None:
        self.tables.flag_track(batch, event.originator_id, bool(event.resemblances))

    def _track_cleared(self, batch: Batch, event: Any) -> None:
        self.tables.decide_track(batch, event.originator_id, TrackStatus.CLEARED, event.cleared_at)

    def _track_rejected(self, batch: Batch, event: Any) -> None:
        self.tables.decide_track(
            batch, event.originator_id, TrackStatus.REJECTED, event.rejected_at
        )

    def _use_detected(self, batch: Batch, event: Any) -> None:
        self.tables.record_use(batch, event.track_id, event.video_id)

    def _scan_started(self, batch: Batch, event: Any) -> None:
        self.tables.start_scan(batch, event.originator_id, event.scope)

    def _scan_finished(self, batch: Batch, event: Any) -> None:
        self.tables.finish_scan(batch, event.originator_id)

    def _season_announced(self, batch: Batch, event: Any) -> None:
        self.tables.announce_season(
            batch,
            event.originator_id,
            event.region,
            event.announced_at,
            [judge.judge_id for judge in event.judges],
        )

    def _round_scheduled(self, batch: Batch, event: Any) -> None:
        self.tables.schedule_round(
            batch, event.originator_id, event.season_id, event.opens_at, event.closes_at
        )

    def _round_opened(self, batch: Batch, event: Any) -> None:
        self.tables.open_round(batch, event.originator_id)

    def _entry_admitted(self, batch: Batch, event: Any) -> None:
        entrant = event.entrant
        self.tables.admit_entrant(batch, event.originator_id, entrant.track_id)
        self.tables.enter_season(
            batch, event.originator_id, entrant.artist_account, entrant.track_id, event.admitted_at
        )

    def _entrants_seeded(self, batch: Batch, event: Any) -> None:
        self.tables.seed_entrants(
            batch, event.originator_id, [entrant.track_id for entrant in event.entrants]
        )

    def _round_closed(self, batch: Batch, event: Any) -> None:
        # The tallies are those of the log up to the close: the rows this batch has written
        # so far, never a later event's.
        count = self.tables.counted_in(batch, event.originator_id)
        uses = self.tables.uses_in(batch, count.entrants)
        frozen = {
            track_id: Tally(
                votes=count.votes[track_id],
                uses=uses.get(track_id, 0),
                score_sum=count.score_sum[track_id],
                scores=count.scores[track_id],
            )
            for track_id in count.entrants
        }
        self.tables.freeze_round(batch, event.originator_id, frozen)

    def _ballot_cast(self, batch: Batch, event: Any) -> None:
        self._count_together(batch, [event])

    def _score_given(self, batch: Batch, event: Any) -> None:
        self._count_together(batch, [event])

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """Each run of ballots and scores between other events is counted together: one
        write per entry rather than one per ballot, the effect of applying them in turn."""
        run: list[Any] = []
        for event, _position in events:
            if type(event).TOPIC in COUNTED:
                run.append(event)
                continue
            self._count_together(batch, run)
            run = []
            self._handlers[type(event).TOPIC](batch, event)
        self._count_together(batch, run)
        self.tables.flush(batch)

    def _count_together(self, batch: Batch, run: Sequence[Any]) -> None:
        # No close lies inside a run: whether each round is closed is the same throughout.
        closed: dict[UUID, bool] = {}
        votes: Counter[tuple[UUID, UUID]] = Counter()
        score_sum: Counter[tuple[UUID, UUID]] = Counter()
        scores: Counter[tuple[UUID, UUID]] = Counter()
        late: list[tuple[UUID, str, UUID]] = []
        for event in run:
            round_id = event.round_id
            if round_id not in closed:
                closed[round_id] = self.tables.closed_in(batch, round_id)
            is_ballot = type(event).TOPIC == Ballot.Cast.TOPIC
            if closed[round_id]:
                late.append((round_id, BALLOT if is_ballot else SCORE, event.originator_id))
            elif is_ballot:
                votes[(round_id, event.track_id)] += 1
            else:
                score_sum[(round_id, event.track_id)] += event.value
                scores[(round_id, event.track_id)] += 1
        counted = {
            entry: Tally(
                votes=votes[entry], uses=0, score_sum=score_sum[entry], scores=scores[entry]
            )
            for entry in dict.fromkeys([*votes, *scores])
        }
        if counted:
            self.tables.count_all(batch, counted)
        for round_id, kind, record_id in late:
            self.tables.add_late(batch, round_id, kind, record_id)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: artists, tracks, uses, scans and every
        round's tallies (with what it froze at its close)."""
        view: dict[str, object] = {}
        tables = self.tables
        view.update(
            {f"artist:{account}": line for account, line in tables.artists(generation).items()}
        )
        view.update(
            {f"track:{track_id}": line for track_id, line in tables.tracks(generation).items()}
        )
        view.update(
            {f"uses:{track_id}": uses for track_id, uses in tables.uses(generation).items()}
        )
        view["scans"] = tables.scans(generation)
        view["verification queue"] = tables.verification_queue(generation, after=None, limit=None)
        view.update(
            {f"round:{round_id}": count for round_id, count in tables.rounds(generation).items()}
        )
        return view


@attrs.frozen
class MusicView:
    """The music read model at one generation: what the services ask of it."""

    tables: MusicTables
    generation: int

    def artist(self, account: str) -> ArtistLine | None:
        return self.tables.artist(self.generation, account)

    def is_verified(self, account: str) -> bool:
        line = self.artist(account)
        return line is not None and line.verified

    def byline(self, account: str) -> Byline:
        return _byline(account, self.artist(account))

    def lines(
        self,
        *,
        track_ids: Iterable[UUID] = (),
        accounts: Iterable[str] = (),
        uses_of: Iterable[UUID] = (),
    ) -> Lines:
        return self.tables.lines(
            self.generation, track_ids=track_ids, accounts=accounts, uses_of=uses_of
        )

    def track(self, track_id: UUID) -> TrackLine | None:
        return self.tables.track_lines(self.generation, (track_id,)).get(track_id)

    def track_lines(self, track_ids: Iterable[UUID]) -> dict[UUID, TrackLine]:
        return self.tables.track_lines(self.generation, track_ids)

    def uses_of(self, track_id: UUID) -> int:
        return self.tables.uses(self.generation, (track_id,)).get(track_id, 0)

    def count_of(self, round_id: UUID) -> RoundCount:
        return self.tables.count_of(self.generation, round_id)

    def is_late_ballot(self, round_id: UUID, ballot_id: UUID) -> bool:
        return self.tables.is_late(self.generation, round_id, BALLOT, ballot_id)

    def is_late_score(self, round_id: UUID, score_id: UUID) -> bool:
        return self.tables.is_late(self.generation, round_id, SCORE, score_id)

    def late_counts(self, round_id: UUID) -> tuple[int, int]:
        """Late ballots and late scores of the round."""
        late = self.tables.late_counts(self.generation, round_id)
        return late.get(BALLOT, 0), late.get(SCORE, 0)

    def awaiting_review(self, *, after: tuple[int, UUID] | None, limit: int) -> list[OwnTrackLine]:
        return self.tables.awaiting_review(self.generation, after=after, limit=limit)

    def verification_queue(
        self, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[VerificationRequestLine]:
        return self.tables.verification_queue(self.generation, after=after, limit=limit)

    def rounds_due(self, now: datetime, *, limit: int) -> list[tuple[UUID, bool]]:
        return self.tables.rounds_due(self.generation, now, limit=limit)

    def seasons(
        self, *, region: str | None, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID]]:
        return self.tables.seasons_page(self.generation, region=region, after=after, limit=limit)

    def seasons_judged(
        self, judge: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID]]:
        return self.tables.seasons_judged(self.generation, judge, after=after, limit=limit)

    def seasons_entered(
        self, account: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[tuple[int, UUID, UUID]]:
        return self.tables.seasons_entered(self.generation, account, after=after, limit=limit)

    def season_field(
        self,
        season_id: UUID,
        *,
        region: str | None,
        genre: str | None,
        after: tuple[int, UUID] | None,
        limit: int,
    ) -> list[FieldLine]:
        return self.tables.season_field(
            self.generation, season_id, region=region, genre=genre, after=after, limit=limit
        )

    def tracks_of(
        self, account: str, *, after: tuple[int, UUID] | None, limit: int
    ) -> list[OwnTrackLine]:
        return self.tables.tracks_of(self.generation, account, after=after, limit=limit)

    def playlist(
        self,
        *,
        region: str | None,
        after: tuple[int, int, UUID] | None,
        limit: int,
        genre: str | None = None,
    ) -> list[PlaylistLine]:
        return self.tables.playlist(
            self.generation, region=region, after=after, limit=limit, genre=genre
        )

    def backfills_to_start(self) -> list[str]:
        """The scopes of the backfill scans of cleared tracks not yet started."""
        return [
            f"track:{track_id}" for track_id in self.tables.cleared_without_scan(self.generation)
        ]

    def open_backfills(self) -> list[str]:
        return sorted(self.tables.unfinished_scans(self.generation) - {LIVE})

    def scans_started(self) -> set[str]:
        return self.tables.scans(self.generation)[0]

    def cleared_among(self, track_ids: Iterable[UUID]) -> set[UUID]:
        lines = self.tables.track_lines(self.generation, track_ids)
        return {t for t, line in lines.items() if line.status is TrackStatus.CLEARED}

    def recorded_uses(self, pairs: Iterable[tuple[UUID, UUID]]) -> set[tuple[UUID, UUID]]:
        return self.tables.recorded_uses(self.generation, pairs)

    def artists(self) -> dict[str, ArtistLine]:
        return self.tables.artists(self.generation)

    def tracks(self) -> dict[UUID, TrackLine]:
        return self.tables.tracks(self.generation)


def _byline(account: str, line: ArtistLine | None) -> Byline:
    if line is None:
        return Byline(account=account, name=account, verified=False)
    return Byline(account=account, name=line.name, verified=line.verified)


class MusicReads:
    """How the music services reach their read model: through its runner, at a generation
    (the runner skips a catch-up while the log has not grown since it last ran one)."""

    def __init__(self, runner: ProjectionRunner, projection: MusicReadModel) -> None:
        self.runner = runner
        self.projection = projection

    def catch_up(self) -> MusicView:
        """Every event of the log applied first, whether reads catch up or workers do: what
        a command decides on (a late ballot, the tallies a close froze) is the log's."""
        return MusicView(self.projection.tables, self.runner.up_to_date(self.projection.name))

    def fresh(self) -> MusicView:
        """What a query reads: caught up first when reads catch up (``runner.inline``)."""
        return MusicView(self.projection.tables, self.runner.fresh(self.projection.name))
