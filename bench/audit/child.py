"""Verifies one SQLite log in a process of its own and prints what it took as JSON, so the
peak resident memory is the verification's, not the seeding's.

    python -m bench.audit.child <store url> <application name> <page>
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from time import perf_counter

from adapters.audit.logs import open_log
from adapters.storage import parse_store
from application.audit.audit import verify_log


def peak_rss_kib() -> int:
    """The process's resident-memory high-water mark. VmHWM belongs to the process's own
    address space; ru_maxrss would start from the parent's size at the fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    url, name, page = argv[0], argv[1], int(argv[2])
    log = open_log(parse_store(url, setting="bench"), name)
    try:
        before = peak_rss_kib()
        started = perf_counter()
        verification = verify_log(name, log.reader, page=page)
        seconds = perf_counter() - started
        peak = peak_rss_kib()
    finally:
        log.close()
    print(
        json.dumps(
            {
                "records": verification.records,
                "intact": verification.intact,
                "seconds": seconds,
                "rss_before_kib": before,
                "rss_peak_kib": peak,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
