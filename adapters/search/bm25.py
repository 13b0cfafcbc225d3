"""BM25 over folded words, tolerant of typos: the text index behind the shop's search and
the creator marketplace.

Text is folded like captions (case, accents) and split into words; a document is a bag of
words with counts, which its owner may replace or add to. Postings map each word to the
documents holding it, as ordinals and counts kept in numpy arrays, so a query reads only the
postings of its words and scores them at once (a word common to a fifth of 100,000
documents is 20,000 postings: a Python loop over them is what made queries slow). A query
word that is not in the vocabulary (a typo) is resolved two ways, and the words found stand
in for it, weighted by their similarity:

- one edit away (a letter dropped, added, changed, or two neighbours swapped: Damerau-
  Levenshtein distance 1), found through an index of every vocabulary word with one letter
  deleted (a swap and a drop both leave a deletion in common with the word meant); this is
  what catches typos in short words ('umg', 'tte') and swaps ('jcaket'), which share few
  trigrams with the word meant;
- similar overall: words sharing at least half its character trigrams, compared with
  rapidfuzz, at 80 or more of 100 (longer words with more than one slip).

Query words of fewer than three letters are taken as typed. Scores are BM25 (k1 = 1.2,
b = 0.75).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from adapters.matching.text import words_of

K1 = 1.2
B = 0.75
TYPO_FLOOR = 80.0
MIN_TYPO_WORD = 3
MAX_EXPANSIONS = 5

Key = TypeVar("Key", bound=Hashable)


def trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def deletions(word: str) -> set[str]:
    """The word with one letter left out, each way (none for words too short to mistype)."""
    if len(word) < MIN_TYPO_WORD:
        return set()
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def near_words(
    word: str, *, one_deletion_apart: Iterable[str], sharing: Mapping[str, int]
) -> list[tuple[str, float]]:
    """The indexed words a query word missing from the vocabulary stands for, with weights,
    from what the vocabulary's indexes found: the words sharing a one-letter deletion with
    it (or equal to one of its deletions), and the words sharing its trigrams (with how
    many). Whoever keeps the vocabulary (in memory, in tables) answers the same."""
    similarity: dict[str, float] = {}
    for term in one_deletion_apart:
        if term != word and DamerauLevenshtein.distance(word, term) == 1:
            similarity[term] = 1 - 1 / max(len(word), len(term))
    grams = len(trigrams(word))
    for term, count in sharing.items():
        if count * 2 >= grams:
            score = fuzz.ratio(word, term) / 100.0
            if score * 100 >= TYPO_FLOOR:
                similarity[term] = max(score, similarity.get(term, 0.0))
    near = sorted(similarity.items(), key=lambda item: (-item[1], item[0]))
    return near[:MAX_EXPANSIONS]


def add_scores(
    scores: NDArray[np.float64],
    ordinals: NDArray[np.int64],
    counts: NDArray[np.float64],
    lengths: NDArray[np.float64],
    *,
    documents: int,
    average: float,
    weight: float,
) -> None:
    """Add one word's BM25 to the scores of the documents holding it (``ordinals``, each
    once, with the word's ``counts`` and the documents' ``lengths``)."""
    idf = inverse_frequency(documents, len(ordinals))
    norms = counts + K1 * (1 - B + B * lengths / average)
    scores[ordinals] += weight * idf * counts * (K1 + 1) / norms


def inverse_frequency(documents: int, holders: int) -> float:
    """BM25's idf of a word ``holders`` of the ``documents`` hold."""
    return math.log(1 + (documents - holders + 0.5) / (holders + 0.5))


def word_score(
    count: float, length: float, *, documents: int, holders: int, average: float, weight: float
) -> float:
    """One word's BM25 in one document, computed as ``add_scores`` computes it for many (so
    the same document scores the same either way)."""
    idf = inverse_frequency(documents, holders)
    norm = count + K1 * (1 - B + B * length / average)
    return weight * idf * count * (K1 + 1) / norm


def shortlist(scores: NDArray[np.float64], limit: int) -> NDArray[np.intp]:
    """The documents scored that score at least the ``limit``-th best, ties included: the
    only ones ``in_order`` needs the keys of."""
    found = np.flatnonzero(scores)
    if len(found) > limit:
        kth = np.partition(scores[found], len(found) - limit)[len(found) - limit]
        found = found[scores[found] >= kth]
    return found


def in_order(
    scores: NDArray[np.float64],
    found: NDArray[np.intp],
    key_of: Callable[[int], Key | None],
    limit: int,
) -> list[tuple[Key, float, int]]:
    """The ``limit`` best (key, score, ordinal) of the ``found`` documents, best first, ties
    in the order of keys as text."""
    return sorted(
        ((key, float(scores[o]), o) for o in map(int, found) if (key := key_of(o)) is not None),
        key=lambda item: (-item[1], str(item[0])),
    )[:limit]


