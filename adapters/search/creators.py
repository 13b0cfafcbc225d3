"""Free text over creators' videos for the marketplace: each creator is one BM25 document
(``adapters.search.bm25``) that grows by the caption and hashtags of every video they
publish."""

from __future__ import annotations

from collections import Counter

from adapters.matching.text import words_of
from adapters.search.bm25 import BM25Index


class BM25CreatorSearch(BM25Index[str]):
    def add_text(self, creator: str, text: str) -> None:
        self.add(creator, Counter(words_of(text)))

    def search(self, query: str, *, limit: int) -> list[tuple[str, float, tuple[str, ...]]]:
        return self.ranked(query, limit=limit)
