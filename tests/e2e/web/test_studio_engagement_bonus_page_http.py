"""The engagement bonus on a studio's match-policy page: shown as it stands, set through the
form by the same use case as ``PUT .../match-policy``, a bonus out of bounds refused beside
its field with nothing recorded."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.e2e.web.test_studio_policy_pages_http import (
    Auth,
    browser_like,
    form_of,
    matched_video,
    policy_of,
    studio_at_the_form,
)
from tests.e2e.web.test_web_pages_http import signed_in

__all__ = ["browser_like"]  # the fixture, shared


def test_a_studio_sets_an_engagement_bonus_through_the_form_as_the_api_would(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    title_id, web, form = studio_at_the_form(client, browser_like(), auth)
    assert "No engagement bonus" in web.get(f"/studio/titles/{title_id}/policy").text
    form |= {
        "engagement_bonus": "on",
        "bonus_min_views": "20000",
        "bonus_min_likes": "",
        "bonus": "0.15",
    }
    answer = web.post(f"/studio/titles/{title_id}/policy", data=form, follow_redirects=False)

    assert answer.status_code == 303, answer.text
    policy = policy_of(client, auth, title_id)
    assert policy["engagement_bonus"] == {"min_views": 20000, "min_likes": 0, "bonus": 0.15}
    shown = web.get(answer.headers["location"]).text
    assert "adds 0.15 to each signal&#39;s score at 20000 views and 0 likes or more" in shown
    again = form_of(shown)
    assert (again["bonus"], again["bonus_min_views"], again.get("engagement_bonus")) == (
        "0.15",
        "20000",
        "on",
    )


@pytest.mark.parametrize(
    ("typed", "field", "reason"),
    [
        ({"bonus": "0.5"}, "bonus", "less than or equal to 0.2"),
        ({"bonus": ""}, "bonus", "valid number"),
        ({"bonus": "0.1", "bonus_min_views": "-1"}, "bonus_min_views", "greater than or equal"),
    ],
)
def test_a_refused_bonus_is_shown_beside_its_field_and_nothing_is_recorded(
    client: TestClient,
    browser_like: Callable[[], TestClient],
    auth: Auth,
    typed: dict[str, str],
    field: str,
    reason: str,
) -> None:
    title_id, web, form = studio_at_the_form(client, browser_like(), auth)
    before = policy_of(client, auth, title_id)
    answer = web.post(
        f"/studio/titles/{title_id}/policy", data=form | {"engagement_bonus": "on"} | typed
    )
    assert answer.status_code == 422, answer.text
    beside = re.search(rf'<p class="error field-error" id="{field}-error">([^<]+)</p>', answer.text)
    assert beside is not None, answer.text
    assert reason in beside.group(1)
    assert policy_of(client, auth, title_id) == before


def test_a_proposal_shows_the_bonus_it_did_not_earn_yet_on_the_studio_s_list(
    client: TestClient, browser_like: Callable[[], TestClient], auth: Auth
) -> None:
    web = signed_in(browser_like(), "legendary", "studio")
    bonus = {"engagement_bonus": "on", "bonus_min_views": "500", "bonus": "0.1"}
    _dune, proposed = matched_video(client, auth, web, "Dune", bonus)

    page = web.get("/studio/anchors")

    assert page.status_code == 200, page.text
    card = page.text[page.text.index(f'data-video="{proposed}"') :]
    card = card[: card.index("</li>")]
    assert '<tr data-signal="engagement_bonus">' in card
    assert "0 views, 0 likes: bonus not earned" in card
    assert "adds 0.1 to each signal&#39;s score at 500 views and 0 likes or more" in card
