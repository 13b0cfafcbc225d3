"""In-app search over listings: BM25 (``adapters.search.bm25``) over a listing's words,
its title counted three times, its description and attribute values once.

Shop search keeps its index in the projection store (``adapters.projections.shop_search``);
``BM25ListingSearch`` is the same index in memory, which the persisted one is checked
against and the ranking's unit tests use."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from uuid import UUID

import attrs

from adapters.matching.text import words_of
from adapters.search.bm25 import BM25Index

TITLE_WEIGHT = 3


@attrs.frozen
class SearchHit:
    listing_id: UUID
    score: float  # higher is better; comparable within one query
    matched: tuple[str, ...]  # the indexed words the query matched (typos resolved)


def listing_terms(title: str, description: str, attributes: Mapping[str, str]) -> Counter[str]:
    """The words a listing is found by, with their weights."""
    terms: Counter[str] = Counter()
    for word in words_of(title):
        terms[word] += TITLE_WEIGHT
    for text in (description, *attributes.values()):
        terms.update(words_of(text))
    return terms


class BM25ListingSearch(BM25Index[UUID]):
    def index(
        self, listing_id: UUID, *, title: str, description: str, attributes: Mapping[str, str]
    ) -> None:
        self.replace(listing_id, listing_terms(title, description, attributes))

    def search(self, query: str, *, limit: int) -> list[SearchHit]:
        return [
            SearchHit(listing_id=listing_id, score=score, matched=matched)
            for listing_id, score, matched in self.ranked(query, limit=limit)
        ]
