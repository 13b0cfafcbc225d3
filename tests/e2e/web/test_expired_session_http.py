"""A session that expires while a person is on a page: the next page they open, or the next
form they send, takes them to sign in, and signing in takes them back to that page (a form
is not sent again: they see the page it was on and send it afresh)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from application.identity.accounts import COOKIE_LIFETIME
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from tests.e2e.conftest import e2e_settings
from tests.fakes import FixedClock

PASSWORD = "correct horse battery"
PAGE = "/creator/invitations?done=accepted"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def timed_core(tmp_path: Path, clock: FixedClock) -> Iterator[Spotlight]:
    running = bootstrap(e2e_settings(tmp_path), clock=clock)
    yield running
    running.close()


def csrf_of(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found is not None, text
    return found.group(1)


def sign_in(web: TestClient, next_page: str = "/") -> str:
    """Signs ana in through the form; where it then sends her."""
    form = web.get("/sign-in", params={"next": next_page})
    answer = web.post(
        "/sign-in",
        data={
            "name": "ana",
            "password": PASSWORD,
            "next": re.findall(r'name="next" value="([^"]*)"', form.text)[0].replace("&amp;", "&"),
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


@pytest.fixture
def web(timed_core: Spotlight) -> TestClient:
    client = TestClient(create_app(timed_core), base_url="https://testserver")
    made = client.post(
        "/v1/accounts", json={"name": "ana", "password": PASSWORD, "role": "creator"}
    )
    assert made.status_code == 201, made.text
    sign_in(client)
    return client


def test_a_page_opened_after_the_session_expired_comes_back_after_signing_in(
    web: TestClient, clock: FixedClock
) -> None:
    assert web.get(PAGE).status_code == 200
    clock.advance(COOKIE_LIFETIME + timedelta(minutes=1))

    answer = web.get(PAGE, follow_redirects=False)

    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query)["next"] == [PAGE]
    assert sign_in(web, parse_qs(location.query)["next"][0]) == PAGE
    assert web.get(PAGE).status_code == 200


def test_a_form_sent_after_the_session_expired_leads_back_to_its_page(
    web: TestClient, clock: FixedClock
) -> None:
    page = web.get(PAGE)
    clock.advance(COOKIE_LIFETIME + timedelta(minutes=1))

    answer = web.post(
        "/creator/notices/read",
        data={"up_to": "1", "csrf_token": csrf_of(page.text)},
        headers={"Referer": f"https://testserver{PAGE}"},
        follow_redirects=False,
    )
    elsewhere = web.post(
        "/creator/notices/read",
        data={"up_to": "1", "csrf_token": csrf_of(page.text)},
        headers={"Referer": "https://evil.example/creator/invitations"},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["next"] == [PAGE]
    assert parse_qs(urlsplit(elsewhere.headers["location"]).query)["next"] == ["/"]
