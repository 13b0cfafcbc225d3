"""The web app over HTTP on a real SQLite store: pages need a signed-in visitor and send the
others to sign in and back, every form that posts is refused without its CSRF token, a
visitor in the wrong role gets a 403 page saying why, and every page and asset carries the
Content-Security-Policy (and the pages obey it: no inline script or style)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from entrypoints.web.headers import CONTENT_SECURITY_POLICY

Auth = Callable[[str, str], dict[str, str]]
PASSWORD = "correct horse battery"
QUEUE = "/reviewer/anchors"


@pytest.fixture
def browser_like(core: Spotlight) -> Callable[[], TestClient]:
    """A new visitor each call (own cookies), speaking https as the Secure cookies need."""
    app = create_app(core)
    return lambda: TestClient(app, base_url="https://testserver")


def csrf_of(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def signed_in(web: TestClient, name: str, role: str, *, sign_up: bool = True) -> TestClient:
    if sign_up:
        created = web.post("/v1/accounts", json={"name": name, "password": PASSWORD, "role": role})
        assert created.status_code == 201, created.text
    form = web.get("/sign-in")
    answer = web.post(
        "/sign-in",
        data={"name": name, "password": PASSWORD, "role": role, "csrf_token": csrf_of(form)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return web


def filled_in(web: TestClient, path: str, **fields: str) -> Response:
    """The form at ``path`` (``/sign-in``, ``/sign-up``) sent with ``fields`` and its token."""
    form = web.get(path)
    return web.post(path, data={**fields, "csrf_token": csrf_of(form)}, follow_redirects=False)


def studio_account(web: TestClient, name: str = "legendary") -> None:
    web.post("/v1/accounts", json={"name": name, "password": PASSWORD, "role": "studio"})


def reviewer(web: TestClient, auth: Auth, name: str = "rita") -> TestClient:
    created = web.post("/v1/accounts", json={"name": name, "password": PASSWORD, "role": "viewer"})
    assert created.status_code == 201, created.text
    granted = web.post(
        f"/v1/accounts/{name}/roles",
        json={"role": "reviewer", "reason": "joined trust and safety"},
        headers=auth("admin", "ops"),
    )
    assert granted.status_code == 200, granted.text
    return signed_in(web, name, "reviewer", sign_up=False)


def proposal(client: TestClient, auth: Auth, caption: str = "worm ride") -> tuple[str, str]:
    """A title and a video the text matching proposes to anchor to it."""
    studio = auth("studio", "legendary")
    title = client.post("/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=studio)
    title_id: str = title.json()["id"]
    words = client.put(
        f"/v1/titles/{title_id}/match-words",
        json={"hashtags": ["Arrakis"], "keywords": []},
        headers=studio,
    )
    assert words.status_code == 200, words.text
    video = client.post(
        "/v1/videos",
        json={"caption": caption, "hashtags": ["#Arrakis"], "category": "film-and-tv"},
        headers=auth("creator", "fan-1"),
    )
    assert video.status_code == 201, video.text
    video_id: str = video.json()["id"]
    return title_id, video_id


def queue_of(client: TestClient, auth: Auth) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        "/v1/review/anchors", headers=auth("reviewer", "rita")
    ).json()["items"]
    return items


@pytest.mark.parametrize("path", ["/studio", "/reviewer/anchors", "/studio/titles/1?days=7"])
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_then_back(
    browser_like: Callable[[], TestClient], path: str
) -> None:
    web = browser_like()

    answer = web.get(path, follow_redirects=False)

    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/sign-in?next=")
    form = web.get(location)
    assert form.status_code == 200
    assert f'name="next" value="{path}"' in form.text.replace("&amp;", "&")
    studio_account(web)
    back = web.post(
        "/sign-in",
        data={"name": "legendary", "password": PASSWORD, "next": path, "csrf_token": csrf_of(form)},
        follow_redirects=False,
    )
    assert back.status_code == 303
    assert back.headers["location"] == path


def test_signing_in_never_sends_the_visitor_to_another_site(
    browser_like: Callable[[], TestClient],
) -> None:
    web = browser_like()
    studio_account(web)
    answer = filled_in(
        web, "/sign-in", name="legendary", password=PASSWORD, next="//elsewhere.example/steal"
    )
    assert answer.headers["location"] == "/"


def test_a_wrong_password_shows_the_form_again_with_the_reason(
    browser_like: Callable[[], TestClient],
) -> None:
    web = browser_like()
    studio_account(web)
    answer = filled_in(web, "/sign-in", name="legendary", password="not the password")
    assert answer.status_code == 401
    assert "the name or the password is wrong" in answer.text
    assert "spotlight_session" not in web.cookies


def test_a_sign_in_form_that_did_not_come_from_the_service_is_refused(
    browser_like: Callable[[], TestClient],
) -> None:
    web = browser_like()
    studio_account(web)
    # Another site's form: no form cookie, a token it made up.
    forged = web.post(
        "/sign-in", data={"name": "legendary", "password": PASSWORD, "csrf_token": "made-up"}
    )
    assert forged.status_code == 403
    assert "CSRF" in forged.text
    assert "spotlight_session" not in web.cookies


@attrs.frozen
class AnchorForm:
    """The decision form of the one proposed anchor on the reviewer's queue page."""

    web: TestClient
    action: str
    version: str
    csrf: str
    video_id: str

    def post(self, decision: str, reason: str, **changes: str) -> Response:
        """The form sent with ``decision`` and ``reason`` (and what ``changes`` replace: the
        version it carries, the CSRF token)."""
        fields = {"decision": decision, "reason": reason, "version": self.version}
        fields["csrf_token"] = self.csrf
        return self.web.post(self.action, data={**fields, **changes}, follow_redirects=False)


