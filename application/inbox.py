"""The in-app inbox's read model: each person's notices, as the inbox log delivered them.

A projection of the inbox log (``InboxProjection``, persisted by the projection runner; port
``InboxTables``, rows in ``adapters.projections.inbox``): a message per row keyed by
(recipient, position), so an inbox page is a keyset range read after the reader's cursor,
and the service holds nothing that grows with the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from application.logs import InboxLog
from application.notifications import Notice
from application.projections import Batch, Persisted, ProjectionRunner
from application.read_models import LogPositions, ReadModel
from domain.inbox import InboxMessage

NAME = "notification inbox"


class InboxTables(Protocol):
    """The inbox's rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def add(self, batch: Batch, notices: Sequence[Notice]) -> None: ...

    def page(self, generation: int, recipient: str, *, after: int, limit: int) -> list[Notice]:
        """The recipient's notices past the position ``after``, oldest first."""
        ...

    def notices(self, generation: int) -> Iterator[Notice]:
        """Every notice, by recipient, oldest first."""
        ...


class InboxProjection:
    """Each delivery is a row of its recipient's inbox."""

    name = NAME
    version = 1

    def __init__(self, tables: InboxTables) -> None:
        self.tables = tables

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        return {InboxLog.name: (InboxMessage.Delivered.TOPIC,)}

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self.apply_page(batch, log, [(event, position)])

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        self.tables.add(batch, [notice_of(event, position) for event, position in events])

    def export(self, generation: int, positions: LogPositions) -> Mapping[str, object]:
        """Each person's notices in order, with positions in the audited log's numbering."""
        position_of = positions.get(InboxLog.name, _unmoved)
        inboxes: dict[str, list[Notice]] = {}
        for notice in self.tables.notices(generation):
            moved = attrs.evolve(notice, position=position_of(notice.position))
            inboxes.setdefault(f"inbox:{notice.recipient}", []).append(moved)
        return inboxes


def _unmoved(position: int) -> int:
    return position


def notice_of(event: Any, position: int) -> Notice:
    return Notice(
        notice_id=str(event.originator_id),
        recipient=event.recipient,
        subject=event.subject,
        body=event.body,
        sent_at=event.delivered_at,
        position=position,
    )


class InboxReads:
    """How the notifier reads inboxes: through the projection's runner, caught up first
    when reads catch up."""

    def __init__(self, runner: ProjectionRunner, projection: InboxProjection) -> None:
        self.runner = runner
        self.projection = projection
        runner.register(projection)

    def page(self, recipient: str, *, after: int = 0, limit: int = 50) -> list[Notice]:
        return self.projection.tables.page(
            self.runner.fresh(NAME), recipient, after=after, limit=limit
        )

    def read_models(self) -> tuple[ReadModel, ...]:
        return (Persisted(self.runner, self.projection),)
