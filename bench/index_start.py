"""What the start-from-a-snapshot benches share: a store's settings with an index directory,
a child process of the bench's own that reports its figures as JSON, and the report."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from entrypoints.settings import Settings


def settings_for(store: str, data_dir: str, index_dir: str) -> Settings:
    return Settings.from_environ(
        {
            "SPOTLIGHT_STORE": store,
            "SPOTLIGHT_DATA_DIR": data_dir,
            "SPOTLIGHT_INDEX_DIR": index_dir,
            "SPOTLIGHT_SECRET": secrets.token_urlsafe(32),
        }
    )


def run_child(module: str, arguments: Sequence[str]) -> dict[str, object]:
    """Run ``python -m module --child arguments...``; its last line of output, as JSON."""
    done = subprocess.run(  # noqa: S603 - the bench's own child
        [sys.executable, "-m", module, "--child", *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def print_starts(
    from_log: dict[str, object], from_snapshot: dict[str, object], again: dict[str, object]
) -> None:
    for name, figures in (
        ("from the log", from_log),
        ("from a snapshot", from_snapshot),
        ("from a snapshot, again", again),
    ):
        print(f"{name:24} {json.dumps(figures)}")


def from_snapshots(module: str, store: str, root: Path, query: Path) -> list[dict[str, object]]:
    """Two children started one after the other from the snapshots under ``root/indexes``:
    the second finds their pages in the page cache."""
    arguments = [store, str(root), str(root / "indexes"), str(query)]
    return [run_child(module, arguments) for _ in range(2)]


def main_or_child(
    child: Callable[[str, str, str, str], int],
    main: Callable[[int, int], int],
    defaults: tuple[int, int],
) -> int:
    """``--child store data_dir index_dir query`` runs a child; else ``[N] [pool]``."""
    if sys.argv[1:2] == ["--child"]:
        store, data_dir, index_dir, query = sys.argv[2:6]
        return child(store, data_dir, index_dir, query)
    given = [int(a) for a in sys.argv[1:3]]
    size, pool = [*given, *defaults[len(given) :]]
    return main(size, pool)
