"""The reviewers' and admins' queues in a real browser against a real `spotlight serve`: a
reviewer removes a flagged video with the policy applied, upholds a counterfeit report
(which then shows among the upheld), plays a submitted track beside the earlier one it
resembles and rejects it; an admin grants one artist the badge and declines another's
request with a reason. What people typed is shown as text, never run."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.choosing import choose_applied_at_once
from tests.browser.people import sign_in_granted
from tests.browser.test_web_app import Live
from tests.browser.test_web_shop import a_listing, a_photo
from tests.live_service import call
from tests.media import corpus

SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
SONG = corpus.reference_clip(201, seconds=12)
SONG_WAV = corpus.audio_only_wav(SONG)
COVER_WAV = corpus.audio_only_wav(corpus.noise_mixed(SONG))
#: The first audio element on the page has read its media's metadata: it plays back.
PLAYS = "() => { const a = document.querySelector('#queue audio'); return a && a.readyState >= 1 }"


def a_flagged_video(live: Live, caption: str) -> str:
    video: dict[str, Any] = live.api(
        "POST",
        "/v1/videos",
        {"caption": caption, "hashtags": ["#dune"], "category": "film-and-tv"},
        live.token("creator", "ana"),
    )
    return str(video["id"])


def a_track(live: Live, artist: str, title: str, media: bytes) -> dict[str, Any]:
    answer = httpx.post(
        f"{live.base}/v1/artists/{artist}/tracks",
        data={"title": title},
        files={"media": ("song.wav", media, "application/octet-stream")},
        headers={"Authorization": f"Bearer {live.token('artist', artist)}"},
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    track: dict[str, Any] = answer.json()
    return track


def an_artist(live: Live, account: str, name: str) -> None:
    live.api("POST", "/v1/artists", {"name": name, "region": "JP"}, live.token("artist", account))


def test_a_reviewer_works_the_moderation_report_and_track_queues(
    watched: Page, live: Live, tmp_path: Any
) -> None:
    page = watched
    flagged = a_flagged_video(live, f"dune edit, dm for c0caine {SCRIPT}")
    seller = live.token("seller", "knockoffs")
    live.api("POST", "/v1/sellers", {"name": "Knock Offs"}, seller)
    listing = a_listing(
        live, seller, f"Linen apron {SCRIPT}", a_photo(tmp_path / "a.png", (9, 9, 9))
    )
    live.api(
        "POST",
        f"/v1/listings/{listing}/reports",
        {"reason": f"fake linen {IMAGE}", "evidence": ["the label is misspelt"]},
        live.token("viewer", "vic"),
    )
    an_artist(live, "aiko", "Aiko")
    an_artist(live, "copycat", "Copy Cat")
    first = a_track(live, "aiko", "Original", SONG_WAV)
    cover = a_track(live, "copycat", f"Cover {SCRIPT}", COVER_WAV)
    assert cover["flagged"], cover
    sign_in_granted(page, live, "rita", "reviewer")

    page.get_by_role("link", name="Moderation").click()
    expect(page.get_by_role("heading", name="Moderation", level=1)).to_be_visible()
    item = page.locator(f'#queue > li[data-video="{flagged}"]')
    expect(item.get_by_role("heading", level=2)).to_contain_text(SCRIPT)
    expect(item.get_by_role("region", name="Flags")).to_contain_text("drugs (restrict): cocaine")
    assert_accessible(page)
    item.get_by_label("removed").check()
    item.get_by_label("Policy applied").fill("guidelines/7.1")
    item.get_by_label("Reason").fill(f"selling drugs {IMAGE}")
    item.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decided")).to_have_text("Decision recorded: removed.")
    expect(page.locator("#queue-empty")).to_be_visible()

    page.get_by_role("link", name="Counterfeit reports").click()
    report = page.locator("#queue > li").first
    expect(report.get_by_role("heading", level=2)).to_have_text(f"Linen apron {SCRIPT}")
    expect(report).to_contain_text(f"fake linen {IMAGE}")
    expect(report).to_contain_text("the label is misspelt")
    assert_accessible(page)
    report.get_by_label("Uphold").check()
    report.get_by_label("Reason").fill("confirmed with the brand")
    report.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decided")).to_have_text("Report upheld.")
    expect(page.get_by_text("No open report.")).to_be_visible()
    choose_applied_at_once(page, "Reports", "upheld")
    upheld = page.locator("#queue > li").first
    expect(upheld).to_contain_text("upheld: confirmed with the brand")
    expect(upheld).to_contain_text("listing taken-down")
    expect(upheld.get_by_role("button")).to_have_count(0)

    page.get_by_role("link", name="Track review").click()
    tracks = page.locator("#queue > li")
    expect(tracks).to_have_count(2)
    flagged_track = page.locator(f'#queue > li[data-track="{cover["id"]}"]')
    expect(flagged_track.get_by_role("heading", level=2)).to_contain_text(f"Cover {SCRIPT}")
    expect(flagged_track.get_by_role("region", name="What it resembles")).to_contain_text(
        f"track:{first['id']}"
    )
    expect(flagged_track.locator("audio")).to_have_count(2)  # the cover and the original
    page.wait_for_function(PLAYS)
    assert_accessible(page)
    flagged_track.get_by_label("Clear (into the featured playlist)").check()
    flagged_track.get_by_label("Reason").fill("sounds licensed")
    flagged_track.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refused by a business rule")
    expect(page.locator(".reasons")).to_contain_text("only with an explicit override")
    page.go_back()
    flagged_track = page.locator(f'#queue > li[data-track="{cover["id"]}"]')
    flagged_track.get_by_label("Reject").check()
    flagged_track.get_by_label("Reason").fill(f"a copy of Original {IMAGE}")
    flagged_track.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decided")).to_have_text("Track rejected.")
    expect(tracks).to_have_count(1)
    expect(page.locator(f'#queue > li[data-track="{first["id"]}"]')).to_be_visible()
    expect(page.locator("main img")).to_have_count(0)


def test_an_admin_grants_one_badge_and_declines_another_request_with_a_reason(
    watched: Page, live: Live
) -> None:
    page = watched
    for account, name in (("yuki", f"Yuki {SCRIPT}"), ("fake-yuki", "Yuki Official")):
        an_artist(live, account, name)
        live.api(
            "POST",
            "/v1/me/verification-request",
            {"note": f"my channel {IMAGE}"},
            live.token("artist", account),
        )
    sign_in_granted(page, live, "olga-v", "admin")

    page.get_by_role("link", name="Verification requests").click()
    requests = page.locator("#requests > li")
    expect(requests).to_have_count(2)
    yuki = page.locator('#requests > li[data-account="yuki"]')
    expect(yuki.get_by_role("heading", level=2)).to_have_text(f"Yuki {SCRIPT} (yuki)")
    expect(yuki).to_contain_text(f"my channel {IMAGE}")
    assert_accessible(page)

    impostor = page.locator('#requests > li[data-account="fake-yuki"]')
    impostor.get_by_label("Decline").check()
    impostor.get_by_role("button", name="Record the decision").click()
    # Refused by the API's rule, beside the field, on the same page, with the choice kept.
    impostor = page.locator('#requests > li[data-account="fake-yuki"]')
    reason = impostor.get_by_label("Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(impostor.locator(".field-error")).to_have_text("declining a request needs a reason")
    expect(impostor.get_by_label("Decline")).to_be_checked()
    reason.fill("not the channel's owner")
    impostor.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#done")).to_have_text("Request declined.")

    page.locator('#requests > li[data-account="yuki"]').get_by_label("Grant the badge").check()
    page.locator('#requests > li[data-account="yuki"]').get_by_role(
        "button", name="Record the decision"
    ).click()
    expect(page.locator("#done")).to_have_text("Request granted.")
    expect(page.locator("#requests-empty")).to_be_visible()
    artist = call("GET", f"{live.base}/v1/artists/yuki", None, live.token("viewer", "v"))
    assert artist["verified"] is True
    expect(page.locator("main img")).to_have_count(0)
