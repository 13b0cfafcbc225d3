"""A retroactive match: new matching material of a title, run over the videos already published.

One sweep per piece of material (a reference clip, a revision of the title's words), with a
deterministic id, so it is started once; its cursor advances in the same transaction as the
decisions it causes, so each video is considered exactly once even across restarts.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.aggregate import DomainAggregate
from domain.errors import InvalidValue, RuleViolated
from domain.time import checked_instant

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:spotlight:match-sweep")


class SweepFinished(RuleViolated):
    """The sweep has already considered every video it covers."""


class MatchSweep(DomainAggregate):
    TOPIC = "spotlight.sweeps:MatchSweep"

    class Started(Aggregate.Created):
        TOPIC = "spotlight.sweeps:SweepStarted"
        title_id: UUID
        material: str
        until_position: int
        started_at: datetime

    class Advanced(Aggregate.Event):
        TOPIC = "spotlight.sweeps:SweepAdvanced"
        position: int
        considered: int
        changed: int

    class Finished(Aggregate.Event):
        TOPIC = "spotlight.sweeps:SweepFinished"
        finished_at: datetime

    @staticmethod
    def id_for(title_id: UUID, material: str) -> UUID:
        return uuid5(_NAMESPACE, f"{title_id}/{material}")

    @classmethod
    def start(
        cls, *, title_id: UUID, material: str, until_position: int, at: datetime
    ) -> MatchSweep:
        if not material:
            raise InvalidValue("a sweep names the material it matches")
        return cls(
            id=cls.id_for(title_id, material),
            title_id=title_id,
            material=material,
            until_position=until_position,
            started_at=checked_instant(at),
        )

    @event(Started)
    def __init__(
        self,
        id: UUID,
        title_id: UUID,
        material: str,
        until_position: int,
        started_at: datetime,
    ) -> None:
        self.title_id = title_id
        self.material = material
        self.until_position = until_position
        self.started_at = started_at
        self.position = 0
        self.considered = 0
        self.changed = 0
        self.finished = False

    def advance(self, position: int, *, considered: int, changed: int) -> None:
        if self.finished:
            raise SweepFinished(f"sweep {self.id} is finished")
        if position <= self.position or position > self.until_position:
            raise InvalidValue(
                f"a sweep moves forward within its range: {self.position} < {position} "
                f"<= {self.until_position}"
            )
        self._advanced(position=position, considered=considered, changed=changed)

    @event(Advanced)
    def _advanced(self, position: int, considered: int, changed: int) -> None:
        self.position = position
        self.considered += considered
        self.changed += changed

    def finish(self, *, at: datetime) -> None:
        if self.finished:
            raise SweepFinished(f"sweep {self.id} is finished")
        self._finished(finished_at=checked_instant(at))

    @event(Finished)
    def _finished(self, finished_at: datetime) -> None:
        self.finished = True
