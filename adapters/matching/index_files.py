"""Arrays and small JSON documents of a saved index, written durably and read back checked.

Arrays are ``.npy`` files: read with ``mmap_mode='r'``, their pages are shared by every
process that maps them and read from disk only when a query touches them. A file that is
missing, truncated, of another dtype or shape is reported as ``DamagedSnapshot``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from application.media import DamagedSnapshot


def write_array(directory: Path, name: str, array: NDArray[Any]) -> None:
    path = directory / f"{name}.npy"
    with path.open("wb") as file:
        np.save(file, np.ascontiguousarray(array), allow_pickle=False)
        file.flush()
        os.fsync(file.fileno())


def read_array(
    directory: Path, name: str, dtype: DTypeLike, ndim: int, *, mapped: bool = True
) -> NDArray[Any]:
    """The array, memory-mapped read-only (``mapped``) or loaded into memory."""
    path = directory / f"{name}.npy"
    try:
        array: NDArray[Any] = np.load(path, mmap_mode="r" if mapped else None, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise DamagedSnapshot(f"{path.name}: {error}") from None
    wanted = np.dtype(dtype)
    if array.dtype.kind != wanted.kind or (wanted.kind != "U" and array.dtype != wanted):
        raise DamagedSnapshot(f"{path.name}: dtype {array.dtype}, expected {wanted}")
    if array.ndim != ndim:
        raise DamagedSnapshot(f"{path.name}: {array.ndim} dimensions, expected {ndim}")
    return array


def write_json(directory: Path, name: str, value: object) -> None:
    path = directory / f"{name}.json"
    with path.open("w", encoding="utf-8") as file:
        json.dump(value, file, separators=(",", ":"), sort_keys=True)
        file.flush()
        os.fsync(file.fileno())


def read_json(directory: Path, name: str) -> Any:
    path = directory / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DamagedSnapshot(f"{path.name}: {error}") from None


def check(condition: bool, why: str) -> None:
    if not condition:
        raise DamagedSnapshot(why)


def check_header(directory: Path, kind: str, index_format: int, version: str) -> dict[str, Any]:
    """The engine's own description of its files, if it is of this kind, format and version."""
    header = read_json(directory, "index")
    check(isinstance(header, dict), "index.json: not an object")
    found = (header.get("kind"), header.get("index_format"), header.get("version"))
    check(
        found == (kind, index_format, version),
        f"index.json: {found}, expected {(kind, index_format, version)}",
    )
    return dict(header)


def integer(header: dict[str, Any], key: str, *, minimum: int = 0) -> int:
    value = header.get(key)
    check(
        isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
        f"index.json: {key} is {value!r}",
    )
    assert isinstance(value, int)
    return value
