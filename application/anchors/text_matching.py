"""Port of the text engine: a video's caption and hashtags against each title's words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs


@attrs.frozen
class TitleWords:
    """What a title offers to text matching: its name, hashtags and keyword phrases."""

    title_id: str
    name: str
    hashtags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@attrs.frozen
class TextCandidate:
    title_id: str
    score: float  # 0..1
    evidence: Mapping[str, object] = attrs.field(factory=dict)


class TextEngine(Protocol):
    def index(self, words: TitleWords) -> None:
        """Add or replace a title's words."""
        ...

    def forget(self, title_id: str) -> None: ...

    def query(
        self, caption: str, hashtags: Sequence[str], *, limit: int = 10
    ) -> list[TextCandidate]:
        """Best candidates first, found through inverted indexes, never by scanning titles."""
        ...
