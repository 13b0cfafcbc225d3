"""The in-app inbox's read model: each person's notices, as the inbox log delivered them,
typed (kind, the ids they are about, a reason) and read or unread.

A projection of the inbox log (``InboxProjection``, persisted by the projection runner; port
``InboxTables``, rows in ``adapters.projections.inbox``): a message per row keyed by
(recipient, position), so an inbox page is a keyset range read after the reader's cursor,
and the service holds nothing that grows with the log. Version 2 keeps each notice's kind, ids
and reason, and whether it was read: a ``NoticesRead`` of the same log marks rows read.

``Inboxes`` is how a person reads and marks their own inbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from application.errors import NotFound, StaleVersion
from application.logs import InboxLog
from application.notifications import InboxFilter, Notice
from application.ports import Clock
from application.projections import Batch, Persisted, ProjectionFailed, ProjectionRunner
from application.read_models import LogPositions, ReadModel
from domain.errors import InvalidValue
from domain.inbox import InboxMessage, ReadMarks

NAME = "notification inbox"


class InboxTables(Protocol):
    """The inbox's rows in the projection store, by generation."""

    def create(self, generation: int) -> None: ...

    def drop(self, generation: int) -> None: ...

    def add(self, batch: Batch, notices: Sequence[Notice]) -> None: ...

    def mark_read(
        self, batch: Batch, recipient: str, *, notice_ids: Sequence[str], up_to: int
    ) -> None:
        """Mark read the recipient's notices named, and those at or before ``up_to``."""
        ...

    def page(
        self,
        generation: int,
        recipient: str,
        *,
        after: int,
        limit: int,
        only: InboxFilter | None = None,
    ) -> list[Notice]:
        """The recipient's notices past the position ``after`` that ``only`` admits, oldest
        first."""
        ...

    def unread(self, generation: int, recipient: str) -> int:
        """How many of the recipient's notices are unread."""
        ...

    def notice(self, generation: int, recipient: str, notice_id: str) -> Notice | None: ...

    def notices(self, generation: int) -> Iterator[Notice]:
        """Every notice, by recipient, oldest first."""
        ...


class InboxProjection:
    """Each delivery is a row of its recipient's inbox; each reading marks rows read."""

    name = NAME
    version = 2  # v2: kind, ids, reason and read state

    def __init__(self, tables: InboxTables) -> None:
        self.tables = tables

    @property
    def follows(self) -> Mapping[str, Sequence[str]]:
        return {InboxLog.name: (InboxMessage.Delivered.TOPIC, ReadMarks.NoticesRead.TOPIC)}

    def create(self, generation: int) -> None:
        self.tables.create(generation)

    def drop(self, generation: int) -> None:
        self.tables.drop(generation)

    def apply(self, batch: Batch, log: str, event: Any, position: int) -> None:
        self.apply_page(batch, log, [(event, position)])

    def apply_page(self, batch: Batch, log: str, events: Sequence[tuple[Any, int]]) -> None:
        delivered: list[Notice] = []
        for event, position in events:
            if isinstance(event, ReadMarks.NoticesRead):
                self.tables.add(batch, delivered)
                delivered = []
                self.tables.mark_read(
                    batch, event.recipient, notice_ids=list(event.notice_ids), up_to=event.up_to
                )
            else:
                delivered.append(notice_of(event, position))
        self.tables.add(batch, delivered)

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
        kind=event.kind,
        about=dict(event.about),
        reason=event.reason,
    )


class InboxReads:
    """How the notifier reads inboxes: through the projection's runner, caught up first
    when reads catch up."""

    def __init__(self, runner: ProjectionRunner, projection: InboxProjection) -> None:
        self.runner = runner
        self.projection = projection
        #: Projections that write into the inbox log (the notice follower): when reads catch
        #: up, these catch up first, so a read sees the notices of every decision before it.
        self.fed_by: tuple[str, ...] = ()
        runner.register(projection)

    def feed_from(self, *names: str) -> None:
        """Catch up the projections ``names`` (registered with the same runner) before
        each read that catches up."""
        self.fed_by = (*self.fed_by, *names)

    def _fresh(self) -> int:
        if self.runner.inline:
            for name in self.fed_by:
                # A feeder that fails (a notifier down) is recorded against it and retried;
                # the inbox answers with what was delivered.
                with contextlib.suppress(ProjectionFailed):
                    self.runner.up_to_date(name)
        return self.runner.fresh(NAME)

    def page(
        self, recipient: str, *, after: int = 0, limit: int = 50, only: InboxFilter | None = None
    ) -> list[Notice]:
        """A page of a recipient's notices after the position ``after``, optionally filtered (no
        access check: callers pass the reader's own key)."""
        return self.projection.tables.page(
            self._fresh(), recipient, after=after, limit=limit, only=only
        )

    def unread(self, recipient: str) -> int:
        """How many of a recipient's notices are unread (no access check)."""
        return self.projection.tables.unread(self._fresh(), recipient)

    def notice(self, recipient: str, notice_id: str) -> Notice | None:
        """One of a recipient's notices, or ``None`` if it is not theirs (no access check)."""
        return self.projection.tables.notice(self._fresh(), recipient, notice_id)

    def read_models(self) -> tuple[ReadModel, ...]:
        """The inboxes' read model, for the projection runner and the auditor's replay."""
        return (Persisted(self.runner, self.projection),)


#: Tries of a reading that meets another reading of the same inbox saved meanwhile.
_READ_TRIES = 5


class Inboxes:
    """A person reads their own inbox and marks what they have read; each marking is a
    ``NoticesRead`` in the inbox log, so the read state replays like every other fact."""

    def __init__(self, log: InboxLog, reads: InboxReads, *, clock: Clock) -> None:
        self._log = log
        self.reads = reads
        self.clock = clock

    def unread(self, recipient: str) -> int:
        """How many of a recipient's notices are unread (no access check: callers pass the
        reader's own key)."""
        return self.reads.unread(recipient)

    def mark_read(self, recipient: str, notice_id: str) -> Notice:
        """Mark one of the recipient's notices read (``NotFound`` if it is not theirs)."""
        notice = self.reads.notice(recipient, notice_id)
        if notice is None:
            raise NotFound("notice", notice_id)
        self._read(recipient, notice_ids=(notice.notice_id,), up_to=0)
        return attrs.evolve(notice, read=True)

    def mark_read_up_to(self, recipient: str, position: int) -> int:
        """Mark read every notice of the recipient at or before ``position``; answer how many
        stay unread."""
        if position <= 0:
            raise InvalidValue("read up to a notice's position (1 or more)")
        self._read(recipient, notice_ids=(), up_to=position)
        return self.reads.unread(recipient)

    def _read(self, recipient: str, *, notice_ids: tuple[str, ...], up_to: int) -> None:
        for _ in range(_READ_TRIES):
            marks = self._log.find(ReadMarks, ReadMarks.id_for(recipient))
            if marks is None:
                marks = ReadMarks.start(recipient)
            marks.read(notice_ids=notice_ids, up_to=up_to, at=self.clock.now())
            try:
                self._log.commit(marks)
            except StaleVersion:
                continue
            return
        raise StaleVersion("inbox", recipient, None, None)
