"""A studio's match-policy page and its proposals and disputes over HTTP: the policy shown as
it stands, changed through the form by the same use case as ``PUT .../match-policy``, a
refused field shown beside it with nothing recorded, a form older than the policy refused
as stale, and the proposals with their evidence (the engagement finding among it)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from tests.e2e.web.test_web_pages_http import csrf_of, signed_in

Auth = Callable[[str, str], dict[str, str]]
STUDIO = ("studio", "legendary")


@pytest.fixture
def browser_like(core: Spotlight) -> Callable[[], TestClient]:
    app = create_app(core)
    return lambda: TestClient(app, base_url="https://testserver")


def form_of(page_text: str) -> dict[str, str]:
    """The policy form as the page filled it (checked boxes only), with its hidden fields."""
    form = page_text[page_text.index('id="policy-form"') :]
    fields = dict(re.findall(r'<input id="([a-z_]+)" name="\1"[^>]*?value="([^"]*)"', form))
    fields["version"] = re.findall(r'name="version" value="(\d+)"', form)[0]
    fields["csrf_token"] = re.findall(r'name="csrf_token" value="([^"]+)"', form)[0]
    for box in re.findall(r'name="([a-z_]+)" value="on" checked', form):
        fields[box] = "on"
    return fields


def a_title(client: TestClient, auth: Auth) -> str:
    made = client.post("/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=auth(*STUDIO))
    assert made.status_code == 201, made.text
    title_id: str = made.json()["id"]
    return title_id


def studio_at_the_form(
    client: TestClient, web: TestClient, auth: Auth
) -> tuple[str, TestClient, dict[str, str]]:
    """A title of the studio, the studio signed in, and the policy form as it loaded it."""
    title_id = a_title(client, auth)
    signed_in(web, "legendary", "studio")
    return title_id, web, form_of(web.get(f"/studio/titles/{title_id}/policy").text)


def policy_of(client: TestClient, auth: Auth, title_id: str) -> dict[str, object]:
    answer = client.get(f"/v1/titles/{title_id}/matching", headers=auth(*STUDIO))
    policy: dict[str, object] = answer.json()["policy"]
    return policy


def test_the_analytics_page_links_to_the_policy_which_shows_the_default_policy(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id = a_title(client, auth)
    web = signed_in(browser_like(), "legendary", "studio")
    assert f'href="/studio/titles/{title_id}/policy"' in web.get(f"/studio/titles/{title_id}").text
    page = web.get(f"/studio/titles/{title_id}/policy")
    assert page.status_code == 200, page.text
    assert "never (review only)" in page.text  # text alone never attaches by default
    assert "Engagement plays no part" in page.text
    assert form_of(page.text)["audio_attach_at"] == "0.4"


def test_a_studio_sets_the_engagement_rule_through_the_form_as_the_api_would(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id, web, form = studio_at_the_form(client, browser_like(), auth)
    form |= {"text_attach_at": "0.6", "engagement": "on", "min_views": "1000", "min_likes": ""}
    answer = web.post(f"/studio/titles/{title_id}/policy", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    policy = policy_of(client, auth, title_id)
    assert policy["engagement"] == {"min_views": 1000, "min_likes": 0}
    assert policy["text"] == {"review_at": 0.5, "attach_at": 0.6, "min_seconds": 0.0}
    shown = web.get(answer.headers["location"]).text
    assert "The match policy was saved." in shown
    assert "attaches without review at 1000 views and 0 likes or more" in shown


@pytest.mark.parametrize(
    ("typed", "field", "reason"),
    [
        ({"audio_review_at": "1.5"}, "audio_review_at", "less than or equal to 1"),
        ({"min_views": "-3", "engagement": "on"}, "min_views", "greater than or equal to 0"),
        ({"visual_attach_at": "0.1"}, "visual_attach_at", "cannot attach below"),
        ({"text_review_at": "lots"}, "text_review_at", "valid number"),
    ],
)
def test_a_refused_field_is_shown_beside_it_and_nothing_is_recorded(
    client: TestClient,
    browser_like: Callable[[], TestClient],
    auth: Auth,
    typed: dict[str, str],
    field: str,
    reason: str,
) -> None:
    title_id, web, form = studio_at_the_form(client, browser_like(), auth)
    before = policy_of(client, auth, title_id)
    form |= typed
    answer = web.post(f"/studio/titles/{title_id}/policy", data=form)
    assert answer.status_code == 422, answer.text
    beside = re.search(rf'<p class="error field-error" id="{field}-error">([^<]+)</p>', answer.text)
    assert beside is not None, answer.text
    assert reason in beside.group(1)
    assert f'id="{field}" name="{field}"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert policy_of(client, auth, title_id) == before


def test_a_form_older_than_the_policy_shows_the_conflict_and_overwrites_nothing(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id, web, form = studio_at_the_form(client, browser_like(), auth)
    # Meanwhile someone sets it through the API, under the ETag they read.
    etag = client.get(f"/v1/titles/{title_id}/matching", headers=auth(*STUDIO)).headers["etag"]
    changed = policy_of(client, auth, title_id) | {"engagement": {"min_views": 7, "min_likes": 7}}
    put = client.put(
        f"/v1/titles/{title_id}/match-policy",
        json=changed,
        headers={**auth(*STUDIO), "If-Match": etag},
    )
    assert put.status_code == 200, put.text
    assert put.headers["etag"] != etag

    answer = web.post(f"/studio/titles/{title_id}/policy", data=form | {"text_attach_at": "0.9"})
    assert answer.status_code == 412, answer.text
    assert "changed since you loaded this page; nothing was saved" in answer.text
    assert form_of(answer.text)["min_views"] == "7"  # the form shows it as it now stands
    assert policy_of(client, auth, title_id)["engagement"] == {"min_views": 7, "min_likes": 7}
    # The API refuses the same stale tag the same way.
    again = client.put(
        f"/v1/titles/{title_id}/match-policy",
        json=changed,
        headers={**auth(*STUDIO), "If-Match": etag},
    )
    assert again.status_code == 412, again.text


def test_a_policy_form_without_the_sessions_csrf_token_is_refused(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id, web, form = studio_at_the_form(client, browser_like(), auth)
    before = policy_of(client, auth, title_id)
    form |= {"csrf_token": "forged", "text_attach_at": "0.6"}
    assert web.post(f"/studio/titles/{title_id}/policy", data=form).status_code == 403
    assert policy_of(client, auth, title_id) == before


def test_another_studios_title_policy_is_neither_shown_nor_changed(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id = a_title(client, auth)
    before = policy_of(client, auth, title_id)
    web = signed_in(browser_like(), "a24", "studio")
    assert web.get(f"/studio/titles/{title_id}/policy").status_code == 403
    page = web.get("/studio")
    form = {"csrf_token": csrf_of(page), "version": "1", "text_review_at": "0.1"}
    assert web.post(f"/studio/titles/{title_id}/policy", data=form).status_code == 403
    assert policy_of(client, auth, title_id) == before


def matched_video(
    client: TestClient, auth: Auth, web: TestClient, name: str, policy: dict[str, str]
) -> tuple[str, str]:
    """A title of the studio with ``policy`` set through the form and a hashtag of its own,
    and a fan video carrying that hashtag (the text matching's evidence)."""
    made = client.post("/v1/titles", json={"name": name, "kind": "movie"}, headers=auth(*STUDIO))
    title_id: str = made.json()["id"]
    form = form_of(web.get(f"/studio/titles/{title_id}/policy").text) | policy
    assert web.post(f"/studio/titles/{title_id}/policy", data=form).status_code == 200
    words = client.put(
        f"/v1/titles/{title_id}/match-words",
        json={"hashtags": [name], "keywords": []},
        headers=auth(*STUDIO),
    )
    assert words.status_code == 200, words.text
    video = client.post(
        "/v1/videos",
        json={"caption": "<b>fan</b> cut", "hashtags": [f"#{name}"], "category": "film-and-tv"},
        headers=auth("creator", "fan-1"),
    )
    assert video.status_code == 201, video.text
    video_id: str = video.json()["id"]
    return title_id, video_id


def test_the_proposals_and_disputes_on_my_titles_show_their_evidence(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    web = signed_in(browser_like(), "legendary", "studio")
    # Text would attach, but the video has fewer views than the rule asks: a proposal.
    _dune, proposed = matched_video(
        client,
        auth,
        web,
        "Dune",
        {"text_attach_at": "0.5", "engagement": "on", "min_views": "1000", "min_likes": "5"},
    )
    # Text attaches (no engagement rule), and the creator disputes the anchor.
    _arrival, attached = matched_video(client, auth, web, "Arrival", {"text_attach_at": "0.5"})
    disputed = client.post(
        f"/v1/videos/{attached}/anchor/dispute",
        json={"reason": "<script>mine</script>"},
        headers=auth("creator", "fan-1"),
    )
    assert disputed.status_code == 200, disputed.text

    page = web.get("/studio/anchors")
    assert page.status_code == 200, page.text
    card = page.text[page.text.index(f'data-video="{proposed}"') :]
    card = card[: card.index("</li>")]
    assert 'data-state="proposed"' in card
    assert '<th scope="row">text</th>' in card
    assert '<tr data-signal="engagement">' in card
    assert "0 views, 0 likes: below the rule" in card
    assert "attaches without review at 1000 views and 5 likes or more" in card
    # The dispute, in both lists, with the creator's words escaped.
    assert f'data-video="{attached}" data-state="open"' in page.text
    assert "&lt;script&gt;mine&lt;/script&gt;" in page.text
    assert "<script>mine" not in page.text
    assert "No creator has disputed" not in page.text


def test_a_studio_with_nothing_proposed_is_told_so(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    a_title(client, auth)
    page = signed_in(browser_like(), "legendary", "studio").get("/studio/anchors")
    assert page.status_code == 200, page.text
    assert "No anchor has been proposed or attached on your titles yet." in page.text
    assert "No creator has disputed an anchor to your titles." in page.text
