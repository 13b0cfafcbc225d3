"""The anchors review queue and the open match sweeps, persisted in the projection store.

The queue holds the proposed anchors awaiting a reviewer and the creators' open disputes of
attached ones, each with the evidence the anchor rests on; most popular videos first
(``Engagement.score``), then the longest waiting. The open sweeps are those started and not
finished, in the order they started: the background pass continues them.

The rows live in the projection store (``ReviewTables``, a port: ``adapters.projections
.review_queue`` holds them in SQL), written in the same transaction as the catalogue position
they reach, so a restarted process applies nothing again and keeps nothing in memory. A
page of the queue is a seek on its order's index from the place of the previous page's last
item (``QueuePlace``, the cursor), so reading on never counts what came before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any, Protocol
from uuid import UUID

import attrs

from application.anchors.engagement_reading import added_by_video, read_engagement_batch
from application.logs import CatalogueLog
from application.paging import KeysetCursors, int_at, uuid_at
from application.projections import Batch, StoredReader
from application.read_models import LogPositions
from domain.anchors.audience import EngagementBatch
from domain.anchors.engagement import Engagement
from domain.anchors.matching import SignalEvidence
from domain.anchors.sweeps import MatchSweep
from domain.anchors.titles import Title
from domain.anchors.videos import Video

#: The read model's name in the registry and the projection store (the auditor's replay
#: reports under it).
NAME = "anchors review queue"

PROPOSAL = "proposal"
DISPUTE = "dispute"

#: Rows read at most in one query while a page is filled past items a reader leaves out.
READ_AT_MOST = 1000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def popularity(engagement: Engagement) -> int:
    """The review queue's order: the engagement score (``Engagement.score``)."""
    return engagement.score


@attrs.frozen
class ReviewItem:
    """A proposed anchor to decide, or a creator's dispute of an attached one."""

    video_id: UUID
    title_id: UUID
    popularity: int
    proposed_at: datetime  # when the item entered the queue
    evidence: tuple[SignalEvidence, ...]
    kind: str = PROPOSAL
    reason: str = ""  # the creator's words, for a dispute


#: What a title's anchor list shows of an anchor.
PROPOSED, ATTACHED, DISPUTED = "proposed", "attached", "disputed"


@attrs.frozen
class TitleAnchor:
    """A video's anchor to a studio's title, proposed, attached or disputed, with the
    evidence it rests on; ``order`` is the log position it was first proposed or attached
    at, its place in the studio's list."""

    order: int
    video_id: UUID
    title_id: UUID
    state: str
    since: datetime  # when it was proposed or attached
    evidence: tuple[SignalEvidence, ...]
    reason: str = ""  # the creator's words, for a dispute


#: A dispute's states in a studio's list of the disputes on its titles.
OPEN, UPHELD, DISMISSED, WITHDRAWN = "open", "upheld", "dismissed", "withdrawn"


@attrs.frozen
class TitleDispute:
    """A creator's dispute of an anchor to a studio's title: open, upheld (the anchor was
    revoked), dismissed, or withdrawn (moderation took the anchor away first); ``order`` is
    the log position of the dispute, its place in the studio's list."""

    order: int
    video_id: UUID
    title_id: UUID
    state: str
    disputed_at: datetime
    reason: str  # the creator's words
    decided_at: datetime | None = None
    decision_reason: str = ""


def microseconds(at: datetime) -> int:
    """An instant as whole microseconds since the epoch: its place in the queue's order
    whatever its offset."""
    return (at - _EPOCH) // _MICROSECOND


#: The queue's cursors: the place of a page's last item (``application.paging``).
CURSORS = KeysetCursors("anchors review queue", int, int, UUID, UUID, int)


@attrs.frozen
class QueuePlace:
    """Where an item stands in the queue's order: (popularity, highest first; waiting since,
    earliest first; video; title; a proposal before a dispute). A page starts after one."""

    popularity: int
    since: int  # microseconds since the epoch
    video_id: UUID
    title_id: UUID
    dispute: bool

    @classmethod
    def of(cls, item: ReviewItem) -> QueuePlace:
        return cls(
            popularity=item.popularity,
            since=microseconds(item.proposed_at),
            video_id=item.video_id,
            title_id=item.title_id,
            dispute=item.kind == DISPUTE,
        )

    @property
    def cursor(self) -> str:
        return CURSORS.encode(
            (self.popularity, self.since, self.video_id, self.title_id, int(self.dispute))
        )

    @classmethod
    def after(cls, cursor: str | None) -> QueuePlace | None:
        """The place a cursor names; none (the start) for no cursor."""
        key = CURSORS.decode(cursor)
        if key is None:
            return None
        return cls(
            popularity=int_at(key, 0),
            since=int_at(key, 1),
            video_id=uuid_at(key, 2),
            title_id=uuid_at(key, 3),
            dispute=int_at(key, 4) == 1,
        )


