"""A brand's campaigns, a campaign's branded effects and the effects live today, over HTTP
and from the command line: ``limit`` and ``cursor`` in, ``items`` and ``next_cursor`` out,
the live effects public, a campaign's effects its brand's, bad input a 422 or a 404."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from entrypoints.cli import main
from tests.e2e.business.test_campaigns_http import Auth, Json, launch_body, launched


def every(client: TestClient, path: str, headers: dict[str, str], **query: Any) -> list[Json]:
    items: list[Json] = []
    cursor: str | None = None
    while True:
        params = query | ({"cursor": cursor} if cursor else {})
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def test_a_brand_lists_its_campaigns_and_anyone_the_live_effects(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    glowco = auth("brand", "glowco")
    campaign = launched(client, auth, core)
    second = client.post(
        "/v1/campaigns", json=launch_body(core, hashtag="#GlowTwo"), headers=glowco
    ).json()
    effects = []
    for n in range(3):
        made = client.post(
            f"/v1/campaigns/{campaign['id']}/effects",
            json={"name": f"Scan {n}", "asset": f"assets://glowco/{n}.glb"},
            headers=glowco,
        )
        assert made.status_code == 201, made.text
        effects.append(made.json()["id"])

    mine = every(client, "/v1/me/campaigns", glowco, limit=1)
    assert [(c["campaign_id"], c["program"], c["ended"]) for c in mine] == [
        (campaign["id"], "business", False),
        (second["id"], "business", False),
    ]
    assert every(client, "/v1/me/campaigns", glowco, program="pulse") == []
    listed = every(client, f"/v1/campaigns/{campaign['id']}/effects", glowco, limit=2)
    assert [e["effect_id"] for e in listed] == effects
    live = every(client, "/v1/effects", {}, limit=2)  # no token: public
    assert [e["effect_id"] for e in live] == effects
    assert {e["last_day"] for e in live} == {launch_body(core)["ends_on"]}

    rival = auth("brand", "rival")
    assert client.get(f"/v1/campaigns/{campaign['id']}/effects", headers=rival).status_code == 403
    assert every(client, "/v1/me/campaigns", rival) == []
    unknown = client.get(
        f"/v1/campaigns/{'0' * 8}-0000-0000-0000-{'0' * 12}/effects", headers=glowco
    )
    assert unknown.status_code == 404, unknown.text
    assert client.get("/v1/me/campaigns", headers=auth("creator", "ana")).status_code == 403
    for path, query in (
        ("/v1/me/campaigns", {"program": "tv"}),
        ("/v1/effects", {"brand": "glowco"}),
        ("/v1/effects", {"cursor": "e30.AAAA"}),
    ):
        assert client.get(path, params=query, headers=glowco).status_code == 422


def test_an_operator_prints_a_brands_campaigns_and_a_campaigns_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTLIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTLIGHT_SECRET", "s" * 32)
    monkeypatch.delenv("SPOTLIGHT_STORE", raising=False)

    assert main(["brand-campaigns", "--brand", "glowco", "--program", "pulse"]) == 0
    assert json.loads(capsys.readouterr().out) == {"items": [], "next_cursor": None}
    unknown = "00000000-0000-0000-0000-000000000099"
    assert main(["campaign-effects", "--campaign", unknown]) != 0
    assert "campaign" in capsys.readouterr().err
    assert main(["campaign-invitations", "--campaign", "not-an-id"]) != 0
    assert "not a campaign id" in capsys.readouterr().err
