"""Snapshots of a matching index in a directory: one sub-directory per snapshot, named by
the log positions it reflects (their sum, which grows with every snapshot of the same logs),
written whole or not at all.

Layout (``SNAPSHOT_FORMAT`` 2)::

    <root>/snapshot-<sum of positions, 20 digits>/
        manifest.json        format, each cursor's position and log marker, the parts'
                             versions, the arrays' types (written last)
        tables.json          the index's own tables
        <array>.npy          the index's own arrays (e.g. the anchors' video order)
        engine-<signal>/     each part's files, as its ``save_index`` writes them

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
from typing import Any

import numpy as np
from numpy.typing import NDArray

from adapters.matching.index_files import read_array, read_json, write_array, write_json
from application.index_snapshots import (
    SNAPSHOT_FORMAT,
    IndexSnapshot,
    IndexState,
    LoadedSnapshot,
    LogMark,
)
from application.media import DamagedSnapshot, Install, SavedIndex

log = logging.getLogger("spotlight.indexes")

_NAME = re.compile(r"^snapshot-(\d{20})$")
_ARRAY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_TEMPORARY = ".tmp-"
#: A temporary directory older than this is a crashed writer's, not one being written.
_STALE_SECONDS = 3600.0


class FileIndexSnapshots:
    def __init__(self, root: Path, *, keep: int = 2) -> None:
        if keep < 1:
            raise ValueError("keep at least one snapshot")
        self.root = root
        self.keep = keep

    def save(self, snapshot: IndexSnapshot, engines: Sequence[SavedIndex]) -> str:
        arrays = snapshot.state.arrays
        if not all(_ARRAY.match(name) and name != "tables" for name in arrays):
            raise ValueError(f"arrays named {sorted(arrays)}: lower-case words only")
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporaries()
        temporary = self.root / f"{_TEMPORARY}{snapshot.order}-{secrets.token_hex(4)}"
        temporary.mkdir()
        try:
            write_json(temporary, "tables", snapshot.state.tables)
            for name, array in arrays.items():
                write_array(temporary, name, array)
            for engine in engines:
                directory = temporary / f"engine-{engine.signal}"
                directory.mkdir()
                engine.save_index(directory)
                sync_directory(directory)
            write_json(
                temporary,
                "manifest",
                {
                    "format": SNAPSHOT_FORMAT,
                    "marks": {
                        cursor: [mark.position, mark.marker]
                        for cursor, mark in snapshot.marks.items()
                    },
                    "versions": dict(snapshot.versions),
                    "arrays": {
                        name: [array.dtype.str, array.ndim] for name, array in arrays.items()
                    },
                },
            )
            sync_directory(temporary)
            target = self.root / f"snapshot-{snapshot.order:020d}"
            try:
                temporary.rename(target)
            except OSError:
                # Another process saved this position first: its snapshot is as good.
                if not (target / "manifest.json").exists():
                    raise
                shutil.rmtree(temporary, ignore_errors=True)
            sync_directory(self.root)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        self._prune()
        return str(target)

    def load(
        self,
        versions: Mapping[str, str],
        engines: Sequence[SavedIndex],
        accept: Callable[[Mapping[str, LogMark]], bool],
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
        engines: Sequence[SavedIndex],
        accept: Callable[[Mapping[str, LogMark]], bool],
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
        marks = _marks(manifest.get("marks"))
        if not accept(marks):
            raise DamagedSnapshot("the logs do not hold this snapshot's records")
        tables = read_json(directory, "tables")
        if not isinstance(tables, dict):
            raise DamagedSnapshot("tables.json: not an object")
        state = IndexState(tables=tables, arrays=_arrays(directory, manifest.get("arrays")))
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
            snapshot=IndexSnapshot(marks=marks, versions=dict(versions), state=state),
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


def _marks(found: object) -> dict[str, LogMark]:
    if not isinstance(found, dict) or not found:
        raise DamagedSnapshot("manifest.json: no marks")
    marks: dict[str, LogMark] = {}
    for cursor, mark in found.items():
        if not (
            isinstance(mark, list)
            and len(mark) == 2
            and isinstance(mark[0], int)
            and not isinstance(mark[0], bool)
            and mark[0] >= 0
            and isinstance(mark[1], str)
        ):
            raise DamagedSnapshot(f"manifest.json: the mark of {cursor!r} is {mark!r}")
        marks[str(cursor)] = LogMark(mark[0], mark[1])
    return marks


def _arrays(directory: Path, found: object) -> dict[str, NDArray[Any]]:
    if not isinstance(found, dict):
        raise DamagedSnapshot("manifest.json: no arrays")
    arrays: dict[str, NDArray[Any]] = {}
    for name, kind in found.items():
        if not (
            isinstance(name, str)
            and _ARRAY.match(name)
            and isinstance(kind, list)
            and len(kind) == 2
            and isinstance(kind[0], str)
            and isinstance(kind[1], int)
        ):
            raise DamagedSnapshot(f"manifest.json: array {name!r} is {kind!r}")
        try:
            dtype = np.dtype(kind[0])
        except TypeError:
            raise DamagedSnapshot(f"manifest.json: array {name!r} is {kind!r}") from None
        arrays[name] = read_array(directory, name, dtype, kind[1])
    return arrays


def sync_directory(path: Path) -> None:
    """Make the names in a directory durable (a file's own fsync does not cover them)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
