"""A label partner's rising artists across its seasons over HTTP, as CSV and on its page: an
artist entered in two of the partner's seasons comes first with both showings and its votes
summed; a partner reads only the seasons it is named on, through the judge who represents
it; another partner's name is 403; admins and auditors read any partner's."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from tests.e2e.music.test_music_http import SEASON
from tests.e2e.web.test_music_pages_http import an_open_round, granted

Auth = Callable[[str, str], dict[str, str]]
RISING = "/v1/rising-artists"


@pytest.fixture
def browser_like(core: Spotlight) -> Callable[[], TestClient]:
    app = create_app(core)
    return lambda: TestClient(app, base_url="https://testserver")


def a_second_season(client: TestClient, auth: Auth, track: str) -> dict[str, Any]:
    """A later season Aozora Records is a partner of (not Kumo Publishing); kenji enters it."""
    season = {
        **SEASON,
        "name": "Tokyo Sounds 2026",
        "partners": ["Aozora Records", "Sora Label"],
        "judges": [
            {"judge_id": "ren", "partner": "Aozora Records"},
            {"judge_id": "kai", "partner": "Sora Label"},
        ],
        "rounds": [
            {
                "name": "Open round",
                "cut_size": 2,
                "opens_at": "2026-04-01T00:00:00Z",
                "closes_at": "2026-04-15T00:00:00Z",
            },
            {
                "name": "Final",
                "cut_size": 1,
                "opens_at": "2026-04-16T00:00:00Z",
                "closes_at": "2026-04-30T00:00:00Z",
            },
        ],
    }
    made = client.post("/v1/seasons", json=season, headers=auth("admin", "ops"))
    assert made.status_code == 201, made.text
    entered = client.post(
        f"/v1/seasons/{made.json()['id']}/entries",
        json={"track_id": track},
        headers=auth("artist", "kenji"),
    )
    assert entered.status_code == 201, entered.text
    made_season: dict[str, Any] = made.json()
    return made_season


def test_a_partner_reads_its_rising_artists_across_its_seasons(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    world = an_open_round(client, auth)
    for voter in ("v1", "v2"):
        voted = client.post(
            f"/v1/rounds/{world['round']}/ballots",
            json={"track_id": world["other"]},
            headers=auth("viewer", voter),
        )
        assert voted.status_code == 201, voted.text
    later = a_second_season(client, auth, world["other"])

    ren = client.get(RISING, headers=auth("judge", "ren"))
    hana = client.get(RISING, headers=auth("judge", "hana"))
    jazz = client.get(
        RISING, params={"partner": "aozora records", "genre": "jazz"}, headers=auth("admin", "ops")
    )
    everyone = client.get(RISING, headers=auth("auditor", "audrey"))

    assert ren.status_code == 200, ren.text
    assert ren.json()["partners"] == ["Aozora Records"]
    assert [s["id"] for s in ren.json()["seasons"]] == [world["season"]["id"], later["id"]]
    kenji, aiko = ren.json()["artists"]
    assert (kenji["artist"]["account"], kenji["seasons"], kenji["votes"]) == ("kenji", 2, 2)
    assert [s["season_name"] for s in kenji["showings"]] == [
        "Tokyo Sounds 2025",
        "Tokyo Sounds 2026",
    ]
    # The later season's first round is not open yet: its entry is pending there too.
    assert [s["outcome"] for s in kenji["showings"]] == ["pending", "pending"]
    assert (aiko["artist"]["account"], aiko["seasons"]) == ("aiko", 1)
    assert hana.json()["partners"] == ["Kumo Publishing"]
    assert [s["id"] for s in hana.json()["seasons"]] == [world["season"]["id"]]
    assert [a["artist"]["account"] for a in jazz.json()["artists"]] == ["kenji"]
    assert len(everyone.json()["seasons"]) == 2
    assert everyone.json()["partners"] == []

    other_partner = client.get(
        RISING, params={"partner": "Kumo Publishing"}, headers=auth("judge", "ren")
    )
    assert other_partner.status_code == 403, other_partner.text
    assert client.get(RISING, headers=auth("artist", "aiko")).status_code == 403
    assert (
        client.get(RISING, params={"genre": "polka"}, headers=auth("judge", "ren")).status_code
        == 422
    )
    assert client.get(RISING, headers=auth("judge", "zed")).json()["artists"] == []

    exported = client.get(f"{RISING}.csv", headers=auth("judge", "ren"))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = {row["artist"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert (rows["kenji"]["seasons"], rows["kenji"]["votes"]) == ("2", "2")
    assert rows["kenji"]["showings"] == (
        "Tokyo Sounds 2025:Harbour Lights:pending | Tokyo Sounds 2026:Harbour Lights:pending"
    )

    web = granted(browser_like(), auth, "ren", "judge")
    assert 'href="/rising-artists"' in web.get("/judge").text
    page = web.get("/rising-artists", params={"genre": "jazz", "region": "", "partner": ""})
    assert page.status_code == 200, page.text
    assert 'data-artist="kenji"' in page.text
    assert 'data-artist="aiko"' not in page.text
    assert 'href="/rising-artists.csv?genre=jazz"' in page.text
    download = web.get("/rising-artists.csv", params={"genre": "jazz"})
    assert [row["artist"] for row in csv.DictReader(io.StringIO(download.text))] == ["kenji"]
