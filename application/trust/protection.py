"""Who and what the programs must leave alone: videos of creators under 18, and videos that
are flagged, age-restricted or removed.

The rule is ``exclusion``. Its facts are a projection of the catalogue's log
(``ProtectionProjection``, persisted by the projection runner in the projection database:
creators' accounts and whether each is a minor, videos' creators and moderation states;
``ProtectionTables`` is the port, ``adapters.projections.protection`` the tables). The
service holds none of it: a question is a query on indexed rows, bounded by what the caller
holds (one video, one account, the videos of one campaign or one page).

A core has one ``Protection`` (built by the composition root) that every program which needs
the answer shares: ``catch_up()`` applies every event of the log first, whether reads catch
up or workers do (programs decide on it: an anchor, a tag), and answers the questions
(``ProtectionModel``: ``why_excluded``, ``excluded_among``, ``is_minor``, ``minors_among``).
A program's in-memory read model catches protection up before it reads it, and before it
applies events of its own that consult it, so protection is never behind it. A handler may
then see protection ahead of the event it applies; every such handler decides again when
protection changes, so each read model ends in the state it would reach in step with it.

The Pulse inventory, a projection whose events may be applied by a worker that runs nothing
else, applies ``exclusion`` to the moderation states and age bands it keeps in its own rows,
in the log's order, instead of consulting this one; so do campaign dashboards (their rows
keep whether each video is excluded, by ``exclusion``, from the same events).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.log_follower import Handler
from application.projections import Batch, Persisted, ProjectionRunner
from application.read_models import LogPositions, ReadModel
from domain.anchors.videos import Video
from domain.revenue.creators import Creator
from domain.trust.moderation import AgeBand, ModerationState, state_after_flags

NAME = "protection (minors, restricted videos)"
MINOR = "its creator is under 18"


def exclusion(state: ModerationState, *, minor: bool) -> str | None:
    """Why a video in ``state`` (of a creator who is a minor or not) takes part in no
    program, or None when it may."""
    if state.restricts:
        return f"the video is {state.value}"
    if minor:
        return MINOR
    return None


#: The states ``exclusion`` keeps out whoever the creator is (a query's filter).
RESTRICTING = tuple(state for state in ModerationState if state.restricts)


@attrs.frozen
class VideoFacts:
    """What ``exclusion`` needs of a video: its moderation state and whether its creator is
    a minor."""

    video_id: UUID
    moderation: ModerationState
    minor: bool

    @property
    def why_excluded(self) -> str | None:
        return exclusion(self.moderation, minor=self.minor)


@attrs.frozen
class PublishedVideo:
    """A video as its creator's list shows it: where it was published, and its state."""

    video_id: UUID
    order: int  # its publication's position in the catalogue log
    moderation: ModerationState


@attrs.frozen
class NewVideo:
    video_id: UUID
    creator: str
    position: int  # of its publication in the catalogue's log: the creator's videos' order


class ProtectionTables(Protocol):
    """Protection's rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # Writes --------------------------------------------------------------------------------

    def register_creator(self, batch: Batch, creator_id: UUID, account: str) -> None: ...

    def account_of(self, batch: Batch, creator_id: UUID) -> str | None: ...

    def set_minor(self, batch: Batch, account: str, minor: bool) -> None: ...

    def publish(self, batch: Batch, videos: Sequence[NewVideo]) -> None: ...

    def moderation(self, batch: Batch, video_id: UUID) -> ModerationState:
        """The video's state (unreviewed if nothing was ever flagged or decided)."""
        ...

    def set_moderation(
        self, batch: Batch, video_id: UUID, state: ModerationState, position: int
    ) -> None:
        """The video's new state; ``position`` is kept as the first moderation's (the order
        of the flagged queue)."""
        ...

    # Reads ---------------------------------------------------------------------------------

    def facts(
        self, generation: int, video_ids: Collection[UUID], *, excluded_only: bool
    ) -> list[VideoFacts]:
        """The facts of those of ``video_ids`` that are known (only those a restricting state
        or a minor creator excludes, with ``excluded_only``)."""
        ...

    def minors_among(self, generation: int, accounts: Collection[str]) -> set[str]: ...

    def videos_of(self, generation: int, account: str) -> list[UUID]:
        """The account's videos, in the order they were published."""
        ...

    def videos_page(
        self, generation: int, account: str, *, after: int | None, limit: int
    ) -> list[PublishedVideo]:
        """At most ``limit`` of the account's videos published after the log position
        ``after`` (none: from the first), in the order they were published."""
        ...

    def flagged(self, generation: int, *, after: int | None, limit: int) -> list[tuple[int, UUID]]:
        """At most ``limit`` videos in the flagged state, each with the log position of its
        first moderation, in that order, after the position ``after`` (none: the first)."""
        ...

    def minors(self, generation: int) -> list[str]:
        """Every minor's account, in order."""
        ...

    def excluded(self, generation: int) -> list[VideoFacts]:
        """Every published video a restricting state or a minor creator excludes."""
        ...


