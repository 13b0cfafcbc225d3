"""Port of the anchors index's snapshots: what the matching engines indexed, kept on disk
with the catalogue log position it reflects, so that a new process loads it instead of
decoding every reference's fingerprints again from the log.

A snapshot holds each engine's index as the engine writes it (``SnapshotEngine``), the match
index's own tables (``IndexState``), the position, a marker of the log record at that
position (so a snapshot of another store, or of a log that was replaced, is never taken for
this one's) and the versions of the engines that made it. Whatever does not fit (another
format, another engine version, a damaged file, another log) is passed over and the index is
rebuilt from the log as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import attrs
import numpy as np
from numpy.typing import NDArray

from application.media import Install, SnapshotEngine

#: The layout of a snapshot's own files (its manifest, the index's tables, the videos);
#: each engine versions its files itself.
SNAPSHOT_FORMAT = 1


@attrs.frozen(eq=False)
class IndexState:
    """The match index's own tables (not the engines'), as plain values."""

    #: Plain JSON values: titles with their words, references with their titles, exclusions
    #: and fingerprint sizes, fingerprints waiting for their reference.
    tables: Mapping[str, object]
    #: Publication order of videos: log positions (int64) and ids (uint8, 16 a row).
    video_positions: NDArray[np.int64]
    video_ids: NDArray[np.uint8]


@attrs.frozen(eq=False)
class IndexSnapshot:
    position: int
    marker: str  # what the log holds at ``position`` ("" for an empty log)
    versions: Mapping[str, str]  # signal -> engine version
    state: IndexState


@attrs.frozen(eq=False)
class LoadedSnapshot:
    snapshot: IndexSnapshot
    install: Install  # the engines' indexes, read and checked, waiting to be put in place
    where: str


class IndexSnapshots(Protocol):
    def save(self, snapshot: IndexSnapshot, engines: Sequence[SnapshotEngine]) -> str:
        """Write a complete snapshot atomically (a reader sees all of it or nothing); answer
        where it is. Older snapshots beyond the newest few are removed."""
        ...

    def load(
        self,
        versions: Mapping[str, str],
        engines: Sequence[SnapshotEngine],
        accept: Callable[[int, str], bool],
    ) -> LoadedSnapshot | None:
        """The newest snapshot of this format and these engine versions whose position and
        marker ``accept`` takes and whose files are sound; None when there is none. Each
        snapshot passed over is logged with the reason."""
        ...
