"""Fakes for the ports of the application layer: working implementations the tests control.

They are plain objects with the same methods as the real adapters, not mocks: a test sets
the time and knows in advance which ids the next aggregates get.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

#: A moment chosen for readability: every test starts here unless it says otherwise.
OPENING_NIGHT = datetime(2025, 3, 1, 20, 0, tzinfo=UTC)


class FixedClock:
    """A clock that stands still until the test sets or advances it."""

    def __init__(self, at: datetime = OPENING_NIGHT) -> None:
        self._now = _aware(at)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = _aware(at)

    def advance(self, by: timedelta) -> datetime:
        if by < timedelta(0):
            raise ValueError("a clock does not run backwards")
        self._now += by
        return self._now


class InterleavingClock(FixedClock):
    """A fixed clock that lets a competing writer act while a use case is in flight.

    Every use case that writes reads the clock after it loaded its aggregate and before
    it saves it, so whatever is scheduled with ``before_next_reading`` runs exactly in
    the window where a concurrent request would race it.
    """

    def __init__(self, at: datetime = OPENING_NIGHT) -> None:
        super().__init__(at)
        self._competitors: list[Callable[[], object]] = []

    def before_next_reading(self, competitor: Callable[[], object]) -> None:
        self._competitors.append(competitor)

    def now(self) -> datetime:
        while self._competitors:
            self._competitors.pop(0)()
        return super().now()


class SequentialIdentities:
    """Hands out predictable ids: 00000000-0000-0000-0000-000000000001, ...002, ...

    ``series`` fills the upper half of every id, so tests sharing one database (a
    PostgreSQL schema used by a whole session) can each draw their own ids.
    """

    def __init__(self, series: int = 0, *, start: int = 1) -> None:
        if not 0 <= series < 2**64:
            raise ValueError("a series is a 64-bit number")
        self._series = series
        self._next = start

    def new_id(self) -> UUID:
        ident = self.peek()
        self._next += 1
        return ident

    def peek(self) -> UUID:
        """The id the next call of ``new_id`` returns."""
        return UUID(int=(self._series << 64) | self._next)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a fake clock tells time-zone aware UTC times only")
    return at.astimezone(UTC)
