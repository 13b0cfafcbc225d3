"""A round of a season's competition: who is in it, whether it is open, and its result.

Round 1 admits entries (cleared tracks of artists of the season's region, one per artist);
each later round is seeded with the entries that advanced from the one before. Ballots and
judges' scores are aggregates of their own (``domain.music.ballots``) so that voters never contend
for this one; the round is consulted when they are cast and is frozen by closing. What the
round counts is decided by the order of the log: a ballot or score recorded after the
round's ``RoundClosed`` event is late and never counted. The result is then recorded from
the tallies frozen at that point, by the formula in ``domain.music.standings``.

A round keeps its season's schedule: it opens at ``opens_at`` and closes at ``closes_at``,
which the background worker enforces (``by`` is then ``SCHEDULE``). An admin may still open
or close a round before its planned time, but only with a reason, recorded in the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.music.artists import Artist
from domain.music.standings import Standing, Tally, Weighting, rank_entries
from domain.music.tracks import Track
from domain.time import checked_instant

MAX_ENTRANTS = 5000
MAX_REASON = 2000
#: Who opens and closes a round when its planned time comes (the background worker).
SCHEDULE = "schedule"
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:competition-round")


class RoundStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class RoundNotOpen(RuleViolated):
    """Ballots and scores are taken only while the round is open."""


class NotAnEntrant(RuleViolated):
    """The track is not an entry of this round."""


class EntryRefused(RuleViolated):
    """The track or its artist may not enter this round."""


class EarlyWithoutReason(RuleViolated):
    """A round opened or closed before its planned time needs a reason."""


class NotOnPanel(RuleViolated):
    """The judge does not sit on this season's panel."""


class ConflictOfInterest(RuleViolated):
    """The judge's partner is one the artist is signed to or managed by."""


@attrs.frozen
class Judge:
    judge_id: str  # the judge's account
    partner: str  # the industry partner (label, publisher, agency) the judge represents


@attrs.frozen
class Prize:
    rank: int
    description: str


@attrs.frozen
class Entrant:
    track_id: UUID
    artist_account: str


@attrs.frozen
class Winner:
    rank: int
    track_id: UUID
    artist_account: str
    prize: str


def _judges(values: Iterable[Judge]) -> tuple[Judge, ...]:
    return tuple(values)


def _prizes(values: Iterable[Prize]) -> tuple[Prize, ...]:
    return tuple(values)


