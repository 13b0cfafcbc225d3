"""An auditor's pages in a real browser against a real `spotlight serve`: each log's head,
and the catalogue log's records a page at a time with their hash-chain links, the last
record's link being the head's; what the last `spotlight audit verify` found, beside the
heads; what was stored is shown as text."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.people import sign_in_granted
from tests.browser.test_web_app import Live
from tests.live_service import SPOTLIGHT

SCRIPT = "<script>alert('x')</script>"
HEX_LINK = re.compile(r"^[0-9a-f]{64}$")


def test_an_auditor_reads_each_logs_head_and_walks_its_records_with_their_links(
    watched: Page, live: Live
) -> None:
    page = watched
    creator = live.token("creator", "ines")
    for n in range(30):  # more than a page of records
        live.api(
            "POST",
            "/v1/videos",
            {"caption": f"clip {n} {SCRIPT}", "hashtags": [], "category": "comedy"},
            creator,
        )
    sign_in_granted(page, live, "aud", "auditor")

    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.locator("#heads tbody tr")).to_have_count(4)
    catalogue = page.locator('#heads tr[data-log="catalogue"]')
    head_link = catalogue.locator(".link").inner_text()
    assert HEX_LINK.match(head_link), head_link
    head_position = int(catalogue.locator(".position").inner_text().replace(",", ""))
    assert head_position >= 30
    assert_accessible(page)

    catalogue.get_by_role("link", name="Browse catalogue").click()
    records = page.locator("#records > li")
    expect(records).to_have_count(25)
    expect(records.first).to_have_attribute("data-position", "1")
    assert HEX_LINK.match(records.first.locator(".link").inner_text())
    assert_accessible(page)
    page.get_by_role("link", name="Next records").click()
    expect(records.first).to_have_attribute("data-position", "26")
    page.get_by_label("After position").fill(str(head_position - 1))
    page.get_by_role("button", name="Show").click()
    expect(records).to_have_count(1)
    last = records.first
    expect(last).to_have_attribute("data-position", str(head_position))
    expect(last.locator(".link")).to_have_text(head_link)
    expect(page.get_by_role("link", name="Next records")).to_have_count(0)
    page.goto(f"{live.base}/auditor/events?log=catalogue&after=1")
    video = records.filter(has_text="Video").first
    video.locator("summary").click()
    expect(video.locator("pre")).to_contain_text(SCRIPT)

    page.get_by_label("After position").fill(str(head_position))
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(f"No record after position {head_position}.")).to_be_visible()


def test_an_auditor_reads_what_the_last_verify_found_beside_the_heads(
    watched: Page, live: Live
) -> None:
    page = watched
    sign_in_granted(page, live, "aud-runs", "auditor")
    expect(page.locator('#runs tr[data-kind="verify"]')).to_contain_text("Never run")

    verified = subprocess.run(  # noqa: S603 - our own CLI, on the service's own store
        [*SPOTLIGHT, "audit", "verify", "--by", f"ann {SCRIPT}"],
        env=live.environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    page.reload()

    verify = page.locator('#runs tr[data-kind="verify"]')
    expect(verify.locator(".outcome")).to_contain_text("intact")
    expect(verify).to_contain_text(f"ann {SCRIPT}")
    catalogue = int(
        page.locator('#heads tr[data-log="catalogue"] .position').inner_text().replace(",", "")
    )
    expect(verify.locator(".positions")).to_contain_text(f"catalogue: {catalogue:,}")
    expect(page.locator('#runs tr[data-kind="replay"]')).to_contain_text("Never run")
    expect(page.locator("main script")).to_have_count(0)
    assert_accessible(page)