class ReviewTables(Protocol):
    """The queue's and the open sweeps' rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    # Writes (within the batch that moves the catalogue log's position) ------------------

    def add_popularity(self, batch: Batch, added: Mapping[UUID, int]) -> None:
        """Add to videos' popularity, and to that of their items in the queue."""
        ...

    def propose(
        self,
        batch: Batch,
        video_id: UUID,
        title_id: UUID,
        proposed_at: datetime,
        evidence: Sequence[SignalEvidence],
    ) -> None:
        """Queue the proposal at the video's popularity (again: it waits from now)."""
        ...

    def settle(self, batch: Batch, settled: Mapping[UUID, Sequence[SignalEvidence]]) -> None:
        """The videos are anchored: their proposals leave the queue; each anchor's evidence
        is kept for a dispute (in place of any kept before)."""
        ...

    def reject(self, batch: Batch, video_id: UUID, title_id: UUID) -> None: ...

    def dispute(
        self, batch: Batch, video_id: UUID, title_id: UUID, disputed_at: datetime, reason: str
    ) -> None:
        """Queue the video's dispute (in place of any other of it), with the anchor's kept
        evidence, at the video's popularity."""
        ...

    def close_dispute(self, batch: Batch, video_id: UUID, *, revoked: bool) -> None:
        """The video's dispute leaves the queue; a revoked anchor's evidence is forgotten."""
        ...

    # The studios' lists of their titles' anchors ------------------------------------------

    def register_title(self, batch: Batch, title_id: UUID, studio_id: str) -> None: ...

    def list_anchor(self, batch: Batch, anchor: TitleAnchor) -> None:
        """Keep the anchor in its studio's list, at the place it already has if listed; an
        attached one takes the video's other proposals out."""
        ...

    def list_anchors(self, batch: Batch, anchors: Sequence[TitleAnchor]) -> None:
        """``list_anchor`` each in turn, in fewer statements."""
        ...

    def unlist_anchor(self, batch: Batch, video_id: UUID, title_id: UUID) -> None: ...

    def set_anchor_state(
        self, batch: Batch, video_id: UUID, title_id: UUID, state: str, reason: str
    ) -> None: ...

    # The studios' lists of the disputes on their titles ------------------------------

    def open_dispute(self, batch: Batch, dispute: TitleDispute) -> None:
        """List the dispute on its title's studio's list (a title no studio registered in
        this log lists nothing)."""
        ...

    def decide_dispute(
        self, batch: Batch, video_id: UUID, *, state: str, at: datetime, reason: str
    ) -> None:
        """The video's open dispute, if any, is decided."""
        ...

    def start_sweep(self, batch: Batch, sweep_id: UUID, position: int) -> None: ...

    def finish_sweep(self, batch: Batch, sweep_id: UUID) -> None: ...

    # Reads --------------------------------------------------------------------------------

    def queue(self, generation: int, *, after: QueuePlace | None, limit: int) -> list[ReviewItem]:
        """At most ``limit`` items in the queue's order, from just after ``after``."""
        ...

    def open_sweeps(self, generation: int) -> list[UUID]:
        """The sweeps started and not finished, in the order they started."""
        ...

    def proposals_of(self, generation: int, video_ids: Collection[UUID]) -> list[tuple[UUID, UUID]]:
        """The (video, title) of every open proposal on these videos."""
        ...

    def title_anchors(
        self, generation: int, studio_id: str, *, after: int | None, limit: int
    ) -> list[TitleAnchor]:
        """At most ``limit`` anchors on the studio's titles placed after ``after`` (none:
        from the first), in their list's order."""
        ...

    def title_disputes(
        self, generation: int, studio_id: str, *, after: int | None, limit: int
    ) -> list[TitleDispute]:
        """At most ``limit`` disputes on the studio's titles placed after ``after`` (none:
        from the first), in the order they were opened."""
        ...


