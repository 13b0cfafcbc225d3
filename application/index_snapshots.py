"""Snapshots of a matching index: what its engines indexed, kept on disk with the log
positions it reflects, so that a new process loads it instead of decoding every stored
fingerprint or descriptor again from the logs.

A snapshot holds each part's index as the part writes it (``SavedIndex``: an engine, a
recogniser), the index's own tables and arrays (``IndexState``), and, for each cursor the
index follows a log with, its position and a marker of the log record there (so a snapshot
of another store, or of a log that was replaced, is never taken for this one's), and the
versions of the parts that made it. Whatever does not fit (another format, another version,
a damaged file, another log) is passed over and the index is rebuilt from the logs as before.

``IndexSnapshotting`` is what every snapshotted index shares: loading the newest snapshot
that fits at start, and taking one when enough was applied since the last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import attrs
from eventsourcing.application import Application
from numpy.typing import NDArray

from application.media import Install, SavedIndex

#: The layout of a snapshot's own files (its manifest, the index's tables and arrays);
#: each part versions its files itself.
SNAPSHOT_FORMAT = 2

log = logging.getLogger("spotlight.indexes")


@attrs.frozen(eq=False)
class IndexState:
    """The index's own tables and arrays (not its parts'), as plain values."""

    #: Plain JSON values.
    tables: Mapping[str, object]
    #: Large columns, read back memory-mapped (e.g. the order of published videos).
    arrays: Mapping[str, NDArray[Any]] = attrs.field(factory=dict)


@attrs.frozen
class LogMark:
    """Where a cursor of the index stands in its log, and what the log holds there."""

    position: int
    marker: str  # "" for position 0


@attrs.frozen(eq=False)
class IndexSnapshot:
    marks: Mapping[str, LogMark]  # cursor -> its mark
    versions: Mapping[str, str]  # part -> version
    state: IndexState

    @property
    def order(self) -> int:
        """Grows with every snapshot of the same logs: positions only move forward."""
        return sum(mark.position for mark in self.marks.values())


@attrs.frozen(eq=False)
class LoadedSnapshot:
    snapshot: IndexSnapshot
    install: Install  # the parts' indexes, read and checked, waiting to be put in place
    where: str


class IndexSnapshots(Protocol):
    def save(self, snapshot: IndexSnapshot, parts: Sequence[SavedIndex]) -> str:
        """Write a complete snapshot atomically (a reader sees all of it or nothing); answer
        where it is. Older snapshots beyond the newest few are removed."""
        ...

    def load(
        self,
        versions: Mapping[str, str],
        parts: Sequence[SavedIndex],
        accept: Callable[[Mapping[str, LogMark]], bool],
    ) -> LoadedSnapshot | None:
        """The newest snapshot of this format and these versions whose marks ``accept``
        takes and whose files are sound; None when there is none. Each snapshot passed over
        is logged with the reason."""
        ...


class IndexSnapshotting:
    """Loads and takes the snapshots of one index, whose cursors follow ``logs``."""

    def __init__(
        self,
        name: str,
        snapshots: IndexSnapshots,
        logs: Mapping[str, Application[UUID]],
        *,
        every: int,
    ) -> None:
        self.name = name
        self.snapshots = snapshots
        self.logs = dict(logs)
        self.every = every
        #: Index events applied since the last snapshot (this process's or the one loaded).
        self.applied = 0
        self._taken_at: dict[str, int] | None = None

    def load(
        self,
        versions: Mapping[str, str],
        parts: Sequence[SavedIndex],
        restore: Callable[[IndexSnapshot], None],
    ) -> IndexSnapshot | None:
        """Start from the newest snapshot that fits: ``restore`` takes its tables and
        positions (raising ``ValueError`` before changing anything when they do not fit),
        then the parts' indexes are installed. None when the index starts from the logs."""
        loaded = self.snapshots.load(versions, parts, self._holds)
        if loaded is None:
            log.info("%s: no usable snapshot, indexing the logs from their start", self.name)
            return None
        try:
            restore(loaded.snapshot)
        except ValueError as why:
            log.warning(
                "%s: snapshot %s passed over (%s), indexing the logs from their start",
                self.name,
                loaded.where,
                why,
            )
            return None
        loaded.install()
        self._taken_at = {c: mark.position for c, mark in loaded.snapshot.marks.items()}
        log.info("%s: snapshot %s loaded at %s", self.name, loaded.where, self._described(loaded))
        return loaded.snapshot

    def due(self, positions: Mapping[str, int], *, min_events: int) -> bool:
        return dict(positions) != self._taken_at and self.applied >= min_events

    def save(
        self,
        versions: Mapping[str, str],
        parts: Sequence[SavedIndex],
        positions: Mapping[str, int],
        state: IndexState,
    ) -> str | None:
        """Save the index as it stands at ``positions``; None when a log does not hold a
        record there any more (it moved under us: the next pass tries again)."""
        marks: dict[str, LogMark] = {}
        for cursor, position in positions.items():
            marker = self.marker(cursor, position)
            if marker is None:
                return None
            marks[cursor] = LogMark(position, marker)
        where = self.snapshots.save(IndexSnapshot(marks, dict(versions), state), parts)
        self._taken_at = dict(positions)
        self.applied = 0
        return where

    def marker(self, cursor: str, position: int) -> str | None:
        """What the cursor's log holds at ``position``: None when it holds nothing there."""
        if position == 0:
            return ""
        found = self.logs[cursor].recorder.select_notifications(start=position, limit=1)
        if not found or found[0].id != position:
            return None
        record = found[0]
        return f"{record.id}:{record.originator_id}:{record.originator_version}:{record.topic}"

    def _holds(self, marks: Mapping[str, LogMark]) -> bool:
        """Whether these logs hold the records a snapshot was taken after."""
        return set(marks) == set(self.logs) and all(
            self.marker(cursor, mark.position) == mark.marker for cursor, mark in marks.items()
        )

    def _described(self, loaded: LoadedSnapshot) -> str:
        return ", ".join(
            f"{cursor} position {mark.position}" for cursor, mark in loaded.snapshot.marks.items()
        )


def snapshot_parts(parts: Sequence[object]) -> list[SavedIndex] | None:
    """The parts, if every one of them can save its index."""
    saved = [part for part in parts if isinstance(part, SavedIndex)]
    return saved if len(saved) == len(parts) else None
