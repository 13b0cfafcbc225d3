"""SPOTLIGHT_STORE_POOL sizes the PostgreSQL pool each process keeps for each event log."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.storage import close_application
from application.logs import CatalogueLog
from entrypoints.settings import Settings
from tests.deployments import with_schema

pytestmark = pytest.mark.postgres


def test_each_event_log_keeps_the_configured_pool(
    postgres_url: str, postgres_schema: Callable[[str], str]
) -> None:
    settings = Settings.from_environ(
        {
            "SPOTLIGHT_STORE": with_schema(postgres_url, postgres_schema("store_pool")),
            "SPOTLIGHT_STORE_POOL": "2",
        }
    )
    settings.store.prepare()

    catalogue = CatalogueLog(settings.store.env_for(CatalogueLog.name))
    try:
        pool = catalogue.recorder.datastore.pool  # type: ignore[attr-defined]
        assert (pool.min_size, pool.max_size) == (2, 4)
    finally:
        close_application(catalogue)
