"""An auditor's recount of a competition round, from the music log alone.

The recount trusts neither the read models nor the round aggregate. It walks the music log
in order and, for the round asked about, takes its entries and published weighting from the
round's own events, counts the ballots and judges' scores recorded before the round's
``RoundClosed`` event (later ones are late and never counted) and the videos found using
each entry's track by then, ranks the entries with ``domain.music.standings.rank_entries`` and
compares that ranking, line by line and component by component, with the standings the
round's ``RoundResultRecorded`` event holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from application.errors import NotFound
from domain.music.ballots import Ballot, Score
from domain.music.rounds import CompetitionRound
from domain.music.standings import Standing, Tally, Weighting, rank_entries
from domain.music.track_usage import TrackUse

PAGE = 1000

_SCHEDULED = CompetitionRound.Scheduled.TOPIC
_ADMITTED = CompetitionRound.EntryAdmitted.TOPIC
_SEEDED = CompetitionRound.EntrantsSeeded.TOPIC
_CLOSED = CompetitionRound.Closed.TOPIC
_RESULT = CompetitionRound.ResultRecorded.TOPIC
_BALLOT = Ballot.Cast.TOPIC
_SCORE = Score.Given.TOPIC
_USE = TrackUse.Detected.TOPIC
TOPICS = (_SCHEDULED, _ADMITTED, _SEEDED, _CLOSED, _RESULT, _BALLOT, _SCORE, _USE)

#: The components of a standing that are compared, in the order they are reported.
COMPARED = tuple(field.name for field in attrs.fields(Standing) if field.name not in ("track_id",))


@attrs.frozen
class Difference:
    """One way the recorded result and the recount disagree."""

    track_id: UUID | None  # None: about the round as a whole
    component: str
    recorded: str
    recounted: str

    def __str__(self) -> str:
        where = f"track {self.track_id}" if self.track_id else "round"
        return f"{where}: {self.component} recorded {self.recorded}, recounted {self.recounted}"


@attrs.frozen
class Recount:
    round_id: UUID
    number: int
    weighting: Weighting
    cut_size: int
    closed_at_position: int  # the RoundClosed event's place in the log
    ballots_counted: int
    scores_counted: int
    late_ballots: int
    late_scores: int
    tallies: Mapping[UUID, Tally]
    recorded: tuple[Standing, ...]
    recounted: tuple[Standing, ...]
    recorded_advancing: tuple[UUID, ...]
    differences: tuple[Difference, ...]

    @property
    def agrees(self) -> bool:
        return not self.differences


class _RoundLog:
    """What the log says about one round, gathered in one pass in log order."""

    def __init__(self, round_id: UUID) -> None:
        self.round_id = round_id
        self.scheduled: Any = None
        self.entrants: dict[UUID, str] = {}
        self.votes: Counter[UUID] = Counter()
        self.score_sum: Counter[UUID] = Counter()
        self.scores: Counter[UUID] = Counter()
        self.uses: Counter[UUID] = Counter()
        self._uses_seen: set[tuple[UUID, UUID]] = set()
        self.closed_at: int | None = None
        self.frozen: dict[UUID, Tally] | None = None
        self.ballots_counted = self.scores_counted = 0
        self.late_ballots = self.late_scores = 0
        self.result: Any = None

    def apply(self, topic: str, event: Any, position: int) -> None:
        if topic == _USE:
            pair = (event.track_id, event.video_id)
            if pair not in self._uses_seen:
                self._uses_seen.add(pair)
                self.uses[event.track_id] += 1
        elif topic == _BALLOT:
            if event.round_id == self.round_id:
                self._ballot(event)
        elif topic == _SCORE:
            if event.round_id == self.round_id:
                self._score(event)
        elif event.originator_id == self.round_id:
            self._round_event(topic, event, position)

    def _ballot(self, event: Any) -> None:
        if self.closed_at is not None:
            self.late_ballots += 1
            return
        self.votes[event.track_id] += 1
        self.ballots_counted += 1

    def _score(self, event: Any) -> None:
        if self.closed_at is not None:
            self.late_scores += 1
            return
        self.score_sum[event.track_id] += event.value
        self.scores[event.track_id] += 1
        self.scores_counted += 1

    def _round_event(self, topic: str, event: Any, position: int) -> None:
        if topic == _SCHEDULED:
            self.scheduled = event
        elif topic == _ADMITTED:
            self.entrants[event.entrant.track_id] = event.entrant.artist_account
        elif topic == _SEEDED:
            self.entrants = {e.track_id: e.artist_account for e in event.entrants}
        elif topic == _CLOSED and self.closed_at is None:
            self.closed_at = position
            self.frozen = {
                track_id: Tally(
                    votes=self.votes[track_id],
                    uses=self.uses[track_id],
                    score_sum=self.score_sum[track_id],
                    scores=self.scores[track_id],
                )
                for track_id in self.entrants
            }
        elif topic == _RESULT and self.result is None:
            self.result = event


def recount_round(recorder: ApplicationRecorder, mapper: Mapper[UUID], round_id: UUID) -> Recount:
    """Recount ``round_id`` from the log read through ``recorder`` and ``mapper``.

    Raises ``NotFound`` for a round the log does not hold, or one without a recorded result.
    """
    log = _RoundLog(round_id)
    for notification in _notifications(recorder):
        log.apply(notification.topic, mapper.to_domain_event(notification), notification.id)
    if log.scheduled is None:
        raise NotFound("round", round_id)
    if log.result is None or log.frozen is None or log.closed_at is None:
        raise NotFound("result of round", round_id)
    weighting: Weighting = log.scheduled.weighting
    cut_size: int = log.scheduled.cut_size
    recounted = rank_entries(list(log.entrants.items()), log.frozen, weighting, cut_size)
    recorded = tuple(log.result.standings)
    recorded_advancing = tuple(log.result.advancing)
    return Recount(
        round_id=round_id,
        number=log.scheduled.number,
        weighting=weighting,
        cut_size=cut_size,
        closed_at_position=log.closed_at,
        ballots_counted=log.ballots_counted,
        scores_counted=log.scores_counted,
        late_ballots=log.late_ballots,
        late_scores=log.late_scores,
        tallies=dict(log.frozen),
        recorded=recorded,
        recounted=recounted,
        recorded_advancing=recorded_advancing,
        differences=compare(recorded, recounted, recorded_advancing),
    )


def compare(
    recorded: tuple[Standing, ...],
    recounted: tuple[Standing, ...],
    recorded_advancing: tuple[UUID, ...],
) -> tuple[Difference, ...]:
    """Every disagreement between a recorded ranking and a recount, in the recount's order."""
    differences: list[Difference] = []
    by_track = {standing.track_id: standing for standing in recorded}
    recounted_tracks = {standing.track_id for standing in recounted}
    for fresh in recounted:
        kept = by_track.get(fresh.track_id)
        if kept is None:
            differences.append(Difference(fresh.track_id, "entry", "absent", "present"))
            continue
        differences.extend(
            Difference(fresh.track_id, name, str(getattr(kept, name)), str(getattr(fresh, name)))
            for name in COMPARED
            if getattr(kept, name) != getattr(fresh, name)
        )
    differences.extend(
        Difference(kept.track_id, "entry", "present", "absent")
        for kept in recorded
        if kept.track_id not in recounted_tracks
    )
    advancing = tuple(s.track_id for s in recounted if s.advances)
    if recorded_advancing != advancing:
        differences.append(
            Difference(
                None,
                "advancing",
                ", ".join(map(str, recorded_advancing)) or "none",
                ", ".join(map(str, advancing)) or "none",
            )
        )
    return tuple(differences)


def _notifications(recorder: ApplicationRecorder) -> Iterator[Notification]:
    position = 0
    while True:
        page = recorder.select_notifications(
            start=position, limit=PAGE, topics=TOPICS, inclusive_of_start=False
        )
        yield from page
        if len(page) < PAGE:
            return
        position = page[-1].id
