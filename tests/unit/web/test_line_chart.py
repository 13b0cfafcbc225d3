"""The studio's line chart: every point of both periods lies inside the plot, the highest
one under the top of the y axis, and the axis steps are round numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.web.studio.chart import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TICKS,
    TOP,
    WIDTH,
    line_chart,
    series_chart,
    step_for,
)

FIRST = date(2026, 11, 1)


def points(polyline: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"([\d.]+),([\d.]+)", polyline)]


@given(
    st.integers(min_value=2, max_value=120).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 10**12), min_size=n, max_size=n),
            st.lists(st.integers(0, 10**12), min_size=n, max_size=n),
        )
    )
)
def test_every_point_of_both_periods_lies_inside_the_plot(
    series: tuple[list[int], list[int]],
) -> None:
    now, before = series
    days = [FIRST + timedelta(days=n) for n in range(len(now))]

    chart = line_chart("Views", days, now, before)

    assert chart.top >= max(*now, *before)
    assert chart.before is not None
    for line, values in ((chart.now, now), (chart.before, before)):
        drawn = points(line)
        assert len(drawn) == len(values)
        assert drawn[0][0] == LEFT
        assert drawn[-1][0] == pytest.approx(WIDTH - RIGHT, abs=0.1)
        assert all(TOP - 0.1 <= y <= HEIGHT - BOTTOM + 0.1 for _x, y in drawn)
        # A larger figure is drawn higher (a smaller y), an equal one at the same height.
        for (_x1, y1), (_x2, y2), a, b in zip(drawn, drawn[1:], values, values[1:], strict=False):
            if a < b:
                assert y1 >= y2
            elif a == b:
                assert y1 == y2
    assert chart.y_ticks[0].label == "0"
    assert chart.y_ticks[-1].label == f"{chart.top:,}"


@given(st.integers(min_value=0, max_value=10**15))
def test_the_axis_steps_are_the_smallest_round_number_that_reaches_the_largest_figure(
    largest: int,
) -> None:
    step = step_for(largest)

    assert re.fullmatch(r"[125]0*", str(step))
    assert step * TICKS >= largest
    if step > 1:
        # The round number before it (1, 2, 5, 10, 20, 50...) would not reach the largest.
        previous = step * 2 // 5 if str(step)[0] == "5" else step // 2
        assert previous * TICKS < largest


def test_the_chart_says_in_words_what_it_draws() -> None:
    days = [FIRST + timedelta(days=n) for n in range(7)]

    chart = line_chart("Clicks to tickets", days, [0, 0, 1, 0, 0, 2, 0], [1, 0, 0, 0, 0, 0, 0])

    assert chart.description == (
        "Clicks to tickets from 01 Nov 2026 to 07 Nov 2026: 3 in all, against 1 in the 7 days "
        "before."
    )
    assert [tick.label for tick in chart.x_ticks] == ["Nov 1", "Nov 4", "Nov 7"]
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]


def test_a_chart_of_one_day_or_of_periods_of_different_lengths_is_refused() -> None:
    with pytest.raises(ValueError, match="two or more days"):
        line_chart("Views", [FIRST], [1], [1])
    with pytest.raises(ValueError, match="two or more days"):
        line_chart("Views", [FIRST, FIRST], [1, 2], [1])


def test_a_single_series_draws_one_line_and_says_its_total() -> None:
    days = [FIRST + timedelta(days=n) for n in range(3)]
    chart = series_chart("Views", days, [5, 0, 12])
    assert chart.before is None
    assert len(points(chart.now)) == 3
    assert chart.description == "Views from 01 Nov 2026 to 03 Nov 2026: 17 in all."
