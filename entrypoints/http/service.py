"""The service's app built from the environment, for uvicorn to import by name: with
``--workers N`` each worker process imports it and builds its own core (its own connections,
the same store)."""

from __future__ import annotations

from fastapi import FastAPI

from entrypoints.bootstrap import bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

#: What `spotlight serve --workers N` hands uvicorn (``factory=True``).
FACTORY = "entrypoints.http.service:service_app"


def service_app() -> FastAPI:
    return create_app(
        bootstrap(Settings.from_environ()), close_on_shutdown=True, background_sweeps=True
    )
