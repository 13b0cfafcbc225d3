"""A projection of one log that sends each event to the handler of its topic, and keeps its
rows in a tables adapter that creates and drops them by generation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from application.projections import Batch

Handler = Callable[[Batch, Any, int], None]


class GenerationTables(Protocol):
    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...


class TopicProjection:
    """``handlers`` by topic of the events of ``log`` it follows; ``tables`` its rows."""

    def __init__(self, log: str, tables: GenerationTables, handlers: Mapping[str, Handler]):
        self._log = log
        self._tables = tables
        self._handlers = dict(handlers)

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        return {self._log: tuple(self._handlers)}

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        handler = self._handlers.get(type(event).TOPIC)
        if handler is not None:
            handler(batch, event, position)


def unmoved(position: int) -> int:
    """A log's positions as they are (an export whose positions need no mapping)."""
    return position
