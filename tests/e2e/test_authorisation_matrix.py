"""The authorisation matrix: every operation of the app's OpenAPI, called without a token,
with a forged and an expired one, and as every role — the owner of the objects it names
(subject ``x1``), another subject of the same role (``x2``), a look-alike (``X1``), and so
the owner's subject under every other role — against the policy table
(``entrypoints.http.policy``). An operation without a row fails the test.

Expected: 401 without a token (public operations excepted); 403 problem+json for a role the
row does not allow, and for a subject that does not own the object where the row is owner
only; anything but 401/403 for an allowed call (a 404, 409 or 422 after authorisation is
fine: the bodies are only valid by the schema). Bodies are made from the OpenAPI schema, so
a refused call is refused by the use case, never by validation.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from fastapi.testclient import TestClient

from adapters.storage import parse_store
from adapters.tokens import TokenSigner
from application.auth import Principal, Role
from domain.anchors.titles import TitleKind
from domain.business.campaigns import Kpi, KpiTarget
from domain.business.invitations import Terms
from domain.money import Money
from entrypoints.bootstrap import Spotlight, bootstrap
from entrypoints.http.app import create_app
from entrypoints.http.policy import POLICY, Access, markdown
from entrypoints.settings import DEFAULT_RATE_LIMITS, NO_LIMIT, Settings
from tests.catalogue_driver import CatalogueDriver
from tests.conftest import TEST_SECRET
from tests.fakes import OPENING_NIGHT, FixedClock
from tests.photos import plain_photo

Json = dict[str, Any]
OWNER, OTHER, LOOKALIKE = "x1", "x2", "X1"  # subjects are compared exactly
SUBJECTS = (OWNER, OTHER, LOOKALIKE)
NOWHERE = UUID(int=404)  # an id nothing has
MATRIX_PASSWORD = "matrix password"
METHOD_ORDER = {"get": 0, "put": 1, "post": 2, "patch": 3, "delete": 4}


@attrs.frozen
class World:
    """The objects the matrix names, each owned by principals with subject ``x1``."""

    ids: Mapping[str, str]  # path parameter -> value
    owners: Mapping[str, frozenset[str]]  # path parameter -> labels owning what it names


def as_(role: Role, subject: str = OWNER) -> Principal:
    return Principal(role, subject)


def build(core: Spotlight) -> World:
    now = OPENING_NIGHT
    admin, reviewer = as_(Role.ADMIN, "ops"), as_(Role.REVIEWER, "rita")
    studio, creator, brand = as_(Role.STUDIO), as_(Role.CREATOR), as_(Role.BRAND)
    seller, viewer, artist = as_(Role.SELLER), as_(Role.VIEWER), as_(Role.ARTIST)

    title = core.anchoring.register_title(studio, name="Dune", kind=TitleKind.MOVIE)
    core.creators.register(creator, region="US")
    video = CatalogueDriver(core).publish_video(
        creator, caption="worm ride", hashtags=["#dune"], category="film-and-tv"
    )
    core.cataloguing.attach_anchor(reviewer, video.id, title.id)
    core.discovery.register_artist(artist, name="X One", region="US")
    core.shop.register_seller(seller, name="X One Goods")
    listing = core.shop.list_product(
        seller,
        title="Desert scarf",
        description="",
        price=Money(1_500, "USD"),
        stock=50,
        category="fashion",
        images=[plain_photo("scarf")],
    )
    # A seller's account never buys from itself, under any role: the buyer is someone else.
    buyer = as_(Role.VIEWER, "v9")
    order = core.shop.place_order(buyer, listing_id=listing.id, quantity=1, order_key="o1")
    report = core.reports.file(viewer, listing.id, reason="looks fake")
    video_report = core.video_reports.report(viewer, video.id, reason="spam")
    campaign = core.campaigns.launch(
        brand,
        name="Desert glow",
        objective="awareness",
        budget=Money(500_000, "USD"),
        starts_on=now.date(),
        ends_on=now.date() + timedelta(days=30),
        categories=["film-and-tv"],
        regions=["US"],
        kpis=[KpiTarget(Kpi.VIEWS, 100)],
        hashtag="#desertglow",
    )
    terms = Terms(Money(100_00, "USD"), "one video", now.date() + timedelta(days=20))
    invitation = core.campaigns.invite(brand, campaign.id, creator=OWNER, terms=terms)
    core.campaigns.accept(creator, invitation.id)
    effect = core.campaigns.register_effect(brand, campaign.id, name="Glow", asset="glow-v1")
    pulse = core.pulse.launch_campaign(
        brand,
        name="Fizz",
        category="film-and-tv",
        budget=Money(100_00, "USD"),
        cpm=Money(4_00, "USD"),
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )
    rooms = core.studios.open_studio(
        admin,
        city="Paris",
        name="Live loft",
        rooms=["A"],
        opens_hour=9,
        closes_hour=21,
        price=Money(150_00, "EUR"),
    )
    slot = core.studios.book(
        creator, rooms.id, room="A", starts_at=datetime(2025, 3, 10, 9, tzinfo=UTC)
    )
    core.studios.sponsor(brand, slot.slot_id)
    core.personal_data.record(
        creator, creator, name="X One", contact="x1@example.org", date_of_birth=date(1990, 1, 1)
    )
    core.campaigns.deliver(creator, invitation.id, video.id)
    core.campaigns.approve_delivery(brand, invitation.id)
    payout = core.payouts.request(creator, period="2025-03")
    core.accounts.sign_up(OWNER, MATRIX_PASSWORD, Role.CREATOR)

    def owned(*roles: Role) -> frozenset[str]:
        return frozenset(as_(role).label for role in roles)

    ids = {
        "title_id": str(title.id),
        "video_id": str(video.id),
        "listing_id": str(listing.id),
        "order_id": str(order.id),
        "report_id": str(report.id),
        "video_report_id": str(video_report.id),
        "campaign_id": str(campaign.id),
        "pulse_campaign_id": str(pulse.id),
        "invitation_id": str(invitation.id),
        "effect_id": str(effect.id),
        "payout_id": str(payout.id),
        "studio_id": str(rooms.id),
        "slot_id": str(slot.slot_id),
        "account": OWNER,
        "creator": OWNER,
        "brand": OWNER,
        "studio_account": OWNER,
        "account_id": f"creator:{OWNER}:payable:USD",
        "month": "2025-03",
        "category": "fashion",
        "role": Role.CREATOR.value,
        "subject": OWNER,
        "account_name": OWNER,
    }
    owners = {
        "title_id": owned(Role.STUDIO),
        # the video's creator, and the studio whose title it is anchored to
        "video_id": owned(Role.CREATOR, Role.STUDIO),
        "listing_id": owned(Role.SELLER),
        "order_id": owned(Role.SELLER) | {buyer.label},
        "report_id": owned(Role.VIEWER),
        # its reporter, and the video's creator
        "video_report_id": owned(Role.VIEWER, Role.CREATOR),
        "campaign_id": owned(Role.BRAND),
        "pulse_campaign_id": owned(Role.BRAND),
        "invitation_id": owned(Role.BRAND, Role.CREATOR),
        "slot_id": owned(Role.CREATOR, Role.BRAND),
        "payout_id": owned(Role.CREATOR),
        "creator": owned(Role.CREATOR),
        "brand": owned(Role.BRAND),
        "studio_account": owned(Role.STUDIO),
        "account_id": owned(Role.CREATOR),
        "subject": owned(Role.CREATOR),
        # x1's built-in account holds the creator role only
        "account_name": owned(Role.CREATOR),
    }
    return World(ids=ids, owners=owners)


#: Where one path's parameter names something else than the parameter's usual meaning.
PARAMETERS: Mapping[str, Mapping[str, str]] = {
    "/v1/pulse/campaigns/{campaign_id}": {"campaign_id": "pulse_campaign_id"},
    "/v1/pulse/campaigns/{campaign_id}/inventory": {"campaign_id": "pulse_campaign_id"},
    "/v1/pulse/campaigns/{campaign_id}/report": {"campaign_id": "pulse_campaign_id"},
    "/v1/pulse/campaigns/{campaign_id}/report.csv": {"campaign_id": "pulse_campaign_id"},
    "/v1/studios/{studio_id}/analytics": {"studio_id": "studio_account"},
    "/v1/studios/{studio_id}/analytics/titles/{title_id}/videos": {"studio_id": "studio_account"},
    "/v1/studios/{studio_id}/analytics/titles/{title_id}/videos.csv": {
        "studio_id": "studio_account"
    },
}
#: Whose ``{account}`` an account path names.
ACCOUNT_OWNER = {"/v1/creators/": Role.CREATOR, "/v1/artists/": Role.ARTIST}
#: Operations whose owner the body names (the fixture's body names x1's object).
BODY_OWNERS: Mapping[str, frozenset[str]] = {
    "POST /v1/campaigns/{campaign_id}/videos": frozenset({"creator:x1"}),
    "POST /v1/bookings/{slot_id}/samples": frozenset({"seller:x1"}),
    "POST /v1/campaigns/{campaign_id}/drafts": frozenset({"creator:x1"}),
}
#: Bodies the schema alone would make harmful to the rest of the matrix, or that it cannot
#: make; what matters is that they are valid, not that they succeed.
BODIES: Mapping[str, Json] = {
    "POST /v1/videos/{video_id}/moderation": {"state": "clear", "reason": "ok", "policy": "p1"},
    "PUT /v1/creators/{account}/age-band": {"band": "18+"},
    "PUT /v1/people/{role}/{subject}/personal-data": {
        "name": "X One",
        "contact": "x1@example.org",
        "date_of_birth": "1990-01-01",
    },
    "POST /v1/review/disputes/{video_id}": {"decision": "dismiss", "reason": "stays"},
    "POST /v1/payouts/{payout_id}/settlement": {"outcome": "sent", "reference": "r1"},
    "POST /v1/sessions": {"name": OWNER, "password": MATRIX_PASSWORD},
}
#: Public operations that authenticate by a credential in the body (a refresh token): the
#: schema's body names no session, so every call is 401, with or without a token.
CREDENTIALS_IN_BODY = frozenset({"POST /v1/sessions/refresh", "POST /v1/sessions/switch"})
#: Required query parameters whose schema does not say what a valid value is.
QUERIES: Mapping[str, Mapping[str, str]] = {"GET /v1/audit/events": {"log": "catalogue"}}


# Bodies from the schema ----------------------------------------------------------------------


class Schemas:
    def __init__(self, spec: Json, world: World) -> None:
        self.spec = spec
        self.world = world

    def resolve(self, schema: Json) -> Json:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.spec["components"]["schemas"][name]
        return schema

    def example(self, schema: Json, name: str = "") -> Any:
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if self.resolve(s).get("type") != "null"]
                return self.example(options[0], name)
        if "allOf" in schema:
            return self.example(schema["allOf"][0], name)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if schema.get("examples"):
            return schema["examples"][0]
        if "example" in schema:
            return schema["example"]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind = schema.get("type", "object")
        if kind == "object":
            required = schema.get("required", [])
            properties = schema.get("properties", {})
            return {key: self.example(properties[key], key) for key in required}
        if kind == "array":
            count = max(1, schema.get("minItems", 1))
            return [self.example(schema.get("items", {}), name) for _ in range(count)]
        if kind == "integer":
            return max(1, schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        return self.text(schema, name)

    def text(self, schema: Json, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return self.world.ids.get(name, str(NOWHERE))
        if fmt == "date-time":
            return "2025-03-10T10:00:00Z"
        if fmt == "date":
            return "2025-03-10"
        if fmt == "binary":
            return "x"
        pattern = schema.get("pattern")
        if pattern:
            return sample_of(pattern)
        return "x" * max(2, int(schema.get("minLength", 2)))


def sample_of(pattern: str) -> str:
    """A string matching the few patterns the API's schemas use."""
    for candidate in ("USD", "US", "#desertglow", "x1", "2025-03", "abc", "a"):
        if re.fullmatch(pattern, candidate):
            return candidate
    raise AssertionError(f"no sample matches {pattern!r}: add one")


