"""The quick-start service keeps its data across a restart (SQLite under the data directory)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
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
    request = urllib.request.Request(  # noqa: S310 - a loopback URL built by this test
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


@contextmanager
def running_service(environment: dict[str, str], port: int) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    service = subprocess.Popen(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "serve", "--port", str(port), "--log-level", "warning"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                call("GET", f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if service.poll() is not None or time.monotonic() > deadline:
                    _, errors = service.communicate(timeout=5)
                    raise AssertionError(f"the service did not start: {errors.decode()}") from None
                time.sleep(0.1)
        yield base
    finally:
        service.terminate()
        service.wait(timeout=15)


def test_a_title_survives_a_restart_of_the_service(tmp_path: Path) -> None:
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(tmp_path / "data")}
    environment.pop("SPOTLIGHT_STORE", None)
    environment.pop("SPOTLIGHT_SECRET", None)
    token = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "token", "--role", "studio", "--subject", "legendary"],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()

    with running_service(environment, port) as base:
        title = call("POST", f"{base}/v1/titles", {"name": "Dune", "kind": "movie"}, token)
    with running_service(environment, port) as base:
        again = call("GET", f"{base}/v1/titles/{title['id']}")

    assert again == title
    assert (tmp_path / "data" / "spotlight.catalogue.db").exists()


def test_an_unreachable_store_fails_at_start_with_one_line_naming_the_setting(
    tmp_path: Path,
) -> None:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_STORE": f"postgresql://nobody@127.0.0.1:{free_port()}/nothing",
    }

    result = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "serve"], env=environment, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("spotlight: error: SPOTLIGHT_STORE=")
    assert "not reachable" in lines[0]


def test_bad_cli_arguments_exit_non_zero_with_a_message() -> None:
    result = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "token", "--role", "emperor", "--subject", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    help_text = subprocess.run(  # noqa: S603 - our own CLI
        [*SPOTLIGHT, "--help"], capture_output=True, text=True, check=True
    ).stdout

    assert result.returncode == 2
    assert "invalid choice: 'emperor'" in result.stderr
    assert "serve" in help_text
    assert "token" in help_text
