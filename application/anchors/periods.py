"""A studio's chosen range of days against the range just before it.

The dashboard offers the last 7, 28 or 90 days; each is compared with as many days before
it, day by day (the first day of one with the first day of the other) and in total. The
series it reads is twice the range long (``studio_analytics(..., days=2 * range)``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from application.anchors.analytics import DayView
from domain.errors import InvalidValue

#: The ranges a studio chooses from, in days.
RANGES = (7, 28, 90)


@attrs.frozen
class Totals:
    views: int
    engagement: int
    clicks: int
    new_anchors: int
    targets: Mapping[str, int] = attrs.field(hash=False)  # clicks by target

    @classmethod
    def of(cls, days: Sequence[DayView]) -> Totals:
        targets: dict[str, int] = {}
        for day in days:
            for target, count in day.targets.items():
                targets[target] = targets.get(target, 0) + count
        return cls(
            views=sum(d.views for d in days),
            engagement=sum(d.engagement for d in days),
            clicks=sum(d.clicks for d in days),
            new_anchors=sum(d.new_anchors for d in days),
            targets=targets,
        )


@attrs.frozen
class PeriodComparison:
    days: int
    current: tuple[DayView, ...]
    previous: tuple[DayView, ...]
    now: Totals
    before: Totals


def checked_range(days: int) -> int:
    if days not in RANGES:
        offered = ", ".join(str(r) for r in RANGES)
        raise InvalidValue(f"a range is one of {offered} days, not {days}")
    return days


def compare(series: Sequence[DayView], days: int) -> PeriodComparison:
    """The last ``days`` days of ``series`` against the ``days`` before them; ``series``
    holds at least ``2 * days`` days, oldest first."""
    days = checked_range(days)
    if len(series) < 2 * days:
        raise InvalidValue(f"comparing {days} days needs {2 * days} days of series")
    current, previous = tuple(series[-days:]), tuple(series[-2 * days : -days])
    return PeriodComparison(
        days=days,
        current=current,
        previous=previous,
        now=Totals.of(current),
        before=Totals.of(previous),
    )
