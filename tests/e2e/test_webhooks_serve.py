"""`spotlight serve` knows the port it listens on: a webhook pointing back at it is refused
even where webhooks may call loopback receivers, while a receiver beside it is accepted."""

from __future__ import annotations

import json
import os
import urllib.error
from pathlib import Path

import pytest

from tests.live_service import call, free_port, running_service

PASSWORD = "correct horse battery"


def test_a_served_service_refuses_a_webhook_to_its_own_port(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_WEBHOOK_ALLOW_PRIVATE": "1",
        "SPOTLIGHT_SWEEP_INTERVAL": "0",
    }
    for shared in ("SPOTLIGHT_STORE", "SPOTLIGHT_RATE_LIMIT_STORAGE", "SPOTLIGHT_LISTEN"):
        environment.pop(shared, None)
    port = free_port()

    # A generous start: the machine running the tests may be busy.
    with running_service(environment, port, tmp_path / "serve.log", start_seconds=180) as base:
        call("POST", f"{base}/v1/accounts", {"name": "ana", "password": PASSWORD, "role": "viewer"})
        token = call("POST", f"{base}/v1/sessions", {"name": "ana", "password": PASSWORD})[
            "access_token"
        ]
        with pytest.raises(urllib.error.HTTPError) as refused:
            call("POST", f"{base}/v1/me/webhooks", {"url": f"{base}/v1/me/webhooks"}, token)
        assert refused.value.code == 422
        problem = json.loads(refused.value.read())
        assert "where the service itself listens" in problem["detail"]
        beside = call(
            "POST", f"{base}/v1/me/webhooks", {"url": f"http://127.0.0.1:{free_port()}/"}, token
        )
        assert beside["secret"].startswith("whsec_")