# The matrix ---------------------------------------------------------------------------------


@attrs.frozen
class Call:
    key: str  # "METHOD /path"
    method: str
    path: str
    access: Access
    owners: frozenset[str] | None  # None: the fixture names nothing owned here
    body: Json | None
    multipart: bool
    query: Mapping[str, str] = {}
    headers: Mapping[str, str] = {}


@pytest.fixture(scope="module")
def matrix() -> Iterator[tuple[TestClient, Spotlight, list[Call]]]:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            store=parse_store("memory://"),
            data_dir=Path(directory),
            secret=TEST_SECRET,
            # Thousands of calls from one address, hundreds with bad tokens: each must reach
            # its operation's authorisation, not a 429 (the limits are tested on their own).
            rate_limits=dict.fromkeys(DEFAULT_RATE_LIMITS, NO_LIMIT),
        )
        core = bootstrap(settings, clock=FixedClock(OPENING_NIGHT))
        try:
            world = build(core)
            app = create_app(core)
            yield TestClient(app), core, calls(app.openapi(), world)
        finally:
            core.close()


def calls(spec: Json, world: World) -> list[Call]:
    schemas = Schemas(spec, world)
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            access = POLICY.get(key)
            if access is None:
                found.append(Call(key, method, path, Access(frozenset(), frozenset(), False, ""),
                                  None, None, False))  # fmt: skip
                continue
            concrete, owners = path, set[str]()
            for name in re.findall(r"{(\w+)}", path):
                meaning = PARAMETERS.get(path, {}).get(name, name)
                concrete = concrete.replace(f"{{{name}}}", world.ids.get(meaning, str(NOWHERE)))
                owners |= world.owners.get(meaning, frozenset())
                if name == "account":
                    owners |= {
                        as_(role).label
                        for prefix, role in ACCOUNT_OWNER.items()
                        if path.startswith(prefix)
                    }
            owners |= BODY_OWNERS.get(key, frozenset())
            body, multipart = None, False
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = BODIES.get(key) or schemas.example(content["application/json"]["schema"])
            elif "multipart/form-data" in content:
                multipart = True
                body = schemas.example(content["multipart/form-data"]["schema"])
            query, headers = dict(QUERIES.get(key, {})), {}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header" and parameter.get("required"):
                    headers[parameter["name"]] = "matrix-1"
                elif parameter["in"] == "query" and parameter.get("required"):
                    query.setdefault(parameter["name"], str(schemas.example(parameter["schema"])))
            owning = frozenset(owners) or None
            found.append(
                Call(key, method, concrete, access, owning, body, multipart, query, headers)
            )
    return sorted(found, key=lambda c: METHOD_ORDER[c.method])


