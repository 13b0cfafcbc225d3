"""The music program's pages over HTTP: an artist reads its tracks (a rejection with the
reviewer's reason), the seasons it entered and asks for verification through a form; a
round's page shows live popularity without the judges' part, then the result; a judge
scores from its sheet (only its own score shown, the track played with byte ranges), and
the API answers the sheet and the judge's seasons the same way."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from tests.e2e.music.test_music_http import (
    OTHER_WAV,
    SEASON,
    SONG_WAV,
    decide,
    register_artist,
    submit,
)
from tests.e2e.web.test_web_pages_http import PASSWORD, csrf_of, signed_in

Auth = Callable[[str, str], dict[str, str]]
SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def browser_like(core: Spotlight) -> Callable[[], TestClient]:
    app = create_app(core)
    return lambda: TestClient(app, base_url="https://testserver")


def granted(web: TestClient, auth: Auth, name: str, role: str) -> TestClient:
    made = web.post("/v1/accounts", json={"name": name, "password": PASSWORD, "role": "viewer"})
    assert made.status_code == 201, made.text
    given = web.post(
        f"/v1/accounts/{name}/roles",
        json={"role": role, "reason": "for the test"},
        headers=auth("admin", "ops"),
    )
    assert given.status_code == 200, given.text
    return signed_in(web, name, role, sign_up=False)


def an_open_round(client: TestClient, auth: Auth) -> dict[str, Any]:
    """aiko (with a rejected track too) and kenji (signed to Aozora Records) enter a season
    judged by ren (Aozora Records) and hana; its first round is open."""
    register_artist(client, auth, "aiko")
    register_artist(client, auth, "kenji", affiliations=["Aozora Records"])
    song = submit(client, auth, "aiko", "Night Drive", SONG_WAV, genre="pop").json()["id"]
    other = submit(client, auth, "kenji", "Harbour Lights", OTHER_WAV, genre="jazz").json()["id"]
    odd = submit(client, auth, "aiko", f"Demo {IMAGE}", SONG_WAV, name="demo.wav").json()["id"]
    assert decide(client, auth, song, decision="clear", reason="original").status_code == 200
    assert decide(client, auth, other, decision="clear", reason="original").status_code == 200
    rejected = decide(client, auth, odd, decision="reject", reason=f"a copy {SCRIPT}")
    assert rejected.status_code == 200, rejected.text
    season = client.post("/v1/seasons", json=SEASON, headers=auth("admin", "ops")).json()
    round_id = season["round_ids"][0]
    for account, track in (("aiko", song), ("kenji", other)):
        entered = client.post(
            f"/v1/seasons/{season['id']}/entries",
            json={"track_id": track},
            headers=auth("artist", account),
        )
        assert entered.status_code == 201, entered.text
    opened = client.post(f"/v1/rounds/{round_id}/open", headers=auth("admin", "ops"))
    assert opened.status_code == 200, opened.text
    return {"season": season, "round": round_id, "song": song, "other": other, "odd": odd}


def test_an_artist_reads_its_tracks_and_seasons_and_asks_for_verification(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    world = an_open_round(client, auth)
    web = signed_in(browser_like(), "aiko", "artist")

    page = web.get("/artist")
    assert page.status_code == 200, page.text
    assert "Night Drive" in page.text
    assert "a copy &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text
    assert f'href="/rounds/{world["round"]}"' in page.text
    assert "Tokyo Sounds 2025" in page.text

    without_token = web.post("/artist/verification", data={"note": "mine"})
    asked = web.post(
        "/artist/verification",
        data={"note": "Official channel", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    again = web.post(
        "/artist/verification",
        data={"note": "again", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert without_token.status_code == 403
    assert asked.status_code == 303, asked.text
    assert asked.headers["location"] == "/artist?done=requested"
    assert again.status_code == 409
    assert "awaiting an admin" in web.get("/artist?done=requested").text
    mine = client.get("/v1/me/verification-request", headers=auth("artist", "aiko"))
    assert mine.json()["note"] == "Official channel"


def test_a_round_shows_live_popularity_and_hides_the_judges_until_its_result(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    world = an_open_round(client, auth)
    voted = client.post(
        f"/v1/rounds/{world['round']}/ballots",
        json={"track_id": world["song"]},
        headers=auth("viewer", "v1"),
    )
    assert voted.status_code == 201, voted.text
    web = signed_in(browser_like(), "vic", "viewer")

    live = web.get(f"/rounds/{world['round']}")
    assert live.status_code == 200, live.text
    assert "Live standings" in live.text
    assert "hidden until the close" in live.text
    assert 'class="number votes">1<' in live.text
    assert "Judges</th>" not in live.text

    closed = client.post(f"/v1/rounds/{world['round']}/close", headers=auth("admin", "ops"))
    assert closed.status_code == 200, closed.text
    result = web.get(f"/rounds/{world['round']}")
    assert '<h2 id="result-heading">Result</h2>' in result.text
    assert "Judges</th>" in result.text
    assert web.get("/rounds/00000000-0000-0000-0000-000000000007").status_code == 404


def test_a_judge_scores_from_its_sheet_and_sees_only_its_own_score(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    world = an_open_round(client, auth)
    round_id = world["round"]
    hana_scored = client.post(
        f"/v1/rounds/{round_id}/scores",
        json={"track_id": world["other"], "score": 3},
        headers=auth("judge", "hana"),
    )
    assert hana_scored.status_code == 201, hana_scored.text
    web = granted(browser_like(), auth, "ren", "judge")

    seasons = web.get("/judge")
    assert seasons.status_code == 200, seasons.text
    assert f'href="/judge/rounds/{round_id}"' in seasons.text
    sheet = web.get(f"/judge/rounds/{round_id}")
    assert sheet.status_code == 200, sheet.text
    source = re.search(r'<audio controls preload="none" src="([^"]+)"', sheet.text)
    assert source is not None
    played = web.get(source.group(1), headers={"Range": "bytes=0-99"})
    assert (played.status_code, len(played.content)) == (206, 100)
    # kenji is signed to Aozora Records, which ren represents: no form for that entry.
    assert "represents Aozora Records" in sheet.text
    assert sheet.text.count('name="score"') == 1
    assert "Your score" not in sheet.text  # hana's 3 is not ren's to see

    out_of_range = web.post(
        f"/judge/rounds/{round_id}/scores",
        data={"track_id": world["song"], "score": "11", "csrf_token": csrf_of(sheet)},
    )
    conflicted = web.post(
        f"/judge/rounds/{round_id}/scores",
        data={"track_id": world["other"], "score": "7", "csrf_token": csrf_of(sheet)},
    )
    scored = web.post(
        f"/judge/rounds/{round_id}/scores",
        data={"track_id": world["song"], "score": "8", "csrf_token": csrf_of(sheet)},
        follow_redirects=False,
    )
    twice = web.post(
        f"/judge/rounds/{round_id}/scores",
        data={"track_id": world["song"], "score": "2", "csrf_token": csrf_of(sheet)},
    )
    assert out_of_range.status_code == 422
    assert "less than or equal to 10" in out_of_range.text
    assert conflicted.status_code == 409
    assert "Aozora Records" in conflicted.text
    assert scored.status_code == 303, scored.text
    assert twice.status_code == 409
    assert "already" in twice.text
    after = web.get(f"/judge/rounds/{round_id}?done=scored")
    assert "Your score: <strong>8</strong>" in after.text
    assert "<strong>3</strong>" not in after.text

    artist = signed_in(browser_like(), "aiko", "artist")
    by_artist = artist.post(
        f"/judge/rounds/{round_id}/scores",
        data={"track_id": world["other"], "score": "10", "csrf_token": csrf_of(artist.get("/"))},
    )
    assert by_artist.status_code == 403
    assert "score an entry needs" in by_artist.text
    assert artist.get(f"/judge/rounds/{round_id}").status_code == 403

    api = client.get(f"/v1/rounds/{round_id}/score-sheet", headers=auth("judge", "ren"))
    assert api.status_code == 200, api.text
    scores = {e["track_id"]: (e["score"], e["conflict"]) for e in api.json()["entries"]}
    assert scores[world["song"]] == (8, None)
    assert scores[world["other"]][0] is None
    assert "Aozora" in scores[world["other"]][1]
    judging = client.get("/v1/me/judging", params={"limit": 1}, headers=auth("judge", "ren"))
    assert [s["id"] for s in judging.json()["items"]] == [world["season"]["id"]]
    assert judging.json()["next_cursor"] is None
    nobody = client.get("/v1/me/judging", headers=auth("judge", "zed")).json()
    assert nobody == {"items": [], "next_cursor": None}
    off_panel = client.get(f"/v1/rounds/{round_id}/score-sheet", headers=auth("judge", "zed"))
    as_artist = client.get(f"/v1/rounds/{round_id}/score-sheet", headers=auth("artist", "aiko"))
    assert off_panel.status_code == 403, off_panel.text
    assert as_artist.status_code == 403, as_artist.text


def test_a_seasons_partner_reads_its_rising_artists_by_genre_pages_and_csv(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    world = an_open_round(client, auth)
    season_id, round_id = world["season"]["id"], world["round"]
    for voter in ("v1", "v2"):
        voted = client.post(
            f"/v1/rounds/{round_id}/ballots",
            json={"track_id": world["other"]},
            headers=auth("viewer", voter),
        )
        assert voted.status_code == 201, voted.text
    field = f"/v1/seasons/{season_id}/field"
    ren = auth("judge", "ren")

    first = client.get(field, params={"limit": 1}, headers=ren)
    second = client.get(
        field, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=ren
    )
    jazz = client.get(field, params={"genre": "jazz"}, headers=auth("auditor", "audrey"))
    elsewhere = client.get(field, params={"region": "KR"}, headers=auth("admin", "ops"))
    assert first.status_code == 200, first.text
    assert [i["artist"]["account"] for i in first.json()["items"]] == ["aiko"]
    assert [i["artist"]["account"] for i in second.json()["items"]] == ["kenji"]
    assert second.json()["next_cursor"] is None
    [kenji] = jazz.json()["items"]
    assert (kenji["genre"], kenji["votes"], kenji["uses"], kenji["region"]) == ("jazz", 2, 0, "JP")
    assert [(r["number"], r["outcome"]) for r in kenji["rounds"]] == [
        (1, "pending"),
        (2, "not entered"),
    ]
    assert elsewhere.json() == {"items": [], "next_cursor": None}
    assert client.get(field, headers=auth("judge", "zed")).status_code == 403
    assert client.get(field, headers=auth("artist", "aiko")).status_code == 403
    assert client.get(field, params={"genre": "polka"}, headers=ren).status_code == 422

    closed = client.post(f"/v1/rounds/{round_id}/close", headers=auth("admin", "ops"))
    assert closed.status_code == 200, closed.text
    exported = client.get(f"{field}.csv", headers=ren)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = {row["artist"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert rows["kenji"]["votes"] == "2"
    assert rows["kenji"]["rounds"] == "1:advanced 2:pending"
    assert rows["aiko"]["rounds"] == "1:advanced 2:pending"  # the first round keeps two
    assert client.get(f"{field}.csv", headers=auth("judge", "zed")).status_code == 403

    web = granted(browser_like(), auth, "ren", "judge")
    assert f'href="/seasons/{season_id}/field"' in web.get("/judge").text
    page = web.get(f"/seasons/{season_id}/field", params={"genre": "jazz", "region": ""})
    assert page.status_code == 200, page.text
    assert 'data-artist="kenji"' in page.text
    assert 'data-artist="aiko"' not in page.text
    assert f'href="/seasons/{season_id}/field.csv?genre=jazz"' in page.text
    download = web.get(f"/seasons/{season_id}/field.csv", params={"genre": "jazz"})
    assert [row["artist"] for row in csv.DictReader(io.StringIO(download.text))] == ["kenji"]
