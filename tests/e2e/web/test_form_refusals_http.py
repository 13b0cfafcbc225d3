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
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from application.auth import Role
from entrypoints.bootstrap import Spotlight
from entrypoints.http.app import create_app
from entrypoints.web.pages import PageRoute
from tests.e2e.business.test_campaigns_http import launch_body, terms
from tests.e2e.shop.test_shop_http import listed, register_seller
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
    upload_field: str = "image"  # the file field an upload goes in, and its bytes
    upload_bytes: bytes = PNG


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
            r.BRAND,
            f"/brand/invitations/{own['drafted']}/draft/changes",
            {"reason": "x" * 2001},
            "reason",
        ),
        BadForm(
            r.CREATOR,
            f"/creator/invitations/{own['drafting']}/drafts",
            {"video_id": "the best one", "note": "first cut"},
            "video_id",
            kept="first cut",
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
            r.CREATOR,
            f"/creator/invitations/{own['offered']}/counter-offer",
            {"fee": "twelve", "deliverables": "", "note": "a kept note"},
            "fee",
            kept="a kept note",
        ),
        BadForm(
            r.BRAND,
            f"/brand/invitations/{own['countered']}/counter-offer/decline",
            {"reason": "x" * 2001},
            "reason",
        ),
        BadForm(
            r.SELLER,
            f"/seller/listings/{own['listing']}/photos",
            {},
            "photo",
            upload=True,
            upload_field="photo",
            upload_bytes=b"plain text, not a picture",
        ),
        BadForm(
            r.BRAND,
            "/brand/pulse/exclusions",
            {"category": "not-a-category", "keywords": "", "creators": ""},
            "categories",
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
    "/brand/invitations/{invitation_id}/draft/approval",
    "/brand/invitations/{invitation_id}/counter-offer/acceptance",
    "/shop/orders/{order_id}/delivery",
    "/shop/sales/{order_id}/return-receipt",
}


