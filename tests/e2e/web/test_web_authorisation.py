"""Every page of the web app as every role: a page answers exactly the roles the API's policy
(``entrypoints.http.policy``) lets call the operation it reads, and every other role gets a
403 page saying why. Pages under ``/studio`` show the visitor's own titles, so they follow
``GET /v1/me/titles`` (a studio, for itself)."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from application.auth import Role
from domain.identity.accounts import SELF_SERVICE_ROLES
from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from entrypoints.http.policy import POLICY
from entrypoints.http.security import csrf_token

Auth = Callable[[str, str], dict[str, str]]
PASSWORD = "correct horse battery"
NOWHERE = uuid.UUID(int=7)


def _a_photo() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(picture, format="PNG")
    return picture.getvalue()


#: A photo a seller's listing page would take (the page reads the listing after the photo).
A_PHOTO = _a_photo()

#: Each page, and the API operation whose use case it calls.
PAGES = {
    ("GET", "/studio"): "GET /v1/me/titles",
    ("GET", "/studio/titles/{own}?days=28"): "GET /v1/me/titles",
    ("GET", "/studio/titles/{own}/analytics.csv?days=90"): "GET /v1/me/titles",
    ("GET", "/reviewer/anchors"): "GET /v1/review/anchors",
    ("GET", "/creator"): "GET /v1/me/videos",
    ("GET", "/creator/invitations"): "GET /v1/me/invitations",
    ("GET", "/creator/notices"): "GET /v1/me/inbox",
    ("GET", "/shop/orders"): "GET /v1/me/orders",
    ("GET", "/shop/sales"): "GET /v1/me/sales",
    ("POST", f"/reviewer/anchors/{NOWHERE}/{NOWHERE}"): (
        "POST /v1/review/anchors/{video_id}/{title_id}"
    ),
    ("POST", f"/reviewer/disputes/{NOWHERE}"): "POST /v1/review/disputes/{video_id}",
    ("GET", "/brand"): "GET /v1/me/campaigns",
    ("GET", "/brand/campaigns/new"): "GET /v1/me/campaigns",
    ("GET", "/brand/creators"): "GET /v1/marketplace/creators",
    ("GET", "/seller"): "GET /v1/me/listings",
    ("GET", "/seller/listings/new"): "POST /v1/listings",
    ("GET", "/seller/orders"): "GET /v1/me/sales",
    ("GET", "/seller/reports"): "GET /v1/me/listing-reports",
    ("GET", "/shop?q=mug"): "GET /v1/shop/search",
    ("GET", "/admin/pulse"): "GET /v1/pulse/applications",
    ("POST", "/admin/pulse/nobody/decision"): "POST /v1/pulse/enrolments/{creator}/decision",
    ("GET", "/auditor"): "GET /v1/audit/heads",
    ("GET", "/auditor/events?log=catalogue"): "GET /v1/audit/events",
    ("GET", "/reviewer/reports"): "GET /v1/review/video-reports",
    ("POST", f"/reviewer/reports/{NOWHERE}"): "POST /v1/review/video-reports/{video_report_id}",
    ("POST", f"/reviewer/appeals/{NOWHERE}"): "POST /v1/review/appeals/{video_report_id}",
    ("GET", "/reviewer/moderation"): "GET /v1/review/moderation",
    ("POST", f"/reviewer/moderation/{NOWHERE}"): "POST /v1/videos/{video_id}/moderation",
    ("GET", "/reviewer/counterfeit-reports"): "GET /v1/review/reports",
    ("POST", f"/reviewer/counterfeit-reports/{NOWHERE}"): "POST /v1/review/reports/{report_id}",
    ("GET", "/reviewer/tracks"): "GET /v1/review/tracks",
    ("POST", f"/reviewer/tracks/{NOWHERE}"): "POST /v1/review/tracks/{track_id}",
    ("GET", "/admin/verification"): "GET /v1/review/verification-requests",
    ("POST", "/admin/verification/nobody"): "POST /v1/review/verification-requests/{account}",
    ("GET", "/artist"): "GET /v1/me/tracks",
    ("POST", "/artist/verification"): "POST /v1/me/verification-request",
    ("GET", "/rounds/{round}"): "GET /v1/rounds/{round_id}",
    ("GET", "/judge"): "GET /v1/me/judging",
    ("GET", "/judge/rounds/{round}"): "GET /v1/rounds/{round_id}/score-sheet",
    ("GET", "/seasons/{season}/field"): "GET /v1/seasons/{season_id}/field",
    ("GET", "/seasons/{season}/field.csv"): "GET /v1/seasons/{season_id}/field.csv",
    ("GET", "/rising-artists"): "GET /v1/rising-artists",
    ("GET", "/rising-artists.csv"): "GET /v1/rising-artists.csv",
    ("GET", "/studio/titles/{own}/policy"): "GET /v1/titles/{title_id}/matching",
    ("POST", f"/studio/titles/{NOWHERE}/policy"): "PUT /v1/titles/{title_id}/match-policy",
    ("GET", "/studio/anchors"): "GET /v1/me/anchors",
    ("GET", "/earnings"): "GET /v1/me/payouts",
    ("GET", "/earnings/months.csv"): "GET /v1/me/earnings.csv",
    ("GET", "/earnings/payouts.csv"): "GET /v1/me/payouts.csv",
    ("POST", f"/creator/invitations/{NOWHERE}/counter-offer"): (
        "POST /v1/invitations/{invitation_id}/counter-offer"
    ),
    ("POST", f"/brand/invitations/{NOWHERE}/counter-offer/acceptance"): (
        "POST /v1/invitations/{invitation_id}/counter-offer/acceptance"
    ),
    ("POST", f"/brand/invitations/{NOWHERE}/counter-offer/decline"): (
        "POST /v1/invitations/{invitation_id}/counter-offer/decline"
    ),
    ("POST", f"/seller/listings/{NOWHERE}/photos"): "POST /v1/listings/{listing_id}/photos",
}


def signed_in_as(core: Spotlight, auth: Auth, role: Role) -> tuple[TestClient, str]:
    """A visitor with a built-in account acting in ``role``, and its CSRF token."""
    web = TestClient(create_app(core), base_url="https://testserver")
    name = f"someone-{role.value}"
    first = role.value if role.value in SELF_SERVICE_ROLES else "viewer"
    assert (
        web.post(
            "/v1/accounts", json={"name": name, "password": PASSWORD, "role": first}
        ).status_code
        == 201
    )
    if first != role.value:
        granted = web.post(
            f"/v1/accounts/{name}/roles",
            json={"role": role.value, "reason": "for the test"},
            headers=auth("admin", "ops"),
        )
        assert granted.status_code == 200, granted.text
    form = web.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    web.post(
        "/sign-in",
        data={"name": name, "password": PASSWORD, "role": role.value, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    session = web.cookies.get("spotlight_session")
    assert session is not None
    _principal, session_id = core.accounts.cookie_principal(session)
    return web, csrf_token(core, session_id)


def a_season_judged_by(client: TestClient, auth: Auth, judge: str) -> tuple[str, str]:
    """A season whose panel ``judge`` sits on, and its first round (the judge's pages are
    its own panel's)."""
    season = client.post(
        "/v1/seasons",
        json={
            "name": "Walk season",
            "region": "JP",
            "partners": ["Aozora Records"],
            "judges": [{"judge_id": judge, "partner": "Aozora Records"}],
            "rounds": [
                {
                    "name": "Open round",
                    "cut_size": 1,
                    "opens_at": "2099-04-01T00:00:00Z",
                    "closes_at": "2099-04-15T00:00:00Z",
                }
            ],
        },
        headers=auth("admin", "ops"),
    )
    assert season.status_code == 201, season.text
    return season.json()["id"], season.json()["round_ids"][0]


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_page_answers_the_roles_the_apis_policy_allows_and_no_other(
    core: Spotlight, client: TestClient, auth: Auth, role: Role
) -> None:
    web, csrf = signed_in_as(core, auth, role)
    own = client.post(
        "/v1/titles",
        json={"name": "Dune", "kind": "movie"},
        headers=auth("studio", f"someone-{role.value}"),
    ).json()["id"]
    season_id, round_id = a_season_judged_by(client, auth, f"someone-{role.value}")

    for (method, path), operation in PAGES.items():
        url = path.format(own=own, round=round_id, season=season_id)
        if method == "GET":
            answer = web.get(url, follow_redirects=False)
        else:
            decision = "dismiss" if "disputes" in url or "/reports/" in url else "reject"
            decision = "decline" if "verification" in url else decision
            form = {
                "decision": decision,
                "outcome": "uphold",  # the appeal form's
                "reason": "for the test",
                "version": "1",
            }
            form |= {"state": "clear", "policy": "guidelines/1"}  # a moderation's too
            form |= {"fee": "12.50", "note": "for the test"}  # a counter-offer's too
            answer = web.post(
                url,
                data={**form, "csrf_token": csrf},
                files={"photo": ("dot.png", A_PHOTO, "image/png")} if "/photos" in url else None,
                follow_redirects=False,
            )

        allowed = role in POLICY[operation].roles
        where = f"{method} {url} as {role.value}"
        if allowed:
            # Let through; a decision on a video that does not exist is then not found.
            assert answer.status_code == (200 if method == "GET" else 404), where
        else:
            assert answer.status_code == 403, where
            assert "<h1>Not permitted</h1>" in answer.text, where
            assert role.value in answer.text, where
