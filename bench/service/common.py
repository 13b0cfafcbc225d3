"""What the service benchmarks share: a core built for HTTP, tokens, the minimal app, the
load average to quote beside every figure."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from fastapi import FastAPI
from pydantic import BaseModel

from adapters.clock import RandomIdentities, SystemClock
from adapters.storage import Store
from application.auth import Principal
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.settings import DEFAULT_RATE_LIMITS, NO_LIMIT, Settings

#: Every flow unlimited: one benchmark client is one caller at one address, far past any
#: limit; the limiter still runs (and is paid for) on every request.
NO_LIMITS = ",".join(f"{flow}={NO_LIMIT}" for flow in DEFAULT_RATE_LIMITS)


def service_environ(store: Store, data_dir: Path, **more: str) -> dict[str, str]:
    return {
        "SPOTLIGHT_STORE": store.url,
        "SPOTLIGHT_DATA_DIR": str(data_dir),
        "SPOTLIGHT_SECRET": secrets.token_urlsafe(32),
        "SPOTLIGHT_RATE_LIMITS": NO_LIMITS,
        **more,
    }


@contextmanager
def open_core(store: Store, data_dir: Path, **more: str) -> Iterator[Spotlight]:
    with core_from(service_environ(store, data_dir, **more)) as core:
        yield core


@contextmanager
def core_from(environ: dict[str, str]) -> Iterator[Spotlight]:
    """A core built from these settings, in this process (the same secret signs the tokens
    a service process started with them verifies)."""
    settings = Settings.from_environ(environ)
    core = bootstrap(settings, clock=SystemClock(), identities=RandomIdentities())
    try:
        yield core
    finally:
        core.close()


def bearer(core: Spotlight, principal: Principal) -> dict[str, str]:
    token = core.tokens.issue(principal, lifetime=timedelta(hours=2))
    return {"authorization": f"Bearer {token}"}


class MinimalOut(BaseModel):
    id: UUID
    name: str


def minimal_app() -> FastAPI:
    """The least a FastAPI endpoint can be: a path parameter parsed, a model answered, from
    a sync function (run in the thread pool, as the project's endpoints are)."""
    app = FastAPI()

    @app.get("/v1/minimal/{item_id}", response_model=MinimalOut)
    def minimal(item_id: UUID) -> MinimalOut:
        return MinimalOut(id=item_id, name="minimal")

    return app


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} (uptime)"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
