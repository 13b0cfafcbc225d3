"""Text evidence: hashtags and keyword phrases, with normalisation and typo-tolerant matching.

Everything is folded the way hashtags are (case, accents, '#', separators). Candidates come
from inverted indexes (exact hashtag -> titles, word -> titles, character trigram -> titles),
and only those candidates are verified with fuzzy phrase matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from adapters.metrics import timed_lookup
from application.anchors.text_matching import TextCandidate, TitleWords
from domain.errors import InvalidValue
from domain.hashtags import normalise_hashtag

HASHTAG_SCORE = 0.9  # a title's own hashtag is strong evidence on its own
PHRASE_SCORE = 0.8  # a keyword phrase or the title's name, word for word in the caption
FUZZY_FLOOR = 88.0  # rapidfuzz ratio (0..100) below which a near-spelling is ignored
FUZZY_WEIGHT = 0.6  # a near-spelling is weaker evidence than an exact phrase
MIN_WORD = 3  # shorter words are too common to retrieve candidates by
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words_of(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _safe_hashtags(raws: Iterable[str]) -> set[str]:
    tags: set[str] = set()
    for raw in raws:
        try:
            tags.add(normalise_hashtag(raw))
        except InvalidValue:
            continue
    return tags


class InvertedTextEngine:
    """The text engine of the catalogue; rebuilt from the titles' events at start-up."""

    def __init__(self) -> None:
        self._titles: dict[str, TitleWords] = {}
        self._phrases: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._by_hashtag: dict[str, set[str]] = defaultdict(set)
        self._by_word: dict[str, set[str]] = defaultdict(set)
        self._by_trigram: dict[str, set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self._titles)

    def index(self, words: TitleWords) -> None:
        self.forget(words.title_id)
        self._titles[words.title_id] = words
        phrases = tuple(
            tuple(phrase_words)
            for phrase in (words.name, *words.keywords)
            if (phrase_words := words_of(phrase))
        )
        self._phrases[words.title_id] = phrases
        for tag in _safe_hashtags(words.hashtags):
            self._by_hashtag[tag].add(words.title_id)
        for phrase in phrases:
            # A phrase also stands as a hashtag: #DunePartTwo names "Dune Part Two".
            self._by_hashtag["".join(phrase)].add(words.title_id)
            for word in phrase:
                if len(word) >= MIN_WORD:
                    self._by_word[word].add(words.title_id)
                    for gram in _trigrams(word):
                        self._by_trigram[gram].add(words.title_id)

    def forget(self, title_id: str) -> None:
        if self._titles.pop(title_id, None) is None:
            return
        self._phrases.pop(title_id, None)
        for postings in (self._by_hashtag, self._by_word, self._by_trigram):
            for key in [key for key, ids in postings.items() if title_id in ids]:
                postings[key].discard(title_id)
                if not postings[key]:
                    del postings[key]

    @timed_lookup("text")
    def query(
        self, caption: str, hashtags: Sequence[str], *, limit: int = 10
    ) -> list[TextCandidate]:
        tags = _safe_hashtags(hashtags) | _safe_hashtags(
            word.lstrip("#") for word in caption.split() if word.startswith("#")
        )
        caption_words = words_of(caption)
        found: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))

        for tag in tags:
            for title_id in self._by_hashtag.get(tag, ()):
                found[title_id]["hashtags"].append(tag)
        for title_id in self._candidates_by_words(caption_words):
            self._verify_phrases(title_id, caption_words, found[title_id])

        candidates = [
            TextCandidate(title_id=title_id, score=_score(evidence), evidence=dict(evidence))
            for title_id, evidence in found.items()
            if evidence
        ]
        candidates.sort(key=lambda c: (-c.score, c.title_id))
        return candidates[:limit]

    def _candidates_by_words(self, caption_words: Sequence[str]) -> set[str]:
        titles: set[str] = set()
        for word in caption_words:
            if len(word) < MIN_WORD:
                continue
            exact = self._by_word.get(word)
            if exact:
                titles |= exact
                continue
            # A typo keeps most trigrams: retrieve titles sharing at least half of them.
            grams = _trigrams(word)
            counts: dict[str, int] = defaultdict(int)
            for gram in grams:
                for title_id in self._by_trigram.get(gram, ()):
                    counts[title_id] += 1
            titles |= {title_id for title_id, n in counts.items() if n * 2 >= len(grams)}
        return titles

    def _verify_phrases(
        self, title_id: str, caption_words: Sequence[str], evidence: dict[str, list[object]]
    ) -> None:
        caption_text = " ".join(caption_words)
        padded = f" {caption_text} "
        for phrase in self._phrases.get(title_id, ()):
            text = " ".join(phrase)
            if f" {text} " in padded:
                evidence["phrases"].append(text)
                continue
            if len(text) < 2 * MIN_WORD:
                continue  # fuzzy matching of very short phrases finds noise
            ratio = fuzz.partial_ratio(text, caption_text)
            if ratio >= FUZZY_FLOOR:
                evidence["near_phrases"].append({"phrase": text, "similarity": round(ratio, 1)})


def _score(evidence: dict[str, list[object]]) -> float:
    missing = 1.0
    for _tag in evidence.get("hashtags", ()):
        missing *= 1 - HASHTAG_SCORE
    for _phrase in evidence.get("phrases", ()):
        missing *= 1 - PHRASE_SCORE
    for near in evidence.get("near_phrases", ()):
        assert isinstance(near, dict)
        missing *= 1 - FUZZY_WEIGHT * float(near["similarity"]) / 100
    return round(1 - missing, 4)
