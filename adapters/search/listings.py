"""In-app search over listings: BM25 (``adapters.search.bm25``) over a listing's words,
its title counted three times, its description and attribute values once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from uuid import UUID

from adapters.matching.text import words_of
from adapters.search.bm25 import BM25Index
from application.shop.shop_search import SearchHit

TITLE_WEIGHT = 3


class BM25ListingSearch(BM25Index[UUID]):
    def index(
        self, listing_id: UUID, *, title: str, description: str, attributes: Mapping[str, str]
    ) -> None:
        terms: Counter[str] = Counter()
        for word in words_of(title):
            terms[word] += TITLE_WEIGHT
        for text in (description, *attributes.values()):
            terms.update(words_of(text))
        self.replace(listing_id, terms)

    def search(self, query: str, *, limit: int) -> list[SearchHit]:
        return [
            SearchHit(listing_id=listing_id, score=score, matched=matched)
            for listing_id, score, matched in self.ranked(query, limit=limit)
        ]
