"""Drafts in a real browser against a real `spotlight serve`: a creator submits one of their
videos as a draft with a note from their invitations page; the brand reads it on its campaign
page, asks for changes with a reason (which the creator reads), then approves the next draft;
once posted, the video shows its paid-partnership disclosure on the creator's videos page and
among the campaign's top videos. What people typed is shown as text; no page logs an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_web_app import PASSWORD, Live, sign_up

SCRIPT = "<script>alert('x')</script>"


def sign_in_as(page: Page, live: Live, name: str, role: str) -> None:
    page.goto(f"{live.base}/")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Act as").select_option(role)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_brand_reviews_a_creators_draft_and_the_posted_video_is_disclosed(
    watched: Page, live: Live
) -> None:
    page = watched
    sign_up(page, live, "kai", "creator")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_up(page, live, "aurora", "brand")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    kai, aurora = live.token("creator", "kai"), live.token("brand", "aurora")
    live.api("POST", "/v1/creators", {"region": "US"}, kai)
    today = datetime.now(UTC).date()
    campaign = live.api(
        "POST",
        "/v1/campaigns",
        {
            "name": "Aurora glow",
            "objective": "engagement",
            "budget": {"minor": 100_000, "currency": "USD"},
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(),
            "categories": ["beauty"],
            "regions": ["US"],
            "kpis": [{"kpi": "views", "target": 100}],
            "hashtag": "#AuroraGlow",
        },
        aurora,
    )
    invitation = live.api(
        "POST",
        f"/v1/campaigns/{campaign['id']}/invitations",
        {
            "creator": "kai",
            "terms": {
                "fee": {"minor": 5_000, "currency": "USD"},
                "deliverables": "one video",
                "deadline": (today + timedelta(days=10)).isoformat(),
            },
        },
        aurora,
    )
    live.api("POST", f"/v1/invitations/{invitation['id']}/acceptance", {}, kai)
    video = live.api(
        "POST",
        "/v1/videos",
        {"caption": "aurora glow cut", "hashtags": ["#AuroraGlow"], "category": "beauty"},
        kai,
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
