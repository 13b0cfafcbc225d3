"""A walk through every page of the web app as every role, on a phone's screen: a page of a
role's own opens, fits across the screen and has no serious or critical accessibility
violation (axe-core, run in Chromium); a page of another role's answers 403 as the API
would, with its reason, and no page logs an error."""

from __future__ import annotations

import attrs
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.people import sign_in_granted
from tests.browser.screenshots import keep_screenshot
from tests.browser.test_web_app import Live, sign_up

SELF_SERVICE = ("studio", "creator", "brand", "seller", "viewer", "artist")
GRANTED = ("reviewer", "auditor", "admin", "judge")


#: A small phone's screen: every page fits across it (wide tables scroll inside their box).
PHONE = ViewportSize(width=360, height=740)
FITS_ACROSS = "document.documentElement.scrollWidth <= window.innerWidth"


@attrs.frozen
class Place:
    path: str
    roles: frozenset[str]  # who may open it


def place(path: str, *roles: str) -> Place:
    return Place(path, frozenset(roles))


#: Every page that needs no id, and who may open it.
PLACES = (
    place("/studio", "studio"),
    place("/studio/anchors", "studio"),
    place("/creator", "creator"),
    place("/creator/invitations", "creator"),
    place("/creator/notices", *SELF_SERVICE, *GRANTED),
    place("/reviewer/anchors", "reviewer", "admin", "auditor"),
    place("/brand", "brand"),
    place("/brand/campaigns/new", "brand"),
    place("/brand/creators", "brand", "admin"),
    place("/seller", "seller"),
    place("/seller/listings/new", "seller", "admin"),
    place("/seller/orders", "seller"),
    place("/seller/reports", "seller"),
    place("/shop", *SELF_SERVICE, *GRANTED),
    place("/admin/pulse", "admin", "auditor"),
    place("/auditor", "admin", "auditor"),
    place("/auditor/events?log=catalogue", "admin", "auditor"),
    place("/admin/accounts?name=walker-viewer", "viewer", "admin", "auditor"),  # its owner too
    place("/reviewer/moderation", "reviewer", "admin", "auditor"),
    place("/reviewer/reports", "reviewer", "admin", "auditor"),
    place("/reviewer/counterfeit-reports", "reviewer", "admin", "auditor"),
    place("/reviewer/tracks", "reviewer", "admin", "auditor"),
    place("/admin/verification", "admin", "auditor"),
    place("/artist", "artist"),
    place("/judge", "judge"),
)


def act_as(page: Page, live: Live, role: str) -> None:
    """Signs a new account in, acting as ``role`` (granted by an admin where it must be)."""
    name = f"walker-{role}"
    if role in SELF_SERVICE:
        sign_up(page, live, name, role)
        return
    sign_in_granted(page, live, name, role)


@pytest.mark.parametrize("role", SELF_SERVICE + GRANTED)
def test_each_role_opens_its_own_pages_accessibly_and_is_refused_the_others(
    watched: Page,
    live: Live,
    role: str,
) -> None:
    page = watched
    page.set_viewport_size(PHONE)
    act_as(page, live, role)
    assert_accessible(page)  # the page a role lands on
    assert keep_screenshot(page, role).stat().st_size > 0
    for each in PLACES:
        answer = page.goto(f"{live.base}{each.path}")
        assert answer is not None
        if role in each.roles:
            assert answer.status == 200, each.path
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert_accessible(page)
            assert page.evaluate(FITS_ACROSS), f"{each.path} is wider than a phone"
            assert keep_screenshot(page, role).stat().st_size > 0
        else:
            assert answer.status == 403, (each.path, answer.status)
            expect(page.locator(".status")).to_have_text("Error 403")
