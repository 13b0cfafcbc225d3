"""What the music measurements share: the plan, progress lines and number formats."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class MusicPlan:
    """How big each music measurement is."""

    # Ballots: one scene per store with `entries` entries in an open first round; every
    # repetition casts `ballots` timed ballots (all clients together, each by a new voter)
    # after `warmup` untimed ones per client.
    entries: int
    ballots: int
    warmup: int
    clients: tuple[int, ...]
    repetitions: int
    # Closing: a round of `close_entries` entries and `close_ballots` ballots, seeded anew
    # for every close (a round closes once); `close_repetitions` timed closes per kind of
    # core, and one more of each under tracemalloc.
    close_entries: int
    close_ballots: int
    close_repetitions: int

    def describe(self) -> str:
        clients = "/".join(str(c) for c in self.clients)
        return (
            f"{self.ballots:,} ballots per repetition by {clients} clients into a round of "
            f"{self.entries:,} entries, median of {self.repetitions}; closing a round of "
            f"{self.close_ballots:,} ballots and {self.close_entries:,} entries, "
            f"{plural(self.close_repetitions, 'close')} per core + 1 under tracemalloc"
        )


FULL = MusicPlan(
    entries=1_000,
    ballots=1_000,
    warmup=2,
    clients=(1, 4, 16),
    repetitions=3,
    close_entries=1_000,
    close_ballots=100_000,
    close_repetitions=3,
)
QUICK = MusicPlan(
    entries=100,
    ballots=160,
    warmup=1,
    clients=(1, 4, 16),
    repetitions=3,
    close_entries=100,
    close_ballots=5_000,
    close_repetitions=1,
)


def progress(message: str) -> None:
    # Progress goes to stderr so that stdout is only the report.
    print(message, file=sys.stderr, flush=True)


def count(value: int) -> str:
    return f"{value:,}"


def plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def mib(kilobytes: float | None) -> str:
    return "n/a" if kilobytes is None else f"{kilobytes / 1024:,.1f}"
