"""The bad-input corpus (non-media half): odd and hostile input, each answered 4xx
application/problem+json with a stable type, and nothing stored (no log's head moves).

The corpus is a table: a case names the request and the problem types it may get. To add a
case, add a row. Placeholders in paths and bodies ({artist}, {listing}, {video}) name what the
scene set up; a body given as bytes is sent as it is (for JSON no client would write).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import pytest
from fastapi.testclient import TestClient

from application.auth import Principal, Role
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.photos import plain_photo

SECRET = "e2e-secret-" + "x" * 20
PROBLEM = "application/problem+json"
VALIDATION = "validation-error"

#: Characters a hostile tester puts into every field: NUL, CR LF (header splitting), the
#: right-to-left override (reversed text), a zero-width space (look-alike names), and a
#: lone surrogate (not Unicode at all; only JSON's \\ud800 escape can carry it).
ODD = {
    "nul": "mi\x00a",
    "crlf": "mi\r\nX-Admin: 1",
    "rtl-override": "mi\u202ea",
    "zero-width": "mi\u200ba",
    "non-latin-1": "Ærø\u4e2d",
}
ARTIST = {"name": "Aiko", "region": "JP", "affiliations": [], "bio": ""}
LONE_SURROGATE = '"mi\\ud800a"'


def signed(claims: dict[str, Any]) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    payload = b64(json.dumps(claims).encode())
    digest = hmac.new(SECRET.encode(), f"v1.{payload}".encode(), hashlib.sha256).digest()
    return f"v1.{payload}.{b64(digest)}"


@attrs.frozen
class Case:
    name: str
    method: str
    path: str
    as_: tuple[str, str] | None = ("admin", "ops")
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str | bytes] = attrs.Factory(dict)
    types: tuple[str, ...] = (VALIDATION,)


def _account_cases() -> Iterator[Case]:
    for kind, value in ODD.items():
        yield Case(
            f"artist account {kind}",
            "POST",
            "/v1/artists",
            json={"name": "Mina", "region": "KR", "account": value},
        )
        yield Case(
            f"creator account {kind}",
            "POST",
            "/v1/creators",
            json={"region": "US", "account": value},
        )
        yield Case(
            f"seller account {kind}", "POST", "/v1/sellers", json={"name": "Acme", "account": value}
        )
        yield Case(
            f"title studio {kind}",
            "POST",
            "/v1/titles",
            json={"name": "Dune", "kind": "movie", "studio_id": value},
        )
        yield Case(
            f"video creator {kind}",
            "POST",
            "/v1/videos",
            json={"caption": "x", "category": "pets", "creator_id": value},
        )
        yield Case(
            f"invited creator {kind}",
            "POST",
            "/v1/campaigns/{campaign}/invitations",
            as_=("brand", "glow"),
            json={"creator": value, "terms": {}},
        )
        yield Case(
            f"free text {kind}",
            "POST",
            "/v1/titles",
            as_=("studio", "legendary"),
            json={"name": f"Dune {value}", "kind": "movie"},
            types=(VALIDATION,) if kind in ("nul", "rtl-override", "zero-width") else (),
        )
        for path in ("/v1/artists/{}", "/v1/creators/{}/age-band", "/v1/people/{}/personal-data"):
            yield Case(f"path {path.split('/')[2]} {kind}", "PUT", path.format(quote(value)),
                       json={"name": "x", "region": "KR", "age_band": "18+"})  # fmt: skip


CASES: list[Case] = [
    *(c for c in _account_cases() if c.types),
    Case("lone surrogate in an account", "POST", "/v1/creators",
         content=b'{"region": "US", "account": ' + LONE_SURROGATE.encode() + b"}"),
    Case("lone surrogate in a name", "POST", "/v1/titles", as_=("studio", "legendary"),
         content=b'{"kind": "movie", "name": ' + LONE_SURROGATE.encode() + b"}"),
    Case("JSON nested 100,000 deep", "POST", "/v1/titles", as_=("studio", "legendary"),
         content=b'{"name": "Dune", "kind": "movie", "portal": ' + b"[" * 100_000
         + b"]" * 100_000 + b"}", types=(VALIDATION, "bad-request")),
    Case("JSON objects nested 100,000 deep", "POST", "/v1/clicks", as_=("viewer", "zoe"),
         content=b'{"a":' * 100_000 + b"1" + b"}" * 100_000, types=(VALIDATION, "bad-request")),
    Case("If-Match of 4,300 digits", "PUT", "/v1/artists/aiko", as_=("artist", "aiko"),
         json=ARTIST, headers={"If-Match": '"' + "9" * 4_300 + '"'},
         types=("bad-if-match",)),
    Case("If-Match of superscript digits", "PUT", "/v1/artists/aiko", as_=("artist", "aiko"),
         json=ARTIST, headers={"If-Match": '"\u00b2"'.encode("latin-1")},
         types=("bad-if-match",)),
    Case("token expiring in 10^20 s", "GET", "/v1/creators/mia", as_=None,
         headers={"Authorization": "Bearer " + signed(
             {"role": "admin", "sub": "ops", "exp": 10**20})}, types=("unauthenticated",)),
    Case("token for a subject with CRLF", "POST", "/v1/creators", as_=None,
         json={"region": "US"}, headers={"Authorization": "Bearer " + signed(
             {"role": "creator", "sub": "mia\r\nx", "exp": 4_102_444_800})},
         types=("unauthenticated",)),
    Case("negative order quantity", "POST", "/v1/orders", as_=("viewer", "bob"),
         json={"listing_id": "{listing}", "quantity": -1}, headers={"Idempotency-Key": "n-1"}),
    Case("negative restock", "POST", "/v1/listings/{listing}/restock", as_=("seller", "acme"),
         json={"quantity": -5}),
    Case("negative engagement", "POST", "/v1/engagement",
         json={"batch_key": "neg", "counts": [{"video_id": "{video}", "views": -100}]}),
    Case("negative follower count", "POST", "/v1/creators/mia/followers",
         json={"followers": -1}, types=(VALIDATION, "invalid-value")),
    Case("over-long Idempotency-Key on an order", "POST", "/v1/orders", as_=("viewer", "bob"),
         json={"listing_id": "{listing}", "quantity": 1}, headers={"Idempotency-Key": "k" * 201}),
    Case("over-long Idempotency-Key on a payout", "POST", "/v1/payouts", as_=("creator", "mia"),
         json={"period": "2025-03"}, headers={"Idempotency-Key": "k" * 201}),
    Case("over-long Idempotency-Key on a ballot", "POST", "/v1/rounds/{listing}/ballots",
         as_=("viewer", "bob"), json={"track_id": "{listing}"},
         headers={"Idempotency-Key": "k" * 201}),
    Case("an order's Idempotency-Key reused with another body", "POST", "/v1/orders",
         as_=("viewer", "bob"), json={"listing_id": "{listing}", "quantity": 2},
         headers={"Idempotency-Key": "bob-1"}, types=("rule-violated",)),
]  # fmt: skip


@pytest.fixture(scope="module")
def scene(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Spotlight, dict[str, str]]]:
    directory: Path = tmp_path_factory.mktemp("corpus")
    settings = Settings.from_environ(
        {"SPOTLIGHT_DATA_DIR": str(directory), "SPOTLIGHT_SECRET": SECRET,
         "SPOTLIGHT_RATE_LIMITS": "principal=none,address=none,bad-tokens=none"}
    )  # fmt: skip
    core = bootstrap(settings)
    client = TestClient(create_app(core))

    def call(
        method: str,
        path: str,
        who: tuple[str, str],
        extra: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        headers = {**auth(core, who), **(extra or {})}
        response = client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    call("POST", "/v1/artists", ("artist", "aiko"), json={"name": "Aiko", "region": "JP"})
    call("POST", "/v1/creators", ("creator", "mia"), json={"region": "US"})
    call("POST", "/v1/sellers", ("seller", "acme"), json={"name": "Acme"})
    listing = call(
        "POST", "/v1/listings", ("seller", "acme"),
        data={"title": "Apron", "description": "Linen", "price_minor": "2450",
              "currency": "USD", "stock": "10", "category": "cooking", "attributes": "{}"},
        files=[("image", ("apron.png", plain_photo("apron"), "image/png"))],
    )["id"]  # fmt: skip
    video = call(
        "POST", "/v1/videos", ("creator", "mia"),
        json={"caption": "mia cooks", "hashtags": [], "category": "cooking"},
    )["id"]  # fmt: skip
    call("POST", "/v1/orders", ("viewer", "bob"), json={"listing_id": listing, "quantity": 1},
         extra={"Idempotency-Key": "bob-1"})  # fmt: skip
    yield client, core, {"listing": listing, "video": video, "campaign": video}
    core.close()


def auth(core: Spotlight, who: tuple[str, str] | None) -> dict[str, str]:
    if who is None:
        return {}
    token = core.tokens.issue(Principal(Role(who[0]), who[1]), lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def log_heads(core: Spotlight) -> tuple[int, ...]:
    return tuple(
        app.recorder.max_notification_id() or 0
        for app in (core.catalogue, core.music, core.revenue)
    )


def filled(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, list):
        return [filled(v, names) for v in value]
    if isinstance(value, dict):
        return {k: filled(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_refused_with_a_problem_and_stores_nothing(
    scene: tuple[TestClient, Spotlight, dict[str, str]], case: Case
) -> None:
    client, core, names = scene
    before = log_heads(core)
    headers: dict[str, str | bytes] = {**auth(core, case.as_), **case.headers}
    if case.content is not None:
        headers["Content-Type"] = "application/json"

    response = client.request(
        case.method,
        filled(case.path, names),
        json=filled(case.json, names) if case.content is None else None,
        content=case.content,
        # As bytes: a header value may be Latin-1 that is not ASCII, as on the wire.
        headers={
            name.encode(): value if isinstance(value, bytes) else value.encode("latin-1")
            for name, value in headers.items()
        },
    )

    assert 400 <= response.status_code < 500, response.text[:500]
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].removeprefix("urn:spotlight:problem:") in case.types, problem
    assert problem["detail"]
    assert log_heads(core) == before
