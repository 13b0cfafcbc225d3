"""A real ``spotlight serve`` process on a free loopback port, for tests that need the
service as it is deployed (the uvicorn server, its lifespan and background sweeps)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SPOTLIGHT = [sys.executable, "-m", "entrypoints.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def call(method: str, url: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL built by the test
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


@contextmanager
def running_service(
    environment: dict[str, str],
    port: int,
    log: Path,
    options: Sequence[str] = (),
    start_seconds: float = 30,
) -> Iterator[str]:
    """The service's base URL once ``/healthz`` answers; its stderr goes to ``log`` (a file,
    not a pipe, so a chatty server never blocks on a full pipe nobody reads). ``options`` go
    to ``spotlight serve`` after the port; it has ``start_seconds`` to answer."""
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as errors:
        service = subprocess.Popen(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, "serve", "--port", str(port), "--log-level", "warning", *options],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                call("GET", f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if service.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"the service did not start: {log.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.1)
        yield base
    finally:
        service.terminate()
        # Two uvicorn workers on a busy machine can take a while to stop gracefully.
        service.wait(timeout=60)
