"""Read models of the anchors program, rebuilt from the catalogue's log.

MatchIndex feeds the matching engines (titles' words, reference fingerprints) and keeps the
order in which videos were published, for retroactive sweeps. ReviewQueue holds the anchors
awaiting a reviewer, most popular videos first.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from application.anchors.text_matching import TextEngine, TitleWords
from application.log_follower import Handler
from application.media import MatchingEngine
from domain.anchors.audience import EngagementBatch
from domain.anchors.engagement import Engagement
from domain.anchors.matching import SignalEvidence, TimeRange
from domain.anchors.titles import Title
from domain.anchors.videos import Video
from domain.media import MediaFingerprints

REFERENCE_OWNER = "reference:"
VIDEO_OWNER = "video:"


def popularity(engagement: Engagement) -> int:
    """The review queue's order: the engagement score (``Engagement.score``)."""
    return engagement.score


class MatchIndex:
    def __init__(self, text: TextEngine, engines: Sequence[MatchingEngine]) -> None:
        self.text = text
        self.engines = {engine.signal: engine for engine in engines}
        self.reference_titles: dict[str, UUID] = {}
        self.title_names: dict[UUID, str] = {}
        self._words: dict[UUID, TitleWords] = {}
        self._exclusions: dict[str, tuple[TimeRange, ...]] = {}
        self._fingerprints: dict[str, dict[str, bytes]] = {}
        self._video_positions: list[int] = []
        self._video_ids: list[UUID] = []

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            Title.Registered.TOPIC: self._title_registered,
            Title.MatchWordsSet.TOPIC: self._words_set,
            Title.ReferenceAdded.TOPIC: self._reference_added,
            Title.ReferenceExclusionsSet.TOPIC: self._exclusions_set,
            MediaFingerprints.Taken.TOPIC: self._fingerprints_taken,
            Video.Published.TOPIC: self._video_published,
        }

    def videos_published_between(
        self, after: int, until: int, limit: int
    ) -> list[tuple[int, UUID]]:
        """(position, video id) of videos published in (after, until], oldest first."""
        start = bisect.bisect_right(self._video_positions, after)
        stop = bisect.bisect_right(self._video_positions, until, lo=start)
        stop = min(stop, start + limit)
        return list(
            zip(self._video_positions[start:stop], self._video_ids[start:stop], strict=True)
        )

    @property
    def last_video_position(self) -> int:
        return self._video_positions[-1] if self._video_positions else 0

    def words_of(self, title_id: UUID) -> TitleWords | None:
        return self._words.get(title_id)

    # Handlers ---------------------------------------------------------------------------

    def _title_registered(self, event: Any, _position: int) -> None:
        self.title_names[event.originator_id] = event.name
        self._index_words(TitleWords(title_id=str(event.originator_id), name=event.name))

    def _words_set(self, event: Any, _position: int) -> None:
        self._index_words(
            TitleWords(
                title_id=str(event.originator_id),
                name=self.title_names.get(event.originator_id, ""),
                hashtags=tuple(event.hashtags),
                keywords=tuple(event.keywords),
            )
        )

    def _index_words(self, words: TitleWords) -> None:
        self._words[UUID(words.title_id)] = words
        self.text.index(words)

    def _reference_added(self, event: Any, _position: int) -> None:
        reference_id = str(event.reference.reference_id)
        self.reference_titles[reference_id] = event.originator_id
        self._exclusions[reference_id] = tuple(event.reference.excluded)
        self._index_reference(reference_id)

    def _exclusions_set(self, event: Any, _position: int) -> None:
        reference_id = str(event.reference_id)
        self._exclusions[reference_id] = tuple(event.excluded)
        self._index_reference(reference_id)

    def _fingerprints_taken(self, event: Any, _position: int) -> None:
        owner: str = event.owner
        if owner.startswith(REFERENCE_OWNER):
            reference_id = owner.removeprefix(REFERENCE_OWNER)
            self._fingerprints[reference_id] = dict(event.fingerprints)
            self._index_reference(reference_id)

    def _index_reference(self, reference_id: str) -> None:
        fingerprints = self._fingerprints.get(reference_id)
        if fingerprints is None or reference_id not in self.reference_titles:
            return  # the other half of the pair arrives in the same transaction
        excluded = self._exclusions.get(reference_id, ())
        for signal, engine in self.engines.items():
            fingerprint = fingerprints.get(signal)
            if fingerprint:
                engine.index(reference_id, fingerprint, excluded)

    def _video_published(self, event: Any, position: int) -> None:
        self._video_positions.append(position)
        self._video_ids.append(event.originator_id)

    def export(self, position_of: Callable[[int], int] | None = None) -> dict[str, object]:
        """A comparable view for the audit's replay: what is indexed, keyed by what it is
        about. ``position_of`` maps this log's positions to the audited log's (a replayed
        copy numbers its records afresh)."""
        view: dict[str, object] = {}
        for title_id, name in self.title_names.items():
            view[f"title:{title_id}"] = (name, self._words.get(title_id))
        for reference_id, title_id in self.reference_titles.items():
            fingerprints = self._fingerprints.get(reference_id, {})
            view[f"reference:{reference_id}"] = (
                title_id,
                self._exclusions.get(reference_id, ()),
                {signal: len(data) for signal, data in fingerprints.items()},
            )
        for position, video_id in zip(self._video_positions, self._video_ids, strict=True):
            view[f"video:{video_id}"] = position if position_of is None else position_of(position)
        for signal, engine in self.engines.items():
            view[f"engine:{signal}"] = len(engine)
        return view


