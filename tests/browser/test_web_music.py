"""The music program's pages in a real browser against a real `spotlight serve`: an artist
sees its tracks (a rejection with the reviewer's reason, shown as text), the season it
entered and its round's live standings, and asks for verification; a judge opens a round's
score sheet from its seasons, plays an entry from the media store (byte ranges) and scores
it, the entry of an artist signed to the judge's own partner offering no form; then, for the
partner it represents, reads the season's rising artists by genre and downloads them as
CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.people import sign_in_granted
from tests.browser.test_web_app import Live, sign_up
from tests.live_service import call
from tests.media import corpus

SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'


def a_track(live: Live, artist: str, title: str, seed: int, genre: str = "pop") -> str:
    """A recording submitted through the API (multipart, as an artist's app sends it)."""
    song = corpus.audio_only_wav(corpus.reference_clip(seed, seconds=6))
    answer = httpx.post(
        f"{live.base}/v1/artists/{artist}/tracks",
        data={"title": title, "genre": genre},
        files={"media": ("song.wav", song, "audio/wav")},
        headers={"Authorization": f"Bearer {live.token('artist', artist)}"},
        timeout=120,
    )
    assert answer.status_code == 201, answer.text
    track_id: str = answer.json()["id"]
    return track_id


def decided(live: Live, track_id: str, decision: str, reason: str) -> None:
    live.api(
        "POST",
        f"/v1/review/tracks/{track_id}",
        {"decision": decision, "reason": reason, "override": decision == "clear"},
        live.token("reviewer", "rita"),
    )


def an_open_round(live: Live, name: str, judge: str, entrants: dict[str, list[str]]) -> Any:
    """A season judged by ``judge`` (for Aozora Records) whose first round is open, entered
    by each artist (its affiliations given) with a cleared track of its own."""
    admin = live.token("admin", "ops")
    tracks = {}
    for seed, (artist, affiliations) in enumerate(entrants.items(), start=300):
        live.api(
            "POST",
            "/v1/artists",
            {"name": f"{artist.title()} {SCRIPT}", "region": "JP", "affiliations": affiliations},
            live.token("artist", artist),
        )
        genre = "jazz" if affiliations else "pop"
        tracks[artist] = a_track(live, artist, f"{artist.title()} Song", seed + len(name), genre)
        decided(live, tracks[artist], "clear", "original")
    season = live.api(
        "POST",
        "/v1/seasons",
        {
            "name": name,
            "region": "JP",
            "partners": ["Aozora Records", "Kumo Publishing"],
            "judges": [{"judge_id": judge, "partner": "Aozora Records"}],
            "rounds": [
                {
                    "name": "Open round",
                    "cut_size": 1,
                    "opens_at": "2099-04-01T00:00:00Z",
                    "closes_at": "2099-04-15T00:00:00Z",
                }
            ],
        },
        admin,
    )
    round_id = season["round_ids"][0]
    for artist, track_id in tracks.items():
        live.api(
            "POST",
            f"/v1/seasons/{season['id']}/entries",
            {"track_id": track_id},
            live.token("artist", artist),
        )
    live.api("POST", f"/v1/rounds/{round_id}/open", {"reason": "launch moved"}, admin)
    return {"round": round_id, "tracks": tracks}


def test_an_artist_follows_its_tracks_and_season_and_asks_for_verification(
    watched: Page, live: Live
) -> None:
    page = watched
    sign_up(page, live, "aiko", "artist")
    expect(page.get_by_role("heading", name="My music")).to_be_visible()
    expect(page.locator("#no-profile")).to_be_visible()

    world = an_open_round(live, "Tokyo Sounds", "ren", {"aiko": [], "kenji": []})
    demo = a_track(live, "aiko", f"Demo {IMAGE}", 350)
    decided(live, demo, "reject", f"a copy {SCRIPT}")
    live.api(
        "POST",
        f"/v1/rounds/{world['round']}/ballots",
        {"track_id": world["tracks"]["aiko"]},
        live.token("viewer", "fan-1"),
    )

    page.goto(f"{live.base}/artist")
    rejected = page.locator(f'#tracks tr[data-track="{demo}"]')
    expect(rejected.get_by_role("rowheader")).to_have_text(f"Demo {IMAGE}")
    expect(rejected.locator(".state")).to_have_text(f"rejected: a copy {SCRIPT}")
    cleared = page.locator(f'#tracks tr[data-track="{world["tracks"]["aiko"]}"]')
    expect(cleared.locator(".state")).to_have_text("cleared")
    season = page.locator("#seasons > li")
    expect(season.get_by_role("heading", level=3)).to_have_text("Tokyo Sounds (JP)")
    expect(season.locator(".outcome")).to_have_text("pending")
    assert_accessible(page)

    season.get_by_role("link", name="1. Open round").click()
    expect(page.get_by_role("heading", name="Tokyo Sounds: Open round")).to_be_visible()
    mine = page.locator(f'#live tr[data-track="{world["tracks"]["aiko"]}"]')
    expect(mine.locator(".votes")).to_have_text("1")
    expect(mine).to_contain_text(f"Aiko {SCRIPT}")
    expect(page.locator("#live th", has_text="Judges")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="My music").click()
    page.get_by_label("Note for the admins").fill(f"Official channel {IMAGE}")
    page.get_by_role("button", name="Ask for verification").click()
    expect(page.locator("#done")).to_contain_text("Verification requested")
    expect(page.locator("#verification")).to_contain_text("awaiting an admin")
    expect(page.get_by_role("button", name="Ask for verification")).to_have_count(0)
    pending = f"{live.base}/v1/me/verification-request"
    request = call("GET", pending, None, live.token("artist", "aiko"))
    assert request["note"] == f"Official channel {IMAGE}"


def test_a_judge_plays_an_entry_scores_it_and_reads_the_rising_artists(
    watched: Page, live: Live, tmp_path: Path
) -> None:
    page = watched
    world = an_open_round(live, "Osaka Beats", "hana", {"mio": [], "sora": ["Aozora Records"]})
    sign_in_granted(page, live, "hana", "judge")
    expect(page.get_by_role("heading", name="Judging")).to_be_visible()
    page.get_by_role("link", name="1. Open round").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Score sheet: Osaka Beats, Open round"
    )
    assert_accessible(page)
    mio = page.locator(f'#sheet > li[data-track="{world["tracks"]["mio"]}"]')
    sora = page.locator(f'#sheet > li[data-track="{world["tracks"]["sora"]}"]')
    expect(sora.locator(".conflict")).to_contain_text("represents Aozora Records")
    expect(sora.get_by_role("button")).to_have_count(0)
    player = mio.locator("audio")
    source = player.get_attribute("src")
    assert source == f"/v1/tracks/{world['tracks']['mio']}/media"
    played = page.request.get(f"{live.base}{source}", headers={"Range": "bytes=0-99"})
    assert played.status == 206
    assert len(played.body()) == 100

    mio.get_by_label("Score (0 to 10)").fill("8")
    mio.get_by_role("button", name="Record the score").click()
    expect(page.locator("#done")).to_have_text("Score recorded.")
    expect(mio.locator(".scored")).to_have_text("Your score: 8 of 10.")
    expect(mio.get_by_role("button")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="All your seasons").click()
    page.get_by_role("link", name="Rising artists of Osaka Beats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rising artists: Osaka Beats")
    expect(page.locator("#field tbody tr")).to_have_count(2)
    page.get_by_label("Genre").select_option("jazz")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("#field tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("rowheader")).to_have_text(f"Sora {SCRIPT}")
    expect(rows.first.locator(".rounds")).to_have_text("1. pending")
    assert_accessible(page)
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "field.csv"
    downloading.value.save_as(saved)
    with saved.open(newline="") as lines:
        table = list(csv.DictReader(lines))
    assert [(row["artist"], row["genre"], row["rounds"]) for row in table] == [
        ("sora", "jazz", "1:pending")
    ]
