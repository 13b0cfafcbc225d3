"""A campaign's reach, frequency, clicks and conversions through HTTP: signed-in viewers view
its videos on two days (reach counts each viewer once over the range, and once a day in the
daily rows), click their calls to action, and buy through a product tag on one of them; the
brand reads the last 7 days, a custom range and the CSV; another brand and a bad range are
refused with problem+json."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight, bootstrap
from tests.e2e.business.test_campaigns_http import (
    SPOTLIGHT,
    Auth,
    Json,
    creator,
    launched,
    terms,
)
from tests.e2e.conftest import e2e_settings
from tests.e2e.shop.test_shop_http import listed, order, register_seller, tag
from tests.fakes import FixedClock


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock) -> Iterator[Spotlight]:
    """The e2e core on the test's clock, so that views fall on the days the test says."""
    running = bootstrap(e2e_settings(tmp_path), clock=clock)
    yield running
    running.close()


def _views(
    client: TestClient, auth: Auth, viewer: str, key: str, videos: list[str], status: int = 201
) -> None:
    response = client.post(
        "/v1/views", json={"batch_key": key, "video_ids": videos}, headers=auth("viewer", viewer)
    )
    assert response.status_code == status, response.text


def _campaign_with_videos(
    client: TestClient, auth: Auth, core: Spotlight
) -> tuple[Json, str, str, str]:
    campaign = launched(client, auth, core)
    creator(client, auth, "ana")
    invitation = client.post(
        f"/v1/campaigns/{campaign['id']}/invitations",
        json={"creator": "ana", "terms": terms(core, 10_000)},
        headers=auth("brand", "glowco"),
    ).json()
    client.post(f"/v1/invitations/{invitation['id']}/acceptance", headers=auth("creator", "ana"))
    videos = [
        client.post(
            "/v1/videos",
            json={"caption": f"glow {n}", "hashtags": ["#GlowUpSummer"], "category": "beauty"},
            headers=auth("creator", "ana"),
        ).json()["id"]
        for n in range(2)
    ]
    outside = client.post(
        "/v1/videos",
        json={"caption": "not the campaign's", "hashtags": [], "category": "beauty"},
        headers=auth("creator", "ana"),
    ).json()["id"]
    return campaign, videos[0], videos[1], outside


def test_reach_frequency_clicks_and_conversions_over_ranges_and_as_csv(
    client: TestClient, auth: Auth, core: Spotlight, clock: FixedClock
) -> None:
    campaign, first, second, outside = _campaign_with_videos(client, auth, core)
    day_one = clock.now().date()
    _views(client, auth, "vic", "v1", [first, first, second])
    _views(client, auth, "wes", "w1", [first])
    _views(client, auth, "xia", "x1", [outside])  # not the campaign's: no reach
    client.post(
        "/v1/call-to-action-clicks",
        json={"batch_key": "c1", "video_ids": [first]},
        headers=auth("viewer", "vic"),
    )
    register_seller(client, auth, "acme")
    serum = listed(client, auth, "acme", "Glow serum", price_minor=2_500, stock=10)
    assert tag(client, auth, second, serum).status_code == 201
    assert order(client, auth, "wes", serum, video_id=second).status_code == 201

    clock.advance(timedelta(days=1))
    _views(client, auth, "vic", "v2", [second])
    _views(client, auth, "yan", "y1", [second, second])
    _views(client, auth, "vic", "v2", [second], status=200)  # a retry: counted once

    brand = auth("brand", "glowco")
    url = f"/v1/campaigns/{campaign['id']}/report"
    week = client.get(url, params={"days": 7}, headers=brand)
    assert week.status_code == 200, week.text
    body = week.json()
    assert body["total"] == {
        "reach": 3,  # vic, wes, yan: vic counted once over both days
        "views": 7,
        "frequency": "2.33",
        "clicks": 1,
        "conversions": 1,
        "sales": [{"minor": 2_500, "currency": "USD"}],
    }
    by_day = {day["day"]: day for day in body["daily"]}
    one, two = by_day[day_one.isoformat()], by_day[(day_one + timedelta(days=1)).isoformat()]
    assert (one["reach"], one["views"], one["clicks"], one["conversions"]) == (2, 4, 1, 1)
    assert (two["reach"], two["views"], two["frequency"]) == (2, 3, "1.50")
    assert len(body["daily"]) == 2  # the flight began on day one

    custom = client.get(
        url,
        params={"from": (day_one + timedelta(days=1)).isoformat(), "to": "2099-01-01"},
        headers=brand,
    )
    assert custom.status_code == 422  # longer than a range may be
    second_day = (day_one + timedelta(days=1)).isoformat()
    only_second = client.get(url, params={"from": second_day, "to": second_day}, headers=brand)
    assert only_second.json()["total"]["reach"] == 2

    exported = client.get(f"{url}.csv", params={"days": 28}, headers=brand)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["day", "reach", "views", "frequency", "clicks", "conversions", "sales"]
    assert rows[-1] == ["total", "3", "7", "2.33", "1", "1", "2500 USD"]
    assert rows[1][0] == day_one.isoformat()


