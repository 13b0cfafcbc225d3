"""Engagement counters of a video, the measure of its popularity."""

from __future__ import annotations

import attrs

from domain.errors import InvalidValue


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise InvalidValue(f"{attribute.name} cannot be negative")


@attrs.frozen
class Engagement:
    views: int = attrs.field(default=0, validator=_non_negative)
    likes: int = attrs.field(default=0, validator=_non_negative)
    shares: int = attrs.field(default=0, validator=_non_negative)
    comments: int = attrs.field(default=0, validator=_non_negative)

    def __add__(self, other: Engagement) -> Engagement:
        return Engagement(
            views=self.views + other.views,
            likes=self.likes + other.likes,
            shares=self.shares + other.shares,
            comments=self.comments + other.comments,
        )

    @property
    def score(self) -> int:
        """The engagement score, the one popularity measure of the platform:
        views + 4 x likes + 8 x comments + 12 x shares (the review queue's order, Pulse's rank)."""
        return self.views + 4 * self.likes + 8 * self.comments + 12 * self.shares

    @property
    def is_empty(self) -> bool:
        return self == Engagement()
