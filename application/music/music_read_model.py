"""Read models of music discovery, rebuilt from the music log in log order.

What a round counts is decided here, by the order of the log: ballots and scores recorded
before the round's ``RoundClosed`` event are counted; those after it are late and only
counted as late. When the close is applied, each entry's tally (votes, uses of its track,
judges' scores) is frozen; the round's result is recorded from that frozen tally, so every
process, and every auditor replaying the log, arrives at the same numbers.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from application.log_follower import Handler, LogFollower
from domain.music.artists import Artist
from domain.music.ballots import Ballot, Score
from domain.music.rounds import CompetitionRound
from domain.music.standings import Tally
from domain.music.track_usage import TrackUse, UsageScan
from domain.music.tracks import Track, TrackStatus


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


class MusicReadModel:
    def __init__(self) -> None:
        self.artists: dict[str, ArtistLine] = {}
        self._accounts: dict[UUID, str] = {}
        self.tracks: dict[UUID, TrackLine] = {}
        self.uses: Counter[UUID] = Counter()
        self.recorded_uses: set[tuple[UUID, UUID]] = set()
        self.scans_started: set[str] = set()
        self.scans_finished: set[str] = set()
        self._scan_scopes: dict[UUID, str] = {}
        self.rounds: dict[UUID, RoundCount] = {}

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            Artist.Registered.TOPIC: self._artist_registered,
            Artist.ProfileUpdated.TOPIC: self._artist_updated,
            Artist.Verified.TOPIC: self._artist_verified,
            Artist.BadgeWithdrawn.TOPIC: self._badge_withdrawn,
            Track.Submitted.TOPIC: self._track_submitted,
            Track.OriginalityChecked.TOPIC: self._originality_checked,
            Track.Cleared.TOPIC: self._track_cleared,
            Track.Rejected.TOPIC: self._track_rejected,
            TrackUse.Detected.TOPIC: self._use_detected,
            UsageScan.Started.TOPIC: self._scan_started,
            UsageScan.Finished.TOPIC: self._scan_finished,
            CompetitionRound.Scheduled.TOPIC: self._round_scheduled,
            CompetitionRound.EntryAdmitted.TOPIC: self._entry_admitted,
            CompetitionRound.EntrantsSeeded.TOPIC: self._entrants_seeded,
            CompetitionRound.Closed.TOPIC: self._round_closed,
            Ballot.Cast.TOPIC: self._ballot_cast,
            Score.Given.TOPIC: self._score_given,
        }

    # Questions --------------------------------------------------------------------------

    def is_verified(self, account: str) -> bool:
        line = self.artists.get(account)
        return line is not None and line.verified

    # Request threads read while another one may be catching up: each question copies the
    # collection first (one step under the interpreter lock), then works on the copy.

    def cleared_tracks(self) -> list[TrackLine]:
        return [t for t in list(self.tracks.values()) if t.status is TrackStatus.CLEARED]

    def awaiting_review(self) -> list[TrackLine]:
        lines = list(self.tracks.values())
        waiting = [t for t in lines if t.status is TrackStatus.SUBMITTED]
        return sorted(waiting, key=lambda t: (t.submitted_at, str(t.track_id)))

    def count_of(self, round_id: UUID) -> RoundCount:
        count = self.rounds.get(round_id)  # not setdefault: that builds a RoundCount each time
        if count is None:
            count = self.rounds[round_id] = RoundCount()
        return count

    # Handlers ---------------------------------------------------------------------------

    def _artist_registered(self, event: Any, _position: int) -> None:
        self.artists[event.account] = ArtistLine(event.account, event.name, event.region)
        self._accounts[event.originator_id] = event.account

    def _artist_updated(self, event: Any, _position: int) -> None:
        line = self._artist_of(event.originator_id)
        if line is not None:
            line.name = event.name
            line.region = event.region

    def _artist_verified(self, event: Any, _position: int) -> None:
        line = self._artist_of(event.originator_id)
        if line is not None:
            line.verified = True

    def _badge_withdrawn(self, event: Any, _position: int) -> None:
        line = self._artist_of(event.originator_id)
        if line is not None:
            line.verified = False

    def _artist_of(self, artist_id: UUID) -> ArtistLine | None:
        account = self._accounts.get(artist_id)
        return None if account is None else self.artists.get(account)

    def _track_submitted(self, event: Any, _position: int) -> None:
        self.tracks[event.originator_id] = TrackLine(
            track_id=event.originator_id,
            artist_account=event.artist_account,
            title=event.title,
            status=TrackStatus.SUBMITTED,
            submitted_at=event.submitted_at,
        )

    def _originality_checked(self, event: Any, _position: int) -> None:
        self.tracks[event.originator_id].flagged = bool(event.resemblances)

    def _track_cleared(self, event: Any, _position: int) -> None:
        line = self.tracks[event.originator_id]
        line.status = TrackStatus.CLEARED
        line.decided_at = event.cleared_at

    def _track_rejected(self, event: Any, _position: int) -> None:
        line = self.tracks[event.originator_id]
        line.status = TrackStatus.REJECTED
        line.decided_at = event.rejected_at

    def _use_detected(self, event: Any, _position: int) -> None:
        pair = (event.track_id, event.video_id)
        if pair not in self.recorded_uses:
            self.recorded_uses.add(pair)
            self.uses[event.track_id] += 1

    def _scan_started(self, event: Any, _position: int) -> None:
        self.scans_started.add(event.scope)
        self._scan_scopes[event.originator_id] = event.scope

    def _scan_finished(self, event: Any, _position: int) -> None:
        self.scans_finished.add(self._scan_scopes[event.originator_id])

    def _round_scheduled(self, event: Any, _position: int) -> None:
        self.rounds[event.originator_id] = RoundCount()

    def _entry_admitted(self, event: Any, _position: int) -> None:
        self.count_of(event.originator_id).entrants.append(event.entrant.track_id)

    def _entrants_seeded(self, event: Any, _position: int) -> None:
        self.count_of(event.originator_id).entrants = [e.track_id for e in event.entrants]

    def _round_closed(self, event: Any, _position: int) -> None:
        count = self.count_of(event.originator_id)
        count.closed = True
        count.frozen = {
            track_id: Tally(
                votes=count.votes[track_id],
                uses=self.uses[track_id],
                score_sum=count.score_sum[track_id],
                scores=count.scores[track_id],
            )
            for track_id in count.entrants
        }

    def _ballot_cast(self, event: Any, _position: int) -> None:
        count = self.count_of(event.round_id)
        if count.closed:
            count.late_ballot_ids.add(event.originator_id)
        else:
            count.votes[event.track_id] += 1

    def _score_given(self, event: Any, _position: int) -> None:
        count = self.count_of(event.round_id)
        if count.closed:
            count.late_score_ids.add(event.originator_id)
        else:
            count.score_sum[event.track_id] += event.value
            count.scores[event.track_id] += 1

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: artists, tracks, uses, scans and every
        round's tallies (with what it froze at its close)."""
        view: dict[str, object] = {}
        view.update({f"artist:{account}": line for account, line in self.artists.items()})
        view.update({f"track:{track_id}": line for track_id, line in self.tracks.items()})
        view.update({f"uses:{track_id}": uses for track_id, uses in self.uses.items()})
        view["scans"] = (self.scans_started, self.scans_finished)
        view.update({f"round:{round_id}": count for round_id, count in self.rounds.items()})
        return view


class MusicFollower:
    """One follower of the music log, shared by every music service in a process."""

    def __init__(self, follower: LogFollower, model: MusicReadModel) -> None:
        self.follower = follower
        self.model = model
        self._lock = threading.RLock()

    def catch_up(self) -> MusicReadModel:
        with self._lock:
            self.follower.catch_up()
        return self.model

    @property
    def position(self) -> int:
        return self.follower.position