def anchor_form(
    client: TestClient, web: TestClient, auth: Auth, caption: str = "worm ride"
) -> AnchorForm:
    """A proposed anchor, and its form on the page of ``web`` (a reviewer)."""
    title_id, video_id = proposal(client, auth, caption)
    page = web.get("/reviewer/anchors")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version is not None
    action = f"/reviewer/anchors/{video_id}/{title_id}"
    return AnchorForm(web, action, version.group(1), csrf_of(page), video_id)


def test_a_decision_posted_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    form = anchor_form(client, reviewer(browser_like(), auth), auth)
    decision = {"decision": "attach", "reason": "the worm scene", "version": form.version}

    missing = form.web.post(form.action, data=decision)
    wrong = form.post("attach", "the worm scene", csrf_token="guess")
    # The API's session token of another session does not do either.
    other = reviewer(browser_like(), auth, "ruth")
    borrowed = form.post("attach", "the worm scene", csrf_token=csrf_of(other.get(QUEUE)))

    for refused in (missing, wrong, borrowed):
        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]
        assert "CSRF" in refused.text
    assert [item["video_id"] for item in queue_of(client, auth)] == [form.video_id]
    sign_out = form.web.post("/sign-out", follow_redirects=False)
    assert sign_out.status_code == 403
    assert form.web.get(QUEUE, follow_redirects=False).status_code == 200


