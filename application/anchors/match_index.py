"""Read models of the anchors program, rebuilt from the catalogue's log.

MatchIndex feeds the matching engines (titles' words, reference fingerprints) and keeps the
order in which videos were published, for retroactive sweeps. (The review queue and the
open sweeps are persisted: ``application.anchors.review_queue``.)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from application.anchors.text_matching import TextEngine, TitleWords
from application.index_snapshots import IndexState
from application.log_follower import Handler
from application.media import MatchingEngine
from domain.anchors.matching import TimeRange
from domain.anchors.titles import Title
from domain.anchors.videos import Video
from domain.media import MediaFingerprints

REFERENCE_OWNER = "reference:"
VIDEO_OWNER = "video:"


class _VideoOrder:
    """Videos in publication order: a saved part (arrays, memory-mapped from a snapshot)
    followed by those published since, appended in memory."""

    def __init__(
        self,
        positions: NDArray[np.int64] | None = None,
        ids: NDArray[np.uint8] | None = None,
    ) -> None:
        self._saved_positions = np.zeros(0, np.int64) if positions is None else positions
        self._saved_ids = np.zeros((0, 16), np.uint8) if ids is None else ids
        self._positions: list[int] = []
        self._ids: list[UUID] = []

    def append(self, position: int, video_id: UUID) -> None:
        self._positions.append(position)
        self._ids.append(video_id)

    def __len__(self) -> int:
        return len(self._saved_positions) + len(self._positions)

    @property
    def last_position(self) -> int:
        if self._positions:
            return self._positions[-1]
        return int(self._saved_positions[-1]) if len(self._saved_positions) else 0

    def between(self, after: int, until: int, limit: int) -> list[tuple[int, UUID]]:
        """(position, video id) of videos published in (after, until], oldest first."""
        found: list[tuple[int, UUID]] = []
        saved = self._saved_positions
        start = int(np.searchsorted(saved, after, side="right"))
        stop = min(int(np.searchsorted(saved, until, side="right")), start + limit)
        found += [
            (int(saved[i]), UUID(bytes=self._saved_ids[i].tobytes())) for i in range(start, stop)
        ]
        start = bisect.bisect_right(self._positions, after)
        stop = bisect.bisect_right(self._positions, until, lo=start)
        stop = min(stop, start + limit - len(found))
        found += zip(self._positions[start:stop], self._ids[start:stop], strict=True)
        return found

    def __iter__(self) -> Iterator[tuple[int, UUID]]:
        for position, raw in zip(self._saved_positions, self._saved_ids, strict=True):
            yield int(position), UUID(bytes=raw.tobytes())
        yield from zip(self._positions, self._ids, strict=True)

    def arrays(self) -> tuple[NDArray[np.int64], NDArray[np.uint8]]:
        positions = np.concatenate(
            [self._saved_positions, np.array(self._positions, dtype=np.int64)]
        )
        fresh = np.frombuffer(b"".join(i.bytes for i in self._ids), np.uint8).reshape(-1, 16)
        return positions, np.concatenate([self._saved_ids, fresh])


class MatchIndex:
    """What the matching engines hold, and what the anchors program needs beside them.

    A reference's fingerprints are indexed when both its ``ReferenceAdded`` and its
    ``FingerprintsTaken`` (saved in one transaction) have been applied; they are not kept
    here afterwards (the engines hold what they index): changed exclusions read them again
    from the log through ``fingerprints_of``.
    """

    def __init__(
        self,
        text: TextEngine,
        engines: Sequence[MatchingEngine],
        fingerprints_of: Callable[[str], Mapping[str, bytes]],
    ) -> None:
        self.text = text
        self.engines = {engine.signal: engine for engine in engines}
        self._fingerprints_of = fingerprints_of
        self.reference_titles: dict[str, UUID] = {}
        self.title_names: dict[UUID, str] = {}
        self._words: dict[UUID, TitleWords] = {}
        self._exclusions: dict[str, tuple[TimeRange, ...]] = {}
        # What each indexed reference's fingerprints weigh, signal by signal (for the audit).
        self._sizes: dict[str, dict[str, int]] = {}
        # Fingerprints whose reference has not been applied yet.
        self._waiting: dict[str, dict[str, bytes]] = {}
        self._videos = _VideoOrder()

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
        return self._videos.between(after, until, limit)

    @property
    def last_video_position(self) -> int:
        return self._videos.last_position

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
        waiting = self._waiting.pop(reference_id, None)
        if waiting is not None:
            self._index_reference(reference_id, waiting)

    def _exclusions_set(self, event: Any, _position: int) -> None:
        reference_id = str(event.reference_id)
        self._exclusions[reference_id] = tuple(event.excluded)
        if reference_id in self._sizes:
            self._index_reference(reference_id, self._fingerprints_of(reference_id))

    def _fingerprints_taken(self, event: Any, _position: int) -> None:
        owner: str = event.owner
        if owner.startswith(REFERENCE_OWNER):
            reference_id = owner.removeprefix(REFERENCE_OWNER)
            if reference_id in self.reference_titles:
                self._index_reference(reference_id, dict(event.fingerprints))
            else:
                self._waiting[reference_id] = dict(event.fingerprints)

    def _index_reference(self, reference_id: str, fingerprints: Mapping[str, bytes]) -> None:
        self._sizes[reference_id] = {signal: len(data) for signal, data in fingerprints.items()}
        excluded = self._exclusions.get(reference_id, ())
        for signal, engine in self.engines.items():
            fingerprint = fingerprints.get(signal)
            if fingerprint:
                engine.index(reference_id, fingerprint, excluded)

    def _video_published(self, event: Any, position: int) -> None:
        self._videos.append(position, event.originator_id)

    # Snapshots --------------------------------------------------------------------------

    def state(self) -> IndexState:
        """The index's own tables, for a snapshot beside the engines' indexes."""
        positions, ids = self._videos.arrays()
        tables: dict[str, object] = {
            "titles": [
                [str(title_id), name, _words_value(self._words.get(title_id))]
                for title_id, name in self.title_names.items()
            ],
            # Words of titles whose registration is not in the log (kept as the log has them).
            "orphan_words": [
                _words_value(words)
                for title_id, words in self._words.items()
                if title_id not in self.title_names
            ],
            "references": [
                [
                    reference_id,
                    str(title_id),
                    [[span.start, span.end] for span in self._exclusions.get(reference_id, ())],
                    self._sizes.get(reference_id),
                ]
                for reference_id, title_id in self.reference_titles.items()
            ],
            "exclusions_without_reference": [
                [reference_id, [[span.start, span.end] for span in spans]]
                for reference_id, spans in self._exclusions.items()
                if reference_id not in self.reference_titles
            ],
            "waiting": [
                [reference_id, {signal: data.hex() for signal, data in prints.items()}]
                for reference_id, prints in self._waiting.items()
            ],
        }
        return IndexState(tables=tables, arrays={"video_positions": positions, "video_ids": ids})

    def restore(self, state: IndexState) -> None:
        """Take a snapshot's tables in place of this (fresh) index's; the text engine is given
        the titles' words again (words are cheap to index: nothing is decoded). Raises
        ``ValueError`` for tables that do not fit, before changing anything."""
        try:
            tables = state.tables
            titles = [
                (UUID(title_id), str(name), _words_of(words))
                for title_id, name, words in table_rows(tables["titles"])
            ]
            orphans = [_words_of(words) for words in table_list(tables["orphan_words"])]
            references = [
                (
                    str(reference_id),
                    UUID(title_id),
                    table_spans(spans),
                    None if sizes is None else {str(k): int(v) for k, v in dict(sizes).items()},
                )
                for reference_id, title_id, spans, sizes in table_rows(tables["references"])
            ]
            loose = [
                (str(reference_id), table_spans(spans))
                for reference_id, spans in table_rows(tables["exclusions_without_reference"])
            ]
            waiting = {
                str(reference_id): {str(k): bytes.fromhex(v) for k, v in dict(prints).items()}
                for reference_id, prints in table_rows(tables["waiting"])
            }
            positions = state.arrays["video_positions"]
            ids = state.arrays["video_ids"]
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"the index's tables do not fit: {error!r}") from None
        if (
            positions.dtype != np.int64
            or ids.dtype != np.uint8
            or positions.ndim != 1
            or len(positions) != len(ids)
            or ids.shape[1:] != (16,)
        ):
            raise ValueError("the videos' positions and ids do not fit")
        for title_id, name, words in titles:
            self.title_names[title_id] = name
            if words is not None:
                self._index_words(words)
        for words in orphans:
            if words is not None:
                self._index_words(words)
        for reference_id, title_id, spans, sizes in references:
            self.reference_titles[reference_id] = title_id
            self._exclusions[reference_id] = spans
            if sizes is not None:
                self._sizes[reference_id] = sizes
        for reference_id, spans in loose:
            self._exclusions[reference_id] = spans
        self._waiting = waiting
        self._videos = _VideoOrder(positions, ids)

    def export(self, position_of: Callable[[int], int] | None = None) -> dict[str, object]:
        """A comparable view for the audit's replay: what is indexed, keyed by what it is
        about. ``position_of`` maps this log's positions to the audited log's (a replayed
        copy numbers its records afresh)."""
        view: dict[str, object] = {}
        for title_id, name in self.title_names.items():
            view[f"title:{title_id}"] = (name, self._words.get(title_id))
        for reference_id, title_id in self.reference_titles.items():
            view[f"reference:{reference_id}"] = (
                title_id,
                self._exclusions.get(reference_id, ()),
                dict(self._sizes.get(reference_id, {})),
            )
        for position, video_id in self._videos:
            view[f"video:{video_id}"] = position if position_of is None else position_of(position)
        for signal, engine in self.engines.items():
            view[f"engine:{signal}"] = len(engine)
        return view


def _words_value(words: TitleWords | None) -> object:
    if words is None:
        return None
    return [words.title_id, words.name, list(words.hashtags), list(words.keywords)]


def _words_of(value: object) -> TitleWords | None:
    if value is None:
        return None
    title_id, name, hashtags, keywords = table_list(value)
    return TitleWords(
        title_id=str(UUID(str(title_id))),
        name=str(name),
        hashtags=tuple(str(h) for h in table_list(hashtags)),
        keywords=tuple(str(k) for k in table_list(keywords)),
    )


def table_list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, found {type(value).__name__}")
    return value


def table_rows(value: object) -> list[list[Any]]:
    return [table_list(row) for row in table_list(value)]


def table_spans(value: object) -> tuple[TimeRange, ...]:
    return tuple(TimeRange(float(start), float(end)) for start, end in table_rows(value))