class ProtectionModel:
    """Protection's questions, answered from one generation of its rows: the one the last
    catch-up reached (``Protection.catch_up``)."""

    def __init__(self, tables: ProtectionTables, generation: int) -> None:
        self.tables = tables
        self.generation = generation

    def why_excluded(self, video_id: UUID) -> str | None:
        """Why the video takes part in no program, or None when it may."""
        return self.excluded_among((video_id,)).get(video_id)

    def excluded_among(self, video_ids: Collection[UUID]) -> dict[UUID, str]:
        """Those of ``video_ids`` that take part in no program, each with why (a read that
        sums thousands of videos subtracts these instead of asking about each)."""
        found = self.tables.facts(self.generation, video_ids, excluded_only=True)
        return {facts.video_id: why for facts in found if (why := facts.why_excluded)}

    def is_minor(self, account: str) -> bool:
        return bool(self.minors_among((account,)))

    def minors_among(self, accounts: Collection[str]) -> set[str]:
        """Those of ``accounts`` that are minors'."""
        return self.tables.minors_among(self.generation, accounts)

    def videos_of(self, account: str) -> list[UUID]:
        return self.tables.videos_of(self.generation, account)

    def flagged(self, *, after: int | None = None, limit: int = 100) -> list[tuple[int, UUID]]:
        """Videos a classifier's flag restricts until a reviewer decides, oldest first, each
        with its first moderation's log position (the queue's order)."""
        return self.tables.flagged(self.generation, after=after, limit=limit)

    def export(self) -> dict[str, object]:
        return export_of(self.tables, self.generation)


def export_of(tables: ProtectionTables, generation: int) -> dict[str, object]:
    """A comparable view: the minors, and each excluded video with why."""
    view: dict[str, object] = {"minors": tuple(tables.minors(generation))}
    for facts in tables.excluded(generation):
        why = facts.why_excluded
        if why is not None:
            view[f"excluded:{facts.video_id}"] = why
    return view


class ProtectionProjection:
    """Which rows each event of the catalogue's log changes."""

    name = NAME
    version = 1

    def __init__(self, tables: ProtectionTables) -> None:
        self.tables = tables
        self._handlers: dict[str, Callable[[Batch, Any, int], None]] = {
            Creator.Registered.TOPIC: self._registered,
            Creator.AgeBandRecorded.TOPIC: self._age_band,
            Creator.AgeBandVerified.TOPIC: self._age_band,
            Video.Published.TOPIC: self._published,
            Video.ModerationFlagged.TOPIC: self._flagged,
            Video.ModerationDecided.TOPIC: self._decided,
        }

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        return {"catalogue": tuple(self._handlers)}

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event, position)

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """Publications (most of a catalogue's protection events) are inserted a run at a
        time; the rest in turn, in the log's order."""
        run: list[NewVideo] = []
        for event, position in events:
            if type(event).TOPIC == Video.Published.TOPIC:
                run.append(NewVideo(event.originator_id, event.creator_id, position))
                continue
            if run:
                self.tables.publish(batch, run)
                run = []
            self.apply(batch, log, event, position)
        if run:
            self.tables.publish(batch, run)

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        return export_of(self.tables, generation)

    # Handlers ------------------------------------------------------------------------------

    def _registered(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.register_creator(batch, event.originator_id, event.account)

    def _age_band(self, batch: Batch, event: Any, _position: int) -> None:
        account = self.tables.account_of(batch, event.originator_id)
        if account is None:
            raise LookupError(f"an age band for creator {event.originator_id}, never registered")
        self.tables.set_minor(batch, account, AgeBand(event.band).is_minor)

    def _published(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.publish(batch, [NewVideo(event.originator_id, event.creator_id, position)])

    def _flagged(self, batch: Batch, event: Any, position: int) -> None:
        current = self.tables.moderation(batch, event.originator_id)
        state = state_after_flags(current, event.flags)
        self.tables.set_moderation(batch, event.originator_id, state, position)

    def _decided(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.set_moderation(
            batch, event.originator_id, ModerationState(event.state), position
        )


class Protection:
    """The core's one protection: its projection, brought up to date before each question."""

    name = NAME

    def __init__(self, runner: ProjectionRunner, projection: ProtectionProjection) -> None:
        self.runner = runner
        self.projection = projection
        #: One object shared by every program: its generation is the last catch-up's.
        self.model = ProtectionModel(projection.tables, runner.active(NAME))

    def catch_up(self) -> ProtectionModel:
        """Every event of the log applied first, whether reads catch up or workers do: what
        a program decides on (an anchor, a tag) must see the latest moderation."""
        # Skipped when the log has not grown since this process's last catch-up.
        generation = self.runner.up_to_date(NAME)
        self.model.generation = generation
        return self.model

    def read_models(self) -> tuple[ReadModel, ...]:
        """The protection read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.runner, self.projection),)


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
