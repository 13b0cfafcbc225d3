"""Replays one store in a process of its own and prints what it took as JSON, so the peak
resident memory is the replay's, not the seeding's.

    python -m bench.audit.replay_child <store url>
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from pathlib import Path
from time import perf_counter

from adapters.storage import parse_store
from application.audit.audit_replay import replay
from bench.audit.child import peak_rss_kib
from entrypoints.replay_cores import replay_cores
from entrypoints.settings import Settings


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="replay-bench-") as data_dir:
        settings = Settings(
            store=parse_store(argv[0], setting="bench"),
            data_dir=Path(data_dir),
            secret=secrets.token_bytes(32),
        )
        before = peak_rss_kib()
        started = perf_counter()
        with replay_cores(settings) as (live, scratch):
            report = replay(live, scratch)
        seconds = perf_counter() - started
        peak = peak_rss_kib()
    print(
        json.dumps(
            {
                "events": report.events,
                "differences": report.differences,
                "violations": len(report.violations),
                "copy_seconds": report.copy_seconds,
                "rebuild_seconds": report.rebuild_seconds,
                "total_seconds": seconds,
                "rss_before_kib": before,
                "rss_peak_kib": peak,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
