"""The in-memory recorders with a hash chain kept in memory beside the events (for tests
and demos: it lives and dies with the application, like the events)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, ProcessRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory, POPOProcessRecorder

from adapters.audit.chain import links_after
from application.audit.audit import ChainLink


class ChainedPOPOApplicationRecorder(POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._links: list[ChainLink] = []

    def _update_table(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Called with the recorder's lock held, after the uniqueness checks passed.
        notification_ids = super()._update_table(stored_events, **kwargs)
        if stored_events:
            head = self._links[-1] if self._links else None
            self._links.extend(links_after(head, notification_ids, stored_events))
        return notification_ids

    def select_links(self, start: int, limit: int, stop: int | None = None) -> list[ChainLink]:
        # In memory, positions run 1, 2, 3... with no gaps: the link of position p is at p - 1.
        with self._database_lock:
            first = max(start, 1) - 1
            last = len(self._links) if stop is None else min(stop, len(self._links))
            return self._links[first : min(last, first + limit)]

    def head_link(self) -> ChainLink | None:
        with self._database_lock:
            return self._links[-1] if self._links else None


class ChainedPOPOProcessRecorder(ChainedPOPOApplicationRecorder, POPOProcessRecorder):
    """A process recorder (events with tracking) whose events are chained too."""


class ChainedPOPOFactory(POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return ChainedPOPOApplicationRecorder()

    def process_recorder(self) -> ProcessRecorder:
        return ChainedPOPOProcessRecorder()
