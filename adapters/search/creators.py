"""Free text over creators' videos for the marketplace: each creator is one BM25 document
(``adapters.search.bm25``) that grows by the caption and hashtags of every video they
publish.

``FollowedCreatorText`` keeps that index in this process, following the catalogue's log on
its own (every process builds it from the log at its first search): the marketplace's
projection writes no text through it, and its generations have none.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from adapters.matching.text import words_of
from adapters.search.bm25 import BM25Index
from application.log_follower import LogFollower
from application.projections import Batch
from domain.anchors.videos import Video


class BM25CreatorSearch(BM25Index[str]):
    def add_text(self, creator: str, text: str) -> None:
        self.add(creator, Counter(words_of(text)))

    def search(self, query: str, *, limit: int) -> list[tuple[str, float, tuple[str, ...]]]:
        return self.ranked(query, limit=limit)


class FollowedCreatorText:
    """``application.business.marketplace_projection.CreatorText`` in process memory."""

    def __init__(self, catalogue: Application[UUID]) -> None:
        self.index = BM25CreatorSearch()
        self._follower = LogFollower(catalogue, {Video.Published.TOPIC: self._published})
        self._lock = threading.Lock()

    def _published(self, event: Any, _position: int) -> None:
        self.index.add_text(event.creator_id, " ".join((event.caption, *event.hashtags)))

    def create(self, generation: int) -> None:
        pass

    def drop(self, generation: int) -> None:
        pass

    def add(self, batch: Batch, texts: Sequence[tuple[str, str]]) -> None:
        pass  # followed from the log instead

    def search(
        self, generation: int, query: str, *, limit: int
    ) -> list[tuple[str, float, tuple[str, ...]]]:
        with self._lock:
            self._follower.catch_up()
            return self.index.search(query, limit=limit)
