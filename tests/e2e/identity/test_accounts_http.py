"""Built-in accounts over HTTP on a real SQLite store: people sign up, sign in, refresh,
switch roles and sign out; admins grant what is theirs to grant; web pages use a cookie
session guarded against cross-site requests; sign-ins are throttled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.conftest import e2e_settings

Headers = dict[str, str]
PASSWORD = "correct horse battery"


def settings(tmp_path: Path, **limits: str) -> Settings:
    if not limits:
        return e2e_settings(tmp_path)
    return e2e_settings(tmp_path, RATE_LIMITS=",".join(f"{k}={v}" for k, v in limits.items()))


@pytest.fixture
def web(core: Spotlight) -> TestClient:
    # Session cookies are Secure: the test client speaks to the app as over https.
    return TestClient(create_app(core), base_url="https://testserver")


def sign_up(client: TestClient, name: str, role: str = "creator") -> Response:
    return client.post("/v1/accounts", json={"name": name, "password": PASSWORD, "role": role})


def sign_in(client: TestClient, name: str, **extra: Any) -> Response:
    return client.post("/v1/sessions", json={"name": name, "password": PASSWORD, **extra})


def bearer(session: dict[str, Any]) -> Headers:
    return {"Authorization": f"Bearer {session['access_token']}"}


def refused(answer: Response, status: int, kind: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith(kind)
    return str(answer.json()["detail"])


def test_a_creator_signs_up_signs_in_and_is_known_by_me(client: TestClient) -> None:
    created = sign_up(client, "ana")
    assert created.status_code == 201
    assert created.json() == {"name": "ana", "roles": ["creator"], "verified": [], "version": 1}
    session = sign_in(client, "ana").json()
    assert (session["role"], session["subject"], session["token_type"]) == (
        "creator",
        "ana",
        "Bearer",
    )
    assert (
        client.post("/v1/creators", json={"region": "BR"}, headers=bearer(session)).status_code
        == 201
    )
    me = client.get("/v1/me", headers=bearer(session)).json()
    assert me["principal"] == "creator:ana"
    assert me["roles"] == ["creator"]
    assert me["account"]["name"] == "ana"
    assert me["records"] == [
        {"program": "revenue", "kind": "creator", "role": "creator", "id": "ana",
         "state": "region BR, age unknown"}
    ]  # fmt: skip


def test_sign_up_refuses_a_taken_name_a_powerful_role_and_a_short_password(
    client: TestClient,
) -> None:
    assert sign_up(client, "ana").status_code == 201
    refused(sign_up(client, "ana", "viewer"), 409, "account-exists")
    refused(sign_up(client, "bo", "admin"), 422, "validation-error")
    short = client.post("/v1/accounts", json={"name": "bo", "password": "short", "role": "viewer"})
    refused(short, 422, "validation-error")


def test_a_wrong_password_or_a_role_not_held_is_refused_with_a_reason(client: TestClient) -> None:
    sign_up(client, "ana")
    wrong = client.post("/v1/sessions", json={"name": "ana", "password": "not the password"})
    assert refused(wrong, 401, "sign-in-refused") == "the name or the password is wrong"
    nobody = client.post("/v1/sessions", json={"name": "nobody", "password": PASSWORD})
    assert refused(nobody, 401, "sign-in-refused") == "the name or the password is wrong"
    assert "does not hold the brand role" in refused(
        sign_in(client, "ana", role="brand"), 401, "sign-in-refused"
    )


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_session(
    client: TestClient,
) -> None:
    sign_up(client, "ana")
    first = sign_in(client, "ana").json()
    second = client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["session"] == first["session"]
    assert client.get("/v1/me", headers=bearer(rotated)).status_code == 200
    # Someone replays the first refresh token: the session ends, for the thief and for Ana.
    replay = client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert "used already" in refused(replay, 401, "unauthenticated")
    latest = client.post("/v1/sessions/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert "revoked" in refused(latest, 401, "unauthenticated")
    assert "has ended" in refused(
        client.get("/v1/me", headers=bearer(rotated)), 401, "unauthenticated"
    )
    forged = client.post("/v1/sessions/refresh", json={"refresh_token": "not-a-session.x"})
    refused(forged, 401, "unauthenticated")


def test_sign_out_refuses_the_sessions_access_and_refresh_tokens(client: TestClient) -> None:
    sign_up(client, "ana")
    session = sign_in(client, "ana").json()
    assert client.post("/v1/sessions/sign-out", headers=bearer(session)).status_code == 204
    assert "signed out" in refused(
        client.get("/v1/me", headers=bearer(session)), 401, "unauthenticated"
    )
    again = client.post("/v1/sessions/refresh", json={"refresh_token": session["refresh_token"]})
    refused(again, 401, "unauthenticated")


def test_the_operators_tokens_have_no_session_to_sign_out(
    client: TestClient, auth: Callable[[str, str], Headers]
) -> None:
    answer = client.post("/v1/sessions/sign-out", headers=auth("creator", "ana"))
    assert "not issued by a sign-in" in refused(answer, 422, "invalid-value")
    assert client.get("/v1/me", headers=auth("creator", "ana")).json()["account"] is None


def test_a_cookie_session_needs_its_csrf_token_for_what_changes_something(web: TestClient) -> None:
    sign_up(web, "ana", "viewer")
    signed_in = sign_in(web, "ana", cookie=True)
    assert signed_in.status_code == 201
    body = signed_in.json()
    assert body["refresh_token"] is None
    assert body["csrf_token"]
    assert web.cookies["spotlight_csrf"] == body["csrf_token"]
    cookie_header = signed_in.headers.get_list("set-cookie")
    assert any(
        "spotlight_session=" in c and "HttpOnly" in c and "Secure" in c for c in cookie_header
    )
    # Reading needs only the cookie.
    assert web.get("/v1/me").json()["principal"] == "viewer:ana"
    # A cross-site form would carry the cookie but cannot know the token.
    forged = web.post("/v1/me/roles", json={"role": "seller"})
    assert "CSRF" in refused(forged, 403, "csrf-token-missing")
    wrong = web.post("/v1/me/roles", json={"role": "seller"}, headers={"X-CSRF-Token": "guess"})
    refused(wrong, 403, "csrf-token-missing")
    taken = web.post(
        "/v1/me/roles", json={"role": "seller"}, headers={"X-CSRF-Token": body["csrf_token"]}
    )
    assert taken.json()["roles"] == ["viewer", "seller"]
    out = web.post("/v1/sessions/sign-out", headers={"X-CSRF-Token": body["csrf_token"]})
    assert out.status_code == 204
    assert "spotlight_session" not in web.cookies
    replayed = {"Cookie": f"spotlight_session={signed_in.cookies['spotlight_session']}"}
    assert "signed out" in refused(web.get("/v1/me", headers=replayed), 401, "unauthenticated")


def test_an_admin_grants_a_powerful_role_and_the_person_switches_to_it(
    client: TestClient, auth: Callable[[str, str], Headers]
) -> None:
    sign_up(client, "rita", "viewer")
    admin = auth("admin", "ops")
    grant = {"role": "reviewer", "reason": "joined trust and safety"}
    assert (
        client.post(
            "/v1/accounts/rita/roles", json=grant, headers=auth("viewer", "rita")
        ).status_code
        == 403
    )
    granted = client.post("/v1/accounts/rita/roles", json=grant, headers=admin)
    assert granted.json()["roles"] == ["viewer", "reviewer"]
    refused(client.post("/v1/accounts/rita/roles", json=grant, headers=admin), 409, "rule-violated")
    viewer = sign_in(client, "rita").json()
    assert viewer["role"] == "viewer"
    switched = client.post(
        "/v1/sessions/switch", json={"refresh_token": viewer["refresh_token"], "role": "reviewer"}
    ).json()
    me = client.get("/v1/me", headers=bearer(switched)).json()
    assert (me["principal"], me["roles"]) == ("reviewer:rita", ["viewer", "reviewer"])
    assert client.get("/v1/review/moderation", headers=bearer(switched)).status_code == 200
    # The switched-from session is over.
    refused(client.get("/v1/me", headers=bearer(viewer)), 401, "unauthenticated")
    revoked = client.post(
        "/v1/accounts/rita/revoked-roles", json={**grant, "reason": "left"}, headers=admin
    )
    assert revoked.json()["roles"] == ["viewer"]
    again = client.post("/v1/sessions/refresh", json={"refresh_token": switched["refresh_token"]})
    assert "no longer holds the reviewer role" in refused(again, 401, "unauthenticated")
    refused(sign_in(client, "rita", role="reviewer"), 401, "sign-in-refused")


def test_an_admin_records_a_verified_identity_the_person_and_auditors_read(
    client: TestClient, auth: Callable[[str, str], Headers]
) -> None:
    sign_up(client, "legendary", "studio")
    verification = {"verification": "title-owner", "reference": "title Dune", "reason": "contract"}
    answer = client.post(
        "/v1/accounts/legendary/verifications", json=verification, headers=auth("admin", "ops")
    )
    assert answer.json()["verified"] == [{"verification": "title-owner", "reference": "title Dune"}]
    own = client.get("/v1/accounts/legendary", headers=auth("studio", "legendary"))
    assert own.json()["verified"] == answer.json()["verified"]
    assert client.get("/v1/accounts/legendary", headers=auth("auditor", "au")).status_code == 200
    # Ownership is role and subject: brand:legendary is someone else.
    refused(
        client.get("/v1/accounts/legendary", headers=auth("brand", "legendary")), 403, "forbidden"
    )


@pytest.fixture
def throttled(tmp_path: Path) -> Iterator[TestClient]:
    core = bootstrap(
        settings(tmp_path, **{"sign-in-failures": "3/minute", "bad-tokens": "6/minute"})
    )
    yield TestClient(create_app(core))
    core.close()


def test_failed_sign_ins_are_throttled_per_account_and_per_address(throttled: TestClient) -> None:
    sign_up(throttled, "ana")
    for _ in range(3):
        refused(
            throttled.post("/v1/sessions", json={"name": "ana", "password": "guess-guess"}),
            401,
            "sign-in-refused",
        )
    # The fourth try waits, even with the right password.
    blocked = sign_in(throttled, "ana")
    assert "too many failed sign-ins for ana" in refused(blocked, 429, "rate-limited")
    assert int(blocked.headers["Retry-After"]) >= 1
    # Failures count against the address too: three more on other names lock it out.
    for name in ("bo", "cy", "di"):
        refused(
            throttled.post("/v1/sessions", json={"name": name, "password": "guess-guess"}),
            401,
            "sign-in-refused",
        )
    locked = sign_up(throttled, "eve")
    assert refused(locked, 429, "rate-limited").startswith("the bad-tokens limit")


def test_accounts_and_sessions_outlive_a_restart(tmp_path: Path) -> None:
    first = bootstrap(settings(tmp_path))
    client = TestClient(create_app(first))
    sign_up(client, "ana")
    session = sign_in(client, "ana").json()
    first.close()
    second = bootstrap(settings(tmp_path))
    try:
        client = TestClient(create_app(second))
        assert client.get("/v1/me", headers=bearer(session)).json()["account"]["name"] == "ana"
        assert sign_in(client, "ana").status_code == 201
    finally:
        second.close()


def test_the_openapi_documents_each_identity_operations_problem_answers(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        ("post", "/v1/accounts"): {"409", "422"},
        ("post", "/v1/sessions"): {"401", "422", "429"},
        ("post", "/v1/sessions/refresh"): {"401", "422"},
        ("post", "/v1/sessions/switch"): {"401", "403", "422"},
        ("post", "/v1/sessions/sign-out"): {"401", "403", "422"},
        ("get", "/v1/me"): {"401"},
        ("get", "/v1/accounts/{account_name}"): {"401", "403", "404", "422"},
        ("post", "/v1/accounts/{account_name}/roles"): {"401", "403", "404", "409", "422"},
    }
    for (method, path), statuses in expected.items():
        answers = paths[path][method]["responses"]
        assert statuses <= set(answers), (path, set(answers))
        for status in statuses:
            assert "application/problem+json" in answers[status]["content"], (path, status)


def test_a_revoked_powerful_role_refuses_its_sessions_tokens_and_cookies_at_once(
    web: TestClient, auth: Callable[[str, str], Headers]
) -> None:
    admin = auth("admin", "ops")
    sign_up(web, "rita", "viewer")
    grant = {"role": "reviewer", "reason": "joined trust and safety"}
    assert web.post("/v1/accounts/rita/roles", json=grant, headers=admin).status_code == 200
    token = sign_in(web, "rita", role="reviewer").json()
    viewer = sign_in(web, "rita", role="viewer").json()
    cookie = sign_in(web, "rita", role="reviewer", cookie=True)
    assert cookie.status_code == 201, cookie.text
    session_cookie = {"Cookie": f"spotlight_session={cookie.cookies['spotlight_session']}"}
    web.cookies.clear()
    assert web.get("/v1/review/moderation", headers=bearer(token)).status_code == 200
    assert web.get("/v1/me", headers=session_cookie).json()["principal"] == "reviewer:rita"

    revoked = web.post(
        "/v1/accounts/rita/revoked-roles", json={**grant, "reason": "left"}, headers=admin
    )
    assert revoked.status_code == 200, revoked.text

    # The very next request, well within the access token's 15 minutes.
    for headers in (bearer(token), session_cookie):
        answer = web.get("/v1/review/moderation", headers=headers)
        assert "no longer holds the reviewer role" in refused(answer, 401, "unauthenticated")
    # The role anyone may take, in the same account, is untouched.
    assert web.get("/v1/me", headers=bearer(viewer)).json()["principal"] == "viewer:rita"
    # Granted again, a new sign-in works; the old token stays of a grant that ended.
    assert web.post("/v1/accounts/rita/roles", json=grant, headers=admin).status_code == 200
    again = sign_in(web, "rita", role="reviewer").json()
    assert web.get("/v1/review/moderation", headers=bearer(again)).status_code == 200
    refused(web.get("/v1/review/moderation", headers=bearer(token)), 401, "unauthenticated")
