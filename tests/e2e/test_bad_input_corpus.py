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
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
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
from tests.media import corpus
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
#: What free text may not hold (``domain.text``), and what a name (one line) may not hold.
UNSAFE = {k: ODD[k] for k in ("nul", "rtl-override", "zero-width")}
BROKEN_LINES = {"crlf": ODD["crlf"], "lf": "Night\nDrive"}
SONG_WAV = corpus.audio_only_wav(corpus.reference_clip(201, seconds=12))
OTHER_WAV = corpus.audio_only_wav(corpus.reference_clip(202, seconds=12))
PHOTO = plain_photo("apron")
LISTING_FORM = {
    "title": "Apron",
    "description": "Linen",
    "price_minor": "2450",
    "currency": "USD",
    "stock": "10",
    "category": "cooking",
    "attributes": "{}",
}
SEASON_NAME = "Tokyo Sounds"


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
    #: Multipart form fields, sent with one file (``file_field``) of ``file`` bytes.
    form: dict[str, str] | None = None
    file_field: str = "media"
    file: bytes = b""
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
            # A name is one line: CR LF passes the body's check, the domain refuses it.
            types={
                "nul": (VALIDATION,),
                "rtl-override": (VALIDATION,),
                "zero-width": (VALIDATION,),
                "crlf": ("invalid-value",),
            }.get(kind, ()),
        )
        for path in ("/v1/artists/{}", "/v1/creators/{}/age-band", "/v1/people/{}/personal-data"):
            yield Case(f"path {path.split('/')[2]} {kind}", "PUT", path.format(quote(value)),
                       json={"name": "x", "region": "KR", "age_band": "18+"})  # fmt: skip


def _multipart_cases() -> Iterator[Case]:
    """Free text in multipart forms: the domain's rule holds whatever the body's form."""
    either = (VALIDATION, "invalid-value")
    for kind, value in {**UNSAFE, **BROKEN_LINES}.items():
        yield Case(f"track title {kind}", "POST", "/v1/artists/aiko/tracks",
                   as_=("artist", "aiko"), form={"title": f"Night {value}"}, file=SONG_WAV,
                   types=either)  # fmt: skip
        yield Case(f"listing title {kind}", "POST", "/v1/listings", as_=("seller", "acme"),
                   form={**LISTING_FORM, "title": f"Apron {value}"}, file_field="image",
                   file=PHOTO, types=either)  # fmt: skip
    for kind, value in UNSAFE.items():
        yield Case(f"listing description {kind}", "POST", "/v1/listings", as_=("seller", "acme"),
                   form={**LISTING_FORM, "description": f"Linen {value}"}, file_field="image",
                   file=PHOTO, types=either)  # fmt: skip
        yield Case(f"video caption {kind}", "POST", "/v1/videos", as_=("creator", "mia"),
                   form={"caption": f"mia {value}", "category": "cooking"}, file=SONG_WAV,
                   types=either)  # fmt: skip
        yield Case(f"video hashtags {kind}", "POST", "/v1/videos", as_=("creator", "mia"),
                   form={"caption": "mia", "hashtags": f"cook,{value}", "category": "cooking"},
                   file=SONG_WAV, types=either)  # fmt: skip


