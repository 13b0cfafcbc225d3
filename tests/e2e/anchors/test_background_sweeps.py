"""The service matches old videos in the background, without anyone asking."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from application.auth import Principal, Role
from entrypoints.bootstrap import bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


def test_the_background_worker_anchors_an_old_video_when_its_title_gains_words(
    tmp_path: Path,
) -> None:
    core = bootstrap(
        Settings.from_environ(
            {
                "SPOTLIGHT_DATA_DIR": str(tmp_path),
                "SPOTLIGHT_SECRET": "b" * 32,
                "SPOTLIGHT_SWEEP_INTERVAL": "0.05",
            }
        )
    )

    def bearer(role: Role, subject: str) -> dict[str, str]:
        token = core.tokens.issue(Principal(role, subject), lifetime=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    with TestClient(create_app(core, background_sweeps=True)) as client:
        old = client.post(
            "/v1/videos",
            json={"caption": "spice harvest", "hashtags": ["#arrakis"], "category": "film-and-tv"},
            headers=bearer(Role.CREATOR, "fan-1"),
        ).json()
        title = client.post(
            "/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=bearer(Role.STUDIO, "wb")
        ).json()
        client.put(
            f"/v1/titles/{title['id']}/match-words",
            json={"hashtags": ["arrakis"]},
            headers=bearer(Role.STUDIO, "wb"),
        )

        deadline = time.monotonic() + 20
        proposals: list[dict[str, str]] = []
        while time.monotonic() < deadline and not proposals:
            proposals = client.get(f"/v1/videos/{old['id']}").json()["proposals"]
            time.sleep(0.05)

    assert [p["title_id"] for p in proposals] == [title["id"]]
    core.close()
