"""The baseline of the ballot measurement: the eventsourcing library saving one tiny aggregate.

A ``RawBallot`` carries the same fields as the project's ``Ballot`` and takes its id the same
way (derived from the round and the voter), so the stored event has the same shape and size.
Nothing is read before it is saved: no ballot lookup, no round, no read model. It lives in
its own module so that its event topics resolve when read back.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

_BALLOTS = uuid5(NAMESPACE_URL, "urn:spotlight-bench:raw-ballot")


class RawBallot(Aggregate):
    @staticmethod
    def id_for(round_id: UUID, voter: str) -> UUID:
        return uuid5(_BALLOTS, f"{round_id}/{voter}")

    @event("Cast")
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


class RawMusic(Application[UUID]):
    name = "rawmusic"
