"""Resident memory of this process, read from Linux's /proc (None elsewhere).

``reset_peak()`` writes 5 to /proc/self/clear_refs, which sets the high-water mark (VmHWM)
back to the current resident size, so the peak of one phase can be read on its own.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field: str) -> int | None:
    try:
        text = STATUS.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == field:
            return int(value.split()[0])
    return None


def rss_kb() -> int | None:
    """Resident set size now, in KiB."""
    return _status_kb("VmRSS")


def peak_kb() -> int | None:
    """The high-water mark of the resident set since the start or the last reset, in KiB."""
    return _status_kb("VmHWM")


def reset_peak() -> bool:
    """Start a new high-water mark; False when the system does not allow it."""
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def max_rss_kb() -> int:
    """The process's largest resident set over its whole life (getrusage), in KiB."""
    largest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # macOS reports bytes, Linux kilobytes.
    return largest // 1024 if sys.platform == "darwin" else largest
