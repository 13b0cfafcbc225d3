"""A client generated from the service's OpenAPI (openapi-python-client, as an embedder
would make one) reads well and works against a live ``spotlight serve``: a studio registers
a title, anyone reads it, and an unknown title is a 404 problem the client parses.

Generation fails on any warning, so an operation or schema the generator cannot read (two
schemas of one title, a response it cannot type) fails this test."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import pytest

from adapters.clock import SystemClock
from adapters.tokens import TokenSigner
from application.auth import Principal, Role
from entrypoints.settings import DEFAULT_RATE_LIMITS
from tests.live_service import free_port, running_service

SECRET = "client-secret-" + "x" * 20
PACKAGE = "spotlight_core_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType]]:
    root = tmp_path_factory.mktemp("client")
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(root / "data"),
        "SPOTLIGHT_SECRET": SECRET,
        "SPOTLIGHT_RATE_LIMITS": ",".join(f"{flow}=none" for flow in DEFAULT_RATE_LIMITS),
    }
    environment.pop("SPOTLIGHT_STORE", None)
    with running_service(environment, free_port(), root / "serve.log") as base:
        spec = root / "openapi.json"
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as answer:  # noqa: S310
            spec.write_bytes(answer.read())
        generated = subprocess.run(  # noqa: S603 - the generator of this environment
            [str(GENERATOR), "generate", "--path", str(spec), "--meta", "none",
             "--output-path", str(root / PACKAGE), "--fail-on-warning"],
            capture_output=True,
            text=True,
            # Its formatting step runs ruff, installed beside it.
            env={**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"},
            check=False,
        )  # fmt: skip
        assert generated.returncode == 0, generated.stdout + generated.stderr
        sys.path.insert(0, str(root))
        try:
            yield base, importlib.import_module(PACKAGE)
        finally:
            sys.path.remove(str(root))
            for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
                del sys.modules[name]


def part(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_a_generated_client_registers_a_title_reads_it_and_parses_a_404(
    live: tuple[str, ModuleType],
) -> None:
    base, client = live
    token = TokenSigner(SECRET.encode(), SystemClock()).issue(
        Principal(Role.STUDIO, "legendary"), lifetime=timedelta(minutes=10)
    )
    models = part(client, "models")
    register_title = part(client, "api.titles.register_title")
    get_title = part(client, "api.titles.get_title")
    studio = client.AuthenticatedClient(base_url=base, token=token)
    anyone = client.Client(base_url=base)

    registered = register_title.sync_detailed(
        client=studio, body=models.TitleRegistration.from_dict({"name": "Dune", "kind": "movie"})
    )
    title = registered.parsed
    read = get_title.sync_detailed(client=anyone, title_id=title.id)
    unknown = get_title.sync_detailed(client=anyone, title_id=uuid4())

    assert registered.status_code == 201
    assert isinstance(title, models.TitleOut)
    assert registered.headers["location"] == f"/v1/titles/{title.id}"
    assert read.status_code == 200
    assert isinstance(read.parsed, models.TitleOut)
    assert (read.parsed.name, read.parsed.version) == ("Dune", 1)
    assert read.headers["etag"] == '"1"'
    assert unknown.status_code == 404
    assert isinstance(unknown.parsed, models.Problem)
    assert unknown.parsed.type_ == "urn:spotlight:problem:not-found"
    assert unknown.parsed.status == 404