def test_a_reviewer_decides_through_the_form_and_the_item_leaves_the_queue(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    web = reviewer(browser_like(), auth)
    form = anchor_form(client, web, auth, caption='<script>alert(1)</script>"><img onerror=x>')
    page = web.get(QUEUE)
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text

    decided = form.post("reject", "a different desert")

    assert decided.status_code == 303
    assert decided.headers["location"] == "/reviewer/anchors?done=rejected"
    assert queue_of(client, auth) == []
    assert "Nothing waits for a decision" in web.get(decided.headers["location"]).text


@pytest.mark.parametrize(
    ("reason", "older", "status", "said"),
    [
        # As the API answers a stale If-Match: 412, with the reason.
        ("the worm scene", 1, 412, "reload it and try again"),
        # The API's rule on the reason, beside the field.
        ("", 0, 422, 'id="item-1-reason-error"'),
    ],
    ids=["stale", "empty reason"],
)
def test_a_refused_decision_says_why_and_leaves_the_item_in_the_queue(
    client: TestClient,
    browser_like: Callable[[], TestClient],
    auth: Auth,
    reason: str,
    older: int,
    status: int,
    said: str,
) -> None:
    form = anchor_form(client, reviewer(browser_like(), auth), auth)

    refused = form.post("attach", reason, version=str(int(form.version) - older))

    assert refused.status_code == status
    assert said in refused.text
    assert len(queue_of(client, auth)) == 1


@pytest.mark.parametrize(
    ("role", "path", "why"),
    [
        ("creator", "/reviewer/anchors", "read the review queue"),
        ("studio", "/reviewer/anchors", "read the review queue"),
        ("creator", "/studio", "only a studio has"),
        ("brand", "/studio/titles/00000000-0000-0000-0000-000000000000", "only a studio has"),
    ],
)
def test_a_visitor_in_the_wrong_role_gets_a_403_page_saying_why(
    browser_like: Callable[[], TestClient], role: str, path: str, why: str
) -> None:
    web = signed_in(browser_like(), "someone", role)

    answer = web.get(path)

    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]
    assert "<h1>Not permitted</h1>" in answer.text
    assert why in answer.text
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_a_studio_reads_another_studios_title_as_not_found(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id, _video = proposal(client, auth)
    web = signed_in(browser_like(), "a24", "studio")
    assert web.get(f"/studio/titles/{title_id}").status_code == 404
    assert web.get(f"/studio/titles/{title_id}/analytics.csv").status_code == 404


def test_every_page_and_asset_carries_the_policy_and_no_page_breaks_it(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id, _video = proposal(client, auth)
    studio = signed_in(browser_like(), "legendary", "studio")
    pages = [
        browser_like().get("/sign-in"),
        browser_like().get("/sign-up"),
        studio.get("/studio"),
        studio.get(f"/studio/titles/{title_id}?days=90"),
        reviewer(browser_like(), auth).get("/reviewer/anchors"),
        signed_in(browser_like(), "vic", "viewer").get("/"),
    ]
    for page in pages:
        assert page.status_code == 200, page.text
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None
        assert re.search(r"\sstyle=|<style", page.text) is None
        assert re.search(r"\son[a-z]+=", page.text) is None
    for asset in ("/static/app.css", "/static/app.js"):
        answer = client.get(asset)
        assert answer.status_code == 200
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    # The API is not a page: its answers stay as they were.
    assert "content-security-policy" not in client.get("/healthz").headers


def test_a_studio_downloads_the_chosen_range_and_the_one_before_as_csv(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id, video_id = proposal(client, auth)
    attached = client.post(
        f"/v1/review/anchors/{video_id}/{title_id}",
        json={"decision": "attach", "reason": "the worm scene"},
        headers=auth("reviewer", "rita"),
    )
    assert attached.status_code == 200, attached.text
    clicks = [{"video_id": video_id, "target": "tickets"}, {"video_id": video_id, "target": "cast"}]
    sent = client.post(
        "/v1/clicks", json={"batch_key": "b1", "clicks": clicks}, headers=auth("viewer", "v1")
    )
    assert sent.status_code == 201, sent.text
    web = signed_in(browser_like(), "legendary", "studio")

    answer = web.get(f"/studio/titles/{title_id}/analytics.csv?days=7")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="dune-7-days-to-')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["period"] for row in rows] == ["previous"] * 7 + ["current"] * 7
    assert rows[-1]["clicks"] == "2"
    assert (rows[-1]["clicks_tickets"], rows[-1]["clicks_cast"]) == ("1", "1")
    assert rows[-1]["clicks_streaming"] == rows[-1]["clicks_official"] == "0"
    assert rows[-1]["new_anchors"] == "1"
    assert sum(int(row["clicks"]) for row in rows) == 2
    page = web.get(f"/studio/titles/{title_id}?days=7")
    assert 'id="clicks-now">2<' in page.text
    assert "<svg" in page.text
    assert web.get(f"/studio/titles/{title_id}?days=5").status_code == 422


def test_a_session_ended_elsewhere_sends_the_visitor_to_sign_in_and_back(
    core: Spotlight, browser_like: Callable[[], TestClient]
) -> None:
    web = signed_in(browser_like(), "legendary", "studio")
    assert web.get("/studio").status_code == 200
    session = web.cookies.get("spotlight_session")
    assert session is not None
    core.accounts.sign_out(core.accounts.cookie_principal(session)[1])

    answer = web.get("/studio?cursor=", follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fstudio%3Fcursor%3D"


def test_a_name_taken_shows_the_sign_up_form_again_with_the_reason(
    browser_like: Callable[[], TestClient],
) -> None:
    web = browser_like()
    web.post("/v1/accounts", json={"name": "ana", "password": PASSWORD, "role": "creator"})

    taken = filled_in(web, "/sign-up", name="ana", password=PASSWORD, role="studio")
    too_short = filled_in(web, "/sign-up", name="bo", password="short", role="studio")
    powerful = filled_in(web, "/sign-up", name="cy", password=PASSWORD, role="admin")

    assert taken.status_code == 409
    assert "ana" in taken.text
    assert 'id="sign-up-error"' in taken.text
    assert too_short.status_code == 422
    assert "password" in too_short.text
    assert powerful.status_code == 422
    assert "spotlight_session" not in web.cookies