PROPOSAL = "proposal"
DISPUTE = "dispute"


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


class ReviewQueue:
    def __init__(self) -> None:
        self._open: dict[tuple[UUID, UUID], tuple[datetime, tuple[SignalEvidence, ...]]] = {}
        self._open_by_video: dict[UUID, set[UUID]] = {}
        self._disputes: dict[UUID, ReviewItem] = {}
        self._evidence_of_anchor: dict[UUID, tuple[SignalEvidence, ...]] = {}
        self._engagement: dict[UUID, Engagement] = {}

    @property
    def handlers(self) -> dict[str, Handler]:
        return {
            Video.EngagementRecorded.TOPIC: self._engagement_recorded,
            EngagementBatch.Recorded.TOPIC: self._engagement_batch,
            Video.AnchorProposed.TOPIC: self._proposed,
            Video.AnchorAttached.TOPIC: self._attached,
            Video.AnchorRejected.TOPIC: self._rejected,
            Video.AnchorRevoked.TOPIC: self._revoked,
            Video.AnchorDisputed.TOPIC: self._disputed,
            Video.AnchorDisputeDismissed.TOPIC: self._dispute_dismissed,
        }

    def __len__(self) -> int:
        return len(self._open) + len(self._disputes)

    def items(self) -> list[ReviewItem]:
        """Most popular first; among equals, the longest waiting first."""
        items = [
            ReviewItem(
                video_id=video_id,
                title_id=title_id,
                popularity=popularity(self._engagement.get(video_id, Engagement())),
                proposed_at=proposed_at,
                evidence=evidence,
            )
            for (video_id, title_id), (proposed_at, evidence) in self._open.items()
        ]
        items += [
            attrs.evolve(
                dispute,
                popularity=popularity(self._engagement.get(dispute.video_id, Engagement())),
            )
            for dispute in self._disputes.values()
        ]
        items.sort(key=lambda i: (-i.popularity, i.proposed_at, str(i.video_id), str(i.title_id)))
        return items

    def _engagement_recorded(self, event: Any, _position: int) -> None:
        current = self._engagement.get(event.originator_id, Engagement())
        self._engagement[event.originator_id] = current + event.added

    def _engagement_batch(self, event: Any, _position: int) -> None:
        for count in event.counts:
            current = self._engagement.get(count.video_id, Engagement())
            self._engagement[count.video_id] = current + count.added

    def _proposed(self, event: Any, _position: int) -> None:
        self._open[(event.originator_id, event.title_id)] = (
            event.proposed_at,
            tuple(event.evidence),
        )
        self._open_by_video.setdefault(event.originator_id, set()).add(event.title_id)

    def _attached(self, event: Any, _position: int) -> None:
        # Attaching settles the video: all of its proposals leave the queue.
        for title_id in self._open_by_video.pop(event.originator_id, set()):
            self._open.pop((event.originator_id, title_id), None)
        self._evidence_of_anchor[event.originator_id] = tuple(event.evidence)

    def _revoked(self, event: Any, _position: int) -> None:
        self._disputes.pop(event.originator_id, None)
        self._evidence_of_anchor.pop(event.originator_id, None)

    def _disputed(self, event: Any, _position: int) -> None:
        self._disputes[event.originator_id] = ReviewItem(
            video_id=event.originator_id,
            title_id=event.title_id,
            popularity=0,
            proposed_at=event.disputed_at,
            evidence=self._evidence_of_anchor.get(event.originator_id, ()),
            kind=DISPUTE,
            reason=event.reason,
        )

    def _dispute_dismissed(self, event: Any, _position: int) -> None:
        self._disputes.pop(event.originator_id, None)

    def _rejected(self, event: Any, _position: int) -> None:
        self._open.pop((event.originator_id, event.title_id), None)
        self._open_by_video.get(event.originator_id, set()).discard(event.title_id)

    def export(self) -> dict[str, object]:
        """A comparable view for the audit's replay: every open item, with its place."""
        return {
            f"{item.kind}:{item.video_id}/{item.title_id}": (place, item)
            for place, item in enumerate(self.items(), start=1)
        }
