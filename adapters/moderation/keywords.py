"""A content classifier over a video's words: curated term lists per policy label, matched
against the caption and hashtags after folding case and accents and undoing the usual
character swaps ('s3x', 'c0caine', 'n$fw').

What it reads: every word of the caption, every two- and three-word run of it (phrases), and
each hashtag whole and as a compound ('#cocainehaul' holds 'cocaine'; only terms of six
letters or more are looked for inside hashtags, so that 'meth' does not fire on '#method'
nor 'gun' on '#gunther'). Words common in harmless videos are left out of the lists ('nude'
is a lipstick shade; 'slots' are booked).

What it does not read: the pictures. Text burned into frames would need OCR, and no OCR
engine ships with its model inside a package installed here; a flag's evidence always names
the words it rests on, so reviewers see why.

Severity per label: ``restrict`` keeps the video out of every program until a reviewer
decides (sexual content, drugs, graphic violence, self-harm, gambling); ``note`` only asks
for a look (weapons, alcohol), because those words are common in harmless videos.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from adapters.matching.text import fold
from domain.trust.moderation import Flag, Severity

VERSION: Final = "keywords-v1"

TERMS: Final[Mapping[str, tuple[Severity, frozenset[str]]]] = {
    "sexual-content": (
        Severity.RESTRICT,
        frozenset(
            {
                "nsfw",
                "porn",
                "porno",
                "nudes",
                "xxx",
                "onlyfans",
                "sex tape",
                "explicit content",
                "18 only",
                "adults only",
                "hentai",
            }
        ),
    ),
    "drugs": (
        Severity.RESTRICT,
        frozenset(
            {
                "cocaine",
                "heroin",
                "meth",
                "mdma",
                "ecstasy",
                "ketamine",
                "fentanyl",
                "lsd",
                "weed for sale",
                "buy weed",
                "pills for sale",
            }
        ),
    ),
    "graphic-violence": (
        Severity.RESTRICT,
        frozenset(
            {"gore", "beheading", "bloodbath", "snuff", "real fight blood", "execution video"}
        ),
    ),
    "self-harm": (
        Severity.RESTRICT,
        frozenset(
            {
                "selfharm",
                "self harm",
                "cutting myself",
                "suicide",
                "kill myself",
                "want to die",
                "pro ana",
                "proana",
                "thinspo",
            }
        ),
    ),
    "gambling": (
        Severity.RESTRICT,
        frozenset(
            {"casino", "betting", "sportsbook", "slot machine", "gamble", "gambling", "poker"}
        ),
    ),
    "weapons": (
        Severity.NOTE,
        frozenset({"gun", "guns", "rifle", "ammo", "pistol", "firearm", "shotgun"}),
    ),
    "alcohol": (
        Severity.NOTE,
        frozenset({"vodka", "tequila", "whiskey", "drunk", "beer pong", "shots shots"}),
    ),
}

_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                        "$": "s", "!": "i"})  # fmt: skip
_WORD = re.compile(r"[^\W_]+")
_MIN_INSIDE = 6


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text).translate(_SWAPS))


class KeywordClassifier:
    """``ContentClassifier`` over curated term lists (see the module's docstring)."""

    version = VERSION

    def __init__(self, terms: Mapping[str, tuple[Severity, frozenset[str]]] = TERMS) -> None:
        self._phrases: dict[str, list[tuple[str, Severity]]] = {}
        self._inside: list[tuple[str, str, Severity]] = []  # (joined term, label, severity)
        for label, (severity, words) in terms.items():
            for term in words:
                key = " ".join(_words(term))
                self._phrases.setdefault(key, []).append((label, severity))
                joined = key.replace(" ", "")
                if len(joined) >= _MIN_INSIDE:
                    self._inside.append((joined, label, severity))

    def classify(self, caption: str, hashtags: Sequence[str]) -> list[Flag]:
        found: dict[str, tuple[Severity, list[str]]] = {}

        def hit(label: str, severity: Severity, evidence: str) -> None:
            _, evidences = found.setdefault(label, (severity, []))
            if evidence not in evidences:
                evidences.append(evidence)

        words = _words(caption)
        for size in (1, 2, 3):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                for label, severity in self._phrases.get(phrase, ()):
                    hit(label, severity, phrase)
        for tag in hashtags:
            folded = "".join(_words(tag))
            for label, severity in self._phrases.get(folded, ()):
                hit(label, severity, f"#{folded}")
            for term, label, severity in self._inside:
                if term in folded:
                    hit(label, severity, f"#{folded}")
        return [
            Flag(label=label, severity=severity, evidence=", ".join(evidences))
            for label, (severity, evidences) in sorted(found.items())
        ]
