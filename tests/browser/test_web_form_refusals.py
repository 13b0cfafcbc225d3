"""Bad input and long lists in a real browser: a form sent without the page's own checks (as
a browser without the script, or a person who goes round them, would send it) is refused by
the server with the API's rule, shown beside the field it names (``aria-describedby``), with
what was chosen and typed kept, and sent again once corrected; a long list pages forward,
back and to its first page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.people import sign_in_granted
from tests.browser.test_web_app import Live, a_title, a_video, sign_up
from tests.browser.test_web_music import an_open_round
from tests.browser.test_web_shop import a_listing, a_photo, an_order

#: A form as a browser without the page's checks sends it: a copy of it (the page's script
#: listens on the original) that the browser does not validate either.
WITHOUT_CHECKS = (
    "form => { const copy = form.cloneNode(true); copy.noValidate = true; form.replaceWith(copy); }"
)


def described_by(field: Locator) -> str:
    """The text of the elements ``field`` is described by."""
    ids = field.get_attribute("aria-describedby") or ""
    page = field.page
    return " ".join(page.locator(f"#{each}").inner_text() for each in ids.split())


def test_a_reviewers_decision_without_a_reason_is_refused_beside_the_field(
    watched: Page, live: Live
) -> None:
    page = watched
    a_title(live, live.token("studio", "neon"), "Anatomy of a Fall", "Grenoble")
    video = a_video(live, "the snow chalet", "Grenoble")
    sign_in_granted(page, live, "remy", "reviewer")
    page.goto(f"{live.base}/reviewer/anchors")
    page.wait_for_load_state("domcontentloaded")  # the page's script has its listeners
    item = page.locator(f'#queue > li[data-video="{video}"]')
    item.locator("form").evaluate(WITHOUT_CHECKS)

    item.get_by_label("Attach").check()
    item.get_by_role("button", name="Record the decision").click()

    expect(page.locator("#refused")).to_contain_text("reason")
    item = page.locator(f'#queue > li[data-video="{video}"]')
    reason = item.get_by_label("Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert "at least 1 character" in described_by(reason)
    expect(item.get_by_label("Attach")).to_be_checked()  # what was chosen is kept
    reason.fill("the chalet of the film")
    item.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decided")).to_have_text("Decision recorded: attached.")


def follow(pages: Locator, name: str) -> None:
    """Follow the pager's link ``name`` and wait for the page it leads to."""
    with pages.page.expect_navigation():
        pages.get_by_role("link", name=name).click()


def shown(rows: Locator) -> list[str]:
    listed: list[str] = rows.evaluate_all("rows => rows.map(row => row.dataset.video)")
    return listed


def test_a_long_list_pages_forward_back_and_to_its_first_page(watched: Page, live: Live) -> None:
    page = watched
    sign_up(page, live, "pia", "creator")
    token = live.token("creator", "pia")
    for number in range(45):  # three pages of 20
        live.api(
            "POST",
            "/v1/videos",
            {"caption": f"clip {number}", "hashtags": [], "category": "beauty"},
            token,
        )
    page.goto(f"{live.base}/creator")
    rows = page.locator("tr[data-video]")
    pages = page.get_by_role("navigation", name="Pages of videos")
    expect(rows).to_have_count(20)
    first = shown(rows)
    expect(pages.get_by_role("link", name="Previous videos")).to_have_count(0)

    follow(pages, "Next videos")
    expect(rows).to_have_count(20)
    second = shown(rows)
    follow(pages, "Next videos")
    expect(rows).to_have_count(5)
    expect(pages.get_by_role("link", name="Next videos")).to_have_count(0)

    follow(pages, "Previous videos")
    expect(rows).to_have_count(20)
    assert shown(rows) == second
    follow(pages, "Previous videos")
    assert shown(rows) == first
    expect(pages.get_by_role("link", name="First page of videos")).to_have_count(0)

    follow(pages, "Next videos")
    follow(pages, "Next videos")
    follow(pages, "First page of videos")
    assert shown(rows) == first
    assert set(first).isdisjoint(second)


def test_a_judges_score_out_of_range_is_refused_beside_it_and_kept(
    watched: Page, live: Live
) -> None:
    page = watched
    world = an_open_round(live, "Kyoto Sessions", "kaito", {"rin": []})
    sign_in_granted(page, live, "kaito", "judge")
    page.get_by_role("link", name="1. Open round").click()
    page.wait_for_load_state("domcontentloaded")
    entry = page.locator(f'#sheet > li[data-track="{world["tracks"]["rin"]}"]')
    entry.locator("form").evaluate(WITHOUT_CHECKS)

    entry.get_by_label("Score (0 to 10)").fill("11")
    entry.get_by_role("button", name="Record the score").click()

    score = page.locator(f'#sheet > li[data-track="{world["tracks"]["rin"]}"]').get_by_label(
        "Score (0 to 10)"
    )
    expect(score).to_have_attribute("aria-invalid", "true")
    expect(score).to_have_value("11")
    assert "less than or equal to 10" in described_by(score)
    score.fill("7")
    entry.get_by_role("button", name="Record the score").click()
    expect(page.locator("#done")).to_have_text("Score recorded.")


def test_a_buyers_cancellation_without_a_reason_is_refused_beside_it(
    watched: Page, live: Live, tmp_path: Path
) -> None:
    page = watched
    seller = live.token("seller", "kiln")
    live.api("POST", "/v1/sellers", {"name": "Kiln & Co"}, seller)
    listing = a_listing(live, seller, "Stoneware mug", a_photo(tmp_path / "mug.png", (90, 60, 30)))
    sign_up(page, live, "otto", "viewer")
    an_order(live, live.token("viewer", "otto"), listing, 1)
    page.goto(f"{live.base}/shop/orders")
    page.wait_for_load_state("domcontentloaded")
    cancel = page.locator("form.cancel")
    cancel.evaluate(WITHOUT_CHECKS)

    page.locator("form.cancel").get_by_role("button", name="Cancel the order").click()

    why = page.get_by_label("Why cancel")
    expect(why).to_have_attribute("aria-invalid", "true")
    assert "at least 1 character" in described_by(why)
    why.fill("bought twice")
    page.get_by_role("button", name="Cancel the order").click()
    expect(page.locator("#done")).to_be_visible()