def allowed(call: Call, who: Principal) -> bool:
    if who.role not in call.access.roles:
        return False
    if who.role in call.access.owners and call.owners is not None:
        return who.label in call.owners
    return True


def principals(call: Call) -> list[Principal]:
    """Everyone, refused first (an allowed call may change what the next one finds), then
    the owners, then the others."""
    everyone = [as_(role, subject) for role in Role for subject in SUBJECTS]
    refused = [p for p in everyone if not allowed(call, p)]
    owning = [p for p in everyone if allowed(call, p) and call.owners and p.label in call.owners]
    rest = [p for p in everyone if allowed(call, p) and p not in owning]
    return refused + owning + rest


def send(client: TestClient, call: Call, token: Mapping[str, str]) -> Any:
    headers, params = {**call.headers, **token}, dict(call.query)
    if call.multipart:
        assert call.body is not None
        upload = ("x.bin", b"x", "application/octet-stream")
        files = [
            (key, upload)
            for key, value in call.body.items()
            for _ in (value if isinstance(value, list) else [value] if value == "x" else [])
        ]
        data = {k: v for k, v in call.body.items() if k not in dict(files)}
        return client.request(
            call.method, call.path, headers=headers, params=params, data=data, files=files
        )
    return client.request(call.method, call.path, headers=headers, params=params, json=call.body)