_ENGAGEMENT = frozenset((Video.EngagementRecorded.TOPIC, EngagementBatch.Recorded.TOPIC))


def _run_of(event: Any) -> str:
    """Which run of a page an event belongs to: engagement and attached anchors are applied
    a run at a time, every other event in turn."""
    topic = type(event).TOPIC
    if topic in _ENGAGEMENT:
        return "engagement"
    return "attached" if topic == Video.AnchorAttached.TOPIC else ""


def _added(events: Sequence[Any]) -> dict[UUID, int]:
    """The popularity engagement events add, by video (the score adds up)."""
    added: dict[UUID, int] = {}
    for event in events:
        if type(event).TOPIC == Video.EngagementRecorded.TOPIC:
            counts: Iterable[tuple[UUID, Engagement]] = [(event.originator_id, event.added)]
        else:
            # A batch's counts summed by video first: the score of a sum is the sum of
            # the scores.
            counts = added_by_video(event).items()
        for video_id, more in counts:
            added[video_id] = added.get(video_id, 0) + popularity(more)
    return added


class ReviewQueueProjection:
    """Which rows each event of the catalogue log changes, and the pages read from them."""

    name = NAME
    version = 3  # 2: the studios' lists of their titles' anchors; 3: and of the disputes

    def __init__(self, tables: ReviewTables) -> None:
        self.tables = tables
        self._handlers: dict[str, Callable[[Batch, Any, int], None]] = {
            Video.EngagementRecorded.TOPIC: self._engagement,
            EngagementBatch.Recorded.TOPIC: self._engagement,
            Video.AnchorProposed.TOPIC: self._proposed,
            Video.AnchorAttached.TOPIC: self._attached,
            Video.AnchorRejected.TOPIC: self._rejected,
            Video.AnchorRevoked.TOPIC: self._revoked,
            Video.AnchorDisputed.TOPIC: self._disputed,
            Video.AnchorDisputeDismissed.TOPIC: self._dispute_dismissed,
            MatchSweep.Started.TOPIC: self._sweep_started,
            MatchSweep.Finished.TOPIC: self._sweep_finished,
            Title.Registered.TOPIC: self._title_registered,
        }
        self.follows: Mapping[str, Sequence[str]] = {CatalogueLog.name: tuple(self._handlers)}
        #: An engagement batch is read only as far as its sums by video.
        self.readers: Mapping[str, StoredReader] = {
            EngagementBatch.Recorded.TOPIC: read_engagement_batch
        }

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self._handlers[type(event).TOPIC](batch, event, position)

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        """A run of engagement is added at once (it only moves popularity, which adds up),
        and so is a run of attached anchors (each settles its own video: the last evidence
        of a video is the one kept); every other event in turn."""
        for kind, group in groupby(events, key=lambda item: _run_of(item[0])):
            run = list(group)
            if kind == "engagement":
                self.tables.add_popularity(batch, _added([event for event, _ in run]))
            elif kind == "attached":
                settled = {event.originator_id: tuple(event.evidence) for event, _ in run}
                self.tables.settle(batch, settled)
                self.tables.list_anchors(
                    batch,
                    [
                        TitleAnchor(
                            position,
                            event.originator_id,
                            event.title_id,
                            ATTACHED,
                            event.attached_at,
                            tuple(event.evidence),
                        )
                        for event, position in run
                    ],
                )
            else:
                for event, position in run:
                    self.apply(batch, log, event, position)

    # Questions -----------------------------------------------------------------------------

    def page(
        self,
        generation: int,
        *,
        after: QueuePlace | None,
        limit: int,
        excluded: Callable[[Collection[UUID]], Container[UUID]],
    ) -> tuple[list[ReviewItem], bool]:
        """At most ``limit`` items after ``after`` whose video is not among those the reader
        finds ``excluded`` (asked once per read of rows), and whether another item follows
        them. Items left out are read past in growing steps, never all at once."""
        found: list[ReviewItem] = []
        ask = min(limit + 1, READ_AT_MOST)
        while True:
            rows = self.tables.queue(generation, after=after, limit=ask)
            left_out = excluded({item.video_id for item in rows})
            for item in rows:
                if item.video_id not in left_out:
                    found.append(item)
                    if len(found) > limit:
                        return found[:limit], True
            if len(rows) < ask:
                return found, False
            after = QueuePlace.of(rows[-1])
            ask = min(ask * 2, READ_AT_MOST)

    def open_sweeps(self, generation: int) -> list[UUID]:
        return self.tables.open_sweeps(generation)

    def proposals_of(self, generation: int, video_ids: Collection[UUID]) -> list[tuple[UUID, UUID]]:
        """The (video, title) of every open proposal on these videos, read in runs of at
        most ``READ_AT_MOST`` videos."""
        wanted = sorted(set(video_ids))
        found: list[tuple[UUID, UUID]] = []
        for start in range(0, len(wanted), READ_AT_MOST):
            found.extend(self.tables.proposals_of(generation, wanted[start : start + READ_AT_MOST]))
        return found

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """A comparable view for the audit's replay: every item with its place in the
        queue, and every open sweep with its place among them."""
        view: dict[str, object] = {}
        place, after = 0, None
        while True:
            rows = self.tables.queue(generation, after=after, limit=READ_AT_MOST)
            for item in rows:
                place += 1
                view[f"{item.kind}:{item.video_id}/{item.title_id}"] = (place, item)
            if len(rows) < READ_AT_MOST:
                break
            after = QueuePlace.of(rows[-1])
        for number, sweep_id in enumerate(self.tables.open_sweeps(generation), start=1):
            view[f"sweep:{sweep_id}"] = number
        return view

    # Handlers ------------------------------------------------------------------------------

    def _engagement(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.add_popularity(batch, _added([event]))

    def _title_registered(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.register_title(batch, event.originator_id, event.studio_id)

    def _proposed(self, batch: Batch, event: Any, position: int) -> None:
        evidence = tuple(event.evidence)
        self.tables.propose(batch, event.originator_id, event.title_id, event.proposed_at, evidence)
        self.tables.list_anchor(
            batch,
            TitleAnchor(
                position, event.originator_id, event.title_id, PROPOSED, event.proposed_at, evidence
            ),
        )

    def _attached(self, batch: Batch, event: Any, position: int) -> None:
        # Attaching settles the video: all of its proposals leave the queue.
        evidence = tuple(event.evidence)
        self.tables.settle(batch, {event.originator_id: evidence})
        self._list_attached(batch, event, position, evidence)

    def _list_attached(
        self, batch: Batch, event: Any, position: int, evidence: tuple[SignalEvidence, ...]
    ) -> None:
        self.tables.list_anchor(
            batch,
            TitleAnchor(
                position, event.originator_id, event.title_id, ATTACHED, event.attached_at, evidence
            ),
        )

    def _rejected(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.reject(batch, event.originator_id, event.title_id)
        self.tables.unlist_anchor(batch, event.originator_id, event.title_id)

    def _revoked(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.close_dispute(batch, event.originator_id, revoked=True)
        self.tables.unlist_anchor(batch, event.originator_id, event.title_id)
        self.tables.decide_dispute(
            batch,
            event.originator_id,
            state=WITHDRAWN if event.revoked_by == "moderation" else UPHELD,
            at=event.revoked_at,
            reason=event.reason,
        )

    def _disputed(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.dispute(
            batch, event.originator_id, event.title_id, event.disputed_at, event.reason
        )
        self.tables.set_anchor_state(
            batch, event.originator_id, event.title_id, DISPUTED, event.reason
        )
        self.tables.open_dispute(
            batch,
            TitleDispute(
                position, event.originator_id, event.title_id, OPEN, event.disputed_at, event.reason
            ),
        )

    def _dispute_dismissed(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.close_dispute(batch, event.originator_id, revoked=False)
        self.tables.set_anchor_state(batch, event.originator_id, event.title_id, ATTACHED, "")
        self.tables.decide_dispute(
            batch, event.originator_id, state=DISMISSED, at=event.dismissed_at, reason=event.reason
        )

    def _sweep_started(self, batch: Batch, event: Any, position: int) -> None:
        self.tables.start_sweep(batch, event.originator_id, position)

    def _sweep_finished(self, batch: Batch, event: Any, _position: int) -> None:
        self.tables.finish_sweep(batch, event.originator_id)
