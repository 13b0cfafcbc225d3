"""`spotlight serve --workers N`: several HTTP worker processes over one store, each with its
own core built from the environment; refused on the memory store, whose log would be each
process's own."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.clock import SystemClock
from adapters.tokens import TokenSigner
from application.auth import Principal, Role
from entrypoints.cli import main
from tests.conftest import TEST_SECRET
from tests.deployments import StoreUnderTest, store_under_test
from tests.live_service import call, free_port, running_service


def test_several_workers_are_refused_on_the_memory_store(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--workers", "2", "--store", "memory://"]) == 2
    error = capsys.readouterr().err
    assert "--workers 2: the memory store lives in one process" in error
    assert main(["serve", "--workers", "0", "--store", "memory://"]) == 2
    assert "--workers must be positive" in capsys.readouterr().err


def test_projections_left_to_workers_are_refused_on_the_memory_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["worker", "--once", "--store", "memory://"]) == 2
    assert "a worker on the memory store would follow a log of its own" in capsys.readouterr().err
    monkeypatch.setenv("SPOTLIGHT_PROJECTIONS", "worker")
    assert main(["serve", "--store", "memory://"]) == 2
    assert "no `spotlight worker` can reach the memory store" in capsys.readouterr().err


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    return store_under_test(request, tmp_path, "serve_workers")


def test_two_workers_answer_on_one_store(store: StoreUnderTest, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path / "data"),
        "SPOTLIGHT_SECRET": TEST_SECRET.decode(),
        "SPOTLIGHT_STORE": store.url,
    }
    token = TokenSigner(TEST_SECRET, SystemClock()).issue(
        Principal(Role.STUDIO, "legendary"), lifetime=timedelta(hours=1)
    )
    # Each worker imports the media libraries before it answers: on a busy machine, a while.
    with running_service(
        environment, free_port(), tmp_path / "serve.log", ["--workers", "2"], start_seconds=90
    ) as base:
        registered = [
            call("POST", f"{base}/v1/titles", {"name": f"Title {n}", "kind": "movie"}, token)
            for n in range(6)
        ]
        # Whichever worker answers, every title is read back from the one store.
        for title in registered:
            assert call("GET", f"{base}/v1/titles/{title['id']}")["name"] == title["name"]
        assert call("GET", f"{base}/readyz")["status"] == "ready"
    assert "in 2 workers" in (tmp_path / "serve.log").read_text()
