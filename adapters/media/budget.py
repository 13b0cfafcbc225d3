"""What one upload may cost to decode, and how many are decoded at once.

A few kB of PNG or H.264 can describe pictures of 8192 x 8192, and half a MB of Opus a
quarter of an hour of sound: the bytes of an upload say little about its decoded size. So
decoders read the headers first and refuse (``MediaOverBudget``) what would decode to more
than the budget, and every decode in the process takes one of a few ``DecodeSlots``, so
that simultaneous uploads queue instead of each holding its pictures in memory at once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from application.media import DecodersBusy, MediaOverBudget

#: Pixels of one picture or video frame: 4096 x 4096 (4K video, 12-16 MP photos; a JPEG is
#: measured at the reduced size it is decoded at).
DEFAULT_MAX_PIXELS: Final = 4096 * 4096
#: Seconds of audio or video in one upload.
DEFAULT_MAX_SECONDS: Final = 10 * 60.0
#: A clip may average this many full-budget frames a second over its whole length before
#: its pixels x frames run out (frames at a lower size count for less).
FULL_BUDGET_RATE: Final = 30
DEFAULT_SLOTS: Final = 2
DEFAULT_WAIT_SECONDS: Final = 30.0


def check_pixels(width: int, height: int, max_pixels: int, what: str = "the picture") -> None:
    """Refuse a picture or frame of more than ``max_pixels`` before it is decoded."""
    if width * height > max_pixels:
        raise MediaOverBudget(
            f"{what} is {width} x {height} pixels; at most {max_pixels:,} pixels are decoded"
        )


def max_pixel_frames(max_pixels: int, max_seconds: float) -> float:
    """The pixels x frames one clip may decode in all."""
    return float(max_pixels) * FULL_BUDGET_RATE * max_seconds


class DecodeSlots:
    """At most ``size`` decodes at once in this process, shared by every decoder of a core.

    An upload waits up to ``wait_seconds`` for a slot and is then refused with
    ``DecodersBusy`` (HTTP 503 with Retry-After). A thread that holds a slot and decodes
    again (a video decoded for the anchors, then for the shop) does not take a second one,
    so a size of 1 cannot deadlock."""

    def __init__(
        self, size: int = DEFAULT_SLOTS, *, wait_seconds: float = DEFAULT_WAIT_SECONDS
    ) -> None:
        if size < 1:
            raise ValueError("at least one decode slot is needed")
        if wait_seconds < 0:
            raise ValueError("wait_seconds cannot be negative")
        self.size = size
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(size)
        self._held = threading.local()

    @contextmanager
    def held(self) -> Iterator[None]:
        if getattr(self._held, "depth", 0):
            self._held.depth += 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise DecodersBusy(retry_after_seconds=max(1, math.ceil(self.wait_seconds)))
        self._held.depth = 1
        try:
            yield
        finally:
            self._held.depth = 0
            self._slots.release()
