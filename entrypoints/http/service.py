"""The service's app built from the environment, for uvicorn to import by name: with
``--workers N`` each worker process imports it and builds its own core (its own connections,
the same store)."""

from __future__ import annotations

from fastapi import FastAPI

from entrypoints.bootstrap import bootstrap
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings

#: What `spotlight serve --workers N` hands uvicorn (``factory=True``).
FACTORY = "entrypoints.http.service:service_app"


def service_app() -> FastAPI:
    settings = Settings.from_environ()
    # `spotlight serve --workers N` passes its log level on as SPOTLIGHT_LOG_LEVEL.
    configure_logging(settings.log_format, settings.log_level or "info")
    return create_app(bootstrap(settings), close_on_shutdown=True, background_sweeps=True)