def test_a_report_is_refused_to_others_and_for_a_bad_range(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    campaign, *_ = _campaign_with_videos(client, auth, core)
    url = f"/v1/campaigns/{campaign['id']}/report"

    rival = client.get(url, headers=auth("brand", "rival"))
    assert rival.status_code == 403
    assert rival.headers["content-type"].startswith("application/problem+json")
    asked: list[dict[str, str]] = [
        {"days": "5"},
        {"days": "7", "from": "2026-01-01", "to": "2026-01-02"},
    ]
    for params in asked:
        refused = client.get(url, params=params, headers=auth("brand", "glowco"))
        assert refused.status_code == 422, params
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get(url, headers=auth("auditor", "kpmg")).status_code == 200


def test_the_operator_prints_a_campaigns_report_as_json_or_csv(
    client: TestClient, auth: Auth, core: Spotlight, tmp_path: Path
) -> None:
    campaign, first, _second, _outside = _campaign_with_videos(client, auth, core)
    _views(client, auth, "vic", "v1", [first, first])
    core.close()
    environment = {
        **os.environ,
        "SPOTLIGHT_DATA_DIR": str(tmp_path),
        "SPOTLIGHT_SECRET": "e2e-secret-" + "x" * 20,
    }
    environment.pop("SPOTLIGHT_STORE", None)

    def spotlight(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, *arguments], env=environment, capture_output=True, text=True, check=False
        )

    # The CLI's clock is the real one: a range around the test clock's day is asked for.
    day = core.clock.now().date().isoformat()
    shown = spotlight("campaign-report", "--campaign", campaign["id"], "--from", day, "--to", day)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["total"]["reach"] == 1
    exported = spotlight(
        "campaign-report", "--campaign", campaign["id"], "--from", day, "--to", day, "--csv"
    )
    assert exported.stdout.splitlines()[-1] == "total,1,2,2.00,0,0,"
    refused = spotlight("campaign-report", "--campaign", campaign["id"], "--days", "5")
    assert refused.returncode != 0
    assert "7, 28, 90" in refused.stderr


def _step(
    client: TestClient, auth: Auth, who: tuple[str, str], order_id: str, name: str, **body: object
) -> None:
    response = client.post(f"/v1/orders/{order_id}/{name}", json=body, headers=auth(*who))
    assert response.status_code == 200, response.text


def test_refunds_come_off_the_conversions_and_their_sales(
    client: TestClient, auth: Auth, core: Spotlight, clock: FixedClock
) -> None:
    """Three orders through a campaign video: one cancelled (refunded in whole) no longer
    counts, one refunded in part still counts less what was refunded, one stays whole."""
    campaign, _first, second, _outside = _campaign_with_videos(client, auth, core)
    register_seller(client, auth, "acme")
    serum = listed(client, auth, "acme", "Glow serum", price_minor=2_500, stock=10)
    assert tag(client, auth, second, serum).status_code == 201
    ids = []
    for buyer in ("vic", "wes", "xia"):
        placed = order(client, auth, buyer, serum, video_id=second)
        assert placed.status_code == 201, placed.text
        ids.append(placed.json()["id"])
    brand = auth("brand", "glowco")
    url = f"/v1/campaigns/{campaign['id']}/report"
    total = client.get(url, params={"days": 7}, headers=brand).json()["total"]
    assert (total["conversions"], total["sales"]) == (3, [{"minor": 7_500, "currency": "USD"}])

    cancelled, returned, kept = ids
    _step(client, auth, ("viewer", "vic"), cancelled, "cancellation", reason="changed my mind")
    acme, wes = ("seller", "acme"), ("viewer", "wes")
    _step(client, auth, acme, returned, "shipment", carrier="UPS", tracking="1Z9")
    _step(client, auth, wes, returned, "delivery")
    _step(client, auth, wes, returned, "return-request", reason="too small")
    _step(client, auth, acme, returned, "return-receipt")
    _step(client, auth, acme, returned, "refund", amount={"minor": 1_000, "currency": "USD"})

    body = client.get(url, params={"days": 7}, headers=brand).json()
    assert (body["total"]["conversions"], body["total"]["sales"]) == (
        2,  # the cancelled order is no conversion; the partly refunded one still is
        [{"minor": 2_500 + 1_500, "currency": "USD"}],
    )
    today = [day for day in body["daily"] if day["day"] == clock.now().date().isoformat()]
    assert (today[0]["conversions"], today[0]["sales"][0]["minor"]) == (2, 4_000)
    assert kept  # the third order was left whole
    rows = list(
        csv.reader(io.StringIO(client.get(f"{url}.csv", params={"days": 7}, headers=brand).text))
    )
    assert rows[-1][-2:] == ["2", "4000 USD"]
