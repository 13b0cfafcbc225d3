"""What the revenue measurements share: the plan, progress lines and number formats."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class RevenuePlan:
    """How big each revenue measurement is."""

    # Impressions: `batches` timed calls of Pulse.record_impressions per repetition (after
    # `warmup` untimed ones), each of `placements` placements over the inventory videos of
    # as many approved creators, on a fresh store per repetition; median of `repetitions`.
    batches: int
    warmup: int
    placements: int
    repetitions: int
    # Loading: one account with `big_postings` postings and one with `small_postings`, loaded
    # `load_repetitions` times with snapshots and `slow_repetitions` times without.
    big_postings: int
    small_postings: int
    load_repetitions: int
    slow_repetitions: int
    # Rebuild: a revenue log of `entries` impression-billed journal entries, rebuilt from
    # zero `rebuild_repetitions` times (and once more under tracemalloc); then
    # `grown_batches` impression batches are recorded on top of that grown log.
    entries: int
    rebuild_repetitions: int
    grown_batches: int

    def describe(self) -> str:
        return (
            f"{self.batches:,} impression batches of {self.placements} placements per "
            f"repetition, median of {self.repetitions}; loading accounts of "
            f"{self.big_postings:,} and {self.small_postings:,} postings; rebuilding the "
            f"balances from a log of {self.entries:,} journal entries"
        )


FULL = RevenuePlan(
    batches=1_000,
    warmup=20,
    placements=10,
    repetitions=3,
    big_postings=1_000_000,
    small_postings=100,
    load_repetitions=20,
    slow_repetitions=3,
    entries=200_000,
    rebuild_repetitions=3,
    grown_batches=3,
)
QUICK = RevenuePlan(
    batches=100,
    warmup=5,
    placements=10,
    repetitions=3,
    big_postings=20_000,
    small_postings=100,
    load_repetitions=10,
    slow_repetitions=3,
    entries=5_000,
    rebuild_repetitions=3,
    grown_batches=5,
)


def progress(message: str) -> None:
    # Progress goes to stderr so that stdout is only the report.
    print(message, file=sys.stderr, flush=True)


def count(value: int) -> str:
    return f"{value:,}"


def plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def mib(size_bytes: float) -> str:
    return f"{size_bytes / 2**20:,.1f}"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:,.2f}"
