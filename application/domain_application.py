"""The eventsourcing Application every program's log is built on: loading with the caller's
expected version, saving with races translated, and the stable transcodings of value objects."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoder

from application.errors import NotFound, StaleVersion
from application.transcodings import FastJSONTranscoder, register_domain_transcodings

AggregateT = TypeVar("AggregateT", bound=Aggregate)

#: Told of each command once it is recorded: the log's name and how many events it recorded.
RecordedListener = Callable[[str, int], None]


class DomainApplication(Application[UUID]):
    def construct_transcoder(self) -> Transcoder:
        """The library's JSON transcoder decoding faster (``FastJSONTranscoder``: the same
        values); another transcoder named by the environment is used as it is."""
        transcoder = super().construct_transcoder()
        if type(transcoder) is not JSONTranscoder:
            return transcoder
        fast = FastJSONTranscoder()
        self.register_transcodings(fast)
        return fast

    _recorded_listeners: tuple[RecordedListener, ...] = ()

    def on_recorded(self, listener: RecordedListener) -> None:
        """``listener`` is called after every save that recorded events (in the saving
        thread; it must be quick and must not raise)."""
        self._recorded_listeners = (*self._recorded_listeners, listener)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        super()._notify(recordings)
        if recordings:
            for listener in self._recorded_listeners:
                listener(self.name, len(recordings))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Adds the domain's value types to the library's JSON transcodings."""
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def load(
        self, kind: type[AggregateT], ident: UUID, expected_version: int | None = None
    ) -> AggregateT:
        """The aggregate of this kind, at the version the caller expects (if it says)."""
        try:
            aggregate: Aggregate = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFound(kind.__name__.lower(), ident) from None
        if not isinstance(aggregate, kind):
            raise NotFound(kind.__name__.lower(), ident)
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersion(kind.__name__.lower(), ident, expected_version, aggregate.version)
        return aggregate

    def read(self, kind: type[AggregateT], ident: UUID) -> AggregateT:
        """The aggregate for reading only: never command it, never save it.

        With an aggregate cache this skips the defensive deep copy, which for a large
        aggregate read on every request (a round, read by every ballot) is most of the cost."""
        try:
            aggregate: Aggregate = self.repository.get(ident, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise NotFound(kind.__name__.lower(), ident) from None
        if not isinstance(aggregate, kind):
            raise NotFound(kind.__name__.lower(), ident)
        return aggregate

    def find(self, kind: type[AggregateT], ident: UUID) -> AggregateT | None:
        """The aggregate if it was recorded; None when it was not."""
        try:
            return self.load(kind, ident)
        except NotFound:
            return None

    def commit(self, *aggregates: Aggregate, **kwargs: Any) -> None:
        """Save in one transaction; a concurrent writer's win becomes StaleVersion."""
        with _translated_races(aggregates):
            self.save(*aggregates, **kwargs)


@contextmanager
def _translated_races(aggregates: Sequence[Aggregate]) -> Iterator[None]:
    """A concurrent writer got there first: the store refused our version numbers."""
    try:
        yield
    except IntegrityError:
        first = aggregates[0]
        raise StaleVersion(type(first).__name__.lower(), first.id, None, None) from None