def _number_as_time_cases() -> Iterator[Case]:
    """A number where a date or a time goes is refused, not read as seconds since 1970."""
    flight = {
        "name": "Fizz",
        "category": "cooking",
        "budget": {"minor": 1_000, "currency": "USD"},
        "cpm": {"minor": 100, "currency": "USD"},
        "ends_at": "2099-01-01T00:00:00Z",
    }
    campaign = {
        "name": "Glow",
        "objective": "engagement",
        "budget": {"minor": 1_000, "currency": "USD"},
        "ends_on": "2099-01-01",
        "categories": ["beauty"],
        "regions": ["US"],
        "kpis": [{"kpi": "views", "target": 10}],
        "hashtag": "#g0",
    }
    person = {"name": "Mia", "contact": "mia@example.org"}
    plan = {"name": "Final", "cut_size": 1, "closes_at": "2099-01-01T00:00:00Z"}
    season = {
        "name": "Tokyo",
        "region": "JP",
        "partners": ["Aozora Records"],
        "judges": [{"judge_id": "ren", "partner": "Aozora Records"}],
    }
    for number in (0, "0", 1_700_000_000, "1700000000"):
        yield Case(
            f"Pulse campaign starts_at {number!r}",
            "POST",
            "/v1/pulse/campaigns",
            as_=("brand", "fizz"),
            json={**flight, "starts_at": number},
        )
        yield Case(
            f"campaign starts_on {number!r}",
            "POST",
            "/v1/campaigns",
            as_=("brand", "glow"),
            json={**campaign, "starts_on": number},
        )
        yield Case(
            f"date_of_birth {number!r}",
            "PUT",
            "/v1/people/mia/personal-data",
            as_=("creator", "mia"),
            json={**person, "date_of_birth": number},
        )
        yield Case(
            f"followers counted_at {number!r}",
            "POST",
            "/v1/creators/mia/followers",
            json={"followers": 10, "counted_at": number},
        )
        yield Case(
            f"round opens_at {number!r}",
            "POST",
            "/v1/seasons",
            json={**season, "rounds": [{**plan, "opens_at": number}]},
        )
        yield Case(
            f"studio analytics as_of={number}",
            "GET",
            f"/v1/studios/legendary/analytics?as_of={number}",
            as_=("studio", "legendary"),
        )
        yield Case(
            f"campaign dashboard as_of={number}",
            "GET",
            f"/v1/campaigns/{{campaign}}/dashboard?as_of={number}",
            as_=("brand", "glow"),
        )
    yield Case(
        "a time without its offset",
        "POST",
        "/v1/pulse/campaigns",
        as_=("brand", "fizz"),
        json={**flight, "starts_at": "2025-03-01T20:00:00"},
    )


