"""The service's background worker: retroactive matching, track usage detection, product
recognition, and the notices of product tags still waiting for their creators."""

from __future__ import annotations

import logging
import threading

from entrypoints.bootstrap import Spotlight

log = logging.getLogger("spotlight.sweeper")


class BackgroundSweeper:
    """Advances open sweeps every ``interval`` seconds until stopped.

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
            try:
                report = self._core.anchoring.run_sweeps()
            except Exception:  # a failed pass is retried on the next tick, from its cursor
                log.exception("retroactive matching pass failed")
                continue
            if report.videos_considered:
                log.info(
                    "retroactive matching: %d videos considered, %d changed, %d sweeps open",
                    report.videos_considered,
                    report.videos_changed,
                    report.pending,
                )
            try:
                usage = self._core.usage.run()
            except Exception:  # likewise resumed from the scans' cursors
                log.exception("track usage pass failed")
                continue
            if usage.videos_considered:
                log.info(
                    "track usage: %d videos considered, %d uses found, %d backfills open",
                    usage.videos_considered,
                    usage.uses_found,
                    usage.scans_pending,
                )
            try:
                products = self._core.recognition.run()
            except Exception:  # resumed from the scan's cursor on the next tick
                log.exception("product recognition pass failed")
                continue
            if products.videos_scanned or products.listings_joined:
                log.info(
                    "product recognition: %d videos, %d new listings, %d tags proposed",
                    products.videos_scanned,
                    products.listings_joined,
                    products.tags_proposed,
                )
            try:
                notices = self._core.tagging.deliver_pending_notices()
            except Exception:  # tags stay hidden until their creators are told
                log.exception("delivering product tag notices failed")
                continue
            if notices:
                log.info("product tags: %d creators told, their tags now shown", notices)
