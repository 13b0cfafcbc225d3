"""A studio's chosen range against the range before it: the last days of the series are the
period, as many days before them the previous one, and their totals add up their days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.anchors.analytics import DayView
from application.anchors.periods import RANGES, compare
from domain.errors import InvalidValue

LAST = date(2026, 12, 7)
TARGETS = ("tickets", "streaming", "cast", "official")


def day(n: int, views: int, clicks: tuple[int, int, int, int]) -> DayView:
    return DayView(
        day=LAST - timedelta(days=n),
        views=views,
        engagement=0,
        clicks=sum(clicks),
        new_anchors=0,
        targets=dict(zip(TARGETS, clicks, strict=True)),
    )


figures = st.tuples(st.integers(0, 10**9), st.tuples(*[st.integers(0, 10**6)] * 4))


@given(st.sampled_from(RANGES), st.data())
def test_the_period_is_the_last_days_and_the_previous_the_days_before_them(
    days: int, data: st.DataObject
) -> None:
    length = data.draw(st.integers(2 * days, 2 * days + 10))
    drawn = data.draw(st.lists(figures, min_size=length, max_size=length))
    series = [day(length - 1 - n, views, clicks) for n, (views, clicks) in enumerate(drawn)]

    period = compare(series, days)

    assert period.current[-1].day == LAST
    assert period.current[0].day == LAST - timedelta(days=days - 1)
    assert period.previous[-1].day == LAST - timedelta(days=days)
    assert len(period.current) == len(period.previous) == days
    assert period.now.views == sum(d.views for d in series[-days:])
    assert period.before.clicks == sum(d.clicks for d in series[-2 * days : -days])
    assert sum(period.now.targets.values()) == period.now.clicks
    assert sum(period.before.targets.values()) == period.before.clicks


def test_a_range_not_offered_or_longer_than_the_series_is_refused() -> None:
    series = [day(n, 1, (1, 0, 0, 0)) for n in range(20, -1, -1)]
    with pytest.raises(InvalidValue, match="one of 7, 28, 90 days"):
        compare(series, 14)
    with pytest.raises(InvalidValue, match="needs 56 days"):
        compare(series, 28)
