"""Every form of the web app, fed a bad value, is refused by the API's own rule with a 4xx
page that names the field (beside the field where the form is on the page, in the page's
summary otherwise), keeps what was typed and changes nothing.

A form about an object the page does not show (an id of nothing) is refused by the request
body before the use case looks for the object, as the API refuses it, so most forms are
walked on empty queues; those whose page reads the object first (a campaign, a title, a
round, an account) are walked on one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import attrs
from fastapi.testclient import TestClient

from application.auth import Role
from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from entrypoints.web.pages import PageRoute
from tests.e2e.business.test_campaigns_http import launch_body
from tests.e2e.test_bad_media import events_recorded
from tests.e2e.web.test_web_authorisation import a_season_judged_by, signed_in_as

Auth = Callable[[str, str], dict[str, str]]
NOWHERE = uuid.UUID(int=7)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@attrs.frozen
class BadForm:
    role: Role
    path: str
    data: dict[str, str]
    field: str  # the field the refusal names
    kept: str | None = None  # a value typed that the page must show again
    upload: bool = False


def forms(own: dict[str, str]) -> list[BadForm]:
    """Every form that posts something typed, with one bad value each."""
    n = NOWHERE
    r = Role
    return [
        BadForm(
            r.REVIEWER,
            f"/reviewer/anchors/{n}/{n}",
            {"decision": "maybe", "reason": "r", "version": "1"},
            "decision",
        ),
        BadForm(
            r.REVIEWER, f"/reviewer/disputes/{n}", {"decision": "uphold", "reason": ""}, "reason"
        ),
        BadForm(
            r.REVIEWER,
            f"/reviewer/moderation/{n}",
            {"state": "banned", "policy": "p", "reason": "r"},
            "state",
        ),
        BadForm(
            r.REVIEWER, f"/reviewer/reports/{n}", {"decision": "dismiss", "reason": ""}, "reason"
        ),
        BadForm(
            r.REVIEWER, f"/reviewer/appeals/{n}", {"outcome": "maybe", "reason": "r"}, "outcome"
        ),
        BadForm(
            r.REVIEWER,
            f"/reviewer/counterfeit-reports/{n}",
            {"decision": "", "reason": "r"},
            "decision",
        ),
        BadForm(
            r.REVIEWER, f"/reviewer/tracks/{n}", {"decision": "bury", "reason": "r"}, "decision"
        ),
        BadForm(
            r.ADMIN, "/admin/pulse/nobody/decision", {"decision": "approve", "reason": ""}, "reason"
        ),
        BadForm(
            r.ADMIN,
            "/admin/verification/nobody",
            {"decision": "decline", "reason": "", "version": "1"},
            "reason",
        ),
        BadForm(
            r.ADMIN,
            f"/admin/accounts/{own['admin']}/roles",
            {"role": "wizard", "reason": "vetted <b>twice</b>"},
            "role",
            kept="vetted &lt;b&gt;twice&lt;/b&gt;",
        ),
        BadForm(
            r.ADMIN,
            f"/admin/accounts/{own['admin']}/revocations",
            {"role": "", "reason": "gone"},
            "role",
            kept="gone",
        ),
        BadForm(r.ARTIST, "/artist/verification", {"note": "n" * 1001}, "note"),
        BadForm(r.CREATOR, f"/creator/invitations/{n}/decline", {"reason": ""}, "reason"),
        BadForm(r.CREATOR, "/creator/notices/read", {"up_to": "latest"}, "up_to"),
        BadForm(r.VIEWER, f"/shop/orders/{n}/cancellation", {"reason": ""}, "reason"),
        BadForm(r.VIEWER, f"/shop/orders/{n}/return-request", {"reason": ""}, "reason"),
        BadForm(
            r.SELLER, f"/shop/sales/{n}/shipment", {"carrier": "", "tracking": "T1"}, "carrier"
        ),
        BadForm(
            r.SELLER,
            f"/shop/sales/{n}/refund",
            {"amount_minor": "12.50", "currency": "USD"},
            "amount_minor",
        ),
        BadForm(r.SELLER, "/seller/shop", {"name": ""}, "name"),
        BadForm(
            r.SELLER,
            "/seller/listings/new",
            {
                "title": "Mug",
                "price": "twelve",
                "currency": "USD",
                "stock": "3",
                "category": "home",
            },
            "price",
            kept="twelve",
            upload=True,
        ),
        BadForm(
            r.BRAND,
            "/brand/campaigns/new",
            {"name": "", "objective": "awareness", "amount": "100.00", "currency": "USD"},
            "name",
            kept="100.00",
        ),
        BadForm(
            r.BRAND,
            f"/brand/campaigns/{own['campaign']}/invitations",
            {
                "creator": "ana",
                "fee": "1.999",
                "deliverables": "one video",
                "deadline": "2099-01-01",
            },
            "fee",
            kept="one video",
        ),
        BadForm(
            r.STUDIO,
            f"/studio/titles/{own['title']}/policy",
            {
                "version": own["title_version"],
                "text_review_at": "2",
                "text_attach_at": "",
                "text_min_seconds": "0",
                "audio_review_at": "0.5",
                "audio_attach_at": "",
                "audio_min_seconds": "0",
                "visual_review_at": "0.5",
                "visual_attach_at": "",
                "visual_min_seconds": "0",
            },
            "text_review_at",
            kept="2",
        ),
        BadForm(
            r.JUDGE,
            f"/judge/rounds/{own['round']}/scores",
            {"track_id": str(n), "score": "eleven"},
            "score",
        ),
    ]


#: Forms with nothing typed (a step, signing out) and the two walked before signing in.
NOTHING_TYPED = {
    "/sign-in",
    "/sign-up",
    "/sign-out",
    "/creator/invitations/{invitation_id}/acceptance",
    "/shop/orders/{order_id}/delivery",
    "/shop/sales/{order_id}/return-receipt",
}


def web_forms(core: Spotlight) -> set[str]:
    """The path of every form of the web app (its routes that take a POST)."""
    return {
        route.path
        for route in create_app(core).routes
        if isinstance(route, PageRoute) and "POST" in (route.methods or set())
    }


def walked(template: str, paths: list[str]) -> bool:
    pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
    return any(re.fullmatch(pattern, path) for path in paths)


def test_the_walk_covers_every_form_of_the_web_app(core: Spotlight) -> None:
    paths = [
        form.path
        for form in forms(
            dict.fromkeys(("admin", "campaign", "title", "title_version", "round"), "x")
        )
    ]
    missed = {p for p in web_forms(core) - NOTHING_TYPED if not walked(p, paths)}
    assert missed == set()


def names_field(page: str, field: str) -> bool:
    """The refusal names ``field``: its reason beside it, or a line of the page's summary."""
    beside = re.search(rf'class="error field-error" id="(?:[\w-]+-)?{field}-error"', page)
    return beside is not None or f"<li>{field}: " in page


