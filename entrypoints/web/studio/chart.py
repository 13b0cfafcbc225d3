"""A line chart drawn on the server as SVG: a figure over the chosen days against the days
before them. Only geometry is made here; ``templates/studio/chart.html`` draws it with the
stylesheet's classes (no inline style, so the Content-Security-Policy holds)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import attrs

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 28
TICKS = 4


@attrs.frozen
class Tick:
    at: float
    label: str


@attrs.frozen
class LineChart:
    """Two lines over the same x axis: ``now`` (the chosen days) and ``before`` (as many
    days just before them), a y axis from zero to ``top`` and a sentence saying the same."""

    name: str
    now: str  # SVG polyline points
    before: str | None  # None: a single series, nothing to compare with
    top: int
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def step_for(largest: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... that splits ``largest`` into ``TICKS`` steps."""
    step = 1
    while step * TICKS < largest:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if step * TICKS >= largest:
                break
    return step


def line_chart(
    name: str, days: Sequence[date], now: Sequence[int], before: Sequence[int]
) -> LineChart:
    if not len(days) == len(now) == len(before) or len(days) < 2:
        raise ValueError("a chart needs two or more days, a figure for each in both periods")
    step = step_for(max(*now, *before, 1))
    top = step * TICKS
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + index * plot_width / (len(days) - 1)

    def y(value: int) -> float:
        return TOP + plot_height - value * plot_height / top

    def points(values: Sequence[int]) -> str:
        return " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))

    middle = len(days) // 2
    return LineChart(
        name=name,
        now=points(now),
        before=points(before),
        top=top,
        y_ticks=tuple(Tick(y(step * n), f"{step * n:,}") for n in range(TICKS + 1)),
        x_ticks=tuple(
            Tick(x(i), f"{days[i]:%b} {days[i].day}") for i in sorted({0, middle, len(days) - 1})
        ),
        description=(
            f"{name} from {days[0]:%d %b %Y} to {days[-1]:%d %b %Y}: {sum(now):,} in all, "
            f"against {sum(before):,} in the {len(days)} days before."
        ),
    )


def series_chart(name: str, days: Sequence[date], values: Sequence[int]) -> LineChart:
    """One figure over the days given, with nothing before to compare it with (a
    campaign's flight so far)."""
    drawn = line_chart(name, days, values, [0] * len(values))
    return attrs.evolve(
        drawn,
        before=None,
        description=(
            f"{name} from {days[0]:%d %b %Y} to {days[-1]:%d %b %Y}: {sum(values):,} in all."
        ),
    )
