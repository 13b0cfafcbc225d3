"""In-app search over listings: BM25 over folded words, tolerant of typos.

Text is folded like captions (case, accents) and split into words; a listing's title counts
three times, its description and attribute values once. Postings map each word to the
listings holding it, so a query reads only the postings of its words. A query word that is
not in the vocabulary (a typo) is resolved through a character-trigram index of the
vocabulary: words sharing at least half its trigrams are compared with rapidfuzz, and those
at 80 or more (of 100) stand in for it, weighted by their similarity. Scores are BM25
(k1 = 1.2, b = 0.75).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from uuid import UUID

from rapidfuzz import fuzz

from adapters.matching.text import words_of
from application.shop_search import SearchHit

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3
TYPO_FLOOR = 80.0
MIN_TYPO_WORD = 4
MAX_EXPANSIONS = 5


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class BM25ListingSearch:
    def __init__(self) -> None:
        self._terms: dict[UUID, Counter[str]] = {}
        self._lengths: dict[UUID, int] = {}
        self._postings: dict[str, dict[UUID, int]] = defaultdict(dict)
        self._by_trigram: dict[str, set[str]] = defaultdict(set)
        self._total_length = 0

    def __len__(self) -> int:
        return len(self._terms)

    def index(
        self, listing_id: UUID, *, title: str, description: str, attributes: Mapping[str, str]
    ) -> None:
        self.forget(listing_id)
        terms: Counter[str] = Counter()
        for word in words_of(title):
            terms[word] += TITLE_WEIGHT
        for text in (description, *attributes.values()):
            terms.update(words_of(text))
        if not terms:
            return
        self._terms[listing_id] = terms
        length = sum(terms.values())
        self._lengths[listing_id] = length
        self._total_length += length
        for word, count in terms.items():
            if word not in self._postings:
                for trigram in _trigrams(word):
                    self._by_trigram[trigram].add(word)
            self._postings[word][listing_id] = count

    def forget(self, listing_id: UUID) -> None:
        terms = self._terms.pop(listing_id, None)
        if terms is None:
            return
        self._total_length -= self._lengths.pop(listing_id)
        for word in terms:
            postings = self._postings[word]
            postings.pop(listing_id, None)
            if not postings:
                del self._postings[word]
                for trigram in _trigrams(word):
                    self._by_trigram[trigram].discard(word)

    def search(self, query: str, *, limit: int) -> list[SearchHit]:
        documents = len(self._terms)
        if not documents:
            return []
        average = self._total_length / documents
        scores: dict[UUID, float] = defaultdict(float)
        matched: dict[UUID, set[str]] = defaultdict(set)
        for word in dict.fromkeys(words_of(query)):
            for term, weight in self._resolve(word):
                postings = self._postings[term]
                idf = math.log(1 + (documents - len(postings) + 0.5) / (len(postings) + 0.5))
                for listing_id, count in postings.items():
                    norm = count + K1 * (1 - B + B * self._lengths[listing_id] / average)
                    scores[listing_id] += weight * idf * count * (K1 + 1) / norm
                    matched[listing_id].add(term)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], str(item[0])))[:limit]
        return [
            SearchHit(listing_id=lid, score=score, matched=tuple(sorted(matched[lid])))
            for lid, score in ranked
        ]

    def _resolve(self, word: str) -> list[tuple[str, float]]:
        """The indexed words a query word stands for, with weights (1 for itself)."""
        if word in self._postings:
            return [(word, 1.0)]
        if len(word) < MIN_TYPO_WORD:
            return []
        grams = _trigrams(word)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self._by_trigram.get(gram, ()))
        near = [
            (term, fuzz.ratio(word, term))
            for term, count in shared.items()
            if count * 2 >= len(grams)
        ]
        near = [(term, score) for term, score in near if score >= TYPO_FLOOR]
        near.sort(key=lambda item: (-item[1], item[0]))
        return [(term, score / 100.0) for term, score in near[:MAX_EXPANSIONS]]
