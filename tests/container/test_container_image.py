"""The project's image, built from its Dockerfile and run by podman: it answers /healthz, its
own HEALTHCHECK passes, it serves the API as README's "Using it" does (a token made inside the
container by the CLI registers a title), it runs as a user without privileges, it keeps its
data and secret in the volume across a new container, and on PostgreSQL it is ready."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.container.runtime import Podman
from tests.live_service import free_port

START_SECONDS = 120


def _call(method: str, url: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL built by the test
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def _wait_healthy(podman: Podman, name: str, base: str) -> dict[str, Any]:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            status, health = _call("GET", f"{base}/healthz")
            assert status == 200
            return dict(health)
        except (urllib.error.URLError, ConnectionError):
            running = podman.run("inspect", "--format", "{{.State.Running}}", name, check=False)
            if running.stdout.strip() != "true" or time.monotonic() > deadline:
                raise AssertionError(
                    f"the container did not answer /healthz:\n{podman.logs(name)}"
                ) from None
            time.sleep(0.5)


def _token(podman: Podman, name: str, role: str, subject: str) -> str:
    made = podman.run("exec", name, "spotlight", "token", "--role", role, "--subject", subject)
    return made.stdout.strip()


@pytest.fixture
def named(podman: Podman) -> Iterator[Callable[[str], str]]:
    """Names for this test's containers and volumes, all removed after it."""
    made: list[str] = []
    suffix = secrets.token_hex(4)

    def name(purpose: str) -> str:
        made.append(f"spotlight-test-{purpose}-{suffix}")
        return made[-1]

    yield name
    for thing in made:
        podman.remove(thing)
        podman.run("volume", "rm", "--force", thing, check=False)


def test_the_image_serves_the_api_as_a_user_without_privileges_and_keeps_its_data(
    podman: Podman, image: str, named: Callable[[str], str]
) -> None:
    volume, first, second = named("data"), named("first"), named("second")
    port = free_port()
    options = ["--publish", f"127.0.0.1:{port}:8000", "--volume", f"{volume}:/var/lib/spotlight"]
    base = f"http://127.0.0.1:{port}"

    podman.start(first, options)
    assert _wait_healthy(podman, first, base) == {"status": "ok", "store": "sqlite"}
    # The Dockerfile's own HEALTHCHECK, run as the runtime runs it.
    assert podman.run("healthcheck", "run", first, check=False).returncode == 0, podman.logs(first)
    assert podman.run("exec", first, "id", "-u").stdout.strip() == "10001"
    assert podman.run("exec", first, "id", "-u", "root").stdout.strip() == "0"

    studio = _token(podman, first, "studio", "legendary")
    status, title = _call(
        "POST", f"{base}/v1/titles", {"name": "Dune: Part Two", "kind": "movie"}, token=studio
    )
    assert status == 201
    assert title["name"] == "Dune: Part Two"
    with pytest.raises(urllib.error.HTTPError) as refused:
        _call("POST", f"{base}/v1/titles", {"name": "No token", "kind": "movie"})
    assert refused.value.code == 401

    # A new container on the same volume: the title, and the secret that signed the token.
    podman.remove(first)
    podman.start(second, options)
    _wait_healthy(podman, second, base)
    status, kept = _call("GET", f"{base}/v1/titles/{title['id']}", token=studio)
    assert (status, kept["name"]) == (200, "Dune: Part Two")
    files = podman.run("exec", second, "ls", "/var/lib/spotlight").stdout.split()
    assert "secret" in files, files
    assert "spotlight.catalogue.db" in files, "one SQLite file per log, in the volume"


def test_the_image_is_ready_on_postgresql(
    podman: Podman,
    image: str,
    named: Callable[[str], str],
    postgres_url: str,
    postgres_schema: Callable[[str], str],
) -> None:
    """The server is the machine's, so the container shares the host's network (the store
    names 127.0.0.1) and is told its port by the command."""
    container = named("postgres")
    port = free_port()
    store = f"{postgres_url}?schema={postgres_schema('container')}"
    podman.start(
        container,
        ["--network", "host", "--env", f"SPOTLIGHT_STORE={store}", "--env", "POSTGRES_POOL_SIZE=1"],
        ["spotlight", "serve", "--host", "127.0.0.1", "--port", str(port)],
    )
    base = f"http://127.0.0.1:{port}"
    assert _wait_healthy(podman, container, base) == {"status": "ok", "store": "postgresql"}
    status, readiness = _call("GET", f"{base}/readyz")
    assert status == 200
    assert (readiness["status"], readiness["failed"]) == ("ready", [])
    assert readiness["projections"], "the persisted read models are listed"
