"""People of the web app's browser tests who act in a role only an admin grants."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_web_app import PASSWORD, Live, sign_up


def sign_in_granted(page: Page, live: Live, name: str, role: str) -> None:
    """A new account signs up as a viewer, is granted ``role`` by an admin, and signs in
    again acting in it."""
    sign_up(page, live, name, "viewer")
    live.api(
        "POST",
        f"/v1/accounts/{name}/roles",
        {"role": role, "reason": "for the test"},
        live.token("admin", "ops"),
    )
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Act as").select_option(role)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