def routes(found: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, those of the routers the app includes too (FastAPI may keep an included
    router as one route of the app's, holding its own)."""
    for route in found:
        included = getattr(route, "original_router", None)
        yield from routes(included.routes) if included is not None else (route,)


def web_forms(core: Spotlight) -> set[str]:
    """The path of every form of the web app (its routes that take a POST)."""
    return {
        route.path
        for route in routes(create_app(core).routes)
        if isinstance(route, PageRoute) and "POST" in (route.methods or set())
    }


def walked(template: str, paths: list[str]) -> bool:
    pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
    return any(re.fullmatch(pattern, path) for path in paths)


def test_the_walk_covers_every_form_of_the_web_app(core: Spotlight) -> None:
    paths = [form.path for form in forms(dict.fromkeys(OWN, "x"))]
    every = web_forms(core)
    missed = {p for p in every - NOTHING_TYPED if not walked(p, paths)}
    assert "/reviewer/anchors/{video_id}/{title_id}" in every  # the routes were found
    assert missed == set()


def names_field(page: str, field: str) -> bool:
    """The refusal names ``field``: its reason beside it, or a line of the page's summary."""
    beside = re.search(rf'class="error field-error" id="(?:[\w-]+-)?{field}-error"', page)
    return beside is not None or f"<li>{field}: " in page


#: The visitors' own objects the forms are about (``own_things``).
OWN = (
    "admin",
    "campaign",
    "title",
    "title_version",
    "round",
    "drafted",
    "drafting",
    "offered",
    "countered",
    "listing",
)


def _invited(
    client: TestClient, auth: Auth, core: Spotlight, hashtag: str, *, accept: bool = True
) -> tuple[str, str]:
    """A campaign of the brand's whose invitation the creator accepted (or has yet to
    answer): its id and the invitation's."""
    brand, creator = auth("brand", "someone-brand"), auth("creator", "someone-creator")
    body = launch_body(core, hashtag=hashtag)
    campaign = client.post("/v1/campaigns", json=body, headers=brand)
    assert campaign.status_code == 201, campaign.text
    sent = client.post(
        f"/v1/campaigns/{campaign.json()['id']}/invitations",
        json={"creator": "someone-creator", "terms": terms(core, 20_000)},
        headers=brand,
    )
    assert sent.status_code == 201, sent.text
    if not accept:
        return campaign.json()["id"], sent.json()["id"]
    accepted = client.post(f"/v1/invitations/{sent.json()['id']}/acceptance", headers=creator)
    assert accepted.status_code == 200, accepted.text
    return campaign.json()["id"], sent.json()["id"]


def own_things(client: TestClient, auth: Auth, core: Spotlight) -> dict[str, str]:
    """The objects whose pages the forms are on: the visitors' own (the creator's accepted
    invitations: one with a draft awaiting the brand, one awaiting a draft)."""
    creator = auth("creator", "someone-creator")
    profile = client.post("/v1/creators", json={"region": "US"}, headers=creator)
    assert profile.status_code == 201, profile.text
    campaign, drafted = _invited(client, auth, core, "#GlowUpSummer")
    drafting, _invitation = _invited(client, auth, core, "#GlowUpWinter")
    video = client.post(
        "/v1/videos",
        json={"caption": "first cut", "hashtags": [], "category": "beauty"},
        headers=creator,
    )
    assert video.status_code == 201, video.text
    draft = client.post(
        f"/v1/campaigns/{campaign}/drafts", json={"video_id": video.json()["id"]}, headers=creator
    )
    assert draft.status_code == 200, draft.text
    studio = auth("studio", "someone-studio")
    title = client.post("/v1/titles", json={"name": "Dune", "kind": "movie"}, headers=studio)
    assert title.status_code == 201, title.text
    matching = client.get(f"/v1/titles/{title.json()['id']}/matching", headers=studio)
    _season, round_id = a_season_judged_by(client, auth, "someone-judge")
    _campaign, offered = _invited(client, auth, core, "#GlowUpSpring", accept=False)
    _campaign, countered = _invited(client, auth, core, "#GlowUpAutumn", accept=False)
    counter = client.post(
        f"/v1/invitations/{countered}/counter-offer",
        json={"fee": terms(core, 30_000)["fee"], "note": "a little more"},
        headers=creator,
    )
    assert counter.status_code == 200, counter.text
    register_seller(client, auth, "someone-seller")
    listing = listed(client, auth, "someone-seller", "Linen apron")
    return {
        "offered": offered,
        "countered": countered,
        "listing": listing,
        "admin": "someone-admin",
        "campaign": campaign,
        "drafted": drafted,
        "drafting": drafting,
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
        upload = (form.upload_field, ("upload.png", form.upload_bytes, "image/png"))
        files = [upload] if form.upload else None
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


def on_the_page(form: BadForm) -> bool:
    """The form is on the page drawn again (not one about an object that is nowhere, such as
    a score for a track the sheet does not hold, whose reasons only the page's summary can
    show)."""
    about = [form.path, *form.data.values()]
    return not any(str(NOWHERE) in part or "/nobody" in part for part in about)


#: The page of a refusal not drawn on the form (``problem.html``), and the summary of the
#: reasons on the form's page drawn again (``base.html``).
GENERIC = '<ul class="reasons" role="alert">'
SUMMARY = 'class="error-summary" role="alert" id="refused"'
#: Forms whose every field may be left empty (an optional note; a button whose only field
#: is unseen; a refund's amount, the whole order's when left empty).
NOTHING_REQUIRED = {
    "/artist/verification",
    "/creator/notices/read",
    "/shop/sales/{order}/refund",
    "/brand/pulse/exclusions",  # none excluded is a choice
}
#: The fields a form carries unseen, sent by the browser however empty the form is left.
UNSEEN = frozenset({"version", "track_id"})


def test_every_form_left_empty_is_refused_beside_its_field_and_records_nothing(
    client: TestClient, auth: Auth, core: Spotlight
) -> None:
    """Issue 20: a form sent with nothing typed, its fields blank or missing (radios left
    unchosen), is the form's page again (422) with the reasons, beside the fields where the
    form is on the page, never the page of a generic refusal or a fault."""
    visitors = {role: signed_in_as(core, auth, role) for role in Role}
    own = own_things(client, auth, core)
    events = events_recorded(core)
    wrong: list[str] = []
    for form in forms(own):
        if any(walked(path, [form.path]) for path in NOTHING_REQUIRED):
            continue
        web, csrf = visitors[form.role]
        unseen = {k: v for k, v in form.data.items() if k in UNSEEN}
        blank = {k: "" for k in form.data if k not in UNSEEN}
        for sent in ({**blank, **unseen}, unseen):
            answer = web.post(form.path, data={**sent, "csrf_token": csrf}, follow_redirects=False)
            beside = 'class="error field-error"' in answer.text
            if answer.status_code != 422:
                wrong.append(f"{form.path} {sorted(sent)}: {answer.status_code}")
            elif GENERIC in answer.text:
                wrong.append(f"{form.path} {sorted(sent)}: the page of a generic refusal")
            elif not (beside or (not on_the_page(form) and SUMMARY in answer.text)):
                wrong.append(f"{form.path} {sorted(sent)}: no reason beside a field")
    assert wrong == []
    assert events_recorded(core) == events
