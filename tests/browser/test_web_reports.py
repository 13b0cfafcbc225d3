"""A reviewer's reported-videos page in a real browser against a real `spotlight serve`: two
viewers' reports wait, oldest first, with the reporters' words shown as text; one is
dismissed and one age-restricts its video, each leaving the queue; the creator's appeal then
waits below and is overturned, freeing the video."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.people import sign_in_granted
from tests.browser.test_web_app import Live

SCRIPT = "<script>alert('x')</script>"


def a_video(live: Live, creator: str, caption: str) -> str:
    video = live.api(
        "POST",
        "/v1/videos",
        {"caption": caption, "hashtags": [], "category": "dance"},
        live.token("creator", creator),
    )
    video_id: str = video["id"]
    return video_id


def a_report(live: Live, video: str, viewer: str, reason: str, text: str) -> str:
    made = live.api(
        "POST",
        f"/v1/videos/{video}/reports",
        {"reason": reason, "text": text},
        live.token("viewer", viewer),
    )
    report_id: str = made["id"]
    return report_id


def test_a_reviewer_dismisses_one_report_restricts_another_and_overturns_the_appeal(
    watched: Page, live: Live
) -> None:
    page = watched
    fine = a_video(live, "ana", "a dance at the beach")
    racy = a_video(live, "ana", "a racy dance")
    dismissed = a_report(live, fine, "vic", "spam", SCRIPT)
    restricted = a_report(live, racy, "wes", "sexual-content", "not for children")
    sign_in_granted(page, live, "rosa", "reviewer")

    page.get_by_role("link", name="Reported videos").click()
    expect(page.get_by_role("heading", name="Reported videos", level=1)).to_be_visible()
    reports = page.locator("#reports > li")
    expect(reports).to_have_count(2)
    first = page.locator(f'#reports > li[data-report="{dismissed}"]')
    expect(first).to_contain_text(SCRIPT)  # shown as text, never run
    assert_accessible(page)
    first.get_by_label("Dismiss (the video stays)").check()
    first.get_by_label("Reason").fill("just a dance")
    first.get_by_role("button", name="Record the decision").click()

    expect(page.locator("#decided")).to_have_text("Decision recorded: dismiss.")
    expect(reports).to_have_count(1)
    second = page.locator(f'#reports > li[data-report="{restricted}"]')
    second.get_by_label("Age-restrict").check()
    second.get_by_label("Reason").fill("suggestive")
    second.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decided")).to_have_text("Decision recorded: age-restrict.")
    expect(page.locator("#reports-empty")).to_be_visible()
    expect(page.locator("#appeals-empty")).to_be_visible()

    live.api(
        "POST",
        f"/v1/video-reports/{restricted}/appeal",
        {"text": "a choreography class"},
        live.token("creator", "ana"),
    )
    page.reload()
    appeal = page.locator(f'#appeals > li[data-report="{restricted}"]')
    expect(appeal).to_contain_text("a choreography class")
    assert_accessible(page)
    appeal.get_by_label("Overturn").check()
    appeal.get_by_label("Reason").fill("a class, not adult")
    appeal.get_by_role("button", name="Record the appeal decision").click()

    expect(page.locator("#decided")).to_have_text("Decision recorded: overturn.")
    expect(page.locator("#appeals-empty")).to_be_visible()
    video = live.api("GET", f"/v1/videos/{racy}/moderation", {}, live.token("reviewer", "rosa"))
    assert video["state"] == "clear"
