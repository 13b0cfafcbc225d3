"""Service processes started as they are deployed (``spotlight serve``, ``spotlight
worker``), the load client run against them, and what the operating system and PostgreSQL
say each process holds: resident memory, connections."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]
START_TIMEOUT = 600.0
_PID = re.compile(r"pid=(\d+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def child_environ(environ: Mapping[str, str]) -> dict[str, str]:
    here = str(Path(__file__).resolve().parents[2])
    python_path = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        **environ,
        "PYTHONPATH": f"{here}{os.pathsep}{python_path}" if python_path else here,
    }


@contextmanager
def serving(
    environ: Mapping[str, str], log: Path, *, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``spotlight serve --workers N`` on a free port; its base URL once ``/healthz``
    answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as errors:
        service = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                *SPOTLIGHT,
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--workers",
                str(workers),
            ],
            env=child_environ(environ),
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        wait_until_up(base, service, log, workers)
        yield base, service
    finally:
        stop(service)


@contextmanager
def projection_worker(environ: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as errors:
        worker = subprocess.Popen(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, "worker", "--interval", "0.5", "--log-level", "warning"],
            env=child_environ(environ),
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        yield worker
    finally:
        stop(worker)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a supervisor stops a service; SIGKILL if it has not gone in a minute."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_up(base: str, service: subprocess.Popen[bytes], log: Path, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if service.poll() is not None:
            raise RuntimeError(f"the service stopped: {log.read_text()[-500:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5):  # noqa: S310
                pass
            if len(serving_processes(service)) >= workers:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the service did not answer in {START_TIMEOUT:.0f} s")
        time.sleep(0.2)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def serving_processes(service: subprocess.Popen[bytes]) -> list[int]:
    """The processes that answer requests: uvicorn's worker processes, or the serve
    process itself when it runs one worker (it then has no child answering)."""
    workers = [pid for pid in children(service.pid) if _is_python(pid) and _listens(pid)]
    return workers or [service.pid]


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _listens(pid: int) -> bool:
    # uvicorn's worker processes are spawned children running the multiprocessing entry.
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing.spawn" in command and b"resource_tracker" not in command


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def postgres_connections(port: int = 5432) -> Counter[int]:
    """Established connections to the PostgreSQL server, by the local process holding
    them (``ss -tnp``, which needs to see other processes' sockets)."""
    shown = subprocess.run(  # noqa: S603
        ["ss", "-tnp", "state", "established", f"( dport = :{port} )"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    held: Counter[int] = Counter()
    for line in shown.splitlines()[1:]:
        for pid in _PID.findall(line):
            held[int(pid)] += 1
    return held


@dataclass(frozen=True)
class Load:
    seconds: float
    statuses: dict[str, int]
    p50_ms: float
    p95_ms: float
    count: int

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


def run_load(
    base: str,
    requests: Sequence[tuple[str, Mapping[str, str]]],
    *,
    clients: int,
    count: int,
    scratch: Path,
) -> Load:
    file = scratch / f"requests-{os.getpid()}-{time.monotonic_ns()}.json"
    file.write_text(json.dumps([[path, dict(headers)] for path, headers in requests]))
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.service.load", base, str(file), str(clients), str(count)],
        env=child_environ({}),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load client failed: {done.stderr.strip()[-500:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return Load(
        seconds=found["seconds"],
        statuses=found["statuses"],
        p50_ms=found["p50_ms"],
        p95_ms=found["p95_ms"],
        count=count,
    )