class CompetitionRound(DomainAggregate):
    TOPIC = "spotlight.rounds:CompetitionRound"

    class Scheduled(Aggregate.Created):
        TOPIC = "spotlight.rounds:RoundScheduled"
        season_id: UUID
        region: str
        number: int
        name: str
        cut_size: int
        final: bool
        judges: tuple[Judge, ...]
        weighting: Weighting
        prizes: tuple[Prize, ...]
        opens_at: datetime
        closes_at: datetime

    class EntryAdmitted(Aggregate.Event):
        TOPIC = "spotlight.rounds:EntryAdmitted"
        entrant: Entrant
        admitted_at: datetime

    class EntrantsSeeded(Aggregate.Event):
        TOPIC = "spotlight.rounds:EntrantsSeeded"
        entrants: tuple[Entrant, ...]
        seeded_at: datetime

    class Opened(Aggregate.Event):
        TOPIC = "spotlight.rounds:RoundOpened"
        # v2 added the reason an admin gives for opening before the planned time (none for
        # v1, recorded before the schedule was enforced, and for an opening on time).
        class_version = 2
        opened_by: str
        opened_at: datetime
        reason: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = ""

    class Closed(Aggregate.Event):
        TOPIC = "spotlight.rounds:RoundClosed"
        # v2 added the reason an admin gives for closing before the planned time.
        class_version = 2
        closed_by: str
        closed_at: datetime
        reason: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = ""

    class ResultRecorded(Aggregate.Event):
        TOPIC = "spotlight.rounds:RoundResultRecorded"
        standings: tuple[Standing, ...]
        advancing: tuple[UUID, ...]
        winners: tuple[Winner, ...]
        recorded_at: datetime

    @staticmethod
    def id_for(season_id: UUID, number: int) -> UUID:
        return uuid5(_NAMESPACE, f"{season_id}/{number}")

    @classmethod
    def schedule(
        cls,
        *,
        season_id: UUID,
        region: str,
        number: int,
        name: str,
        cut_size: int,
        final: bool,
        judges: Iterable[Judge],
        weighting: Weighting,
        prizes: Iterable[Prize],
        opens_at: datetime,
        closes_at: datetime,
    ) -> CompetitionRound:
        if number < 1:
            raise InvalidValue("rounds are numbered from 1")
        if cut_size < 1:
            raise InvalidValue("a round keeps at least one entry")
        if checked_instant(closes_at) <= checked_instant(opens_at):
            raise InvalidValue(f"round {number} must close after it opens")
        return cls(
            id=cls.id_for(season_id, number),
            season_id=season_id,
            region=region,
            number=number,
            name=name,
            cut_size=cut_size,
            final=final,
            judges=tuple(judges),
            weighting=weighting,
            prizes=tuple(prizes) if final else (),
            opens_at=opens_at,
            closes_at=closes_at,
        )

    @event(Scheduled)
    def __init__(
        self,
        id: UUID,
        season_id: UUID,
        region: str,
        number: int,
        name: str,
        cut_size: int,
        final: bool,
        judges: tuple[Judge, ...],
        weighting: Weighting,
        prizes: tuple[Prize, ...],
        opens_at: datetime,
        closes_at: datetime,
    ) -> None:
        self.season_id = season_id
        self.region = region
        self.number = number
        self.name = name
        self.cut_size = cut_size
        self.final = final
        self.judges = _judges(judges)
        self.weighting = weighting
        self.prizes = _prizes(prizes)
        self.opens_at = opens_at
        self.closes_at = closes_at
        self.status = RoundStatus.SCHEDULED
        self.entrants: dict[UUID, Entrant] = {}
        self.seeded = False
        self.standings: tuple[Standing, ...] | None = None
        self.advancing: tuple[UUID, ...] = ()
        self.winners: tuple[Winner, ...] = ()

    # Questions --------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status is RoundStatus.OPEN

    @property
    def has_result(self) -> bool:
        return self.standings is not None

    def judge(self, judge_id: str) -> Judge | None:
        return next((j for j in self.judges if j.judge_id == judge_id), None)

    def require_open(self) -> None:
        if self.status is not RoundStatus.OPEN:
            raise RoundNotOpen(f"round {self.number} is {self.status.value}, not open")

    def require_entrant(self, track_id: UUID) -> Entrant:
        entrant = self.entrants.get(track_id)
        if entrant is None:
            raise NotAnEntrant(f"track {track_id} is not an entry of round {self.number}")
        return entrant

    def require_judge_may_score(self, judge_id: str, artist: Artist) -> Judge:
        judge = self.judge(judge_id)
        if judge is None:
            raise NotOnPanel(f"{judge_id} does not sit on the panel of this season")
        if artist.is_affiliated_with(judge.partner):
            raise ConflictOfInterest(
                f"{judge_id} represents {judge.partner}, with which artist {artist.account} "
                "is affiliated"
            )
        return judge

    # Entries ----------------------------------------------------------------------------

    def admit(self, track: Track, artist: Artist, *, at: datetime) -> Entrant:
        if self.number != 1:
            raise EntryRefused("entries join a season in its first round")
        if self.status is RoundStatus.CLOSED:
            raise EntryRefused("the first round is closed")
        if not track.is_cleared:
            raise EntryRefused(
                f"track {track.id} is {track.status.value}; only cleared tracks enter"
            )
        if track.artist_account != artist.account:
            raise EntryRefused(f"track {track.id} is not by artist {artist.account}")
        if artist.region != self.region:
            raise EntryRefused(
                f"this season is for artists of {self.region}; {artist.account} is of "
                f"{artist.region}"
            )
        if track.id in self.entrants:
            raise EntryRefused(f"track {track.id} has already entered")
        if any(e.artist_account == artist.account for e in self.entrants.values()):
            raise EntryRefused(f"artist {artist.account} already has an entry in this season")
        if len(self.entrants) >= MAX_ENTRANTS:
            raise EntryRefused(f"a round admits at most {MAX_ENTRANTS} entries")
        entrant = Entrant(track_id=track.id, artist_account=artist.account)
        self._entry_admitted(entrant=entrant, admitted_at=checked_instant(at))
        return entrant

    @event(EntryAdmitted)
    def _entry_admitted(self, entrant: Entrant, admitted_at: datetime) -> None:
        self.entrants[entrant.track_id] = entrant

    def seed(self, entrants: Iterable[Entrant], *, at: datetime) -> None:
        if self.number == 1:
            raise EntryRefused("the first round takes entries, it is not seeded")
        if self.seeded or self.status is not RoundStatus.SCHEDULED:
            raise RuleViolated(f"round {self.number} was already seeded")
        chosen = tuple(entrants)
        if not chosen:
            raise InvalidValue("a round is seeded with at least one entry")
        self._entrants_seeded(entrants=chosen, seeded_at=checked_instant(at))

    @event(EntrantsSeeded)
    def _entrants_seeded(self, entrants: tuple[Entrant, ...], seeded_at: datetime) -> None:
        self.entrants = {e.track_id: e for e in entrants}
        self.seeded = True

    # Life cycle -------------------------------------------------------------------------

    def is_due_to_open(self, now: datetime) -> bool:
        return self.status is RoundStatus.SCHEDULED and checked_instant(now) >= self.opens_at

    def is_due_to_close(self, now: datetime) -> bool:
        return self.status is RoundStatus.OPEN and checked_instant(now) >= self.closes_at

    def _reason(self, reason: str, at: datetime, planned: datetime, doing: str) -> str:
        cleaned = " ".join(reason.split())
        if len(cleaned) > MAX_REASON:
            raise InvalidValue(f"a reason has at most {MAX_REASON} characters")
        if at < planned and not cleaned:
            raise EarlyWithoutReason(
                f"round {self.number} is planned to {doing} at {planned.isoformat()}; "
                f"{doing} it earlier only with a reason"
            )
        return cleaned

    def open(self, *, by: str, at: datetime, reason: str = "") -> None:
        """Open the round; before its planned time only with a reason."""
        if self.status is not RoundStatus.SCHEDULED:
            raise RuleViolated(f"round {self.number} is already {self.status.value}")
        if not self.entrants:
            raise RuleViolated(f"round {self.number} has no entries to compete")
        at = checked_instant(at)
        why = self._reason(reason, at, self.opens_at, "open")
        self._opened(opened_by=by, opened_at=at, reason=why)

    @event(Opened)
    def _opened(self, opened_by: str, opened_at: datetime, reason: str) -> None:
        self.status = RoundStatus.OPEN

    def close(self, *, by: str, at: datetime, reason: str = "") -> None:
        """Close the round; before its planned time only with a reason."""
        self.require_open()
        at = checked_instant(at)
        why = self._reason(reason, at, self.closes_at, "close")
        self._closed(closed_by=by, closed_at=at, reason=why)

    @event(Closed)
    def _closed(self, closed_by: str, closed_at: datetime, reason: str) -> None:
        self.status = RoundStatus.CLOSED

    def record_result(self, tallies: Mapping[UUID, Tally], *, at: datetime) -> tuple[Standing, ...]:
        """Rank the entries on the tallies frozen at the close; the top ``cut_size`` advance."""
        if self.status is not RoundStatus.CLOSED:
            raise RuleViolated(f"round {self.number} must be closed before its result")
        if self.has_result:
            raise RuleViolated(f"round {self.number} already has its result")
        standings = rank_entries(
            [(e.track_id, e.artist_account) for e in self.entrants.values()],
            tallies,
            self.weighting,
            self.cut_size,
        )
        advancing = tuple(s.track_id for s in standings if s.advances)
        prizes = {prize.rank: prize.description for prize in self.prizes}
        winners = (
            tuple(
                Winner(
                    rank=s.rank,
                    track_id=s.track_id,
                    artist_account=s.artist_account,
                    prize=prizes.get(s.rank, ""),
                )
                for s in standings
                if s.advances
            )
            if self.final
            else ()
        )
        self._result_recorded(
            standings=standings,
            advancing=advancing,
            winners=winners,
            recorded_at=checked_instant(at),
        )
        return standings

    @event(ResultRecorded)
    def _result_recorded(
        self,
        standings: tuple[Standing, ...],
        advancing: tuple[UUID, ...],
        winners: tuple[Winner, ...],
        recorded_at: datetime,
    ) -> None:
        self.standings = tuple(standings)
        self.advancing = tuple(advancing)
        self.winners = tuple(winners)

    def advancing_entrants(self) -> tuple[Entrant, ...]:
        return tuple(self.entrants[track_id] for track_id in self.advancing)
