"""A studio's match policy in a real browser against a real `spotlight serve`: from its
title's analytics it opens the policy, sets an engagement rule through the form (a field it
got wrong is shown again with the reason beside it), is shown the conflict when the policy
changed after it loaded the form, and finds the proposal the rule sent to review with its
evidence. A title's name is shown as text; every page passes axe's serious checks; no page
logs an error; every request stays on the service."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_web_app import PASSWORD, Live, a_title, a_video, sign_up
from tests.live_service import call

SCRIPT = "<script>alert('x')</script>"


def test_a_studio_sets_its_titles_engagement_rule_and_sees_what_it_sent_to_review(
    watched: Page, live: Live
) -> None:
    page = watched
    sign_up(page, live, "pinewood", "studio")
    session = live.api("POST", "/v1/sessions", {"name": "pinewood", "password": PASSWORD}, "")
    token = session["access_token"]
    name = f"Dune {SCRIPT}"
    title_id = a_title(live, token, name, "Caladan")

    page.goto(f"{live.base}/studio")
    page.get_by_role("link", name=name).click()
    page.get_by_role("link", name="Match policy").click()
    expect(page).to_have_url(f"{live.base}/studio/titles/{title_id}/policy")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}: match policy")
    expect(page.locator("#engagement-rule")).to_contain_text("Engagement plays no part")
    expect(page.locator('#policy-now tr[data-signal="text"]')).to_contain_text("never")
    assert_accessible(page)

    page.get_by_label("Text: attach from").fill("0.5")
    page.get_by_role("checkbox", name="Anchor without review only").check()
    page.get_by_label("Views at least").fill("lots")
    page.get_by_label("Likes at least").fill("5")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.locator("#min_views-error")).to_contain_text("valid integer")
    expect(page.get_by_label("Views at least")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Views at least")).to_have_value("lots")  # kept as typed
    expect(page.get_by_label("Text: attach from")).to_have_value("0.5")
    assert_accessible(page)

    page.get_by_label("Views at least").fill("1000")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.locator("#saved")).to_have_text("The match policy was saved.")
    expect(page.locator("#engagement-rule")).to_contain_text(
        "attaches without review at 1000 views and 5 likes or more"
    )

    # Someone changes the policy through the API while the form is open.
    page.reload()
    policy = call("GET", f"{live.base}/v1/titles/{title_id}/matching", None, token)["policy"]
    live.api(
        "PUT",
        f"/v1/titles/{title_id}/match-policy",
        {**policy, "engagement": {"min_views": 50, "min_likes": 5}},
        token,
    )
    page.get_by_label("Views at least").fill("2000")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.locator("#form-error")).to_contain_text("nothing was saved")
    expect(page.get_by_label("Views at least")).to_have_value("50")  # as it now stands
    expect(page.locator("#engagement-rule")).to_contain_text("50 views")
    assert_accessible(page)

    # A text match would attach, but the new video has no views yet: it goes to review.
    video_id = a_video(live, "desert walk", "Caladan")
    page.get_by_role("link", name="Proposals and disputes").click()
    expect(page.get_by_role("heading", name="Proposals and disputes on my titles")).to_be_visible()
    card = page.locator(f'#anchors li[data-video="{video_id}"]')
    expect(card).to_have_attribute("data-state", "proposed")
    expect(card.get_by_role("heading", level=3)).to_contain_text(name)
    expect(card.locator('tr[data-signal="text"]')).to_be_visible()
    expect(card.locator('tr[data-signal="engagement"]')).to_contain_text(
        "0 views, 0 likes: below the rule"
    )
    expect(page.locator("#disputes-empty")).to_be_visible()
    assert_accessible(page)
