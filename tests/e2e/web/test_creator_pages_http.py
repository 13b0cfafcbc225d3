"""A creator's pages over HTTP on a real SQLite store: their videos a page at a time, their
invitations answered through forms (and refused as the API refuses them), their notices
marked read; every form refused without the session's CSRF token changes nothing, and other
people get a 403 page saying why."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from entrypoints.bootstrap import Spotlight
from entrypoints.web.creator import videos
from entrypoints.web.headers import CONTENT_SECURITY_POLICY
from tests.e2e.business.test_campaigns_http import creator, launch_body, terms
from tests.e2e.web.test_web_pages_http import Auth, browser_like, csrf_of, signed_in

__all__ = ["browser_like"]  # the fixture, used by name


def invitation(client: TestClient, auth: Auth, core: Spotlight, who: str = "ana") -> str:
    """An invitation to a campaign of its own (one invitation per creator and campaign)."""
    n = len(client.get("/v1/me/invitations", headers=auth("creator", who)).json()["items"])
    body = launch_body(core, name=f"Glow {n}", hashtag=f"#Glow{n}")
    launched = client.post("/v1/campaigns", json=body, headers=auth("brand", "glowco"))
    assert launched.status_code == 201, launched.text
    campaign = launched.json()["id"]
    sent = client.post(
        f"/v1/campaigns/{campaign}/invitations",
        json={"creator": who, "terms": terms(core, 2_500)},
        headers=auth("brand", "glowco"),
    )
    assert sent.status_code == 201, sent.text
    found: str = sent.json()["id"]
    return found


def invitation_state(client: TestClient, auth: Auth, invitation_id: str) -> str:
    state: str = client.get(
        f"/v1/invitations/{invitation_id}", headers=auth("creator", "ana")
    ).json()["state"]
    return state


def unread(client: TestClient, auth: Auth) -> int:
    count: int = client.get("/v1/me/inbox", headers=auth("creator", "ana")).json()["unread"]
    return count


def publish(client: TestClient, auth: Auth, caption: str) -> str:
    video = client.post(
        "/v1/videos",
        json={"caption": caption, "hashtags": ["#GlowUp"], "category": "beauty"},
        headers=auth("creator", "ana"),
    )
    assert video.status_code == 201, video.text
    found: str = video.json()["id"]
    return found


def test_a_creator_pages_through_their_videos_with_hashtags_moderation_and_engagement(
    client: TestClient,
    browser_like: Callable[[], TestClient],
    auth: Auth,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(videos, "PAGE_SIZE", 2)
    web = signed_in(browser_like(), "ana", "creator")
    published = [publish(client, auth, f"look {n} <b>bold</b>") for n in range(3)]
    publish_other = client.post(
        "/v1/videos",
        json={"caption": "not hers", "hashtags": [], "category": "beauty"},
        headers=auth("creator", "ben"),
    )
    assert publish_other.status_code == 201

    first = web.get("/creator")
    assert first.status_code == 200
    shown = re.findall(r'data-video="([^"]+)"', first.text)
    following = re.search(r'href="(/creator\?cursor=[^"]+)" rel="next"', first.text)
    assert following is not None
    second = web.get(following.group(1).replace("&amp;", "&"))
    shown += re.findall(r'data-video="([^"]+)"', second.text)

    assert shown == published
    assert 'rel="next"' not in second.text
    assert "look 0 &lt;b&gt;bold&lt;/b&gt;" in first.text
    assert "#glowup" in first.text.lower()
    assert "not anchored" in first.text
    assert "unreviewed" in first.text
    assert "not hers" not in first.text + second.text


def test_a_creator_accepts_one_invitation_and_declines_another_with_a_reason(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth, core: Spotlight
) -> None:
    creator(client, auth, "ana")
    web = signed_in(browser_like(), "ana", "creator")
    taken, turned_down = invitation(client, auth, core), invitation(client, auth, core)
    page = web.get("/creator/invitations")
    assert page.status_code == 200
    assert "25.00 USD" in page.text
    csrf = csrf_of(page)

    accepted = web.post(f"/creator/invitations/{taken}/acceptance", data={"csrf_token": csrf})
    declined = web.post(
        f"/creator/invitations/{turned_down}/decline",
        data={"csrf_token": csrf, "reason": "booked that week"},
    )

    assert accepted.status_code == 200
    assert "Invitation accepted." in accepted.text
    assert declined.status_code == 200
    assert "Invitation declined." in declined.text
    assert invitation_state(client, auth, taken) == "accepted"
    assert invitation_state(client, auth, turned_down) == "declined"
    # Answered, neither has forms any longer; answering again is refused as the API does.
    assert "/acceptance" not in declined.text
    again = web.post(f"/creator/invitations/{taken}/acceptance", data={"csrf_token": csrf})
    api = client.post(f"/v1/invitations/{taken}/acceptance", headers=auth("creator", "ana"))
    assert again.status_code == api.status_code == 409
    assert api.json()["detail"] in again.text.replace("&#39;", "'").replace("&quot;", '"')


def test_declining_without_a_reason_is_refused_with_the_apis_rule_and_changes_nothing(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth, core: Spotlight
) -> None:
    creator(client, auth, "ana")
    web = signed_in(browser_like(), "ana", "creator")
    sent = invitation(client, auth, core)
    csrf = csrf_of(web.get("/creator/invitations"))

    answer = web.post(
        f"/creator/invitations/{sent}/decline", data={"csrf_token": csrf, "reason": ""}
    )

    assert answer.status_code == 422
    assert "reason" in answer.text
    assert invitation_state(client, auth, sent) == "sent"


def test_forms_without_the_sessions_csrf_token_are_refused_and_change_nothing(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth, core: Spotlight
) -> None:
    creator(client, auth, "ana")
    web = signed_in(browser_like(), "ana", "creator")
    sent = invitation(client, auth, core)
    assert unread(client, auth) == 1
    up_to = re.search(r'name="up_to" value="(\d+)"', web.get("/creator/notices").text)
    assert up_to is not None
    forms: list[tuple[str, dict[str, Any]]] = [
        (f"/creator/invitations/{sent}/acceptance", {}),
        (f"/creator/invitations/{sent}/decline", {"reason": "no"}),
        ("/creator/notices/read", {"up_to": up_to.group(1)}),
    ]

    for path, fields in forms:
        for token in ({}, {"csrf_token": "guess"}):
            refused = web.post(path, data={**fields, **token})
            assert refused.status_code == 403, path
            assert "CSRF" in refused.text

    assert invitation_state(client, auth, sent) == "sent"
    assert unread(client, auth) == 1


def test_a_creator_marks_their_notices_read_but_not_one_that_came_after_the_page(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth, core: Spotlight
) -> None:
    creator(client, auth, "ana")
    web = signed_in(browser_like(), "ana", "creator")
    invitation(client, auth, core)
    page = web.get("/creator/notices")
    assert page.status_code == 200
    assert "1 unread." in page.text
    assert page.text.count('class="badge"') == 1
    up_to = re.search(r'name="up_to" value="(\d+)"', page.text)
    assert up_to is not None
    invitation(client, auth, core)  # arrives after the page was drawn

    read = web.post(
        "/creator/notices/read", data={"csrf_token": csrf_of(page), "up_to": up_to.group(1)}
    )

    assert read.status_code == 200
    assert unread(client, auth) == 1
    assert "1 unread." in read.text
    assert read.text.count('class="badge"') == 1


@pytest.mark.parametrize(
    ("role", "path", "operation"),
    [
        ("brand", "/creator", "/v1/me/videos"),
        ("studio", "/creator/invitations", "/v1/me/invitations"),
    ],
)
def test_a_visitor_in_the_wrong_role_gets_the_apis_403_as_a_page(
    client: TestClient,
    browser_like: Callable[[], TestClient],
    auth: Auth,
    role: str,
    path: str,
    operation: str,
) -> None:
    web = signed_in(browser_like(), "someone", role)

    answer = web.get(path)

    api = client.get(operation, headers=auth(role, "someone"))
    assert answer.status_code == api.status_code == 403
    assert "<h1>Not permitted</h1>" in answer.text
    assert "only a creator has" in api.json()["detail"]
    assert api.json()["detail"] in answer.text
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_every_creator_page_carries_the_policy_and_none_breaks_it(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth, core: Spotlight
) -> None:
    creator(client, auth, "ana")
    publish(client, auth, "look")
    invitation(client, auth, core)
    web = signed_in(browser_like(), "ana", "creator")
    for path in ("/creator", "/creator/invitations", "/creator/notices"):
        page = web.get(path)
        assert page.status_code == 200, page.text
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["cache-control"] == "no-store"
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None
        assert re.search(r"\sstyle=|<style", page.text) is None
        assert re.search(r"\son[a-z]+=", page.text) is None
        for link in ("/creator", "/creator/invitations", "/creator/notices"):
            assert f'href="{link}"' in page.text
