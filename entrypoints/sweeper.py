"""The service's background worker: every pass the core registers (``core.background``:
retroactive matching, track usage detection, product recognition, and the notices of product
tags still waiting for their creators), in order, at every tick; and, in the embedded default
(SPOTLIGHT_PROJECTIONS=inline), the persisted read models, so that the first read after a
burst of writes finds them warm. Under SPOTLIGHT_PROJECTIONS=worker `spotlight worker` does
all of it and the service runs no sweeper."""

from __future__ import annotations

import logging
import threading

from entrypoints.bootstrap import Spotlight
from entrypoints.worker import run_passes

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
        """The projections first (each on its own: a failed one is recorded and the others
        go on), then one pass of each background work."""
        if self._core.projections.inline:
            for name, done in self._core.projections.catch_up_all().items():
                if isinstance(done, Exception):
                    log.error("%s", done, extra={"projection": name})
                elif done:
                    log.info(
                        "%s: applied %d events",
                        name,
                        done,
                        extra={"projection": name, "events": done},
                    )
        run_passes(self._core.background, log)
