"""The work the service does between requests, as one list that the composition root fills.

Each pass resumes from the cursors it saves with its decisions, so a worker may stop at any
moment, or several processes run it, without doing anything twice. A pass answers what it
did in one line for the service's log, or None when it found nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs


@attrs.frozen
class BackgroundPass:
    name: str
    run: Callable[[], str | None]
    #: What the service's log says when a pass raises; the next tick resumes it.
    failure: str


class BackgroundWork:
    """The passes a worker runs at each tick, in order."""

    def __init__(self) -> None:
        self._passes: dict[str, BackgroundPass] = {}

    def register(self, *passes: BackgroundPass) -> None:
        """Adds passes to the background worker's tick; a name already registered is a
        ``ValueError``."""
        for work in passes:
            if work.name in self._passes:
                raise ValueError(f"a background pass named {work.name!r} is already registered")
            self._passes[work.name] = work

    def __iter__(self) -> Iterator[BackgroundPass]:
        return iter(tuple(self._passes.values()))

    def names(self) -> tuple[str, ...]:
        """The registered passes' names, in the order they run."""
        return tuple(self._passes)
