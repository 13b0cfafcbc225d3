"""A counter-offer in a real browser against a real `spotlight serve`: a creator answers a
brand's invitation from their invitations page with another fee and a note; the brand reads it
beside what it offered on its campaign page and declines it with a reason (its terms stand
again); the creator counters again and the brand accepts. What people typed is shown as text;
no page logs an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_web_app import Live, sign_up
from tests.browser.test_web_brand_drafts import SCRIPT, sign_in_as


def test_a_creator_counters_an_invitation_and_the_brand_decides_it(
    watched: Page, live: Live
) -> None:
    page = watched
    sign_up(page, live, "noor", "creator")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_up(page, live, "lumen", "brand")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    brand_token, creator_token = live.token("brand", "lumen"), live.token("creator", "noor")
    live.api("POST", "/v1/creators", {"region": "US"}, creator_token)
    today = datetime.now(UTC).date()
    campaign = live.api(
        "POST",
        "/v1/campaigns",
        {
            "name": "lumen launch",
            "objective": "engagement",
            "budget": {"minor": 100_000, "currency": "USD"},
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(),
            "categories": ["beauty"],
            "regions": ["US"],
            "kpis": [{"kpi": "views", "target": 100}],
            "hashtag": "#LumenLaunch",
        },
        brand_token,
    )
    invitation = live.api(
        "POST",
        f"/v1/campaigns/{campaign['id']}/invitations",
        {
            "creator": "noor",
            "terms": {
                "fee": {"minor": 30_000, "currency": "USD"},
                "deliverables": "one video",
                "deadline": (today + timedelta(days=10)).isoformat(),
            },
        },
        brand_token,
    )

    sign_in_as(page, live, "noor", "creator")
    page.goto(f"{live.base}/creator/invitations")
    card = page.locator(f'#invitations > li[data-invitation="{invitation["id"]}"]')
    expect(card.locator(".state")).to_have_text("sent")
    counter = card.locator("form.counter")
    counter.get_by_label("Fee you ask instead (USD, like 450.00)").fill("4,5O.00")
    counter.get_by_role("button", name="Send the counter-offer").click()
    expect(card.locator(".field-error")).to_contain_text("an amount is digits")
    expect(card.locator(".state")).to_have_text("sent")  # nothing recorded
    counter.get_by_label("Fee you ask instead (USD, like 450.00)").fill("450.00")
    counter.get_by_label("Note to the brand").fill(f"two cuts {SCRIPT}")
    assert_accessible(page)
    counter.get_by_role("button", name="Send the counter-offer").click()
    expect(page.locator("#answered")).to_have_text("Counter-offer sent.")
    expect(card.locator(".state")).to_have_text("countered")
    expect(card.locator(".offered")).to_have_text("300.00 USD: one video")
    expect(card.locator(".counter-note")).to_have_text(f"two cuts {SCRIPT}")
    expect(card.locator("form.counter")).to_have_count(0)  # one counter-offer open at a time

    sign_in_as(page, live, "lumen", "brand")
    page.goto(f"{live.base}/brand/campaigns/{campaign['id']}")
    offer = page.locator('#counters > li[data-creator="noor"]')
    expect(offer.locator(".counter-fee")).to_have_text("450.00 USD")
    expect(offer.locator(".counter-note")).to_have_text(f"two cuts {SCRIPT}")
    assert_accessible(page)
    offer.get_by_label("Why you decline the counter-offer of noor (your terms stand again)").fill(
        "one cut is enough"
    )
    offer.get_by_role("button", name="Decline the counter-offer").click()
    expect(page.locator("#done")).to_have_text("Counter-offer declined: your terms stand again.")
    expect(page.locator('#invitation-list tr[data-creator="noor"] .state')).to_have_text("sent")
    expect(page.locator("#counters")).to_have_count(0)

    sign_in_as(page, live, "noor", "creator")
    page.goto(f"{live.base}/creator/invitations")
    expect(card.locator(".state")).to_have_text("sent")
    card.locator("form.counter").get_by_label("Deliverables you propose instead").fill(
        "one video and a story"
    )
    card.locator("form.counter").get_by_label("Fee you ask instead (USD, like 450.00)").fill("350")
    card.get_by_role("button", name="Send the counter-offer").click()
    expect(card.locator(".state")).to_have_text("countered")

    sign_in_as(page, live, "lumen", "brand")
    page.goto(f"{live.base}/brand/campaigns/{campaign['id']}")
    offer = page.locator('#counters > li[data-creator="noor"]')
    expect(offer.locator(".counter-deliverables")).to_have_text("one video and a story")
    offer.get_by_role("button", name="Accept the counter-offer of noor").click()
    expect(page.locator("#done")).to_have_text("Counter-offer accepted.")
    row = page.locator('#invitation-list tr[data-creator="noor"]')
    expect(row.locator(".state")).to_have_text("accepted")
    expect(row.locator(".number")).to_have_text("350.00 USD")