def test_every_operation_answers_every_role_as_the_policy_says(
    matrix: tuple[TestClient, Spotlight, list[Call]],
) -> None:
    client, core, operations = matrix
    unlisted = [c.key for c in operations if not c.access.roles]
    assert unlisted == [], f"operations without a row in entrypoints/http/policy.py: {unlisted}"
    tokens = {
        p: {"Authorization": f"Bearer {core.tokens.issue(p, lifetime=timedelta(hours=1))}"}
        for p in (as_(role, s) for role in Role for s in SUBJECTS)
    }
    forged = {"Authorization": "Bearer v1.e30.bm90LWEtc2lnbmF0dXJl"}
    # Signed with the service's secret an hour before opening night, for one minute.
    expired = TokenSigner(TEST_SECRET, FixedClock(OPENING_NIGHT - timedelta(hours=1))).issue(
        as_(Role.ADMIN), lifetime=timedelta(minutes=1)
    )
    violations: list[str] = []
    requests = 0
    for call in operations:
        if call.key in CREDENTIALS_IN_BODY:
            for headers in ({}, forged, *tokens.values()):
                response = send(client, call, headers)
                requests += 1
                if response.status_code != 401:
                    violations.append(f"{call.key}: {response.status_code}, not 401")
            continue
        for headers, label, expected in (
            ({}, "no token", None if call.access.public else 401),
            (forged, "forged token", None if call.access.public else 401),
            ({"Authorization": f"Bearer {expired}"}, "expired token",
             None if call.access.public else 401),
        ):  # fmt: skip
            response = send(client, call, headers)
            requests += 1
            if expected is None and response.status_code in (401, 403):
                violations.append(f"{call.key} {label}: {response.status_code}, public")
            elif expected is not None and response.status_code != expected:
                violations.append(f"{call.key} {label}: {response.status_code}, not 401")
        for who in principals(call):
            response = send(client, call, tokens[who])
            requests += 1
            status = response.status_code
            if allowed(call, who):
                if status in (401, 403) or status >= 500:
                    violations.append(f"{call.key} as {who.label}: {status}, allowed by the "
                                      f"policy ({response.text[:160]})")  # fmt: skip
            elif status != 403 or response.headers["content-type"] != "application/problem+json":
                violations.append(f"{call.key} as {who.label}: {status}, not 403 "
                                  f"({response.text[:160]})")  # fmt: skip
    print(f"\nauthorisation matrix: {len(operations)} operations, {requests} requests")
    assert requests >= 3_500
    assert violations == [], f"{len(violations)} violations:\n" + "\n".join(violations)


def test_every_row_of_the_policy_is_an_operation_of_the_app(
    matrix: tuple[TestClient, Spotlight, list[Call]],
) -> None:
    _client, _core, operations = matrix
    assert set(POLICY) - {c.key for c in operations} == set()


def test_architecture_prints_the_policy_as_the_code_has_it() -> None:
    text = (Path(__file__).parents[2] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    begin, end = "<!-- policy:begin -->\n", "<!-- policy:end -->"
    printed = text[text.index(begin) + len(begin) : text.index(end)]
    assert printed == markdown(), "run: python -m entrypoints.http.policy"
