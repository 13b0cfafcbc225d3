"""The supervisor of `spotlight serve --workers N` sees a dead worker at once, gives way to a
stop, and never waits for ever for a worker that will not stop: with real processes.

uvicorn's own health check waited its whole timeout (60 s here) for the answer of a worker
that had died, reading no signal meanwhile, so `spotlight serve --workers 2` took over a
minute to stop on SIGTERM (issue 16)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any

from entrypoints.supervisor import answers, join_within

#: The health check's timeout in these tests: far longer than any of them may take.
HEALTHCHECK_SECONDS = 30.0
CONTEXT = multiprocessing.get_context("spawn")


def dies_without_answering(pipe: Connection) -> None:
    time.sleep(0.5)


def answers_every_ping(pipe: Connection) -> None:
    while True:
        pipe.recv()
        pipe.send(True)


def never_answers(pipe: Connection) -> None:
    time.sleep(HEALTHCHECK_SECONDS)


def ignores_sigterm(ready: Event) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready.set()
    time.sleep(HEALTHCHECK_SECONDS)


def stops_on_sigterm(ready: Event) -> None:
    ready.set()
    time.sleep(HEALTHCHECK_SECONDS)


@contextmanager
def worker(target: Any) -> Iterator[tuple[Connection, BaseProcess]]:
    """A worker process given one end of a pipe; like uvicorn's supervisor, the test keeps
    both ends open, so the worker's death never closes the pipe."""
    ours, theirs = CONTEXT.Pipe()
    process = CONTEXT.Process(target=target, args=(theirs,))
    process.start()
    try:
        yield ours, process
    finally:
        process.kill()
        process.join()
        ours.close()
        theirs.close()


def started(target: Any) -> BaseProcess:
    ready = CONTEXT.Event()
    process = CONTEXT.Process(target=target, args=(ready,))
    process.start()
    assert ready.wait(HEALTHCHECK_SECONDS)
    return process


def test_a_worker_that_died_without_answering_is_found_dead_at_once() -> None:
    with worker(dies_without_answering) as (pipe, process):
        begun = time.monotonic()
        assert not answers(pipe, process, HEALTHCHECK_SECONDS, lambda: False)
        assert time.monotonic() - begun < HEALTHCHECK_SECONDS / 3


def test_a_worker_that_answers_is_alive() -> None:
    with worker(answers_every_ping) as (pipe, process):
        assert answers(pipe, process, HEALTHCHECK_SECONDS, lambda: False)
        assert answers(pipe, process, HEALTHCHECK_SECONDS, lambda: False)


def test_a_stop_asked_for_ends_the_wait_for_a_silent_worker() -> None:
    with worker(never_answers) as (pipe, process):
        asked_at = time.monotonic() + 0.5
        assert answers(pipe, process, HEALTHCHECK_SECONDS, lambda: time.monotonic() > asked_at)
        assert time.monotonic() - asked_at < HEALTHCHECK_SECONDS / 3
        assert process.is_alive()


def test_a_worker_that_does_not_stop_is_killed_once_its_time_is_up() -> None:
    stubborn, obedient = started(ignores_sigterm), started(stops_on_sigterm)
    for process in (stubborn, obedient):
        assert process.pid is not None
        os.kill(process.pid, signal.SIGTERM)
    begun = time.monotonic()
    assert join_within([stubborn, obedient], 1.0) == [stubborn.pid]
    assert time.monotonic() - begun < HEALTHCHECK_SECONDS / 3
    assert stubborn.exitcode == -signal.SIGKILL
    assert obedient.exitcode == -signal.SIGTERM
