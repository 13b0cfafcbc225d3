"""The real FastAPI app over a real SQLite file store, driven through HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

Headers = dict[str, str]


def e2e_settings(tmp_path: Path, **environ: str) -> Settings:
    """The settings of an e2e core in ``tmp_path``, with more ``SPOTLIGHT_*`` variables."""
    return Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path),
            "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
            **{f"SPOTLIGHT_{name}": value for name, value in environ.items()},
        }
    )


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Spotlight]:
    running = bootstrap(e2e_settings(tmp_path))
    yield running
    running.close()


@pytest.fixture
def client(core: Spotlight) -> TestClient:
    return TestClient(create_app(core))


@pytest.fixture
def auth(core: Spotlight) -> Callable[[str, str], Headers]:
    def headers(role: str, subject: str) -> Headers:
        token = core.tokens.issue(Principal(Role(role), subject), lifetime=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def small_upload_client(tmp_path: Path) -> Iterator[tuple[TestClient, Spotlight]]:
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_DATA_DIR": str(tmp_path),
            "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
            "SPOTLIGHT_MAX_UPLOAD_MB": "0.05",
        }
    )
    running = bootstrap(settings)
    yield TestClient(create_app(running)), running
    running.close()