CASES: list[Case] = [
    *(c for c in _account_cases() if c.types),
    *_multipart_cases(),
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
    *_number_as_time_cases(),
    Case("a payout's Idempotency-Key reused for another period", "POST", "/v1/payouts",
         as_=("creator", "mia"), json={"period": "2025-04"},
         headers={"Idempotency-Key": "mia-pay"}, types=("rule-violated",)),
    Case("a ballot's Idempotency-Key reused for another entry", "POST",
         "/v1/rounds/{round}/ballots", as_=("viewer", "bob"), json={"track_id": "{other_track}"},
         headers={"Idempotency-Key": "bob-vote"}, types=("rule-violated",)),
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
    call("POST", "/v1/creators/mia/followers", ("admin", "counter"), json={"followers": 150_000})
    call("POST", "/v1/pulse/enrolments", ("creator", "mia"), json={})
    call("POST", "/v1/pulse/enrolments/mia/decision", ("admin", "ops"),
         json={"approve": True, "reason": "meets the criteria"})  # fmt: skip
    earn(call, video)
    call("POST", "/v1/payouts", ("creator", "mia"), json={"period": "2025-03"},
         extra={"Idempotency-Key": "mia-pay"})  # fmt: skip
    earn(call, video)  # so that a payout for another period would have something to pay
    round_id, track, other_track = open_round(call)
    call("POST", f"/v1/rounds/{round_id}/ballots", ("viewer", "bob"), json={"track_id": track},
         extra={"Idempotency-Key": "bob-vote"})  # fmt: skip
    yield client, core, {"listing": listing, "video": video, "campaign": video,
                         "round": round_id, "track": track, "other_track": other_track}  # fmt: skip
    core.close()


Call = Callable[..., Any]


def earn(call: Call, video: str) -> None:
    """mia's video earns her Pulse revenue: a brand's campaign runs and the ad server
    reports impressions beside her video (mia is enrolled in Pulse)."""
    now = datetime.now(UTC)
    campaign = call("POST", "/v1/pulse/campaigns", ("brand", "fizz"), json={
        "name": "Spring bake-off", "category": "cooking",
        "budget": {"minor": 100_000, "currency": "USD"},
        "cpm": {"minor": 1_000, "currency": "USD"},
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat()})["id"]  # fmt: skip
    call("POST", "/v1/pulse/impressions", ("admin", "ad-server"), json={
        "batch_key": campaign, "campaign_id": campaign,
        "placements": [{"video_id": video, "impressions": 2_000}]})  # fmt: skip


def open_round(call: Call) -> tuple[str, str, str]:
    """A season's first round, open, with two cleared tracks entered."""
    call("POST", "/v1/artists", ("artist", "kenji"), json={"name": "Kenji", "region": "JP"})
    tracks = []
    for artist, song in (("aiko", SONG_WAV), ("kenji", OTHER_WAV)):
        track = call("POST", f"/v1/artists/{artist}/tracks", ("artist", artist),
                     data={"title": f"{artist}'s song"},
                     files={"media": ("song.wav", song, "audio/wav")})["id"]  # fmt: skip
        call("POST", f"/v1/review/tracks/{track}", ("reviewer", "rita"),
             json={"decision": "clear", "reason": "original"})  # fmt: skip
        tracks.append(track)
    now = datetime.now(UTC)
    season = call("POST", "/v1/seasons", ("admin", "ops"), json={
        "name": SEASON_NAME, "region": "JP", "partners": ["Aozora Records"],
        "judges": [{"judge_id": "ren", "partner": "Aozora Records"}],
        "rounds": [{"name": "Final", "cut_size": 1, "opens_at": now.isoformat(),
                    "closes_at": (now + timedelta(days=30)).isoformat()}]})  # fmt: skip
    for artist, track in zip(("aiko", "kenji"), tracks, strict=True):
        call("POST", f"/v1/seasons/{season['id']}/entries", ("artist", artist),
             json={"track_id": track})  # fmt: skip
    [round_id] = season["round_ids"]
    call("POST", f"/v1/rounds/{round_id}/open", ("admin", "ops"),
         json={"reason": "ahead of the plan"})  # fmt: skip
    return round_id, tracks[0], tracks[1]


def auth(core: Spotlight, who: tuple[str, str] | None) -> dict[str, str]:
    if who is None:
        return {}
    token = core.tokens.issue(Principal(Role(who[0]), who[1]), lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def log_heads(core: Spotlight) -> tuple[int, ...]:
    return tuple(
        app.recorder.max_notification_id() or 0
        for app in (core._catalogue, core._music, core._revenue)
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
        data=case.form,
        files=None if case.form is None else {case.file_field: ("upload", case.file)},
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


RETRIES = {
    "order": ("POST", "/v1/orders", ("viewer", "bob"), {"listing_id": "{listing}", "quantity": 1},
              "bob-1"),
    "payout": ("POST", "/v1/payouts", ("creator", "mia"), {"period": "2025-03"}, "mia-pay"),
    "ballot": ("POST", "/v1/rounds/{round}/ballots", ("viewer", "bob"), {"track_id": "{track}"},
               "bob-vote"),
}  # fmt: skip


@pytest.mark.parametrize("retry", RETRIES.values(), ids=RETRIES.keys())
def test_a_retry_with_the_same_key_and_body_answers_as_the_first_time_and_stores_nothing(
    scene: tuple[TestClient, Spotlight, dict[str, str]],
    retry: tuple[str, str, tuple[str, str], dict[str, str], str],
) -> None:
    client, core, names = scene
    method, path, who, body, key = retry
    before = log_heads(core)

    answers = [
        client.request(
            method,
            filled(path, names),
            json=filled(body, names),
            headers={**auth(core, who), "Idempotency-Key": key},
        )
        for _ in range(2)
    ]

    # The first request's answer, status (201) and all, marked as a replay.
    assert [answer.status_code for answer in answers] == [201, 201], answers[0].text
    assert [answer.headers["idempotent-replayed"] for answer in answers] == ["true", "true"]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["replayed"] is True
    assert log_heads(core) == before
