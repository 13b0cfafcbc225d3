"""`spotlight worker`: the process that brings the persisted read models up to date and runs
the background passes, apart from the processes that answer requests.

Every projection is run by one worker at a time: at each tick the worker takes, or renews,
the projection's lease in the projection store before catching it up, and gives its leases
back only when it stops. Leases only spare the workers duplicated work; two workers that
both apply a page still commit it once (the positions move by compare and set).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable

import attrs

from application.background import BackgroundWork
from application.errors import StaleVersion
from application.projections import ProjectionFailed, ProjectionRunner, ProjectionStore

log = logging.getLogger("spotlight.worker")


def run_passes(background: BackgroundWork, into: logging.Logger = log) -> None:
    """One pass of each, in order; a pass that fails ends the tick, and is resumed from its
    cursors on the next."""
    for work in background:
        started = time.perf_counter()
        try:
            done = work.run()
        except StaleVersion:
            # Another process (a second serve worker's passes) saved the same aggregate
            # first: expected where passes run in several processes, and resumed next tick.
            into.info(
                "%s: another process changed what it was saving; resumed at the next tick",
                work.name,
                extra={"background_pass": work.name},
            )
            return
        except Exception:
            into.exception(work.failure, extra={"background_pass": work.name})
            return
        milliseconds = round((time.perf_counter() - started) * 1000, 2)
        # Every pass is logged; one that found nothing to do only at debug level, as it
        # is so at every tick of an idle service.
        into.log(
            logging.INFO if done else logging.DEBUG,
            "%s: %s",
            work.name,
            done or "nothing to do",
            extra={"background_pass": work.name, "duration_ms": milliseconds},
        )


def holder_name() -> str:
    """Who holds a lease: host and process, and a random part for a process that restarts
    under the pid of one that died holding leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@attrs.frozen
class Tick:
    """What one tick did: events applied per projection it held, the projections that
    failed (with why) and those another worker holds."""

    applied: dict[str, int]
    failed: dict[str, str]
    elsewhere: tuple[str, ...]


class ProjectionWorker:
    """Catches every registered projection up at each tick, under its lease, then runs the
    background passes."""

    def __init__(
        self,
        runner: ProjectionRunner,
        leases: ProjectionStore,
        background: BackgroundWork | None = None,
        *,
        holder: str | None = None,
        interval: float = 2.0,
        lease_seconds: float | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.runner = runner
        self.leases = leases
        self.background = background
        self.holder = holder or holder_name()
        self.interval = interval
        # Long enough that a worker keeps its leases through a slow tick or two; a worker
        # that dies leaves them to the others after this long.
        self.lease_seconds = (
            lease_seconds if lease_seconds is not None else max(30.0, 10 * interval)
        )
        # Wall-clock time: leases are compared across processes and hosts.
        self._now = now
        self._held: set[str] = set()

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    def tick(self, stop: threading.Event | None = None) -> Tick:
        """Each projection it can lease, caught up, then the background passes; a ``stop``
        set meanwhile ends the tick before the next projection (a catch-up from zero may take
        minutes; the batch under way commits or rolls back whole)."""
        applied: dict[str, int] = {}
        failed: dict[str, str] = {}
        elsewhere: list[str] = []
        for name in self.runner.names():
            if stop is not None and stop.is_set():
                return Tick(applied=applied, failed=failed, elsewhere=tuple(elsewhere))
            try:
                leased = self.leases.try_lease(name, self.holder, self._now(), self.lease_seconds)
            except Exception as error:
                # The database is unreachable (restarting, locked): the worker lives on and
                # tries again at the next tick; what it applied is committed, or not at all.
                log.warning("%s: the lease could not be taken: %s", name, error)
                failed[name] = f"{type(error).__name__}: {error}"
                continue
            if not leased:
                self._held.discard(name)
                elsewhere.append(name)
                continue
            self._held.add(name)
            try:
                applied[name] = self.runner.catch_up(name)
            except ProjectionFailed as failure:
                # Recorded by the runner at its event; the others go on.
                failed[name] = str(failure)
            except Exception as error:
                log.exception("%s could not be caught up", name)
                failed[name] = f"{type(error).__name__}: {error}"
            else:
                if applied[name]:
                    log.info(
                        "%s: applied %d events",
                        name,
                        applied[name],
                        extra={"projection": name, "events": applied[name]},
                    )
        if self.background is not None and not (stop is not None and stop.is_set()):
            run_passes(self.background)
        return Tick(applied=applied, failed=failed, elsewhere=tuple(elsewhere))

    def run(self, stop: threading.Event) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set, then give the leases back
        so another worker takes over at once."""
        try:
            while not stop.is_set():
                self.tick(stop)
                stop.wait(self.interval)
        finally:
            self.release()

    def release(self) -> None:
        for name in sorted(self._held):
            try:
                self.leases.release(name, self.holder)
            except Exception:
                # It expires on its own; the worker is stopping either way.
                log.exception("the lease of %s could not be given back", name)
        self._held.clear()
