"""The service's background worker: every pass the core registers (``core.background``:
retroactive matching, track usage detection, product recognition, and the notices of product
tags still waiting for their creators), in order, at every tick."""

from __future__ import annotations

import logging
import threading

from entrypoints.bootstrap import Spotlight

log = logging.getLogger("spotlight.sweeper")


class BackgroundSweeper:
    """Runs the core's background passes every ``interval`` seconds until stopped.

    Sweeps are resumable and their cursors are saved with their decisions, so stopping the
    worker at any moment (or running one in each of several processes) never matches a
    video twice.
    """

    def __init__(self, core: Spotlight, interval: float) -> None:
        self._core = core
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="spotlight-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.tick()

    def tick(self) -> None:
        """One pass of each, in order; a pass that fails ends the tick, and is resumed from
        its cursors on the next."""
        for work in self._core.background:
            try:
                done = work.run()
            except Exception:
                log.exception(work.failure)
                return
            if done:
                log.info("%s: %s", work.name, done)
