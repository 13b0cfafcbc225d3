"""The supervisor of `spotlight serve --workers N`: uvicorn's, with a health check that sees
a worker's death at once and gives way to a stop, and a stop that ends in a bounded time.

uvicorn's supervisor checks each worker every half second by sending it a ping and waiting
for the answer for up to its health-check timeout (60 s here: a new worker only answers once
it has imported the media libraries). A worker that died before it answered (one that failed
at its start, say) left it waiting the whole minute, since the supervisor holds both ends of
the pipe and never sees it close; and it reads its signals only between checks, so a SIGTERM
sent meanwhile waited too (issue 16: `spotlight serve --workers 2` took over a minute to
stop). It then waits for each stopped worker with no limit: one stuck in its shutdown would
have kept the service from ever stopping.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from socket import socket
from typing import Any

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

log = logging.getLogger("uvicorn.error")

#: How often a health check's wait looks whether a stop has been asked for.
STOP_CHECK_SECONDS = 0.2


def answers(
    pipe: Connection, worker: BaseProcess, timeout: float, stopping: Callable[[], bool]
) -> bool:
    """Whether the worker answers a health check on ``pipe`` within ``timeout`` seconds: not
    as soon as it has exited, and yes (no verdict: it is about to be stopped anyway) as soon
    as ``stopping()`` says a stop has been asked for."""
    if not worker.is_alive():
        return False
    deadline = time.monotonic() + timeout
    try:
        pipe.send(b"ping")
        while (left := deadline - time.monotonic()) > 0:
            ready = wait([pipe, worker.sentinel], timeout=min(left, STOP_CHECK_SECONDS))
            if pipe in ready:
                pipe.recv()
                return True
            if ready:
                return False  # the sentinel: the worker has exited without answering
            if stopping():
                return True
    except (OSError, EOFError, pickle.UnpicklingError):
        return False
    return False


def join_within(workers: Sequence[BaseProcess], seconds: float) -> list[int | None]:
    """Wait for the workers to end, ``seconds`` in all; kill those still running then, and
    answer their process ids."""
    deadline = time.monotonic() + seconds
    killed: list[int | None] = []
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.exitcode is None:
            killed.append(worker.pid)
            worker.kill()
            worker.join()
    return killed


class Supervisor(Multiprocess):
    """uvicorn's worker supervisor, with ``answers`` as its health check and at most
    ``stop_seconds`` given to the workers to stop once told to; one still running then is
    killed (its transactions are rolled back by the database, and every sweep resumes from
    its saved cursor)."""

    def __init__(self, config: Config, sockets: list[socket], stop_seconds: float) -> None:
        super().__init__(config, sockets)
        self.stop_seconds = stop_seconds

    def _stopping(self) -> bool:
        return self.should_exit.is_set() or bool(self.signal_queue)

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if answers(
                process.parent_conn,
                process.process,
                self.config.timeout_worker_healthcheck,
                self._stopping,
            ):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # As uvicorn's: the app, its settings or the socket is broken, and every
                # new worker would fail the same way.
                log.error(
                    "Child process [%s] failed to start, stopping the parent process.", process.pid
                )
                self.should_exit.set()
                return
            if self._stopping():
                return
            log.info("Child process [%s] died", process.pid)
            replacement = Process(self.config, self.sockets)
            replacement.start()
            self.processes[index] = replacement

    def join_all(self) -> None:
        for pid in join_within([process.process for process in self.processes], self.stop_seconds):
            log.error(
                "Child process [%s] did not stop within %s s of being told to; killed it",
                pid,
                self.stop_seconds,
            )


def serve_in_workers(app: str, *, stop_seconds: float, **options: Any) -> None:
    """What ``uvicorn.run(app, workers=N, ...)`` does, under ``Supervisor``."""
    config = Config(app, **options)
    Supervisor(config, sockets=[config.bind_socket()], stop_seconds=stop_seconds).run()
