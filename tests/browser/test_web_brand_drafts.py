"""Drafts in a real browser against a real `spotlight serve`: a creator submits one of their
videos as a draft with a note from their invitations page; the brand reads it on its campaign
page, asks for changes with a reason (which the creator reads), then approves the next draft;
once posted, the video shows its paid-partnership disclosure on the creator's videos page and
among the campaign's top videos. The brand reads its campaign's reach, frequency, clicks and
conversions over a range it chooses and downloads them as CSV. What people typed is shown as
text; no page logs an error."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_web_app import PASSWORD, Live, sign_up

SCRIPT = "<script>alert('x')</script>"
Json = dict[str, Any]


def sign_in_as(page: Page, live: Live, name: str, role: str) -> None:
    page.goto(f"{live.base}/")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Act as").select_option(role)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def accepted_campaign(
    live: Live, brand: str, creator: str, name: str, hashtag: str, starts_on: date
) -> tuple[Json, Json, Json]:
    """A campaign of ``brand`` (from ``starts_on``) whose invitation ``creator`` accepted,
    and a video of theirs with the campaign's hashtag."""
    brand_token, creator_token = live.token("brand", brand), live.token("creator", creator)
    live.api("POST", "/v1/creators", {"region": "US"}, creator_token)
    today = datetime.now(UTC).date()
    campaign = live.api(
        "POST",
        "/v1/campaigns",
        {
            "name": name,
            "objective": "engagement",
            "budget": {"minor": 100_000, "currency": "USD"},
            "starts_on": starts_on.isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(),
            "categories": ["beauty"],
            "regions": ["US"],
            "kpis": [{"kpi": "views", "target": 100}],
            "hashtag": hashtag,
        },
        brand_token,
    )
    invitation = live.api(
        "POST",
        f"/v1/campaigns/{campaign['id']}/invitations",
        {
            "creator": creator,
            "terms": {
                "fee": {"minor": 5_000, "currency": "USD"},
                "deliverables": "one video",
                "deadline": (today + timedelta(days=10)).isoformat(),
            },
        },
        brand_token,
    )
    live.api("POST", f"/v1/invitations/{invitation['id']}/acceptance", {}, creator_token)
    video = live.api(
        "POST",
        "/v1/videos",
        {"caption": f"{name} cut", "hashtags": [hashtag], "category": "beauty"},
        creator_token,
    )
    return campaign, invitation, video


def test_a_brand_reviews_a_creators_draft_and_the_posted_video_is_disclosed(
    watched: Page, live: Live
) -> None:
    page = watched
    sign_up(page, live, "kai", "creator")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_up(page, live, "aurora", "brand")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    kai = live.token("creator", "kai")
    today = datetime.now(UTC).date()
    campaign, invitation, video = accepted_campaign(
        live, "aurora", "kai", "aurora glow", "#AuroraGlow", today
    )

    sign_in_as(page, live, "kai", "creator")
    page.goto(f"{live.base}/creator/invitations")
    card = page.locator(f'#invitations > li[data-invitation="{invitation["id"]}"]')
    expect(card.locator(".state")).to_have_text("accepted")
    card.get_by_label("Video to submit as a draft").select_option(label="aurora glow cut")
    card.get_by_label("Note to the brand").fill(f"first cut {SCRIPT}")
    assert_accessible(page)
    card.get_by_role("button", name="Submit the draft").click()
    expect(page.locator("#answered")).to_have_text("Draft submitted.")
    expect(card.locator(".state")).to_have_text("draft-submitted")
    expect(card.locator(".draft")).to_contain_text(f"first cut {SCRIPT}")

    sign_in_as(page, live, "aurora", "brand")
    page.goto(f"{live.base}/brand/campaigns/{campaign['id']}")
    draft = page.locator('#drafts > li[data-creator="kai"]')
    expect(draft.locator(".draft-video")).to_have_text(video["id"])
    expect(draft.locator(".draft-note")).to_have_text(f"first cut {SCRIPT}")
    assert_accessible(page)
    draft.get_by_label("Changes to ask kai for").fill("show the label")
    draft.get_by_role("button", name="Ask for changes").click()
    expect(page.locator("#done")).to_have_text("Changes asked for.")
    expect(page.locator('#invitation-list tr[data-creator="kai"] .state')).to_have_text(
        "changes-requested"
    )
    expect(page.locator("#drafts")).to_have_count(0)

    sign_in_as(page, live, "kai", "creator")
    page.goto(f"{live.base}/creator/invitations")
    expect(card.locator(".changes")).to_have_text("show the label")
    card.get_by_label("Note to the brand").fill("label in view")
    card.get_by_role("button", name="Submit the draft").click()
    expect(card.locator(".state")).to_have_text("draft-submitted")

    sign_in_as(page, live, "aurora", "brand")
    page.goto(f"{live.base}/brand/campaigns/{campaign['id']}")
    page.get_by_role("button", name="Approve the draft of kai").click()
    expect(page.locator("#done")).to_have_text("Draft approved.")
    expect(page.locator('#invitation-list tr[data-creator="kai"] .state')).to_have_text(
        "draft-approved"
    )

    live.api("POST", f"/v1/invitations/{invitation['id']}/delivery", {"video_id": video["id"]}, kai)
    page.reload()
    top = page.locator(f'#top-videos tr[data-video="{video["id"]}"]')
    expect(top.locator(".paid-partnership")).to_have_text("Paid partnership with aurora")
    assert_accessible(page)

    sign_in_as(page, live, "kai", "creator")
    page.goto(f"{live.base}/creator")
    mine = page.locator(f'#videos tr[data-video="{video["id"]}"]')
    expect(mine.locator(".paid-partnership")).to_have_text("Paid partnership with aurora")
    assert_accessible(page)