def own_things(client: TestClient, auth: Auth, core: Spotlight) -> dict[str, str]:
    """The objects whose pages the forms are on: the visitors' own."""
    campaign = client.post(
        "/v1/campaigns", json=launch_body(core), headers=auth("brand", "someone-brand")
    )
    assert campaign.status_code == 201, campaign.text
    studio = auth("studio", "someone-studio")
    title = client.post("/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=studio)
    assert title.status_code == 201, title.text
    matching = client.get(f"/v1/titles/{title.json()['id']}/matching", headers=studio)
    _season, round_id = a_season_judged_by(client, auth, "someone-judge")
    return {
        "admin": "someone-admin",
        "campaign": campaign.json()["id"],
        "title": title.json()["id"],
        "title_version": matching.headers["ETag"].strip('W/"'),
        "round": round_id,
    }


def test_every_form_refuses_a_bad_value_with_a_page_naming_the_field(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    visitors = {role: signed_in_as(core, auth, role) for role in Role}
    own = own_things(client, auth, core)
    events = events_recorded(core)
    wrong: list[str] = []
    for form in forms(own):
        web, csrf = visitors[form.role]
        data: dict[str, Any] = {**form.data, "csrf_token": csrf}
        files = [("image", ("mug.png", PNG, "image/png"))] if form.upload else None
        answer = web.post(form.path, data=data, files=files, follow_redirects=False)
        if not 400 <= answer.status_code < 500:
            wrong.append(f"{form.path}: {answer.status_code}")
        elif not names_field(answer.text, form.field):
            wrong.append(f"{form.path}: {answer.status_code} does not name {form.field}")
        elif form.kept is not None and form.kept not in answer.text:
            wrong.append(f"{form.path}: what was typed in {form.field} is not kept")
    assert wrong == []
    assert events_recorded(core) == events


def test_the_sign_in_and_sign_up_forms_name_the_field_and_keep_the_name(core: Spotlight) -> None:
    web = TestClient(create_app(core), base_url="https://testserver")
    form = web.get("/sign-up")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    short = web.post(
        "/sign-up",
        data={"name": "bo", "password": "short", "role": "studio", "csrf_token": token.group(1)},
    )
    odd = web.post(
        "/sign-in",
        data={"name": "no spaces!", "password": "x", "csrf_token": token.group(1)},
    )

    assert short.status_code == 422
    assert names_field(short.text, "password")
    assert 'value="bo"' in short.text
    assert 'aria-describedby="password-error password-help"' in short.text
    assert odd.status_code == 422
    assert names_field(odd.text, "name")
    assert 'value="no spaces!"' in odd.text