class BM25Index(Generic[Key]):
    """Documents named by keys (any hashable: a listing's id, a creator's account)."""

    def __init__(self) -> None:
        self._terms: dict[Key, Counter[str]] = {}
        self._ordinals: dict[Key, int] = {}
        self._ids: list[Key | None] = []
        self._lengths = np.zeros(1024, dtype=np.float64)
        self._postings: dict[str, dict[int, int]] = defaultdict(dict)
        self._arrays: dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]] = {}
        self._by_trigram: dict[str, set[str]] = defaultdict(set)
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        self._total_length = 0

    def __len__(self) -> int:
        return len(self._terms)

    def replace(self, key: Key, terms: Mapping[str, int]) -> None:
        """The document's words are these (an empty bag forgets it)."""
        self.forget(key)
        self.add(key, terms)

    def add(self, key: Key, terms: Mapping[str, int]) -> None:
        """Add words to the document (opening it if new): a creator's next video."""
        terms = {word: count for word, count in terms.items() if count > 0}
        if not terms:
            return
        ordinal = self._ordinals.get(key)
        if ordinal is None:
            ordinal = self._ordinals[key] = len(self._ids)
            self._ids.append(key)
            if ordinal >= len(self._lengths):
                self._lengths = np.concatenate([self._lengths, np.zeros_like(self._lengths)])
        document = self._terms.setdefault(key, Counter())
        length = sum(terms.values())
        self._lengths[ordinal] += length
        self._total_length += length
        for word, count in terms.items():
            if word not in self._postings:
                for trigram in trigrams(word):
                    self._by_trigram[trigram].add(word)
                for deletion in deletions(word):
                    self._by_deletion[deletion].add(word)
            document[word] += count
            self._postings[word][ordinal] = document[word]
            self._arrays.pop(word, None)

    def forget(self, key: Key) -> None:
        terms = self._terms.pop(key, None)
        if terms is None:
            return
        ordinal = self._ordinals[key]
        self._total_length -= int(self._lengths[ordinal])
        self._lengths[ordinal] = 0
        for word in terms:
            self._arrays.pop(word, None)
            postings = self._postings[word]
            postings.pop(ordinal, None)
            if not postings:
                del self._postings[word]
                for trigram in trigrams(word):
                    self._by_trigram[trigram].discard(word)
                for deletion in deletions(word):
                    self._by_deletion[deletion].discard(word)

    def ranked(self, query: str, *, limit: int) -> list[tuple[Key, float, tuple[str, ...]]]:
        """(key, score, the indexed words matched), best first; ties in the order of keys."""
        documents = len(self._terms)
        if not documents or limit < 1:
            return []
        average = self._total_length / documents
        scores = np.zeros(len(self._ids), dtype=np.float64)
        terms: list[str] = []
        for word in dict.fromkeys(words_of(query)):
            for term, weight in self._resolve(word):
                ordinals, counts = self._postings_of(term)
                add_scores(
                    scores,
                    ordinals,
                    counts,
                    self._lengths[ordinals],
                    documents=documents,
                    average=average,
                    weight=weight,
                )
                terms.append(term)
        ranked = in_order(scores, shortlist(scores, limit), self._ids.__getitem__, limit)
        return [
            (key, score, tuple(sorted({t for t in terms if ordinal in self._postings[t]})))
            for key, score, ordinal in ranked
        ]

    def _postings_of(self, term: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        arrays = self._arrays.get(term)
        if arrays is None:
            postings = self._postings[term]
            arrays = (
                np.fromiter(postings.keys(), dtype=np.int64, count=len(postings)),
                np.fromiter(postings.values(), dtype=np.float64, count=len(postings)),
            )
            self._arrays[term] = arrays
        return arrays

    def _resolve(self, word: str) -> list[tuple[str, float]]:
        """The indexed words a query word stands for, with weights (1 for itself)."""
        if word in self._postings:
            return [(word, 1.0)]
        if len(word) < MIN_TYPO_WORD:
            return []
        grams = trigrams(word)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self._by_trigram.get(gram, ()))
        return near_words(word, one_deletion_apart=self._one_deletion_apart(word), sharing=shared)

    def _one_deletion_apart(self, word: str) -> set[str]:
        """Vocabulary words sharing a one-letter deletion with ``word``, or one of them."""
        found: set[str] = set()
        for variant in (word, *deletions(word)):
            found.update(self._by_deletion.get(variant, ()))
            if variant != word and variant in self._postings:
                found.add(variant)  # the typo added a letter
        return found
