"""Snapshots of the anchors index in a directory: one sub-directory per snapshot, named by
the log position it reflects, written whole or not at all.

Layout (``SNAPSHOT_FORMAT`` 1)::

    <root>/snapshot-<position, 20 digits>/
        manifest.json        format, position, log marker, engine versions (written last)
        tables.json          the match index's own tables
        video_positions.npy  publication order of videos: positions ...
        video_ids.npy        ... and ids (16 bytes a row)
        engine-<signal>/     each engine's files, as its ``save_index`` writes them

A snapshot is written into ``.tmp-*`` beside the others, every file synced, then renamed into
place and the root synced: a crash leaves either the complete snapshot or a temporary
directory that a later save removes. The newest ``keep`` snapshots are kept; a process still
reading an older one keeps its memory maps (a removed file lives on while it is mapped).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from adapters.matching.index_files import read_array, read_json, write_array, write_json
from application.anchors.index_snapshots import (
    SNAPSHOT_FORMAT,
    IndexSnapshot,
    IndexState,
    LoadedSnapshot,
)
from application.media import DamagedSnapshot, Install, SnapshotEngine

log = logging.getLogger("spotlight.indexes")

_NAME = re.compile(r"^snapshot-(\d{20})$")
_TEMPORARY = ".tmp-"
#: A temporary directory older than this is a crashed writer's, not one being written.
_STALE_SECONDS = 3600.0


class FileIndexSnapshots:
    def __init__(self, root: Path, *, keep: int = 2) -> None:
        if keep < 1:
            raise ValueError("keep at least one snapshot")
        self.root = root
        self.keep = keep

    def save(self, snapshot: IndexSnapshot, engines: Sequence[SnapshotEngine]) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporaries()
        temporary = self.root / f"{_TEMPORARY}{snapshot.position}-{secrets.token_hex(4)}"
        temporary.mkdir()
        try:
            write_json(temporary, "tables", snapshot.state.tables)
            write_array(temporary, "video_positions", snapshot.state.video_positions)
            write_array(temporary, "video_ids", snapshot.state.video_ids)
            for engine in engines:
                directory = temporary / f"engine-{engine.signal}"
                directory.mkdir()
                engine.save_index(directory)
                _sync_directory(directory)
            write_json(
                temporary,
                "manifest",
                {
                    "format": SNAPSHOT_FORMAT,
                    "position": snapshot.position,
                    "marker": snapshot.marker,
                    "versions": dict(snapshot.versions),
                },
            )
            _sync_directory(temporary)
            target = self.root / f"snapshot-{snapshot.position:020d}"
            try:
                temporary.rename(target)
            except OSError:
                # Another process saved this position first: its snapshot is as good.
                if not (target / "manifest.json").exists():
                    raise
                shutil.rmtree(temporary, ignore_errors=True)
            _sync_directory(self.root)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        self._prune()
        return str(target)

    def load(
        self,
        versions: Mapping[str, str],
        engines: Sequence[SnapshotEngine],
        accept: Callable[[int, str], bool],
    ) -> LoadedSnapshot | None:
        for directory in self._snapshots():
            try:
                return self._read(directory, versions, engines, accept)
            except (DamagedSnapshot, OSError, ValueError) as why:
                log.warning("index snapshot %s passed over: %s", directory, why)
        return None

    def _read(
        self,
        directory: Path,
        versions: Mapping[str, str],
        engines: Sequence[SnapshotEngine],
        accept: Callable[[int, str], bool],
    ) -> LoadedSnapshot:
        manifest = read_json(directory, "manifest")
        if not isinstance(manifest, dict):
            raise DamagedSnapshot("manifest.json: not an object")
        if manifest.get("format") != SNAPSHOT_FORMAT:
            raise DamagedSnapshot(
                f"format {manifest.get('format')!r}, this program reads {SNAPSHOT_FORMAT}"
            )
        if manifest.get("versions") != dict(versions):
            raise DamagedSnapshot(
                f"engine versions {manifest.get('versions')!r}, the engines are {dict(versions)!r}"
            )
        position, marker = manifest.get("position"), manifest.get("marker")
        if not isinstance(position, int) or not isinstance(marker, str):
            raise DamagedSnapshot("manifest.json: no position or marker")
        if not accept(position, marker):
            raise DamagedSnapshot(f"the log does not hold this snapshot's record {position}")
        tables = read_json(directory, "tables")
        if not isinstance(tables, dict):
            raise DamagedSnapshot("tables.json: not an object")
        state = IndexState(
            tables=tables,
            video_positions=read_array(directory, "video_positions", np.int64, 1),
            video_ids=read_array(directory, "video_ids", np.uint8, 2),
        )
        installs: list[Install] = []
        for engine in engines:
            try:
                installs.append(engine.read_index(directory / f"engine-{engine.signal}"))
            except DamagedSnapshot as why:
                raise DamagedSnapshot(f"engine-{engine.signal}: {why}") from None

        def install() -> None:
            for each in installs:
                each()

        return LoadedSnapshot(
            snapshot=IndexSnapshot(
                position=position, marker=marker, versions=dict(versions), state=state
            ),
            install=install,
            where=str(directory),
        )

    def _snapshots(self) -> list[Path]:
        """Complete snapshots, newest first."""
        try:
            found = [p for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name)]
        except FileNotFoundError:
            return []
        except OSError as why:
            log.warning("index snapshots in %s cannot be listed: %s", self.root, why)
            return []
        return sorted(found, key=lambda p: p.name, reverse=True)

    def _prune(self) -> None:
        for old in self._snapshots()[self.keep :]:
            shutil.rmtree(old, ignore_errors=True)

    def _remove_stale_temporaries(self) -> None:
        now = time.time()
        for path in self.root.iterdir():
            if path.name.startswith(_TEMPORARY):
                try:
                    stale = now - path.stat().st_mtime > _STALE_SECONDS
                except OSError:
                    continue
                if stale:
                    shutil.rmtree(path, ignore_errors=True)


def _sync_directory(path: Path) -> None:
    """Make the names in a directory durable (a file's own fsync does not cover them)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
