"""The web app in a real browser against a real `spotlight serve`: a studio signs up, sees
the clicks just made on its title's chart and downloads them as CSV; a reviewer signs in,
decides a proposed anchor through the form and sees it leave the queue. Every request that
does not go to the service is refused, and no page logs an error (a broken
Content-Security-Policy would)."""

from __future__ import annotations

import csv
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, Route, expect

from tests.browser.choosing import choose_applied_at_once
from tests.live_service import SPOTLIGHT, call, free_port, running_service

PASSWORD = "correct horse battery"


@attrs.frozen
class Live:
    base: str
    environment: dict[str, str]

    def token(self, role: str, subject: str) -> str:
        made = subprocess.run(  # noqa: S603 - our own CLI
            [*SPOTLIGHT, "token", "--role", role, "--subject", subject],
            env=self.environment,
            capture_output=True,
            text=True,
            check=True,
        )
        return made.stdout.strip()

    def api(self, method: str, path: str, body: dict[str, Any], token: str) -> Any:
        return call(method, f"{self.base}{path}", body, token)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A service on a fresh data directory, and the environment to mint tokens for it."""
    data = tmp_path_factory.mktemp("web-app-data")
    environment = {**os.environ, "SPOTLIGHT_DATA_DIR": str(data)}
    for setting in ("SPOTLIGHT_STORE", "SPOTLIGHT_SECRET", "SPOTLIGHT_PROJECTIONS"):
        environment.pop(setting, None)
    # A loaded machine (the browser tests share it) can take a while to start a service.
    with running_service(environment, free_port(), data / "serve.log", start_seconds=120) as base:
        yield Live(base, environment)


@pytest.fixture
def watched(page: Page, live: Live) -> Iterator[Page]:
    """The page, refusing every request that does not go to the service; the test fails if
    any went elsewhere or the page logged an error."""
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    refused_pages: set[str] = set()

    def note_refusal(response: Response) -> None:
        # A page answering a refusal (a form's 422, another role's 403) is what a test
        # asks for; Chromium still logs its status, which is no error of the page's.
        if response.request.resource_type == "document" and response.status >= 400:
            refused_pages.add(response.url)

    def log(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and (
            message.location.get("url") in refused_pages
        ):
            return
        errors.append(message.text)

    page.on("response", note_refusal)
    page.on("console", log)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def refuse_anything_but_the_service(route: Route, request: Request) -> None:
        if request.url.startswith(live.base):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", refuse_anything_but_the_service)
    yield page
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(live.base).netloc}
    assert errors == []


def sign_up(page: Page, live: Live, name: str, role: str) -> None:
    page.goto(f"{live.base}/sign-up")
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("First role").select_option(role)
    page.get_by_role("button", name="Sign up").click()


def a_title(live: Live, studio_token: str, name: str, hashtag: str) -> str:
    """A title the text matching proposes every video with ``hashtag`` to."""
    title = live.api("POST", "/v1/titles", {"name": name, "kind": "movie"}, studio_token)
    live.api(
        "PUT",
        f"/v1/titles/{title['id']}/match-words",
        {"hashtags": [hashtag], "keywords": []},
        studio_token,
    )
    title_id: str = title["id"]
    return title_id


def a_video(live: Live, caption: str, hashtag: str) -> str:
    video = live.api(
        "POST",
        "/v1/videos",
        {"caption": caption, "hashtags": [f"#{hashtag}"], "category": "film-and-tv"},
        live.token("creator", "fan-1"),
    )
    video_id: str = video["id"]
    return video_id


def test_a_studio_sees_the_clicks_just_made_on_its_chart_and_downloads_them(
    watched: Page, live: Live, tmp_path: Path
) -> None:
    page = watched
    sign_up(page, live, "legendary", "studio")
    expect(page.get_by_role("heading", name="My titles")).to_be_visible()
    expect(page.get_by_text("You have no titles yet")).to_be_visible()

    session = live.api("POST", "/v1/sessions", {"name": "legendary", "password": PASSWORD}, "")
    title_id = a_title(live, session["access_token"], "Dune", "Arrakis")
    video_id = a_video(live, "worm ride", "Arrakis")
    live.api(
        "POST",
        f"/v1/review/anchors/{video_id}/{title_id}",
        {"decision": "attach", "reason": "the worm scene"},
        live.token("reviewer", "rita"),
    )
    for viewer, target in (("v1", "tickets"), ("v2", "tickets"), ("v3", "cast")):
        live.api(
            "POST",
            "/v1/clicks",
            {"batch_key": f"{viewer}-1", "clicks": [{"video_id": video_id, "target": target}]},
            live.token("viewer", viewer),
        )
    live.api(
        "POST",
        "/v1/engagement",
        {"batch_key": "views-1", "counts": [{"video_id": video_id, "views": 1200}]},
        live.token("admin", "platform"),
    )

    page.goto(f"{live.base}/studio")
    titles = page.get_by_role("table")
    expect(titles.get_by_role("row", name="Dune")).to_contain_text("1,200")
    page.get_by_role("link", name="Dune").click()

    expect(page.get_by_role("heading", name="Dune", level=1)).to_be_visible()
    expect(page.locator("#clicks-now")).to_have_text("3")
    expect(page.locator("#views-now")).to_have_text("1,200")
    tickets = page.get_by_role("img", name="Clicks to tickets")
    expect(tickets).to_be_visible()
    expect(tickets.locator("desc")).to_contain_text("2 in all, against 0")
    expect(page.get_by_role("img", name="Clicks to cast").locator("desc")).to_contain_text(
        "1 in all, against 0"
    )
    expect(page.get_by_role("img", name="Views").locator("desc")).to_contain_text("1,200 in all")
    by_target = page.locator("#clicks-by-target tbody tr")
    expect(by_target.filter(has_text="tickets").locator("td").first).to_have_text("2")
    expect(by_target.filter(has_text="cast").locator("td").first).to_have_text("1")
    expect(by_target.filter(has_text="streaming").locator("td").first).to_have_text("0")
    expect(page.locator("#top-hashtags")).to_be_hidden()  # its only hashtag is the title's own
    fans = page.locator("#video-table tbody tr")
    expect(fans).to_have_count(1)
    expect(fans.first).to_contain_text("1,200")
    page.locator("#video-table").get_by_role("link", name="views", exact=True).click()
    expect(page).to_have_url(f"{live.base}/studio/titles/{title_id}?days=28&sort=views")
    expect(page.locator('#video-table th[aria-sort="descending"]')).to_have_text("views")

    choose_applied_at_once(page, "Range", "7")
    expect(page).to_have_url(f"{live.base}/studio/titles/{title_id}?days=7")
    expect(page.get_by_role("heading", name="Last 7 days against the 7 before")).to_be_visible()

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download CSV").click()
    download = downloading.value
    assert download.suggested_filename.startswith("dune-7-days-to-")
    saved = tmp_path / "analytics.csv"
    download.save_as(saved)
    with saved.open(newline="") as rows:
        table = list(csv.DictReader(rows))
    assert len(table) == 14
    assert sum(int(row["clicks"]) for row in table if row["period"] == "current") == 3
    assert sum(int(row["clicks_tickets"]) for row in table) == 2
    assert sum(int(row["clicks_cast"]) for row in table) == 1
    assert sum(int(row["views"]) for row in table if row["period"] == "current") == 1200


def test_a_reviewer_decides_a_proposed_anchor_and_it_leaves_the_queue(
    watched: Page, live: Live
) -> None:
    page = watched
    a_title(live, live.token("studio", "a24"), "Past Lives", "Seoul")
    first = a_video(live, "<script>alert('x')</script> Seoul at dusk", "Seoul")
    second = a_video(live, "a fan edit", "Seoul")
    sign_up(page, live, "rita", "viewer")
    expect(page.get_by_role("heading", name="Welcome, rita")).to_be_visible()
    live.api(
        "POST",
        "/v1/accounts/rita/roles",
        {"role": "reviewer", "reason": "joined trust and safety"},
        live.token("admin", "ops"),
    )
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{live.base}/reviewer/anchors")  # signed out: sent to sign in, then back
    page.get_by_label("Account name").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Act as").select_option("reviewer")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Anchor review")).to_be_visible()
    items = page.locator("#queue > li")
    expect(items).to_have_count(2)
    item = page.locator(f'#queue > li[data-video="{first}"]')
    expect(item.get_by_role("heading", level=2)).to_contain_text("<script>alert('x')</script>")
    expect(item.get_by_role("region", name="Evidence")).to_contain_text("text")
    expect(item.get_by_role("region", name="Title")).to_contain_text("Past Lives")
    item.get_by_label("Attach").check()
    item.get_by_label("Reason").fill("the bridge from the film")
    item.get_by_role("button", name="Record the decision").click()

    expect(page.locator("#decided")).to_have_text("Decision recorded: attached.")
    expect(items).to_have_count(1)
    expect(page.locator(f'#queue > li[data-video="{second}"]')).to_be_visible()
    expect(page.locator(f'#queue > li[data-video="{first}"]')).to_have_count(0)


def test_without_javascript_a_studio_signs_up_picks_a_range_and_signs_out(
    browser: Browser, live: Live
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_up(page, live, "warner", "studio")
        session = live.api("POST", "/v1/sessions", {"name": "warner", "password": PASSWORD}, "")
        title_id = a_title(live, session["access_token"], "Arrival", "Heptapod")
        page.goto(f"{live.base}/studio")
        page.get_by_role("link", name="Arrival").click()
        expect(
            page.get_by_role("heading", name="Last 28 days against the 28 before")
        ).to_be_visible()

        page.get_by_label("Range").select_option("90")
        page.get_by_role("button", name="Show").click()

        expect(page).to_have_url(f"{live.base}/studio/titles/{title_id}?days=90")
        expect(
            page.get_by_role("heading", name="Last 90 days against the 90 before")
        ).to_be_visible()
        expect(page.get_by_role("img", name="Views").locator("desc")).to_contain_text(
            "0 in all, against 0 in the 90 days before"
        )
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.goto(f"{live.base}/studio")
        expect(page).to_have_url(f"{live.base}/sign-in?next=%2Fstudio")
    finally:
        context.close()


def test_a_creator_sees_a_video_accepts_an_invitation_and_reads_the_notice(
    watched: Page, live: Live
) -> None:
    page = watched
    sign_up(page, live, "cleo", "creator")
    cleo = live.token("creator", "cleo")
    live.api("POST", "/v1/creators", {"region": "US"}, cleo)
    video = live.api(
        "POST",
        "/v1/videos",
        {"caption": "my <b>glow</b> routine", "hashtags": ["#GlowCleo"], "category": "beauty"},
        cleo,
    )
    brand = live.token("brand", "glowco")
    today = datetime.now(UTC).date()
    campaign = live.api(
        "POST",
        "/v1/campaigns",
        {
            "name": "Glow for Cleo",
            "objective": "engagement",
            "budget": {"minor": 100_000, "currency": "USD"},
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(),
            "categories": ["beauty"],
            "regions": ["US"],
            "kpis": [{"kpi": "views", "target": 500}],
            "hashtag": "#GlowForCleo",
        },
        brand,
    )
    invitation = live.api(
        "POST",
        f"/v1/campaigns/{campaign['id']}/invitations",
        {
            "creator": "cleo",
            "terms": {
                "fee": {"minor": 2_500, "currency": "USD"},
                "deliverables": "one video with #GlowForCleo",
                "deadline": (today + timedelta(days=10)).isoformat(),
            },
        },
        brand,
    )

    page.get_by_role("link", name="My videos").click()
    expect(page.get_by_role("heading", name="My videos")).to_be_visible()
    row = page.locator(f'#videos tr[data-video="{video["id"]}"]')
    expect(row).to_contain_text("my <b>glow</b> routine")
    expect(row).to_contain_text("#glowcleo")

    page.get_by_role("link", name="Invitations").click()
    card = page.locator(f'#invitations > li[data-invitation="{invitation["id"]}"]')
    expect(card.get_by_role("heading", level=2)).to_have_text("From glowco: 25.00 USD")
    card.get_by_role("button", name="Accept").click()
    expect(page.locator("#answered")).to_have_text("Invitation accepted.")
    expect(card.locator(".state")).to_have_text("accepted")
    expect(card.get_by_role("button", name="Accept")).to_have_count(0)

    page.get_by_role("link", name="Notices").click()
    expect(page.locator("#unread-count")).to_have_text("1 unread.")
    expect(page.locator("#notices .badge")).to_have_count(1)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#unread-count")).to_have_text("0 unread.")
    expect(page.locator("#notices .badge")).to_have_count(0)
    expect(page.locator("#notices > li")).to_have_count(1)
