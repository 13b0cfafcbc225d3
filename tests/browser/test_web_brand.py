"""A brand's pages in a real browser against a real `spotlight serve`: it launches a campaign
from the form (a field it got wrong is shown again with the reason beside it), watches the
views of a video with the campaign's hashtag reach its dashboard, finds a creator in the
marketplace with the reasons they rank there, and invites them. What people typed is shown
as text; no page logs an error; every request stays on the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_web_app import Live, sign_up

SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'


def test_a_brand_launches_a_campaign_sees_its_dashboard_and_invites_a_creator(
    watched: Page,
    live: Live,
) -> None:
    page = watched
    mika = live.token("creator", "mika")
    live.api("POST", "/v1/creators", {"region": "US"}, mika)
    live.api(
        "POST",
        "/v1/videos",
        {"caption": "my skincare routine", "hashtags": ["#Skincare"], "category": "beauty"},
        mika,
    )

    sign_up(page, live, "lumen", "brand")
    expect(page.get_by_role("heading", name="My campaigns")).to_be_visible()
    expect(page.get_by_text("You have no campaigns yet")).to_be_visible()
    assert_accessible(page)

    today = datetime.now(UTC).date()
    page.get_by_role("link", name="Launch a campaign").first.click()
    page.get_by_label("Name").fill(f"Glow {SCRIPT}")
    page.get_by_label("Objective").select_option("engagement")
    page.get_by_label("Budget").fill("10.505")  # a cent and a half: refused, not rounded
    page.get_by_label("First day").fill((today - timedelta(days=6)).isoformat())
    page.get_by_label("Last day").fill((today + timedelta(days=20)).isoformat())
    page.get_by_label("Categories").fill("beauty")
    page.get_by_label("Regions").fill("us")
    page.get_by_label("Hashtag").fill("#LumenGlow")
    page.get_by_label("KPI 1").select_option("views")
    page.get_by_label("Target 1").fill("500")
    page.get_by_role("button", name="Launch").click()

    expect(page.locator("#budget-error")).to_contain_text("at most 2 decimals")
    expect(page.get_by_label("Budget")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name")).to_have_value(f"Glow {SCRIPT}")  # kept, as text
    expect(page.get_by_label("Hashtag")).to_have_value("#LumenGlow")
    assert_accessible(page)
    page.get_by_label("Budget").fill("1000.00")
    page.get_by_role("button", name="Launch").click()

    expect(page.locator("#done")).to_have_text("Campaign launched.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Glow {SCRIPT}")
    campaign_id = page.url.split("/brand/campaigns/")[1].split("?")[0]
    expect(page.locator("#kpis tr[data-kpi=views] .actual")).to_have_text("0")
    expect(page.locator("#uncommitted")).to_have_text("1000.00 USD")
    expect(page.get_by_role("img", name="Views").locator("desc")).to_contain_text("0 in all")

    page.get_by_role("link", name="Find creators").first.click()
    page.get_by_label("Words of their captions").fill("skincar")  # a typo still finds them
    page.get_by_label("Fit to campaign").select_option(label=f"Glow {SCRIPT}")
    page.get_by_role("button", name="Search").click()
    card = page.locator('#creators > li[data-creator="mika"]')
    expect(card.get_by_role("heading", level=2)).to_have_text("mika")
    expect(card.get_by_role("table", name="Why mika ranks here")).to_contain_text("text")
    assert_accessible(page)
    card.get_by_role("link", name="Invite mika").click()

    expect(page).to_have_url(f"{live.base}/brand/campaigns/{campaign_id}?creator=mika#invite")
    expect(page.get_by_label("Creator's account")).to_have_value("mika")
    page.get_by_label("Fee (USD)").fill("25")
    page.get_by_label("Deliverables").fill(f"one video {IMAGE}")
    page.get_by_label("Deliver by").fill((today + timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#form-error")).to_be_visible()  # past the flight: the use case's 422
    expect(page.get_by_label("Deliverables")).to_have_value(f"one video {IMAGE}")

    page.get_by_label("Deliver by").fill((today + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#done")).to_have_text("Invitation sent.")
    row = page.locator('#invitation-list tr[data-creator="mika"]')
    expect(row.locator(".state")).to_have_text("sent")
    expect(row).to_contain_text(f"one video {IMAGE}")
    expect(row).to_contain_text("25.00 USD")
    expect(page.locator("img")).to_have_count(0)  # nothing typed became an element

    invitation = live.api("GET", "/v1/me/invitations", {}, mika)["items"][0]
    live.api("POST", f"/v1/invitations/{invitation['id']}/acceptance", {}, mika)
    video = live.api(
        "POST",
        "/v1/videos",
        {"caption": "glow with lumen", "hashtags": ["#LumenGlow"], "category": "beauty"},
        mika,
    )
    live.api(
        "POST",
        "/v1/engagement",
        {"batch_key": "lumen-views", "counts": [{"video_id": video["id"], "views": 640}]},
        live.token("admin", "platform"),
    )
    page.reload()
    expect(page.locator("#committed")).to_have_text("25.00 USD")
    expect(page.locator("#kpis tr[data-kpi=views] .actual")).to_have_text("640")
    expect(page.locator("#kpis tr[data-kpi=views]")).to_contain_text("yes")
    expect(page.get_by_role("img", name="Views").locator("desc")).to_contain_text("640 in all")
    expect(page.locator("#top-creators")).to_contain_text("mika")
    expect(page.locator("#top-videos")).to_contain_text(video["id"])

    assert_accessible(page)


def test_a_campaign_form_with_every_field_wrong_says_why_beside_each(
    watched: Page,
    live: Live,
) -> None:
    page = watched
    sign_up(page, live, "nova", "brand")
    page.goto(f"{live.base}/brand/campaigns/new")
    page.get_by_label("Budget").fill("lots")
    page.get_by_role("button", name="Launch").click()
    for field in ("name", "budget", "starts_on", "ends_on", "categories", "regions", "hashtag"):
        expect(page.locator(f"#{field}-error")).to_be_visible()
    expect(page.locator("#kpis-error")).to_be_visible()
    expect(page.locator("#form-error")).to_have_text("Please correct the fields marked below.")
    assert_accessible(page)
