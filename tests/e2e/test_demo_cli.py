"""`spotlight demo` fills an empty store with four weeks of every program, through the use
cases: the auditor's commands accept what it made, a studio's dashboard has days of views
and clicks, the review queue has work, demo people can sign in, and a store that already
holds anything is refused without a write."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from entrypoints.bootstrap import bootstrap
from entrypoints.demo.dataset import REVIEWER, STUDIO
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.audit.test_audit_cli import environment_for, spotlight


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, Any]]:
    environment = environment_for(tmp_path_factory.mktemp("demo") / "data")
    loaded = spotlight(environment, "demo", "--json", "--password", "a demo password")
    assert loaded.returncode == 0, loaded.stderr
    summary: dict[str, Any] = json.loads(loaded.stdout)
    return environment, summary


def test_the_demo_tells_every_program(demo: tuple[dict[str, str], dict[str, Any]]) -> None:
    _environment, summary = demo
    assert summary["titles"] == 3
    for count in (
        "videos",
        "anchored",
        "in_review",
        "tracks",
        "ballots",
        "listings",
        "orders",
        "invitations",
    ):
        assert isinstance(summary[count], int), count
        assert summary[count] > 0, count
    roles = {account["role"] for account in summary["accounts"]}
    assert roles == {role.value for role in Role}


def test_the_auditor_verifies_and_replays_what_the_demo_made(
    demo: tuple[dict[str, str], dict[str, Any]],
) -> None:
    environment, _summary = demo
    verified = spotlight(environment, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    replayed = spotlight(environment, "audit", "replay")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "every invariant holds" in replayed.stdout


def test_a_studio_sees_weeks_of_views_and_clicks_and_a_reviewer_has_work(
    demo: tuple[dict[str, str], dict[str, Any]],
) -> None:
    environment, _summary = demo
    with bootstrap(Settings.from_environ(environment)) as core:
        client = TestClient(create_app(core))
        signed_in = client.post(
            "/v1/sessions", json={"name": STUDIO.name, "password": "a demo password"}
        )
        assert signed_in.status_code == 201, signed_in.text
        token = signed_in.json()["access_token"]
        analytics = client.get(
            f"/v1/studios/{STUDIO.name}/analytics", headers={"Authorization": f"Bearer {token}"}
        )
        assert analytics.status_code == 200, analytics.text
        titles = analytics.json()["titles"]
        assert len(titles) == 3
        assert all(title["anchored_videos"] > 0 for title in titles)
        assert sum(sum(title["clicks"].values()) for title in titles) > 0
        days = {day["day"] for title in titles for day in title["daily"] if day["views"] > 0}
        assert len(days) >= 20
        queue = core.anchoring.review_queue(Principal(Role.REVIEWER, REVIEWER.name))
        assert queue.items


def test_a_store_that_holds_anything_is_refused_and_kept(
    demo: tuple[dict[str, str], dict[str, Any]],
) -> None:
    environment, summary = demo
    again = spotlight(environment, "demo")
    assert again.returncode == 3
    assert "only into an empty store" in again.stderr
    with bootstrap(Settings.from_environ(environment)) as core:
        # The store is as the first run left it: the same accounts, the same queue.
        assert core.accounts.find(STUDIO.name) is not None
        queue = core.anchoring.review_queue(Principal(Role.REVIEWER, REVIEWER.name)).items
        assert len(queue) == summary["in_review"]
