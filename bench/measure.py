"""Timing and the numbers derived from it."""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

Command = Callable[[int], object]


@dataclass(frozen=True)
class Rate:
    """How fast one thing ran: `count` operations per repetition, one duration each."""

    count: int
    seconds: tuple[float, ...]

    @property
    def per_second(self) -> tuple[float, ...]:
        return tuple(self.count / elapsed for elapsed in self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.per_second)

    @property
    def slowest(self) -> float:
        return min(self.per_second)

    @property
    def fastest(self) -> float:
        return max(self.per_second)


def ratio(project: Rate, baseline: Rate) -> float:
    return project.median / baseline.median


def time_commands(command: Command, count: int, warmup: int) -> float:
    """Seconds taken by command(0) .. command(count - 1).

    The warm-up calls use the indices after the measured ones, so no measured call finds
    its input already used. They pay the one-off costs (topic caches, statements the
    driver prepares after a few uses) outside the timed loop, on both sides alike.
    """
    for index in range(count, count + warmup):
        command(index)
    # A collection triggered by the set-up's garbage would otherwise land in the timing.
    gc.collect()
    started = perf_counter()
    for index in range(count):
        command(index)
    return perf_counter() - started


def time_call(action: Callable[[], object]) -> float:
    gc.collect()
    started = perf_counter()
    action()
    return perf_counter() - started
