"""An admin's pages in a real browser against a real `spotlight serve`: the Pulse
applications queue, one approved and one rejected with a reason (each then in its own list,
the reason shown as text), and a role granted and revoked on an account found by name."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.choosing import choose_applied_at_once
from tests.browser.people import sign_in_granted
from tests.browser.test_web_app import PASSWORD, Live

SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'


def an_applicant(live: Live, creator: str) -> None:
    live.api("POST", "/v1/accounts", {"name": creator, "password": PASSWORD, "role": "creator"}, "")
    token = live.token("creator", creator)
    live.api("POST", "/v1/creators", {"region": "US"}, token)
    live.api(
        "POST",
        f"/v1/creators/{creator}/followers",
        {"followers": 250_000},
        live.token("admin", "follower-counter"),
    )
    live.api("POST", "/v1/pulse/enrolments", {}, token)


def test_an_admin_decides_pulse_applications_and_grants_a_role(watched: Page, live: Live) -> None:
    page = watched
    an_applicant(live, "starla")
    an_applicant(live, "bolt")
    sign_in_granted(page, live, "olga", "admin")
    page.get_by_role("link", name="Pulse applications").click()

    expect(page.locator("#applications > li")).to_have_count(2)
    assert_accessible(page)
    starla = page.locator('#applications > li[data-creator="starla"]')
    starla.get_by_label("Approve").check()
    starla.get_by_label("Reason").fill("meets the criteria")
    starla.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#done")).to_have_text("Application approved.")
    expect(page.locator("#applications > li")).to_have_count(1)

    bolt = page.locator('#applications > li[data-creator="bolt"]')
    bolt.get_by_label("Reject").check()
    bolt.get_by_label("Reason").fill(f"bought followers {SCRIPT}")
    bolt.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#done")).to_have_text("Application rejected.")
    expect(page.get_by_text("No applied application.")).to_be_visible()

    choose_applied_at_once(page, "Applications", "rejected")
    rejected = page.locator('#applications > li[data-creator="bolt"]')
    expect(rejected).to_contain_text(f"rejected by admin:olga: bought followers {SCRIPT}")
    expect(rejected.get_by_role("button")).to_have_count(0)  # decided: nothing to record
    assert_accessible(page)

    page.get_by_label("Account name").fill("starla")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account starla")
    page.get_by_label("Role to grant").select_option("reviewer")
    page.get_by_label("Reason for granting").fill(f"joined trust and safety {IMAGE}")
    page.get_by_role("button", name="Grant").click()
    expect(page.locator("#done")).to_have_text("Role granted.")
    expect(page.locator("#roles")).to_contain_text("reviewer")
    assert_accessible(page)
    page.get_by_label("Role to revoke").select_option("reviewer")
    page.get_by_label("Reason for revoking").fill("left the team")
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("#done")).to_have_text("Role revoked.")
    expect(page.locator("#roles")).not_to_contain_text("reviewer")
    expect(page.locator("main img")).to_have_count(0)
