"""Who and what the programs must leave alone: videos of creators under 18, and videos that
are flagged, age-restricted or removed.

``ProtectionModel`` follows the catalogue's log (creators' age bands, videos' creators and
their moderation) and answers, for any video, why it is kept out of anchors, product tags,
Pulse and campaigns — or None. A core has one (``Protection``, built by the composition root)
that every program which needs the answer shares: each catches it up before it reads it, and
before it applies events of its own that consult it, so protection is never behind a program's
read model. A program's handler may then see protection ahead of the event it applies; every
such handler decides again when protection changes, so each read model ends in the state it
would reach in step with protection.

The rule itself is ``exclusion``. The Pulse inventory, a persisted projection whose events are
applied by the projection runner (perhaps in a worker that reads nothing else), applies it to
the moderation states and age bands it keeps in its own rows, in the log's order, instead of
consulting this model; campaign dashboards consult this model when they are read.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from application.log_follower import Handler, LogFollower
from application.read_models import LogPositions
from domain.anchors.videos import Video
from domain.revenue.creators import Creator
from domain.trust.moderation import AgeBand, ModerationState, state_after_flags

MINOR = "its creator is under 18"


def exclusion(state: ModerationState, *, minor: bool) -> str | None:
    """Why a video in ``state`` (of a creator who is a minor or not) takes part in no
    program, or None when it may."""
    if state.restricts:
        return f"the video is {state.value}"
    if minor:
        return MINOR
    return None


class ProtectionModel:
    def __init__(self) -> None:
        self.minors: set[str] = set()
        self.creator_of: dict[UUID, str] = {}
        self.videos_of: dict[str, list[UUID]] = defaultdict(list)
        self.moderation: dict[UUID, ModerationState] = {}
        self._accounts: dict[UUID, str] = {}

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            Creator.Registered.TOPIC: self._registered,
            Creator.AgeBandRecorded.TOPIC: self._age_band,
            Creator.AgeBandVerified.TOPIC: self._age_band,
            Video.Published.TOPIC: self._published,
            Video.ModerationFlagged.TOPIC: self._flagged,
            Video.ModerationDecided.TOPIC: self._decided,
        }

    # Questions ----------------------------------------------------------------------------

    def why_excluded(self, video_id: UUID) -> str | None:
        """Why the video takes part in no program, or None when it may."""
        creator = self.creator_of.get(video_id)
        return exclusion(
            self.moderation.get(video_id, ModerationState.UNREVIEWED),
            minor=creator is not None and creator in self.minors,
        )

    def excluded_videos(self) -> set[UUID]:
        """Every video ``why_excluded`` gives a reason for, at once (a read that sums
        thousands of videos subtracts these instead of asking about each)."""
        excluded = {video_id for video_id, state in self.moderation.items() if state.restricts}
        for account in self.minors:
            excluded.update(self.videos_of.get(account, ()))
        return excluded

    def is_minor(self, account: str) -> bool:
        return account in self.minors

    def export(self) -> dict[str, object]:
        """A comparable view: the minors, and each excluded video with why."""
        view: dict[str, object] = {"minors": tuple(sorted(self.minors))}
        for video_id in self.creator_of:
            why = self.why_excluded(video_id)
            if why is not None:
                view[f"excluded:{video_id}"] = why
        return view

    # Handlers -----------------------------------------------------------------------------

    def _registered(self, event: Any, _position: int) -> None:
        self._accounts[event.originator_id] = event.account

    def _age_band(self, event: Any, _position: int) -> None:
        account = self._accounts[event.originator_id]
        if AgeBand(event.band).is_minor:
            self.minors.add(account)
        else:
            self.minors.discard(account)

    def _published(self, event: Any, _position: int) -> None:
        self.creator_of[event.originator_id] = event.creator_id
        self.videos_of[event.creator_id].append(event.originator_id)

    def _flagged(self, event: Any, _position: int) -> None:
        current = self.moderation.get(event.originator_id, ModerationState.UNREVIEWED)
        self.moderation[event.originator_id] = state_after_flags(current, event.flags)

    def _decided(self, event: Any, _position: int) -> None:
        self.moderation[event.originator_id] = ModerationState(event.state)


class Protection:
    """The core's one ``ProtectionModel``, followed once over the catalogue's log."""

    name = "protection (minors, restricted videos)"

    def __init__(self, catalogue: Application[UUID]) -> None:
        self.model = ProtectionModel()
        self._follower = LogFollower(catalogue, self.model.handlers)
        self._lock = threading.RLock()

    def catch_up(self) -> ProtectionModel:
        with self._lock:
            self._follower.catch_up()
        return self.model

    def export(self, positions: LogPositions) -> dict[str, object]:
        with self._lock:
            return self.catch_up().export()


def combined(*maps: Mapping[str, Handler]) -> dict[str, Handler]:
    """Handlers of several read models in one follower: each event reaches every model that
    handles its topic, in the order given."""
    grouped: dict[str, list[Handler]] = defaultdict(list)
    for handlers in maps:
        for topic, handler in handlers.items():
            grouped[topic].append(handler)
    result: dict[str, Handler] = {}
    for topic, chain in grouped.items():
        if len(chain) == 1:
            result[topic] = chain[0]
        else:
            result[topic] = _chained(tuple(chain))
    return result


def _chained(chain: tuple[Handler, ...]) -> Handler:
    def handle(event: Any, position: int) -> None:
        for handler in chain:
            handler(event, position)

    return handle
