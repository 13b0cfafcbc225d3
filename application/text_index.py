"""A text index kept in a projection's tables (a port): documents named by keys (a listing's
id, a creator's account), each a bag of folded words with counts, ranked by BM25 with typos
resolved through the vocabulary (``adapters.projections.text_index``).

Writes go through the projection's batch, so the index moves with the rest of its rows and
the positions it applied; reads name the generation the runner answered.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import Protocol, TypeVar

from application.projections import Batch

Key = TypeVar("Key", bound=Hashable)


class TextIndex(Protocol[Key]):
    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def words(self, text: str) -> list[str]:
        """The text's words folded as the index folds a query (case, accents)."""
        ...

    def replace(self, batch: Batch, documents: Mapping[Key, Mapping[str, int]]) -> None:
        """Each document's words are these (an empty bag forgets it)."""
        ...

    def add(self, batch: Batch, documents: Mapping[Key, Mapping[str, int]]) -> None:
        """Add words to each document (opening it if new): a creator's next video."""
        ...

    def forget(self, batch: Batch, keys: Collection[Key]) -> None: ...

    def ranked(
        self, generation: int, query: str, *, limit: int
    ) -> list[tuple[Key, float, tuple[str, ...]]]:
        """(key, score, the indexed words matched), best first, ties in the order of keys as
        text; only the postings of the query's words and of what its typos stand for are
        read."""
        ...

    def export(self, generation: int) -> Mapping[str, object]:
        """A comparable view of every document and the vocabulary, for the audit's replay."""
        ...