def test_a_brand_reads_reach_frequency_and_conversions_over_a_range_and_downloads_them(
    watched: Page, live: Live, tmp_path: Path
) -> None:
    page = watched
    sign_up(page, live, "solace", "brand")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    today = datetime.now(UTC).date()
    campaign, _invitation, video = accepted_campaign(
        live, "solace", "mira", f"Solace {SCRIPT}", "#SolaceSkin", today - timedelta(days=3)
    )
    for viewer, views in (("una", 3), ("ugo", 1)):
        live.api(
            "POST",
            "/v1/views",
            {"batch_key": "b1", "video_ids": [video["id"]] * views},
            live.token("viewer", viewer),
        )
    live.api(
        "POST",
        "/v1/call-to-action-clicks",
        {"batch_key": "c1", "video_ids": [video["id"]]},
        live.token("viewer", "una"),
    )

    page.goto(f"{live.base}/brand/campaigns/{campaign['id']}")
    expect(page.locator("#reach-viewers")).to_have_text("2")
    expect(page.locator("#reach-frequency")).to_have_text("2.00")
    expect(page.locator("#reach-clicks")).to_have_text("1")
    expect(page.locator("#reach-conversions")).to_have_text("0")
    assert_accessible(page)

    page.get_by_role("link", name="Last 7 days").click()
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    expect(page.locator("#reach-viewers")).to_have_text("2")

    page.get_by_label("First day of the range").fill((today - timedelta(days=2)).isoformat())
    page.get_by_label("Last day of the range").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show the range").click()
    expect(page.locator("#reach-viewers")).to_have_text("0")  # nobody viewed before today
    expect(page.get_by_label("First day of the range")).to_have_value(
        (today - timedelta(days=2)).isoformat()
    )

    page.get_by_label("First day of the range").fill(today.isoformat())
    page.get_by_label("Last day of the range").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show the range").click()
    expect(page.locator("#range-error")).to_contain_text("before its first")
    assert_accessible(page)

    page.get_by_role("link", name="Last 28 days").click()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download as CSV").click()
    saved = tmp_path / "report.csv"
    downloading.value.save_as(saved)
    rows = list(csv.reader(saved.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["day", "reach", "views", "frequency", "clicks", "conversions", "sales"]
    assert rows[-1] == ["total", "2", "4", "2.00", "1", "0", ""]
    assert [row[0] for row in rows[1:-1]][-1] == today.isoformat()
