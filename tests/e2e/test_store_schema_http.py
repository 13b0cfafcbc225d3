"""`GET /v1/store/schema`: the versions `spotlight projections schema` prints, for admins and
auditors (every kind of store is covered by tests/integration/test_store_schema.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from adapters.storage import StoreKind
from entrypoints.bootstrap import Spotlight

Headers = dict[str, str]


def test_admins_and_auditors_read_every_components_version(
    client: TestClient, core: Spotlight, auth: Callable[[str, str], Headers]
) -> None:
    core.keys.create_key("creator:ana")

    admin = client.get("/v1/store/schema", headers=auth("admin", "al"))
    auditor = client.get("/v1/store/schema", headers=auth("auditor", "ann"))
    creator = client.get("/v1/store/schema", headers=auth("creator", "ana"))
    nobody = client.get("/v1/store/schema")

    assert core.settings.store.kind is StoreKind.SQLITE  # each log and the keys in a file
    assert admin.status_code == 200, admin.text
    assert admin.json() == [
        {"part": "read models", "component": "projection store", "version": 2},
        {"part": "read models", "component": "webhooks", "version": 1},
        *(
            {"part": f"{log} log", "component": "chain of stored_events", "version": 1}
            for log in ("catalogue", "music", "revenue", "inbox")
        ),
        {"part": "key store", "component": "key store", "version": 1},
    ]
    assert auditor.json() == admin.json()
    assert (creator.status_code, nobody.status_code) == (403, 401)
