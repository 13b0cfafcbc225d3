"""How hashtags are compared: one canonical spelling per tag."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from domain.errors import InvalidValue

MAX_HASHTAGS = 50
MAX_HASHTAG_LENGTH = 100
_SEPARATORS = str.maketrans("", "", "_-. '\u2019")


def normalise_hashtag(raw: str) -> str:
    """Fold case, accents, a leading '#' and common separators.

    '#Dune_Part-Two' and 'dune part two' both become 'duneparttwo'.
    """
    decomposed = unicodedata.normalize("NFKD", raw.strip().lstrip("#"))
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = without_marks.casefold().translate(_SEPARATORS)
    if not folded:
        raise InvalidValue(f"empty hashtag {raw!r}")
    if len(folded) > MAX_HASHTAG_LENGTH or not all(c.isalnum() for c in folded):
        raise InvalidValue(f"not a hashtag: {raw!r}")
    return folded


def hashtag_of_phrase(phrase: str) -> str:
    """The hashtag people make of a name: 'Dune: Part Two' -> 'duneparttwo'."""
    decomposed = unicodedata.normalize("NFKD", phrase)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in without_marks.casefold() if c.isalnum())


def normalise_hashtags(raws: Iterable[str]) -> tuple[str, ...]:
    """Canonical, de-duplicated tags in the order first given."""
    tags = tuple(dict.fromkeys(normalise_hashtag(raw) for raw in raws))
    if len(tags) > MAX_HASHTAGS:
        raise InvalidValue(f"a video carries at most {MAX_HASHTAGS} hashtags")
    return tags
